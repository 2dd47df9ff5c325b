"""What a keyed record written per event costs, and whether it grows with the records kept.

Some record kinds grow with traffic: the Zalo Bot's handled update ids (``zalo_update``, kept
``keep_updates_days`` = 30 days), its inbox (``zalo_inbox``: each message added, leased, marked
done, deleted), the bot's per-chat progress. At a province's 3,000 messages a day the handled
ids alone are ~90,000 records.

For each size N (default 1,000, 10,000, 50,000 handled ids already kept) this times, on a
fresh store:

- ``claim``: ``records.claim_update`` of a new update id (one insert-if-new), ``--events``
  times (default 500);
- ``inbox``: one bot message through the inbox's store work — ``receive`` (is it a handled
  id? insert-if-new), ``take`` (read, compare-and-set), ``finish`` (compare-and-set, claim
  the id, delete the entry) — ``--events`` / 5 times;

on the TinyDB store as it is (change logs folded by size), on the TinyDB store's earlier way
(``RewriteStore`` below: every write rewrote ``records-<kind>.json`` whole, as before the change
log — the very code it had, kept here as the baseline) and on PostgreSQL (a durable server
from ``tests/pgserver.py``), all in the same run. The TinyDB figure includes its folds: the
fold of the kind's file is timed at size N and spread over the writes that trigger one
(``keyed.fold_due``), and printed apart too.

Figures printed: µs per event for each store and size, and the ratio of TinyDB to its old way
(target: TinyDB's time at 50,000 within 2× of its time at 1,000, i.e. flat; and below the old
way at every size).

Run: ``.venv/bin/python -m bench.bench_keyed [--sizes 1000,10000,50000] [--events 500]
[--no-postgres]``
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import orjson
import psycopg

from reminder.channels.zalo import inbox, records
from reminder.channels.zalo.bot import BotUpdate
from reminder.schedule import LOCAL_TZ
from reminder.store import RecordKind, Store
from reminder.store.postgres import PostgresStore
from reminder.store.tinydb import TinyDBStore
from reminder.store.tinydb.keyed import records_file
from reminder.store.tinydb.keyedlog import fold_every
from tests.pgserver import PgServer

R = TypeVar("R")
AT = datetime(2025, 4, 2, 9, 0, tzinfo=LOCAL_TZ)
KEPT_AT = (AT - timedelta(days=1)).isoformat()


class RewriteStore(TinyDBStore):
    """The TinyDB store's keyed records as they were before the change log: each write a
    transaction that rewrites ``records-<kind>.json`` whole (the baseline)."""

    def get_record(self, kind: RecordKind[R], key: str) -> R | None:
        with self._disk.transaction(readonly=True) as tx:
            doc = tx.get(records_file(kind), "records", key)
            return None if doc is None else kind.from_json(doc.get("value"))

    def records(self, kind: RecordKind[R]) -> dict[str, R]:
        with self._disk.transaction(readonly=True) as tx:
            docs = tx.all(records_file(kind), "records")
            return {str(d["key"]): kind.from_json(d.get("value")) for d in docs}

    def put_record(self, kind: RecordKind[R], key: str, value: R) -> None:
        with self._disk.transaction() as tx:
            tx.upsert(records_file(kind), "records", key, {"value": kind.to_json(value)})

    def add_record(self, kind: RecordKind[R], key: str, value: R) -> bool:
        with self._disk.transaction() as tx:
            if tx.get(records_file(kind), "records", key) is not None:
                return False
            tx.insert_many(
                records_file(kind), "records", [{"key": key, "value": kind.to_json(value)}]
            )
            return True

    def replace_record(self, kind: RecordKind[R], key: str, expected: R, value: R) -> bool:
        with self._disk.transaction() as tx:
            doc = tx.get(records_file(kind), "records", key)
            if doc is None or kind.from_json(doc.get("value")) != expected:
                return False
            tx.upsert(records_file(kind), "records", key, {"value": kind.to_json(value)})
            return True

    def delete_record(self, kind: RecordKind[R], key: str) -> bool:
        with self._disk.transaction() as tx:
            if not tx.exists(records_file(kind)):
                return False
            return tx.remove(records_file(kind), "records", key)


def _kept_key(n: int) -> str:
    return f"{inbox.SOURCE}/old-{n}"


def fill_tinydb(data_dir: Path, kept: int) -> None:
    """``kept`` handled ids in ``records-zalo_update.json``, as a month of traffic leaves them
    (written in one go: the baseline would take hours to write them one by one)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    docs = {str(n + 1): {"key": _kept_key(n), "value": {"at": KEPT_AT}} for n in range(kept)}
    (data_dir / records_file(records.UPDATES)).write_bytes(orjson.dumps({"records": docs}))


