// Copyright (c) 2026, order_tracking developers
// License: MIT. See license.txt

frappe.listview_settings["Order Plan"] = {
	add_fields: ["status", "late_lines"],
	get_indicator(doc) {
		const colors = {
			Draft: "red",
			Scheduled: "orange",
			Submitted: "blue",
			"Creating Work Orders": "blue",
			"Work Orders Created": "green",
			Failed: "red",
			Cancelled: "gray",
		};
		return [__(doc.status, null, "Order Plan"), colors[doc.status] || "gray", `status,=,${doc.status}`];
	},
};
