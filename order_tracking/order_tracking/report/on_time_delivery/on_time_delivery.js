// Copyright (c) 2026, order_tracking developers
// License: MIT. See license.txt

frappe.query_reports["On-Time Delivery"] = {
	filters: order_tracking.kpi_filters({
		after_period: [
			{
				fieldname: "based_on",
				label: __("Based On"),
				fieldtype: "Select",
				options: [
					{ value: "Order Date", label: __("Order Date") },
					{ value: "Delivery Date", label: __("Delivery Date") },
				],
				default: "Order Date",
			},
		],
		group_by: {
			options: [
				{ value: "Month", label: __("Month") },
				{ value: "Customer", label: __("Customer") },
				{ value: "Item Group", label: __("Item Group") },
			],
			default: "Month",
		},
	}),
};
