"""E-mail intake on a real site: 200 mails pulled from a real IMAP server and turned into intakes
(target ≤ 60 s on the 2-core machine), then their answers sent.

    cd ~/ot-bench/sites && ../env/bin/python /path/to/order_tracking/benchmarks/bench_email_intake.py SITE [MAILS]

Needs the integration suite's fixtures (run the tests once first) and pymap + aiosmtpd in the
bench's environment (scripts/bench_ci.sh installs them). Starts its own IMAP server and SMTP
sink on loopback, delivers MAILS (200) MIME mails into the INBOX — a third each with a CSV, an
XLSX and a plain-text body, every one of two lines — and times Frappe's own pull job
(`email_account.pull(now=True)`, in this process) until every mail is an intake, then the
Email Queue's sending of the answers. Frappe's pull commits each mail: run it on a test site,
not on one whose data matters (the intakes, their draft Sales Orders, Communications and
answers stay).
"""

import sys
import time

import frappe
from frappe.utils import add_days, nowdate


def main(site: str, mails: int = 200) -> None:
	frappe.init(site)
	frappe.connect()
	frappe.set_user("Administrator")
	from frappe.email.doctype.email_account.email_account import pull

	from order_tracking.customer_portal.test_email_intake import (
		ACCOUNT,
		BUYER,
		add_contact,
		csv_file,
		make_account,
		xlsx_file,
	)
	from order_tracking.tests import mail_servers
	from order_tracking.tests.utils import COMPANY, CUSTOMER, CUSTOMER_SHOE_CODE, LACE, SHOE, set_settings

	reason = mail_servers.missing()
	if reason:
		sys.exit(reason)
	servers = mail_servers.MailServers().start()
	try:
		make_account(servers)
		add_contact(CUSTOMER, BUYER)
		set_settings(
			auto_convert=1,
			default_company=COMPANY,
			intake_email_account=ACCOUNT,
			email_answer_sender=1,
			email_sender_hourly_limit=0,
		)
		# the pull reads these in its own transactions
		frappe.db.commit()  # nosemgrep
		frappe.flags.testing_email = True
		due = add_days(nowdate(), 30)
		run = frappe.generate_hash(length=6)
		messages = []
		for i in range(mails):
			subject = f"PO BENCH-{run}-{i}"
			if i % 3 == 0:
				sheet = csv_file(
					f"Customer's Item Code (Items),Quantity (Items),Delivery Date\n"
					f"{CUSTOMER_SHOE_CODE},{i + 1},{due}\n{CUSTOMER_SHOE_CODE},2,\n"
				)
				messages.append(mail_servers.make_mail(BUYER, subject, "attached", attachments=[sheet]))
			elif i % 3 == 1:
				sheet = xlsx_file(
					[["Item Code", "Quantity", "Delivery Date"], [LACE, i + 1, due], [SHOE, 1, None]]
				)
				messages.append(mail_servers.make_mail(BUYER, subject, "see sheet", attachments=[sheet]))
			else:
				body = f"Hello,\n{SHOE}, {i + 1}, {due}\n{LACE}, 10\nThanks"
				messages.append(mail_servers.make_mail(BUYER, subject, body))
		started = time.monotonic()
		servers.deliver(*messages)
		delivered = time.monotonic() - started

		refs = [m["Message-ID"].strip("<>") for m in messages]
		started = time.monotonic()
		pulls = 0
		while True:
			pull(now=True)
			pulls += 1
			done = frappe.db.count("Order Intake", {"channel": "E-mail", "external_ref": ("in", refs)})
			if done >= mails or pulls >= 5:
				break
		pulled = time.monotonic() - started
		statuses = frappe.get_all(
			"Order Intake",
			filters={"channel": "E-mail", "external_ref": ("in", refs)},
			fields=["status", "count(*) as n"],
			group_by="status",
		)

		started = time.monotonic()
		queued = frappe.get_all("Email Queue", filters={"status": "Not Sent"}, pluck="name")
		for name in queued:
			frappe.get_doc("Email Queue", name).send()
		sent = time.monotonic() - started

		print(f"delivered {mails} mails into the IMAP INBOX in {delivered:.1f} s")
		print(
			f"pulled and turned into intakes: {done} of {mails} in {pulled:.1f} s "
			f"({pulled / max(done, 1) * 1000:.0f} ms a mail, {pulls} pull(s)); target ≤ 60 s"
		)
		print("intakes by status: " + ", ".join(f"{s.status} {s.n}" for s in statuses))
		print(
			f"answers sent to the SMTP sink: {len(servers.answers)} of {len(queued)} queued in {sent:.1f} s"
		)
	finally:
		frappe.flags.testing_email = False
		frappe.db.set_value("Email Account", ACCOUNT, "enable_incoming", 0)
		set_settings(intake_email_account=None)
		frappe.db.commit()  # nosemgrep (leave the mailbox off)
		servers.stop()
		frappe.destroy()


if __name__ == "__main__":
	main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 200)
