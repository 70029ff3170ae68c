// Order Tracking (Delivery): the order's open exceptions, shipments and carrier events on the
// Order Tracker form.

frappe.ui.form.on("Order Tracker", {
	refresh(frm) {
		if (frm.is_new()) return;
		frm.add_custom_button(
			__("Order Exceptions"),
			() => frappe.set_route("List", "Order Exception", { sales_order: frm.doc.name }),
			__("View")
		);
		if (!frappe.model.can_read("Carrier Event")) return;
		frappe
			.call({
				method: "order_tracking.api.carrier.get_carrier_events",
				args: { sales_order: frm.doc.name },
				type: "GET",
			})
			.then(({ message: r }) => {
				if (!(r.shipments || []).length) return;
				const esc = frappe.utils.escape_html;
				const shipments = r.shipments
					.map(
						(s) => `<tr>
							<td><a href="/app/shipment/${encodeURIComponent(s.shipment)}">${esc(s.shipment)}</a></td>
							<td>${esc(s.carrier || "")}</td>
							<td>${
								s.tracking_url
									? `<a href="${esc(s.tracking_url)}" target="_blank" rel="noopener">${esc(s.waybill || "")}</a>`
									: esc(s.waybill || "")
							}</td>
							<td>${esc(s.carrier_status ? __(s.carrier_status, null, "Carrier Event") : __(s.tracking_status || ""))}</td>
							<td>${esc(s.location || "")}</td>
							<td>${s.expected_arrival ? frappe.datetime.str_to_user(s.expected_arrival) : ""}</td>
						</tr>`
					)
					.join("");
				const events = (r.events || [])
					.map(
						(e) => `<tr>
							<td class="text-nowrap">${frappe.datetime.str_to_user(e.at)}</td>
							<td>${esc(e.shipment || "")}</td>
							<td>${esc(__(e.status, null, "Carrier Event"))}</td>
							<td>${esc(e.location || "")}</td>
							<td>${esc(e.detail || "")}</td>
						</tr>`
					)
					.join("");
				frm.dashboard.add_section(
					`<table class="table table-sm small">
						<thead><tr><th>${__("Shipment")}</th><th>${__("Carrier")}</th><th>${__("Waybill")}</th>
						<th>${__("Carrier Status")}</th><th>${__("Location")}</th><th>${__("Expected Arrival")}</th></tr></thead>
						<tbody>${shipments}</tbody></table>
					<table class="table table-sm small">
						<thead><tr><th>${__("Happened At")}</th><th>${__("Shipment")}</th><th>${__("Carrier Status")}</th>
						<th>${__("Location")}</th><th>${__("Detail")}</th></tr></thead>
						<tbody>${events}</tbody></table>`,
					__("Carrier Events")
				);
			});
	},
});

// Quality: a Quality Manager releases an order a rejected final inspection holds
// for dispatch, with a reason (order_tracking.api.quality.release_quality_hold).

frappe.ui.form.on("Order Tracker", {
	refresh(frm) {
		if (frm.is_new() || !frm.doc.quality_hold) return;
		frm.dashboard.set_headline_alert(
			`<span class="indicator red">${frappe.utils.escape_html(
				frm.doc.quality_hold_reason || __("Quality Hold")
			)}</span>`
		);
		if (!frappe.user.has_role(["Quality Manager", "System Manager"])) return;
		frm.add_custom_button(__("Release Quality Hold"), () => {
			frappe.prompt(
				{
					fieldname: "reason",
					fieldtype: "Small Text",
					label: __("Reason"),
					reqd: 1,
				},
				({ reason }) =>
					frappe
						.xcall("order_tracking.api.quality.release_quality_hold", {
							sales_order: frm.doc.name,
							reason,
						})
						.then(() => frm.reload_doc())
						.catch(() => null), // frappe.xcall has shown the reason (none given, not on hold)
				__("Release Quality Hold"),
				__("Release")
			);
		});
	},
});
