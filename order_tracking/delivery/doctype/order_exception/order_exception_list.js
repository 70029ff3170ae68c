frappe.listview_settings["Order Exception"] = {
	add_fields: ["status", "kind", "opened_on"],
	get_indicator(doc) {
		const colors = { Open: "red", Acknowledged: "orange", Resolved: "green" };
		return [__(doc.status, null, "Order Exception"), colors[doc.status] || "gray", "status,=," + doc.status];
	},
	formatters: {
		opened_on(value) {
			if (!value) return "";
			const days = frappe.datetime.get_day_diff(frappe.datetime.get_today(), value);
			return `${frappe.datetime.str_to_user(value)} <span class="text-muted">(${__("{0} days", [days])})</span>`;
		},
	},
	onload(listview) {
		// Filter by age: opened at least so many days ago.
		listview.page.add_field({
			fieldtype: "Select",
			fieldname: "age",
			label: __("Age"),
			options: [
				{ value: "", label: __("Any Age") },
				{ value: "1", label: __("Older than 1 day") },
				{ value: "3", label: __("Older than 3 days") },
				{ value: "7", label: __("Older than 7 days") },
				{ value: "30", label: __("Older than 30 days") },
			],
			change() {
				const days = cint(this.get_value());
				listview.filter_area.remove("opened_on").then(() => {
					if (!days) return;
					listview.filter_area.add([
						[
							"Order Exception",
							"opened_on",
							"<=",
							frappe.datetime.add_days(frappe.datetime.get_today(), -days),
						],
					]);
				});
			},
		});
	},
};
