"""Telling a unit, by its own channel, what was decided about its extension request.

The notice is an ordinary outbox delivery (key ``unit/channel/day/gia-han-N``), written
released so the next dispatch pass sends it with the usual retries and outcome records; the
store, not this module, says whether it went out. ``zalo_zns`` (paid template messages whose
template speaks of due tasks) is skipped: the notice takes the unit's next channel.
"""

from __future__ import annotations

import html
import secrets
from datetime import datetime

from reminder.adjust import Extension
from reminder.channels import registry
from reminder.channels.base import Message
from reminder.channels.zalo import records as zalo_records
from reminder.config import Config
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
    delivery = Delivery(key, unit.id, channel, day, "pending", (), (), message, now)
    holder = Leaseholder(owner=f"notice-{secrets.token_hex(8)}")
    store.add_deliveries([delivery], holder, config.settings.channels.lease_s)
    store.release_leases(holder.owner)  # the next dispatch pass sends it
    return channel
