"""bench commands of order_tracking."""

import click

from frappe.commands import get_site, pass_context


@click.command("order-tracking-backfill")
@click.option("--batch-size", default=200, show_default=True, help="Sales Orders per batch (one commit each)")
@click.option("--no-events", is_flag=True, default=False, help="Rebuild trackers only, not timelines")
@click.option("--enqueue", is_flag=True, default=False, help="Run in a background worker instead")
@pass_context
def backfill(context, batch_size, no_events, enqueue):
	"""Build trackers and timelines for existing Sales Orders."""
	import frappe

	from order_tracking.order_tracking import backfill as bf

	site = get_site(context)
	frappe.init(site=site)
	frappe.connect()
	try:
		if enqueue:
			bf._enqueue()
			# a bench command owns its transaction: the job is queued after this commit
			frappe.db.commit()  # nosemgrep
			click.echo(f"Queued as job {bf.JOB_ID}; progress shows on Order Tracking Settings.")
			return

		with click.progressbar(length=max(frappe.db.count("Sales Order"), 1), label="Sales Orders") as bar:
			state = {"done": 0}

			def progress(done, total):
				bar.update(done - state["done"])
				state["done"] = done

			count = bf.run_backfill(batch_size=batch_size, with_events=not no_events, progress=progress)
		click.secho(f"Rebuilt {count} order trackers.", fg="green")
	finally:
		frappe.destroy()


@click.command("order-tracking-demo")
@pass_context
def demo(context):
	"""Load the demo data set (company, customers, items with BOMs, orders at several stages).

	Each step is committed on its own: if one fails, what was done stays, and running the
	command again completes the rest."""
	import frappe

	from order_tracking.demo import DemoIncomplete, load_demo

	site = get_site(context)
	frappe.init(site=site)
	frappe.connect()
	try:
		load_demo(report=click.echo)
	except DemoIncomplete as e:
		click.secho(f"\nThe demo stopped at: {e.failed}", fg="red", err=True)
		click.echo(f"  error: {type(e.error).__name__}: {e.error}", err=True)
		click.echo(f"  done (kept): {', '.join(e.done) or 'nothing'}", err=True)
		click.echo(f"  left to do: {', '.join([e.failed, *e.remaining])}", err=True)
		click.echo(f"Fix the cause, then run `bench --site {site} order-tracking-demo` again.", err=True)
		raise SystemExit(1) from None
	finally:
		frappe.destroy()
	click.secho(f"Demo data loaded on {site}.", fg="green")


commands = [backfill, demo]
