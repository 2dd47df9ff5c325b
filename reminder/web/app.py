"""The application: every area's routes, and the middleware around them.

A new area of the web app is one module with a ``ROUTES`` list plus one line in ``AREAS``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.authentication import AuthenticationMiddleware
from starlette.routing import BaseRoute

from reminder.channels.zalo.tokens import ZaloTokens
from reminder.config import Config
from reminder.store import Store
from reminder.web import ack, board, feeds, login, ops, zalo, zalo_bot
from reminder.web.context import HealthCheck, WebContext
from reminder.web.security import SessionBackend

AREAS: tuple[Sequence[BaseRoute], ...] = (
    board.ROUTES,
    login.ROUTES,
    ack.ROUTES,
    feeds.ROUTES,
    zalo.ROUTES,
    zalo_bot.ROUTES,
    ops.ROUTES,
)


def create_app(
    config: Config,
    store: Store,
    secret: str,
    *,
    clock: Callable[[], datetime] | None = None,
    health: HealthCheck | None = None,
    zalo_tokens: ZaloTokens | None = None,
) -> Starlette:
    """The Starlette application; its ``state.web`` is the ``WebContext`` (``reload`` it)."""
    ctx = WebContext(
        config,
        store,
        secret,
        health=health,
        zalo_tokens=zalo_tokens,
        **({"clock": clock} if clock is not None else {}),
    )
    app = Starlette(
        routes=[route for area in AREAS for route in area],
        middleware=[
            Middleware(
                AuthenticationMiddleware, backend=SessionBackend(ctx.sessions, ctx.lookup_session)
            )
        ],
    )
    app.state.web = ctx
    return app
