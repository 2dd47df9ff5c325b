"""How the web app is served: uvicorn's configuration with the limits a public server needs.

- **Header timeout.** uvicorn closes idle keep-alive connections but waits for ever on a new
  connection that never finishes its request headers (slowloris). ``HeaderTimeoutProtocol``
  closes a connection that has not sent complete request headers ``header_timeout_s`` after it
  opened or after its previous response.
- **Concurrency limit**: beyond ``max_connections`` connections or requests in progress, uvicorn
  answers 503 instead of running out of file descriptors.
- **Proxy headers** are never read by uvicorn itself (its default trusts 127.0.0.1, which is
  wrong for a service that may share the host with anything); the app honours them only from
  ``web.trusted_proxies`` (``app.create_app``).
- **Access logs** never contain an acknowledgment token or a feed key: a logging filter
  replaces them before the line is written.
"""

from __future__ import annotations

import asyncio
import logging
import re
from typing import Any

import h11
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from reminder.settings import WebSettings

_SECRET_PARTS = re.compile(r"(/ack/)[^\s/?\"]+|((?:key|token)=)[^\s&\"]+")


def redact(text: str) -> str:
    """``text`` with ack tokens and ``key=``/``token=`` query values replaced by ``…``."""
    return _SECRET_PARTS.sub(lambda m: (m.group(1) or m.group(2)) + "…", text)


class RedactSecrets(logging.Filter):
    """Rewrites uvicorn access-log records so they never carry a secret from the URL."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        record.msg = redact(str(record.msg))
        return True


def install_log_filter() -> None:
    """Add ``RedactSecrets`` to uvicorn's access logger (once)."""
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, RedactSecrets) for f in access.filters):
        access.addFilter(RedactSecrets())


class HeaderTimeoutProtocol(H11Protocol):
    """uvicorn's h11 protocol, closing connections whose request headers come too slowly."""

    header_timeout_s = 10.0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._header_timer: asyncio.TimerHandle | None = None

    def _arm(self) -> None:
        self._disarm()
        self._header_timer = self.loop.call_later(self.header_timeout_s, self._headers_late)

    def _disarm(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _headers_late(self) -> None:
        self._header_timer = None
        if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
            self.transport.close()

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)


def server_config(app: Any, web: WebSettings, **options: Any) -> uvicorn.Config:
    """uvicorn's configuration for ``app`` with ``web``'s address and limits; ``options`` are
    passed on (``log_config``, ``access_log``, ``lifespan`` ...)."""
    protocol = type(
        "ConfiguredHeaderTimeoutProtocol",
        (HeaderTimeoutProtocol,),
        {"header_timeout_s": web.header_timeout_s},
    )
    install_log_filter()
    return uvicorn.Config(
        app,
        host=web.host,
        port=web.port,
        http=protocol,
        proxy_headers=False,
        server_header=False,
        timeout_keep_alive=web.keep_alive_s,
        limit_concurrency=web.max_connections,
        **options,
    )
