frappe.listview_settings["Order Tracker"] = {
	add_fields: ["stage", "is_delayed", "on_hold"],
	get_indicator(doc) {
		const colors = {
			Received: "gray",
			"Under Review": "orange",
			Approved: "blue",
			Planned: "blue",
			"In Production": "purple",
			"Ready to Ship": "cyan",
			Shipped: "cyan",
			Delivered: "green",
			Billed: "green",
			Paid: "green",
			Closed: "darkgrey",
			Cancelled: "red",
		};
		if (doc.is_delayed && !["Closed", "Cancelled"].includes(doc.stage)) {
			return [
				__("{0} (Delayed)", [__(doc.stage, null, "Order Tracker")]),
				"red",
				"is_delayed,=,1",
			];
		}
		return [__(doc.stage, null, "Order Tracker"), colors[doc.stage] || "gray", "stage,=," + doc.stage];
	},
};
