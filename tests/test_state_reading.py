"""Issue 11: the state of a province is read from the records it depends on, not the year's
history — and it is the same state (every row identical to the computation over every
record), on both stores. Also what keeps ``status``, ``deliveries`` and ``digest`` small: heads
without message bodies, the digest's own reads, a subset of pairs for ``ack``."""

from __future__ import annotations

import io
import json
import sys
import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import psycopg
import pytest

from reminder import acks, adjust, config, digest, state
from reminder.cli_state import print_json, print_json_rows, print_json_with_rows
from reminder.dispatch import Dispatcher
from reminder.errors import StoreError
from reminder.keyed import Records
from reminder.labels import LOCAL_TZ
from reminder.render import Renderer
from reminder.store import Outcome, Pairs, SendError, Store, bearing, records
from reminder.store import schema as pg_schema
from reminder.store.postgres import PostgresStore
from reminder.store.postgres import reading as pg_reading
from reminder.store.records import RecordShapeError, delivery_to_json, head_of
from tests.conftest import CliResult, write_config
from tests.pgserver import PgServer

UNITS: list[dict[str, object]] = [
    {"id": "nv", "name": "Phòng Nội vụ", "email": ["nv@huyen.example"]},
    {"id": "tp", "name": "Phòng Tư pháp", "email": ["tp@huyen.example"]},
    {"id": "vh", "name": "Phòng Văn hóa", "email": ["vh@huyen.example"]},
    {"id": "hd", "name": "Hội đồng Thi đua – Khen thưởng", "email": ["hd@huyen.example"]},
]
TASKS: list[dict[str, object]] = [
    {
        "id": "T1",
        "quarter": 1,
        "title": "Việc một",
        "lead": ["nv", "vh"],
        "support": ["tp"],
        "start": date(2025, 3, 3),
        "due": date(2025, 3, 7),
    },
    {
        "id": "T2",
        "quarter": 1,
        "title": "Việc hai",
        "lead": ["tp"],
        "support": ["nv"],
        "start": date(2025, 3, 5),
        "due": date(2025, 3, 14),
    },
    {"id": "T3", "quarter": 2, "title": "Bầu đại biểu", "unassigned": ["Đại biểu được chọn"]},
    {"id": "T4", "quarter": 2, "title": "Việc quý hai", "lead": ["vh"]},
]
FIRST, LAST = date(2025, 3, 3), date(2025, 3, 28)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=LOCAL_TZ)


def filled(tmp_path: Path, store: Store) -> config.Config:
    """Four weeks of passes at 08:05 (the council ``hd`` told of late leads), with "received"
    answers, one "done", a reopening, and a message that failed for good."""
    loaded = config.load(write_config(tmp_path / "config", UNITS, TASKS, 'council = "hd"\n'))
    dispatcher = Dispatcher(loaded, store, secret="s")
    day = FIRST
    while day <= LAST:
        if loaded.calendar.is_working_day(day):
            dispatcher.run(at(day, 8, 5))
        day += timedelta(days=1)
    store.add_acks(
        [
            acks.ack_record("plan-2025", "T1", "nv", "received", at(date(2025, 3, 3), 10), "web"),
            acks.ack_record("plan-2025", "T1", "nv", "done", at(date(2025, 3, 12), 10), "web"),
            acks.ack_record("plan-2025", "T2", "tp", "done", at(date(2025, 3, 10), 9), "cli"),
            acks.ack_record("plan-2025", "T2", "tp", "reopen", at(date(2025, 3, 11), 9), "cli"),
            acks.ack_record("plan-2025", "T2", "nv", "received", at(date(2025, 3, 6), 9), "web"),
        ]
    )
    # The message to vh on 11/3 failed for good at 08:30.
    failed_day = date(2025, 3, 11)
    sent = next(d for d in store.deliveries() if d.recipient == "vh" and d.day == failed_day)
    moment = at(failed_day, 8, 30)
    error = SendError("550 hộp thư không tồn tại", "550", "no such user", True, moment)
    store.record_outcome(
        Outcome(sent.key, sent.day, "failed", moment, sent.attempts + 1, moment, error=error)
    )
    store.flush()
    return loaded


