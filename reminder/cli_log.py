"""``reminder deliveries``: the delivery log, filtered in the store (days, unit, channel,
status), streamed.

JSON is built by the store from its stored form (``Store.delivery_log_json``) and written a
few thousand rows at a time, so a province's year (260,000 deliveries, 300 MB of JSON) is
never in memory as records or as one text. The table is drawn for up to ``TABLE_ROWS``
deliveries; beyond that each delivery is one tab-separated line (drawing measures every cell),
newest first as the table is.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from itertools import chain, islice
from typing import TYPE_CHECKING

import orjson

from reminder.collector import collector_paused
from reminder.errors import UsageError
from reminder.labels import DELIVERY_LABELS

if TYPE_CHECKING:
    from reminder.config import Config
    from reminder.store import DeliveryHead, LogQuery, Store
    from reminder.store.records import Json

#: Above this many deliveries the text format prints tab-separated lines, not a table.
TABLE_ROWS = 2000
#: JSON rows encoded before a write.
CHUNK = 2000
COLUMNS = ("Ngày", "Đơn vị", "Kênh", "Trạng thái", "Lần", "Lỗi gần nhất / nơi nhận")


def add_arguments(p: argparse.ArgumentParser, date_arg: Callable[[str], date]) -> None:
    """The options of ``deliveries`` (``date_arg``: the CLI's day parser)."""
    p.add_argument("--status", choices=("pending", "retry", "sent", "failed", "dead"))
    p.add_argument("--month", metavar="YYYY-MM")
    p.add_argument(
        "--since", type=date_arg, metavar="NGÀY", help="từ ngày (gồm ngày đó), ví dụ 2025-03-01"
    )
    p.add_argument(
        "--until", type=date_arg, metavar="NGÀY", help="đến ngày (gồm ngày đó), ví dụ 2025-03-31"
    )
    p.add_argument("--unit", metavar="ĐƠN_VỊ", help="chỉ thư gửi đơn vị này (mã hoặc tên)")
    p.add_argument("--channel", metavar="KÊNH", help="chỉ thư gửi qua kênh này (email, file, …)")
    p.add_argument("--format", choices=("table", "json"), default="table")


def query(args: argparse.Namespace, config: Config | None) -> LogQuery:
    """The deliveries the options ask for; ``UsageError`` naming a bad month, unit or
    channel. ``config`` is needed for ``--unit`` only."""
    from reminder import lookup
    from reminder.channels.registry import CHANNELS
    from reminder.store import LogQuery

    since: date | None = args.since
    until: date | None = args.until
    if args.month:
        first, last = LogQuery.month_days(lookup.month(args.month))
        since = first if since is None else max(since, first)
        until = last if until is None else min(until, last)
    if args.since and args.until and args.since > args.until:
        raise UsageError(
            f"--since {args.since:%d/%m/%Y} sau --until {args.until:%d/%m/%Y}: đổi chỗ hai ngày"
        )
    if args.channel and args.channel not in CHANNELS:
        raise UsageError(f"kênh không biết: {args.channel!r} — các kênh: {', '.join(CHANNELS)}")
    return LogQuery(
        since=since,
        until=until,
        recipient=lookup.unit(config, args.unit) if args.unit and config else None,
        channel=args.channel or None,
        status=args.status or None,
    )


def print_json(store: Store, wanted: LogQuery) -> None:
    """The log as a JSON list, the same text as ``print_json`` of the whole list (two-space
    indent): each chunk of rows is encoded as a list, whose text between its brackets is
    those rows as they stand in the whole list."""
    out = sys.stdout
    out.flush()
    raw = out.buffer
    rows = store.delivery_log_json(wanted)
    wrote = False
    with collector_paused():
        while batch := list(islice(rows, CHUNK)):
            text = orjson.dumps(batch, option=orjson.OPT_INDENT_2)  # b"[\n  {…},\n  {…}\n]"
            raw.write((b",\n" if wrote else b"[\n") + text[2:-2])
            wrote = True
    raw.write(b"\n]\n" if wrote else b"[]\n")
    raw.flush()


def print_text(store: Store, wanted: LogQuery) -> None:
    """The log newest first: a table up to ``TABLE_ROWS`` deliveries, tab-separated lines
    streamed as they are read beyond (from the log's JSON rows: nothing decoded); then the
    Zalo template messages (paid for) sent per month among them."""
    from reminder.channels.zalo.templates import NAME as ZNS
    from reminder.channels.zalo.templates import sent_by_month
    from reminder.store.records import delivery_head_from_json

    zns: list[DeliveryHead] = []

    def noting(rows: Iterable[Json]) -> Iterator[Json]:
        for row in rows:
            if row["channel"] == ZNS:
                zns.append(delivery_head_from_json(row))
            yield row

    rows = noting(store.delivery_log_json(wanted, newest_first=True))
    with collector_paused():
        first = list(islice(rows, TABLE_ROWS + 1))
        if len(first) <= TABLE_ROWS:
            from reminder import views

            views.print_deliveries([delivery_head_from_json(r) for r in first])
        else:
            _print_lines(first, rows)
    for month, n in sent_by_month(zns).items():
        print(f"Tin mẫu Zalo (tính phí) đã gửi tháng {month[5:]}/{month[:4]}: {n}")


def _print_lines(first: list[Json], rest: Iterator[Json]) -> None:
    """Every delivery (already newest first), one tab-separated line each (the table's
    columns), then how many there were."""
    out = sys.stdout
    out.write("Nhật ký gửi, mới nhất trước; mỗi dòng một thư, các cột cách nhau bằng dấu tab\n")
    out.write("\t".join(COLUMNS) + "\n")
    count = 0
    batch: list[str] = []
    for r in chain(first, rest):
        batch.append("\t".join(c.replace("\t", " ").replace("\n", " ") for c in _cells(r)))
        if len(batch) >= CHUNK:
            count += len(batch)
            out.write("\n".join(batch) + "\n")
            batch.clear()
    count += len(batch)
    if batch:
        out.write("\n".join(batch) + "\n")
    out.write(f"Tổng: {count} thư\n")


def _cells(r: Json) -> tuple[str, ...]:
    """A delivery's cells in the table (``views.print_deliveries``), from its log JSON row
    (``delivery_head_to_json``'s form: ISO day, error and receipt as objects)."""
    words = ""
    error, receipt = r["last_error"], r["receipt"]
    if error is not None:
        words = f"{error['message']} {error['detail'] or ''}".strip()
    elif r["channel"] == "zalo_bot" and receipt is not None:
        words = receipt["detail"]  # which chats got it, which failed for good
    day = r["day"]
    return (
        f"{day[8:10]}/{day[5:7]}/{day[:4]}",
        r["recipient"],
        r["channel"],
        DELIVERY_LABELS.get(str(r["status"]), str(r["status"])),
        str(r["attempts"]),
        words,
    )


def show(form: str, wanted: LogQuery, store: Store) -> int:
    """Print the deliveries ``wanted`` selects in ``form`` ("json" or "table")."""
    if form == "json":
        print_json(store, wanted)
    else:
        print_text(store, wanted)
    return 0
