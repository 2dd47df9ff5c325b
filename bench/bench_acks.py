"""Acknowledgments must cost the same however many are stored (issue 12 item 14).

An ack POST records one event and reads back that pair's history (to say the resulting
state). This measures that store work — ``add_acks`` of one event, then ``ack_events`` of its
pair — 12,000 times in a row (so one fold of the log into ``acks.json`` is included) on a
TinyDB store already holding 0, 10,000 and 100,000 events, and prints acks per second and
the ratio of 100,000 to 0 (target >= 0.8). Before the append-only log every ack rewrote and
fsynced the whole ``acks.json``: 99 pairs/s empty, 2.6 at 100k.

Run: ``.venv/bin/python -m bench.bench_acks``
"""

from __future__ import annotations

import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from reminder.store import AckEvent
from reminder.store.tinydb import TinyDBStore

AT = datetime(2025, 4, 1, 8, 0, tzinfo=UTC)
POSTS = 12_000  # more than FOLD_AT: a fold is part of the cost


def throughput(stored: int, root: Path) -> float:
    """Acks per second with ``stored`` events already in the store."""
    store = TinyDBStore(root / f"data-{stored}")
    for start in range(0, stored, 10_000):
        batch = range(start, min(stored, start + 10_000))
        store.add_acks([AckEvent("p", f"T{i % 400}", f"u{i}", "done", AT, "bench") for i in batch])
    store.ack_events()  # what a running service has already read
    begin = time.perf_counter()
    for n in range(POSTS):
        event = AckEvent("p", "Q2-01", f"new{n}", "received", AT, "link", note="đã nhận")
        store.add_acks([event])
        assert store.ack_events(pair=event.pair)[-1].unit == event.unit
    return POSTS / (time.perf_counter() - begin)


def main() -> None:
    root = Path(tempfile.mkdtemp())
    empty = throughput(0, root)
    ten = throughput(10_000, root)
    hundred = throughput(100_000, root)
    print("--- bench_acks ---")
    print(f"ack (record + read its pair) with 0 stored: {empty:.0f}/s")
    print(f"with 10,000 stored: {ten:.0f}/s ({ten / empty:.2f} of empty)")
    print(f"with 100,000 stored: {hundred:.0f}/s ({hundred / empty:.2f} of empty, target >= 0.8)")


if __name__ == "__main__":
    main()
