"""The application: every area's routes, and the middleware around them.

A new area of the web app is one module with a ``ROUTES`` list plus one line in ``AREAS``.

Middleware, outermost first: uvicorn's ``ProxyHeadersMiddleware`` only when
``web.trusted_proxies`` names the proxies (so the client address is theirs to tell, and nobody
else's); ``SecurityHeaders`` on every response; ``DeclaredBodyLimit`` (a body declared longer
than ``MAX_BODY_BYTES`` answers 413 with a Vietnamese page at once); Starlette's request body
limit (enforced while the body is read; the 413 it raises gets the same page); Starlette's
``AuthenticationMiddleware`` with the session backend.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from starlette.applications import Starlette
from starlette.datastructures import Headers
from starlette.middleware import Middleware
from starlette.middleware.authentication import AuthenticationMiddleware
from starlette.middleware.body_limit import RequestBodyLimitMiddleware
from starlette.responses import Response
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
TOO_LARGE_HEADING = "Nội dung gửi lên quá lớn"
TOO_LARGE_MESSAGE = (
    f"Mỗi lần gửi tối đa {MAX_BODY_BYTES // 1024} KB. Hãy rút ngắn ghi chú rồi gửi lại."
)

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


def _too_large(ctx: WebContext) -> Response:
    return ctx.error(TOO_LARGE_HEADING, TOO_LARGE_MESSAGE, 413)


class DeclaredBodyLimit:
    """Answers 413 with the Vietnamese page when a request declares (``Content-Length``) a body
    over ``MAX_BODY_BYTES``, before any handler runs; it sits outside Starlette's
    ``RequestBodyLimitMiddleware``, which answers such a request with its own English text. A
    body that arrives without a length is cut by Starlette's while it is read, and
    ``create_app``'s 413 handler answers."""

    def __init__(self, app: ASGIApp, ctx: WebContext) -> None:
        self.app = app
        self.ctx = ctx

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            declared = Headers(scope=scope).get("content-length", "")
            if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
                await _too_large(self.ctx)(scope, receive, send)
                return
        await self.app(scope, receive, send)


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
        Middleware(DeclaredBodyLimit, ctx=ctx),
        Middleware(RequestBodyLimitMiddleware, max_body_size=MAX_BODY_BYTES),
        Middleware(
            AuthenticationMiddleware, backend=SessionBackend(ctx.sessions, ctx.lookup_session)
        ),
    ]
    app = Starlette(
        routes=[route for area in AREAS for route in area],
        middleware=middleware,
        exception_handlers={413: lambda request, exc: _too_large(ctx)},
    )
    app.state.web = ctx
    return app
