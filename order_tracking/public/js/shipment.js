// Order Tracking (Delivery): the carrier's events on the Shipment form.

frappe.ui.form.on("Shipment", {
	refresh(frm) {
		if (frm.is_new() || !frappe.model.can_read("Carrier Event")) return;
		frappe
			.call({
				method: "order_tracking.api.carrier.get_carrier_events",
				args: { shipment: frm.doc.name },
				type: "GET",
			})
			.then(({ message: r }) => {
				if ((r.events || []).some((e) => e.shipment !== frm.doc.name)) return;
				const html = order_tracking_delivery.carrier_events_html(r.events || []);
				frm.dashboard.add_section(html, __("Carrier Events"));
			});
		frm.add_custom_button(
			__("Carrier Events"),
			() => frappe.set_route("List", "Carrier Event", { shipment: frm.doc.name }),
			__("View")
		);
	},
});

frappe.provide("order_tracking_delivery");

order_tracking_delivery.carrier_events_html = function (events) {
	if (!events.length) {
		return `<div class="text-muted small">${__("No events from the carrier yet")}</div>`;
	}
	const esc = frappe.utils.escape_html;
	const rows = events
		.map(
			(e) => `<tr>
				<td class="text-nowrap">${frappe.datetime.str_to_user(e.at)}</td>
				<td>${esc(__(e.status, null, "Carrier Event"))}</td>
				<td>${esc(e.location || "")}</td>
				<td>${e.expected_arrival ? frappe.datetime.str_to_user(e.expected_arrival) : ""}</td>
				<td>${esc(e.detail || "")}</td>
			</tr>`
		)
		.join("");
	return `<table class="table table-sm small">
		<thead><tr><th>${__("Happened At")}</th><th>${__("Carrier Status")}</th>
		<th>${__("Location")}</th><th>${__("Expected Arrival")}</th><th>${__("Detail")}</th></tr></thead>
		<tbody>${rows}</tbody></table>`;
};
