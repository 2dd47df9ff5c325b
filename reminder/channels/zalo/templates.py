"""The Zalo template channel (``zalo_zns``): approved template messages by phone number, for
officials who do not follow the Official Account and have not linked a bot chat.

``POST {zns_base}/message/template`` with header ``access_token`` and body
``{"phone", "template_id", "template_data", "tracking_id"}``; HTTP 200 with ``error == 0`` is
success (developers.zalo.me, "ZNS — gửi thông báo ZNS"). Since 1/1/2026 ZNS and the OA's
per-user transaction messages are one paid product, "ZBS Template Message", on the same call.
The template (created and approved in the Zalo Cloud console) receives: ``don_vi`` (unit),
``so_viec`` (number of tasks), ``ma_viec`` (task ids), ``han_gan_nhat`` (nearest due date,
dd/mm/yyyy) and ``lien_ket`` (a link to the tasks).

**Hours.** Some template tags may only be sent between 07:00 and 22:00; this channel sends only
between ``zalo.template_from`` and ``zalo.template_until`` (local time) and hands any other
message back to wait for the next allowed moment (``ChannelError.not_before``): it is not a
failed attempt and costs nothing. **Cost.** Each template message is paid; ``sent_by_month``
counts them for ``/metrics``, ``reminder deliveries`` and the weekly digest.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterable
from datetime import datetime, timedelta

from reminder.channels.base import Message, Receipt, pass_now
from reminder.channels.zalo.oa import ZaloChannelBase
from reminder.channels.zalo.tokens import ZaloTokens
from reminder.errors import ChannelError
from reminder.schedule import LOCAL_TZ
from reminder.settings import ZaloSettings
from reminder.store import Delivery, DeliveryHead

NAME = "zalo_zns"

# ZNS error codes (zalo.cloud "Cách xử lý mã lỗi") that retrying cannot fix.
ZNS_PERMANENT = frozenset(
    {
        -108,  # invalid phone number
        -109,  # invalid template id
        -111,  # template data empty
        -112,  # template data invalid
        -118,  # no Zalo account for this number
        -119,  # the account cannot receive ZNS
        -139,  # the user refused this kind of message
    }
)


def zns_phone(phone: str) -> str:
    """``0912 345 678`` / ``+84912345678`` -> ``84912345678``."""
    digits = re.sub(r"\D", "", phone)
    if digits.startswith("0"):
        digits = "84" + digits[1:]
    return digits


def next_allowed(now: datetime, settings: ZaloSettings) -> datetime | None:
    """None when a template message may go out at ``now``; else the next moment it may."""
    local = now.astimezone(LOCAL_TZ)
    start, end = settings.template_from, settings.template_until
    if start <= local.time() < end:
        return None
    day = local.date() if local.time() < start else local.date() + timedelta(days=1)
    return datetime.combine(day, start, tzinfo=LOCAL_TZ)


def sent_by_month(
    deliveries: Iterable[Delivery | DeliveryHead], until: datetime | None = None
) -> dict[str, int]:
    """Template messages sent (paid for), per local month of sending ("2026-03" -> 41); with
    ``until``, only those sent at or before it (the digest of a past week)."""
    months: Counter[str] = Counter()
    for record in deliveries:
        if record.channel != NAME or record.status != "sent":
            continue
        sent_at = record.sent_at or record.created_at
        if until is not None and sent_at > until:
            continue
        months[f"{sent_at.astimezone(LOCAL_TZ):%Y-%m}"] += 1
    return dict(sorted(months.items()))


class ZaloZNSChannel(ZaloChannelBase):
    """Template notifications by phone number, within the allowed hours."""

    name = NAME

    def __init__(self, settings: ZaloSettings, tokens: ZaloTokens, concurrency: int = 4) -> None:
        if not settings.zns_template_id:
            raise ValueError("zalo_zns needs zalo.zns_template_id")
        super().__init__(settings, tokens, concurrency)

    async def send(self, message: Message) -> Receipt:
        if not message.phone:
            raise ChannelError("đơn vị không có số điện thoại", permanent=True, code="no-phone")
        wait = next_allowed(pass_now(), self.settings)
        if wait is not None:
            raise ChannelError(
                f"tin mẫu Zalo chỉ gửi từ {self.settings.template_from:%H:%M} đến"
                f" {self.settings.template_until:%H:%M}: chờ đến {wait:%H:%M %d/%m/%Y}",
                permanent=False,
                code="outside-hours",
                not_before=wait,
            )
        payload = {
            "phone": zns_phone(message.phone),
            "template_id": self.settings.zns_template_id,
            "template_data": message.data,
            "tracking_id": hashlib.sha256(message.key.encode()).hexdigest()[:32],
        }
        url = f"{self.settings.zns_base.rstrip('/')}/message/template"
        data = await self.call(url, payload, ZNS_PERMANENT)
        return Receipt(provider_id=str(data.get("msg_id", "")), detail="zalo_zns")
