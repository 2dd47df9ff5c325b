"""Issue 11: a freshly started worker's first pass reads what it needs of past deliveries —
their keys, statuses and occurrences (``Store.outbox_facts``) — not every message of the year,
and plans exactly what reading every delivery planned; on both stores."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime
from pathlib import Path
from typing import Any, cast

import pytest

from reminder import acks
from reminder.dispatch import Dispatcher
from reminder.store import Store
from reminder.store.postgres import PostgresStore
from tests.conftest import StoreFactory
from tests.test_state_reading import at, filled


class Counting:
    """A store that counts the calls made to it by name."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.calls: Counter[str] = Counter()

    def __getattr__(self, name: str) -> Any:
        value = getattr(self.store, name)
        if not callable(value):
            return value

        def counted(*args: Any, **kwargs: Any) -> Any:
            self.calls[name] += 1
            return value(*args, **kwargs)

        return counted


def planned(report_messages: list[Any]) -> list[tuple[str, str, str]]:
    return sorted((m.key, m.recipient, m.text) for m in report_messages)


@pytest.mark.parametrize(
    ("moment", "messages"),
    [
        (at(date(2025, 3, 31), 8, 5), 0),  # every occurrence of March covered: none again
        (at(date(2025, 4, 3), 8, 5), 1),  # T4 opens for vh
        (at(date(2025, 4, 5), 8, 5), 0),  # a Saturday: what is due waits
        (at(date(2025, 12, 29), 8, 5), 1),  # the year's end
    ],
)
def test_a_fresh_workers_first_pass_reads_no_message_and_plans_the_same(
    tmp_path: Path, store_factory: StoreFactory, moment: datetime, messages: int
) -> None:
    loaded = filled(tmp_path, store_factory(tmp_path / "data"))
    # A fresh process: a new store on the same data, a new dispatcher.
    fresh = store_factory(tmp_path / "data")
    counting = Counting(fresh)
    dispatcher = Dispatcher(loaded, cast(Store, counting), secret="s")
    report = dispatcher.run(moment, dry_run=True)
    assert counting.calls["outbox_facts"] == 1
    assert counting.calls["deliveries"] == 0  # never every delivery with its message
    assert counting.calls["delivery_heads"] == 0
    if isinstance(fresh, PostgresStore):
        assert fresh._deliveries._rows == {}  # no record (message) fetched at all
        assert len(fresh._facts._rows) == len(fresh.delivery_heads())

    # What reading every delivery (as before) planned at the same moment.
    reference = Dispatcher(loaded, store_factory(tmp_path / "data"), secret="s")
    everything = reference.store
    reference.store = cast(Store, _WholeDeliveries(everything))
    expected = reference.run(moment, dry_run=True)
    assert planned(report.planned) == planned(expected.planned)
    assert (report.waiting, report.held, report.unreachable) == (
        expected.waiting,
        expected.held,
        expected.unreachable,
    )
    assert len(report.planned) == messages


class _WholeDeliveries(Counting):
    """A store whose ``outbox_facts`` are every delivery, messages and all (the old read)."""

    def outbox_facts(self) -> list[Any]:
        return list(self.store.deliveries())


def test_a_worker_follows_what_others_write_after_its_first_pass(
    tmp_path: Path, store_factory: StoreFactory
) -> None:
    loaded = filled(tmp_path, store_factory(tmp_path / "data"))
    first = Dispatcher(loaded, store_factory(tmp_path / "data"), secret="s")
    other = Dispatcher(loaded, store_factory(tmp_path / "data"), secret="s")
    thursday = at(date(2025, 4, 3), 8, 5)
    assert first.run(thursday, dry_run=True).planned
    sent = other.run(thursday)
    assert sent.sent
    # The first worker now sees the other's delivery: nothing is left.
    assert first.run(at(date(2025, 4, 3), 9), dry_run=True).planned == []
    # The next working day: vh has said "done", nothing more for vh.
    first.store.add_acks(
        [acks.ack_record("plan-2025", "T4", "vh", "done", at(date(2025, 4, 3), 10), "web")]
    )
    assert first.run(at(date(2025, 4, 9), 8, 5), dry_run=True).planned == []
