"""The board's changes (``POST /admin/...``), for accounts with the ``admin`` role only.

Every handler checks on the server that the account may change things (a ``viewer`` gets 403
whatever its browser sends), checks the CSRF field bound to the session, makes the change
through the domain module (which writes the audit entry: who, when, what), forgets the memoised
state so the next page shows the change, and sends the browser back where it came from.

Changes: decide an extension request (approve, possibly with another date, or refuse), extend
directly, pause and resume a unit, record an acknowledgment on a unit's behalf (a phone call)
and reopen a pair (the ack kind ``reopen``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from reminder import acks, adjust, audit, notice
from reminder.errors import UsageError
from reminder.web.context import WebContext, context
from reminder.web.security import AdminUser, csrf_for, login_required, same

Change = Callable[[WebContext, AdminUser, FormData, Request], None]


def _date(form: FormData, name: str, *, required: bool = True) -> date | None:
    value = str(form.get(name, "")).strip()
    if not value and not required:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise UsageError("hãy chọn ngày (ô ngày đang trống hoặc sai)") from None


def _back(ctx: WebContext, form: FormData) -> str:
    target = str(form.get("next", "/"))
    if not target.startswith("/") or target.startswith("//"):
        target = "/"
    return ctx.base + target


def admin_action(change: Change) -> Callable[[Request], Awaitable[Response]]:
    """A POST handler running ``change`` (blocking, in a thread) for an administrator."""

    @login_required
    async def handler(request: Request, user: AdminUser) -> Response:
        ctx = context(request)
        if not user.can_change:
            return ctx.error(
                "Tài khoản chỉ xem",
                "Tài khoản này chỉ được xem, không được thay đổi. Liên hệ Phòng Nội vụ.",
                403,
            )
        form = await request.form()
        if not same(str(form.get("csrf", "")), csrf_for(ctx, user)):
            return ctx.error("Biểu mẫu không hợp lệ", "Hãy tải lại trang rồi làm lại.", 403)

        def run() -> None:
            change(ctx, user, form, request)
            ctx.invalidate()

        try:
            await run_in_threadpool(run)
        except UsageError as exc:
            return ctx.error("Chưa làm được", f"{exc}.", 400)
        return RedirectResponse(_back(ctx, form), status_code=303)

    return handler


def _field(form: FormData, name: str) -> str:
    return str(form.get(name, "")).strip()


def decide_extension(ctx: WebContext, user: AdminUser, form: FormData, request: Request) -> None:
    approve = _field(form, "decision") == "approve"
    to = _date(form, "to", required=False) if approve else None
    ext = adjust.decide(
        ctx.records, ctx.config, request.path_params["id"], approve, ctx.clock(), user.account, to
    )
    notice.queue_decision(ctx.config, ctx.store, ext, ctx.secret.decode(), ctx.clock())


def extend(ctx: WebContext, user: AdminUser, form: FormData, request: Request) -> None:
    pair = adjust.find_pair(
        ctx.config, _field(form, "task"), _field(form, "unit"), _field(form, "plan") or None
    )
    to = _date(form, "to")
    assert to is not None
    adjust.extend(
        ctx.records, ctx.config, pair, to, _field(form, "reason"), ctx.clock(), user.account
    )


def pause(ctx: WebContext, user: AdminUser, form: FormData, request: Request) -> None:
    until = _date(form, "until")
    assert until is not None
    adjust.pause(
        ctx.records, ctx.config, _field(form, "unit"), until, _field(form, "reason"), ctx.clock(),
        user.account,
    )  # fmt: skip


def resume(ctx: WebContext, user: AdminUser, form: FormData, request: Request) -> None:
    adjust.resume(ctx.records, ctx.config, _field(form, "unit"), ctx.clock(), user.account)


def resend(ctx: WebContext, user: AdminUser, form: FormData, request: Request) -> None:
    """Today's message to a unit, once more (the next dispatch pass sends it)."""
    unit = _field(form, "unit")
    again = notice.queue_resend(ctx.config, ctx.store, unit, ctx.clock())
    summary = f"gửi lại thư hôm nay qua {again.channel}"
    audit.record(
        ctx.records, audit.AuditEntry(ctx.clock(), user.account, "resend", summary, unit=unit)
    )


_ACK_KINDS: dict[str, tuple[acks.AckKind, str]] = {
    "received": ("received", "ack"),
    "done": ("done", "ack"),
    "reopen": ("reopen", "reopen"),
}


def record_ack(ctx: WebContext, user: AdminUser, form: FormData, request: Request) -> None:
    """An acknowledgment taken by phone, or a reopened pair, on the unit's behalf."""
    kind_name = _field(form, "state")
    if kind_name not in _ACK_KINDS:
        raise UsageError("hãy chọn: đã nhận, đã hoàn thành hoặc mở lại")
    kind, action = _ACK_KINDS[kind_name]
    plan, task, unit = adjust.find_pair(
        ctx.config, _field(form, "task"), _field(form, "unit"), _field(form, "plan") or None
    )
    note = _field(form, "note")
    now = ctx.clock()
    ctx.store.add_acks([acks.ack_record(plan, task, unit, kind, now, "board", user.account, note)])
    label = {"received": "đã nhận", "done": "đã hoàn thành", "reopen": "mở lại"}[kind]
    summary = f"{label} thay {unit}" + (f": {note}" if note else "")
    audit.record(
        ctx.records, audit.AuditEntry(now, user.account, action, summary, plan, task, unit)
    )


#: The admin guide, package data (in the source tree a link to docs/huong-dan-quan-tri.md).
GUIDE = Path(__file__).resolve().parents[1] / "huong-dan-quan-tri.md"


async def guide(request: Request) -> Response:
    """The Vietnamese admin guide (linked from the board's footer), as plain text."""
    ctx = context(request)
    path = ctx.config.settings.guide_file or GUIDE
    try:
        text = await run_in_threadpool(path.read_text, encoding="utf-8")
    except OSError:
        return ctx.error(
            "Không thấy tài liệu",
            f"Không đọc được {path}. Kiểm tra REMINDER_GUIDE_FILE"
            " (để trống: dùng bản đi kèm chương trình).",
            404,
        )
    return PlainTextResponse(text, headers={"Cache-Control": "no-store"})


ROUTES = [
    Route("/huong-dan", guide, methods=["GET"]),
    Route("/admin/extensions/{id}", admin_action(decide_extension), methods=["POST"]),
    Route("/admin/extend", admin_action(extend), methods=["POST"]),
    Route("/admin/pause", admin_action(pause), methods=["POST"]),
    Route("/admin/resume", admin_action(resume), methods=["POST"]),
    Route("/admin/ack", admin_action(record_ack), methods=["POST"]),
    Route("/admin/resend", admin_action(resend), methods=["POST"]),
]
