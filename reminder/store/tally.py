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
from datetime import datetime
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


def delivery_status_as_of(record: Timed, as_of: datetime) -> str | None:
    """``record``'s status at ``as_of`` (None when it did not exist yet): a send or a failure
    recorded after ``as_of`` had not happened then, so the record was still ``pending``."""
    if record.created_at > as_of:
        return None
    status = record.status
    if status == "sent":
        sent = record.sent_at
        return "sent" if sent is None or sent <= as_of else "pending"
    if status in ("failed", "dead", "retry"):
        last = record.last_attempt_at
        return status if last is None or last <= as_of else "pending"
    return status


def message_counts(
    records: Iterable[Delivery | DeliveryHead], as_of: datetime
) -> list[MessageCount]:
    """The deliveries of ``records`` that existed at ``as_of``, counted by channel, status
    as of then and month of sending; sorted, no zero counts."""
    counts: Counter[tuple[str, DeliveryStatus, str]] = Counter()
    for record in records:
        status = delivery_status_as_of(record, as_of)
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
