"""The email channel: SMTP (smtplib), one connection reused for a whole pass.

Messages are multipart (text + HTML), UTF-8 subject and names, with a Message-ID derived from
the delivery key (the same delivery always has the same Message-ID, so a retried message is
recognisably the same), Date, and Reply-To. smtplib blocks; it runs in a worker thread, one
message at a time over the pass's connection.

Outcomes: 4xx replies, refused or dropped connections and timeouts are transient; 5xx replies
and a unit without an address are permanent. An authentication failure is transient (the
message is fine; the settings are not) and says so.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import smtplib
import ssl
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

from reminder.channels.base import Message, Receipt
from reminder.errors import ChannelError
from reminder.settings import SmtpSettings


def message_id(key: str, sender: str) -> str:
    """A stable Message-ID for delivery ``key``."""
    domain = parseaddr(sender)[1].rpartition("@")[2] or "reminder.local"
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:32]}@{domain}>"


def build_email(message: Message, smtp: SmtpSettings) -> EmailMessage:
    """The MIME message for ``message``."""
    mail = EmailMessage()
    name, address = parseaddr(smtp.sender)
    mail["From"] = Address(display_name=name, addr_spec=address) if name else address
    recipients = [Address(display_name=message.recipient_name, addr_spec=a) for a in message.emails]
    mail["To"] = recipients or message.recipient_name
    if message.cc:
        mail["Cc"] = ", ".join(message.cc)
    if smtp.reply_to:
        mail["Reply-To"] = smtp.reply_to
    mail["Subject"] = message.subject
    mail["Date"] = format_datetime(datetime.fromisoformat(message.created_at))
    mail["Message-ID"] = message_id(message.key, smtp.sender)
    mail["X-Reminder-Key"] = message.key
    mail["Auto-Submitted"] = "auto-generated"
    mail.set_content(message.text)
    mail.add_alternative(message.html, subtype="html")
    return mail


class EmailChannel:
    """Sends over SMTP."""

    name = "email"

    def __init__(self, settings: SmtpSettings, concurrency: int = 1) -> None:
        if not settings.host:
            raise ValueError("email channel needs smtp.host")
        self.settings = settings
        self.concurrency = 1  # one connection, one message at a time: SMTP is sequential
        del concurrency
        self._conn: smtplib.SMTP | None = None
        self._lock = asyncio.Lock()

    async def open(self) -> None:
        return None  # connect lazily: a pass with nothing to send opens nothing

    async def send(self, message: Message) -> Receipt:
        if not message.emails:
            raise ChannelError("đơn vị không có địa chỉ thư", permanent=True, code="no-address")
        mail = build_email(message, self.settings)
        async with self._lock:
            recipients = [*message.emails, *message.cc]
            return await asyncio.to_thread(self._send_sync, mail, recipients)

    async def close(self) -> None:
        async with self._lock:
            await asyncio.to_thread(self._disconnect)

    # -- blocking parts, run in a worker thread ------------------------------------------------

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        assert s.host is not None
        try:
            if s.security == "ssl":
                conn: smtplib.SMTP = smtplib.SMTP_SSL(
                    s.host, s.port, timeout=s.timeout, context=ssl.create_default_context()
                )
            else:
                conn = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
                if s.security == "starttls":
                    conn.starttls(context=ssl.create_default_context())
            if s.username:
                password = s.password.get_secret_value() if s.password else ""
                conn.login(s.username, password)
        except smtplib.SMTPAuthenticationError as exc:
            raise ChannelError(
                "máy chủ thư từ chối đăng nhập: kiểm tra REMINDER_SMTP__USERNAME/PASSWORD",
                permanent=False,
                code=str(exc.smtp_code),
                detail=_words(exc.smtp_error),
            ) from None
        except smtplib.SMTPResponseException as exc:
            raise _classify(exc.smtp_code, exc.smtp_error) from None
        except (OSError, smtplib.SMTPException) as exc:
            raise ChannelError(
                f"không kết nối được máy chủ thư {s.host}:{s.port}: {exc}",
                permanent=False,
                code="connect",
            ) from None
        return conn

    def _send_sync(self, mail: EmailMessage, to: list[str]) -> Receipt:
        if self._conn is None:
            self._conn = self._connect()
        try:
            refused = self._conn.send_message(mail, to_addrs=to)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            words = "; ".join(f"{a}: {c} {_words(m)}" for a, (c, m) in exc.recipients.items())
            permanent = all(500 <= c < 600 for c in codes)
            raise ChannelError(
                "máy chủ thư từ chối người nhận",
                permanent=permanent,
                code=str(codes[0]) if codes else None,
                detail=words,
            ) from None
        except smtplib.SMTPResponseException as exc:
            if exc.smtp_code == 421:
                self._drop()
            raise _classify(exc.smtp_code, exc.smtp_error) from None
        except (OSError, smtplib.SMTPServerDisconnected) as exc:
            self._drop()
            raise ChannelError(
                f"mất kết nối máy chủ thư: {exc}", permanent=False, code="disconnected"
            ) from None
        detail = ""
        if refused:
            detail = "từ chối: " + ", ".join(refused)
        return Receipt(provider_id=str(mail["Message-ID"]), detail=detail)

    def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(OSError):
                conn.close()

    def _disconnect(self) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        try:
            conn.quit()
        except (OSError, smtplib.SMTPException):
            conn.close()


def _words(raw: bytes | str) -> str:
    return raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)


def _classify(code: int, raw: bytes | str) -> ChannelError:
    words = _words(raw)
    if 500 <= code < 600:
        return ChannelError(
            f"máy chủ thư từ chối ({code})", permanent=True, code=str(code), detail=words
        )
    return ChannelError(
        f"máy chủ thư tạm thời không nhận ({code})", permanent=False, code=str(code), detail=words
    )
