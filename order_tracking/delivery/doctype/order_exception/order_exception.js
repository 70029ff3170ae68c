// Copyright (c) 2026, order_tracking developers
// License: MIT. See license.txt

frappe.ui.form.on("Order Exception", {
	refresh(frm) {
		if (frm.is_new() || !frm.has_perm("write")) return;
		if (frm.doc.status === "Open") {
			frm.add_custom_button(__("Acknowledge"), () => handle(frm, "acknowledge", false));
		}
		if (frm.doc.status !== "Resolved") {
			frm.add_custom_button(__("Resolve"), () => handle(frm, "resolve", true));
		}
	},
});

function handle(frm, method, note_required) {
	frappe.prompt(
		{
			fieldname: "note",
			fieldtype: "Small Text",
			label: __("Note"),
			reqd: note_required ? 1 : 0,
			default: frm.doc.resolution,
		},
		({ note }) => frm.call(method, { note }).then(() => frm.reload_doc()),
		method === "resolve" ? __("Resolve") : __("Acknowledge")
	);
}
