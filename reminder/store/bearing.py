"""What the state of pairs as of a moment depends on, among a store's records.

The state of a (plan, task, unit) pair (``reminder.state``) reads its latest acknowledgment
event, its latest delivery to the unit and every escalation to the council that named it. A
command that shows the state of many pairs reads only those records (``Store.latest_acks``,
``Store.bearing_deliveries``), not the history of the year: these functions say exactly which
ones, and every store answers with what they would return over everything it holds (the
contract tests compare them). ``acks.latest_events`` is ``latest``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from reminder.store.records import AckEvent, Delivery, DeliveryHead

Pair = tuple[str, str, str]
D = TypeVar("D", Delivery, DeliveryHead)

#: The item kind of a message to the council about a late pair.
ESCALATION = "escalation"


@dataclass(frozen=True)
class Pairs:
    """The pairs matching every field given (None: any plan, task or unit)."""

    plan: str | None = None
    task: str | None = None
    units: frozenset[str] | None = None

    def __contains__(self, pair: object) -> bool:
        if not isinstance(pair, tuple) or len(pair) != 3:
            return False
        plan, task, unit = pair
        return (
            (self.plan is None or plan == self.plan)
            and (self.task is None or task == self.task)
            and (self.units is None or unit in self.units)
        )

    @property
    def every(self) -> bool:
        """Whether this is every pair."""
        return self.plan is None and self.task is None and self.units is None


EVERY = Pairs()


def latest(
    events: Iterable[AckEvent], as_of: datetime | None = None, pairs: Pairs = EVERY
) -> dict[Pair, AckEvent]:
    """The latest event of each pair of ``pairs`` at or before ``as_of`` (None: every event),
    ``events`` being in the order recorded: the latest ``at`` wins, equal times go to the
    one recorded last. The result is in the order its events were first seen."""
    out: dict[Pair, AckEvent] = {}
    every = pairs.every
    for event in events:
        if as_of is not None and event.at > as_of:
            continue
        pair = event.pair
        if not every and pair not in pairs:
            continue
        held = out.get(pair)
        if held is None or event.at >= held.at:
            out[pair] = event
    return out


def order(delivery: Delivery | DeliveryHead) -> tuple[object, ...]:
    """The order of deliveries everywhere: by day, then creation, then key."""
    return (delivery.day, delivery.created_at, delivery.key)


def deliveries(records: Iterable[D], as_of: datetime, pairs: Pairs = EVERY) -> list[D]:
    """Among ``records``, those created at or before ``as_of`` that carry a pair of ``pairs``
    and are either a message to the council about it (an escalation) or the latest other
    delivery carrying it (by ``order``); in ``order``.

    Every delivery fact the state shows — a pair's last delivery, the day the council was
    told of it or why not — comes from these (``state.compute`` on them gives the same pairs
    as on every record, apart from the delivery history listed on a task's page).
    """
    wanted: dict[str, D] = {}
    last: dict[Pair, D] = {}
    every = pairs.every
    for record in records:
        if record.created_at > as_of:
            continue
        for item in record.items:
            pair = (item.plan, item.task, item.unit)
            if not every and pair not in pairs:
                continue
            if item.kind == ESCALATION:
                wanted[record.key] = record
                continue
            held = last.get(pair)
            if held is None or order(record) > order(held):
                last[pair] = record
    for record in last.values():
        wanted[record.key] = record
    return sorted(wanted.values(), key=order)


def carrying(
    records: Iterable[DeliveryHead], as_of: datetime, pairs: Pairs = EVERY
) -> list[DeliveryHead]:
    """Among ``records``, every one created at or before ``as_of`` that carries a pair of
    ``pairs`` (escalations included), in ``order``: the delivery history of those pairs (a
    task's page lists it), where ``deliveries`` keeps only what their state reads."""
    every = pairs.every
    out = [
        record
        for record in records
        if record.created_at <= as_of
        and (every or any((i.plan, i.task, i.unit) in pairs for i in record.items))
    ]
    return sorted(out, key=order)
