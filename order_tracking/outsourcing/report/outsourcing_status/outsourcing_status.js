// Copyright (c) 2026, order_tracking developers
// License: MIT. See license.txt

frappe.query_reports["Outsourcing Status"] = {
	filters: [
		{ fieldname: "company", label: __("Company"), fieldtype: "Link", options: "Company", default: frappe.defaults.get_user_default("Company") },
		{ fieldname: "supplier", label: __("Supplier"), fieldtype: "Link", options: "Supplier" },
		{ fieldname: "outsourcing_type", label: __("Outsourcing Type"), fieldtype: "Select", options: ["", "Whole Order", "Semi-finished", "Operation"] },
		{ fieldname: "late_only", label: __("Late Only"), fieldtype: "Check" },
		{ fieldname: "include_closed", label: __("Include Returned and Closed"), fieldtype: "Check" },
	],
	formatter(value, row, column, data, default_formatter) {
		value = default_formatter(value, row, column, data);
		if (column.fieldname === "days_late" && data && data.days_late > 0) {
			value = `<span style="color: var(--red-600); font-weight: 600">${value}</span>`;
		}
		return value;
	},
};
