"""What a pass reads of past deliveries on PostgreSQL (``Store.outbox_facts``): each
delivery's key, recipient, channel, day and status (columns) and its occurrence keys (from
``head``), never the record or the message. A fresh worker at a province's year's end read
every message of the year (260,000 deliveries) to learn which occurrences are covered.

Kept in a ``Mirror``: the first read fetches every row's facts, later reads only the rows
written since (the occurrences of a row already held are not fetched again: they never
change; its status is)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, cast

from reminder.store.postgres.base import Base, Mirror
from reminder.store.records import DeliveryStatus, OutboxFacts

_COLUMNS = "recipient, channel, day, status"


@dataclass(frozen=True, slots=True)
class OutboxRow:
    """``OutboxFacts`` read from a row."""

    key: str
    recipient: str
    channel: str
    day: date
    status: DeliveryStatus
    occurrences: tuple[str, ...]


def _decode(row: Sequence[Any], held: OutboxRow | None) -> OutboxRow:
    key, occurrences, recipient, channel, day, status = row
    if occurrences is None:
        assert held is not None, "a partial row is decoded over the row held"
        kept = held.occurrences
    else:
        kept = tuple(str(k) for k in occurrences)
    return OutboxRow(key, recipient, channel, day, cast(DeliveryStatus, status), kept)


def facts_mirror() -> Mirror[OutboxRow]:
    """The mirror ``OutboxReads`` keeps (made by the store's constructor)."""
    return Mirror(
        "SELECT key, CASE WHEN %(whole)s THEN head->'occurrences' END,"
        f" {_COLUMNS} FROM deliveries d",
        _decode,
        lambda r: (r.day, r.key),
        f"SELECT key, head->'occurrences', {_COLUMNS} FROM deliveries WHERE key = ANY(%(keys)s)",
    )


class OutboxReads(Base):
    """``Store.outbox_facts``."""

    _facts: Mirror[OutboxRow]

    def outbox_facts(self) -> Sequence[OutboxFacts]:
        """Every delivery's facts (rows written since the previous read fetched)."""
        return self._facts.refresh(self)
