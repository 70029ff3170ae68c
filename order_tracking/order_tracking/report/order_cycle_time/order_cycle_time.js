// Copyright (c) 2026, order_tracking developers
// License: MIT. See license.txt

frappe.query_reports["Order Cycle Time"] = {
	filters: order_tracking.kpi_filters({
		group_by: {
			options: [
				{ value: "", label: "" },
				{ value: "Customer", label: __("Customer") },
				{ value: "Item Group", label: __("Item Group") },
				{ value: "Month", label: __("Month") },
			],
			default: "",
			reqd: 0,
		},
	}),
	formatter(value, row, column, data, default_formatter) {
		value = default_formatter(value, row, column, data);
		// the two spans over several stages stand out from the steps
		return data && data.is_total && column.fieldname === "segment" ? `<b>${value}</b>` : value;
	},
};
