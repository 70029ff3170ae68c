// Copyright (c) 2026, order_tracking developers
// License: MIT. See license.txt

frappe.listview_settings["Supplier Statement"] = {
	add_fields: ["status"],
	get_indicator(doc) {
		const colors = { Draft: "red", Confirmed: "orange", Invoiced: "green", Cancelled: "gray" };
		return [__(doc.status), colors[doc.status] || "gray", "status,=," + doc.status];
	},
};
