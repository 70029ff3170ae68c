// Copyright (c) 2026, order_tracking developers
// License: MIT. See license.txt

frappe.query_reports["Plan Attainment"] = {
	filters: [
		{
			fieldname: "company",
			label: __("Company"),
			fieldtype: "Link",
			options: "Company",
			default: frappe.defaults.get_user_default("Company"),
		},
		{
			fieldname: "order_plan",
			label: __("Order Plan"),
			fieldtype: "Link",
			options: "Order Plan",
			get_query: () => ({ filters: { docstatus: 1, period_type: "Week" } }),
		},
		{ fieldname: "from_date", label: __("From"), fieldtype: "Date", default: frappe.datetime.add_days(frappe.datetime.get_today(), -28) },
		{ fieldname: "to_date", label: __("To"), fieldtype: "Date", default: frappe.datetime.get_today() },
	],
};
