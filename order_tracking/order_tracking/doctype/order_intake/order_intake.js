// Copyright (c) 2026, order_tracking developers
// License: MIT. See license.txt

frappe.ui.form.on("Order Intake", {
	refresh(frm) {
		const colors = { New: "blue", Rejected: "red", Converted: "green", Duplicate: "orange" };
		if (!frm.is_new()) {
			frm.page.set_indicator(__(frm.doc.status, null, "Order Intake"), colors[frm.doc.status] || "gray");
		}
		if (frm.doc.sales_order) {
			frm.add_custom_button(__("Sales Order"), () =>
				frappe.set_route("Form", "Sales Order", frm.doc.sales_order)
			);
		} else if (!frm.is_new() && ["New", "Rejected"].includes(frm.doc.status)) {
			frm.add_custom_button(__("Create Sales Order"), () => {
				frappe
					.xcall("order_tracking.api.intake.convert_intake", { intake: frm.doc.name })
					.then((r) => {
						frm.reload_doc();
						if (r && r.sales_order) {
							frappe.show_alert({
								message: __("Sales Order {0} created", [r.sales_order]),
								indicator: "green",
							});
						}
					})
					.catch(() => frm.reload_doc());
			}).addClass("btn-primary");
		}
		if (frm.doc.duplicate_of) {
			frm.set_intro(__("This order duplicates intake {0}", [frm.doc.duplicate_of]), "orange");
		}
		if (frm.doc.status === "Rejected") {
			frm.set_intro(
				__("Correct the errors below and save, then create the Sales Order."),
				"red"
			);
		}
	},
	customer(frm) {
		frm.set_value("order_currency", null);
		frm.set_value("price_list", null);
	},
});
