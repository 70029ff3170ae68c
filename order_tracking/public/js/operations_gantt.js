// Copyright (c) 2026, order_tracking developers
// License: MIT. See license.txt

// The planner's Gantt (issue 17): a plan's or a daily schedule's operations in lanes by
// workstation, bars coloured by order and marked when they end after the order's due date.
// Clicking a bar opens its Job Card; dragging one to another time (or another workstation's lane)
// asks order_tracking.api.planning.move_operation, which checks working hours, capacity and
// routing order: a refused move shows the reasons and the bar goes back.
//
// frappe-gantt (Frappe's Gantt view) draws one row per task; lanes of many bars are drawn here,
// on a fixed scale of pixels per hour (so a Gantt in a hidden tab is drawn right, and 2 000
// operations are one innerHTML).

frappe.provide("order_tracking.operations_gantt");

(function (gantt) {
	const HOUR = 3600 * 1000;
	const SNAP_MINUTES = 5;
	const ROW = 24;
	const LABEL_WIDTH = 180;
	const ZOOMS = [2, 4, 8, 16, 32, 64, 128];
	// no reds: a red outline marks a late bar
	const PALETTE = [
		"#2490EF",
		"#8E44AD",
		"#16A085",
		"#E67E22",
		"#2C3E50",
		"#27AE60",
		"#7F8C8D",
		"#1ABC9C",
		"#9B59B6",
		"#F39C12",
		"#34495E",
		"#5E64FF",
		"#0097A7",
		"#6D4C41",
	];

	// "YYYY-MM-DD HH:mm:ss" in the system's time, as the form holds it (moment is slow for 2 000)
	gantt.parse = function (value) {
		if (!value) return null;
		const m = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?)?/.exec(value);
		if (!m) return null;
		return new Date(+m[1], m[2] - 1, +m[3], +(m[4] || 0), +(m[5] || 0), +(m[6] || 0)).getTime();
	};

	gantt.format = function (t) {
		const d = new Date(t);
		const pad = (n) => String(n).padStart(2, "0");
		return (
			`${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
			`${pad(d.getHours())}:${pad(d.getMinutes())}:00`
		);
	};

	gantt.color_of = function (key) {
		let h = 0;
		for (const ch of String(key || "")) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
		return PALETTE[h % PALETTE.length];
	};

	// Bars of one lane in sub-rows: each in the first sub-row free at its start.
	function pack(bars) {
		const ends = [];
		bars.sort((a, b) => a.start - b.start || a.end - b.end);
		for (const bar of bars) {
			let k = ends.findIndex((e) => e <= bar.start);
			if (k < 0) {
				k = ends.length;
				ends.push(0);
			}
			ends[k] = bar.end;
			bar.sub = k;
		}
		return Math.max(ends.length, 1);
	}

	function header(t0, t1, pph) {
		const parts = [];
		const day = new Date(t0);
		day.setHours(0, 0, 0, 0);
		const step = pph >= 32 ? 1 : pph >= 16 ? 3 : pph >= 8 ? 6 : 0;
		for (let t = day.getTime(); t <= t1; t += 24 * HOUR) {
			const x = Math.max(((t - t0) / HOUR) * pph, 0); // the first day from the left edge
			parts.push(
				`<div class="ot-gantt-day" style="left:${x}px">${frappe.datetime.str_to_user(
					gantt.format(t).slice(0, 10)
				)}</div>`
			);
			for (let h = step; step && h < 24; h += step) {
				const xh = ((t + h * HOUR - t0) / HOUR) * pph;
				if (xh > 0 && t + h * HOUR <= t1)
					parts.push(`<div class="ot-gantt-hour" style="left:${xh}px">${h}:00</div>`);
			}
		}
		return parts.join("");
	}

	function style() {
		if (document.getElementById("ot-gantt-style")) return;
		const css = `
		.ot-gantt{font-size:11px;border:1px solid var(--border-color);border-radius:6px;overflow:hidden}
		.ot-gantt-toolbar{display:flex;gap:6px;align-items:center;padding:6px;border-bottom:1px solid var(--border-color)}
		.ot-gantt-body{display:flex;max-height:560px;overflow:auto;position:relative}
		.ot-gantt-labels{position:sticky;left:0;z-index:3;background:var(--card-bg,#fff);flex:0 0 ${LABEL_WIDTH}px;border-right:1px solid var(--border-color)}
		.ot-gantt-labels .ot-gantt-lane-label{padding:4px 6px;font-weight:500;border-bottom:1px solid var(--border-color);overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
		.ot-gantt-chart{position:relative;flex:0 0 auto}
		.ot-gantt-head{position:sticky;top:0;z-index:2;height:34px;background:var(--card-bg,#fff);border-bottom:1px solid var(--border-color)}
		.ot-gantt-labels .ot-gantt-corner{height:34px;border-bottom:1px solid var(--border-color);position:sticky;top:0;background:var(--card-bg,#fff)}
		.ot-gantt-day{position:absolute;top:0;bottom:0;border-left:1px solid var(--gray-400);padding-left:3px;font-weight:500;white-space:nowrap}
		.ot-gantt-hour{position:absolute;bottom:0;border-left:1px dotted var(--gray-300);padding-left:2px;color:var(--text-muted);white-space:nowrap}
		.ot-gantt-lane{position:relative;border-bottom:1px solid var(--border-color);content-visibility:auto}
		.ot-gantt-bar{position:absolute;height:${
			ROW - 4
		}px;border-radius:3px;color:#fff;padding:2px 4px;overflow:hidden;white-space:nowrap;cursor:pointer;box-sizing:border-box;user-select:none;touch-action:none}
		.ot-gantt-bar.ot-movable{cursor:grab}
		.ot-gantt-bar.ot-dragging{cursor:grabbing;opacity:.85;z-index:5;box-shadow:0 2px 8px rgba(0,0,0,.35)}
		.ot-gantt-bar.ot-late{outline:2px solid var(--red-500);outline-offset:-2px}
		.ot-gantt-bar.ot-late::before{content:"! ";font-weight:700}
		.ot-gantt .ot-fixed{background-image:repeating-linear-gradient(45deg,rgba(255,255,255,.25) 0 4px,transparent 4px 8px)}
		.ot-gantt-tip{position:absolute;z-index:6;background:var(--gray-800,#333);color:#fff;padding:2px 6px;border-radius:3px;pointer-events:none;white-space:nowrap}
		.ot-gantt-lane.ot-drop{background:var(--control-bg,#f4f5f6)}`;
		$("<style id='ot-gantt-style'>").text(css).appendTo(document.head);
	}

	/**
	 * Draw rows into wrapper. Each row: {id, workstation, start, end (system datetime strings),
	 * order (colour key), label, title, due (date string or null), job_card, movable}.
	 * opts.move(row, start, workstation) returns a Promise of whether the move was kept (false: the
	 * bar goes back).
	 */
	gantt.draw = function (wrapper, rows, opts = {}) {
		const began = performance.now();
		style();
		const $w = $(wrapper).empty();
		const bars = [];
		for (const r of rows) {
			const start = gantt.parse(r.start);
			const end = gantt.parse(r.end);
			if (start === null || end === null) continue;
			const due = gantt.parse(r.due);
			bars.push({ ...r, start, end: Math.max(end, start), late: due !== null && end > due + 24 * HOUR });
		}
		if (!bars.length) {
			$w.html(`<p class="text-muted">${__("No operations are scheduled")}</p>`);
			return null;
		}
		// from the hour before the first start to the hour after the last end
		const first = new Date(Math.min(...bars.map((b) => b.start)));
		first.setMinutes(0, 0, 0);
		const last = new Date(Math.max(...bars.map((b) => b.end)));
		last.setMinutes(0, 0, 0);
		const t0 = first.getTime() - HOUR;
		const t1 = last.getTime() + 2 * HOUR;
		const span_hours = Math.max((t1 - t0) / HOUR, 1);
		const state = { pph: opts.pph || ZOOMS.find((z) => z * span_hours >= 1000) || ZOOMS[ZOOMS.length - 1] };
		const lanes = new Map();
		for (const b of bars) {
			if (!lanes.has(b.workstation)) lanes.set(b.workstation, []);
			lanes.get(b.workstation).push(b);
		}
		const names = [...lanes.keys()].sort();
		const $root = $(`<div class="ot-gantt">
			<div class="ot-gantt-toolbar">
				<button class="btn btn-xs btn-default ot-zoom-out">−</button>
				<button class="btn btn-xs btn-default ot-zoom-in">+</button>
				<span class="text-muted">${
					opts.can_move
						? __(
								"Drag an operation to another time or workstation to move it; click it to open its Job Card"
						  )
						: __("Click an operation to open its Job Card")
				}</span>
				<span class="ml-auto text-muted">${__("{0} operations on {1} workstations", [bars.length, names.length])}
					&nbsp; <span style="outline:2px solid var(--red-500);padding:0 4px">!</span> ${__("ends after the order's due date")}
					&nbsp; <span class="ot-fixed" style="display:inline-block;width:14px;height:10px;background-color:var(--gray-500)"></span>
					${__("stays where it is (started, or no job card yet)")}</span>
			</div>
			<div class="ot-gantt-body"></div></div>`).appendTo($w);
		const $body = $root.find(".ot-gantt-body");

		function render() {
			const pph = state.pph;
			const x = (t) => ((t - t0) / HOUR) * pph;
			const width = Math.ceil(x(t1) + 40);
			const labels = [`<div class="ot-gantt-corner"></div>`];
			const html = [`<div class="ot-gantt-head" style="width:${width}px">${header(t0, t1, pph)}</div>`];
			for (const ws of names) {
				const lane = lanes.get(ws);
				const height = pack(lane) * ROW + 4;
				const esc_ws = frappe.utils.escape_html(ws);
				labels.push(
					`<div class="ot-gantt-lane-label" style="height:${height}px" title="${esc_ws}">${esc_ws}</div>`
				);
				const items = lane.map((b) => {
					const cls = ["ot-gantt-bar"];
					if (b.late) cls.push("ot-late");
					if (b.movable && opts.can_move) cls.push("ot-movable");
					if (!b.movable) cls.push("ot-fixed");
					return `<div class="${cls.join(" ")}" data-i="${b.index}" title="${frappe.utils.escape_html(
						b.title || ""
					)}" style="left:${x(b.start)}px;width:${Math.max(x(b.end) - x(b.start), 3)}px;top:${
						b.sub * ROW + 2
					}px;background-color:${gantt.color_of(b.order)}">${frappe.utils.escape_html(b.label || "")}</div>`;
				});
				html.push(
					`<div class="ot-gantt-lane" data-workstation="${esc_ws}" style="height:${height}px;width:${width}px">${items.join(
						""
					)}</div>`
				);
			}
			$body[0].innerHTML = `<div class="ot-gantt-labels">${labels.join(
				""
			)}</div><div class="ot-gantt-chart" style="width:${width}px">${html.join("")}</div>`;
		}
		bars.forEach((b, i) => (b.index = i));
		render();

		$root.find(".ot-zoom-in").on("click", () => {
			state.pph = ZOOMS[Math.min(ZOOMS.indexOf(state.pph) + 1, ZOOMS.length - 1)] || state.pph * 2;
			render();
		});
		$root.find(".ot-zoom-out").on("click", () => {
			state.pph = ZOOMS[Math.max(ZOOMS.indexOf(state.pph) - 1, 0)] || state.pph / 2;
			render();
		});
		setup_drag($body, bars, state, opts);
		const elapsed = performance.now() - began;
		$w.attr({ "data-ot-gantt-ms": elapsed.toFixed(1), "data-ot-gantt-bars": bars.length });
		return { bars, state, elapsed };
	};

	function setup_drag($body, bars, state, opts) {
		let drag = null;
		$body.on("pointerdown", ".ot-gantt-bar", function (e) {
			if (e.button !== 0) return;
			const bar = bars[+this.dataset.i];
			drag = { el: this, bar, x0: e.clientX, y0: e.clientY, moved: false };
			if (bar.movable && opts.can_move) {
				this.setPointerCapture(e.pointerId);
				drag.lanes = $body
					.find(".ot-gantt-lane")
					.toArray()
					.map((el) => ({ el, ws: el.dataset.workstation, rect: el.getBoundingClientRect() }));
			}
		});
		$body.on("pointermove", ".ot-gantt-bar", function (e) {
			if (!drag || drag.el !== this || !drag.lanes) return;
			const dx = e.clientX - drag.x0;
			const dy = e.clientY - drag.y0;
			if (!drag.moved && Math.abs(dx) + Math.abs(dy) < 4) return;
			drag.moved = true;
			this.classList.add("ot-dragging");
			this.style.transform = `translate(${dx}px, ${dy}px)`;
			drag.start = snap(drag.bar.start + (dx / state.pph) * HOUR);
			const lane = drag.lanes.find((l) => e.clientY >= l.rect.top && e.clientY < l.rect.bottom);
			drag.workstation = lane ? lane.ws : drag.bar.workstation;
			$body.find(".ot-drop").removeClass("ot-drop");
			if (lane) lane.el.classList.add("ot-drop");
			tip($body, e, `${frappe.datetime.str_to_user(gantt.format(drag.start))} · ${drag.workstation}`);
		});
		$body.on("pointerup pointercancel", ".ot-gantt-bar", function (e) {
			if (!drag || drag.el !== this) return;
			const d = drag;
			drag = null;
			$body.find(".ot-gantt-tip").remove();
			$body.find(".ot-drop").removeClass("ot-drop");
			if (!d.moved) {
				if (e.type === "pointerup" && d.bar.job_card) frappe.set_route("Form", "Job Card", d.bar.job_card);
				return;
			}
			const back = () => {
				d.el.classList.remove("ot-dragging");
				d.el.style.transform = "";
			};
			if (e.type === "pointercancel" || (d.start === d.bar.start && d.workstation === d.bar.workstation)) {
				back();
				return;
			}
			d.el.style.opacity = 0.5;
			Promise.resolve(opts.move(d.bar, gantt.format(d.start), d.workstation)).then((kept) => {
				d.el.style.opacity = "";
				if (!kept) back();
			});
		});
	}

	function snap(t) {
		const step = SNAP_MINUTES * 60 * 1000;
		return Math.round(t / step) * step;
	}

	function tip($body, e, text) {
		let $tip = $body.find(".ot-gantt-tip");
		if (!$tip.length) $tip = $(`<div class="ot-gantt-tip"></div>`).appendTo($body);
		const rect = $body[0].getBoundingClientRect();
		$tip.text(text).css({
			left: e.clientX - rect.left + $body[0].scrollLeft + 12,
			top: e.clientY - rect.top + $body[0].scrollTop - 28,
		});
	}

	gantt.can_move = function () {
		return frappe.user.has_role(["Production Planner", "Manufacturing Manager"]);
	};

	// Ask the server: true when the move is kept; a refusal (working hours, capacity, routing order)
	// is shown by frappe.xcall.
	gantt.move = function (frm, bar, start, workstation) {
		return frappe
			.xcall("order_tracking.api.planning.move_operation", {
				job_card: bar.job_card,
				start,
				workstation: workstation !== bar.workstation ? workstation : null,
			})
			.then(() => {
				frappe.show_alert({ message: __("{0} moved", [bar.job_card]), indicator: "green" });
				frm.reload_doc();
				return true;
			})
			.catch(() => false); // frappe.xcall has shown the reasons: the bar goes back
	};

	function title(r, extra) {
		return [r.work_order || r.job, r.operation, r.item_code, r.sales_order, ...extra].filter((s) => s).join(" · ");
	}

	gantt.for_daily_schedule = function (frm) {
		const wrapper = frm.get_field("timeline").$wrapper;
		const rows = (frm.doc.operations || []).map((r) => ({
			id: r.name,
			workstation: r.workstation,
			start: r.planned_start,
			end: r.planned_end,
			order: r.sales_order || r.work_order,
			label: `${r.operation || ""} · ${r.sales_order || r.work_order || ""}`,
			title: title(r, [
				`${__("Qty")} ${format_number(r.qty, null, 2)}`,
				`${frappe.datetime.str_to_user(r.planned_start)} – ${frappe.datetime.str_to_user(r.planned_end)}`,
				r.due_date ? `${__("Due")} ${frappe.datetime.str_to_user(r.due_date)}` : "",
				__(r.status, null, "Daily Schedule"),
			]),
			due: r.due_date,
			job_card: r.job_card,
			movable: !!r.job_card && !r.kept_in_place && frm.doc.status === "Current",
		}));
		return gantt.draw(wrapper, rows, {
			can_move: gantt.can_move(),
			move: (bar, start, ws) => gantt.move(frm, bar, start, ws),
		});
	};

	gantt.for_order_plan = function (frm) {
		const field = frm.get_field("operations_gantt");
		if (!field) return null;
		const due = {};
		for (const i of frm.doc.items || []) due[i.name] = i.delivery_date;
		const submitted = frm.doc.docstatus === 1;
		const rows = (frm.doc.operations || []).map((r) => ({
			id: r.name,
			workstation: r.workstation,
			start: r.planned_start,
			end: r.planned_end,
			order: r.sales_order || r.job,
			label: `${r.operation || ""} · ${r.sales_order || ""}`,
			title: title(r, [
				`${__("Qty")} ${format_number(r.qty, null, 2)}`,
				r.planned_start
					? `${frappe.datetime.str_to_user(r.planned_start)} – ${frappe.datetime.str_to_user(r.planned_end)}`
					: "",
				due[r.plan_item] ? `${__("Due")} ${frappe.datetime.str_to_user(due[r.plan_item])}` : "",
			]),
			due: due[r.plan_item],
			job_card: r.job_card,
			movable: submitted && !!r.job_card,
		}));
		return gantt.draw(field.$wrapper, rows, {
			can_move: submitted && gantt.can_move(),
			move: (bar, start, ws) => gantt.move(frm, bar, start, ws),
		});
	};
})(order_tracking.operations_gantt);
