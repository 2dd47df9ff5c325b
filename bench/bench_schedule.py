"""Benchmark: a province-scale year's schedule, and the tick's question "what is due by now".

A generated plan: 1,334 tasks, each led by a group of 40 units and supported by 5 units —
60,000 (task, unit) pairs, about half a million occurrences. Measures:

- computing the whole year's schedule (target < 3 s);
- one tick's question with ``DueIndex`` (target < 50 ms): the first call (cold catch-up over
  everything passed), then a tick each minute over whole working days in March and in November,
  against the raw baseline that rescans the whole schedule each tick, measured in the same run.

Run: .venv/bin/python -m bench.bench_schedule
"""

from __future__ import annotations

import statistics
import sys
import time
from datetime import datetime, timedelta

from bench.generate import directory, plan
from reminder.calendar import WorkCalendar
from reminder.policy import Policy
from reminder.schedule import LOCAL_TZ, DueIndex, Occurrence, assignments, occurrences


def naive_due(schedule: list[Occurrence], now: datetime, delivered: set[str]) -> list[Occurrence]:
    """The definition, computed by scanning everything: the raw baseline."""
    latest: dict[tuple[str, str, str], Occurrence] = {}
    for occ in schedule:
        if occ.send_at <= now:
            latest[occ.pair] = occ
    return [o for o in latest.values() if o.key not in delivered]


def main() -> None:
    units = directory(units=3000, groups=60, group_size=40)
    the_plan = plan(1334, units, leads_per_task=40)
    pairs = len(assignments([the_plan], units))
    calendar = WorkCalendar()
    calendar.is_working_day(the_plan.tasks[0].due or datetime.now().date())  # warm the years

    start = time.perf_counter()
    schedule = occurrences([the_plan], units, Policy(), calendar)
    year_s = time.perf_counter() - start

    start = time.perf_counter()
    index = DueIndex(schedule)
    index_s = time.perf_counter() - start

    delivered: set[str] = set()

    def settled(o: Occurrence) -> bool:
        return o.key in delivered

    def ticks(day: datetime, minutes: int) -> list[float]:
        samples = []
        for m in range(minutes):
            now = day + timedelta(minutes=m)
            t0 = time.perf_counter()
            due = index.due(now, settled)
            samples.append(time.perf_counter() - t0)
            delivered.update(o.key for o in due)
        return samples

    first_now = datetime(2025, 3, 3, 7, 0, tzinfo=LOCAL_TZ)
    t0 = time.perf_counter()
    catch_up = index.due(first_now, settled)
    cold_s = time.perf_counter() - t0
    delivered.update(o.key for o in catch_up)
    march = ticks(first_now, 10 * 60)
    # Months pass without ticks (the service was down): one catch-up, then steady ticks again.
    jump = datetime(2025, 11, 3, 6, 0, tzinfo=LOCAL_TZ)
    t0 = time.perf_counter()
    delivered.update(o.key for o in index.due(jump, settled))
    jump_s = time.perf_counter() - t0
    november = ticks(jump + timedelta(hours=1), 10 * 60)

    base_samples = []
    for m in (59, 60, 61, 62, 63):  # around 08:00, when the day's reminders fall due
        now = datetime(2025, 11, 4, 7, 0, tzinfo=LOCAL_TZ) + timedelta(minutes=m)
        t0 = time.perf_counter()
        naive_due(schedule, now, delivered)
        base_samples.append(time.perf_counter() - t0)
    baseline = statistics.median(base_samples)
    steady = statistics.median(march + november)
    worst = max(march + november)

    out = sys.stdout
    print("--- bench_schedule ---", file=out)
    print(f"(task, unit) pairs: {pairs:,}; occurrences in the year: {len(schedule):,}", file=out)
    print(f"year's schedule: {year_s:.2f} s (target < 3 s); index build: {index_s:.2f} s", file=out)
    print(
        f"first tick (catch-up to 03/03, {len(catch_up):,} due): {cold_s * 1000:.0f} ms", file=out
    )
    print(
        f"tick every minute, 2 x 10 h: median {steady * 1e6:.0f} µs, worst {worst * 1000:.1f} ms"
        f" (target < 50 ms); March worst {max(march) * 1000:.1f} ms,"
        f" November worst {max(november) * 1000:.1f} ms (the 08:00 tick, when a day's"
        " reminders fall due, is the worst)",
        file=out,
    )
    print(f"catch-up after 8 months without ticks: {jump_s * 1000:.0f} ms", file=out)
    print(
        f"raw baseline (rescan the year each tick): {baseline * 1000:.0f} ms;"
        f" worst tick is {baseline / worst:.0f}x faster, median {baseline / steady:.0f}x",
        file=out,
    )


if __name__ == "__main__":
    main()
