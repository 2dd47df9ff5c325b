"""The email channel: SMTP (smtplib) over a small pool of connections for a pass.

Messages are multipart (text + HTML), UTF-8 subject and names, with a Message-ID derived from
the delivery key (the same delivery always has the same Message-ID, so a retried message is
recognisably the same), Date, and Reply-To. ``email_mime`` composes them: the bytes that
``send_message`` would send for ``build_email``'s message, at a fraction of its CPU, handed to
``sendmail`` (building and flattening the MIME tree was most of a message's cost to the client).

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
import smtplib
import ssl
import threading
from collections import deque
from collections.abc import Callable, Sequence

from reminder.channels.base import Message, Receipt
from reminder.channels.email_mime import WireComposer
from reminder.channels.email_mime import build_email as build_email
from reminder.channels.email_mime import message_id as message_id
from reminder.errors import ChannelError
from reminder.settings import SmtpSettings


class EmailChannel:
    """Sends over SMTP through a pool of at most ``concurrency`` connections."""

    name = "email"

    def __init__(self, settings: SmtpSettings, concurrency: int = 4) -> None:
        if not settings.host:
            raise ValueError("email channel needs smtp.host")
        self.settings = settings
        self.concurrency = max(1, concurrency)
        self._composer = WireComposer(settings)
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
        wire = self._composer.compose(message)
        if wire is None:
            return conn, self._composer.refusal(message)
        try:
            if conn is None:
                conn = self._connect()
        except ChannelError as exc:
            return None, exc
        try:
            refused = conn.sendmail(wire.sender, wire.recipients, wire.data)
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
        return conn, Receipt(provider_id=wire.message_id, detail=detail)

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
