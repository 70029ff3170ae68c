// Copyright (c) 2026, order_tracking developers
// License: MIT. See license.txt

frappe.ui.form.on("Daily Schedule", {
	refresh(frm) {
		frm.trigger("render_timeline");
		if (!frm.is_new() && frm.has_perm("write")) {
			frm.add_custom_button(__("Schedule Again Now"), () =>
				frm
					.call({ doc: frm.doc, method: "regenerate", freeze: true, freeze_message: __("Scheduling...") })
					.then((r) => frappe.set_route("Form", "Daily Schedule", r.message))
			);
		}
		if (!frm.is_new() && frm.has_perm("print")) {
			frm.add_custom_button(__("Print Dispatch List"), () => frm.print_doc());
		}
		if (frm.doc.status === "Superseded") {
			frm.dashboard.set_headline_alert(
				`<span class="indicator gray">${__("A newer schedule replaced this one")}</span>`
			);
		}
	},

	render_timeline(frm) {
		// lanes by workstation, drag to move (public/js/operations_gantt.js, loaded through hooks)
		order_tracking.operations_gantt.for_daily_schedule(frm);
	},
});
