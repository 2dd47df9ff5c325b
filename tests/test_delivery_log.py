"""Issue 11: ``reminder deliveries`` of a province's year. The store builds the log's JSON from
the stored form without decoding records (``store.deliverylog``), filtered in the store; the
text is byte for byte what decoding each record and encoding it back gave, on both stores."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import psycopg
import pytest

from reminder import cli_log
from reminder.channels.base import Receipt
from reminder.config import Config
from reminder.errors import StoreError
from reminder.store import Leaseholder, LogQuery, Outcome, SendError, Store, deliverylog
from reminder.store.postgres import PostgresStore
from reminder.store.records import (
    delivery_head_from_json,
    delivery_head_to_json,
    delivery_to_json,
    lease_from_json,
)
from tests.conftest import CliResult
from tests.helpers import pending_delivery
from tests.test_state_reading import filled

MOMENT = datetime(2025, 4, 1, 1, 30, tzinfo=UTC)


def encoded(rows: object) -> list[bytes]:
    """Each row as ``reminder deliveries`` encodes it (key order included)."""
    assert isinstance(rows, list)
    return [orjson.dumps(r, option=orjson.OPT_INDENT_2) for r in rows]


def todays(store: Store, query: LogQuery) -> list[bytes]:
    """The log as the command built it before: every head decoded, filtered, encoded back."""
    heads = store.each_delivery_head()
    return encoded([delivery_head_to_json(h) for h in heads if query.admits(h)])


def more_shapes(store: Store) -> None:
    """Deliveries of every outcome the log shows beside ``filled``'s: retried twice (errors
    kept), dead, sent by the Zalo Bot with a receipt, and one still leased to a pass."""
    holder = Leaseholder(owner="pass-1", host="may-chu", pid=42)
    retried = pending_delivery("nv", date(2025, 4, 1))
    dead = pending_delivery("tp", date(2025, 4, 1))
    bot = replace(pending_delivery("vh", date(2025, 4, 2)), channel="zalo_bot", key="vh/zb/x")
    leased = pending_delivery("hd", date(2025, 4, 2))
    # The same day and unit as ``bot``, written later: newest first keeps them by creation.
    second = pending_delivery("vh", date(2025, 4, 2), created=MOMENT + timedelta(hours=1))
    store.add_deliveries([retried, dead, bot, leased, second], holder, 600)
    for n, at in enumerate((MOMENT, MOMENT + timedelta(minutes=5)), start=1):
        error = SendError("421 bận", "421", "thử lại sau", False, at)
        later = at + timedelta(hours=1)
        store.record_outcome(
            Outcome(retried.key, retried.day, "retry", at, n, MOMENT, later, error=error)
        )
    error = SendError("hết giờ", None, None, False, MOMENT)
    store.record_outcome(Outcome(dead.key, dead.day, "dead", MOMENT, 9, MOMENT, error=error))
    receipt = Receipt("m-1", "đã gửi 2 chat; lỗi: chat-3")
    store.record_outcome(Outcome(bot.key, bot.day, "sent", MOMENT, 1, MOMENT, receipt=receipt))
    store.flush()


QUERIES = [
    LogQuery(),
    LogQuery(since=date(2025, 3, 11)),
    LogQuery(until=date(2025, 3, 11)),
    LogQuery(since=date(2025, 3, 10), until=date(2025, 3, 14), recipient="vh"),
    LogQuery(status="failed"),
    LogQuery(status="retry"),
    LogQuery(channel="zalo_bot"),
    LogQuery(*LogQuery.month_days("2025-04")),
]


def test_the_log_is_todays_text_byte_for_byte_on_both_stores(
    tmp_path: Path, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    filled(tmp_path, store)
    more_shapes(store)
    decoded: list[str] = []
    decoder = deliverylog._decoded

    def counting(stored: Any, lease: Any) -> Any:
        decoded.append(str(stored.get("key")))
        return decoder(stored, lease)

    monkeypatch.setattr(deliverylog, "_decoded", counting)
    for query in QUERIES:
        assert encoded(list(store.delivery_log_json(query))) == todays(store, query), query
        heads = [h for h in store.each_delivery_head() if query.admits(h)]
        assert list(store.delivery_log(query)) == heads
        newest = sorted(heads, key=lambda h: (h.day, h.recipient), reverse=True)
        assert list(store.delivery_log(query, newest_first=True)) == newest
    every = list(store.delivery_log_json(LogQuery()))
    assert len(every) > 30
    assert {r["status"] for r in every} == {"pending", "sent", "failed", "retry", "dead"}
    assert [r["claim"]["token"] for r in every if r["claim"]] == ["pass-1", "pass-1"]
    if isinstance(store, PostgresStore):
        # Only the records the fast path does not take (kept errors) went through the decoder.
        with_errors = {h.key for h in store.each_delivery_head() if h.errors}
        assert set(decoded) == with_errors
        assert len(with_errors) == 3


def test_records_of_other_shapes_read_as_the_decoder_reads_them(
    tmp_path: Path, pg_url: str
) -> None:
    store = PostgresStore(pg_url, tmp_path / "data")
    try:
        filled(tmp_path, store)
        with psycopg.connect(pg_url, autocommit=True) as conn:
            # Texts another writer (or a hand edit) may leave: times without an offset or with
            # "Z", a day with a time, a count as a string, an item due as a moment.
            conn.execute(
                """UPDATE deliveries SET record = record
                   || '{"created_at": "2025-03-03T08:05:00", "day": "2025-03-03T00:00:00"}'
                   || jsonb_build_object('items', jsonb_build_array(
                        (record->'items'->0) || '{"due": "2025-03-07T00:00:00+07:00"}'))
                   WHERE key = (SELECT min(key) FROM deliveries)"""
            )
            conn.execute(
                """UPDATE deliveries SET outcome = outcome
                   || '{"sent_at": "2025-03-04T01:05:00Z", "attempts": "2"}'
                   WHERE key = (SELECT max(key) FROM deliveries)"""
            )
            conn.execute(
                """UPDATE deliveries SET outcome = outcome || '{"attempts": true}'
                   WHERE key = (SELECT min(key) FROM deliveries WHERE recipient = 'tp')"""
            )
        assert encoded(list(store.delivery_log_json(LogQuery()))) == todays(store, LogQuery())
    finally:
        store.close()


@pytest.mark.parametrize(
    "change",
    [
        {},
        {"created_at": None},
        {"created_at": "2025-04-01T08:05:00.123456+07:00"},
        {"attempts": 0, "receipt": {"id": 7}},
        {"attempts": 2.0},
        {"day": "2025-04-01"},
        {"occurrences": ["a", 5]},
        {"last_error": {"message": "x", "code": 550, "at": "2025-04-01T01:00:00+00:00"}},
        {"claim": {"token": "t", "until": "2025-04-01T02:00:00+00:00", "host": "h", "pid": 3}},
        {"errors": [{"message": "x", "at": "2025-04-01T01:00:00+00:00", "permanent": True}]},
    ],
)
def test_log_json_agrees_with_the_decoder_on_each_shape(change: dict[str, Any]) -> None:
    stored: dict[str, Any] = delivery_to_json(pending_delivery("nv"))
    stored.update(change)
    stored["items"] = [{**i, "due": i["due"] + "T00:00"} for i in stored["items"]]
    for lease in (None, lease_from_json({"token": "p", "until": "2025-04-01T03:00:00+07:00"})):
        head = delivery_head_from_json(stored)
        expected = delivery_head_to_json(replace(head, lease=lease))
        got = deliverylog.log_json(stored, lease)
        assert orjson.dumps(got) == orjson.dumps(expected)


# -- the command ------------------------------------------------------------------------------


def run_filled(
    tmp_path: Path, store: Store, monkeypatch: pytest.MonkeyPatch
) -> tuple[Config, list[str]]:
    loaded = filled(tmp_path, store)
    more_shapes(store)
    if isinstance(store, PostgresStore):
        monkeypatch.setenv("REMINDER_STORE_URL", store.url)
    common = ["--config-dir", str(tmp_path / "config"), "--data-dir", str(store.data_dir)]
    return loaded, common


def test_deliveries_filters_in_the_store(
    tmp_path: Path, store: Store, cli: Callable[..., CliResult], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, common = run_filled(tmp_path, store, monkeypatch)
    every = [delivery_head_to_json(h) for h in store.each_delivery_head()]
    code, out, _ = cli("deliveries", "--format", "json", *common)
    assert code == 0
    assert (
        out.encode()
        == b"[\n  "
        + b",\n  ".join(
            orjson.dumps(r, option=orjson.OPT_INDENT_2).replace(b"\n", b"\n  ") for r in every
        )
        + b"\n]\n"
    )
    code, out, _ = cli(
        "deliveries", "--format", "json", "--since", "10/03/2025", "--until", "2025-03-14",
        "--unit", "Phòng Văn hóa", *common,
    )  # fmt: skip
    assert code == 0
    got = json.loads(out)
    assert got == [
        r for r in every if "2025-03-10" <= r["day"] <= "2025-03-14" and r["recipient"] == "vh"
    ]
    assert len(got) == 2
    code, out, _ = cli(
        "deliveries", "--format", "json", "--month", "2025-04", "--status", "sent", *common
    )
    assert [r["key"] for r in json.loads(out)] == ["vh/zb/x"]
    code, out, _ = cli("deliveries", "--format", "json", "--channel", "zalo_bot", *common)
    assert [r["key"] for r in json.loads(out)] == ["vh/zb/x"]
    code, out, _ = cli("deliveries", "--format", "json", "--month", "2025-05", *common)
    assert (code, out) == (0, "[]\n")


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--channel", "smtp"], "kênh không biết: 'smtp' — các kênh: email, zalo_bot"),
        (["--unit", "Phòng Tài chính"], "Phòng Tài chính"),
        (["--since", "2025-03-14", "--until", "2025-03-10"], "--since 14/03/2025 sau --until"),
        (["--month", "2025-13"], "tháng không hợp lệ: '2025-13'"),
    ],
)
def test_deliveries_names_what_is_wrong_with_its_options(
    tmp_path: Path, cli: Callable[..., CliResult], args: list[str], words: str
) -> None:
    from tests.conftest import write_config
    from tests.test_state_reading import TASKS, UNITS

    config_dir = write_config(tmp_path / "config", UNITS, TASKS)
    code, _, err = cli(
        "deliveries", *args, "--config-dir", str(config_dir), "--data-dir", str(tmp_path / "d")
    )
    assert code == 2
    assert words in err
    assert "Traceback" not in err


def test_a_long_log_is_printed_as_lines_newest_first(
    tmp_path: Path, store: Store, cli: Callable[..., CliResult], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, common = run_filled(tmp_path, store, monkeypatch)
    heads = list(store.each_delivery_head())
    code, table, _ = cli("deliveries", *common)
    assert code == 0
    assert f"Nhật ký gửi ({len(heads)} thư)" in table
    monkeypatch.setattr(cli_log, "TABLE_ROWS", 10)
    code, out, _ = cli("deliveries", *common)
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith("Nhật ký gửi, mới nhất trước; mỗi dòng một thư")
    assert lines[-1] == f"Tổng: {len(heads)} thư"
    rows = [line.split("\t") for line in lines[2:-1]]
    assert len(rows) == len(heads)
    newest = sorted(heads, key=lambda h: (h.day, h.recipient), reverse=True)
    assert [(r[0], r[1], r[2]) for r in rows] == [
        (f"{h.day:%d/%m/%Y}", h.recipient, h.channel) for h in newest
    ]
    labels = {"pending": "đang gửi", "retry": "chờ gửi lại", "sent": "đã gửi"}
    labels |= {"failed": "lỗi (không gửi lại)", "dead": "bỏ sau nhiều lần lỗi"}
    for row, h in zip(rows, newest, strict=True):
        assert row[3:5] == [labels[h.status], str(h.attempts)]
        if h.last_error is not None:
            assert row[5] == f"{h.last_error.message} {h.last_error.detail or ''}".strip()
    failed = next(r for r in rows if r[1] == "vh" and r[0] == "11/03/2025")
    assert failed[3:] == ["lỗi (không gửi lại)", "2", "550 hộp thư không tồn tại no such user"]
    bot = next(r for r in rows if r[2] == "zalo_bot")
    assert bot[5] == "đã gửi 2 chat; lỗi: chat-3"
    # The same rows the table draws.
    for h in newest[:5]:
        assert h.recipient in table


def test_prefetch_hands_over_in_order_raises_what_the_source_raised_and_stops_early() -> None:
    from reminder.store.postgres.prefetch import Prefetch

    def source(fail: bool, closed: list[bool]) -> Iterator[int]:
        try:
            yield from range(10)
            if fail:
                raise StoreError("máy chủ ngắt kết nối")
        finally:
            closed.append(True)

    closed: list[bool] = []
    with Prefetch(source(False, closed), ahead=2) as items:
        assert list(items) == list(range(10))
    assert closed == [True]
    with pytest.raises(StoreError, match="ngắt kết nối"), Prefetch(source(True, [])) as items:
        assert list(items) == []  # not reached: the error comes after the items
    closed = []
    with Prefetch(source(False, closed), ahead=1) as items:
        assert next(items) == 0
    assert closed == [True]  # leaving early closed the source (its transaction)
