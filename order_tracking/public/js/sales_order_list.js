// Sales Order list: colour the Order Stage column the way the form does.

frappe.provide("order_tracking");

(function () {
	const settings = frappe.listview_settings["Sales Order"] || {};
	const colors = {
		Received: "gray",
		"Under Review": "orange",
		Approved: "blue",
		Planned: "blue",
		"In Production": "purple",
		"Ready to Ship": "cyan",
		Shipped: "cyan",
		Delivered: "green",
		Billed: "green",
		Paid: "green",
		Closed: "darkgrey",
		Cancelled: "red",
	};
	settings.add_fields = (settings.add_fields || []).concat(["order_stage"]);
	const formatters = settings.formatters || {};
	formatters.order_stage = function (value) {
		if (!value) return "";
		return `<span class="indicator-pill ${colors[value] || "gray"}">${__(value, null, "Order Tracker")}</span>`;
	};
	settings.formatters = formatters;
	frappe.listview_settings["Sales Order"] = settings;
})();
