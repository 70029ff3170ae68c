// Copyright (c) 2026, order_tracking developers
// License: MIT. See license.txt

frappe.ui.form.on("Order Return", {
	setup(frm) {
		frm.set_query("delivery_note", () => ({
			filters: [
				["Delivery Note", "docstatus", "=", 1],
				["Delivery Note", "is_return", "=", 0],
				["Delivery Note Item", "against_sales_order", "=", frm.doc.sales_order || ""],
			],
		}));
		frm.set_query("return_warehouse", () => ({ filters: { company: frm.doc.company, is_group: 0 } }));
	},
	refresh(frm) {
		const links = [
			["return_delivery_note", "Delivery Note"],
			["credit_note", "Sales Invoice"],
			["new_delivery_note", "Delivery Note"],
			["work_order", "Work Order"],
		];
		for (const [field, doctype] of links) {
			if (frm.doc[field]) {
				frm.add_custom_button(__(frappe.meta.get_label(frm.doctype, field)), () =>
					frappe.set_route("Form", doctype, frm.doc[field])
				, __("View"));
			}
		}
	},
	sales_order(frm) {
		frm.set_value("delivery_note", null);
	},
	delivery_note(frm) {
		frm.clear_table("items");
		if (!frm.doc.delivery_note) {
			frm.refresh_field("items");
			return;
		}
		frappe
			.call({
				method: "order_tracking.api.settlement.return_lines",
				args: { delivery_note: frm.doc.delivery_note, sales_order: frm.doc.sales_order },
				type: "GET",
			})
			.then(({ message: lines }) => {
				for (const line of lines) frm.add_child("items", line);
				frm.refresh_field("items");
			});
	},
});

frappe.ui.form.on("Order Return Item", {
	qty(frm, cdt, cdn) {
		const row = locals[cdt][cdn];
		frappe.model.set_value(cdt, cdn, "amount", flt(row.qty) * flt(row.rate));
	},
});
