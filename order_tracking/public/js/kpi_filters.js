// Copyright (c) 2026, order_tracking developers
// License: MIT. See license.txt

// The filters every order KPI report shares (On-Time Delivery, Order Cycle Time, Order Fulfilment,
// Customer Analysis, Order Profitability): the company, the last twelve months, customer, customer
// group and item group, then the report's own "Group By". Loaded on every desk page by
// hooks.app_include_js (served from sites/assets/order_tracking, which `bench build --app
// order_tracking` links), so a report's .js only names what is its own:
//
//   frappe.query_reports["Order Fulfilment"] = {
//   	filters: order_tracking.kpi_filters({
//   		group_by: { options: [{ value: "Month", label: __("Month") }, …], default: "Month" },
//   	}),
//   };
//
// after_period: filters placed between the period and the customer (On-Time Delivery's "Based On");
// group_by: { options, default, reqd (1 unless 0) }, or nothing for a report without a grouping.

frappe.provide("order_tracking");

order_tracking.kpi_filters = function ({ after_period = [], group_by = null } = {}) {
	const today = frappe.datetime.get_today();
	const filters = [
		{
			fieldname: "company",
			label: __("Company"),
			fieldtype: "Link",
			options: "Company",
			default: frappe.defaults.get_user_default("Company"),
		},
		{
			fieldname: "from_date",
			label: __("From Date"),
			fieldtype: "Date",
			default: frappe.datetime.add_days(frappe.datetime.add_months(today, -12), 1),
			reqd: 1,
		},
		{ fieldname: "to_date", label: __("To Date"), fieldtype: "Date", default: today, reqd: 1 },
		...after_period,
		{ fieldname: "customer", label: __("Customer"), fieldtype: "Link", options: "Customer" },
		{ fieldname: "customer_group", label: __("Customer Group"), fieldtype: "Link", options: "Customer Group" },
		{ fieldname: "item_group", label: __("Item Group"), fieldtype: "Link", options: "Item Group" },
	];
	if (group_by) {
		filters.push({
			fieldname: "group_by",
			label: __("Group By"),
			fieldtype: "Select",
			options: group_by.options,
			default: group_by.default,
			reqd: group_by.reqd === undefined ? 1 : group_by.reqd,
		});
	}
	return filters;
};
