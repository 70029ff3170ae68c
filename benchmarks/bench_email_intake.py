"""E-mail intake on a real site: 200 mails pulled from a real IMAP server and turned into intakes
(target ≤ 60 s on the 2-core machine), then their orders and answers made and sent.

    cd ~/ot-bench/sites && ../env/bin/python /path/to/order_tracking/benchmarks/bench_email_intake.py SITE [MAILS] [--profile] [--flood N]

Needs the integration suite's fixtures (run the tests once first) and pymap + aiosmtpd in the
bench's environment (scripts/bench_ci.sh installs them). Starts its own IMAP server and SMTP
sink on loopback, delivers MAILS (200) MIME mails into the INBOX — a third each with a CSV, an
XLSX and a plain-text body, every one of two lines — and times:

1. the pull: Frappe's own pull job (`email_account.pull(now=True)`, in this process) until every
   mail is an Order Intake (validated, with its lines; `--profile` prints its cProfile top 25);
2. the rest: the background job the pull queued (`email_intake_jobs.finish_pending_intakes`),
   run in this process — the documented in-process mode; on a bench with `bench worker`
   running, the worker takes it instead — until every intake has its Sales Order and answer,
   and the Email Queue's sending of the answers to the SMTP sink.

`--flood N`: N mails of one sender (limit 30 an hour) with MAILS other mails of a customer among
them; reports how many intakes and summaries the flooder got and that the others were all
read. Frappe's pull commits each mail: run it on a test site, not on one whose data matters.
"""

import cProfile
import os
import pstats
import sys
import time

import frappe
from frappe.utils import add_days, nowdate

FLOOD_DOMAIN = "harbour-test.example.com"
FLOOD_LIMIT = 30


def make_messages(mails: int, run: str, sender: str) -> list:
	from order_tracking.customer_portal.test_email_intake import csv_file, xlsx_file
	from order_tracking.tests import mail_servers
	from order_tracking.tests.utils import CUSTOMER_SHOE_CODE, LACE, SHOE

	due = add_days(nowdate(), 30)
	messages = []
	for i in range(mails):
		subject = f"PO BENCH-{run}-{i}"
		if i % 3 == 0:
			sheet = csv_file(
				f"Customer's Item Code (Items),Quantity (Items),Delivery Date\n"
				f"{CUSTOMER_SHOE_CODE},{i + 1},{due}\n{CUSTOMER_SHOE_CODE},2,\n"
			)
			messages.append(mail_servers.make_mail(sender, subject, "attached", attachments=[sheet]))
		elif i % 3 == 1:
			sheet = xlsx_file(
				[["Item Code", "Quantity", "Delivery Date"], [LACE, i + 1, due], [SHOE, 1, None]]
			)
			messages.append(mail_servers.make_mail(sender, subject, "see sheet", attachments=[sheet]))
		else:
			body = f"Hello,\n{SHOE}, {i + 1}, {due}\n{LACE}, 10\nThanks"
			messages.append(mail_servers.make_mail(sender, subject, body))
	return messages


def flood_messages(count: int, run: str, sender: str) -> list:
	from order_tracking.tests import mail_servers
	from order_tracking.tests.utils import SHOE

	due = add_days(nowdate(), 30)
	return [mail_servers.make_mail(sender, f"PO FLOOD-{run}-{i}", f"{SHOE}, 1, {due}") for i in range(count)]


