frappe.listview_settings["Order Intake"] = {
	add_fields: ["status", "sales_order"],
	get_indicator(doc) {
		const colors = { New: "blue", Rejected: "red", Converted: "green", Duplicate: "orange" };
		return [__(doc.status, null, "Order Intake"), colors[doc.status] || "gray", "status,=," + doc.status];
	},
};