MOMENTS = [
    at(date(2025, 3, 3), 7),  # before anything
    at(date(2025, 3, 3), 8, 5),  # the first pass's moment: created, sent at once
    at(date(2025, 3, 11), 8, 20),  # the message to vh sent, failed only at 08:30
    at(date(2025, 3, 11), 17),
    at(date(2025, 3, 14), 17),
    at(date(2025, 3, 28), 17),
    at(date(2025, 12, 31), 17),
]
SUBSETS = [
    Pairs(),
    Pairs(plan="plan-2025"),
    Pairs(task="T1"),
    Pairs(units=frozenset({"vh"})),
    Pairs(plan="plan-2025", task="T2", units=frozenset({"nv"})),
    Pairs(plan="another-plan"),
]


def everything(loaded: config.Config, store: Store, as_of: datetime) -> state.Snapshot:
    """The computation over every record (what the board's state reads)."""
    events, deliveries = state.read_events(store)
    return state.compute(loaded, events, deliveries, as_of, adjust.load(Records(store), as_of))


def rows(snapshot: state.Snapshot) -> list[dict[str, Any]]:
    """The JSON rows of ``snapshot`` as read back from their text (dates as ISO text)."""
    parsed: list[dict[str, Any]] = json.loads(orjson.dumps([p.as_json() for p in snapshot.pairs]))
    return parsed


def test_state_from_what_it_depends_on_equals_state_from_every_record(
    tmp_path: Path, store: Store
) -> None:
    loaded = filled(tmp_path, store)
    all_deliveries = store.deliveries()
    assert any(i.kind == "escalation" for d in all_deliveries for i in d.items)
    assert any(d.status == "failed" for d in all_deliveries)
    for moment in MOMENTS:
        full = everything(loaded, store, moment)
        for pairs in SUBSETS:
            wanted = [r for r in rows(full) if (r["plan"], r["task"], r["unit"]) in pairs]
            if pairs.units is not None:
                wanted = [r for r in wanted if r["unit"] is not None]
            assert rows(state.load(loaded, store, moment, pairs)) == wanted, (moment, pairs)
    end = rows(state.load(loaded, store, at(LAST, 17)))
    assert {r["state"] for r in end} >= {"done", "overdue", "unassigned", "not_open"}
    assert any(r["council_told"] for r in end)
    failed = rows(state.load(loaded, store, at(date(2025, 3, 11), 17), Pairs(task="T1")))
    assert [r["unit"] for r in failed if r["last_delivery"]["status"] == "failed"] == ["vh"]


def sorted_reading(reading: records.PairDeliveries) -> records.PairDeliveries:
    """``reading`` with its items in one order (a store returns them in any)."""
    return records.PairDeliveries(sorted(reading.items), reading.marks)


def test_the_stores_choose_the_records_as_bearing_says(tmp_path: Path, store: Store) -> None:
    filled(tmp_path, store)
    heads = store.delivery_heads()
    assert heads == [head_of(d) for d in store.deliveries()]
    events = store.ack_events()
    for moment in MOMENTS:
        for pairs in SUBSETS:
            assert sorted_reading(store.pair_deliveries(moment, pairs)) == sorted_reading(
                bearing.pair_deliveries(heads, moment, pairs)
            ), (moment, pairs)
            latest = bearing.latest(events, moment, pairs)
            assert sorted(store.latest_acks(moment, pairs), key=lambda e: e.pair) == sorted(
                latest.values(), key=lambda e: e.pair
            )
    # What the state of the end of March reads is bounded by the pairs, not the history:
    # one item per pair carried, besides the escalations.
    end = at(LAST, 17)
    read = store.pair_deliveries(end)
    escalations = [(d.key, i) for d in heads for i in d.items if i.kind == "escalation"]
    carried = {(i.plan, i.task, i.unit) for d in heads for i in d.items if i.kind != "escalation"}
    assert escalations
    assert len(read.items) == len(carried) + len(escalations)
    assert len(read.marks) < len(heads)
    assert {i.kind for i in read.items} >= {"escalation", "overdue"}
    failed = next(d for d in heads if d.status == "failed")
    assert failed.last_error is not None
    that_day = store.pair_deliveries(at(failed.day, 17)).marks
    assert that_day[failed.key] == records.mark_of(failed)
    assert len(store.latest_acks(end)) == len({e.pair for e in events}) < len(events)


