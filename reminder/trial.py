"""Trial renders of the overridden digest and web page templates, for ``reminder check``.

``compose.trial`` fills the overridden message templates in for a sample message; this module
does the same for the other overrides, so that a broken one is refused when the configuration
is validated (``check``, start-up, reload) rather than found when the digest goes out or a page
is served (where the built-in template would be used instead, and the failure only logged):

- the weekly digest (``email/digest.*``) is built and rendered from a sample world;
- every web page (``web/*``) is requested from the real application over that world, in
  process (httpx's ASGI transport), logged in as an administrator: the board (and a plan
  of it when there are several), a unit's page, a task's page, an ack link and the page after
  the ack, a unit's own page, the login page and an error page.

The sample world is the configuration cut down to its first plans and tasks, as of a moment
when one of those tasks is long overdue, in a temporary TinyDB store holding an
acknowledgment, an extension request, an approved extension, a paused unit, a sent, a failed
and a Zalo template message: so each list the templates loop over has rows, and a misspelt
name inside a loop fails here. Nothing leaves the temporary directory; no channel is built.

Each failure of an override is noted (``Renderer(on_fallback=…)``) and the built-in used in
its place, as the running service would, so one broken template does not hide the next; the
first failure of each template is an error naming the file, the line (innermost: a page that
includes a broken ``_nav.html`` names ``_nav.html``), what went wrong in Vietnamese and what
to do. Nothing is tried when no digest or page is overridden.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import tempfile
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from reminder.config import Config
from reminder.errors import Problem, ReminderError
from reminder.labels import LOCAL_TZ
from reminder.render import Renderer
from reminder.schedule import effective_due
from reminder.state import PairState
from reminder.store import Store
from reminder.templating import explain, failed_override

log = logging.getLogger(__name__)

DIGEST_TEMPLATES = ("email/digest.subject.txt", "email/digest.txt", "email/digest.html")
#: The sample keeps this many plans, and this many tasks of each.
SAMPLE_PLANS = 2
SAMPLE_TASKS = 4
#: Working days past the sample task's due date: beyond the default ``escalate_after`` (5).
LATE_DAYS = 8
_SECRET = "trial-render-secret-not-used-for-anything-else"


def overrides(config: Config) -> list[Problem]:
    """Errors for the overridden digest and page templates of ``config`` that fail when
    filled in for the sample world (see the module); [] when none is overridden."""
    names = set(config.templates.overridden)
    digest = bool(names & set(DIGEST_TEMPLATES))
    pages = any(n.startswith("web/") for n in names)
    if not (digest or pages):
        return []
    found_sample = _sample_config(config)
    if found_sample is None:  # no plan with a task, or no unit: nothing to fill in
        return []
    sample, now = found_sample
    found: dict[str, Problem] = {}  # by file: the first failure of each template
    try:
        with tempfile.TemporaryDirectory(prefix="reminder-trial-") as tmp:
            from reminder.store.tinydb import TinyDBStore

            store = TinyDBStore(Path(tmp))
            try:
                world = _World.make(sample, now, store)
                if digest:
                    _note(found, config, "báo cáo tuần mẫu", _digest(world))
                if pages:
                    for what, request in _pages(world):
                        _note(found, config, what, request)
            finally:
                store.close()
    except Exception as exc:  # no temporary directory, a bug of ours: said, never a traceback
        return [*found.values(), _not_tried(config, exc)]
    return list(found.values())


def _not_tried(config: Config, exc: Exception) -> Problem:
    return Problem(
        "warning",
        f"không điền thử được các mẫu báo cáo tuần và trang web riêng ({type(exc).__name__}: {exc}"[
            :300
        ]
        + "): chúng mới chỉ được kiểm tra cú pháp",
        file=config.templates.directory,
        hint="kiểm tra thư mục tạm (TMPDIR) còn chỗ và ghi được; nếu vẫn vậy, báo người phụ"
        " trách kỹ thuật kèm dòng này",
    )


def _note(
    found: dict[str, Problem],
    config: Config,
    what: str,
    attempt: Callable[[Renderer], None],
) -> None:
    """Run ``attempt`` with a renderer that notes each override that fails (and renders the
    built-in instead, so one broken template does not hide the next); each failure becomes
    the finding of its template, the first one only."""
    failures: list[tuple[str, Exception]] = []
    renderer = Renderer(config.templates, on_fallback=lambda n, e: failures.append((n, e)))
    try:
        attempt(renderer)
    except Exception as exc:
        # Not a template's fault (built-ins are used wherever an override fails): the trial
        # could not be made, a bug of ours. The configuration stays usable.
        log.warning("không thử được %s: %s: %s", what, type(exc).__name__, exc)
    for name, error in failures:
        problem = _problem(config, name, error, what)
        found.setdefault(str(problem.file), problem)


def _problem(config: Config, page: str, error: Exception, what: str) -> Problem:
    templates = config.templates
    found = failed_override(error, templates)
    name, line = found if found else (page, None)
    said, hint = explain(error)
    return Problem(
        "error",
        f"mẫu {name} lỗi khi thử điền {what}: {said}",
        file=templates.path(name) or templates.directory,
        line=line,
        hint=f"{hint}; so với bản gốc reminder/templates/{name}, hoặc xóa tệp để dùng"
        " mẫu có sẵn; rồi chạy reminder check",
    )


# -- the sample world ----------------------------------------------------------------------------


def _sample_config(config: Config) -> tuple[Config, datetime] | None:
    """``config`` with its first plans, each cut to a few tasks, and the sample moment: when
    the first plan's earliest task is ``LATE_DAYS`` working days late and, where the plan
    allows, another is due in two working days (the first plan keeps both, and an unassigned
    task)."""
    plans = [p for p in config.plans if p.tasks][:SAMPLE_PLANS]
    if not plans or not config.directory.units:
        return None
    first, cal = plans[0], config.calendar
    due = {t.id: effective_due(cal, first.window(t)[1]) for t in first.tasks}
    ordered = sorted(first.tasks, key=lambda t: due[t.id])
    late_from = cal.add_working_days(due[ordered[0].id], LATE_DAYS)
    soon = next((t for t in ordered if cal.working_days_before(due[t.id], 2) >= late_from), None)
    day = cal.working_days_before(due[soon.id], 2) if soon else late_from
    keep = {t.id for t in first.tasks[:SAMPLE_TASKS]} | {ordered[0].id, soon.id if soon else ""}
    keep |= {next((t.id for t in first.tasks if t.unassigned), "")}
    cut = [dataclasses.replace(first, tasks=tuple(t for t in first.tasks if t.id in keep))]
    cut += [dataclasses.replace(p, tasks=p.tasks[:SAMPLE_TASKS]) for p in plans[1:]]
    now = datetime.combine(day, time(9, 0), tzinfo=LOCAL_TZ)
    return dataclasses.replace(config, plans=tuple(cut)), now


@dataclasses.dataclass
class _World:
    """The sample configuration and store as of ``now``, and the pair everything is about."""

    config: Config
    store: Store
    now: datetime
    plan: str
    task: str
    unit: str
    year: int

    @classmethod
    def make(cls, config: Config, now: datetime, store: Store) -> _World:
        from reminder import state

        plan = config.plans[0]
        cal = config.calendar
        task = min(plan.tasks, key=lambda t: effective_due(cal, plan.window(t)[1]))
        pairs = [p for p in state.load(config, store, now).pairs if p.unit]
        first = next((p for p in pairs if p.plan == plan.id and p.task == task.id), None)
        unit = first.unit if first else next(iter(config.directory.units))
        world = cls(config, store, now, plan.id, task.id, unit, plan.year)
        world._events([p for p in pairs if p is not first])
        return world

    def _events(self, rest: list[PairState]) -> None:
        """An acknowledgment, an extension asked and one granted, a paused unit, and a sent,
        a failed and a Zalo template message: each list of the digest and the pages has a row."""
        from reminder import acks, adjust
        from reminder.errors import UsageError
        from reminder.keyed import Records

        store = self.store
        records = Records(store)
        pair = (self.plan, self.task, self.unit)
        earlier = self.now - timedelta(days=2)
        if rest:
            p = rest[0]
            store.add_acks([acks.ack_record(p.plan, p.task, p.unit, "received", earlier, "trial")])
        later = date(self.year, 12, 31)
        for p, change in zip(rest[1:3], (adjust.request, adjust.extend), strict=False):
            # A sample pair this date cannot extend is one row fewer.
            with contextlib.suppress(UsageError):
                change(records, self.config, (p.plan, p.task, p.unit), later, "thử", self.now, "x")
        with contextlib.suppress(UsageError):
            adjust.pause(records, self.config, self.unit, self.now.date(), "thử", self.now, "x")
        self._deliveries(pair, earlier)

    def _deliveries(self, pair: tuple[str, str, str], at: datetime) -> None:
        from reminder.channels.base import Message, Receipt
        from reminder.channels.zalo.templates import NAME as ZNS
        from reminder.store import Delivery, DeliveryItem, Leaseholder, Outcome, SendError

        store = self.store
        day = at.date()
        council = self.config.directory.expand(
            [self.config.settings.council] if self.config.settings.council else []
        )
        sends = [
            (self.unit, "email", "due", "sent"),
            (self.unit, ZNS, "due", "sent"),
            (self.unit, "file", "due", "failed"),
            *((c, "email", "escalation", "sent") for c in council[:1]),
        ]
        holder = Leaseholder("trial")
        for recipient, channel, kind, status in sends:
            key = f"{recipient}/{channel}/{day.isoformat()}"
            message = Message(
                key,
                channel,
                recipient,
                recipient,
                "Nhắc việc",
                "thử",
                "<p>thử</p>",
                "thử",
                at.isoformat(),
                emails=(f"{recipient}@trial.invalid",),
            )
            occurrence = f"{'/'.join(pair)}/{kind}/{day.isoformat()}"
            delivery = Delivery(
                key,
                recipient,
                channel,
                day,
                "pending",
                (occurrence,),
                (DeliveryItem(*pair, kind, day),),
                at,
                message=message,
            )
            if not store.add_deliveries([delivery], holder, 600):
                continue
            if status == "failed":
                error = SendError("thử: hộp thư không tồn tại", "550", "thử", True, at)
                outcome = Outcome(key, day, "failed", at, 1, at, error=error)
            else:
                outcome = Outcome(key, day, "sent", at, 1, at, receipt=Receipt("thử"))
            store.record_outcome(outcome)
        store.flush()


def _digest(world: _World) -> Callable[[Renderer], None]:
    from reminder import digest

    def attempt(renderer: Renderer) -> None:
        digest.render(digest.load(world.config, world.store, world.now), renderer)

    return attempt


def _pages(world: _World) -> Iterator[tuple[str, Callable[[Renderer], None]]]:
    """(what, request) for each page: the request raises when a template fails."""
    import httpx

    from reminder import accounts
    from reminder.web.app import create_app
    from reminder.web.security import SESSION_COOKIE

    app = create_app(world.config, world.store, _SECRET, clock=lambda: world.now)
    ctx = app.state.web
    records = ctx.records
    records.put_record(accounts.ACCOUNTS, "admin", accounts.Account("admin", "admin", "", None))
    sid = accounts.start_session(records, "admin", world.now, 1)
    cookie = {"Cookie": f"{SESSION_COOKIE}={ctx.sessions.sign(sid)}"}
    ack = ctx.tokens.make(world.plan, world.task, world.unit, world.year)
    own = ctx.unit_links.make(world.unit, world.year)

    def request(method: str, path: str, **kwargs: Any) -> Callable[[Renderer], None]:
        async def ask() -> int:
            # In process, through the whole application (middleware included); an exception
            # in a handler reaches us as it is (raise_app_exceptions).
            transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 1))
            async with httpx.AsyncClient(transport=transport, base_url=ctx.base) as client:
                return (await client.request(method, path, **kwargs)).status_code

        def run(renderer: Renderer) -> None:
            ctx.renderer = renderer
            # In a thread of its own: ``reload`` validates from inside the service's loop.
            with ThreadPoolExecutor(max_workers=1) as pool:
                status = pool.submit(asyncio.run, ask()).result()
            if status >= 500:
                raise ReminderError(f"{path}: {status}")

        return run

    form = {"csrf": ctx.mac("ack", ack), "state": "received", "note": "thử"}
    yield "trang đăng nhập /login", request("GET", "/login")
    yield "bảng theo dõi /", request("GET", "/", headers=cookie)
    if len(world.config.plans) > 1:
        yield (
            f"bảng theo dõi /?plan={world.plan}",
            request("GET", f"/?plan={world.plan}", headers=cookie),
        )
    yield (
        f"trang đơn vị /units/{world.unit}",
        request("GET", f"/units/{world.unit}", headers=cookie),
    )
    yield (
        f"trang việc /tasks/{world.plan}/{world.task}",
        request("GET", f"/tasks/{world.plan}/{world.task}", headers=cookie),
    )
    yield "trang xác nhận /ack/…", request("GET", f"/ack/{ack}")
    yield "trang sau khi xác nhận", request("POST", f"/ack/{ack}", data=form)
    yield "trang riêng của đơn vị /u/…", request("GET", f"/u/{own}")
    yield "trang báo lỗi", request("GET", "/units/khong-co-don-vi-nay", headers=cookie)
