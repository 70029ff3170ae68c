// Copyright (c) 2026, order_tracking developers
// License: MIT. See license.txt

frappe.ui.form.on("Daily Schedule", {
	refresh(frm) {
		frm.trigger("render_timeline");
		if (!frm.is_new()) {
			frm.add_custom_button(__("Schedule Again Now"), () =>
				frm
					.call({ doc: frm.doc, method: "regenerate", freeze: true, freeze_message: __("Scheduling...") })
					.then((r) => frappe.set_route("Form", "Daily Schedule", r.message))
			);
			frm.add_custom_button(__("Print Dispatch List"), () => frm.print_doc());
		}
		if (frm.doc.status === "Superseded") {
			frm.dashboard.set_headline_alert(
				`<span class="indicator gray">${__("A newer schedule replaced this one")}</span>`
			);
		}
	},

	render_timeline(frm) {
		const wrapper = frm.get_field("timeline").$wrapper;
		wrapper.empty();
		const rows = frm.doc.operations || [];
		if (!rows.length) {
			wrapper.html(`<p class="text-muted">${__("Nothing is scheduled in these days")}</p>`);
			return;
		}
		const parse = (v) => frappe.datetime.str_to_obj(v).getTime();
		const start = Math.min(...rows.map((r) => parse(r.planned_start)));
		const end = Math.max(...rows.map((r) => parse(r.planned_end)));
		const span = Math.max(end - start, 1);
		const pct = (t) => (((t - start) / span) * 100).toFixed(2);
		const colors = { "In Progress": "var(--blue-500)", Late: "var(--red-500)", "Not Started": "var(--green-500)" };
		const stations = [...new Set(rows.map((r) => r.workstation))];
		const days = [];
		for (let t = new Date(start); t.getTime() <= end; t.setDate(t.getDate() + 1)) {
			const midnight = new Date(t.getFullYear(), t.getMonth(), t.getDate()).getTime();
			if (midnight >= start) days.push(midnight);
		}
		const ticks = days
			.map(
				(d) =>
					`<div style="position:absolute;left:${pct(d)}%;top:0;bottom:0;border-left:1px dashed var(--gray-400)">
						<small class="text-muted" style="margin-left:2px">${frappe.datetime.str_to_user(
							frappe.datetime.obj_to_str(new Date(d))
						)}</small></div>`
			)
			.join("");
		const lanes = stations
			.map((ws) => {
				const bars = rows
					.filter((r) => r.workstation === ws)
					.map((r) => {
						const left = pct(parse(r.planned_start));
						const width = Math.max(pct(parse(r.planned_end)) - left, 0.4);
						const title = [
							r.work_order,
							r.operation,
							`${__("Qty")} ${format_number(r.qty, null, 2)}`,
							`${frappe.datetime.str_to_user(r.planned_start)} – ${frappe.datetime.str_to_user(
								r.planned_end
							)}`,
							__(r.status, null, "Daily Schedule"),
						]
							.map((s) => frappe.utils.escape_html(String(s || "")))
							.join(" · ");
						return `<div class="ot-bar" data-job-card="${frappe.utils.escape_html(r.job_card || "")}"
							title="${title}"
							style="position:absolute;left:${left}%;width:${width}%;top:6px;height:22px;border-radius:4px;
							background:${colors[r.status] || "var(--gray-500)"};color:white;font-size:11px;overflow:hidden;
							white-space:nowrap;padding:2px 4px;cursor:pointer">${frappe.utils.escape_html(
								r.operation || ""
							)}</div>`;
					})
					.join("");
				return `<div style="display:flex;border-bottom:1px solid var(--border-color)">
					<div style="width:160px;padding:8px 4px;font-weight:500" class="ellipsis">${frappe.utils.escape_html(
						ws
					)}</div>
					<div style="position:relative;flex:1;height:34px">${bars}</div></div>`;
			})
			.join("");
		const legend = Object.entries(colors)
			.map(
				([k, c]) =>
					`<span style="margin-right:12px"><span style="display:inline-block;width:10px;height:10px;background:${c};border-radius:2px"></span> ${__(
						k,
						null,
						"Daily Schedule"
					)}</span>`
			)
			.join("");
		wrapper.html(`<div style="font-size:12px">
			<div style="display:flex"><div style="width:160px"></div>
				<div style="position:relative;flex:1;height:20px">${ticks}</div></div>
			${lanes}
			<div style="margin-top:6px" class="text-muted">${legend}</div></div>`);
		wrapper.find(".ot-bar").on("click", function () {
			const card = $(this).attr("data-job-card");
			if (card) frappe.set_route("Form", "Job Card", card);
		});
	},
});
