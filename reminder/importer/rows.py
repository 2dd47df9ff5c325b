"""From plan tables to raw tasks: headings set the period, numbered rows are tasks, a row
without a number continues the task above it (a row split across a page break), a header row
repeated on a new page is skipped, and a table continued without its header keeps the columns
of the one before."""

from __future__ import annotations

import re

from reminder import timewords
from reminder.errors import PlanImportError
from reminder.importer.cells import starts_item
from reminder.importer.layout import (
    COLUMNS_HELP,
    Layout,
    cell,
    find_layout,
    headers_found,
    heading,
    is_repeated_header,
    layout_from_columns,
)
from reminder.importer.model import Document, ImportedTask, Table


def plan_tables(document: Document, columns: dict[str, int] | None) -> list[tuple[int, Layout]]:
    """(table index, layout) of each plan table, in order."""
    found: list[tuple[int, Layout]] = []
    current: Layout | None = None
    for t, table in enumerate(document.tables):
        if not table.rows:
            continue
        layout: Layout | None
        if columns is not None:
            width = max(len(r) for r in table.rows)
            layout = (
                layout_from_columns(table.rows, columns) if width > max(columns.values()) else None
            )
            if layout is not None and width < 3:
                layout = None
        else:
            layout = find_layout(table.rows)
            if layout is None and current is not None and _continues(table, current):
                layout = Layout(current.columns, 0, current.width)
        if layout is not None:
            found.append((t, layout))
            current = layout
    if not found and not document.tables:
        raise PlanImportError(
            f"{document.path}: không tìm thấy bảng kế hoạch nào trong tệp (cần một bảng có dòng"
            ' tiêu đề với cột "Nội dung" và cột "Đơn vị thực hiện" hoặc "Chủ trì")'
        )
    if not found:
        raise PlanImportError(
            f"{document.path}: không nhận ra bảng kế hoạch (cần dòng tiêu đề có cột"
            ' "Nội dung" và cột "Đơn vị thực hiện", "Chủ trì" hoặc "Người phụ trách").'
            f" Tiêu đề tìm thấy: {headers_found(document.tables)}. Hãy {COLUMNS_HELP}"
        )
    return found


def _continues(table: Table, layout: Layout) -> bool:
    """A table with the previous plan table's width whose first row is a task or heading."""
    width = max(len(r) for r in table.rows)
    return width == layout.width and len(table.rows) >= 1


def parse_tasks(
    document: Document, year: int, columns: dict[str, int] | None = None
) -> list[ImportedTask]:
    """Tasks from every plan table of ``document``, in order, names not yet resolved."""
    tasks: list[ImportedTask] = []
    quarter: int | None = None
    period: timewords.When | None = None
    last: ImportedTask | None = None
    tables = document.tables
    for t, layout in plan_tables(document, columns):
        table = tables[t]
        cols = layout.columns
        for r in range(layout.header_rows, len(table.rows)):
            row = table.rows[r]
            if is_repeated_header(row, layout) or _column_numbers(row):
                continue
            numbered = r in table.numbered
            found = heading(row, cols, year) if not numbered else None
            if found is not None and found.is_heading:
                if found.period is not None:
                    period = found.period
                    quarter = found.quarter
                elif found.quarter is not None:
                    quarter, period = found.quarter, None
                last = None
                continue
            number_text = cell(row, cols.get("number")).strip()
            content = cell(row, cols["content"]).replace("\n", " ").strip()
            unit_cells = {k: cell(row, cols.get(k)) for k in ("units", "lead", "support")}
            time_text = cell(row, cols.get("time")).replace("\n", " ").strip()
            if not number_text and not numbered and last is not None and "number" in cols:
                _continue_row(last, content, unit_cells, time_text)
                continue
            if not content:
                continue
            m = re.match(r"\d+", number_text)
            line = table.lines.get(r)
            last = ImportedTask(
                quarter=quarter or 0,
                number=int(m.group()) if m else None,
                title=content,
                cells=unit_cells,
                time=time_text or None,
                line=line,
                period=period,
                cell_ref=f"dòng {line}" if line else f"bảng {t + 1}, hàng {r + 1}",
            )
            tasks.append(last)
    return tasks


def _column_numbers(row: list[str]) -> bool:
    """The row under a header that numbers the columns: "(1) | (2) | (3)" or "1 | 2 | 3"."""
    texts = [c.strip() for c in row if c.strip()]
    if len(texts) < 3:
        return False
    numbers = [re.fullmatch(r"\(?(\d{1,2})\)?", t) for t in texts]
    if not all(numbers):
        return False
    values = [int(m.group(1)) for m in numbers if m]
    return values == list(range(values[0], values[0] + len(values)))


def _continue_row(
    task: ImportedTask, content: str, unit_cells: dict[str, str], time_text: str
) -> None:
    """Append a row that continues ``task`` (split across a page break) to it."""
    if content:
        task.title = f"{task.title} {content}".strip()
    for key, text in unit_cells.items():
        if text and text != task.cells[key]:
            task.cells[key] = _join_continued(task.cells[key], text)
    if time_text and time_text != task.time:
        task.time = f"{task.time or ''} {time_text}".strip()


def _join_continued(before: str, after: str) -> str:
    # A continued line that starts a new item keeps its own line; otherwise the words after the
    # break finish the last item ("Văn phòng HĐND&UBND" + "huyện phối hợp").
    if not before:
        return after
    bullet = after.lstrip()[:1] in "-+•*"
    # "Phòng Văn hóa" + "- Xã hội": a dash after the break is a bullet only in a bullet list.
    if starts_item(after) and (not bullet or before.lstrip()[:1] in "-+•*"):
        return before + "\n" + after
    return before + " " + after
