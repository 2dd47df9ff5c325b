"""The status board behind the login: ``/`` (every plan's tasks by quarter, filters by unit
and state), ``/units/{unit}``, ``/tasks/{plan}/{task}`` and ``/export.csv``.

The board, the unit pages and the CSV show the state of the tick (``WebContext.snapshot``); a
task's page reads its own pairs as of now with their delivery history
(``state.load_history``). Neither reads the year's messages."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from reminder import audit, state
from reminder.channels.zalo.inbound import linked_units
from reminder.labels import STATE_LABELS, vn_date, vn_datetime
from reminder.schedule import ROLE_LABELS, effective_due
from reminder.store import Pairs
from reminder.views import STATUS_LABELS
from reminder.web.context import WebContext, context
from reminder.web.feeds import feed_url
from reminder.web.security import AdminUser, csrf_for, login_required
from reminder.web.unit import unit_url

#: A page lists at most about this many (task, unit) pairs: beyond it the board asks for a plan
#: and a quarter, so a province's board is never megabytes of HTML.
PAGE_PAIRS = 2000


@dataclass(frozen=True)
class PlanLink:
    """A plan offered for choosing, with its pairs' counts under the current filters."""

    id: str
    title: str
    counts: dict[state.StateName, int]
    total: int


def _plan_links(ctx: WebContext, pairs: list[state.PairState]) -> list[PlanLink]:
    by_plan: dict[str, list[state.PairState]] = defaultdict(list)
    for p in pairs:
        by_plan[p.plan].append(p)
    return [
        PlanLink(plan.id, plan.title, state.tally(rows), len(rows))
        for plan in ctx.config.plans
        if (rows := by_plan.get(plan.id))
    ]


def _quarter_of_today(ctx: WebContext, plan_year: int) -> int:
    today = ctx.today()
    return (today.month - 1) // 3 + 1 if today.year == plan_year else 1


@login_required
async def board(request: Request, user: AdminUser) -> Response:
    """The board, a page at a time: with several plans, first the list of plans (with their
    counts), then one plan; a plan with more than ``PAGE_PAIRS`` pairs one quarter at a time."""
    ctx = context(request)
    snapshot = await run_in_threadpool(ctx.snapshot)
    params = request.query_params
    unit_filter = params.get("unit", "")
    state_filter = params.get("state", "")
    plan_id = params.get("plan", "")
    if not plan_id and len(ctx.config.plans) == 1:
        plan_id = ctx.config.plans[0].id
    in_unit = [p for p in snapshot.pairs if not unit_filter or p.unit == unit_filter]
    counts = state.tally(in_unit)  # the counts follow the unit filter (all plans)
    shown = [p for p in in_unit if not state_filter or p.state == state_filter]
    plan = next((p for p in ctx.config.plans if p.id == plan_id), None)
    plans: list[dict[str, Any]] = []
    quarter: int | None = None
    quarters_offered: list[int] = []
    paged = False
    if plan is not None:
        in_plan = [p for p in shown if p.plan == plan.id]
        by_task = state.group_rows(in_plan)
        quarter_of = {task.id: task.quarter for task in plan.tasks}
        quarters_offered = sorted({quarter_of.get(p.task, 0) for p in in_plan})
        asked = params.get("quarter", "")
        paged = len(in_plan) > PAGE_PAIRS
        if asked.isdigit():
            quarter = int(asked)
        elif paged and quarters_offered:
            today_q = _quarter_of_today(ctx, plan.year)
            quarter = today_q if today_q in quarters_offered else quarters_offered[0]
        rows_by_quarter: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for task in plan.tasks:
            rows = by_task.get((plan.id, task.id))
            if not rows or (quarter is not None and task.quarter != quarter):
                continue
            rows_by_quarter[task.quarter].append(
                {
                    "plan": plan.id,
                    "task": task.id,
                    "title": task.title,
                    "due": effective_due(ctx.config.calendar, plan.window(task)[1]),
                    "units": rows,
                }
            )
        plans.append({"title": plan.title, "quarters": sorted(rows_by_quarter.items())})
    units = sorted(ctx.config.directory.units.values(), key=lambda u: u.name)
    adjustments = await run_in_threadpool(ctx.adjustments)
    return ctx.page(
        "board.html",
        {
            "user": user,
            "requests": adjustments.requests,
            "pauses": sorted(adjustments.pauses.values(), key=lambda p: p.unit),
            "names": ctx.config.directory.name_of,
            "plans": plans,
            "plan_id": plan.id if plan is not None else "",
            "plan_links": _plan_links(ctx, shown) if len(ctx.config.plans) > 1 else [],
            "quarter": quarter,
            "quarters_offered": quarters_offered,
            "paged": paged,
            "units": units,
            "labels": STATE_LABELS,
            "unit_filter": unit_filter,
            "state_filter": state_filter,
            "counts": counts,
            "today": ctx.today(),
            "csrf": csrf_for(ctx, user),
        },
    )


