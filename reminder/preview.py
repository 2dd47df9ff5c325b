"""``reminder preview``: the schedule as a table, JSON, CSV or an iCalendar file.

JSON and CSV rows are ``{"task", "unit", "role", "kind", "send_at", "due"}`` with ``send_at``
ISO-8601 in local time (``+07:00``) and ``due`` the effective due date. The table groups by day
and unit — what each unit will receive, one message a day. The iCalendar file has one all-day
event per (task, unit) on its effective due date, with an alarm at each before-due reminder.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from collections.abc import Sequence
from datetime import UTC, date, datetime
from itertools import groupby
from pathlib import Path
from typing import TYPE_CHECKING

from reminder.calendar import weekday_vi
from reminder.config import Config
from reminder.labels import KIND_LABELS
from reminder.plan import Directory, Plan
from reminder.schedule import ROLE_LABELS, Occurrence, occurrences

if TYPE_CHECKING:
    from reminder.adjust import Adjustments


def select(
    config: Config,
    start: date | None = None,
    end: date | None = None,
    unit: str | None = None,
    task: str | None = None,
    adjustments: Adjustments | None = None,
) -> list[Occurrence]:
    """The schedule of ``config`` filtered by range, unit (or group) and task, with the
    extensions and pauses of ``adjustments``."""
    plans = config.plans
    if start is None and end is None and plans:
        years = [p.year for p in plans]
        start, end = date(min(years), 1, 1), date(max(years) + 1, 12, 31)
    result = occurrences(
        plans, config.directory, config.settings.policy, config.calendar, start, end, adjustments
    )
    if unit is not None:
        units = set(config.directory.expand([unit]))
        result = [o for o in result if o.unit in units]
    if task is not None:
        result = [o for o in result if o.task == task]
    return result


def as_rows(items: Sequence[Occurrence]) -> list[dict[str, str]]:
    """The documented JSON/CSV shape."""
    return [
        {
            "task": o.task,
            "unit": o.unit,
            "role": o.role,
            "kind": o.kind,
            "send_at": o.send_at.isoformat(),
            "due": o.due.isoformat(),
        }
        for o in items
    ]


def to_csv(items: Sequence[Occurrence]) -> str:
    """CSV with a header row, same fields as JSON."""
    buffer = io.StringIO()
    writer = csv.DictWriter(
        buffer, fieldnames=["task", "unit", "role", "kind", "send_at", "due"], lineterminator="\n"
    )
    writer.writeheader()
    writer.writerows(as_rows(items))
    return buffer.getvalue()


def to_ics(items: Sequence[Occurrence], plans: Sequence[Plan], directory: Directory) -> bytes:
    """An RFC 5545 calendar: one all-day event per (task, unit) on its effective due date."""
    from icalendar import Alarm, Calendar, Event

    titles = {(p.id, t.id): t.title for p in plans for t in p.tasks}
    cal = Calendar()
    cal.add("prodid", "-//reminder//lich nhac viec//VI")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", "Hạn công việc theo kế hoạch")
    events: dict[tuple[str, str, str], tuple[Occurrence, list[Occurrence]]] = {}
    for occ in items:
        _, alarms = events.setdefault(occ.pair, (occ, []))
        if occ.kind == "before_due":
            alarms.append(occ)
    for (plan_id, task_id, unit), (occ, alarms) in sorted(events.items()):
        event = Event()
        event.add("uid", f"{plan_id}.{task_id}.{unit}@reminder")
        # DTSTAMP is derived from the data, not the clock, so the same schedule gives the
        # same file (feeds compare equal, tests are stable).
        event.add("dtstamp", datetime.combine(occ.due, datetime.min.time(), tzinfo=UTC))
        event.add("dtstart", occ.due)
        event.add("summary", f"Hạn {task_id}: {titles.get((plan_id, task_id), '')}")
        event.add(
            "description",
            f"Đơn vị: {directory.name_of(unit)} ({ROLE_LABELS[occ.role]}). "
            f"Hạn: {weekday_vi(occ.due)} {occ.due:%d/%m/%Y}.",
        )
        for before in alarms:
            alarm = Alarm()
            alarm.add("action", "DISPLAY")
            alarm.add("description", f"Sắp đến hạn {task_id}")
            # RFC 5545 §3.8.6.3: an absolute trigger is a UTC date-time.
            alarm.add("trigger", before.send_at.astimezone(UTC))
            event.add_component(alarm)
        cal.add_component(event)
    ical: bytes = cal.to_ical()
    return ical


def print_table(items: Sequence[Occurrence], config: Config) -> None:
    """Group by day and unit: what each unit receives in its one message of the day."""
    from rich.table import Table

    from reminder.views import console

    out = console()
    table = Table(title=f"Lịch nhắc việc ({len(items)} lượt nhắc)", show_lines=True)
    table.add_column("Ngày gửi", no_wrap=True)
    table.add_column("Đơn vị")
    table.add_column("Nội dung nhắc")
    for (day, unit), group in groupby(items, key=lambda o: (o.day, o.unit)):
        lines = [
            f"{o.task} ({ROLE_LABELS[o.role]}): {KIND_LABELS[o.kind]}, hạn {o.due:%d/%m/%Y}"
            for o in group
        ]
        table.add_row(
            f"{weekday_vi(day)}\n{day:%d/%m/%Y}",
            config.directory.name_of(unit),
            "\n".join(lines),
        )
    out.print(table)


def _adjustments(config: Config, args: argparse.Namespace) -> Adjustments | None:
    """Every extension and pause decided in the data directory, when there is one."""
    from reminder import adjust
    from reminder.keyed import Records
    from reminder.store import open_store

    data_dir = Path(args.data_dir) if getattr(args, "data_dir", None) else config.settings.data_dir
    if not data_dir.exists():
        return None
    store = open_store(config.settings, data_dir)
    return adjust.load(Records(store), datetime.max.replace(tzinfo=UTC))


def run(config: Config, args: argparse.Namespace) -> int:
    """The ``preview`` command."""
    items = select(config, args.start, args.end, args.unit, args.task, _adjustments(config, args))
    if args.format == "json":
        print(json.dumps(as_rows(items), ensure_ascii=False, indent=1))
    elif args.format == "csv":
        sys.stdout.write(to_csv(items))
    elif args.format == "ics":
        sys.stdout.buffer.write(to_ics(items, config.plans, config.directory))
    else:
        items = sorted(items, key=lambda o: (o.day, o.unit, o.send_at))
        print_table(items, config)
    return 0
