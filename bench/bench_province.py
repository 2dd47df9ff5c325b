"""Benchmark: a province on PostgreSQL — 100 plans x 40 tasks x 30 units (3,000 units, every
task led by its plan's 30 units: 120,000 (task, unit) pairs) — a year simulated day by day:
each working day a dispatch pass at 08:05 (file outbox), then the day's acknowledgments (each
unit says "received" to what it was reminded of, and "done" to one task in three). Printed:
the time of each working day's pass (median, worst, total), the database size at the end,
then ``reminder status``, ``deliveries`` and ``digest`` as separate processes on that database,
each with its time and peak memory (targets: < 3 s and < 500 MB each).

The PostgreSQL server is Debian's, in a temporary directory, with fsync on.
Run: .venv/bin/python -m bench.bench_province [--days N]   (N working days, default the year)
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


def command(cfg_dir: Path, data: Path, url: str, *args: str) -> tuple[float, float]:
    """Run ``reminder ARGS`` on the database: (seconds, peak RSS in MB)."""
    env = {**os.environ, "REMINDER_STORE_URL": url, "REMINDER_SECRET_KEY": "bench"}
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "reminder", *args, "--config-dir", str(cfg_dir),
         "--data-dir", str(data)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    if proc.stderr is not None:
        err = proc.stderr.read().decode()
        proc.stderr.close()
    assert os.waitstatus_to_exitcode(status) == 0, err
    return elapsed, usage.ru_maxrss / 1024


def main() -> None:
    days = int(sys.argv[sys.argv.index("--days") + 1]) if "--days" in sys.argv else None
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
        last = "2025-12-31T17:00"
        for args in (
            ("status", "--now", last, "--format", "json"),
            ("deliveries", "--format", "json"),
            ("digest", "--now", last),
        ):
            seconds, rss = command(cfg_dir, root / "data", url, *args)
            verdict = "ok" if seconds < 3 and rss < 500 else "MISSED"
            print(
                f"reminder {args[0]}: {seconds:.2f} s, {rss:.0f} MB"
                f" (target < 3 s, < 500 MB: {verdict})"
            )


if __name__ == "__main__":
    main()