def fill_postgres(url: str, kept: int) -> None:
    """The same ``kept`` handled ids in the ``records`` table, in one statement."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO records (kind, key, record) SELECT %s, %s || n, %s::jsonb"
            " FROM generate_series(0, %s) AS n",
            [
                records.UPDATES.name,
                f"{inbox.SOURCE}/old-",
                orjson.dumps({"at": KEPT_AT}).decode(),
                kept - 1,
            ],
        )


def _update(n: int) -> BotUpdate:
    return BotUpdate(f"m-{n}", f"chat-{n % 50}", "Cán bộ", "xong Q2-01", "PRIVATE")


def claims(store: Store, events: int) -> float:
    """µs per ``claim_update`` of a new id."""
    begin = time.perf_counter()
    for n in range(events):
        assert records.claim_update(store, inbox.SOURCE, f"new-{n}", AT)
    return (time.perf_counter() - begin) / events * 1e6


def inbox_cycles(store: Store, messages: int) -> float:
    """µs per message through receive -> take -> finish (the store's part of the handling)."""
    begin = time.perf_counter()
    for n in range(messages):
        update = _update(n)
        assert inbox.receive(store, update, AT)
        key = inbox.key_of(update.update_id)
        taken = inbox.take(store, key, "bench", AT)
        assert taken is not None
        assert inbox.finish(store, key, taken, AT)
    return (time.perf_counter() - begin) / messages * 1e6


def fold_share(store: Store, kind: RecordKind[Any]) -> tuple[float, float]:
    """(ms of one fold of ``kind`` as it stands, its share in µs per write: a fold comes once
    per ``fold_every(records)`` writes); (0, 0) for stores that do not fold."""
    if not isinstance(store, TinyDBStore) or isinstance(store, RewriteStore):
        return 0.0, 0.0
    begin = time.perf_counter()
    store.fold_records(kind)
    ms = (time.perf_counter() - begin) * 1e3
    return ms, ms * 1e3 / fold_every(len(store.records(kind)))


def fsync_floor(directory: Path, lines: int = 300) -> float:
    """µs to append one line to a file and fsync it (what any durable write costs here)."""
    path = directory / "floor.log"
    line = orjson.dumps({"op": "add", "key": "zalo_bot/m-1", "value": {"at": KEPT_AT}}) + b"\n"
    begin = time.perf_counter()
    for _ in range(lines):
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, line)
            os.fsync(fd)
        finally:
            os.close(fd)
    return (time.perf_counter() - begin) / lines * 1e6


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000,10000,50000")
    parser.add_argument("--events", type=int, default=500)
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    root = Path(tempfile.mkdtemp(prefix="bench-keyed-"))
    server = None if args.no_postgres else PgServer(durable=True).start()
    makers: dict[str, Callable[[str, int], Store]] = {
        "TinyDB": lambda label, kept: _tinydb(TinyDBStore, root / "new" / label, kept),
        "TinyDB old (rewrite per write)": lambda label, kept: _tinydb(
            RewriteStore, root / "old" / label, kept
        ),
    }
    if server is not None:
        makers["PostgreSQL"] = lambda label, kept: _postgres(server, root / "pg" / label, kept)
    print("--- bench_keyed ---")
    floor = fsync_floor(root)
    print(f"floor: one line appended and fsynced {floor:,.0f} µs", flush=True)
    results: dict[tuple[str, str, int], float] = {}
    try:
        for size in sizes:
            for name, make in makers.items():
                store = make(f"claim-{size}", size)
                claim = claims(store, args.events)
                fold_ms, share = fold_share(store, records.UPDATES)
                claim += share
                store.close()
                store = make(f"inbox-{size}", size)
                cycle = inbox_cycles(store, max(1, args.events // 5))
                # A cycle writes the handled ids once and the inbox four times (its file stays
                # small: folds of the inbox are cheap and already inside the figure).
                _, share = fold_share(store, records.UPDATES)
                cycle += share
                store.close()
                results[name, "claim", size] = claim
                results[name, "inbox", size] = cycle
                extra = f" (fold of the handled ids: {fold_ms:.0f} ms, spread)" if fold_ms else ""
                print(
                    f"{name}, {size:,} kept: claim {claim:,.0f} µs/event,"
                    f" inbox {cycle:,.0f} µs/message{extra}",
                    flush=True,
                )
    finally:
        if server is not None:
            server.stop()
    first, last = sizes[0], sizes[-1]
    for what in ("claim", "inbox"):
        new = [results["TinyDB", what, s] for s in sizes]
        old = [results["TinyDB old (rewrite per write)", what, s] for s in sizes]
        print(
            f"{what}: TinyDB {last:,}/{first:,} = {new[-1] / new[0]:.2f} (target <= 2;"
            f" {new[-1] / floor:.1f}× the fsync floor at {last:,});"
            f" old way {old[-1] / old[0]:.2f}; TinyDB/old at "
            + ", ".join(f"{s:,}: {n / o:.2f}" for s, n, o in zip(sizes, new, old, strict=True))
        )
        if server is not None:
            pg = [results["PostgreSQL", what, s] for s in sizes]
            pairs = zip(sizes, new, pg, strict=True)
            print(
                f"{what}: PostgreSQL {last:,}/{first:,} = {pg[-1] / pg[0]:.2f};"
                " TinyDB/PostgreSQL at " + ", ".join(f"{s:,}: {n / p:.2f}" for s, n, p in pairs)
            )


def _tinydb(cls: type[TinyDBStore], data_dir: Path, kept: int) -> Store:
    fill_tinydb(data_dir, kept)
    store = cls(data_dir)
    # What a running service has read already (the records, and the index of their keys that a
    # first lookup builds once per process).
    store.records(records.UPDATES)
    store.get_record(records.UPDATES, "warm-up")
    return store


def _postgres(server: PgServer, data_dir: Path, kept: int) -> Store:
    url = server.url(server.create_database())
    store = PostgresStore(url, data_dir)
    fill_postgres(url, kept)
    return store


if __name__ == "__main__":
    main()
