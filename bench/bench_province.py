"""Benchmark: a province on PostgreSQL — 100 plans x 40 tasks x 30 units (3,000 units, every
task led by its plan's 30 units: 120,000 (task, unit) pairs) — a year simulated day by day:
each working day a dispatch pass at 08:05 (file outbox), then the day's acknowledgments (each
unit says "received" to what it was reminded of, and "done" to one task in three). Printed:
the time of each working day's pass (median, worst, total), the database size at the end,
then ``reminder status``, ``deliveries`` and ``digest`` as separate processes on that database,
each with its time and peak memory (targets: < 3 s and < 500 MB each), beside the baseline of
the same run: ``reminder check`` (loading and validating the province's config, which every
command does first); then a fresh worker's first pass on the next working day
(``bench_first_pass``: reading what a pass needs vs every delivery with its message). Then
the same records are copied into a TinyDB data directory and the three commands run again
there (TinyDB is for one agency; at a province's size it must finish, not meet the targets).

The PostgreSQL server is Debian's, in a temporary directory, with fsync on.
Run: .venv/bin/python -m bench.bench_province [--days N] [--no-tinydb]
     (N working days from 1 January, default 20; ``--days 250`` is the whole year)
"""

from __future__ import annotations

import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

import psycopg

from reminder import acks, config
from reminder.dispatch import Dispatcher
from reminder.schedule import LOCAL_TZ
from reminder.store import AckEvent, Delivery
from reminder.store.postgres import PostgresStore
from tests.conftest import ROOT
from tests.pgserver import PgServer

PLANS = 100
TASKS = 40
UNITS = 30


def write_province(target: Path) -> Path:
    """The province's config directory (plans, units, the shipped 2025 calendar)."""
    target.mkdir(parents=True)
    rng = random.Random(7)
    lines = []
    for p in range(PLANS):
        for u in range(UNITS):
            lines += [
                "[[units]]",
                f'id = "p{p:03d}-u{u:02d}"',
                f'name = "Đơn vị {u} của cơ quan {p}"',
                f'email = ["p{p:03d}u{u:02d}@tinh.example"]',
                "",
            ]
    (target / "units.toml").write_text("\n".join(lines), encoding="utf-8")
    for p in range(PLANS):
        units = ", ".join(f'"p{p:03d}-u{u:02d}"' for u in range(UNITS))
        out = [f'[plan]\ntitle = "Kế hoạch công tác năm 2025 của cơ quan {p}"\nyear = 2025\n']
        for t in range(TASKS):
            quarter = t % 4 + 1
            start = date(2025, 3 * quarter - 2, 1) + timedelta(days=rng.randrange(0, 40))
            due = min(start + timedelta(days=rng.randrange(10, 45)), date(2025, 12, 31))
            out += [
                "[[tasks]]",
                f'id = "T{t:02d}"',
                f"quarter = {quarter}",
                f'title = "Nhiệm vụ {t} của cơ quan {p}"',
                f"lead = [{units}]",
                f"start = {start.isoformat()}",
                f"due = {due.isoformat()}",
                "",
            ]
        (target / f"plan-2025-{p:03d}.toml").write_text("\n".join(out), encoding="utf-8")
    (target / "settings.toml").write_text(
        '[digest]\nto = ["chu-tich@tinh.example"]\n', encoding="utf-8"
    )
    calendar = ROOT / "config" / "calendar-2025.toml"
    (target / "calendar-2025.toml").write_bytes(calendar.read_bytes())
    return target


def simulate(cfg_dir: Path, url: str, data: Path, days: int | None) -> list[float]:
    """The year, day by day; the seconds of each working day's pass."""
    loaded = config.load(cfg_dir)
    store = PostgresStore(url, data)
    started = time.perf_counter()
    dispatcher = Dispatcher(loaded, store, secret="bench")
    print(f"schedule of {PLANS * TASKS * UNITS:,} pairs: {time.perf_counter() - started:.1f} s")
    rng = random.Random(11)
    times: list[float] = []
    day = date(2025, 1, 1)
    while day <= date(2025, 12, 31) and (days is None or len(times) < days):
        if loaded.calendar.is_working_day(day):
            at = datetime.combine(day, datetime.min.time(), tzinfo=LOCAL_TZ)
            start = time.perf_counter()
            report = dispatcher.run(at + timedelta(hours=8, minutes=5))
            times.append(time.perf_counter() - start)
            todays = [d for d in store.deliveries(f"{day:%Y-%m}") if d.day == day]
            store.add_acks(_acks(todays, at + timedelta(hours=10), rng))
            if len(times) % 25 == 0:
                print(
                    f"  {day:%d/%m}: pass {times[-1]:.2f} s, {len(report.sent)} sent",
                    flush=True,
                )
        day += timedelta(days=1)
    store.close()
    return times


def _acks(deliveries: list[Delivery], at: datetime, rng: random.Random) -> list[AckEvent]:
    """Each unit reminded today says "received" to each task, and "done" to one in three."""
    out = []
    for delivery in deliveries:
        for item in delivery.items:
            out.append(acks.ack_record(item.plan, item.task, item.unit, "received", at, "link"))
            if rng.random() < 1 / 3:
                done = at + timedelta(hours=2)
                out.append(acks.ack_record(item.plan, item.task, item.unit, "done", done, "link"))
    return out


