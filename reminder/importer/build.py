"""Building the plan: each raw task gets its period, its id and its units resolved.

A task's period is its time cell read in the context of the heading above it (a month, a
semester, a quarter); without a time cell, a deadline in its wording or the heading's period.
An unreadable time cell is a warning naming the cell, never a silent due date. Names become
unit ids through ``Resolver``; a task that ends with nobody to remind gets a warning.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from pathlib import Path

from reminder import timewords
from reminder.errors import PlanImportError, Problem
from reminder.importer.cells import split_column, split_roles
from reminder.importer.header import preamble_lines, read_header
from reminder.importer.layout import given_layout
from reminder.importer.model import Decision, ImportedTask, ImportResult, TaskEntry
from reminder.importer.read import read_document
from reminder.importer.resolve import Resolver
from reminder.importer.rows import parse_tasks, plan_tables
from reminder.names import NameIndex
from reminder.plan import quarter_window


def import_plan(
    path: Path,
    index: NameIndex,
    *,
    year: int | None = None,
    existing_ids: Iterable[str] = (),
    columns: str | None = None,
) -> ImportResult:
    """Read the plan in ``path``, resolving unit names against ``index`` (which grows with the
    units the import creates). ``columns`` ("stt,task,lead,support,time,note") maps columns by
    position. Raises ``PlanImportError`` when the document cannot be read as a plan."""
    if year is not None and not 2000 <= year <= 2100:
        raise PlanImportError(f"--year {year}: năm kế hoạch phải từ 2000 đến 2100")
    given = given_layout(columns) if columns else None
    document = read_document(path)
    first = plan_tables(document, given)[0][0]
    header = read_header(preamble_lines(document, first))
    plan_year = year or header.year
    if plan_year is None:
        raise PlanImportError(
            f"{path}: không tìm thấy năm của kế hoạch trong tiêu đề — chỉ rõ bằng --year 2026"
        )
    if not 2000 <= plan_year <= 2100:
        raise PlanImportError(
            f"{path}: năm kế hoạch đọc được là {plan_year} — chỉ rõ bằng --year 2026"
        )
    raw_tasks = parse_tasks(document, plan_year, given)
    if not raw_tasks:
        raise PlanImportError(f"{path}: bảng kế hoạch không có việc nào")
    resolver = Resolver(index, existing_ids, path)
    builder = _Builder(path, plan_year, resolver)
    tasks = [builder.task(raw) for raw in raw_tasks]
    return ImportResult(
        title=header.title,
        year=plan_year,
        issuer=header.issuer,
        tasks=tasks,
        new_units=resolver.new_units,
        warnings=[*builder.warnings, *resolver.warnings],
        source=path,
        decisions=[*builder.decisions, *resolver.decisions],
    )


class _Builder:
    """Turns raw tasks into plan entries, numbering them per quarter."""

    def __init__(self, path: Path, year: int, resolver: Resolver) -> None:
        self.path = path
        self.year = year
        self.resolver = resolver
        self.numbers: dict[int, set[int]] = {}
        self.warnings: list[Problem] = []
        self.decisions: list[Decision] = []

    def warn(self, raw: ImportedTask, task_id: str, message: str, hint: str | None) -> None:
        self.warnings.append(
            Problem("warning", message, file=self.path, line=raw.line, key=task_id, hint=hint)
        )

    def task(self, raw: ImportedTask) -> TaskEntry:
        when, unreadable = self._when(raw)
        quarter = raw.quarter or self._quarter_of(when)
        used = self.numbers.setdefault(quarter, set())
        number = raw.number if raw.number and raw.number not in used else max(used, default=0) + 1
        used.add(number)
        task_id = f"Q{quarter}-{number:02d}"
        if unreadable:
            fallback = (
                f"tạm dùng {when.start:%d/%m/%Y}–{when.due:%d/%m/%Y} của mục phía trên"
                if when
                else "chưa có hạn: tạm xếp theo quý"
            )
            self.warn(
                raw,
                task_id,
                f'không đọc được thời gian "{raw.time}" ({raw.cell_ref}, cột thời gian):'
                f" {fallback}",
                "ghi start/due (YYYY-MM-DD) cho việc này trong tệp kế hoạch",
            )
        elif raw.time and when is not None:
            self.decisions.append(Decision(task_id, "đọc thời gian", _when_text(raw.time, when)))
        if not raw.quarter and when is None:
            self.warn(
                raw,
                task_id,
                f"không rõ việc thuộc quý nào ({raw.cell_ref}): tạm xếp quý I",
                "sửa quarter trong tệp kế hoạch",
            )
        lead_names, support_names, guessed = self._roles(raw)
        if guessed:
            self.decisions.append(Decision(task_id, "đoán vai trò", guessed))
        where = Problem("warning", "", file=self.path, line=raw.line, key=task_id)
        lead = self.resolver.ids(lead_names, task_id, where)
        support = [u for u in self.resolver.ids(support_names, task_id, where) if u not in lead]
        unassigned = self.resolver.take_unassigned()
        entry: TaskEntry = {
            "id": task_id,
            "quarter": quarter,
            "title": raw.title,
            "lead": lead,
            "support": support,
        }
        if when is not None and self._explicit(raw, when):
            entry["start"], entry["due"] = when.start, when.due
            if when.milestones:
                entry["milestones"] = when.milestones
            if when.recurring:
                entry["recurring"] = when.recurring
        if raw.time:
            entry["time"] = raw.time
        if unassigned:
            entry["unassigned"] = unassigned
        if not lead and not support and not unassigned:
            self.warn(
                raw,
                task_id,
                f"việc không có đơn vị nào ({raw.cell_ref}): sẽ không ai được nhắc",
                "ghi mã đơn vị chủ trì vào lead",
            )
        elif not lead and not unassigned:
            self.warn(
                raw,
                task_id,
                f"việc không có đơn vị chủ trì ({raw.cell_ref})",
                "ghi mã đơn vị chủ trì vào lead",
            )
        return entry

    def _when(self, raw: ImportedTask) -> tuple[timewords.When | None, bool]:
        """The task's period and whether its time cell was unreadable."""
        within = raw.period
        if within is None and raw.quarter:
            start, end = quarter_window(self.year, raw.quarter)
            within = timewords.When.single(start, end)
        if raw.time:
            when = timewords.read(raw.time, self.year, within)
            if when is None:
                return raw.period, True
            return when, False
        deadline = timewords.deadline_in(raw.title, self.year)
        if deadline is not None:
            opens = within.start if within else date(self.year, 1, 1)
            return timewords.When.single(min(opens, deadline.replace(day=1)), deadline), False
        return raw.period, False

    def _explicit(self, raw: ImportedTask, when: timewords.When) -> bool:
        """Whether the period says more than the quarter the task is filed under."""
        if raw.time or when.recurring or len(when.windows) > 1 or raw.quarter == 0:
            return True
        return (when.start, when.due) != quarter_window(self.year, raw.quarter)

    def _quarter_of(self, when: timewords.When | None) -> int:
        if when is None:
            return 1
        if when.due.year > self.year:
            return 4  # due next January: the year's last quarter is where it is read
        if when.due.year < self.year:
            return 1
        return (when.due.month - 1) // 3 + 1

    def _roles(self, raw: ImportedTask) -> tuple[list[str], list[str], str]:
        lookup = self.resolver
        lead: list[str] = []
        support: list[str] = []
        guessed = ""
        if raw.cells["units"]:
            found = split_roles(raw.cells["units"], lookup)
            lead, support = found.lead, found.support
            guessed = found.guessed
        if raw.cells["lead"]:
            lead.extend(split_column(raw.cells["lead"], lookup))
        if raw.cells["support"]:
            support.extend(split_column(raw.cells["support"], lookup))
        return lead, support, guessed


def _when_text(time: str, when: timewords.When) -> str:
    parts = [f"{s:%d/%m/%Y}–{d:%d/%m/%Y}" for s, d in when.windows]
    text = f'"{time}" → ' + "; ".join(parts)
    if when.recurring:
        text += f" (nhắc {_RECURRING_LABELS[when.recurring]})"
    return text


_RECURRING_LABELS = {"ongoing": "thường xuyên", "monthly": "hằng tháng", "quarterly": "hằng quý"}
