// Copyright (c) 2026, order_tracking developers
// License: MIT. See license.txt

frappe.ui.form.on("Order Tracking Settings", {
	refresh(frm) {
		frm.add_custom_button(__("Rebuild Trackers"), () => {
			frappe.confirm(
				__(
					"Rebuild the tracker and timeline of every Sales Order in the background? Orders already tracked keep their events."
				),
				() =>
					frappe
						.xcall("order_tracking.order_tracking.backfill.enqueue_backfill")
						.then(() => {
							frappe.show_alert({ message: __("Rebuild queued"), indicator: "blue" });
							frm.reload_doc();
						})
						.catch(() => {
							// the server's message is already shown
						})
			);
		});
	},
});
