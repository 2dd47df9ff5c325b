"""What the state of pairs as of a moment depends on, among a store's records.

The state of a (plan, task, unit) pair (``reminder.state``) reads its latest acknowledgment
event, its latest delivery to the unit and every escalation to the council that named it. A
command that shows the state of many pairs reads only those records (``Store.latest_acks``,
``Store.pair_deliveries``), not the history of the year: these functions say exactly which
ones, and every store answers with what they would return over everything it holds (the
contract tests compare them). ``acks.latest_events`` is ``latest``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from reminder.store.records import (
    AckEvent,
    CarriedItem,
    Delivery,
    DeliveryHead,
    DeliveryMark,
    PairDeliveries,
    mark_of,
)
from reminder.store.tally import Moment

Pair = tuple[str, str, str]

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
    reached = None if as_of is None else Moment(as_of).reached
    for event in events:
        if reached is not None and not reached(event.at):
            continue
        pair = event.pair
        if not every and pair not in pairs:
            continue
        held = out.get(pair)
        if held is None or event.at >= held.at:
            out[pair] = event
    return out


def order(delivery: Delivery | DeliveryHead | DeliveryMark) -> tuple[object, ...]:
    """The order of deliveries everywhere: by day, then creation, then key."""
    return (delivery.day, delivery.created_at, delivery.key)


def pair_deliveries(
    records: Iterable[DeliveryHead], as_of: datetime, pairs: Pairs = EVERY
) -> PairDeliveries:
    """What the state of ``pairs`` as of ``as_of`` reads of ``records``: among those created
    at or before ``as_of``, for each pair of ``pairs`` the item that its latest delivery
    other than a message to the council carried (by ``order``; of two items of one pair in
    that delivery, the first kind in alphabetical order), and every escalation item naming
    it; with the marks of the deliveries those items name. Items in no particular order.

    ``state.compute`` on this gives the same pairs as on every record, apart from the
    delivery history listed on a task's page (only the last delivery and the escalations).
    """
    last: dict[Pair, tuple[tuple[object, ...], str, DeliveryHead]] = {}
    items: list[CarriedItem] = []
    picked: dict[str, DeliveryHead] = {}
    every = pairs.every
    reached = Moment(as_of).reached
    for record in records:
        if not reached(record.created_at):
            continue
        rank = order(record)
        for item in record.items:
            pair = (item.plan, item.task, item.unit)
            if not every and pair not in pairs:
                continue
            if item.kind == ESCALATION:
                items.append(CarriedItem(*pair, item.kind, record.key))
                picked[record.key] = record
                continue
            held = last.get(pair)
            if held is None or rank > held[0] or (rank == held[0] and item.kind < held[1]):
                last[pair] = (rank, item.kind, record)
    for pair, (_, kind, record) in last.items():
        items.append(CarriedItem(*pair, kind, record.key))
        picked[record.key] = record
    return PairDeliveries(items, {key: mark_of(record) for key, record in picked.items()})


def carrying(
    records: Iterable[DeliveryHead], as_of: datetime, pairs: Pairs = EVERY
) -> list[DeliveryHead]:
    """Among ``records``, every one created at or before ``as_of`` that carries a pair of
    ``pairs`` (escalations included), in ``order``: the delivery history of those pairs (a
    task's page lists it), where ``pair_deliveries`` keeps only what their state reads."""
    every = pairs.every
    reached = Moment(as_of).reached
    out = [
        record
        for record in records
        if reached(record.created_at)
        and (every or any((i.plan, i.task, i.unit) in pairs for i in record.items))
    ]
    return sorted(out, key=order)
