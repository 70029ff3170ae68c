// Copyright (c) 2026, order_tracking developers
// License: MIT. See license.txt

frappe.listview_settings["Daily Schedule"] = {
	add_fields: ["status", "late_count"],
	get_indicator(doc) {
		if (doc.status === "Superseded") return [__("Superseded", null, "Daily Schedule"), "gray", "status,=,Superseded"];
		if (doc.late_count) return [__("{0} late", [doc.late_count]), "orange", "status,=,Current"];
		return [__("Current", null, "Daily Schedule"), "green", "status,=,Current"];
	},
	onload(listview) {
		if (!frappe.model.can_create("Daily Schedule")) return;
		listview.page.add_inner_button(__("Schedule Today Now"), () => {
			frappe.prompt(
				[
					{
						fieldname: "company",
						fieldtype: "Link",
						options: "Company",
						label: __("Company"),
						reqd: 1,
						default: frappe.defaults.get_user_default("Company"),
					},
				],
				(values) =>
					frappe
						.xcall("order_tracking.api.planning.regenerate_daily_schedule", { company: values.company })
						.then((name) => frappe.set_route("Form", "Daily Schedule", name))
						.catch(() => {
							// the server's message is already shown
						}),
				__("Schedule Open Work Orders"),
				__("Schedule")
			);
		});
	},
};
