// Copyright (c) 2026, order_tracking developers
// License: MIT. See license.txt

frappe.ui.form.on("Order Review", {
	refresh(frm) {
		const colors = { Pass: "green", Warn: "orange", Fail: "red" };
		if (frm.doc.result) {
			frm.dashboard.set_headline_alert(
				`<span class="indicator ${colors[frm.doc.result]}">${__("Result")}: ${__(
					frm.doc.result,
					null,
					"Order Review"
				)}</span>` +
					(frm.doc.approval_required
						? ` &nbsp; ${__("Needs Approval by an Order Reviewer")}: ${frappe.utils.escape_html(
								frm.doc.approval_reason || ""
						  )}`
						: "") +
					(frm.doc.proposed_date
						? ` &nbsp; <span class="indicator orange">${__(
								"Proposed Delivery Date"
						  )}: ${frappe.datetime.str_to_user(frm.doc.proposed_date)}</span>`
						: "")
			);
		}
		if (frm.doc.docstatus === 0 && !frm.is_new() && frm.has_perm("write")) {
			frm.add_custom_button(__("Re-run Checks"), () =>
				frappe
					.xcall("order_tracking.api.review.rerun_order_review", { review: frm.doc.name })
					.then(() => frm.reload_doc())
					.catch(() => {
						// the server's message is already shown
					})
			);
		}
		if (frm.doc.sales_order) {
			frm.add_custom_button(__("Sales Order"), () =>
				frappe.set_route("Form", "Sales Order", frm.doc.sales_order)
			);
		}
	},
});
