"""``POST /zalo/webhook``: Zalo Official Account events.

An event is accepted only with a valid ``X-ZEvent-Signature``
(``mac=sha256(app_id + body + timestamp + OA secret key)``, as Zalo documents it). A follower's
"xong Q2-04" / "đã nhận Q2-04" acknowledges for the unit with that ``zalo_user_id``; the unit is
answered after the 200, so Zalo's retry clock is never kept waiting by our reply.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from reminder import acks
from reminder import state as pair_state
from reminder.channels.zalo import records as zalo_records
from reminder.channels.zalo.inbound import parse_reply as parse_zalo_reply
from reminder.channels.zalo.oa import ZaloOAChannel
from reminder.channels.zalo.oa_events import record_oa_event
from reminder.labels import ACK_LABELS
from reminder.schedule import assignments
from reminder.web.context import WebContext, context
from reminder.web.security import same

log = logging.getLogger(__name__)


def signature_ok(ctx: WebContext, raw: bytes, event: dict[str, Any], header: str) -> bool:
    """Whether ``header`` is Zalo's signature of this event for our OA."""
    zalo = ctx.config.settings.zalo
    if zalo.oa_secret_key is None:
        return False
    supplied = header.strip()
    supplied = supplied[4:] if supplied.lower().startswith("mac=") else supplied
    app_id = str(event.get("app_id", ""))
    if zalo.app_id and app_id != zalo.app_id:
        return False
    base = (
        app_id
        + raw.decode("utf-8", "replace")
        + str(event.get("timestamp", ""))
        + zalo.oa_secret_key.get_secret_value()
    )
    expected = hashlib.sha256(base.encode("utf-8")).hexdigest()
    return same(supplied.lower(), expected)


async def zalo_webhook(request: Request) -> Response:
    ctx = context(request)
    if ctx.config.settings.zalo.oa_secret_key is None:
        return JSONResponse({"error": "webhook not configured"}, status_code=503)
    raw = await request.body()
    try:
        event = json.loads(raw)
        if not isinstance(event, dict):
            raise ValueError
    except ValueError:
        return JSONResponse({"error": "bad body"}, status_code=400)
    if not signature_ok(ctx, raw, event, request.headers.get("x-zevent-signature", "")):
        return JSONResponse({"error": "bad signature"}, status_code=401)
    now = ctx.clock()
    at = event_time(event)
    if at is None or not now - MAX_EVENT_AGE <= at <= now + MAX_EVENT_AGE:
        log.warning("bỏ sự kiện Zalo OA quá cũ hoặc không có thời điểm: %r", event.get("timestamp"))
        return JSONResponse({"error": "stale or undated event"}, status_code=400)
    if event.get("event_name") != "user_send_text":
        await run_in_threadpool(record_oa_event, ctx.store, event, now)
        return JSONResponse({"ok": True})
    sender = str((event.get("sender") or {}).get("id", ""))
    text = str((event.get("message") or {}).get("text", ""))
    reply = await run_in_threadpool(_ack_from_zalo, ctx, event_id(raw, event), sender, text)
    if reply is _REPEAT:
        return JSONResponse({"ok": True, "repeat": True})
    await run_in_threadpool(record_oa_event, ctx.store, event, now)
    task = BackgroundTask(_reply_zalo, ctx, sender, reply) if reply else None
    return JSONResponse({"ok": True}, background=task)


#: Signed events older (or further ahead) than this are refused: a captured request cannot be
#: replayed later. Zalo delivers within seconds and retries for a few minutes.
MAX_EVENT_AGE = timedelta(minutes=10)
#: Where processed OA message ids are kept (the store's Zalo records, as the bot's updates).
SEEN_SOURCE = "oa"
_REPEAT = "\0repeat"


def event_time(event: dict[str, Any]) -> datetime | None:
    """The event's own time (``timestamp``, milliseconds since the epoch), or None."""
    try:
        return datetime.fromtimestamp(int(str(event["timestamp"])) / 1000, UTC)
    except (KeyError, ValueError, OverflowError, OSError):
        return None


