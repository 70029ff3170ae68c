"""The read-replica path, proved on a bench by `scripts/check_replica.sh` (a second MariaDB instance
replicating the site's database from the first; the site's config with `read_from_replica`).

Each function is one `bench --site X execute order_tracking.tests.replica_check.<fn>` call (a fresh
process: Frappe swaps to the replica once per request or process) and prints one line of JSON.
They use one Order Tracker as the marker: its `delay_days`, written on the primary, read back
through the app's own `get_order_status`, which is marked `frappe.read_only()`."""

from __future__ import annotations

import json

import frappe


def _order() -> str:
	name = frappe.get_all("Order Tracker", order_by="creation asc", limit=1, pluck="name")
	if not name:
		frappe.throw("no Order Tracker on this site")
	return name[0]


def write(value: int) -> None:
	"""On the primary: the marker's `delay_days` set to `value` (committed)."""
	order = _order()
	frappe.db.set_value("Order Tracker", order, "delay_days", int(value), update_modified=False)
	frappe.db.commit()  # nosemgrep — a check command: the replica must see it
	print(json.dumps({"order": order, "written": int(value)}))


def read() -> None:
	"""What `get_order_status` answers (read from the replica when configured), and what the primary
	holds."""
	from order_tracking.api.tracking import get_order_status

	frappe.set_user("Administrator")
	order = _order()
	primary = frappe.db.get_value("Order Tracker", order, "delay_days")
	status = get_order_status(order)
	print(
		json.dumps(
			{
				"order": order,
				"status_delay_days": status["delay_days"],
				"primary_delay_days": primary,
				"replica_configured": bool(frappe.conf.read_from_replica),
			}
		)
	)


def restore(value: int) -> None:
	write(value)
