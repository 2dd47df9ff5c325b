"""What the OA webhook tells about followers: every event a follower causes is noted as their
last interaction, which opens the window for consultation messages (``oa``)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from reminder.channels.zalo import records
from reminder.store import Store

# Events a follower causes (developers.zalo.me, "Webhook — danh sách sự kiện"): a message of any
# kind, following, tapping a button.
_USER_EVENTS = re.compile(r"^(user_send_|user_submit_info|user_received_message|follow$)")


def oa_event_user(event: dict[str, Any]) -> str | None:
    """The follower behind an OA webhook event, when the event is their interaction."""
    name = str(event.get("event_name", ""))
    if not _USER_EVENTS.match(name) or name == "user_received_message":
        return None
    who = event.get("follower") if name == "follow" else event.get("sender")
    user = who.get("id") if isinstance(who, dict) else None
    return str(user) if user else None


def record_oa_event(store: Store, event: dict[str, Any], received: datetime) -> None:
    """Note the follower's interaction at the event's own time (ms since the epoch), or at
    ``received`` when the event has none."""
    user = oa_event_user(event)
    if user is None:
        return
    try:
        at = datetime.fromtimestamp(int(str(event["timestamp"])) / 1000, UTC)
    except (KeyError, ValueError, OverflowError):
        at = received
    at = min(at, received)  # a clock ahead of ours must not stretch the window
    records.record_interaction(store, user, at)
