"""Servers for the delivery benchmark, run as separate processes so they do not share the
benchmark's interpreter: ``python -m bench.sinks smtp|http PORT``."""

from __future__ import annotations

import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


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


def main() -> None:
    kind, port = sys.argv[1], int(sys.argv[2])
    if kind == "http":
        ThreadingHTTPServer(("127.0.0.1", port), _Ok).serve_forever()
    else:
        from aiosmtpd.controller import Controller
        from aiosmtpd.handlers import Sink

        controller = Controller(Sink(), hostname="127.0.0.1", port=port)
        controller.start()
        while True:
            time.sleep(3600)


if __name__ == "__main__":
    main()
