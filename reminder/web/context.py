"""What every area of the web app shares: configuration, store, clock, templates, signing.

One ``WebContext`` per application, kept in ``app.state.web``; handlers reach it with
``context(request)``. ``reload`` swaps the configuration for the running app.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import logging
import threading
import time
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
log = logging.getLogger(__name__)


#: A memoised result that took longer than this is refreshed in the background (see ``memo``).
SLOW_S = 0.5


@dataclasses.dataclass(frozen=True)
class _Memo:
    at: datetime
    value: object
    cost_s: float
    valid: bool = True


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
        self.renderer = Renderer(config.templates)
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
        self._memo: dict[str, _Memo] = {}
        self._refreshing: set[str] = set()
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
        self.renderer = Renderer(config.templates)
        self.invalidate()

    def memo(self, name: str, compute: Callable[[], T]) -> T:
        """``compute()``'s result, computed once per tick (``service.tick_seconds`` on this
        app's clock) and shared by every request until then or until ``invalidate``.

        When a result is out of date and took longer than ``SLOW_S`` to compute (a province's
        board), readers get the previous one (it says as of when) while one background thread
        computes the next, so no page waits seconds; a quick result is recomputed at once.
        Blocking: call it in a worker thread. Concurrent callers wait for one computation.
        """
        with self._memo_lock:
            lock = self._memo_locks.setdefault(name, threading.Lock())
            held = self._memo.get(name)
            if held is not None and not self._fresh(held) and held.cost_s > SLOW_S:
                if name not in self._refreshing:
                    self._refreshing.add(name)
                    threading.Thread(
                        target=self._refresh, args=(name, lock, compute), daemon=True
                    ).start()
                return cast(T, held.value)
        with lock:
            held = self._memo.get(name)
            if held is not None and self._fresh(held):
                return cast(T, held.value)
            return cast(T, self._compute(name, compute))

    def _fresh(self, held: _Memo) -> bool:
        tick = timedelta(seconds=self.config.settings.service.tick_seconds)
        return held.valid and held.at <= self.clock() < held.at + tick

    def _compute(self, name: str, compute: Callable[[], object]) -> object:
        at, started = self.clock(), time.perf_counter()
        value = compute()
        self._memo[name] = _Memo(at, value, time.perf_counter() - started)
        return value

    def _refresh(self, name: str, lock: threading.Lock, compute: Callable[[], object]) -> None:
        try:
            with lock:
                self._compute(name, compute)
        except Exception:  # the next reader computes it and sees the error itself
            log.exception("không tính lại được %s", name)
        finally:
            with self._memo_lock:
                self._refreshing.discard(name)

    def invalidate(self) -> None:
        """Mark every ``memo`` out of date: the next reader gets it computed afresh (after
        this app wrote; at once unless it is slow to compute, see ``memo``)."""
        with self._memo_lock:
            for name, held in self._memo.items():
                self._memo[name] = dataclasses.replace(held, valid=False)

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
        """Every (plan, task, unit) pair as of a moment (``Snapshot.as_of``), the one state
        the board, the unit pages, the CSV and ``/metrics`` show: read with ``state.load``
        (the latest acknowledgments and the deliveries the state bears on, never the year's
        messages), computed at most once per tick for every reader and after this app records
        an ack (blocking: run it in a thread)."""
        return self.memo("state", lambda: state.load(self.config, self.store, self.clock()))

    def warm(self) -> threading.Thread:
        """Compute ``snapshot`` in a background thread now, so the first page after start-up
        does not wait for a province's state (call when the server starts)."""

        def run() -> None:
            try:
                self.snapshot()
            except Exception:  # the first reader computes it again and sees the error itself
                log.exception("không tính trước được tình trạng")

        thread = threading.Thread(target=run, name="warm-state", daemon=True)
        thread.start()
        return thread

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
