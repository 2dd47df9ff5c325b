"""The delivery log (``reminder deliveries``): which deliveries it lists (``LogQuery``) and
their JSON form built straight from the stored form (``log_json``).

``log_json`` gives exactly ``delivery_head_to_json(delivery_head_from_json(stored))`` — the
same values, the same keys in the same order — without building a ``DeliveryHead``: a
province's year is 260,000 deliveries, and decoding each into dataclasses and encoding it
back was most of the command's time. The stored texts of times and days are normalised
through the same parsing the decoder does (remembered per distinct text: the deliveries of
one pass share their times); a record of any other shape than the one this program writes
(errors kept, a lease in the record, a field of an unexpected type) goes through the decoder.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from reminder.store.records import (
    DELIVERY_STATUSES,
    DeliveryHead,
    DeliveryStatus,
    Json,
    Lease,
    _date,
    _moment,
    delivery_head_from_json,
    delivery_head_to_json,
    error_from_json,
    error_to_json,
    lease_to_json,
)

_STATUSES = frozenset(DELIVERY_STATUSES)
_EPOCH_TEXT = "1970-01-01T00:00:00+00:00"


@dataclass(frozen=True)
class LogQuery:
    """Which deliveries the log lists: days ``since``..``until`` (both included), to one
    ``recipient`` (a unit id), on one ``channel``, in one ``status``; None = any."""

    since: date | None = None
    until: date | None = None
    recipient: str | None = None
    channel: str | None = None
    status: DeliveryStatus | None = None

    @staticmethod
    def month_days(month: str) -> tuple[date, date]:
        """The first and last day of ``month`` ("2025-04")."""
        first = date.fromisoformat(f"{month}-01")
        after = date(first.year + first.month // 12, first.month % 12 + 1, 1)
        return first, after - timedelta(days=1)

    def admits(self, head: DeliveryHead) -> bool:
        """Whether ``head`` is one the log lists."""
        return (
            (self.since is None or head.day >= self.since)
            and (self.until is None or head.day <= self.until)
            and (self.recipient is None or head.recipient == self.recipient)
            and (self.channel is None or head.channel == self.channel)
            and (self.status is None or head.status == self.status)
        )


@functools.lru_cache(maxsize=8192)
def _moment_text(text: str) -> str:
    """A stored time as the decoder then the encoder give it back."""
    return _moment(text).isoformat()


@functools.lru_cache(maxsize=4096)
def _day_text(text: str) -> str:
    """A stored day (``_date(text[:10])``) as the encoder gives it back."""
    return _date(text[:10]).isoformat()


def log_json(stored: Mapping[str, Any], lease: Lease | None) -> Json:
    """``delivery_head_to_json`` of the delivery stored as ``stored`` (its JSON form, message
    or not) holding ``lease``: the same dict, built without decoding. ``RecordShapeError``
    as ``delivery_head_from_json`` for a record it cannot read."""
    try:
        return _common(stored, lease)
    except (AttributeError, KeyError, TypeError, ValueError):
        return _decoded(stored, lease)


def _decoded(stored: Mapping[str, Any], lease: Lease | None) -> Json:
    """``log_json`` through the decoder and the encoder (any shape)."""
    head = delivery_head_from_json(stored)
    if head.lease != lease:
        head = replace(head, lease=lease)
    return delivery_head_to_json(head)


#: Every field of a stored delivery the log shows, in one C call (a missing one raises
#: KeyError: the decoder takes that record).
_FIELDS = operator.itemgetter(
    "key",
    "recipient",
    "channel",
    "day",
    "occurrences",
    "items",
    "created_at",
    "status",
    "attempts",
    "first_attempt_at",
    "last_attempt_at",
    "next_attempt_at",
    "sent_at",
    "receipt",
    "last_error",
    "errors",
    "claim",
)


def _common(data: Mapping[str, Any], lease: Lease | None) -> Json:
    """``log_json`` of a record of the shape this program writes; raises (any of the errors
    ``log_json`` catches) on anything else, so the decoder takes it. (Called for each of a
    province's 260,000 deliveries: checks inline, no helper calls per field.)"""
    (
        key,
        recipient,
        channel,
        day,
        occurrences,
        items,
        created,
        status,
        attempts,
        first,
        last,
        following,
        sent,
        receipt,
        last_error,
        errors,
        claim,
    ) = _FIELDS(data)
    if (
        type(key) is not str
        or type(recipient) is not str
        or type(channel) is not str
        or status not in _STATUSES
        or type(occurrences) is not list
        or type(items) is not list
        or errors
        or claim
    ):
        raise ValueError("not the common shape")
    for k in occurrences:
        if type(k) is not str:
            raise TypeError("an occurrence key is not a string")
    shown = []
    for i in items:
        plan, task, unit, kind = i["plan"], i["task"], i["unit"], i["kind"]
        if type(plan) is not str or type(task) is not str or type(unit) is not str:
            raise TypeError("an item's plan, task or unit is not a string")
        if type(kind) is not str:
            raise TypeError("an item's kind is not a string")
        due = _day_text(i["due"])
        shown.append({"plan": plan, "task": task, "unit": unit, "kind": kind, "due": due})
    day = _day_text(day)
    if attempts is None or attempts is False:
        attempts = 0
    elif type(attempts) is not int:
        raise TypeError("attempts")
    # A time that is not a string makes ``_moment`` raise TypeError: the decoder takes it.
    return {
        "key": key,
        "month": day[:7],
        "recipient": recipient,
        "channel": channel,
        "day": day,
        "occurrences": occurrences,
        "items": shown,
        "created_at": _EPOCH_TEXT if created is None else _moment_text(created),
        "status": status,
        "attempts": attempts,
        "first_attempt_at": None if first is None else _moment_text(first),
        "last_attempt_at": None if last is None else _moment_text(last),
        "next_attempt_at": None if following is None else _moment_text(following),
        "sent_at": None if sent is None else _moment_text(sent),
        "receipt": {"id": str(receipt.get("id", "")), "detail": str(receipt.get("detail", ""))}
        if type(receipt) is dict
        else None,
        "last_error": error_to_json(error_from_json(last_error)) if last_error else None,
        "errors": [],
        "claim": None if lease is None else lease_to_json(lease),
    }
