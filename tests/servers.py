"""Real servers on 127.0.0.1 for the delivery tests: an SMTP sink (aiosmtpd) with injectable
faults, and an HTTP server that speaks the documented Zalo OA / ZNS / OAuth shapes and acts
as a webhook receiver."""

from __future__ import annotations

import email
import email.policy
import json
import socket
import threading
import time
from collections.abc import Callable
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class SmtpSink:
    """aiosmtpd handler: keeps every accepted message; replies can be forced per recipient
    (``rcpt_replies``: address substring -> reply) or for DATA (``data_replies``: a queue)."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str], bytes]] = []  # MAIL FROM, RCPT TO, data
        self.rcpt_replies: dict[str, str] = {}
        self.data_replies: list[str] = []
        self.data_delay = 0.0
        self.connections = 0
        self.active = 0  # transactions in DATA right now, and the most at once
        self.max_active = 0
        self.lock = threading.Lock()

    async def handle_EHLO(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        hostname: str,
        responses: list[str],
    ) -> list[str]:
        with self.lock:
            self.connections += 1
        session.host_name = hostname
        return responses

    async def handle_RCPT(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        for needle, reply in self.rcpt_replies.items():
            if needle in address:
                return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        with self.lock:
            self.active += 1
            self.max_active = max(self.max_active, self.active)
        try:
            if self.data_delay:
                import asyncio

                await asyncio.sleep(self.data_delay)
        finally:
            with self.lock:
                self.active -= 1
        if self.data_replies:
            return self.data_replies.pop(0)
        raw = envelope.content if isinstance(envelope.content, bytes) else b""
        parsed = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        with self.lock:
            self.messages.append(parsed)
            self.envelopes.append((envelope.mail_from or "", list(envelope.rcpt_tos), raw))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if address in str(m["To"])]


class SmtpServer:
    """A running aiosmtpd server on 127.0.0.1."""

    def __init__(self) -> None:
        self.sink = SmtpSink()
        self.port = free_port()
        self.controller = Controller(self.sink, hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> SmtpServer:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()


Reply = dict[str, Any] | tuple[int, str] | tuple[str, float]


class FakeZalo:
    """State of the fake Zalo platform.

    ``access_tokens``: valid access tokens; ``refresh_tokens``: usable once each.
    ``replies``: queued answers for the next message calls (a JSON body, ``(status, text)`` for
    an HTTP error, or ``("sleep", seconds)`` to answer late). ``requests``: what arrived.
    """

    def __init__(self) -> None:
        self.access_tokens: set[str] = {"access-1"}
        self.refresh_tokens: set[str] = {"refresh-1"}
        self.replies: list[Reply] = []
        self.requests: list[dict[str, Any]] = []
        self.refreshes = 0
        self.refresh_fails = False
        self.refresh_delay = 0.0
        self.refresh_started = threading.Event()
        self.webhook_status: list[int] = []
        self.webhook_delay = 0.0  # seconds the webhook sink takes before it answers
        self.lock = threading.Lock()
        self._counter = 1
        # The Zalo Bot Platform (bot.zaloplatforms.com/docs): POST /bot<TOKEN>/<method>.
        self.bot_token = "12345:bot-secret-token"
        # Next sendMessage answers: (status, body), or None to accept that one as usual.
        self.bot_replies: list[tuple[int, dict[str, Any]] | None] = []
        self.bot_sent: list[dict[str, Any]] = []  # accepted sendMessage bodies
        self.bot_send_delay = 0.0  # seconds sendMessage takes before it answers
        self.bot_updates: list[dict[str, Any]] = []  # what getUpdates hands out, one a call
        self.bot_webhook: dict[str, Any] = {}

    def next_pair(self) -> tuple[str, str]:
        self._counter += 1
        return f"access-{self._counter}", f"refresh-{self._counter}"


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        return None

    def _reply(self, status: int, body: Any) -> None:
        data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:
        fake = self.server.fake
        length = int(self.headers.get("Content-Length", "0"))
        raw = self.rfile.read(length)
        record = {"path": self.path, "headers": dict(self.headers), "raw": raw}
        with fake.lock:
            fake.requests.append(record)
        if self.path.startswith("/bot"):
            self._bot(fake, raw)
            return
        if self.path == "/v4/oa/access_token":
            form = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
            fake.refresh_started.set()
            if fake.refresh_delay:
                time.sleep(fake.refresh_delay)
            with fake.lock:
                fake.refreshes += 1
                token = form.get("refresh_token", "")
                ok = (
                    not fake.refresh_fails
                    and token in fake.refresh_tokens
                    and self.headers.get("secret_key") == "app-secret"
                    and form.get("grant_type") == "refresh_token"
                )
                if ok:
                    fake.refresh_tokens.discard(token)  # a refresh token works once
                    access, refresh = fake.next_pair()
                    fake.access_tokens = {access}
                    fake.refresh_tokens.add(refresh)
            if ok:
                self._reply(
                    200, {"access_token": access, "refresh_token": refresh, "expires_in": "90000"}
                )
            else:
                self._reply(
                    200,
                    {
                        "error": -14014,
                        "error_name": "Invalid refresh token",
                        "error_description": "refresh token is invalid",
                    },
                )
            return
        if self.path in ("/v3.0/oa/message/cs", "/message/template"):
            with fake.lock:
                reply = fake.replies.pop(0) if fake.replies else None
            if isinstance(reply, tuple) and reply[0] == "sleep":
                time.sleep(float(reply[1]))
                reply = None
            if isinstance(reply, tuple):
                self._reply(int(reply[0]), str(reply[1]))
                return
            if self.headers.get("access_token") not in fake.access_tokens:
                self._reply(200, {"error": -216, "message": "Access token is invalid"})
                return
            if reply is not None:
                self._reply(200, reply)
                return
            body = json.loads(raw)
            data = (
                {"message_id": f"msg-{len(fake.requests)}", "user_id": body["recipient"]["user_id"]}
                if self.path.startswith("/v3.0")
                else {"msg_id": f"zns-{len(fake.requests)}", "sent_time": "0"}
            )
            self._reply(200, {"error": 0, "message": "Success", "data": data})
            return
        if self.path == "/hook":
            if fake.webhook_delay:
                time.sleep(fake.webhook_delay)
            with fake.lock:
                status = fake.webhook_status.pop(0) if fake.webhook_status else 200
            self._reply(status, {"ok": status < 300})
            return
        self._reply(404, {"error": "not found"})

    def _bot(self, fake: FakeZalo, raw: bytes) -> None:
        """The Zalo Bot API: ``{"ok": true, "result"}`` or ``{"ok": false, "error_code",
        "description"}``."""
        token, _, method = self.path.removeprefix("/bot").partition("/")
        if token != fake.bot_token:
            self._reply(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
            return
        body = json.loads(raw or b"{}")
        if method == "getMe":
            result: Any = {"id": "1459232241454765289", "account_name": "bot.NhacViec"}
        elif method == "setWebhook":
            with fake.lock:
                fake.bot_webhook = body
            result = {"url": body.get("url"), "updated_at": 1749538250568}
        elif method == "getUpdates":
            with fake.lock:
                update = fake.bot_updates.pop(0) if fake.bot_updates else None
            if update is None:
                time.sleep(0.2)  # a (short) long poll that ends with nothing new
                self._reply(200, {"ok": False, "error_code": 408, "description": "Request timeout"})
                return
            result = update
        elif method == "sendMessage":
            if fake.bot_send_delay:
                time.sleep(fake.bot_send_delay)
            with fake.lock:
                forced = fake.bot_replies.pop(0) if fake.bot_replies else None
            if forced is not None:
                self._reply(forced[0], forced[1])
                return
            text = body.get("text", "")
            if not body.get("chat_id") or not 1 <= len(text) <= 2000:
                self._reply(
                    400, {"ok": False, "error_code": 400, "description": "Invalid parameter"}
                )
                return
            with fake.lock:
                fake.bot_sent.append(body)
                result = {"message_id": f"bm-{len(fake.bot_sent)}", "date": 1749632637199}
        else:
            self._reply(404, {"ok": False, "error_code": 404, "description": "Not found"})
            return
        self._reply(200, {"ok": True, "result": result})


def bot_update(chat_id: str, text: str, message_id: str, name: str = "Cán bộ") -> dict[str, Any]:
    """A text message update as the Bot Platform sends it (webhook ``result``, getUpdates)."""
    return {
        "event_name": "message.text.received",
        "message": {
            "from": {"id": chat_id, "display_name": name, "is_bot": False},
            "chat": {"id": chat_id, "chat_type": "PRIVATE"},
            "text": text,
            "message_id": message_id,
            "date": 1749632637199,
        },
    }


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: FakeZalo


class ZaloServer:
    """A running fake Zalo (and webhook) server on 127.0.0.1."""

    def __init__(self) -> None:
        self.fake = FakeZalo()
        self.httpd = _Server(("127.0.0.1", 0), _Handler)
        self.httpd.fake = self.fake
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> ZaloServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def messages(self, path: str = "/v3.0/oa/message/cs") -> list[dict[str, Any]]:
        return [r for r in self.fake.requests if r["path"] == path]


def wait_until(predicate: Callable[[], bool], timeout: float = 10.0) -> bool:
    """Poll ``predicate`` (for waiting on another process, not on the code under test)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return predicate()


class WebServer:
    """The reminder web app served by uvicorn on 127.0.0.1 in a background thread."""

    def __init__(self, app: Any, port: int) -> None:
        import uvicorn

        from reminder.web.server import server_config

        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        web = app.state.web.config.settings.web.model_copy(
            update={"host": "127.0.0.1", "port": port}
        )
        config = server_config(app, web, log_config=None, lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> WebServer:
        self.thread.start()
        assert wait_until(lambda: self.server.started, 10), "uvicorn did not start"
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(10)
