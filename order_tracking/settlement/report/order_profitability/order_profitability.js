// Copyright (c) 2026, order_tracking developers
// License: MIT. See license.txt

frappe.query_reports["Order Profitability"] = {
	filters: order_tracking.kpi_filters({
		group_by: {
			options: [
				{ value: "Sales Order", label: __("Sales Order") },
				{ value: "Customer", label: __("Customer") },
				{ value: "Month", label: __("Month") },
			],
			default: "Customer",
		},
	}),
};
