"""Benchmark: resident memory of ``reminder run`` on the reference plan, after start-up and
after a simulated year (a data directory filled by the demo: a year of deliveries and acks,
the board and the metrics served from it). Target: under 120 MB.

Run: .venv/bin/python -m bench.bench_memory
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import httpx

from reminder import config
from reminder.demo import play
from tests.servers import free_port, wait_until

ROOT = Path(__file__).resolve().parent.parent


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def measure(data: Path, now: str, touch: bool) -> float:
    port = free_port()
    env = {
        **os.environ,
        "REMINDER_WEB__PORT": str(port),
        "REMINDER_SECRET_KEY": "bench",
        "REMINDER_WEB__BASE_URL": f"http://127.0.0.1:{port}",
    }
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "reminder",
            "run",
            "--config-dir",
            str(ROOT / "config"),
            "--data-dir",
            str(data),
            "--now",
            now,
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:

        def up() -> bool:
            try:
                return httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200
            except httpx.HTTPError:
                return False

        assert wait_until(up, 30)
        if touch:
            for path in ("/metrics", "/calendar/phong-noi-vu.ics?key=x", "/healthz"):
                httpx.get(f"http://127.0.0.1:{port}{path}")
        return rss_mb(proc.pid)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        fresh = measure(Path(tmp) / "fresh", "2025-01-02T09:00", touch=False)
        year = Path(tmp) / "year"
        play(config.load(ROOT / "config"), year)
        after = measure(year, "2025-12-31T09:00", touch=True)
    print("--- bench_memory ---")
    print(f"reminder run, reference plan, after start-up: {fresh:.0f} MB RSS (target < 120 MB)")
    print(f"after a simulated year (demo data, metrics served): {after:.0f} MB RSS")


if __name__ == "__main__":
    main()
