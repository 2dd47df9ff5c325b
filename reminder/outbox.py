"""The outbox state machine, pure: what the delivery records say is covered, who holds a
lease, how long to wait before a retry, and what an attempt's result turns a delivery into.

A delivery is written ``pending`` (leased to the pass that wrote it) before anything is sent.
After an attempt it becomes ``sent``; ``retry`` (transient failure: exponential backoff from
``retry_first_s`` to ``retry_max_s`` with deterministic jitter, the same rendered message, for
``retry_for_h`` hours, then ``dead``); or ``failed`` (permanent: the provider's words are kept,
and the next usable channel takes over at the next pass). Occurrences of ``failed`` or ``dead``
deliveries are not covered: they go out again in the next day's message.

Nothing here reads a clock or touches the store.
"""

from __future__ import annotations

import os
import random
import secrets
import socket
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from reminder.channels.base import Receipt
from reminder.errors import ChannelError
from reminder.settings import ChannelSettings
from reminder.store.records import (
    COVERING,
    Delivery,
    Leaseholder,
    OutboxFacts,
    Outcome,
    OutcomeStatus,
    SendError,
)

HOST = socket.gethostname()


def new_holder() -> Leaseholder:
    """A lease holder for one pass: a fresh token, this host and process."""
    return Leaseholder(owner=secrets.token_hex(8), host=HOST, pid=os.getpid())


@dataclass
class OutboxView:
    """What the delivery records say, read once per pass."""

    covered: set[str] = field(default_factory=set)
    failed: dict[tuple[str, date], set[str]] = field(default_factory=lambda: defaultdict(set))
    existing: set[str] = field(default_factory=set)


def view(deliveries: Iterable[OutboxFacts]) -> OutboxView:
    """Occurrence keys covered (pending, retry, sent), channels that failed per (unit, day),
    and the delivery keys that exist (deliveries' heads, or less: ``Store.outbox_facts``)."""
    out = OutboxView()
    for d in deliveries:
        out.existing.add(d.key)
        if d.status in COVERING:
            out.covered.update(d.occurrences)
        else:
            out.failed[(d.recipient, d.day)].add(d.channel)
    return out


def backoff(key: str, attempts: int, first_s: int, max_s: int) -> timedelta:
    """Delay before retry number ``attempts`` (1-based): exponential, capped, jittered in
    [50 %, 100 %] deterministically per (key, attempt) so reruns agree."""
    base = min(max_s, first_s * 2 ** max(0, attempts - 1))
    jitter = random.Random(f"{key}/{attempts}").uniform(0.5, 1.0)
    return timedelta(seconds=base * jitter)


def outcome(
    delivery: Delivery,
    now: datetime,
    settings: ChannelSettings,
    *,
    receipt: Receipt | None = None,
    error: ChannelError | None = None,
) -> Outcome:
    """What one attempt at ``now`` makes of ``delivery``: ``receipt`` for success, else
    ``error``. An error with ``not_before`` (the provider asks to wait) is a retry at that
    time that does not count as an attempt."""
    attempts = delivery.attempts + 1
    first = delivery.first_attempt_at or now
    if error is None:
        return Outcome(
            key=delivery.key,
            day=delivery.day,
            status="sent",
            at=now,
            attempts=attempts,
            first_attempt_at=first,
            receipt=receipt or Receipt(),
        )
    failure = SendError(
        message=str(error),
        code=error.code,
        detail=error.detail,
        permanent=error.permanent,
        at=now,
    )
    next_at = None
    status: OutcomeStatus
    if error.not_before is not None and not error.permanent:
        # Asked to wait (outside the hours the provider allows): not a failed try.
        return Outcome(
            key=delivery.key,
            day=delivery.day,
            status="retry",
            at=now,
            attempts=delivery.attempts,
            first_attempt_at=delivery.first_attempt_at,
            next_attempt_at=error.not_before,
            error=failure,
        )
    if error.permanent:
        status = "failed"
    elif now >= first + timedelta(hours=settings.retry_for_h):
        status = "dead"
    else:
        status = "retry"
        wait = backoff(delivery.key, attempts, settings.retry_first_s, settings.retry_max_s)
        next_at = now + wait
    return Outcome(
        key=delivery.key,
        day=delivery.day,
        status=status,
        at=now,
        attempts=attempts,
        first_attempt_at=first,
        next_attempt_at=next_at,
        error=failure,
    )
