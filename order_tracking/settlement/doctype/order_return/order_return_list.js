// Copyright (c) 2026, order_tracking developers
// License: MIT. See license.txt

frappe.listview_settings["Order Return"] = {
	add_fields: ["status", "decision"],
	get_indicator(doc) {
		const colors = {
			Draft: "red",
			"Awaiting Redelivery": "orange",
			"In Rework": "orange",
			Completed: "green",
			Cancelled: "gray",
		};
		return [__(doc.status), colors[doc.status] || "gray", "status,=," + doc.status];
	},
};
