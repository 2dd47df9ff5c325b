"""``/u/{token}``: a unit's own page, reached from every reminder without a login.

It lists all the unit's tasks in every loaded plan, grouped as people act on them (overdue,
due within a working week, open, done), with due dates, the unit's role, the ack buttons (the
forms post to the task's ack link), its calendar feed address, and per task a request for
more time (a date and a reason) that an administrator then approves or refuses on the board.

GET changes nothing. The extension form's POST carries a CSRF field bound to the token. A bad
token records nothing and counts against the address, like a bad ack link.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from reminder import acks, adjust
from reminder.errors import UsageError
from reminder.labels import STATE_LABELS
from reminder.plan import Unit
from reminder.schedule import ROLE_LABELS
from reminder.state import PairState
from reminder.web.context import WebContext, address, context
from reminder.web.feeds import feed_url
from reminder.web.security import same

SOON_WORKING_DAYS = 5
GROUPS: tuple[tuple[str, str], ...] = (
    ("overdue", "Quá hạn"),
    ("soon", "Sắp đến hạn (trong 5 ngày làm việc)"),
    ("open", "Đang thực hiện"),
    ("done", "Đã hoàn thành"),
)


@dataclass(frozen=True)
class Row:
    """One task of the unit as its page shows it."""

    pair: PairState
    ack_url: str
    ack_csrf: str


def unit_token(ctx: WebContext, unit_id: str) -> str:
    """The signed token of ``unit_id``'s page (expires with the ack links)."""
    years = [p.year for p in ctx.config.plans] or [ctx.today().year]
    return ctx.unit_links.make(unit_id, max(years))


def unit_url(ctx: WebContext, unit_id: str) -> str:
    """The address of ``unit_id``'s own page."""
    return f"{ctx.base}/u/{unit_token(ctx, unit_id)}"


def _unit(ctx: WebContext, request: Request) -> Unit | Response:
    token = request.path_params["token"]
    try:
        unit_id = ctx.unit_links.check(token, ctx.today())
    except acks.BadToken:
        unit_id = ""
    unit = ctx.config.directory.units.get(unit_id)
    if unit is None:
        client = address(request)
        if ctx.bad_links.blocked(client):
            return ctx.error("Thử lại sau", "Quá nhiều liên kết không hợp lệ.", 429)
        ctx.bad_links.fail(client)
        return ctx.error(
            "Liên kết không hợp lệ",
            "Liên kết đã hết hạn hoặc bị sửa. Hãy dùng liên kết trong thư nhắc việc mới nhất.",
            404,
        )
    return unit


def group_of(ctx: WebContext, pair: PairState, today: date) -> str:
    """Which group of the page ``pair`` belongs to."""
    if pair.state == "done":
        return "done"
    if pair.state == "overdue":
        return "overdue"
    if pair.state in ("pending", "received") and (
        ctx.config.calendar.working_days_between(today, pair.due) <= SOON_WORKING_DAYS
    ):
        return "soon"
    return "open"


async def _render(
    ctx: WebContext, request: Request, unit: Unit, error: str = "", code: int = 200
) -> Response:
    token = request.path_params["token"]
    snapshot = await run_in_threadpool(ctx.snapshot)
    today = snapshot.today
    years = {p.id: p.year for p in ctx.config.plans}
    groups: dict[str, list[Row]] = {key: [] for key, _ in GROUPS}
    for pair in snapshot.select(units=[unit.id]):
        ack_token = ctx.tokens.make(pair.plan, pair.task, unit.id, years[pair.plan])
        row = Row(pair, f"{ctx.base}/ack/{ack_token}", ctx.mac("ack", ack_token))
        groups[group_of(ctx, pair, today)].append(row)
    pause = next((p.paused_until for p in snapshot.select(units=[unit.id]) if p.paused_until), None)
    return ctx.page(
        "unit_public.html",
        {
            "unit": unit,
            "token": token,
            "csrf": ctx.mac("unit", token),
            "groups": [(key, label, groups[key]) for key, label in GROUPS],
            "roles": ROLE_LABELS,
            "labels": STATE_LABELS,
            "feed_url": feed_url(ctx, unit.id),
            "today": today,
            "paused_until": pause,
            "error": error,
            "sent": request.query_params.get("sent") == "1",
        },
        code,
    )


async def unit_page(request: Request) -> Response:
    ctx = context(request)
    unit = _unit(ctx, request)
    if isinstance(unit, Response):
        return unit
    return await _render(ctx, request, unit)


def _form_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise UsageError("hãy chọn ngày muốn gia hạn đến") from None


async def request_extension(request: Request) -> Response:
    ctx = context(request)
    unit = _unit(ctx, request)
    if isinstance(unit, Response):
        return unit
    token = request.path_params["token"]
    form = await request.form()
    if not same(str(form.get("csrf", "")), ctx.mac("unit", token)):
        return ctx.error("Biểu mẫu không hợp lệ", "Hãy mở lại liên kết và gửi lại.", 403)

    def save() -> None:
        pair = adjust.find_pair(
            ctx.config, str(form.get("task", "")), unit.id, str(form.get("plan", "")) or None
        )
        to = _form_date(str(form.get("to", "")))
        adjust.request(
            ctx.records, ctx.config, pair, to, str(form.get("reason", "")), ctx.clock(), unit.name
        )
        ctx.invalidate()

    try:
        await run_in_threadpool(save)
    except UsageError as exc:
        return await _render(ctx, request, unit, f"Chưa gửi được: {exc}.", 400)
    return RedirectResponse(f"{ctx.base}/u/{token}?sent=1", status_code=303)


ROUTES = [
    Route("/u/{token}", unit_page, methods=["GET"]),
    Route("/u/{token}/extend", request_extension, methods=["POST"]),
]