def event_id(raw: bytes, event: dict[str, Any]) -> str:
    """The message id Zalo gives a text event; a digest of the signed body otherwise."""
    message = event.get("message")
    msg_id = message.get("msg_id") if isinstance(message, dict) else None
    return str(msg_id) if msg_id else "sha256:" + hashlib.sha256(raw).hexdigest()


def _ack_from_zalo(ctx: WebContext, event: str, user_id: str, text: str) -> str | None:
    """The reply to a follower's text; ``_REPEAT`` when this event was handled before.

    A seen event is not acted on again. Otherwise its acknowledgments are recorded first and
    its id claimed after (insert-if-new), so a crash between the two loses no acknowledgment:
    Zalo's retry finds them recorded (their ids are derived from the event id) and is then
    claimed. Two copies racing record them once; only the one that claims replies.
    """
    if zalo_records.seen(ctx.store, SEEN_SOURCE, event):
        return _REPEAT
    reply = _reply_to(ctx, user_id, text, event)
    if not zalo_records.claim_update(ctx.store, SEEN_SOURCE, event, ctx.clock()):
        return _REPEAT
    return reply


def _reply_to(ctx: WebContext, user_id: str, text: str, event: str) -> str | None:
    """Record the acknowledgments in a follower's text; the reply to send (None for a
    stranger). Each acknowledgment carries an id made of the event id, so two copies of one
    event racing (or a retry after a crash) record it once."""
    unit = next(
        (
            u
            for u in ctx.config.directory.units.values()
            if u.zalo_user_id and u.zalo_user_id == user_id
        ),
        None,
    )
    parsed = parse_zalo_reply(text)
    if unit is None:
        return None
    if parsed is None:
        return 'Để xác nhận, trả lời "xong MÃ-VIỆC" hoặc "đã nhận MÃ-VIỆC", ví dụ "xong Q2-04".'
    state, ids = parsed
    now = ctx.clock()
    mine = {
        (a.plan.id, a.task.id)
        for a in assignments(ctx.config.plans, ctx.config.directory)
        if a.unit == unit.id
    }
    records, unknown = [], []
    note = text[:200]
    for task_id in ids:
        plans = [p for (p, t) in mine if t.upper() == task_id]
        if not plans:
            unknown.append(task_id)
            continue
        real_id = next(t for (p, t) in mine if t.upper() == task_id)
        records += [
            replace(
                acks.ack_record(p, real_id, unit.id, state, now, "zalo", by=user_id, note=note),
                id=f"zalo_oa/{event}/{p}/{real_id}/{unit.id}",
            )
            for p in plans
        ]
    if records:
        ctx.store.add_acks(records)
        ctx.invalidate()
    done = sorted({r.task for r in records})
    parts = []
    if done:
        parts.append(
            f"Đã ghi nhận {ACK_LABELS[state].lower()}: {', '.join(done)}. Cảm ơn {unit.name}."
        )
        # Say the state that results (an overdue task stays overdue after "đã nhận").
        results = []
        for r in records:
            after = pair_state.one(
                ctx.config, r.plan, r.task, r.unit, ctx.store.ack_events(pair=r.pair), now
            )
            if after is not None:
                results.append(f"{r.task}: {after.label}")
        if results:
            parts.append("Tình trạng bây giờ: " + "; ".join(results) + ".")
    if unknown:
        parts.append(f"Không tìm thấy việc của đơn vị: {', '.join(unknown)}.")
    return " ".join(parts)


async def _reply_zalo(ctx: WebContext, user_id: str, text: str) -> None:
    if ctx.zalo_tokens is None or not ctx.zalo_tokens.configured:
        return
    channel = ZaloOAChannel(ctx.config.settings.zalo, ctx.zalo_tokens)
    await channel.open()
    try:
        await channel.send_text(user_id, text)
    except Exception:
        pass
    finally:
        await channel.close()


ROUTES = [Route("/zalo/webhook", zalo_webhook, methods=["POST"])]
