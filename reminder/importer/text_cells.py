"""LibreOffice's plain-text export of a Word table: every cell paragraph on a line of its own,
an empty cell as an empty line, nothing between rows.

The header is a run of lines that are each a column name ("STT", "Nội dung", "Chủ trì" …); it
gives the number of columns. A row starts at a line holding only a task number or a roman
numeral (or a period heading such as "QUÝ II"); the lines up to the next row start are its
cells. When a row has more lines than cells, the extra lines belong to the unit columns (the
cells that hold lists); the title, time and note cells take one line each.
"""

from __future__ import annotations

import re
from pathlib import Path

from reminder.importer.layout import column_kind
from reminder.importer.model import Document, Row, Table
from reminder.importer.read import clean_text
from reminder.names import fold

_ROW_START = re.compile(r"^(\d{1,3}|[IVX]{1,4}|[a-dA-D])[.)]?$")
_PERIOD_START = re.compile(r"^(quy|thang|hoc ky|6 thang|sau thang)\b")
_END = re.compile(r"^(noi nhan|tm\.|t/m|kt\.|to chuc thuc hien)")
_LIST_KINDS = {"lead", "support", "units"}


def cells_per_line(lines: list[str], path: Path) -> Document | None:
    """The document read as a one-cell-per-line export, or None if it is not one."""
    texts = [clean_text(line).replace("\n", " ") for line in lines]
    header = _header(texts, 0)
    if header is None:
        return None
    start, kinds = header
    blocks: list[str | Table] = [t for t in texts[:start] if t]
    width = len(kinds)
    table = Table(rows=[texts[start : start + width]])
    blocks.append(table)
    i = start + width
    chunk: list[str] = []
    chunk_line = 0
    while i < len(texts):
        text = texts[i]
        if text and _END.match(fold(text)):
            break
        again = _header(texts, i)
        if again is not None and again[0] == i and len(again[1]) == width:
            i += width  # the header repeated on a new page
            continue
        if text and (_ROW_START.match(text) or _heading_line(text)):
            if chunk:
                _add_row(table, chunk, kinds, chunk_line)
            chunk, chunk_line = [text], i + 1
        elif chunk:
            chunk.append(text)
        i += 1
    if chunk:
        _add_row(table, chunk, kinds, chunk_line, last=True)
    blocks.extend(t for t in texts[i:] if t)
    return Document(path=path, blocks=blocks) if table.rows else None


def _header(texts: list[str], begin: int) -> tuple[int, list[str | None]] | None:
    """(first line, column kinds) of the first run of >= 3 column names from ``begin``."""
    i = begin
    while i < len(texts):
        run: list[str | None] = []
        j = i
        while j < len(texts) and texts[j] and (kind := column_kind(texts[j])) is not None:
            run.append(kind)
            j += 1
        if len(run) >= 3 and "content" in run and ({"lead", "units"} & set(run)):
            return i, run
        if begin == i and begin > 0:
            return None  # looking for a repeated header exactly here
        i = max(j, i + 1)
    return None


def _heading_line(text: str) -> bool:
    """A period heading merged across the row ("QUÝ II", "THÁNG 3"): capitals, not a time cell."""
    letters = [c for c in text if c.isalpha()]
    return bool(_PERIOD_START.match(fold(text))) and all(c.isupper() for c in letters)


def _add_row(
    table: Table, chunk: list[str], kinds: list[str | None], line: int, *, last: bool = False
) -> None:
    width = len(kinds)
    if _heading_line(chunk[0]) and not _ROW_START.match(chunk[0]):
        chunk = ["", *chunk]  # a heading merged across the row: no number cell
    while last and len(chunk) > width and not chunk[-1]:
        chunk.pop()  # blank lines after the table's last row (an empty last cell is a cell)
    cells = chunk[:1]
    rest = chunk[1:]
    needed = width - 1
    if len(rest) <= needed:
        cells.extend(rest + [""] * (needed - len(rest)))
    else:
        cells.extend(_spread(rest, kinds[1:]))
    row: Row = cells[:width]
    table.lines[len(table.rows)] = line
    table.rows.append(row)


def _spread(lines: list[str], kinds: list[str | None]) -> list[str]:
    """``lines`` over cells of ``kinds``: one each, the surplus to the list (unit) cells."""
    lists = [i for i, k in enumerate(kinds) if k in _LIST_KINDS]
    if not lists:
        lists = [len(kinds) - 1]
    first, last = lists[0], lists[-1]
    before = lines[:first]
    after_count = len(kinds) - 1 - last
    after = lines[len(lines) - after_count :] if after_count else []
    middle = lines[first : len(lines) - after_count]
    span = last - first + 1
    groups: list[list[str]] = [[] for _ in range(span)]
    if span == 1:
        groups[0] = middle
    else:
        # Empty lines are empty cells; otherwise the first cells take one line each.
        for k in range(span - 1):
            groups[k] = [middle.pop(0)] if middle else []
        groups[-1] = middle
    return [*before, *("\n".join(g for g in group if g) for group in groups), *after]
