"""``/ack/{token}``: the acknowledgment page a reminder links to, and its form's POST.

GET shows the task and the unit's current state and changes nothing (mail scanners open links);
only the POST, with the CSRF field bound to the token, records an acknowledgment. A bad,
tampered or expired token records nothing and counts against the address's throttle; a valid
token is served whatever its address did.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from reminder import acks, audit, state
from reminder.calendar import weekday_vi
from reminder.errors import StoreError
from reminder.labels import ACK_LABELS, STATE_LABELS, vn_datetime
from reminder.plan import Plan, Task
from reminder.schedule import ROLE_LABELS, effective_due
from reminder.web.context import WebContext, address, context
from reminder.web.security import same

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Link:
    """A verified ack token and what it names."""

    token: str
    target: acks.AckTarget
    plan: Plan
    task: Task


def _find(ctx: WebContext, token: str) -> _Link | None:
    try:
        target = ctx.tokens.check(token, ctx.today())
    except acks.BadToken:
        return None
    found = ctx.plan_task(target.plan, target.task)
    if found is None or target.unit not in ctx.config.directory.units:
        return None
    return _Link(token, target, *found)


def _guarded(ctx: WebContext, request: Request) -> _Link | Response:
    """The request's verified link, or the refusal to send: 404 for a bad token (counted
    against the address), 429 once the address sent too many. A valid link is always served:
    it cannot be guessed, and others behind the same address (an office's NAT) must not be
    locked out by someone's mangled links."""
    link = _find(ctx, request.path_params["token"])
    if link is None:
        client = address(request)
        if ctx.bad_links.blocked(client):
            return ctx.error("Thử lại sau", "Quá nhiều liên kết không hợp lệ.", 429)
        ctx.bad_links.fail(client)
        return ctx.error(
            "Liên kết không hợp lệ",
            "Liên kết đã hết hạn hoặc bị sửa. Hãy dùng liên kết trong thư mới"
            " nhất, hoặc liên hệ Phòng Nội vụ. Không có gì được ghi nhận.",
            404,
        )
    return link


async def ack_page(request: Request) -> Response:
    ctx = context(request)
    link = _guarded(ctx, request)
    if isinstance(link, Response):
        return link
    target = link.target
    pair = (target.plan, target.task, target.unit)

    mine = await run_in_threadpool(lambda: ctx.store.ack_events(pair=pair))
    pair_state = state.one(ctx.config, *pair, mine, ctx.clock())
    latest = pair_state.ack if pair_state is not None else None
    current = pair_state.state if pair_state is not None else "pending"
    lead = ctx.config.directory.expand(link.task.lead)
    due = effective_due(ctx.config.calendar, link.plan.window(link.task)[1])
    return ctx.page(
        "ack.html",
        {
            "task": link.task,
            "token": link.token,
            "csrf": ctx.mac("ack", link.token),
            "unit_name": ctx.config.directory.name_of(target.unit),
            "role_label": ROLE_LABELS["lead" if target.unit in lead else "support"],
            "due": due,
            "due_weekday": weekday_vi(due),
            "state": current,
            "state_label": STATE_LABELS[current],
            "latest": latest,
            "latest_label": ACK_LABELS[latest.kind] if latest else "",
            "acked_at": vn_datetime(latest.at) if latest else "",
            "can_reopen": latest is not None and latest.kind != "reopen",
        },
    )


async def ack_post(request: Request) -> Response:
    ctx = context(request)
    link = _guarded(ctx, request)
    if isinstance(link, Response):
        return link
    target = link.target
    form = await request.form()
    if not same(str(form.get("csrf", "")), ctx.mac("ack", link.token)):
        return ctx.error("Biểu mẫu không hợp lệ", "Hãy mở lại liên kết và bấm lại.", 403)
    kind = str(form.get("state", ""))
    if kind not in acks.ACK_KINDS:
        return ctx.error("Thiếu lựa chọn", 'Hãy bấm "Đã nhận" hoặc "Đã hoàn thành".', 400)
    now = ctx.clock()
    record = acks.ack_record(
        target.plan,
        target.task,
        target.unit,
        kind,
        now,
        "link",
        by=f"{address(request)} {request.headers.get('user-agent', '')[:120]}",
        note=str(form.get("note", "")),
    )

    pair = (target.plan, target.task, target.unit)

    def save() -> list[acks.AckEvent]:
        ctx.store.add_acks([record])
        return ctx.store.ack_events(pair=pair)

    try:
        mine = await run_in_threadpool(save)
    except (StoreError, OSError) as exc:  # disk full, read-only, quota: nothing was recorded
        log.error("không ghi được xác nhận %s: %s", "/".join(pair), exc)
        return ctx.error(
            "Chưa ghi được, thử lại",
            "Máy chủ chưa ghi được xác nhận này (lỗi lưu trữ), nên chưa có gì được ghi nhận."
            " Hãy bấm lại sau ít phút; nếu vẫn không được, báo Phòng Nội vụ.",
            503,
        )
    ctx.invalidate()
    unit_name = ctx.config.directory.name_of(target.unit)
    entry = audit.AuditEntry(now, unit_name, "unit_ack", f"{ACK_LABELS[kind]} qua liên kết", *pair)
    try:  # the ack is recorded already: a failed audit line must not make it look unsaved
        await run_in_threadpool(audit.record, ctx.records, entry)
    except (StoreError, OSError) as exc:
        log.error("không ghi được nhật ký thay đổi cho %s: %s", "/".join(pair), exc)
    after = state.one(ctx.config, *pair, mine, now)
    result = after.state if after is not None else "pending"
    return ctx.page(
        "ack_done.html",
        {
            "task": link.task,
            "token": link.token,
            "kind": kind,
            "kind_label": ACK_LABELS[kind],
            "state": result,
            "state_label": STATE_LABELS[result],
            "unit_name": unit_name,
            "at": vn_datetime(now),
        },
    )


ROUTES = [
    Route("/ack/{token}", ack_page, methods=["GET"]),
    Route("/ack/{token}", ack_post, methods=["POST"]),
]
