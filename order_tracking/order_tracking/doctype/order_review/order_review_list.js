frappe.listview_settings["Order Review"] = {
	add_fields: ["result", "workflow_state", "approval_required"],
	get_indicator(doc) {
		const colors = { Pass: "green", Warn: "orange", Fail: "red" };
		if (doc.workflow_state) {
			const state_colors = {
				Draft: "gray",
				"Pending Approval": "orange",
				Approved: "green",
				Rejected: "red",
				Cancelled: "darkgrey",
			};
			return [
				__(doc.workflow_state, null, "Order Review"),
				state_colors[doc.workflow_state] || "gray",
				"workflow_state,=," + doc.workflow_state,
			];
		}
		return [__(doc.result, null, "Order Review"), colors[doc.result] || "gray", "result,=," + doc.result];
	},
};
