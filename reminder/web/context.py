"""What every area of the web app shares: configuration, store, clock, templates, signing.

One ``WebContext`` per application, kept in ``app.state.web``; handlers reach it with
``context(request)``. ``reload`` swaps the configuration for the running app.
"""

from __future__ import annotations

import hashlib
import hmac
import threading
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any, TypeVar, cast

from starlette.concurrency import run_in_threadpool
from starlette.requests import HTTPConnection
from starlette.responses import HTMLResponse

from reminder import accounts, acks, adjust, audit, state
from reminder.channels.zalo.tokens import ZaloTokens
from reminder.config import Config
from reminder.keyed import Records
from reminder.links import UnitLinks
from reminder.plan import Plan, Task
from reminder.render import Renderer
from reminder.schedule import LOCAL_TZ
from reminder.store import Store
from reminder.web.security import Passwords, Sessions, Throttle

HealthCheck = Callable[[], dict[str, Any]]
T = TypeVar("T")


class WebContext:
    """The state the handlers share; ``create_app`` builds one and wires the routes to it."""

    def __init__(
        self,
        config: Config,
        store: Store,
        secret: str,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(LOCAL_TZ),
        health: HealthCheck | None = None,
        zalo_tokens: ZaloTokens | None = None,
    ) -> None:
        self.config = config
        self.store = store
        self.records = Records(store)
        self.secret = secret.encode()
        self.tokens = acks.Tokens(secret)
        self.unit_links = UnitLinks(secret)
        self.clock = clock
        self.health_extra = health
        self.zalo_tokens = zalo_tokens
        self.renderer = Renderer(config.settings.templates_dir)
        web = config.settings.web
        self.base = web.base_url.rstrip("/")
        self.secure_cookies = self.base.startswith("https://")
        self.sessions = Sessions(secret, lambda: self.config.settings.web.session_hours)
        # Failures are counted per purpose: bad ack links per address; wrong passwords per
        # address and per account, so neither rotating addresses nor sharing one office NAT
        # with careless link-clickers changes who may log in.
        self.bad_links = Throttle(web.bad_token_limit)
        self.bad_logins = Throttle(web.bad_token_limit)
        self.passwords = Passwords()
        self._memo: dict[str, tuple[datetime, object]] = {}
        self._memo_lock = threading.Lock()
        self._memo_locks: dict[str, threading.Lock] = {}

    def env_admin_hash(self) -> str | None:
        """The first administrator's hash from ``REMINDER_WEB__ADMIN_PASSWORD_HASH``, if set."""
        configured = self.config.settings.web.admin_password_hash
        return configured.get_secret_value() if configured else None

    async def lookup_session(self, session_id: str) -> tuple[str, str] | None:
        """(account, role) of the live session ``session_id``, or None."""

        def find() -> tuple[str, str] | None:
            account = accounts.session_account(
                self.records, session_id, self.clock(), self.env_admin_hash()
            )
            return (account.name, account.role) if account else None

        return await run_in_threadpool(find)

    def audit(self, actor: str, action: str, summary: str, **about: str) -> None:
        """Append an audit entry made now by ``actor`` (blocking: run it in a thread)."""
        audit.record(self.records, audit.AuditEntry(self.clock(), actor, action, summary, **about))

    def reload(self, config: Config) -> None:
        """Serve ``config`` from now on (live reload of the configuration directory)."""
        self.config = config
        self.renderer = Renderer(config.settings.templates_dir)
        self.invalidate()

    def memo(self, name: str, compute: Callable[[], T]) -> T:
        """``compute()``'s result, computed once per tick (``service.tick_seconds`` on this
        app's clock) and shared by every request until then or until ``invalidate``.

        Blocking: call it in a worker thread. Concurrent callers wait for one computation.
        """
        with self._memo_lock:
            lock = self._memo_locks.setdefault(name, threading.Lock())
        with lock:
            now = self.clock()
            tick = timedelta(seconds=self.config.settings.service.tick_seconds)
            held = self._memo.get(name)
            if held is not None and held[0] <= now < held[0] + tick:
                return cast(T, held[1])
            value = compute()
            self._memo[name] = (now, value)
            return value

    def invalidate(self) -> None:
        """Forget every ``memo``: the next reader computes afresh (after this app wrote)."""
        self._memo.clear()

    def page(self, name: str, context: dict[str, Any], status_code: int = 200) -> HTMLResponse:
        """The page ``templates/web/<name>`` rendered with ``context``."""
        html = self.renderer.render(f"web/{name}", {"base": self.base, **context})
        return HTMLResponse(html, status_code=status_code, headers={"Cache-Control": "no-store"})

    def error(self, heading: str, message: str, code: int) -> HTMLResponse:
        """An error page with ``heading`` and ``message``."""
        return self.page("error.html", {"heading": heading, "message": message}, code)

    def mac(self, purpose: str, value: str) -> str:
        """HMAC-SHA256 of ``value`` for ``purpose`` (CSRF fields, feed keys), hex."""
        return hmac.new(self.secret, f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()

    def today(self) -> date:
        return self.clock().astimezone(LOCAL_TZ).date()

    def adjustments(self) -> adjust.Adjustments:
        """The extensions and pauses as of now (blocking: run it in a thread)."""
        return adjust.load(self.records, self.clock())

    def snapshot(self) -> state.Snapshot:
        """Every (plan, task, unit) pair as of now, the one state every page and the CSV show;
        computed at most once per tick and after this app records an ack (blocking: run it
        in a thread)."""
        return self.memo("state", lambda: state.load(self.config, self.store, self.clock()))

    def plan_task(self, plan_id: str, task_id: str) -> tuple[Plan, Task] | None:
        """The plan and task with these ids, if the configuration has them."""
        plan = next((p for p in self.config.plans if p.id == plan_id), None)
        task = plan.task(task_id) if plan else None
        return (plan, task) if plan is not None and task is not None else None


def context(conn: HTTPConnection) -> WebContext:
    """The ``WebContext`` of the application serving ``conn``."""
    return cast(WebContext, conn.app.state.web)


def address(conn: HTTPConnection) -> str:
    """The client's address as the server (or a trusted proxy) reports it."""
    return conn.client.host if conn.client else "?"
