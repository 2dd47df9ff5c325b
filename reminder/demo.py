"""``reminder demo``: the reference plan played through its year in simulated time.

Every working day at 08:05 a dispatch pass writes that day's reminders into a file outbox (never
a real channel, whatever the settings say); units acknowledge as people do — most finish on
time, some late, some never answer (seeded, so every run tells the same story); each Monday's
digest is written next to the outbox. The summary says what happened and where the files are.
"""

from __future__ import annotations

import random
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path

from reminder import acks, digest
from reminder.channels.base import Channel
from reminder.channels.file import FileChannel
from reminder.config import Config
from reminder.dispatch import Dispatcher
from reminder.render import Renderer
from reminder.schedule import LOCAL_TZ, assignments, effective_due
from reminder.store import open_store


@dataclass
class DemoResult:
    """What the simulated year produced."""

    data_dir: Path
    messages: int = 0
    by_kind: Counter[str] = field(default_factory=Counter)
    acks: Counter[str] = field(default_factory=Counter)
    overdue_at_end: int = 0
    digests: list[Path] = field(default_factory=list)
    passes: int = 0


def _behaviour(config: Config, seed: int) -> dict[tuple[str, str, str], tuple[acks.AckState, date]]:
    """When each (task, unit) acknowledges: (state, day). Pairs left out never answer."""
    rng = random.Random(seed)
    cal = config.calendar
    plan_ack: dict[tuple[str, str, str], tuple[acks.AckState, date]] = {}
    for a in assignments(config.plans, config.directory):
        start, due = a.plan.window(a.task)
        eff = effective_due(cal, due)
        roll = rng.random()
        pair = (a.plan.id, a.task.id, a.unit)
        if roll < 0.6:  # on time
            days = cal.working_days_in(start, eff)
            plan_ack[pair] = ("done", rng.choice(days) if days else eff)
        elif roll < 0.85:  # late
            plan_ack[pair] = ("done", cal.add_working_days(eff, rng.randint(1, 15)))
        elif roll < 0.92:  # says "received", never "done"
            plan_ack[pair] = ("received", cal.next_working_day(start, inclusive=True))
    return plan_ack


def play(config: Config, data_dir: Path | None = None, seed: int = 2025) -> DemoResult:
    """Simulate the plans' year(s) into ``data_dir`` (a new temporary one by default)."""
    target = data_dir or Path(tempfile.mkdtemp(prefix="reminder-demo-"))
    # Always files in the demo's own directory, never the configured database.
    store = open_store(config.settings.model_copy(update={"store_url": ""}), target)
    channels: dict[str, Channel] = {"file": FileChannel(target / "outbox", config.settings.smtp)}
    dispatcher = Dispatcher(config, store, secret="demo-secret", channels=channels)
    renderer = Renderer(config.templates)
    behaviour = _behaviour(config, seed)
    result = DemoResult(data_dir=target)
    years = [p.year for p in config.plans]
    day, last = date(min(years), 1, 1), date(max(years), 12, 31)
    digests = target / "digests"
    digests.mkdir(parents=True, exist_ok=True)
    while day <= last:
        if day.weekday() == 0:  # Monday 07:30: the chair's digest
            built = digest.load(config, store, datetime.combine(day, time(7, 30), tzinfo=LOCAL_TZ))
            subject, text, html = digest.render(built, renderer)
            stem = digests / f"{day.isocalendar().year}-W{day.isocalendar().week:02d}"
            stem.with_suffix(".html").write_text(html, encoding="utf-8")
            stem.with_suffix(".txt").write_text(f"{subject}\n\n{text}", encoding="utf-8")
            result.digests.append(stem.with_suffix(".html"))
        if config.calendar.is_working_day(day):
            report = dispatcher.run(datetime.combine(day, time(8, 5), tzinfo=LOCAL_TZ))
            result.passes += 1
            result.messages += len(report.sent)
            events = [
                acks.ack_record(
                    p,
                    t,
                    u,
                    state,
                    datetime.combine(
                        day,
                        time(10, 0),
                        tzinfo=LOCAL_TZ,
                    ),
                    "demo",
                )
                for (p, t, u), (state, when) in behaviour.items()
                if when == day
            ]
            if events:
                store.add_acks(events)
                result.acks.update(e.kind for e in events)
        day += timedelta(days=1)
    for record in store.deliveries():
        result.by_kind.update(item.kind for item in record.items)
    end = datetime.combine(last, time(17, 0), tzinfo=LOCAL_TZ)
    result.overdue_at_end = digest.load(config, store, end).counts["overdue"]
    store.close()
    return result
