"""Benchmark: the two stores side by side, and PostgreSQL with several workers.

1. The same workload on TinyDB and on PostgreSQL, in one run: a dispatch pass for 2,000 units
   by email (SMTP sink in its own process), 20,000 outcomes recorded one by one, the same from
   4 threads at once (the email pool's senders), 500 acks from 50 threads at once, and a tick
   (a pass a minute later with nothing new due). Target: PostgreSQL within 2x of TinyDB on a
   single worker. Printed beside the outcomes, measured in the same run: the raw floor of one
   committed statement per outcome (a bare psycopg loop on the same server) and of one file
   append per outcome, so the reader sees what 2x would require.
2. Two workers (``reminder send-due`` processes, each with its own data dir) on one database
   against an SMTP sink that takes 30 ms per message, against one worker alone: messages per
   second while sending (the sink's first message to its last) and from the processes' start
   to their end. Target: >= 1.6x the messages per second, every unit's message exactly once.

The PostgreSQL server is Debian's, started in a temporary directory (as the tests do), with
the durability settings a real server has (fsync on).
Run: .venv/bin/python -m bench.bench_store [1|2]
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path

import orjson
import psycopg
from psycopg.types.json import Jsonb

from bench.bench_delivery import _messages, _server
from reminder import acks, config
from reminder.dispatch import Dispatcher
from reminder.schedule import LOCAL_TZ
from reminder.store import Delivery, Leaseholder, Outcome, Store
from reminder.store.postgres import PostgresStore
from reminder.store.tinydb import TinyDBStore
from tests.conftest import units_leading_one_task, write_config
from tests.pgserver import PgServer
from tests.servers import free_port, wait_until

NOW = datetime(2025, 4, 1, 8, 5, tzinfo=LOCAL_TZ)
PASS_UNITS = 2000
OUTCOMES = 20000
OUTCOME_THREADS = 4  # the email channel's pool (EmailChannel.send_all)
ACKS = 500
WORKER_UNITS = 1200
SLOW_SMTP_S = 0.03


def _timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def workload(make: Callable[[str], Store], smtp_port: int, root: Path) -> dict[str, float]:
    """The four parts of the single-worker workload on stores made by ``make(name)``."""
    figures: dict[str, float] = {}
    units, tasks = units_leading_one_task(PASS_UNITS)
    settings = f'[smtp]\nhost = "127.0.0.1"\nport = {smtp_port}\nsecurity = "none"\n'
    cfg = config.load(write_config(root / "config", units, tasks, settings))
    store = make("pass")
    dispatcher = Dispatcher(cfg, store, secret="s")  # builds the year's schedule (not timed)
    reports = []
    figures["pass"] = _timed(lambda: reports.append(dispatcher.run(NOW)))
    assert len(reports[0].sent) == PASS_UNITS, (len(reports[0].sent), reports[0].failed[:3])

    figures["tick"] = _timed(lambda: dispatcher.run(NOW + timedelta(minutes=1)))

    def ack_one(i: int) -> None:
        store.add_acks(
            [acks.ack_record("plan-2025", "Q2-01", f"u{i:04d}", "done", NOW, "link", by="bench")]
        )

    with ThreadPoolExecutor(max_workers=50) as pool:
        start = time.perf_counter()
        list(pool.map(ack_one, range(ACKS)))
        figures["acks"] = time.perf_counter() - start
    assert len(store.ack_events()) == ACKS
    store.close()

    figures["outcomes"] = record_outcomes(make("outcomes"), threads=1)
    figures["outcomes4"] = record_outcomes(make("outcomes4"), threads=OUTCOME_THREADS)
    return figures


def record_outcomes(store: Store, threads: int) -> float:
    """Seconds to record ``OUTCOMES`` outcomes on ``store`` (its deliveries written first, not
    timed), one by one from ``threads`` threads, each returning once its outcome is durable."""
    message = _messages(1)[0]
    store.add_deliveries(
        [
            Delivery(f"k{i}", f"u{i}", "email", NOW.date(), "pending", (), (), NOW, message=message)
            for i in range(OUTCOMES)
        ],
        Leaseholder("bench"),
        600,
    )

    def record(i: int) -> None:
        store.record_outcome(Outcome(f"k{i}", NOW.date(), "sent", NOW, 1, NOW))

    def record_all() -> None:
        if threads == 1:
            for i in range(OUTCOMES):
                record(i)
        else:
            with ThreadPoolExecutor(max_workers=threads) as pool:
                list(pool.map(record, range(OUTCOMES)))
        store.flush()

    took = _timed(record_all)
    assert {d.status for d in store.deliveries()} == {"sent"}
    store.close()
    return took


def raw_floor(server: PgServer, root: Path) -> dict[str, float]:
    """What one durable-on-return outcome costs at the least, on the same server and disk: a
    raw psycopg loop of autocommit ``UPDATE`` statements (``synchronous_commit`` off, as the
    store's outcomes) on a bare table, and a raw ``O_APPEND`` write of one JSON line per
    outcome (what the TinyDB journal does, without its encoding and checks)."""
    url = server.url(server.create_database())
    with psycopg.connect(url, autocommit=True, options="-c synchronous_commit=off") as conn:
        conn.execute("CREATE TABLE d (key text PRIMARY KEY, status text, outcome jsonb)")
        conn.execute(
            "INSERT INTO d SELECT 'k' || g, 'pending', '{}' FROM generate_series(0, %s) g",
            [OUTCOMES - 1],
        )
        patch = Jsonb({"status": "sent", "attempts": 1, "last_attempt_at": NOW.isoformat()})

        def update_all() -> None:
            for i in range(OUTCOMES):
                conn.execute(
                    "UPDATE d SET status = %s, outcome = %s WHERE key = %s",
                    ["sent", patch, f"k{i}"],
                )

        postgres = _timed(update_all)
    root.mkdir(parents=True, exist_ok=True)
    fd = os.open(root / "raw.log", os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)

    def append_all() -> None:
        for i in range(OUTCOMES):
            line = orjson.dumps(
                {"key": f"k{i}", "status": "sent", "at": NOW.isoformat()},
                option=orjson.OPT_APPEND_NEWLINE,
            )
            os.write(fd, line)

    try:
        append = _timed(append_all)
    finally:
        os.close(fd)
    return {"postgresql": postgres, "file": append}


def part_one(server: PgServer, root: Path) -> None:
    smtp, smtp_port = _server("smtp")
    try:
        results = {}
        for name in ("tinydb", "postgresql"):

            def make(label: str, name: str = name) -> Store:
                if name == "tinydb":
                    return TinyDBStore(root / name / label)
                return PostgresStore(server.url(server.create_database()), root / name / label)

            results[name] = workload(make, smtp_port, root / name)
    finally:
        smtp.terminate()
    floor = raw_floor(server, root / "raw")
    print("--- bench_store: the same workload on both stores (one worker) ---")
    labels = {
        "pass": f"dispatch pass, {PASS_UNITS} units by email",
        "outcomes": f"{OUTCOMES:,} outcomes recorded one by one",
        "outcomes4": f"{OUTCOMES:,} outcomes recorded by {OUTCOME_THREADS} threads at once",
        "acks": f"{ACKS} acks from 50 threads at once",
        "tick": "tick (a pass with nothing new due)",
    }
    for part, label in labels.items():
        tiny, pg = results["tinydb"][part], results["postgresql"][part]
        verdict = "ok" if pg <= 2 * tiny else "MISSED"
        print(
            f"{label}: TinyDB {tiny:.2f} s, PostgreSQL {pg:.2f} s -> {pg / tiny:.2f}x"
            f" (target <= 2x: {verdict})"
        )
        if part == "outcomes":
            raw_pg, raw_file = floor["postgresql"], floor["file"]
            print(
                f"  floor, {OUTCOMES:,} raw writes: psycopg autocommit UPDATE on a bare table"
                f" {raw_pg:.2f} s ({raw_pg / OUTCOMES * 1e6:.0f} us each), O_APPEND line"
                f" {raw_file:.2f} s ({raw_file / OUTCOMES * 1e6:.0f} us each) ->"
                f" {raw_pg / raw_file:.1f}x; our stores: {pg / OUTCOMES * 1e6:.0f} us vs"
                f" {tiny / OUTCOMES * 1e6:.0f} us (PostgreSQL {pg / raw_pg:.2f}x its raw loop)"
            )


def _workers(server: PgServer, root: Path, count: int) -> tuple[float, float, Counter[str]]:
    """``count`` send-due processes on one new database: seconds from their start to their
    end, seconds from the first message the sink took to the last, and the keys received."""
    url = server.url(server.create_database())
    root.mkdir(parents=True, exist_ok=True)
    log = root / f"received-{count}.log"
    port = free_port()
    sink = subprocess.Popen(
        [sys.executable, "-m", "bench.sinks", "smtp-slow", str(port), str(SLOW_SMTP_S), str(log)]
    )
    try:
        assert wait_until(lambda: _listening(port), 10)
        units, tasks = units_leading_one_task(WORKER_UNITS)
        settings = f'[smtp]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "none"\n'
        cfg = write_config(root / f"config-{count}", units, tasks, settings)
        env = {**os.environ, "REMINDER_SECRET_KEY": "k", "REMINDER_STORE_URL": url}
        # The schema exists before the clock starts (both workers would otherwise race to it).
        PostgresStore(url, root / "migrate").close()
        start = time.perf_counter()
        procs = [
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "reminder",
                    "send-due",
                    "--config-dir",
                    str(cfg),
                    "--data-dir",
                    str(root / f"data-{count}-{n}"),
                    "--now",
                    NOW.isoformat(),
                ],
                env=env,
                stdout=subprocess.DEVNULL,
            )
            for n in range(count)
        ]
        codes = [p.wait() for p in procs]
        elapsed = time.perf_counter() - start
        assert codes == [0] * count, codes
    finally:
        sink.terminate()
        sink.wait()
    lines = [line.split() for line in log.read_text(encoding="utf-8").splitlines()]
    times = [float(t) for _, t in lines]
    return elapsed, max(times) - min(times), Counter(key for key, _ in lines)


def _listening(port: int) -> bool:
    import socket

    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def part_two(server: PgServer, root: Path) -> None:
    one, one_sending, got_one = _workers(server, root, 1)
    two, two_sending, got_two = _workers(server, root, 2)
    expected = {f"u{i:04d}/email/{NOW.date().isoformat()}" for i in range(WORKER_UNITS)}
    for got in (got_one, got_two):
        assert set(got) == expected, len(set(got) ^ expected)
        assert set(got.values()) == {1}, got.most_common(3)
    # Messages per second while the workers send (the sink's first message to its last), and
    # from the processes' start to their end (start-up included: config, the year's schedule).
    rate_one, rate_two = WORKER_UNITS / one_sending, WORKER_UNITS / two_sending
    whole_one, whole_two = WORKER_UNITS / one, WORKER_UNITS / two
    verdict = "ok" if rate_two >= 1.6 * rate_one else "MISSED"
    print(f"--- bench_store: workers on PostgreSQL, SMTP sink {SLOW_SMTP_S * 1000:.0f} ms/msg ---")
    print(
        f"{WORKER_UNITS} units, sending: one worker {rate_one:.1f} msg/s ({one_sending:.1f} s),"
        f" two workers {rate_two:.1f} msg/s ({two_sending:.1f} s) -> {rate_two / rate_one:.2f}x"
        f" (target >= 1.6x: {verdict}); start to end: {whole_one:.1f} vs {whole_two:.1f} msg/s"
        f" ({one:.1f} s vs {two:.1f} s) -> {whole_two / whole_one:.2f}x; every unit exactly"
        " once in both runs"
    )


def main() -> None:
    parts = sys.argv[1:] or ["1", "2"]
    root = Path(tempfile.mkdtemp(prefix="bench-store-"))
    with PgServer(durable=True) as server:
        if "1" in parts:
            part_one(server, root / "one")
        if "2" in parts:
            part_two(server, root / "two")


if __name__ == "__main__":
    main()
