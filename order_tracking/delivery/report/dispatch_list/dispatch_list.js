// Copyright (c) 2026, order_tracking developers
// License: MIT. See license.txt

frappe.query_reports["Dispatch List"] = {
	filters: [
		{
			fieldname: "carrier",
			label: __("Carrier"),
			fieldtype: "Link",
			options: "Logistics Carrier",
			reqd: 1,
		},
		{
			fieldname: "pickup_date",
			label: __("Pickup Date"),
			fieldtype: "Date",
			default: frappe.datetime.get_today(),
			reqd: 1,
		},
		{
			fieldname: "company",
			label: __("Company"),
			fieldtype: "Link",
			options: "Company",
		},
	],
};