# Runs argv[2:] and writes its peak RSS (KB) to the file argv[1]. The bench process holds the
# year's schedule (hundreds of MB); a child forked from it would report that copy as its own
# peak (Linux keeps the larger of the pre-exec and post-exec high-water marks), so commands are
# started from this small process instead.
_MEASURE = """
import os, subprocess, sys
proc = subprocess.Popen(sys.argv[2:], stdout=subprocess.DEVNULL)
_, status, usage = os.wait4(proc.pid, 0)
with open(sys.argv[1], "w") as out:
    out.write(str(usage.ru_maxrss))
sys.exit(os.waitstatus_to_exitcode(status))
"""


def command(cfg_dir: Path, data: Path | None, url: str, *args: str) -> tuple[float, float]:
    """Run ``reminder ARGS`` on the store (``url``: PostgreSQL; empty: TinyDB files in
    ``data``; None: a command without a store): (seconds, peak RSS of that process in MB)."""
    env = {**os.environ, "REMINDER_STORE_URL": url, "REMINDER_SECRET_KEY": "bench"}
    where = ["--config-dir", str(cfg_dir)] + (["--data-dir", str(data)] if data else [])
    with tempfile.NamedTemporaryFile("r", suffix=".rss") as rss:
        start = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-c", _MEASURE, rss.name, sys.executable, "-m", "reminder",
             *args, *where],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False,
        )  # fmt: skip
        elapsed = time.perf_counter() - start
        assert done.returncode == 0, done.stderr.decode()
        return elapsed, int(rss.read()) / 1024


COMMANDS = (
    ("status", "--now", "2025-12-31T17:00", "--format", "json"),
    ("deliveries", "--format", "json"),
    ("digest", "--now", "2025-12-31T17:00"),
)


def commands(label: str, cfg_dir: Path, data: Path, url: str, *, targets: bool) -> None:
    """The three commands on one store, beside the baseline ``check``."""
    base, base_rss = command(cfg_dir, None, url, "check")
    print(f"{label}: baseline reminder check (the config every command loads): {base:.2f} s,"
          f" {base_rss:.0f} MB")  # fmt: skip
    for args in COMMANDS:
        seconds, rss = command(cfg_dir, data, url, *args)
        verdict = ""
        if targets:
            ok = seconds < 3 and rss < 500
            verdict = f" (target < 3 s, < 500 MB: {'ok' if ok else 'MISSED'})"
        print(
            f"{label}: reminder {args[0]}: {seconds:.2f} s, {rss:.0f} MB,"
            f" {seconds / base:.1f}x check{verdict}",
            flush=True,
        )


def first_pass(cfg_dir: Path, url: str) -> None:
    """A fresh worker's first pass on the next working day after the simulated ones, beside
    the same pass reading every delivery (``bench_first_pass``)."""
    from bench import bench_first_pass

    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT max(day) FROM deliveries").fetchone()
    assert row is not None
    assert row[0] is not None
    calendar = config.load(cfg_dir).calendar
    day = row[0] + timedelta(days=1)
    while not calendar.is_working_day(day):
        day += timedelta(days=1)
    bench_first_pass.measure(url, cfg_dir, f"{day.isoformat()}T08:05:00+07:00")


def to_tinydb(url: str, data: Path) -> None:
    """Copy everything the database holds into TinyDB files in ``data``."""
    from reminder.store import copy
    from reminder.store.tinydb import TinyDBStore

    source = PostgresStore(url, data.with_name("pg-copy-data"))
    target = TinyDBStore(data)
    try:
        copy.copy(source, target)
    finally:
        target.close()
        source.close()


def main() -> None:
    days = int(sys.argv[sys.argv.index("--days") + 1]) if "--days" in sys.argv else 20
    root = Path(tempfile.mkdtemp(prefix="bench-province-"))
    cfg_dir = write_province(root / "config")
    with PgServer(durable=True) as server:
        url = server.url(server.create_database())
        times = simulate(cfg_dir, url, root / "data", days)
        with psycopg.connect(url) as conn:
            row = conn.execute(
                "SELECT pg_database_size(current_database()),"
                " (SELECT count(*) FROM deliveries), (SELECT count(*) FROM ack_events)"
            ).fetchone()
        assert row is not None
        size, deliveries, events = row
        print("--- bench_province: 100 plans x 40 tasks x 30 units on PostgreSQL ---")
        print(
            f"{len(times)} working days: pass median {statistics.median(times):.2f} s,"
            f" worst {max(times):.2f} s, total {sum(times):.0f} s"
        )
        print(
            f"at the end: {deliveries:,} deliveries, {events:,} ack events,"
            f" database {size / 1e6:.0f} MB"
        )
        commands("PostgreSQL", cfg_dir, root / "data", url, targets=True)
        first_pass(cfg_dir, url)
        if "--no-tinydb" not in sys.argv:
            started = time.perf_counter()
            to_tinydb(url, root / "tinydb")
            files = sum(f.stat().st_size for f in (root / "tinydb").glob("*") if f.is_file())
            print(
                f"copied into TinyDB in {time.perf_counter() - started:.0f} s:"
                f" {files / 1e6:.0f} MB of files"
            )
            commands("TinyDB", cfg_dir, root / "tinydb", "", targets=False)


if __name__ == "__main__":
    main()
