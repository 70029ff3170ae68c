// Copyright (c) 2026, order_tracking developers
// License: MIT. See license.txt

frappe.ui.form.on("Supplier Statement", {
	refresh(frm) {
		if (frm.doc.docstatus === 0 && !frm.is_new() && frm.has_perm("write")) {
			frm.add_custom_button(__("Get Receipts"), () => order_tracking.get_statement_receipts(frm));
		}
		if (frm.doc.purchase_invoice) {
			frm.add_custom_button(__("Purchase Invoice"), () =>
				frappe.set_route("Form", "Purchase Invoice", frm.doc.purchase_invoice)
			);
		}
	},
	supplier(frm) {
		frm.clear_table("receipts");
		frm.refresh_field("receipts");
	},
});

frappe.ui.form.on("Supplier Statement Adjustment", {
	amount(frm) {
		frm.dirty();
	},
});

frappe.provide("order_tracking");

order_tracking.get_statement_receipts = function (frm) {
	const run = () =>
		frm.call({ method: "get_receipts", doc: frm.doc, freeze: true }).then((r) => {
			frm.dirty();
			frm.refresh_fields();
			frappe.show_alert({ message: __("{0} receipt lines", [r.message || 0]), indicator: "green" });
		});
	if (frm.doc.receipts && frm.doc.receipts.length) {
		frappe.confirm(__("Replace the receipts listed with those of the period?"), run);
	} else {
		run();
	}
};
