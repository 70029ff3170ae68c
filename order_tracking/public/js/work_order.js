// Order Tracking on the Work Order form: outsource one of its operations.

frappe.ui.form.on("Work Order", {
	refresh(frm) {
		if (frm.doc.docstatus !== 1 || !["Not Started", "In Process"].includes(frm.doc.status)) return;
		if (!frappe.model.can_create("Outsourcing Order")) return;
		frm.add_custom_button(__("Outsource an Operation"), () => {
			// the server says which cards may go out: it sees every open outsourcing order
			frappe
				.call({
					method: "order_tracking.api.outsourcing.outsourceable_job_cards",
					args: { work_order: frm.doc.name },
					type: "GET",
				})
				.then(({ message }) => ({ cards: message.cards, outsourced: message.open_cards }))
				.then(({ cards, outsourced }) => {
					if (!cards.length) {
						frappe.msgprint(
							outsourced
								? __("Every open job card of this work order is already on an outsourcing order")
								: __("This work order has no open job card to outsource")
						);
						return;
					}
					const dialog = new frappe.ui.Dialog({
						title: __("Outsource an Operation"),
						fields: [
							{
								fieldname: "job_card",
								fieldtype: "Select",
								label: __("Operation"),
								reqd: 1,
								options: cards.map((c) => ({
									label: `${c.operation} (${c.for_quantity - c.total_completed_qty})`,
									value: c.name,
								})),
								default: cards[0].name,
							},
							{ fieldname: "supplier", fieldtype: "Link", options: "Supplier", label: __("Supplier"), reqd: 1 },
							{ fieldname: "due_date", fieldtype: "Date", label: __("Return Due"), reqd: 1 },
							{ fieldname: "rate", fieldtype: "Currency", label: __("Rate") },
						],
						primary_action_label: __("Create"),
						primary_action(values) {
							// the dialog stays open (with the user's input) until the server has answered
							dialog.disable_primary_action();
							frappe
								.xcall("order_tracking.api.outsourcing.make_for_job_cards", {
									job_cards: [values.job_card],
									supplier: values.supplier,
									due_date: values.due_date,
									rate: values.rate,
								})
								.then((doc) => {
									dialog.hide();
									frappe.set_route("Form", "Outsourcing Order", doc.name);
								})
								.catch(() => dialog.enable_primary_action());
						},
					});
					dialog.show();
				});
		});
	},
});