def test_the_streamed_reads_lose_nothing_at_the_edges_of_their_chunks(
    tmp_path: Path, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL streams ``pair_deliveries`` and ``latest_acks`` a chunk of rows at a time:
    with chunks of one and two rows, every row still arrives once, as ``bearing`` says."""
    if not isinstance(store, PostgresStore):
        pytest.skip("only the PostgreSQL store streams its reads")
    filled(tmp_path, store)
    heads, events = store.delivery_heads(), store.ack_events()
    end = at(LAST, 17)
    for size in (1, 2):
        monkeypatch.setattr(pg_reading, "STREAM_CHUNK", size)
        read = store.pair_deliveries(end)
        assert len(read.items) > 2 * size
        assert sorted_reading(read) == sorted_reading(bearing.pair_deliveries(heads, end))
        latest = sorted(store.latest_acks(end), key=lambda e: e.pair)
        assert len(latest) > size  # more than one chunk
        assert latest == sorted(bearing.latest(events, end).values(), key=lambda e: e.pair)


def test_the_last_delivery_of_a_pair_is_chosen_by_day_creation_then_key() -> None:
    """``bearing.pair_deliveries`` alone: ties in the order, and the items of one delivery."""
    base = records.DeliveryHead(
        key="nv/file/2025-03-03",
        recipient="nv",
        channel="file",
        day=date(2025, 3, 3),
        status="sent",
        occurrences=(),
        items=(records.DeliveryItem("p", "T1", "nv", "open", date(2025, 3, 7)),),
        created_at=at(date(2025, 3, 3), 8),
    )
    later_key = replace(base, key="nv/zalo_bot/2025-03-03")
    later_day = replace(
        base,
        key="nv/file/2025-03-04",
        day=date(2025, 3, 4),
        created_at=at(date(2025, 3, 3), 7),  # created before the first: the day counts first
        items=(
            records.DeliveryItem("p", "T1", "nv", "overdue", date(2025, 3, 7)),
            records.DeliveryItem("p", "T1", "nv", "due", date(2025, 3, 7)),
        ),
    )
    moment = at(date(2025, 3, 5), 17)
    for heads in ([base, later_key], [later_key, base]):
        assert bearing.pair_deliveries(heads, moment).items == [
            records.CarriedItem("p", "T1", "nv", "open", later_key.key)
        ]
    reading = bearing.pair_deliveries([later_day, base, later_key], moment)
    assert reading.items == [records.CarriedItem("p", "T1", "nv", "due", later_day.key)]
    assert list(reading.marks) == [later_day.key]
    before = bearing.pair_deliveries([later_day, base], at(date(2025, 3, 3), 7, 30))
    assert before.items == [records.CarriedItem("p", "T1", "nv", "due", later_day.key)]
    assert bearing.pair_deliveries([base], at(date(2025, 3, 3), 7)).items == []


def test_heads_by_month_since_and_channel(tmp_path: Path, store: Store) -> None:
    filled(tmp_path, store)
    every = store.delivery_heads()
    assert store.delivery_heads("2025-03") == [d for d in every if d.month == "2025-03"]
    assert store.delivery_heads("2025-04") == []
    since = date(2025, 3, 20)
    assert store.delivery_heads(since=since) == [d for d in every if d.day >= since]
    assert store.delivery_heads(channel="file") == every
    assert store.delivery_heads(channel="zalo_zns") == []
    assert list(store.each_delivery_head()) == every
    assert list(store.each_delivery_head("2025-03", since=since)) == [
        d for d in every if d.day >= since
    ]


def test_the_digest_reads_less_and_says_the_same(tmp_path: Path, store: Store) -> None:
    loaded = filled(tmp_path, store)
    for moment in (at(date(2025, 3, 17), 7, 30), at(date(2025, 3, 24), 7, 30)):
        built = digest.load(loaded, store, moment)
        reference = digest.build(loaded, everything(loaded, store, moment), store.deliveries())
        assert built.as_json() == reference.as_json()
        assert built.failed == reference.failed
        assert built.template_messages == reference.template_messages
        assert [(u.unit, u.tasks) for u in built.overdue_by_unit] == [
            (u.unit, u.tasks) for u in reference.overdue_by_unit
        ]
    assert digest.load(loaded, store, at(date(2025, 3, 17), 7, 30)).failed  # 11/3 is listed


def test_status_and_deliveries_json_are_the_documented_rows(
    tmp_path: Path, store: Store, cli: Callable[..., CliResult], monkeypatch: pytest.MonkeyPatch
) -> None:
    loaded = filled(tmp_path, store)
    if isinstance(store, PostgresStore):
        monkeypatch.setenv("REMINDER_STORE_URL", store.url)
    common = ["--config-dir", str(tmp_path / "config"), "--data-dir", str(store.data_dir)]
    moment = at(LAST, 17)
    code, out, _ = cli("status", "--now", "2025-03-28T17:00", "--format", "json", *common)
    assert code == 0
    assert json.loads(out) == rows(everything(loaded, store, moment))
    code, out, _ = cli("deliveries", "--format", "json", *common)
    assert code == 0
    expected = [delivery_to_json(d) for d in store.deliveries()]
    for record in expected:
        del record["message"]
    assert json.loads(out) == expected
    code, out, _ = cli("deliveries", "--format", "json", "--status", "failed", *common)
    assert [r["recipient"] for r in json.loads(out)] == ["vh"]


def test_ack_computes_only_its_pair(
    tmp_path: Path,
    store: Store,
    cli: Callable[..., CliResult],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    filled(tmp_path, store)
    if isinstance(store, PostgresStore):
        monkeypatch.setenv("REMINDER_STORE_URL", store.url)
    common = ["--config-dir", str(tmp_path / "config"), "--data-dir", str(store.data_dir)]
    computed: list[int] = []
    compute = state.compute

    def counting(*args: object, **kwargs: object) -> state.Snapshot:
        snapshot = compute(*args, **kwargs)  # type: ignore[arg-type]
        computed.append(len(snapshot.pairs))
        return snapshot

    monkeypatch.setattr(state, "compute", counting)
    code, out, _ = cli("ack", "T2", "tp", "--now", "2025-03-28T10:00", *common)
    assert code == 0, out
    assert out.rstrip().endswith("Tình trạng bây giờ: quá hạn.")
    assert computed == [1, 1]  # the pair checked, then its state after the ack: nothing else
    code, out, _ = cli("ack", "T4", "nv", "--now", "2025-03-28T10:00", *common)
    assert code == 2  # nv is not assigned T4: refused as before


# -- PostgreSQL: migrations 002 and 004 fill the heads and items of deliveries written before --


def test_migrations_002_and_004_backfill_heads_and_items(
    tmp_path: Path, pg_server: PgServer, pg_url: str
) -> None:
    store = PostgresStore(pg_url, tmp_path / "data")
    try:
        loaded = filled(tmp_path, store)
        expected_state = rows(state.load(loaded, store, at(LAST, 17)))
        expected_reading = sorted_reading(store.pair_deliveries(at(LAST, 17)))
        written = store.deliveries()
    finally:
        store.close()
    # The same records in a database at schema 1, as the program before 002 wrote them.
    old = pg_server.url(pg_server.create_database())
    with psycopg.connect(old, autocommit=True) as conn:
        first = pg_schema.migrations()[0]
        conn.execute(first.sql.encode())
        conn.execute(pg_schema._LEDGER)
        conn.execute("INSERT INTO schema_migrations VALUES (1, %s)", [first.name])
        with psycopg.connect(pg_url) as source:
            for table in ("deliveries", "ack_events", "records"):
                columns = "key, day, recipient, channel, status, next_attempt_at, created_at,"
                columns += " record"
                if table != "deliveries":
                    columns = {"ack_events": "plan, task, unit, at, record"}.get(
                        table, "kind, key, record"
                    )
                # Schema 1 kept a delivery's outcome inside its record (003 moved it out).
                selected = columns.replace("record", "record || outcome")
                if table != "deliveries":
                    selected = columns
                copied = source.execute(f"SELECT {selected} FROM {table}").fetchall()
                marks = ", ".join(["%s"] * len(columns.split(",")))
                with conn.cursor() as cur:
                    cur.executemany(
                        f"INSERT INTO {table} ({columns}) VALUES ({marks})",
                        [tuple(psycopg.types.json.Jsonb(v) if isinstance(v, dict) else v
                               for v in row) for row in copied],
                    )  # fmt: skip
    migrated = PostgresStore(old, tmp_path / "data2")
    try:
        assert migrated.delivery_heads() == [replace(head_of(d), lease=None) for d in written]
        assert rows(state.load(loaded, migrated, at(LAST, 17))) == expected_state
        # 004 rebuilt the items with their kinds: the same reading as the store written today.
        assert sorted_reading(migrated.pair_deliveries(at(LAST, 17))) == expected_reading
    finally:
        migrated.close()


def test_the_digest_message_shows_the_first_rows_of_long_lists_and_counts_the_rest(
    tmp_path: Path, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    loaded = filled(tmp_path, store)
    built = digest.load(loaded, store, at(date(2025, 3, 24), 7, 30))
    late_units = [u.unit for u in built.overdue_by_unit]
    assert len(late_units) == 3
    monkeypatch.setattr(digest, "SHOWN", 1)
    _, text, html = digest.render(built, Renderer())
    overdue = text.split("QUÁ HẠN:")[1].split("CHƯA XÁC NHẬN")[0]
    assert f"QUÁ HẠN: {built.counts['overdue']} lượt" in text  # the count stays whole
    assert [name for name in late_units if f"- {name}:" in overdue] == late_units[:1]
    assert "- … và 2 đơn vị khác: xem bảng theo dõi" in overdue
    assert "… và 2 đơn vị khác" in html
    progress = text.split("TIẾN ĐỘ THEO ĐƠN VỊ")[1]
    assert f"… và {len(built.progress) - 1} đơn vị khác (tiến độ cao hơn)" in progress


@pytest.mark.parametrize("count", [0, 1, 5, 7])
def test_json_rows_are_written_in_chunks_as_one_document(
    count: int, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = [
        {"task": f"T{i}", "note": "Đã nhận\nrồi", "ack": {"kind": "done"}} for i in range(count)
    ]
    print_json(rows)
    whole = capsys.readouterr().out
    print_json_rows(iter(rows), chunk=2)  # stdout writes UTF-8: its bytes written as they are
    assert capsys.readouterr().out == whole
    assert json.loads(whole) == rows
    text = io.StringIO()  # no byte stream: decoded
    monkeypatch.setattr(sys, "stdout", text)
    print_json_rows(iter(rows), chunk=3)
    assert text.getvalue() == whole


@pytest.mark.parametrize("count", [0, 1, 5, 7])
@pytest.mark.parametrize("head", [{}, {"as_of": "2025-03-28T17:00:00+07:00", "counts": {"a": 1}}])
def test_a_document_with_rows_is_written_in_chunks_as_one_document(
    count: int,
    head: dict[str, object],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rows = [
        {"task": f"T{i}", "due": date(2025, 3, i + 1), "ack": {"note": "Đã nhận\nrồi"}}
        for i in range(count)
    ]
    print_json({**head, "pairs": rows})
    whole = capsys.readouterr().out
    print_json_with_rows(head, "pairs", iter(rows), chunk=2)
    assert capsys.readouterr().out == whole
    assert json.loads(whole)["pairs"] == json.loads(orjson.dumps(rows))
    text = io.StringIO()  # no byte stream: decoded
    monkeypatch.setattr(sys, "stdout", text)
    print_json_with_rows(head, "pairs", iter(rows), chunk=3)
    assert text.getvalue() == whole


def test_the_quick_decoding_of_heads_gives_what_the_checked_one_gives(
    tmp_path: Path, store: Store
) -> None:
    filled(tmp_path, store)
    stored = [delivery_to_json(d) for d in store.deliveries()]
    leased = {**stored[0], "claim": {"host": "h", "pid": 7, "token": "t", "until": "2025-03-03"}}
    odd = [
        leased,
        {**stored[1], "items": [{"plan": "p", "task": "t", "due": "2025-03-07"}]},  # no unit
        {**stored[1], "receipt": "not an object", "attempts": None},
        {**stored[1], "day": "2025-03-07T00:00:00"},
    ]
    assert any(s["errors"] for s in stored)
    assert any(s["receipt"] for s in stored)
    for doc in [*stored, *odd]:
        assert records._head_fields(doc) == records._checked_head_fields(doc)
    bad: object
    for bad in ({**stored[0], "day": 7}, {**stored[0], "created_at": "hôm qua"}, []):
        with pytest.raises(RecordShapeError):
            records._head_fields(bad)


def test_a_long_status_table_is_printed_as_tab_separated_lines(
    tmp_path: Path,
    store: Store,
    cli: Callable[..., CliResult],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from reminder import views

    loaded = filled(tmp_path, store)
    if isinstance(store, PostgresStore):
        monkeypatch.setenv("REMINDER_STORE_URL", store.url)
    common = ["--config-dir", str(tmp_path / "config"), "--data-dir", str(store.data_dir)]
    code, drawn, _ = cli("status", "--now", "2025-03-28T17:00", *common)
    assert code == 0
    monkeypatch.setattr(views, "TABLE_ROWS", 2)
    code, out, _ = cli("status", "--now", "2025-03-28T17:00", *common)
    assert code == 0
    title, header, *lines = out.rstrip("\n").split("\n")
    assert title.startswith("Tình trạng lúc 28/03/2025 17:00")
    assert header.split("\t") == list(views.STATUS_COLUMNS)
    expected = everything(loaded, store, at(LAST, 17)).pairs
    assert [line.split("\t")[1] for line in lines] == [p.unit_name for p in expected]
    for line in lines:  # the same cells the drawn table shows
        assert line.split("\t")[4].split(" (")[0] in drawn


def test_an_event_or_a_delivery_read_field_by_field_is_the_one_read_whole(
    tmp_path: Path, store: Store
) -> None:
    filled(tmp_path, store)
    for event in store.ack_events():
        stored = records.ack_to_json(replace(event, id="zalo_bot/7/x", note="Đã gửi\nbáo cáo"))
        fields = [stored.get(f) for f in ("state", "at", "source", "by", "note")]
        columns = (*fields, stored["recorded_utc"], stored["id"])
        assert records.ack_from_columns(
            event.plan, event.task, event.unit, *columns
        ) == records.ack_from_json(stored)
    with pytest.raises(RecordShapeError, match="maybe"):
        records.ack_from_columns("p", "T1", "nv", "maybe", "2025-03-03T10:00:00+07:00", *[None] * 5)
    with pytest.raises(RecordShapeError, match="'at'"):
        records.ack_from_columns("p", "T1", "nv", "done", "hôm qua", *[None] * 5)
    head = store.delivery_heads()[0]
    stored = records.delivery_head_to_json(head)
    assert records.mark_from_columns(
        head.key,
        head.recipient,
        head.channel,
        head.day,
        head.created_at,
        stored["status"],
        str(stored["attempts"]),
        stored["last_attempt_at"],
        stored["sent_at"],
        stored["last_error"],
    ) == records.mark_of(head)
    with pytest.raises(RecordShapeError, match="gone"):
        records.mark_from_columns("k", "nv", "file", head.day, head.created_at, "gone",
                                  "1", None, None, None)  # fmt: skip


def test_status_and_digest_say_what_is_wrong_with_the_configuration_read_ahead_or_not(
    tmp_path: Path,
    store: Store,
    cli: Callable[..., CliResult],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The store is read while the plans load when the settings alone are valid: a broken
    plan is still reported as before (exit 2, file named), and so are broken settings (then
    nothing is read ahead) together with the plan."""
    filled(tmp_path, store)
    if isinstance(store, PostgresStore):
        monkeypatch.setenv("REMINDER_STORE_URL", store.url)
    common = ["--config-dir", str(tmp_path / "config"), "--data-dir", str(store.data_dir)]
    commands = (["status", "--format", "json"], ["digest"])
    code, out, _ = cli("status", "--now", "2025-03-28T17:00", "--format", "json", *common)
    assert code == 0
    assert json.loads(out)
    plan = tmp_path / "config" / "plan-2025.toml"
    plan.write_text(plan.read_text(encoding="utf-8") + "\n[[tasks]]\nid = \n", encoding="utf-8")
    for command in commands:
        code, out, err = cli(*command, "--now", "2025-03-28T17:00", *common)
        assert code == 2, (command, out, err)
        assert "plan-2025.toml" in out + err
    settings = tmp_path / "config" / "settings.toml"
    settings.write_text('council = "hd"\n[digest\n', encoding="utf-8")
    for command in commands:
        code, out, err = cli(*command, "--now", "2025-03-28T17:00", *common)
        assert code == 2, (command, out, err)
        assert "settings.toml" in out + err
        assert "plan-2025.toml" in out + err


def _raised_within(call: Callable[[], object], seconds: float = 60) -> BaseException | None:
    """What ``call()`` raised (None if nothing), run in a daemon thread so that a call that
    never returns fails the test instead of hanging the suite (the thread is left behind)."""
    outcome: list[BaseException | None] = []

    def run() -> None:
        try:
            call()
            outcome.append(None)
        except BaseException as exc:  # handed to the test
            outcome.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert outcome, f"still running after {seconds} s: a stream left holding its connection?"
    return outcome[0]


def test_a_stored_time_that_is_no_time_is_named_by_status_never_a_traceback(
    tmp_path: Path, store: Store, cli: Callable[..., CliResult], monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL hands ``latest_acks`` and ``pair_deliveries`` the stored text of an event's
    ``at`` and of a delivery's outcome times, parsed in the program: one that is no time stops
    the read with the field and the value named (``status``: exit 1, and what to do). The
    stream it stopped is closed: it held the connection, and the read hung for ever."""
    if not isinstance(store, PostgresStore):
        pytest.skip("the TinyDB store's records are checked whole (test_store_tinydb)")
    filled(tmp_path, store)
    monkeypatch.setenv("REMINDER_STORE_URL", store.url)
    common = ["--config-dir", str(tmp_path / "config"), "--data-dir", str(store.data_dir)]
    status = ("status", "--now", "2025-03-28T17:00", "--format", "json", *common)
    end = at(LAST, 17)
    with psycopg.connect(store.url, autocommit=True) as conn:
        # The event recorded last is the latest of its pair (the only one of T2/nv).
        last = "WHERE id = (SELECT max(id) FROM ack_events)"
        row = conn.execute(f"SELECT record->>'at' FROM ack_events {last}").fetchone()
        assert row is not None
        conn.execute(
            f"UPDATE ack_events SET record = jsonb_set(record, '{{at}}', '\"hôm qua\"') {last}"
        )
        raised = _raised_within(lambda: store.latest_acks(end))
        assert isinstance(raised, StoreError)
        assert "trường 'at' không phải thời điểm: 'hôm qua'" in str(raised)
        assert isinstance(_raised_within(lambda: store.latest_acks(end)), StoreError)  # again
        code, out, err = cli(*status)
        assert (code, out) == (1, "")
        assert "bản ghi sai dạng (trường 'at' không phải thời điểm: 'hôm qua')" in err
        assert "sao lưu" in err
        assert "Traceback" not in err
        restore = "UPDATE ack_events SET record = jsonb_set(record, '{at}', to_jsonb(%s::text))"
        conn.execute(f"{restore} {last}", [row[0]])
        assert cli(*status)[0] == 0
        # The deliveries of the last day are the last of their pairs.
        conn.execute(
            "UPDATE deliveries SET outcome = jsonb_set(outcome, '{sent_at}', '\"8 giờ\"')"
            " WHERE day = (SELECT max(day) FROM deliveries)"
        )
        raised = _raised_within(lambda: store.pair_deliveries(end))
        assert isinstance(raised, StoreError)
        assert "trường 'sent_at' không phải thời điểm: '8 giờ'" in str(raised)
        code, out, err = cli(*status)
    assert (code, out) == (1, "")
    assert "trường 'sent_at' không phải thời điểm: '8 giờ'" in err
    assert "Traceback" not in err