def interleave(orders: list, flood: list) -> list:
	"""The flood with the other orders spread through it."""
	if not flood:
		return orders
	step = max(len(flood) // max(len(orders), 1), 1)
	mixed = []
	for i, message in enumerate(flood):
		mixed.append(message)
		if i % step == 0 and orders:
			mixed.append(orders.pop(0))
	return mixed + orders


def refs_of(messages: list) -> list[str]:
	return [m["Message-ID"].strip("<>") for m in messages]


def count_intakes(refs: list[str], **filters) -> int:
	return frappe.db.count("Order Intake", {"channel": "E-mail", "external_ref": ("in", refs), **filters})


def timed_pull(refs: list[str], profile: bool) -> tuple[float, int, int]:
	from frappe.email.doctype.email_account.email_account import pull

	profiler = cProfile.Profile() if profile else None
	started = time.monotonic()
	pulls = idle = 0
	last = -1
	while True:
		if profiler:
			profiler.enable()
		pull(now=True)
		if profiler:
			profiler.disable()
		pulls += 1
		done = count_intakes(refs)
		# Frappe takes at most 100 mails a pull, and its first pull of a mailbox (a new UIDVALIDITY)
		# reads read-only, so the next pull meets those 100 again as unseen duplicates before the
		# rest: pull until all are intakes, or two pulls running bring nothing new
		received = frappe.db.count("Communication", {"message_id": ("in", refs)})
		idle = idle + 1 if received == last else 0
		if done >= len(refs) or received >= len(refs) or idle >= 2 or pulls >= 30:
			break
		last = received
	pulled = time.monotonic() - started
	if profiler:
		pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
	return pulled, done, pulls


def timed_finish(since) -> tuple[float, float, int, int]:
	from order_tracking.customer_portal import email_intake_jobs

	started = time.monotonic()
	finished = email_intake_jobs.finish_pending_intakes()
	made = time.monotonic() - started
	# this run's answers only (a site may hold older mail queued for servers that do not resolve)
	queued = frappe.get_all(
		"Email Queue",
		filters={"status": "Not Sent", "reference_doctype": "Order Intake", "creation": (">=", since)},
		pluck="name",
	)
	for name in queued:
		frappe.get_doc("Email Queue", name).send()
	sent = time.monotonic() - started
	return made, sent, finished, len(queued)


def main(site: str, mails: int = 200, profile: bool = False, flood: int = 0) -> None:
	frappe.init(site)
	frappe.connect()
	frappe.set_user("Administrator")
	from order_tracking.customer_portal.test_email_intake import ACCOUNT, BUYER, add_contact, make_account
	from order_tracking.tests import mail_servers
	from order_tracking.tests.utils import COMPANY, CUSTOMER, make_fixtures, set_settings

	reason = mail_servers.missing()
	if reason:
		sys.exit(reason)
	servers = mail_servers.MailServers().start()
	try:
		make_fixtures()  # the items, prices and customers the mails order (as the tests make them)
		make_account(servers)
		run = frappe.generate_hash(length=6)
		# in a flood run, fresh senders: the rate limit counts a sender's mails of the last hour
		buyer = f"buyer-{run}@{FLOOD_DOMAIN}" if flood else BUYER
		flooder = f"flood-{run}@{FLOOD_DOMAIN}"
		add_contact(CUSTOMER, buyer)
		add_contact(CUSTOMER, flooder)
		set_settings(
			auto_convert=1,
			default_company=COMPANY,
			intake_email_account=ACCOUNT,
			email_answer_sender=1,
			email_sender_hourly_limit=FLOOD_LIMIT if flood else 0,
			create_review_from_intake=0,
		)
		# the pull reads these in its own transactions
		frappe.db.commit()  # nosemgrep
		frappe.flags.testing_email = True
		orders = make_messages(mails, run, buyer)
		flooding = flood_messages(flood, run, flooder) if flood else []
		messages = interleave(list(orders), flooding)
		began_at = frappe.utils.now_datetime()
		started = time.monotonic()
		servers.deliver(*messages)
		delivered = time.monotonic() - started

		load = os.getloadavg()
		refs = refs_of(orders)
		pulled, done, pulls = timed_pull(refs_of(messages) if flood else refs, profile)
		done = count_intakes(refs)
		made, sent, finished, queued = timed_finish(began_at)
		statuses = frappe.get_all(
			"Order Intake",
			filters={"channel": "E-mail", "external_ref": ("in", refs)},
			fields=["status", "count(*) as n"],
			group_by="status",
		)
		print(
			f"load average before the pull: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; after: "
			+ " ".join(f"{x:.2f}" for x in os.getloadavg())
		)
		print(f"delivered {len(messages)} mails into the IMAP INBOX in {delivered:.1f} s")
		print(
			f"pull: {len(messages)} mails pulled, {done} of {mails} orders' mails intakes in {pulled:.1f} s "
			f"({pulled / max(len(messages), 1) * 1000:.0f} ms a mail, {pulls} pull(s)); target ≤ 60 s"
		)
		print(
			f"background job (in-process): {finished} intakes finished (order + answer) in {made:.1f} s; "
			f"{queued} answers sent to the SMTP sink by {sent:.1f} s; "
			f"pull to all orders and answers: {pulled + sent:.1f} s"
		)
		print("intakes by status: " + ", ".join(f"{s.status} {s.n}" for s in statuses))
		print(f"answers the SMTP sink got: {len(servers.answers)}")
		if flood:
			flood_refs = refs_of(flooding)
			print(
				f"flood: {flood} mails of {flooder} (limit {FLOOD_LIMIT} an hour): "
				f"{count_intakes(flood_refs, status='Converted')} orders, "
				f"{count_intakes(flood_refs, status='Rejected')} rejected summary, "
				f"{flood - count_intakes(flood_refs)} kept as Communications only; "
				f"the other customer's {mails} mails: {count_intakes(refs, status='Converted')} orders"
			)
	finally:
		frappe.flags.testing_email = False
		frappe.db.set_value("Email Account", ACCOUNT, "enable_incoming", 0)
		set_settings(intake_email_account=None, email_sender_hourly_limit=0)
		frappe.db.commit()  # nosemgrep (leave the mailbox off)
		servers.stop()
		frappe.destroy()


if __name__ == "__main__":
	args = [a for a in sys.argv[1:] if not a.startswith("--")]
	flood_at = sys.argv.index("--flood") if "--flood" in sys.argv else None
	flood_count = int(sys.argv[flood_at + 1]) if flood_at else 0
	if flood_at:
		args.remove(str(flood_count))
	main(args[0], int(args[1]) if len(args) > 1 else 200, "--profile" in sys.argv, flood_count)
