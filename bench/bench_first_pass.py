"""Benchmark: the first dispatch pass of a freshly started worker on a database that holds a
year of deliveries (issue 11). A fresh worker knows nothing yet: its first pass reads what it
needs of past deliveries to know which occurrences they cover. Measured, each in a process of
its own (time and peak RSS): the pass as the program runs it (``Store.outbox_facts``: keys,
statuses, occurrences) and, as the baseline of the same run, the same pass reading every
delivery with its message (``Store.deliveries``, what the pass read before). Both passes are
dry runs (planned and rendered, nothing written or sent), so the database is left as it was
and the two plan the same messages (checked).

Run: .venv/bin/python -m bench.bench_first_pass --url postgresql://… --config-dir DIR
     [--now 2025-12-31T08:05]
(``bench_province`` runs it at the end of its simulated days.)
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

_MEASURE = """
import os, subprocess, sys
proc = subprocess.Popen(sys.argv[2:], stdout=subprocess.PIPE)
out = proc.stdout.read()
_, status, usage = os.wait4(proc.pid, 0)
sys.stdout.buffer.write(out)
with open(sys.argv[1], "w") as rss:
    rss.write(str(usage.ru_maxrss))
sys.exit(os.waitstatus_to_exitcode(status))
"""


def one(url: str, cfg_dir: Path, now: str, how: str) -> tuple[float, float, str]:
    """One fresh worker's dry-run pass in a process of its own: (seconds of the pass, peak
    RSS in MB, what it planned)."""
    with (
        tempfile.NamedTemporaryFile("r", suffix=".rss") as rss,
        tempfile.TemporaryDirectory() as d,
    ):
        done = subprocess.run(
            [sys.executable, "-c", _MEASURE, rss.name, sys.executable, "-m",
             "bench.bench_first_pass", "--child", how, url, str(cfg_dir), now, d],
            capture_output=True, check=False,
            env={**os.environ, "REMINDER_SECRET_KEY": "bench"},
        )  # fmt: skip
        assert done.returncode == 0, done.stderr.decode()
        seconds, planned = done.stdout.decode().split("\n", 1)
        return float(seconds), int(rss.read()) / 1024, planned


def child(how: str, url: str, cfg_dir: str, now: str, data: str) -> None:
    """In the measured process: load the config, open the store, build a dispatcher, then
    time its first pass (``how`` = "facts": as the program does; "whole": reading every
    delivery)."""
    from reminder import config
    from reminder.dispatch import Dispatcher
    from reminder.store.postgres import PostgresStore

    loaded = config.load(Path(cfg_dir))
    store = PostgresStore(url, Path(data))
    if how == "whole":
        store.outbox_facts = store.deliveries  # type: ignore[method-assign]
    dispatcher = Dispatcher(loaded, store, secret="bench")
    moment = datetime.fromisoformat(now)
    start = time.perf_counter()
    report = dispatcher.run(moment, dry_run=True)
    elapsed = time.perf_counter() - start
    store.close()
    planned = sorted(f"{m.key} {len(m.text)}" for m in report.planned)
    print(f"{elapsed:.3f}")
    print(f"{len(planned)} messages, held {report.held}, waiting {report.waiting}")
    print("\n".join(planned))


def measure(url: str, cfg_dir: Path, now: str) -> None:
    """Both passes, the figures and the ratio."""
    fast, fast_rss, fast_plan = one(url, cfg_dir, now, "facts")
    whole, whole_rss, whole_plan = one(url, cfg_dir, now, "whole")
    assert fast_plan == whole_plan, "the two passes planned different messages"
    print(f"--- bench_first_pass: a fresh worker's first pass at {now} (dry run) ---")
    print(f"planned: {fast_plan.splitlines()[0]}")
    print(f"reading what a pass needs (outbox_facts): {fast:.2f} s, peak {fast_rss:.0f} MB")
    print(f"baseline, reading every delivery (deliveries): {whole:.2f} s, peak {whole_rss:.0f} MB")
    print(f"ratio: {fast / whole:.2f} of the time, {fast_rss / whole_rss:.2f} of the memory")


def main() -> None:
    args = sys.argv[1:]
    if args[:1] == ["--child"]:
        child(*args[1:6])
        return
    url = args[args.index("--url") + 1]
    cfg_dir = Path(args[args.index("--config-dir") + 1])
    now = args[args.index("--now") + 1] if "--now" in args else "2025-12-31T08:05:00+07:00"
    if "+" not in now[10:]:
        now += "+07:00"
    measure(url, cfg_dir, now)


if __name__ == "__main__":
    main()
