"""A real IMAP mailbox and an SMTP sink on loopback for the e-mail intake's tests and benchmark.

The IMAP server is pymap (its in-memory backend, one user), run as its own process; mails are
delivered into its INBOX with IMAP APPEND, as a mail server's delivery agent would. The SMTP sink
is aiosmtpd, in a thread, keeping every message it receives. Both come from PyPI into the
bench's environment (`scripts/bench_ci.sh` installs them); `missing()` names what is absent so
that a test can skip with that reason.

To use a real mailbox instead, see the README (*E-mail intake*): the tests need servers they may
fill and empty, so they always start their own.
"""

from __future__ import annotations

import imaplib
import os
import socket
import subprocess
import sys
import time
from email.message import EmailMessage

MAILBOX_USER = "orders@ot-mail.test"
MAILBOX_PASSWORD = "ot-mail-secret"


def missing() -> str | None:
	"""Why the servers cannot start here (None when they can)."""
	try:
		import aiosmtpd
		import pymap
	except ImportError as e:
		return f"{e.name} is not installed in the bench's environment (scripts/bench_ci.sh installs pymap and aiosmtpd)"
	return None


def free_port() -> int:
	with socket.socket() as s:
		s.bind(("127.0.0.1", 0))
		return s.getsockname()[1]


class MailServers:
	"""`start()` / `stop()`; `deliver(message)`; `answers` holds what was sent to the sink."""

	def __init__(self):
		self.imap_port = free_port()
		self.smtp_port = None
		self.answers: list[dict] = []
		self._imap = None
		self._smtp = None

	def start(self) -> MailServers:
		pymap = os.path.join(os.path.dirname(sys.executable), "pymap")
		self._imap = subprocess.Popen(
			[
				*(pymap, "--host", "127.0.0.1", "--port", str(self.imap_port), "--no-tls", "dict"),
				*("--demo-user", MAILBOX_USER, "--demo-password", MAILBOX_PASSWORD),
			],
			stdout=subprocess.DEVNULL,
			stderr=subprocess.DEVNULL,
		)
		self._wait_for(self.imap_port)
		self._start_smtp()
		return self

	def _start_smtp(self):
		from aiosmtpd.controller import Controller
		from aiosmtpd.smtp import AuthResult

		answers = self.answers

		class Sink:
			async def handle_DATA(self, server, session, envelope):
				answers.append(
					{"from": envelope.mail_from, "to": list(envelope.rcpt_tos), "data": envelope.content}
				)
				return "250 OK"

		def authenticate(server, session, envelope, mechanism, auth_data):
			# the mailbox's login, as a real submission server would check it
			ok = (
				getattr(auth_data, "login", b"") == MAILBOX_USER.encode()
				and getattr(auth_data, "password", b"") == MAILBOX_PASSWORD.encode()
			)
			return AuthResult(success=ok)

		self.smtp_port = free_port()
		self._smtp = Controller(
			Sink(),
			hostname="127.0.0.1",
			port=self.smtp_port,
			authenticator=authenticate,
			auth_require_tls=False,  # loopback only
		)
		self._smtp.start()

	@staticmethod
	def _wait_for(port: int, seconds: float = 20):
		deadline = time.monotonic() + seconds
		while time.monotonic() < deadline:
			try:
				with socket.create_connection(("127.0.0.1", port), timeout=1):
					return
			except OSError:
				time.sleep(0.2)
		raise RuntimeError(f"IMAP server did not start on port {port}")

	def stop(self):
		if self._smtp:
			self._smtp.stop()
		if self._imap:
			self._imap.terminate()
			try:
				self._imap.wait(10)
			except subprocess.TimeoutExpired:
				self._imap.kill()

	def deliver(self, *messages: EmailMessage) -> None:
		"""Put the mails into the INBOX (IMAP APPEND), unseen."""
		imap = imaplib.IMAP4("127.0.0.1", self.imap_port)
		try:
			imap.login(MAILBOX_USER, MAILBOX_PASSWORD)
			for message in messages:
				typ, data = imap.append(
					"INBOX", None, imaplib.Time2Internaldate(time.time()), message.as_bytes()
				)
				if typ != "OK":
					raise RuntimeError(f"APPEND failed: {data}")
		finally:
			imap.logout()


def make_mail(
	sender: str,
	subject: str,
	body: str = "",
	message_id: str | None = None,
	attachments: list[tuple[str, bytes, str]] = (),
) -> EmailMessage:
	"""A MIME mail to the mailbox; attachments as (filename, content, mime type)."""
	from email.utils import formatdate, make_msgid

	message = EmailMessage()
	message["From"] = sender
	message["To"] = MAILBOX_USER
	message["Subject"] = subject
	message["Date"] = formatdate(localtime=True)
	message["Message-ID"] = message_id or make_msgid(domain=sender.rsplit("@", 1)[-1])
	message.set_content(body or " ")
	for filename, content, mime_type in attachments:
		maintype, subtype = mime_type.split("/", 1)
		message.add_attachment(content, maintype=maintype, subtype=subtype, filename=filename)
	return message
