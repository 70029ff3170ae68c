// Copyright (c) 2026, order_tracking developers
// License: MIT. See license.txt

frappe.ui.form.on("Outsourcing Order", {
	setup(frm) {
		frm.set_query("supplier_warehouse", () => ({ filters: { company: frm.doc.company, is_group: 0 } }));
		frm.set_query("job_card", "items", () => ({ filters: { docstatus: 0 } }));
	},

	refresh(frm) {
		if (frm.doc.docstatus !== 1) return;
		// only what the user may do: sending and closing need submit rights, a receipt create rights
		const may_submit = frm.has_perm("submit");
		if (frm.doc.status === "To Send" && may_submit) {
			frm.add_custom_button(__("Send to Supplier"), () =>
				frm.call({ doc: frm.doc, method: "send_to_supplier", freeze: true }).then(() => frm.reload_doc())
			).addClass("btn-primary");
		}
		if (["Sent", "Partly Returned"].includes(frm.doc.status) && frappe.model.can_create("Outsourcing Receipt")) {
			frm.add_custom_button(
				__("Outsourcing Receipt"),
				() =>
					frappe
						.call({
							method: "order_tracking.api.outsourcing.make_receipt",
							args: { order: frm.doc.name },
							type: "GET",
							freeze: true,
						})
						.then(({ message: doc }) => {
							frappe.model.sync(doc);
							frappe.set_route("Form", "Outsourcing Receipt", doc.name);
						}),
				__("Create")
			);
		}
		if (!["Closed", "Cancelled"].includes(frm.doc.status) && may_submit) {
			frm.add_custom_button(
				__("Close"),
				() =>
					frappe.confirm(__("Expect nothing more from the supplier on this order?"), () =>
						frm.call({ doc: frm.doc, method: "close", freeze: true }).then(() => frm.reload_doc())
					),
				__("Status")
			);
		}
		for (const [field, doctype] of [
			["purchase_order", "Purchase Order"],
			["subcontracting_order", "Subcontracting Order"],
		]) {
			if (frm.doc[field] && frappe.model.can_read(doctype)) {
				frm.add_custom_button(__(doctype), () => frappe.set_route("Form", doctype, frm.doc[field]), __("View"));
			}
		}
		if (frappe.model.can_read("Outsourcing Receipt")) {
			frm.add_custom_button(
				__("Outsourcing Receipts"),
				() => frappe.set_route("List", "Outsourcing Receipt", { outsourcing_order: frm.doc.name }),
				__("View")
			);
		}
		if (frm.doc.is_late) {
			frm.dashboard.set_headline_alert(
				`<span class="indicator red">${__("Late: due back on {0}", [frappe.datetime.str_to_user(frm.doc.due_date)])}</span>`
			);
		}
	},
});
