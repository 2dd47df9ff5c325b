"""Builders the test modules share."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, date, datetime

from reminder.channels.base import Message, Receipt
from reminder.channels.email import EmailChannel
from reminder.errors import ChannelError
from reminder.store import Delivery, DeliveryItem

DAY = date(2025, 4, 1)
CREATED = datetime(2025, 4, 1, 8, 5, tzinfo=UTC)


def pending_delivery(
    unit: str,
    day: date = DAY,
    *,
    occurrences: tuple[str, ...] = (),
    created: datetime = CREATED,
) -> Delivery:
    """A pending email delivery to ``unit`` on ``day`` carrying one task (``T1`` of ``plan``,
    due that day), as a pass records it before sending."""
    key = f"{unit}/email/{day.isoformat()}"
    message = Message(
        key=key,
        channel="email",
        recipient=unit,
        recipient_name=f"Đơn vị {unit}",
        subject="Nhắc việc",
        text="Kính gửi",
        html="<p>Kính gửi</p>",
        short_text="Nhắc",
        created_at=created.isoformat(),
        emails=(f"{unit}@huyen.example",),
        data={"so_viec": "1"},
    )
    return Delivery(
        key=key,
        recipient=unit,
        channel="email",
        day=day,
        status="pending",
        occurrences=occurrences or (f"plan/T1/{unit}/due/{day.isoformat()}",),
        items=(DeliveryItem("plan", "T1", unit, "due", day),),
        message=message,
        created_at=created,
    )


def send_by_email(
    channel: EmailChannel, messages: Sequence[Message]
) -> dict[str, Receipt | ChannelError]:
    """Send ``messages`` through ``channel`` (then close it); each message's outcome by key."""
    results: dict[str, Receipt | ChannelError] = {}

    async def run() -> None:
        await channel.send_all(messages, lambda m, r: results.__setitem__(m.key, r))
        await channel.close()

    asyncio.run(run())
    return results
