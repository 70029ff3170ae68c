// Copyright (c) 2026, order_tracking developers
// License: MIT. See license.txt

frappe.listview_settings["Outsourcing Order"] = {
	add_fields: ["status", "is_late"],
	get_indicator(doc) {
		if (doc.is_late && !["Returned", "Closed", "Cancelled"].includes(doc.status)) {
			return [__("Late"), "red", "is_late,=,1"];
		}
		const colors = {
			Draft: "red",
			"To Send": "orange",
			Sent: "blue",
			"Partly Returned": "yellow",
			Returned: "green",
			Closed: "gray",
			Cancelled: "gray",
		};
		return [__(doc.status, null, "Outsourcing Order"), colors[doc.status] || "gray", `status,=,${doc.status}`];
	},
};
