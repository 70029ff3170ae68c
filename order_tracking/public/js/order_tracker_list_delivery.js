// Order Tracking (Delivery): dispatch the selected orders Ready to Ship from the tracker list.

(function () {
	const settings = (frappe.listview_settings["Order Tracker"] =
		frappe.listview_settings["Order Tracker"] || {});
	const onload = settings.onload;
	settings.onload = function (listview) {
		if (onload) onload.call(this, listview);
		if (!frappe.model.can_create("Shipment") || !frappe.model.can_create("Delivery Note")) return;
		listview.page.add_actions_menu_item(__("Dispatch"), () => dispatch(listview), false);
	};

	function dispatch(listview) {
		const checked = listview.get_checked_items();
		const ready = checked.filter((d) => d.stage === "Ready to Ship");
		if (!ready.length) {
			frappe.msgprint(__("Select orders that are Ready to Ship"));
			return;
		}
		frappe.db
			.get_value("Order Tracking Settings", null, [
				"default_carrier",
				"default_parcel_template",
				"dispatch_with_pick_list",
			])
			.then(({ message: defaults }) => {
				const dialog = new frappe.ui.Dialog({
					title: __("Dispatch {0} Orders", [ready.length]),
					size: "large",
					fields: [
						{
							fieldname: "carrier",
							fieldtype: "Link",
							options: "Logistics Carrier",
							label: __("Carrier"),
							reqd: 1,
							default: defaults.default_carrier,
						},
						{
							fieldname: "pickup_date",
							fieldtype: "Date",
							label: __("Pickup Date"),
							reqd: 1,
							default: frappe.datetime.get_today(),
						},
						{ fieldtype: "Column Break" },
						{
							fieldname: "parcel_template",
							fieldtype: "Link",
							options: "Shipment Parcel Template",
							label: __("Parcel"),
							default: defaults.default_parcel_template,
						},
						{
							fieldname: "use_pick_list",
							fieldtype: "Check",
							label: __("Pick Goods with a Pick List"),
							default: defaults.dispatch_with_pick_list,
						},
						{ fieldtype: "Section Break" },
						{
							fieldname: "orders",
							fieldtype: "Table",
							label: __("Orders"),
							cannot_add_rows: true,
							in_place_edit: true,
							data: ready.map((d) => ({ sales_order: d.name, customer: d.customer_name })),
							fields: [
								{
									fieldname: "sales_order",
									fieldtype: "Link",
									options: "Sales Order",
									label: __("Sales Order"),
									read_only: 1,
									in_list_view: 1,
								},
								{
									fieldname: "customer",
									fieldtype: "Data",
									label: __("Customer"),
									read_only: 1,
									in_list_view: 1,
								},
								{
									fieldname: "waybill",
									fieldtype: "Data",
									label: __("Waybill"),
									reqd: 1,
									in_list_view: 1,
								},
								{
									fieldname: "weight",
									fieldtype: "Float",
									label: __("Weight"),
									in_list_view: 1,
								},
							],
						},
					],
					primary_action_label: __("Dispatch"),
					primary_action(values) {
						// the dialog stays open (with the user's input) until the server has answered
						dialog.disable_primary_action();
						frappe
							.xcall("order_tracking.api.dispatch.dispatch_orders", {
								orders: (values.orders || []).map((row) => ({
									sales_order: row.sales_order,
									waybill: row.waybill,
									weight: row.weight,
								})),
								carrier: values.carrier,
								pickup_date: values.pickup_date,
								parcel_template: values.parcel_template,
								use_pick_list: values.use_pick_list ? 1 : 0,
							})
							.then((result) => {
								dialog.hide();
								const links = result.orders
									.map((r) => `${r.sales_order}: ${frappe.utils.get_form_link("Shipment", r.shipment, true)} (${frappe.utils.escape_html(r.waybill)})`)
									.join("<br>");
								frappe.msgprint({
									title: __("Dispatched"),
									message: links,
									indicator: "green",
								});
								listview.refresh();
							})
							.catch(() => dialog.enable_primary_action());
					},
				});
				dialog.show();
			});
	}
})();
