"""Benchmark: the store reads of ``status`` and ``digest`` on a province's year (issue 11).

``Store.pair_deliveries`` and ``Store.latest_acks`` as of ``--now`` on a PostgreSQL database
holding a province's year (``bench.bench_province`` writes one; on the development machine,
``/work/scratch/province-db.sh copy NAME`` prints the URL of a copy). For each read, over
``--runs`` alternating runs, the medians of:

- the read: wall time, and CPU time of the reading thread (the client's share: with two
  cores, the command's critical path);
- the client's floor, measured in the same run: the same statement's rows fetched by psycopg
  and not decoded into records — the ratio is what building the records costs on top;
- the server: the statement's execution time (``EXPLAIN ANALYZE``); for ``latest_acks``
  beside the statement it ran before session 5 (the fields taken out of every event scanned,
  452,064 in a province's year, not only of the 120,000 kept) — ratio new / before.

Run: ``REMINDER_STORE_URL=postgresql://… .venv/bin/python -m bench.bench_reads
[--now 2025-12-31T17:00] [--runs 5]``
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import psycopg

from reminder.collector import collector_paused
from reminder.schedule import LOCAL_TZ
from reminder.store import EVERY
from reminder.store.postgres import PostgresStore
from reminder.store.postgres.acks import latest_acks_sql
from reminder.store.postgres.reading import STREAM_CHUNK, pair_deliveries_sql

#: ``latest_acks``'s statement as it was before session 5 (the server's baseline).
ACKS_BEFORE = """
    SELECT DISTINCT ON (plan, task, unit) plan, task, unit, record->>'state',
           record->>'at', record->>'source', record->>'by', record->>'note',
           record->>'recorded_utc', record->>'id'
    FROM ack_events
    WHERE at <= %(as_of)s
    ORDER BY plan, task, unit, at DESC, id DESC
    """


def _server_ms(conn: psycopg.Connection[Any], sql: str, params: dict[str, Any]) -> float:
    """The statement's execution time in the server."""
    plan = conn.execute("EXPLAIN (ANALYZE, TIMING OFF) " + sql, params).fetchall()
    found = re.search(r"Execution Time: ([\d.]+)", str(plan[-1][0]))
    assert found is not None, plan[-1]
    return float(found.group(1))


def _fetch(conn: psycopg.Connection[Any], sql: str, params: dict[str, Any]) -> float:
    """CPU seconds of this thread to fetch the statement's rows, decoding none."""
    begin = time.thread_time()
    with conn.cursor(binary=True) as cursor:
        for _ in cursor.stream(sql, params, size=STREAM_CHUNK):
            pass
    return time.thread_time() - begin


def _read(call: Callable[[], object]) -> tuple[float, float]:
    """Wall and this thread's CPU seconds of ``call``."""
    wall, cpu = time.perf_counter(), time.thread_time()
    call()
    return time.perf_counter() - wall, time.thread_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=os.environ.get("REMINDER_STORE_URL", ""))
    parser.add_argument("--now", default="2025-12-31T17:00")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    if not args.url:
        parser.error("--url or REMINDER_STORE_URL: a PostgreSQL database holding a year")
    now = datetime.fromisoformat(args.now).replace(tzinfo=LOCAL_TZ)
    store = PostgresStore(args.url, Path(tempfile.mkdtemp()))
    pd_sql, pd_params = pair_deliveries_sql(now, EVERY)
    ack_sql, ack_params = latest_acks_sql(now, EVERY)
    figures: dict[str, list[float]] = {}

    def note(name: str, value: float) -> None:
        figures.setdefault(name, []).append(value)

    with psycopg.connect(args.url, autocommit=True) as conn, collector_paused():
        for _ in range(args.runs):
            wall, cpu = _read(lambda: store.pair_deliveries(now, EVERY))
            note("pd wall", wall)
            note("pd cpu", cpu)
            note("pd floor", _fetch(conn, pd_sql, pd_params))
            note("pd server", _server_ms(conn, pd_sql, pd_params))
            wall, cpu = _read(lambda: store.latest_acks(now, EVERY))
            note("acks wall", wall)
            note("acks cpu", cpu)
            note("acks floor", _fetch(conn, ack_sql, ack_params))
            note("acks server", _server_ms(conn, ack_sql, ack_params))
            note("acks server before", _server_ms(conn, ACKS_BEFORE, {"as_of": now}))
    med = {name: statistics.median(values) for name, values in figures.items()}
    count = len(store.pair_deliveries(now, EVERY).items), len(store.latest_acks(now, EVERY))
    print(f"--- bench_reads ({args.runs} runs, medians, as of {args.now}) ---")
    for short, name, rows in (
        ("pd", "pair_deliveries", count[0]),
        ("acks", "latest_acks", count[1]),
    ):
        cpu, floor, server = med[f"{short} cpu"], med[f"{short} floor"], med[f"{short} server"]
        before = med.get(f"{short} server before")
        print(
            f"{name} ({rows:,} rows): wall {med[f'{short} wall']:.3f} s, client CPU {cpu:.3f} s"
            f" ({cpu / floor:.2f}x the bare fetch, {floor:.3f} s); server {server:.0f} ms"
            + ("" if before is None else f" ({server / before:.2f}x before, {before:.0f} ms)")
        )
    store.close()


if __name__ == "__main__":
    main()
