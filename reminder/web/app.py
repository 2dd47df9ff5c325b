"""The application: every area's routes, and the middleware around them.

A new area of the web app is one module with a ``ROUTES`` list plus one line in ``AREAS``.

Middleware, outermost first: uvicorn's ``ProxyHeadersMiddleware`` only when
``web.trusted_proxies`` names the proxies (so the client address is theirs to tell, and nobody
else's); ``SecurityHeaders`` on every response; Starlette's ``AuthenticationMiddleware`` with the
session backend; Starlette's request body limit (``MAX_BODY_BYTES``, enforced while the body is
read, oversize answers 413).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.authentication import AuthenticationMiddleware
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from reminder.channels.zalo.tokens import ZaloTokens
from reminder.config import Config
from reminder.store import Store
from reminder.web import ack, admin, board, feeds, login, ops, unit, zalo, zalo_bot
from reminder.web.context import HealthCheck, WebContext
from reminder.web.security import SessionBackend

AREAS: tuple[Sequence[BaseRoute], ...] = (
    board.ROUTES,
    admin.ROUTES,
    unit.ROUTES,
    login.ROUTES,
    ack.ROUTES,
    feeds.ROUTES,
    zalo.ROUTES,
    zalo_bot.ROUTES,
    ops.ROUTES,
)

#: Every request body (forms, webhooks) is at most this long.
MAX_BODY_BYTES = 64 * 1024

#: Pages use inline style attributes and nothing else: no scripts, no frames, forms post here.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
SECURITY_HEADERS = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
]


class SecurityHeaders:
    """Adds ``SECURITY_HEADERS`` to every HTTP response that does not set them itself."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers += [(n, v) for n, v in SECURITY_HEADERS if n not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def create_app(
    config: Config,
    store: Store,
    secret: str,
    *,
    clock: Callable[[], datetime] | None = None,
    health: HealthCheck | None = None,
    zalo_tokens: ZaloTokens | None = None,
) -> Starlette:
    """The Starlette application; its ``state.web`` is the ``WebContext`` (``reload`` it).

    ``web.trusted_proxies`` is read here, once: changing it needs a restart.
    """
    ctx = WebContext(
        config,
        store,
        secret,
        health=health,
        zalo_tokens=zalo_tokens,
        **({"clock": clock} if clock is not None else {}),
    )
    proxies = list(config.settings.web.trusted_proxies)
    middleware = [
        *([Middleware(ProxyHeadersMiddleware, trusted_hosts=proxies)] if proxies else []),
        Middleware(SecurityHeaders),
        Middleware(
            AuthenticationMiddleware, backend=SessionBackend(ctx.sessions, ctx.lookup_session)
        ),
    ]
    app = Starlette(
        routes=[route for area in AREAS for route in area],
        middleware=middleware,
        max_body_size=MAX_BODY_BYTES,
    )
    app.state.web = ctx
    return app
