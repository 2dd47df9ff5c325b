"""Acknowledgments: signed links, and what an acknowledgment means for reminders.

A token names (plan, task, unit) and an expiry, signed with HMAC-SHA256 under
``REMINDER_SECRET_KEY`` (itsdangerous). It is unguessable without the key, checked in constant
time, and cannot be altered to point at another task or unit. Without a configured key, one is
generated on first use into ``DATA_DIR/secret_key`` (mode 0600) and the caller is told.

Ack events: ``received`` ("Đã nhận") stops the before-due reminders (open, before_due) but not
the due-day and overdue ones; ``done`` ("Đã hoàn thành") stops every reminder of that (task,
unit), escalation included; ``reopen`` ("Báo nhầm — mở lại") takes the pair back to no
acknowledgment, so every reminder resumes. The store keeps every event (the full history); the
state of a pair as of a moment is its latest event at or before that moment (by ``at``, then
by the order recorded): the latest wins, whatever it is.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from itsdangerous import BadSignature, URLSafeSerializer

from reminder.schedule import Occurrence
from reminder.store import bearing
from reminder.store.records import ACK_KINDS, AckEvent, AckKind, AckState

__all__ = ["ACK_KINDS", "AckEvent", "AckKind", "AckState", "AckTarget", "BadToken", "Tokens"]
Pair = tuple[str, str, str]
_SALT = "reminder.ack.v1"
_QUIET_WHEN_RECEIVED = frozenset({"open", "before_due"})


@dataclass(frozen=True)
class AckTarget:
    """What a token acknowledges."""

    plan: str
    task: str
    unit: str
    expires: date


class BadToken(Exception):
    """A token that is malformed, tampered with or expired."""


def load_secret(configured: str | None, data_dir: Path) -> tuple[str, bool]:
    """The signing key, and whether it was just generated into ``data_dir/secret_key``."""
    if configured:
        return configured, False
    path = data_dir / "secret_key"
    if path.exists():
        return path.read_text(encoding="ascii").strip(), False
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(key + "\n")
    return key, True


class Tokens:
    """Makes and checks acknowledgment tokens."""

    def __init__(self, secret: str) -> None:
        self._serializer = URLSafeSerializer(
            secret, salt=_SALT, signer_kwargs={"digest_method": hashlib.sha256}
        )

    def make(self, plan: str, task: str, unit: str, year: int) -> str:
        """A token for (plan, task, unit), valid until the end of March after ``year``."""
        return str(self._serializer.dumps([plan, task, unit, f"{year + 1}-03-31"]))

    def check(self, token: str, today: date) -> AckTarget:
        """The target of ``token``; raises ``BadToken`` when it is not valid on ``today``."""
        try:
            payload: Any = self._serializer.loads(token)
        except BadSignature:
            raise BadToken("liên kết không hợp lệ") from None
        if not (isinstance(payload, list) and len(payload) == 4):
            raise BadToken("liên kết không hợp lệ")
        plan, task, unit, expires = payload
        expiry = date.fromisoformat(str(expires))
        if today > expiry:
            raise BadToken("liên kết đã hết hạn")
        return AckTarget(str(plan), str(task), str(unit), expiry)


def latest_events(
    events: Iterable[AckEvent], as_of: datetime | None = None
) -> dict[Pair, AckEvent]:
    """The latest event of each pair at or before ``as_of`` (None: every event).

    Events later than ``as_of`` are ignored, so the past can be replayed. Among events, the
    one with the latest ``at`` wins; equal times go to the one recorded last.
    """
    return bearing.latest(events, as_of)


def current_states(
    events: Iterable[AckEvent], as_of: datetime | None = None
) -> dict[Pair, AckState]:
    """The acknowledgment of each pair as of ``as_of``; a reopened pair has none."""
    return {
        pair: event.kind
        for pair, event in latest_events(events, as_of).items()
        if event.kind != "reopen"
    }


def silences(state: AckState | None, occurrence: Occurrence) -> bool:
    """Whether an acknowledgment in ``state`` makes ``occurrence`` unnecessary."""
    if state == "done":
        return True
    return state == "received" and occurrence.kind in _QUIET_WHEN_RECEIVED


def ack_record(
    plan: str,
    task: str,
    unit: str,
    state: AckKind,
    at: datetime,
    source: str,
    by: str = "",
    note: str = "",
) -> AckEvent:
    """An acknowledgment event to store (the note cut at 1,000 characters)."""
    return AckEvent(plan, task, unit, state, at, source, by, note[:1000])
