"""Servers for the delivery benchmark, run as separate processes so they do not share the
benchmark's interpreter: ``python -m bench.sinks smtp|http PORT`` or
``python -m bench.sinks smtp-slow PORT SECONDS LOG`` (an SMTP server that takes SECONDS per
message, any number of connections at once, and appends each message's X-Reminder-Key and the
time it was taken to LOG).
"""

from __future__ import annotations

import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class _Ok(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        return None

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        body = b'{"error":0,"message":"Success","data":{"message_id":"x"}}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class _Slow:
    """aiosmtpd handler: waits ``delay`` seconds per message (without blocking the other
    connections), then logs its key."""

    def __init__(self, delay: float, log: str) -> None:
        self.delay = delay
        self.log = open(log, "a", encoding="utf-8")  # noqa: SIM115 - open for the process's life

    async def handle_DATA(self, server: object, session: object, envelope: Any) -> str:
        import asyncio
        import email

        await asyncio.sleep(self.delay)
        parsed = email.message_from_bytes(envelope.content)
        self.log.write(f"{parsed.get('X-Reminder-Key', '')} {time.time():.6f}\n")
        self.log.flush()
        return "250 OK"


def main() -> None:
    kind, port = sys.argv[1], int(sys.argv[2])
    if kind == "http":
        ThreadingHTTPServer(("127.0.0.1", port), _Ok).serve_forever()
    elif kind == "smtp-slow":
        from aiosmtpd.controller import Controller

        controller = Controller(
            _Slow(float(sys.argv[3]), sys.argv[4]), hostname="127.0.0.1", port=port
        )
        controller.start()
        while True:
            time.sleep(3600)
    else:
        from aiosmtpd.controller import Controller
        from aiosmtpd.handlers import Sink

        controller = Controller(Sink(), hostname="127.0.0.1", port=port)
        controller.start()
        while True:
            time.sleep(3600)


if __name__ == "__main__":
    main()
