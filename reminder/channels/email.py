"""The email channel: SMTP (smtplib) over a small pool of connections for a pass.

Messages are multipart (text + HTML), UTF-8 subject and names, with a Message-ID derived from
the delivery key (the same delivery always has the same Message-ID, so a retried message is
recognisably the same), Date, and Reply-To.

A pass sends up to ``concurrency`` messages at once (``channels.concurrency.email``, 4 by
default), each over its own connection in a worker thread (smtplib blocks, and releases the
GIL while it waits for the server): SMTP is one transaction at a time per connection, so
parallel connections are what lets a pass overlap the server's round trips. Connections are
opened when first needed, reused for the pass and closed (QUIT) at its end; one that breaks or
is told 421 is dropped and replaced. A pass sends through ``send_all``: one worker thread per
connection takes the next message as soon as its last is done and its outcome recorded (the
dispatcher's ``done``), with no hop through the event loop in between; so a kill re-sends at
most the messages in flight — at most ``concurrency`` — and a store that cannot record stops
every worker before its next message. (aiosmtplib was measured too: its client costs more CPU
per message than smtplib, and on this 2-core machine it came out slower than the threads.)

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
import threading
from collections import deque
from collections.abc import Callable, Sequence
from datetime import datetime
from email.header import Header
from email.message import Message as MimeMessage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime, formataddr, parseaddr

from reminder.channels.base import Message, Receipt
from reminder.errors import ChannelError
from reminder.settings import SmtpSettings


def message_id(key: str, sender: str) -> str:
    """A stable Message-ID for delivery ``key``."""
    domain = parseaddr(sender)[1].rpartition("@")[2] or "reminder.local"
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:32]}@{domain}>"


def build_email(message: Message, smtp: SmtpSettings) -> MimeMessage:
    """The MIME message for ``message``.

    Built with ``email.mime`` (the compat32 policy): the same headers and parts as an
    ``EmailMessage`` would carry, at a sixth of the CPU per message — building and flattening
    the message is most of what sending one costs the client. The MIME boundary derives from
    the delivery key, like the Message-ID: the same delivery flattens to the same bytes, and the
    generator need not pick a random boundary and compile a regular expression to search the
    parts for it (a sixth of the flattening). It can never occur in the parts: their bodies are
    base64 (the utf-8 charset's body encoding), which has no ``_``.
    """
    mail = MIMEMultipart("alternative", boundary=_boundary(message.key))
    mail["From"] = _address(smtp.sender)
    if message.emails:
        mail["To"] = ", ".join(
            formataddr((message.recipient_name, a), charset="utf-8") for a in message.emails
        )
    else:
        mail["To"] = Header(message.recipient_name, "utf-8", header_name="To").encode()
    if message.cc:
        mail["Cc"] = ", ".join(message.cc)
    if smtp.reply_to:
        mail["Reply-To"] = _address(smtp.reply_to)
    mail["Subject"] = Header(message.subject, "utf-8", header_name="Subject").encode()
    mail["Date"] = format_datetime(datetime.fromisoformat(message.created_at))
    mail["Message-ID"] = message_id(message.key, smtp.sender)
    mail["X-Reminder-Key"] = message.key
    mail["Auto-Submitted"] = "auto-generated"
    mail.attach(MIMEText(message.text, "plain", "utf-8"))
    mail.attach(MIMEText(message.html, "html", "utf-8"))
    return mail


def _boundary(key: str) -> str:
    """The MIME boundary of delivery ``key``'s message (see ``build_email``)."""
    return "=_nhacviec_" + hashlib.sha256(b"boundary:" + key.encode()).hexdigest()[:32]


def _address(value: str) -> str:
    """ "Tên <a@b>" with the name encoded for the header when it is not ASCII."""
    name, address = parseaddr(value)
    return formataddr((name, address), charset="utf-8") if name else address


class EmailChannel:
    """Sends over SMTP through a pool of at most ``concurrency`` connections."""

    name = "email"

    def __init__(self, settings: SmtpSettings, concurrency: int = 4) -> None:
        if not settings.host:
            raise ValueError("email channel needs smtp.host")
        self.settings = settings
        self.concurrency = max(1, concurrency)
        # Connected, not in use: touched on the loop by ``send``, under a lock by ``send_all``.
        self._idle: list[smtplib.SMTP] = []
        self._slots: asyncio.Semaphore | None = None

    async def open(self) -> None:
        # Connections open lazily: a pass with nothing to send opens nothing.
        self._slots = asyncio.Semaphore(self.concurrency)

    async def send(self, message: Message) -> Receipt:
        if not message.emails:
            raise _no_address()
        if self._slots is None:
            await self.open()
        assert self._slots is not None
        async with self._slots:  # one message per connection at a time
            conn = self._idle.pop() if self._idle else None
            kept, outcome = await asyncio.to_thread(self._send_sync, conn, message)
            if kept is not None:
                self._idle.append(kept)
        if isinstance(outcome, ChannelError):
            raise outcome
        return outcome

    async def send_all(
        self, messages: Sequence[Message], done: Callable[[Message, Receipt | ChannelError], None]
    ) -> None:
        """Send ``messages`` over up to ``concurrency`` connections, one worker thread each,
        every worker taking the next message when its last is done and calling ``done`` with
        that message's receipt or error before it takes another (see ``BatchChannel``).

        The pool's connections stay for the pass, as with ``send``. Sending this way keeps the
        event loop out of the path between two messages of a connection; smtplib releases the
        GIL while it waits for the server."""
        queue = deque(messages)
        lock = threading.Lock()
        stopped: list[BaseException] = []

        def worker() -> None:
            with lock:
                conn = self._idle.pop() if self._idle else None
            try:
                while True:
                    with lock:
                        if stopped or not queue:
                            return
                        message = queue.popleft()
                    result: Receipt | ChannelError
                    if not message.emails:
                        result = _no_address()
                    else:
                        try:
                            conn, result = self._send_sync(conn, message)
                        except Exception as exc:  # a message that cannot be built: its own
                            # outcome (sending it again fails the same way); the pass goes on
                            if conn is not None:
                                _drop(conn)
                            conn = None
                            result = ChannelError(
                                f"lỗi khi gửi: {type(exc).__name__}: {exc}"[:500],
                                permanent=True,
                                code="error",
                            )
                    done(message, result)
            except BaseException as exc:
                with lock:
                    stopped.append(exc)
                raise
            finally:
                if conn is not None:
                    with lock:
                        self._idle.append(conn)

        workers = min(self.concurrency, len(queue))
        # Every worker is waited for (they stop at their next message once one failed), so
        # each connection is back in the pool before ``close``.
        await asyncio.gather(
            *(asyncio.to_thread(worker) for _ in range(workers)), return_exceptions=True
        )
        if stopped:
            raise stopped[0]

    async def close(self) -> None:
        idle, self._idle = self._idle, []
        if idle:
            await asyncio.to_thread(_quit_all, idle)

    # -- blocking parts, run in a worker thread ------------------------------------------------

    def _send_sync(
        self, conn: smtplib.SMTP | None, message: Message
    ) -> tuple[smtplib.SMTP | None, Receipt | ChannelError]:
        """Sends ``message`` (over ``conn``, or a new connection); returns the connection to
        keep (None when it broke) and the receipt or the error."""
        mail = build_email(message, self.settings)
        try:
            if conn is None:
                conn = self._connect()
        except ChannelError as exc:
            return None, exc
        try:
            refused = conn.send_message(mail, to_addrs=[*message.emails, *message.cc])
        except smtplib.SMTPRecipientsRefused as exc:  # smtplib has reset the transaction
            codes = [code for code, _ in exc.recipients.values()]
            words = "; ".join(f"{a}: {c} {_words(m)}" for a, (c, m) in exc.recipients.items())
            return conn, ChannelError(
                "máy chủ thư từ chối người nhận",
                permanent=all(500 <= c < 600 for c in codes),
                code=str(codes[0]) if codes else None,
                detail=words,
            )
        except smtplib.SMTPResponseException as exc:
            error = _classify(exc.smtp_code, exc.smtp_error)
            if exc.smtp_code == 421:  # the server is closing this connection
                _drop(conn)
                return None, error
            return conn, error
        except (OSError, smtplib.SMTPException) as exc:
            _drop(conn)
            return None, ChannelError(
                f"mất kết nối máy chủ thư: {exc}", permanent=False, code="disconnected"
            )
        detail = "từ chối: " + ", ".join(refused) if refused else ""
        return conn, Receipt(provider_id=str(mail["Message-ID"]), detail=detail)

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


def _no_address() -> ChannelError:
    return ChannelError("đơn vị không có địa chỉ thư", permanent=True, code="no-address")


def _drop(conn: smtplib.SMTP) -> None:
    with contextlib.suppress(OSError):
        conn.close()


def _quit_all(connections: list[smtplib.SMTP]) -> None:
    for conn in connections:
        try:
            conn.quit()
        except (OSError, smtplib.SMTPException):
            _drop(conn)


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
