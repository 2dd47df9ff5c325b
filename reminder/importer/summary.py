"""What ``import-plan`` shows: tasks per quarter, the units named, the warnings; with
``--dry-run`` every task as understood, the decisions the importer was unsure of marked, and
the units and groups it would create with the nearest existing names."""

from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path

from rich.table import Table

from reminder.importer.model import Decision, ImportResult, TaskEntry
from reminder.views import console

_RECURRING = {"ongoing": "thường xuyên", "monthly": "hằng tháng", "quarterly": "hằng quý"}


def print_summary(result: ImportResult, target: Path, *, dry_run: bool = False) -> None:
    """Print the import's summary (and, dry, its every task and decision)."""
    out = console()
    per_quarter = Counter(task["quarter"] for task in result.tasks)
    out.print(f"[bold]{result.title}[/bold] → {target}", markup=True)
    out.print(f"Cơ quan ban hành: {result.issuer or '(không rõ)'}; năm {result.year}", markup=False)
    if dry_run:
        _print_tasks(result)
    summary = Table()
    summary.add_column("Quý")
    summary.add_column("Số việc", justify="right")
    for quarter in sorted(per_quarter):
        summary.add_row(f"Quý {quarter}", str(per_quarter[quarter]))
    summary.add_row("Tổng", str(len(result.tasks)))
    out.print(summary)

    lead = Counter(u for task in result.tasks for u in task["lead"])
    support = Counter(u for task in result.tasks for u in task["support"])
    new = {u.id: u for u in result.new_units}
    units = Table(title="Đơn vị trong kế hoạch")
    units.add_column("Mã")
    units.add_column("Chủ trì", justify="right")
    units.add_column("Phối hợp", justify="right")
    units.add_column("")
    for unit in sorted(set(lead) | set(support)):
        made = new.get(unit)
        label = ("nhóm mới" if made.group else "mới") if made else ""
        units.add_row(unit, str(lead[unit]), str(support[unit]), label)
    out.print(units)
    if result.new_units:
        created = Table(title="Sẽ tạo trong units.toml" if dry_run else "Đã tạo trong units.toml")
        created.add_column("Mã", no_wrap=True)
        created.add_column("Tên")
        created.add_column("Loại")
        created.add_column("Tên khác")
        created.add_column("Gần giống trong units.toml")
        for made in result.new_units:
            kind = "nhóm (cần ghi thành viên)" if made.group else (made.source or "đơn vị")
            created.add_row(
                made.id,
                made.name,
                kind,
                "; ".join(made.aliases) or "—",
                "; ".join(made.closest) or "—",
            )
        out.print(created)
    if result.warnings:
        out.print(f"[bold]{len(result.warnings)} cảnh báo:[/bold]")
        for problem in result.warnings:
            out.print("  " + problem.format(), markup=False)


def _print_tasks(result: ImportResult) -> None:
    out = console()
    unsure: dict[str, list[Decision]] = defaultdict(list)
    for decision in result.decisions:
        unsure[decision.task].append(decision)
    table = Table(
        title="Các việc như chương trình hiểu (? = chỗ chương trình đoán)", show_lines=True
    )
    table.add_column("Mã", no_wrap=True)
    table.add_column("Nội dung", ratio=3)
    table.add_column("Chủ trì", ratio=2)
    table.add_column("Phối hợp", ratio=2)
    table.add_column("Thời hạn", ratio=1)
    table.add_column("Đoán", ratio=2)
    for task in result.tasks:
        lead = ", ".join(task["lead"]) or "—"
        if task.get("unassigned"):
            lead += "; CẦN PHÂN CÔNG: " + "; ".join(task.get("unassigned", []))
        marks = unsure.get(task["id"], [])
        table.add_row(
            task["id"] + (" ?" if marks else ""),
            task["title"],
            lead,
            ", ".join(task["support"]) or "—",
            _period(task, result.year),
            "\n".join(f"? {d.kind}: {d.text}" for d in marks) or "",
        )
    out.print(table)


def _period(task: TaskEntry, year: int) -> str:
    if "due" not in task:
        return f"quý {task['quarter']}/{year}"
    dues = [*task.get("milestones", []), task["due"]]
    text = f"{task['start']:%d/%m/%Y} → " + ", ".join(f"{d:%d/%m/%Y}" for d in dues)
    if "recurring" in task:
        text += f" ({_RECURRING.get(task['recurring'], task['recurring'])})"
    return text
