"""What the CLI shows a person: plans, import summaries (rich tables) and JSON shapes."""

from __future__ import annotations

import os
import sys
from collections import Counter
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.table import Table

from reminder.plan import Directory, Plan

if TYPE_CHECKING:
    from pathlib import Path

    from reminder.config import Config
    from reminder.importer import ImportResult


def console(stderr: bool = False) -> Console:
    """A console that keeps tables whole when output goes to a file or a pipe."""
    stream = sys.stderr if stderr else sys.stdout
    width = None if stream.isatty() else int(os.environ.get("COLUMNS", "160"))
    return Console(file=stream, width=width, highlight=False, soft_wrap=False)


def plan_json(plan: Plan, directory: Directory) -> dict[str, Any]:
    """The documented JSON shape of a plan (dates as YYYY-MM-DD, windows filled in)."""
    tasks = []
    for task in plan.tasks:
        start, due = plan.window(task)
        tasks.append(
            {
                "id": task.id,
                "quarter": task.quarter,
                "title": task.title,
                "lead": [{"id": u, "name": directory.name_of(u)} for u in task.lead],
                "support": [{"id": u, "name": directory.name_of(u)} for u in task.support],
                "start": start.isoformat(),
                "due": due.isoformat(),
                "time": task.time,
            }
        )
    return {"plan": {"title": plan.title, "year": plan.year}, "tasks": tasks}


def print_plan_tables(config: Config) -> None:
    """Each plan as a table: id, task, lead, support, window."""
    out = console()
    for plan in config.plans:
        table = Table(title=f"{plan.title} ({plan.id}, {len(plan.tasks)} việc)", show_lines=True)
        table.add_column("Mã", no_wrap=True)
        table.add_column("Nội dung", ratio=3)
        table.add_column("Chủ trì", ratio=2)
        table.add_column("Phối hợp", ratio=2)
        table.add_column("Thời hạn", no_wrap=True)
        for task in plan.tasks:
            start, due = plan.window(task)
            lead = ", ".join(config.directory.name_of(u) for u in task.lead)
            if task.unassigned:
                lead = (
                    (lead + "; " if lead else "") + "CẦN PHÂN CÔNG: " + "; ".join(task.unassigned)
                )
            table.add_row(
                task.id,
                task.title,
                lead or "—",
                ", ".join(config.directory.name_of(u) for u in task.support) or "—",
                f"{start:%d/%m}–{due:%d/%m/%Y}",
            )
        out.print(table)


def print_import_summary(result: ImportResult, target: Path) -> None:
    """Tasks per quarter, units named, and the warnings of an import."""
    out = console()
    per_quarter = Counter(task["quarter"] for task in result.tasks)
    out.print(f"[bold]{result.title}[/bold] → {target}")
    summary = Table()
    summary.add_column("Quý")
    summary.add_column("Số việc", justify="right")
    for quarter in sorted(per_quarter):
        summary.add_row(f"Quý {quarter}", str(per_quarter[quarter]))
    summary.add_row("Tổng", str(len(result.tasks)))
    out.print(summary)

    lead = Counter(u for task in result.tasks for u in task["lead"])
    support = Counter(u for task in result.tasks for u in task["support"])
    new = {u.id for u in result.new_units}
    units = Table(title="Đơn vị trong kế hoạch")
    units.add_column("Mã")
    units.add_column("Chủ trì", justify="right")
    units.add_column("Phối hợp", justify="right")
    units.add_column("")
    for unit in sorted(set(lead) | set(support)):
        units.add_row(unit, str(lead[unit]), str(support[unit]), "mới" if unit in new else "")
    out.print(units)
    if result.warnings:
        out.print(f"[bold]{len(result.warnings)} cảnh báo:[/bold]")
        for problem in result.warnings:
            out.print("  " + problem.format(), markup=False)
