"""Servers for the delivery benchmark, run as separate processes so they do not share the
benchmark's interpreter: ``python -m bench.sinks smtp|http PORT`` or
``python -m bench.sinks smtp-slow PORT SECONDS LOG`` (an SMTP server that takes SECONDS per
message, any number of connections at once, and appends each message's X-Reminder-Key and the
time it was taken to LOG) or
``python -m bench.sinks smtp-relay PORT LATENCY_MS`` (one process of a relay-like SMTP sink:
it binds PORT with SO_REUSEPORT, so several such processes share the port and the kernel
spreads connections over them, and it answers each message's end of DATA after LATENCY_MS, as a
real relay does once it has queued the message; its reply names its process and the latency;
it prints ``ready`` when it listens).
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
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


class _Relay:
    """aiosmtpd handler: accepts every message, answering its end of DATA after ``delay``
    seconds (without blocking the other connections)."""

    def __init__(self, delay: float) -> None:
        self.delay = delay

    async def handle_DATA(self, server: object, session: object, envelope: Any) -> str:
        if self.delay:
            await asyncio.sleep(self.delay)
        return f"250 OK queued by {os.getpid()} after {self.delay * 1000:g} ms"


async def _relay(port: int, delay: float) -> None:
    from aiosmtpd.smtp import SMTP

    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(_Relay(delay), hostname="relay.bench"), "127.0.0.1", port, reuse_port=True
    )
    print("ready", flush=True)
    await server.serve_forever()


@contextmanager
def relay(procs: int, latency_ms: float, pids: list[int] | None = None) -> Iterator[int]:
    """A relay-like SMTP sink on 127.0.0.1 for the ``with`` block: ``procs`` processes of
    ``smtp-relay`` sharing one port (yielded), each answering a message's end of DATA after
    ``latency_ms``; ended when the block ends. Their process ids are added to ``pids``."""
    from tests.servers import free_port

    port = free_port()
    group = [
        subprocess.Popen(
            [sys.executable, "-m", "bench.sinks", "smtp-relay", str(port), str(latency_ms)],
            stdout=subprocess.PIPE,
        )
        for _ in range(procs)
    ]
    if pids is not None:
        pids.extend(proc.pid for proc in group)
    try:
        for proc in group:  # each prints "ready" once it listens
            assert proc.stdout is not None
            if proc.stdout.readline().strip() != b"ready":
                raise RuntimeError(f"SMTP relay sink on port {port} did not start")
        yield port
    finally:
        for proc in group:
            proc.terminate()
            proc.wait()
            if proc.stdout is not None:
                proc.stdout.close()


def main() -> None:
    kind, port = sys.argv[1], int(sys.argv[2])
    if kind == "http":
        ThreadingHTTPServer(("127.0.0.1", port), _Ok).serve_forever()
    elif kind == "smtp-relay":
        asyncio.run(_relay(port, float(sys.argv[3]) / 1000))
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
