// Copyright (c) 2026, order_tracking developers
// License: MIT. See license.txt

// The calendar of promised dates: each order on its delivery date, coloured by the stage its Order
// Tracker has reached (order_tracking.order_planning.promised_dates). Loaded after ERPNext's
// Sales Order calendar, which it replaces.
frappe.views.calendar["Sales Order"] = {
	field_map: {
		start: "delivery_date",
		end: "delivery_date",
		id: "name",
		title: "title",
		allDay: "allDay",
		convertToUserTz: "convertToUserTz",
	},
	filters: [
		{ fieldtype: "Link", fieldname: "customer", options: "Customer", label: __("Customer") },
		{
			fieldtype: "Select",
			fieldname: "delivery_status",
			options: "\nNot Delivered\nFully Delivered\nPartly Delivered\nClosed\nNot Applicable",
			label: __("Delivery Status"),
		},
	],
	get_events_method: "order_tracking.api.planning.get_promised_dates",
};
