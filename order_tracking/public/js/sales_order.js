// Order Tracking on the Sales Order form: where the order stands, and its timeline.

frappe.ui.form.on("Sales Order", {
	refresh(frm) {
		if (frm.is_new()) return;
		order_tracking.render_order_status(frm);
		if (frm.doc.docstatus < 2 && frappe.model.can_create("Order Review")) {
			frm.add_custom_button(
				__("Order Review"),
				() =>
					frappe
						.xcall("order_tracking.api.review.make_order_review", {
							sales_order: frm.doc.name,
						})
						.then((review) => frappe.set_route("Form", "Order Review", review))
						.catch(() => {
							// the server's message is already shown
						}),
				__("Create")
			);
		}
		if (frm.doc.docstatus === 1 && frappe.model.can_create("Outsourcing Order")) {
			frm.add_custom_button(__("Outsourcing Order"), () => order_tracking.outsource_order_line(frm), __("Create"));
		}
		if (frm.doc.docstatus === 1 && flt(frm.doc.per_delivered) > 0 && frappe.model.can_create("Order Return")) {
			frm.add_custom_button(
				__("Order Return"),
				() => frappe.new_doc("Order Return", { sales_order: frm.doc.name }),
				__("Create")
			);
		}
	},
});

frappe.provide("order_tracking");

order_tracking.STAGE_COLORS = {
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

order_tracking.render_order_status = function (frm) {
	frappe
		.call({ method: "order_tracking.api.tracking.get_order_status", args: { order: frm.doc.name }, type: "GET" })
		.then((r) => {
			const status = r.message;
			if (!status || frm.doc.name !== status.sales_order) return;
			const p = status.progress || {};
			const color = order_tracking.STAGE_COLORS[status.stage] || "gray";
			frm.dashboard.set_headline_alert(
				`<span class="indicator ${color}">${__("Order Stage")}: ${__(status.stage, null, "Order Tracker")}</span>` +
					(status.delay_days > 0
						? ` &nbsp; <span class="indicator red">${__("Delayed by {0} days", [
								status.delay_days,
						  ])}</span>`
						: "") +
					(status.eta
						? ` &nbsp; ${__("ETA")}: ${frappe.datetime.str_to_user(status.eta)}`
						: "")
			);

			const bar = (label, pct) =>
				`<div class="col-sm-2 small"><div class="text-muted">${label}</div>
				<div class="progress" style="height: 6px; margin: 4px 0;">
				<div class="progress-bar" role="progressbar" style="width: ${flt(pct)}%"></div></div>
				<div>${format_number(flt(pct), null, 0)}%</div></div>`;
			const bars =
				`<div class="row">` +
				bar(__("Produced"), p.produced_pct) +
				bar(__("Shipped"), p.shipped_pct) +
				bar(__("Delivered"), p.delivered_pct) +
				bar(__("Billed"), p.billed_pct) +
				bar(__("Paid"), p.paid_pct) +
				`</div>`;

			const rows = (status.events || [])
				.slice()
				.reverse()
				.map((e) => {
					const ref =
						e.reference_doctype && e.reference_name
							? `<a href="/app/${frappe.router.slug(e.reference_doctype)}/${encodeURIComponent(
									e.reference_name
							  )}">${__(e.reference_doctype)} ${frappe.utils.escape_html(
									e.reference_name
							  )}</a>`
							: "";
					const qty = e.qty ? format_number(e.qty) : "";
					return `<tr class="${e.is_cancellation ? "text-muted" : ""}">
						<td>${frappe.datetime.str_to_user(e.at)}</td>
						<td><span class="indicator ${order_tracking.STAGE_COLORS[e.stage] || "gray"}">${__(
						e.stage,
						null,
						"Order Event"
					)}</span></td>
						<td>${__(e.event, null, "Order Event")}</td><td>${ref}</td><td class="text-right">${qty}</td></tr>`;
				})
				.join("");
			const table = rows
				? `<table class="table table-condensed small" style="margin-top: 10px;">
					<thead><tr><th>${__("When")}</th><th>${__("Stage")}</th><th>${__("Event")}</th>
					<th>${__("Document")}</th><th class="text-right">${__("Qty")}</th></tr></thead>
					<tbody>${rows}</tbody></table>`
				: `<p class="text-muted small">${__("No events yet")}</p>`;

			const section = frm.dashboard.add_section(bars + table, __("Order Tracking"));
			section && section.addClass("order-tracking-section");
			frm.dashboard.show();
		})
		.catch(() => {
			// no permission on the tracker: the form shows nothing extra
		});
};

order_tracking.outsource_order_line = function (frm) {
	const lines = (frm.doc.items || []).map((d) => ({ label: `#${d.idx} ${d.item_code} (${d.qty})`, value: d.name }));
	const dialog = new frappe.ui.Dialog({
		title: __("Outsource"),
		fields: [
			{ fieldname: "sales_order_item", fieldtype: "Select", label: __("Line"), options: lines, reqd: 1, default: lines[0] && lines[0].value },
			{
				fieldname: "outsourcing_type",
				fieldtype: "Select",
				label: __("Outsourcing Type"),
				options: [
					{ label: __("Whole Order", null, "Outsourcing Order"), value: "Whole Order" },
					{ label: __("Semi-finished", null, "Outsourcing Order"), value: "Semi-finished" },
				],
				default: "Whole Order",
				reqd: 1,
			},
			{
				fieldname: "item_code",
				fieldtype: "Link",
				options: "Item",
				label: __("Part Made Outside"),
				depends_on: "eval:doc.outsourcing_type=='Semi-finished'",
				mandatory_depends_on: "eval:doc.outsourcing_type=='Semi-finished'",
			},
			{ fieldname: "qty", fieldtype: "Float", label: __("Qty"), description: __("Empty: what is left to deliver") },
			{ fieldname: "supplier", fieldtype: "Link", options: "Supplier", label: __("Supplier"), reqd: 1 },
			{ fieldname: "due_date", fieldtype: "Date", label: __("Return Due"), reqd: 1 },
		],
		primary_action_label: __("Create"),
		primary_action(values) {
			// the dialog stays open (with the user's input) until the server has answered
			dialog.disable_primary_action();
			frappe
				.xcall("order_tracking.api.outsourcing.make_for_order_line", values)
				.then((doc) => {
					dialog.hide();
					frappe.set_route("Form", "Outsourcing Order", doc.name);
				})
				.catch(() => dialog.enable_primary_action());
		},
	});
	dialog.show();
};