@login_required
async def unit_page(request: Request, user: AdminUser) -> Response:
    ctx = context(request)
    unit = ctx.config.directory.units.get(request.path_params["unit"])
    if unit is None:
        return ctx.error("Không có đơn vị này", "Kiểm tra lại đường dẫn.", 404)
    snapshot = await run_in_threadpool(ctx.snapshot)
    chats = (await run_in_threadpool(linked_units, ctx.store)).get(unit.id, [])
    rows = snapshot.select(units=[unit.id])
    # A unit in many plans: one plan at a time (the list of plans first), like the board.
    plan_links = _plan_links(ctx, rows) if len(rows) > PAGE_PAIRS else []
    plan_id = request.query_params.get("plan", "")
    if plan_links or plan_id:
        rows = [r for r in rows if r.plan == plan_id]
    contacts = ", ".join([*unit.email, *(x for x in (unit.zalo_user_id, unit.phone) if x)])
    return ctx.page(
        "unit.html",
        {
            "unit": unit,
            "rows": rows,
            "plan_links": plan_links,
            "plan_id": plan_id,
            "labels": STATE_LABELS,
            "roles": ROLE_LABELS,
            "statuses": STATUS_LABELS,
            "contacts": contacts,
            "chats": chats,
            "csrf": csrf_for(ctx, user),
            "feed_url": feed_url(ctx, unit.id),
            "unit_url": unit_url(ctx, unit.id),
            "user": user,
            "today": ctx.today(),
        },
    )


@login_required
async def task_page(request: Request, user: AdminUser) -> Response:
    ctx = context(request)
    plan_id, task_id = request.path_params["plan"], request.path_params["task"]
    found = ctx.plan_task(plan_id, task_id)
    if found is None:
        return ctx.error("Không có việc này", "Kiểm tra lại đường dẫn.", 404)
    plan, task = found
    # This task's pairs alone, as of now, with their whole delivery history: read through the
    # store's index by (plan, task, unit), not from the year's records.
    pairs = Pairs(plan=plan_id, task=task_id)
    snapshot = await run_in_threadpool(
        state.load_history, ctx.config, ctx.store, ctx.clock(), pairs
    )
    start, due = plan.window(task)
    return ctx.page(
        "task.html",
        {
            "task": task,
            "start": start,
            "due": effective_due(ctx.config.calendar, due),
            "rows": snapshot.pairs,
            "labels": STATE_LABELS,
            "roles": ROLE_LABELS,
            "statuses": STATUS_LABELS,
            "csrf": csrf_for(ctx, user),
            "user": user,
            "plan_id": plan_id,
            "history": await run_in_threadpool(
                audit.entries, ctx.records, plan=plan_id, task=task_id
            ),
        },
    )


#: A cell a spreadsheet would read as a formula (CSV injection): it gets a leading apostrophe.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def write_row(writer: Any, row: list[Any]) -> None:
    """Write ``row``, neutralising text cells that a spreadsheet would run as a formula."""
    writer.writerow(
        ["'" + v if isinstance(v, str) and v.startswith(_FORMULA_START) else v for v in row]
    )


CSV_COLUMNS = [
    "plan",
    "task",
    "quarter",
    "title",
    "unit",
    "unit_name",
    "role",
    "due",
    "state",
    "state_label",
    "acked_at",
    "note",
    "days_late",
    "council_told",
    "last_delivery_status",
]


#: Rows encoded per chunk of the streamed CSV: a province's 120,000 rows (19 MB) are never
#: one string in memory.
CSV_CHUNK_ROWS = 2000


def csv_chunks(pairs: Iterable[state.PairState]) -> Iterator[str]:
    """The CSV export of ``pairs`` (byte-order mark and header first), ``CSV_CHUNK_ROWS``
    rows at a time."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow(CSV_COLUMNS)
    for n, s in enumerate(pairs, 1):
        last = s.last_delivery
        write_row(
            writer,
            [
                s.plan,
                s.task,
                s.quarter,
                s.title,
                s.unit,
                s.unit_name,
                s.role,
                vn_date(s.due),
                s.state,
                s.label,
                vn_datetime(s.acked_at),
                s.note,
                s.days_late,
                vn_date(s.council_told) if s.council_told else "",
                last.status if last else "",
            ],
        )
        if n % CSV_CHUNK_ROWS == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


@login_required
async def export_csv(request: Request, user: AdminUser) -> Response:
    """Every pair of the tick's state as CSV, streamed (encoded in a worker thread a chunk
    at a time)."""
    snapshot = await run_in_threadpool(context(request).snapshot)
    return StreamingResponse(
        csv_chunks(snapshot.pairs),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": 'attachment; filename="theo-doi.csv"',
            "Cache-Control": "no-store",
        },
    )


ROUTES = [
    Route("/", board),
    Route("/units/{unit}", unit_page),
    Route("/tasks/{plan}/{task}", task_page),
    Route("/export.csv", export_csv),
]
