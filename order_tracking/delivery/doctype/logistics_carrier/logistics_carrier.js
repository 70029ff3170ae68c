// Copyright (c) 2026, order_tracking developers
// License: MIT. See license.txt

frappe.ui.form.on("Logistics Carrier", {
	refresh(frm) {
		if (!frm.has_perm("write")) return;
		frm.add_custom_button(__("New Secret"), () => {
			const bytes = new Uint8Array(24);
			window.crypto.getRandomValues(bytes);
			const secret = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
			frm.set_value("webhook_secret", secret);
			frappe.msgprint({
				title: __("New Secret"),
				message:
					__("Give this secret to the carrier, then save. It is not shown again:") +
					`<pre>${secret}</pre>`,
				indicator: "orange",
			});
		});
	},
});
