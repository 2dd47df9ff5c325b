"""Messages counted as of a moment: what ``/metrics`` says of the deliveries beside the pairs.

A delivery's status as of a moment (``delivery_status_as_of``) is the one the state of pairs
reads; ``message_counts`` tallies every delivery that existed then by channel, that status and,
for those sent, the local month of sending (Zalo template messages are paid per message and
reported per month). ``Store.message_counts`` answers the same over everything the store holds,
counted in the store (a ``GROUP BY`` on PostgreSQL, a scan of the heads on TinyDB), so the web
process never holds the year's messages to count them; the contract tests compare the two.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone, tzinfo
from typing import Protocol, cast

from reminder.labels import LOCAL_TZ
from reminder.store.records import Delivery, DeliveryHead, DeliveryStatus


@dataclass(frozen=True, order=True)
class MessageCount:
    """``count`` deliveries on ``channel`` stood at ``status`` as of the moment asked;
    ``month`` is the local month they were sent in ("2025-04", by ``sent_at``, else
    ``created_at``) for those ``sent``, and "" for the others."""

    channel: str
    status: DeliveryStatus
    month: str
    count: int


class Timed(Protocol):
    """What a delivery's status as of a moment depends on (a ``Delivery``, a
    ``DeliveryHead``, or any smaller record of a delivery that has these)."""

    @property
    def created_at(self) -> datetime: ...
    @property
    def status(self) -> str: ...
    @property
    def sent_at(self) -> datetime | None: ...
    @property
    def last_attempt_at(self) -> datetime | None: ...


class Moment:
    """A moment that many stored times are compared with (``reached``), cheaply.

    Python compares two aware datetimes whose ``tzinfo`` are different objects through both
    UTC offsets, about 0.7 µs; with the same object, field by field, about 20 ns. A state as
    of a moment compares each of a province's 100,000 deliveries and 120,000 acks with it, so
    the moment is kept converted to each fixed-offset zone (``datetime.timezone``: no daylight
    saving, so comparing fields is comparing moments) that the stored times carry. Times in a
    zone with rules are compared as Python does.
    """

    __slots__ = ("_there", "at")

    def __init__(self, at: datetime) -> None:
        self.at = at
        self._there: dict[tzinfo | None, datetime] = {}

    def reached(self, when: datetime) -> bool:
        """Whether ``when`` is at or before this moment (both aware)."""
        zone = when.tzinfo
        there = self._there.get(zone)
        if there is None or there.tzinfo is not zone:
            if type(zone) is not timezone:
                return when <= self.at
            there = self._there[zone] = self.at.astimezone(zone)
        return when <= there


def delivery_status_as_of(record: Timed, as_of: datetime | Moment) -> str | None:
    """``record``'s status at ``as_of`` (None when it did not exist yet): a send or a failure
    recorded after ``as_of`` had not happened then, so the record was still ``pending``.
    Give a ``Moment`` when asking of many records."""
    reached = (as_of if isinstance(as_of, Moment) else Moment(as_of)).reached
    if not reached(record.created_at):
        return None
    status = record.status
    if status == "sent":
        sent = record.sent_at
        return "sent" if sent is None or reached(sent) else "pending"
    if status in ("failed", "dead", "retry"):
        last = record.last_attempt_at
        return status if last is None or reached(last) else "pending"
    return status


def message_counts(
    records: Iterable[Delivery | DeliveryHead], as_of: datetime
) -> list[MessageCount]:
    """The deliveries of ``records`` that existed at ``as_of``, counted by channel, status
    as of then and month of sending; sorted, no zero counts."""
    counts: Counter[tuple[str, DeliveryStatus, str]] = Counter()
    moment = Moment(as_of)
    for record in records:
        status = delivery_status_as_of(record, moment)
        if status is None:
            continue
        month = ""
        if status == "sent":
            month = f"{(record.sent_at or record.created_at).astimezone(LOCAL_TZ):%Y-%m}"
        counts[(record.channel, cast(DeliveryStatus, status), month)] += 1
    return sorted(MessageCount(c, s, m, n) for (c, s, m), n in counts.items())


def by_channel_and_status(counts: Iterable[MessageCount]) -> dict[tuple[str, str], int]:
    """``counts`` summed over months: (channel, status) -> deliveries, sorted."""
    out: Counter[tuple[str, str]] = Counter()
    for c in counts:
        out[(c.channel, c.status)] += c.count
    return dict(sorted(out.items()))


def sent_by_month(counts: Iterable[MessageCount], channel: str) -> dict[str, int]:
    """The deliveries of ``channel`` sent, by local month of sending, sorted."""
    out: Counter[str] = Counter()
    for c in counts:
        if c.channel == channel and c.status == "sent":
            out[c.month] += c.count
    return dict(sorted(out.items()))
