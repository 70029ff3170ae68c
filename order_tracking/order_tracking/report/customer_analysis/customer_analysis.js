// Copyright (c) 2026, order_tracking developers
// License: MIT. See license.txt

frappe.query_reports["Customer Analysis"] = {
	filters: order_tracking.kpi_filters({
		group_by: {
			options: [
				{ value: "Customer", label: __("Customer") },
				{ value: "Customer Group", label: __("Customer Group") },
			],
			default: "Customer",
		},
	}),
};
