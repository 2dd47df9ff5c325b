"""Messages an administrator causes: the decision on an extension request, told to the unit by
its own channel, and a resend of today's message to a unit.

The notice is an ordinary outbox delivery (key ``unit/channel/day/gia-han-N``), written
released so the next dispatch pass sends it with the usual retries and outcome records; the
store, not this module, says whether it went out. ``zalo_zns`` (paid template messages whose
template speaks of due tasks) is skipped: the notice takes the unit's next channel.
"""

from __future__ import annotations

import html
import secrets
from dataclasses import replace
from datetime import datetime

from reminder.adjust import Extension
from reminder.channels import registry
from reminder.channels.base import Message
from reminder.channels.zalo import records as zalo_records
from reminder.config import Config
from reminder.errors import UsageError
from reminder.labels import LOCAL_TZ, vn_date
from reminder.links import UnitLinks
from reminder.store import Delivery, Leaseholder, Store

_NOT_FOR_NOTICES = frozenset({"zalo_zns"})


def _text(config: Config, ext: Extension, unit_url: str) -> tuple[str, str]:
    plan = next((p for p in config.plans if p.id == ext.plan), None)
    task = plan.task(ext.task) if plan else None
    title = task.title if task else ext.task
    if ext.status == "approved" and ext.granted_to is not None:
        subject = f"[Nhắc việc] Đã duyệt gia hạn {ext.task} đến {vn_date(ext.granted_to)}"
        body = (
            f"Đề nghị gia hạn việc {ext.task} — {title} đã được duyệt: hạn mới của đơn vị là"
            f" {vn_date(ext.granted_to)}."
        )
    else:
        subject = f"[Nhắc việc] Không duyệt gia hạn {ext.task}"
        body = (
            f"Đề nghị gia hạn việc {ext.task} — {title} đến {vn_date(ext.requested_to)} không"
            " được duyệt; hạn của đơn vị giữ nguyên."
        )
    return subject, f"{body}\nCác việc của đơn vị: {unit_url}\n"


def queue_decision(
    config: Config, store: Store, ext: Extension, secret: str, now: datetime
) -> str | None:
    """Put the notice of ``ext``'s decision in the outbox for the unit's first usable channel;
    the channel chosen, or None when no channel reaches the unit (nothing is recorded)."""
    unit = config.directory.units.get(ext.unit)
    if unit is None:
        return None
    chats = zalo_records.chats_by_unit(store).get(unit.id, ())
    usable = [
        c
        for c in registry.for_unit(unit, registry.enabled(config.settings), chats)
        if c not in _NOT_FOR_NOTICES
    ]
    if not usable:
        return None
    channel = usable[0]
    day = now.astimezone(LOCAL_TZ).date()
    key = f"{unit.id}/{channel}/{day.isoformat()}/gia-han-{ext.id}"
    year = max((p.year for p in config.plans), default=day.year)
    base = config.settings.web.base_url.rstrip("/")
    unit_url = f"{base}/u/{UnitLinks(secret).make(unit.id, year)}"
    subject, text = _text(config, ext, unit_url)
    message = Message(
        key=key,
        channel=channel,
        recipient=unit.id,
        recipient_name=unit.name,
        subject=subject,
        text=text,
        html="<p>" + html.escape(text).replace("\n", "<br>\n") + "</p>",
        short_text=text[:2000],
        created_at=now.isoformat(),
        emails=unit.email,
        zalo_user_id=unit.zalo_user_id,
        phone=unit.phone,
        chat_ids=chats if channel == "zalo_bot" else (),
        parts=(text,) if channel == "zalo_bot" else (),
    )
    delivery = Delivery(key, unit.id, channel, day, "pending", (), (), now, message=message)
    holder = Leaseholder(owner=f"notice-{secrets.token_hex(8)}")
    store.add_deliveries([delivery], holder, config.settings.channels.lease_s)
    store.release_leases(holder.owner)  # the next dispatch pass sends it
    return channel


def queue_resend(config: Config, store: Store, unit_id: str, now: datetime) -> Delivery:
    """Put today's latest reminder to ``unit_id`` in the outbox again (same text, a new key
    ``…/gui-lai-N``) for the next dispatch pass; ``UsageError`` when nothing went out today."""
    day = now.astimezone(LOCAL_TZ).date()
    today = [
        d
        for d in store.deliveries(day.strftime("%Y-%m"))
        if d.recipient == unit_id and d.day == day and d.items
    ]
    if unit_id not in config.directory.units:
        raise UsageError(f"không có đơn vị {unit_id!r} — xem mã đơn vị trong units.toml")
    if not today:
        raise UsageError(
            f"hôm nay ({vn_date(day)}) chưa có thư nhắc việc nào cho {unit_id} để gửi lại"
        )
    last = max(today, key=lambda d: d.created_at)
    if any(d.status in ("pending", "retry") for d in today):
        raise UsageError("thư hôm nay của đơn vị đang chờ gửi (hoặc chờ gửi lại); chưa cần gửi lại")
    base_key = "/".join(last.key.split("/")[:3])
    number = 1 + sum(1 for d in today if d.key.startswith(base_key + "/gui-lai-"))
    key = f"{base_key}/gui-lai-{number}"
    message = replace(last.message, key=key, created_at=now.isoformat())
    again = replace(
        last, key=key, status="pending", message=message, created_at=now, attempts=0,
        first_attempt_at=None, last_attempt_at=None, next_attempt_at=None, sent_at=None,
        receipt=None, last_error=None, errors=(), lease=None,
    )  # fmt: skip
    holder = Leaseholder(owner=f"resend-{secrets.token_hex(8)}")
    store.add_deliveries([again], holder, config.settings.channels.lease_s)
    store.release_leases(holder.owner)
    return again
