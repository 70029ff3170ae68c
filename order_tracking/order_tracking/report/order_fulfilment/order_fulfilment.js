// Copyright (c) 2026, order_tracking developers
// License: MIT. See license.txt

frappe.query_reports["Order Fulfilment"] = {
	filters: order_tracking.kpi_filters({
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
