"""Issue 11: the web process on a province year. The board, the unit and task pages, the CSV
export and ``/metrics`` read only what they show — never the year's messages — and show the
same numbers as the computation over every record, on both stores."""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from datetime import date, datetime
from pathlib import Path
from typing import Any, cast

import httpx
import pytest

from reminder import adjust, config, state
from reminder.keyed import Records
from reminder.labels import vn_date
from reminder.store import Pairs, Store, tally
from reminder.web import board, create_app, hash_password
from tests.servers import WebServer, free_port
from tests.test_state_reading import MOMENTS, SUBSETS, at, filled

PASSWORD = "mat-khau-bang-theo-doi"


class NoYearReads:
    """``store`` for the web app, except that reading every delivery (with or without its
    message) fails: the pages must ask the store for what they show."""

    REFUSED = ("deliveries", "delivery_heads", "each_delivery_head", "ack_events")

    def __init__(self, store: Store) -> None:
        self._store = store

    def __getattr__(self, name: str) -> Any:
        if name in self.REFUSED:
            raise AssertionError(f"the web process read the year's records: Store.{name}")
        return getattr(self._store, name)


def everything(loaded: config.Config, store: Store, as_of: datetime) -> state.Snapshot:
    """The state as ``state.read`` computed it for the web before: from every record."""
    events, deliveries = state.read_events(store)
    return state.compute(loaded, events, deliveries, as_of, adjust.load(Records(store), as_of))


def _metric(text: str, name: str, **labels: str) -> float:
    inner = ",".join(f'{k}="{v}"' for k, v in labels.items())
    pattern = re.escape(f"{name}{{{inner}}}" if labels else name) + r" (\S+)"
    found = re.search(f"^{pattern}$", text, re.M)
    assert found, (name, labels)
    return float(found[1])


@pytest.mark.parametrize("moment", [at(date(2025, 3, 11), 8, 20), at(date(2025, 3, 28), 17)])
def test_pages_show_the_state_of_every_record_without_reading_the_year(
    tmp_path: Path, store: Store, monkeypatch: pytest.MonkeyPatch, moment: datetime
) -> None:
    monkeypatch.setenv("REMINDER_WEB__ADMIN_PASSWORD_HASH", hash_password(PASSWORD))
    loaded = filled(tmp_path, store)
    full = everything(loaded, store, moment)
    app = create_app(loaded, cast(Store, NoYearReads(store)), "s", clock=lambda: moment)
    port = free_port()
    with WebServer(app, port) as server, httpx.Client(base_url=server.url) as client:
        login = client.get("/login").text
        csrf = re.search(r'name="csrf" value="([^"]+)"', login)
        assert csrf
        client.post("/login", data={"username": "admin", "password": PASSWORD, "csrf": csrf[1]})
        pages = {
            path: client.get(path)
            for path in ("/", "/units/vh", "/tasks/plan-2025/T1", "/export.csv", "/metrics")
        }
    for path, response in pages.items():
        assert response.status_code == 200, (path, response.text[:2000])

    # The CSV: every pair, as the computation over every record has it.
    rows = list(csv.DictReader(io.StringIO(pages["/export.csv"].text.removeprefix("\ufeff"))))
    assert [(r["task"], r["unit"], r["state"]) for r in rows] == [
        (p.task, p.unit, p.state) for p in full.pairs
    ]
    assert [r["council_told"] for r in rows] == [
        vn_date(p.council_told) if p.council_told else "" for p in full.pairs
    ]
    assert [r["last_delivery_status"] for r in rows] == [
        p.last_delivery.status if p.last_delivery else "" for p in full.pairs
    ]

    # /metrics: the pairs and the messages as of the same moment.
    metrics = pages["/metrics"].text
    for name, n in full.counts().items():
        assert _metric(metrics, "reminder_pairs", state=name) == n
    assert _metric(metrics, "reminder_escalated") == sum(
        1 for p in full.pairs if p.council_told is not None
    )
    messages = Counter(
        (d.channel, status)
        for d in store.deliveries()
        if (status := tally.delivery_status_as_of(d, moment)) is not None
    )
    assert messages  # the month's passes sent messages
    for (channel, status), n in messages.items():
        assert _metric(metrics, "reminder_messages", channel=channel, status=status) == n
    assert len(re.findall(r"^reminder_messages\{", metrics, re.M)) == len(messages)

    # The task page: T1's pairs with their whole delivery history, escalations included.
    task = pages["/tasks/plan-2025/T1"].text
    history = re.findall(r'<td data-label="Lịch sử gửi">(.*?)</td>', task, re.S)
    t1 = full.select(plan="plan-2025", task="T1")
    assert [cell.count("<div>") for cell in history] == [len(p.deliveries) for p in t1]
    told = sum(1 for p in t1 for d in p.deliveries if d.kind == "escalation")
    assert task.count("báo Hội đồng (") == told
    if moment.day == 28:
        assert told > 0  # the council was told of the late leads of T1

    # The unit page: vh's pairs, with the last delivery of each.
    unit = pages["/units/vh"].text
    vh = full.select(units=["vh"])
    assert unit.count('<td data-label="Thư gần nhất">') == len(vh)
    failed = [p for p in vh if p.delivery_failed]
    assert unit.count("gửi không được") >= len(failed)


def test_a_tasks_history_is_read_for_its_pairs_alone(tmp_path: Path, store: Store) -> None:
    loaded = filled(tmp_path, store)
    for moment in MOMENTS:
        full = everything(loaded, store, moment)
        for pairs in SUBSETS:
            got = state.load_history(loaded, store, moment, pairs).pairs
            wanted = [p for p in full.pairs if (p.plan, p.task, p.unit) in pairs]
            if pairs.units is not None:
                wanted = [p for p in wanted if p.unit]
            assert [p.as_json() for p in got] == [p.as_json() for p in wanted], (moment, pairs)
            assert [p.deliveries for p in got] == [p.deliveries for p in wanted]
    one = state.load_history(loaded, store, MOMENTS[-1], Pairs(plan="plan-2025", task="T2"))
    assert sum(len(p.deliveries) for p in one.pairs) > len(one.pairs)  # history, not the last


def test_message_counts_equal_counting_every_record(tmp_path: Path, store: Store) -> None:
    filled(tmp_path, store)
    statuses = set()
    for moment in MOMENTS:
        counted = store.message_counts(moment)
        assert counted == tally.message_counts(store.deliveries(), moment), moment
        statuses |= {c.status for c in counted}
    assert statuses >= {"sent", "failed"}


def test_the_csv_is_streamed_a_chunk_of_rows_at_a_time(
    tmp_path: Path, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    loaded = filled(tmp_path, store)
    snapshot = state.load(loaded, store, at(date(2025, 3, 28), 17))
    whole = "".join(board.csv_chunks(snapshot.pairs))
    monkeypatch.setattr(board, "CSV_CHUNK_ROWS", 2)
    chunks = list(board.csv_chunks(snapshot.pairs))
    assert len(chunks) == len(snapshot.pairs) // 2 + 1
    assert "".join(chunks) == whole
    assert whole.startswith("\ufeff" + ",".join(board.CSV_COLUMNS))
    rows = list(csv.DictReader(io.StringIO(whole.removeprefix("\ufeff"))))
    assert [(r["task"], r["unit"], r["state"]) for r in rows] == [
        (p.task, p.unit, p.state) for p in snapshot.pairs
    ]
