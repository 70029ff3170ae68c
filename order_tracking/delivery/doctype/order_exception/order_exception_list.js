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
		// Filter by age: opened at least so many days ago. A menu, not page.add_field: a list view
		// turns a page field into a query filter on a column of that name, and there is no "age".
		const by_age = (days) => () =>
			listview.filter_area.remove("opened_on").then(() => {
				if (!days) return;
				return listview.filter_area.add([
					[
						"Order Exception",
						"opened_on",
						"<=",
						frappe.datetime.add_days(frappe.datetime.get_today(), -days),
					],
				]);
			});
		const group = __("Age");
		listview.page.add_inner_button(__("Any Age"), by_age(0), group);
		for (const days of [1, 3, 7, 30]) {
			const label = days === 1 ? __("Older than 1 day") : __("Older than {0} days", [days]);
			listview.page.add_inner_button(label, by_age(days), group);
		}
	},
};
