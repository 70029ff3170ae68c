// Copyright (c) 2026, order_tracking developers
// License: MIT. See license.txt

frappe.ui.form.on("Outsourcing Receipt", {
	setup(frm) {
		frm.set_query("outsourcing_order", () => ({
			filters: { docstatus: 1, status: ["in", ["Sent", "Partly Returned"]] },
		}));
	},
});
