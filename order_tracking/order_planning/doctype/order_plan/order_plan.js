// Copyright (c) 2026, order_tracking developers
// License: MIT. See license.txt

frappe.ui.form.on("Order Plan", {
	setup(frm) {
		frm.set_query("company", () => ({ filters: { is_group: 0 } }));
	},

	refresh(frm) {
		frm.trigger("show_summary");
		frm.trigger("render_capacity_chart");
		// lanes by workstation, drag to move (public/js/operations_gantt.js, loaded through hooks)
		order_tracking.operations_gantt.for_order_plan(frm);
		// only what the user may do: readers of a plan see none of its actions
		if (frm.doc.docstatus === 0 && frm.has_perm("write")) {
			frm.add_custom_button(__("Get Orders"), () =>
				frm.call({ doc: frm.doc, method: "get_orders", freeze: true, freeze_message: __("Scheduling...") }).then(
					(r) => {
						frm.dirty();
						frappe.show_alert({
							message: __("{0} lines fetched and scheduled", [r.message || 0]),
							indicator: "green",
						});
						frm.refresh();
					}
				)
			);
			if ((frm.doc.items || []).length) {
				frm.add_custom_button(__("Schedule Again"), () =>
					frm.call({ doc: frm.doc, method: "schedule", freeze: true, freeze_message: __("Scheduling...") }).then(
						() => {
							frm.dirty();
							frm.refresh();
						}
					)
				);
			}
		}
		if (frm.doc.docstatus === 1 && frm.doc.status === "Failed" && frm.has_perm("submit")) {
			frm.add_custom_button(__("Retry Work Orders"), () =>
				frm.call({ doc: frm.doc, method: "retry_work_orders" }).then(() => frm.reload_doc())
			);
		}
		if (frm.doc.docstatus === 1 && frm.doc.work_orders_created && frappe.model.can_read("Work Order")) {
			frm.add_custom_button(
				__("Work Orders"),
				() => frappe.set_route("List", "Work Order", { order_plan: frm.doc.name }),
				__("View")
			);
		}
		if (
			frm.doc.docstatus === 1 &&
			frm.doc.material_requests_created &&
			frappe.model.can_read("Material Request")
		) {
			frm.add_custom_button(
				__("Material Requests"),
				() => frappe.set_route("List", "Material Request", { order_plan: frm.doc.name }),
				__("View")
			);
		}
		if (frm.doc.docstatus === 1 && frm.doc.outsource_candidates && frappe.model.can_create("Outsourcing Order")) {
			frm.add_custom_button(__("Outsource Candidates"), () => {
				const dialog = new frappe.ui.Dialog({
					title: __("Outsource Candidates"),
					fields: [
						{ fieldname: "supplier", fieldtype: "Link", options: "Supplier", label: __("Supplier"), reqd: 1 },
						{ fieldname: "due_date", fieldtype: "Date", label: __("Return Due"), reqd: 1 },
					],
					primary_action_label: __("Create"),
					primary_action(values) {
						// the dialog stays open (with the user's input) until the server has answered
						dialog.disable_primary_action();
						frappe
							.xcall("order_tracking.api.outsourcing.make_from_plan", { plan: frm.doc.name, ...values })
							.then((doc) => {
								dialog.hide();
								frappe.set_route("Form", "Outsourcing Order", doc.name);
							})
							.catch(() => dialog.enable_primary_action());
					},
				});
				dialog.show();
			});
		}
		if (
			frm.doc.docstatus === 1 &&
			frm.doc.period_type === "Week" &&
			(frappe.boot.user.all_reports || {})["Plan Attainment"] &&
			frappe.model.can_get_report("Order Plan")
		) {
			frm.add_custom_button(
				__("Plan Attainment"),
				() => frappe.set_route("query-report", "Plan Attainment", { order_plan: frm.doc.name }),
				__("View")
			);
		}
		if (frm.doc.status === "Creating Work Orders") {
			frm.dashboard.set_headline_alert(
				`<span class="indicator blue">${__("Creating work orders in the background")}</span>`
			);
		}
	},

	period_type(frm) {
		if (frm.doc.period_type !== "Week") frm.set_value("weeks", 0);
		else if (!frm.doc.weeks) frm.set_value("weeks", 2);
	},

	show_summary(frm) {
		if (!frm.doc.scheduled_at || frm.doc.status === "Creating Work Orders") return;
		const parts = [
			`${__("Load")}: ${format_number(frm.doc.load_hours || 0, null, 1)} h`,
			`${__("Highest Utilisation")}: ${format_number(frm.doc.max_utilisation_pct || 0, null, 1)}%`,
		];
		// a candidate the plan proposed is a line late in-house (late_lines counts production only)
		const proposed = (frm.doc.items || []).filter(
			(i) => i.allocation === "Outsource Candidate" && !i.allocation_by_planner
		).length;
		const by_planner = Math.max((frm.doc.outsource_candidates || 0) - proposed, 0);
		const late = [
			frm.doc.late_lines
				? `<span class="indicator orange">${__("{0} late lines", [frm.doc.late_lines])}</span>`
				: "",
			proposed
				? `<span class="indicator orange">${__("{0} lines late in-house, proposed for outsourcing", [
						proposed,
				  ])}</span>`
				: "",
		]
			.filter(Boolean)
			.join(" &nbsp; ");
		const on_time = late || `<span class="indicator green">${__("Every line on time")}</span>`;
		const fails = (frm.doc.warnings || []).filter((w) => w.level === "Fail").length;
		const fail =
			fails > 0 ? ` &nbsp; <span class="indicator red">${__("{0} problems to fix", [fails])}</span>` : "";
		const outsource = by_planner
			? ` &nbsp; <span class="indicator purple">${__("{0} outsourcing candidates", [by_planner])}</span>`
			: "";
		frm.dashboard.set_headline_alert(`${on_time}${fail}${outsource} &nbsp; ${parts.join(" &nbsp; ")}`);
	},

	render_capacity_chart(frm) {
		const wrapper = frm.get_field("capacity_chart").$wrapper;
		wrapper.empty();
		const rows = frm.doc.capacity || [];
		if (!rows.length) return;
		if (!wrapper.is(":visible")) {
			// a chart drawn in a hidden tab has no width: draw it when its tab is first shown
			frm.$wrapper
				.find('.form-tabs .nav-link[data-fieldname="tab_capacity"]')
				.off("shown.bs.tab.ot_capacity")
				.one("shown.bs.tab.ot_capacity", () => frm.trigger("render_capacity_chart"));
			return;
		}
		const buckets = [...new Set(rows.map((r) => r.bucket))];
		const stations = [...new Set(rows.map((r) => r.workstation))];
		const value = (ws, b, field) => {
			const row = rows.find((r) => r.workstation === ws && r.bucket === b);
			return row ? row[field] || 0 : 0;
		};
		const $chart = $("<div>").appendTo(wrapper);
		new frappe.Chart($chart[0], {
			title: __("Utilisation by workstation and period (%)"),
			type: "bar",
			height: 260,
			data: {
				labels: stations,
				datasets: buckets.map((b) => ({
					name: b,
					values: stations.map((ws) => value(ws, b, "utilisation_pct")),
				})),
				yMarkers: [{ label: "100%", value: 100 }],
			},
			barOptions: { spaceRatio: 0.3 },
		});
	},
});

frappe.ui.form.on("Order Plan Item", {
	allocation(frm, cdt, cdn) {
		frappe.model.set_value(cdt, cdn, "allocation_by_planner", 1);
	},
});
