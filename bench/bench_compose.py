"""One unit's message with thousands of tasks (issue 12 item 15): composing must be linear.

Composes the day's message for one unit that leads N tasks all due that day, for N = 1,000 and
4,000, and prints the time of each and the ratio of time per task (4,000 against 1,000; linear
is about 1.0, quadratic about 4). Target: 4,000 tasks in one pass in under 2 s.

Run: ``.venv/bin/python -m bench.bench_compose``
"""

from __future__ import annotations

import tempfile
import time
from datetime import datetime
from pathlib import Path

from reminder import config
from reminder.dispatch import Dispatcher
from reminder.schedule import LOCAL_TZ
from reminder.store.tinydb import TinyDBStore
from tests.conftest import write_config

NOW = datetime(2025, 6, 30, 8, 5, tzinfo=LOCAL_TZ)


def one_pass(tasks: int, root: Path) -> float:
    """Seconds for a dispatch pass (plan, compose, outbox, send to the file outbox)."""
    units: list[dict[str, object]] = [{"id": "nv", "name": "Phòng Nội vụ"}]
    plan: list[dict[str, object]] = [
        {"id": f"Q2-{t:04d}", "quarter": 2, "title": f"Báo cáo số {t}", "lead": ["nv"]}
        for t in range(tasks)
    ]
    cfg = config.load(write_config(root / f"config-{tasks}", units, plan))
    dispatcher = Dispatcher(cfg, TinyDBStore(root / f"data-{tasks}"), secret="s")
    start = time.perf_counter()
    report = dispatcher.run(NOW)
    took = time.perf_counter() - start
    assert len(report.sent) == 1, report
    return took


def main() -> None:
    root = Path(tempfile.mkdtemp())
    small = one_pass(1000, root)
    large = one_pass(4000, root)
    print("--- bench_compose ---")
    print(f"1,000 tasks in one unit's message: {small:.2f} s")
    print(f"4,000 tasks in one unit's message: {large:.2f} s (target < 2 s)")
    print(f"time per task, 4,000 vs 1,000: {large / 4 / small:.2f} (linear ~1, quadratic ~4)")


if __name__ == "__main__":
    main()
