"""Importing a plan document (.docx, or its text conversion) into editable configuration.

Reading happens in three steps, each testable alone:

1. ``read_document``: the file becomes a ``Document`` — the lines before the table(s) and the
   tables as rows of cell texts (Word tables through python-docx, with merged cells repeated;
   text conversions split on tabs or ``|``, with HTML remnants cleaned).
2. ``parse_plan``: the header row tells the layout (Stt | content | units, or separate lead /
   support / time columns); quarter headings ("Quý I", "QUÝ II (tháng 4 - 6)", a roman numeral
   row) set the quarter; a row without a number continues the previous one (a row split across a
   page break); unit cells are split into names and roles ("phối hợp" before or after).
3. Names are resolved against the existing units (``NameIndex``): a known spelling maps to its
   unit, an unknown organisation becomes a new unit (with a warning naming the closest ones), and
   a "unit" that is a person or role ("Đại biểu được chọn") leaves the task needing assignment.

``write_plan`` writes ``plan-<year>.toml`` and adds the new units to ``units.toml`` (edited with
tomlkit, so the administrator's comments and order are kept), each file replaced atomically.
"""

from __future__ import annotations

import html
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import tomlkit
from tomlkit.items import AoT, Table

from reminder import store, timewords
from reminder.errors import PlanImportError, Problem
from reminder.names import NameIndex, fold, is_organisation, slug
from reminder.plan import quarter_window

Cell = str
Row = list[Cell]


@dataclass
class Document:
    """A plan document reduced to its preamble lines and its tables."""

    path: Path
    preamble: list[str]
    tables: list[list[Row]]
    row_lines: dict[tuple[int, int], int] = field(default_factory=dict)  # (table, row) -> line


@dataclass
class ImportedTask:
    """A task as read from the document, names not yet resolved."""

    quarter: int
    number: int | None
    title: str
    cells: dict[str, str]  # "units" (combined column), "lead", "support": raw cell text
    time: str | None = None
    line: int | None = None


@dataclass
class NewUnit:
    """A unit the import had to create."""

    id: str
    name: str
    closest: list[str]


@dataclass
class ImportResult:
    """The plan read from a document, with the units created and the warnings."""

    title: str
    year: int
    issuer: str
    tasks: list[dict[str, Any]]
    new_units: list[NewUnit]
    warnings: list[Problem]
    source: Path


# --- 1. reading ---------------------------------------------------------------------------------

_TAG_BREAK = re.compile(r"<\s*(?:br|/p|/li|/div|/tr)\b[^>]*>", re.IGNORECASE)
_TAG_LI = re.compile(r"<\s*li\b[^>]*>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]+>")


def clean_text(text: str) -> str:
    """A cell's text without HTML remnants or markdown emphasis, one item per line."""
    text = _TAG_BREAK.sub("\n", text)
    text = _TAG_LI.sub("\n", text)
    text = _TAG.sub(" ", text)
    text = html.unescape(text).replace("\u00a0", " ").replace("**", "")
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return "\n".join(line for line in lines if line)


def read_document(path: Path) -> Document:
    """Read a .docx or a text conversion (.txt, .md, .html) of a plan."""
    if not path.exists():
        raise PlanImportError(f"{path}: không tìm thấy tệp")
    suffix = path.suffix.lower()
    if suffix == ".docx":
        return _read_docx(path)
    if suffix == ".doc":
        raise PlanImportError(
            f"{path}: định dạng .doc cũ chưa được hỗ trợ — mở bằng Word và lưu thành .docx"
        )
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise PlanImportError(f"{path}: tệp văn bản không phải UTF-8 — lưu lại với UTF-8") from None
    except OSError as exc:
        raise PlanImportError(f"{path}: không đọc được tệp ({exc.strerror})") from None
    return read_text(text, path)


def _read_docx(path: Path) -> Document:
    import docx  # python-docx is only needed here; importing it costs start-up time

    try:
        document = docx.Document(str(path))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise PlanImportError(f"{path}: không mở được tệp Word ({exc})") from None
    preamble: list[str] = []
    body = document.element.body
    tables: list[list[Row]] = []
    seen_table = False
    for child in body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p" and not seen_table:
            text = "".join(node.text or "" for node in child.iter() if node.tag.endswith("}t"))
            if text.strip():
                preamble.append(" ".join(text.split()))
        elif tag == "tbl":
            seen_table = True
    for table in document.tables:
        rows: list[Row] = []
        for row in table.rows:
            # python-docx gives one cell per grid column, repeating a merged cell's text in
            # every column and row it spans: column indexes stay those of the header, and a
            # cell merged over several tasks applies to each of them.
            rows.append([clean_text(cell.text) for cell in row.cells])
        tables.append(rows)
    return Document(path=path, preamble=preamble, tables=tables)


def read_text(text: str, path: Path) -> Document:
    """Split a text conversion into preamble and tables (tab- or pipe-separated rows).

    Blank lines inside a table (page breaks) do not end it; a line of prose does.
    """
    preamble: list[str] = []
    tables: list[list[Row]] = []
    row_lines: dict[tuple[int, int], int] = {}
    current: list[Row] | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.rstrip("\r\n")
        cells = _split_row(line)
        if cells is None:
            if not line.strip():
                continue
            if current is not None:
                tables.append(current)
                current = None
            if not tables:
                preamble.append(clean_text(line).replace("\n", " "))
            continue
        if not any(cells):
            continue
        if current is None:
            current = []
        row_lines[(len(tables), len(current))] = number
        current.append(cells)
    if current is not None:
        tables.append(current)
    return Document(
        path=path, preamble=[p for p in preamble if p], tables=tables, row_lines=row_lines
    )


def _split_row(line: str) -> Row | None:
    if "\t" in line:
        return [clean_text(c) for c in line.split("\t")]
    stripped = line.strip()
    if stripped.startswith("|") and stripped.count("|") >= 2:
        inner = stripped.strip("|")
        if re.fullmatch(r"[\s:|-]+", inner):
            return []  # markdown separator row
        return [clean_text(c) for c in inner.split("|")]
    return None


# --- 2. layout ----------------------------------------------------------------------------------

_COLUMN_KINDS = (
    ("number", r"^(stt|tt|so tt|so thu tu)$"),
    ("content", r"^(noi dung|ten nhiem vu|nhiem vu|cong viec|ten cong viec)"),
    ("lead", r"^((co quan|don vi|bo phan) )?chu tri"),
    ("support", r"^((co quan|don vi|bo phan) )?phoi hop"),
    ("time", r"^(thoi gian|thoi han|tien do)"),
    ("units", r"^((co quan|don vi|bo phan)( thuc hien| thuc hien\b.*)?|phan cong)$"),
    ("note", r"^(ghi chu|san pham|ket qua)"),
)


def _column_kind(label: str) -> str | None:
    text = fold(" ".join(label.split())).strip(" .:")
    for kind, pattern in _COLUMN_KINDS:
        if re.search(pattern, text):
            return kind
    return None


def _layout(rows: list[Row]) -> tuple[dict[str, int], int] | None:
    """Column index per kind, and how many header rows; None when this is not a plan table."""
    columns: dict[str, int] = {}
    header_rows = 0
    for row in rows[:3]:
        kinds = [_column_kind(c) for c in row]
        if not any(kinds) or (row and re.fullmatch(r"\d+\.?", row[0].strip())):
            break
        header_rows += 1
        for i, kind in enumerate(kinds):
            if kind is None:
                continue
            # A second header row refines the first ("Đơn vị thực hiện" over "Chủ trì").
            if kind in ("lead", "support") and columns.get("units") == i:
                del columns["units"]
            if kind == "units" and ("lead" in columns or "support" in columns):
                continue
            columns.setdefault(kind, i)
    if "content" not in columns or not ({"units", "lead"} & columns.keys()):
        return None
    return columns, header_rows


_QUARTER_HEADING = re.compile(r"^quy\s+([ivx]+|[1-4])\b")
_ROMAN_ONLY = re.compile(r"^(i|ii|iii|iv|v|vi|vii|viii|ix|x)\.?$")
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}


def _heading_quarter(row: Row, columns: dict[str, int]) -> tuple[bool, int | None]:
    """(is this a heading row, its quarter if it names one)."""
    number = _cell(row, columns.get("number", 0)).strip()
    if re.match(r"\d", number):
        return False, None  # a numbered row is a task, whatever its time column says
    texts = [fold(c).strip() for c in (number, _cell(row, columns["content"])) if c.strip()]
    for text in texts:
        m = _QUARTER_HEADING.match(text)
        if m:
            value = m.group(1)
            return True, _ROMAN.get(value) or (int(value) if value.isdigit() else None)
    first = fold(_cell(row, columns.get("number", 0))).strip()
    m = _ROMAN_ONLY.match(first)
    if m:
        numeral = m.group(1)
        others = [c for i, c in enumerate(row) if c.strip() and i != columns.get("number", 0)]
        if not others:
            return True, _ROMAN.get(numeral)
        return True, None  # a section heading such as "II | NHIỆM VỤ KHÁC"
    return False, None


def _cell(row: Row, index: int | None) -> str:
    if index is None or index >= len(row):
        return ""
    return row[index]


# --- 3. unit cells ------------------------------------------------------------------------------

_BULLET_SPLIT = re.compile(r"\s[-+•*]\s+")
_BULLET_START = re.compile(r"^\s*[-+•*]\s*")
_SUPPORT_MARK = re.compile(r"\s*[(\[]?\s*phối hợp\s*[)\]]?\s*[.:;,]*\s*$", re.IGNORECASE)
_LEAD_MARK = re.compile(r"\s*[(\[]?\s*chủ trì\s*[)\]]?\s*[.:;,]*\s*$", re.IGNORECASE)
_SUPPORT_LABEL = re.compile(
    r"^\s*(?:(?:cơ quan|đơn vị|bộ phận)\s+)?phối hợp(?:\s+với)?\s*[:\-–]?\s*", re.IGNORECASE
)
_LEAD_LABEL = re.compile(
    r"^\s*(?:(?:cơ quan|đơn vị|bộ phận)\s+)?chủ trì\s*[:\-–]\s*", re.IGNORECASE
)
_LEAD_THEN_SUPPORT = re.compile(
    r"^(.*?)\s*[(\[]?\s*chủ trì\s*[)\]]?\s*[,;]?\s*phối hợp(?:\s+với)?\s*[:\-–]?\s*(.+)$",
    re.IGNORECASE,
)


def _items(cell: str, index: NameIndex) -> list[str]:
    """The items of a unit cell: one per line, bullet lists split, dashes inside names kept."""
    items: list[str] = []
    for line in cell.splitlines():
        if _BULLET_START.match(line):
            pieces = _BULLET_SPLIT.split(" " + _BULLET_START.sub("", line))
            items.extend(_rejoin([p.strip() for p in pieces if p.strip()], " - ", index))
        elif line.strip():
            items.append(line.strip())
    return items


def _rejoin(pieces: list[str], sep: str, index: NameIndex) -> list[str]:
    """Merge adjacent pieces whose join is a known name ("Giáo dục - Đào tạo")."""
    out: list[str] = []
    i = 0
    while i < len(pieces):
        best = 1
        for j in range(len(pieces), i + 1, -1):
            if index.resolve(sep.join(pieces[i:j])) is not None:
                best = j - i
                break
        out.append(sep.join(pieces[i : i + best]))
        i += best
    return out


def split_names(item: str, index: NameIndex, *, split_commas: bool) -> list[str]:
    """The unit names in one item.

    Always split on ";". A comma splits only when the whole item is not a known name and either
    every part is a known name ("X, UBND các xã, thị trấn") or ``split_commas`` (a dedicated
    lead/support column, where commas separate units); otherwise the item is one name
    ("Các Cụm, Khối thi đua thuộc huyện, tỉnh").
    """
    names: list[str] = []
    for part in item.split(";"):
        part = part.strip(" .,")
        if not part:
            continue
        if index.resolve(part) is not None or "," not in part:
            names.extend(_split_and(part, index))
            continue
        pieces = [p.strip() for p in part.split(",") if p.strip()]
        partition = _known_partition(pieces, index)
        if partition is not None:
            names.extend(partition)
        elif split_commas:
            names.extend(_rejoin(pieces, ", ", index))
        else:
            names.append(part)
    return names


def _split_and(part: str, index: NameIndex) -> list[str]:
    """Split "A và B" only when both sides are known names (not "Giáo dục và Đào tạo")."""
    if index.resolve(part) is not None:
        return [part]
    pieces = re.split(r"\s+và\s+", part)
    if len(pieces) > 1:
        partition = _known_partition(pieces, index, sep=" và ")
        if partition is not None:
            return partition
    return [part]


def _known_partition(pieces: list[str], index: NameIndex, sep: str = ", ") -> list[str] | None:
    """Split ``pieces`` into consecutive runs that are each a known name (fewest runs)."""
    n = len(pieces)
    best: list[list[str] | None] = [None] * (n + 1)
    best[0] = []
    for end in range(1, n + 1):
        for start in range(end):
            prefix = best[start]
            if prefix is None:
                continue
            name = sep.join(pieces[start:end])
            if index.resolve(name) is None:
                continue
            candidate = [*prefix, name]
            current = best[end]
            if current is None or len(candidate) < len(current):
                best[end] = candidate
    return best[n]


def split_roles(cell: str, index: NameIndex) -> tuple[list[str], list[str]]:
    """Lead and support names in a combined "Đơn vị thực hiện" cell."""
    lead: list[str] = []
    support: list[str] = []
    mode: str | None = None
    for item in _items(cell, index):
        m = _LEAD_THEN_SUPPORT.match(item)
        if m:
            lead.extend(split_names(m.group(1), index, split_commas=False))
            support.extend(split_names(m.group(2), index, split_commas=True))
            continue
        if _SUPPORT_LABEL.match(item) and _SUPPORT_LABEL.sub("", item):
            mode = "support"
            item = _SUPPORT_LABEL.sub("", item)
        elif _LEAD_LABEL.match(item):
            mode = "lead"
            item = _LEAD_LABEL.sub("", item)
        role = mode or "lead"
        if _SUPPORT_MARK.search(item):
            role, item = "support", _SUPPORT_MARK.sub("", item)
        elif _LEAD_MARK.search(item):
            role, item = "lead", _LEAD_MARK.sub("", item)
        if not item.strip():
            continue
        target = support if role == "support" else lead
        target.extend(split_names(item, index, split_commas=mode is not None))
    return lead, support


def split_column(cell: str, index: NameIndex) -> list[str]:
    """Names in a dedicated lead or support column: ";", "," or paragraphs separate them."""
    names: list[str] = []
    for item in _items(cell, index):
        item = _SUPPORT_MARK.sub("", _LEAD_MARK.sub("", item))
        item = _SUPPORT_LABEL.sub("", _LEAD_LABEL.sub("", item))
        names.extend(split_names(item, index, split_commas=True))
    return names


# --- parsing a document into tasks ----------------------------------------------------------------


def parse_tasks(document: Document) -> list[ImportedTask]:
    """Tasks from every plan table of ``document``, in order, names not yet resolved."""
    tasks: list[ImportedTask] = []
    found_table = False
    for t, rows in enumerate(document.tables):
        layout = _layout(rows)
        if layout is None:
            continue
        found_table = True
        columns, header_rows = layout
        quarter: int | None = None
        last: ImportedTask | None = None
        for r, row in enumerate(rows[header_rows:], start=header_rows):
            line = document.row_lines.get((t, r))
            is_heading, heading_quarter = _heading_quarter(row, columns)
            if is_heading:
                if heading_quarter is not None:
                    quarter = heading_quarter
                last = None
                continue
            number_text = _cell(row, columns.get("number")).strip()
            content = _cell(row, columns["content"]).replace("\n", " ").strip()
            unit_cells = {k: _cell(row, columns.get(k)) for k in ("units", "lead", "support")}
            time_text = _cell(row, columns.get("time")).replace("\n", " ").strip()
            if not number_text and last is not None and "number" in columns:
                _continue_row(last, content, unit_cells, time_text)
                continue
            if not content:
                continue
            m = re.match(r"\d+", number_text)
            last = ImportedTask(
                quarter=quarter or 0,
                number=int(m.group()) if m else None,
                title=content,
                cells=unit_cells,
                time=time_text or None,
                line=line,
            )
            tasks.append(last)
    if not found_table:
        raise PlanImportError(
            f"{document.path}: không tìm thấy bảng kế hoạch (cần dòng tiêu đề có các cột"
            ' "Nội dung" và "Đơn vị thực hiện" hoặc "Chủ trì")'
        )
    return tasks


def _continue_row(
    task: ImportedTask, content: str, unit_cells: dict[str, str], time_text: str
) -> None:
    """Append a row that continues ``task`` (split across a page break) to it."""
    if content:
        task.title = f"{task.title} {content}".strip()
    for key, text in unit_cells.items():
        if text:
            task.cells[key] = _join_continued(task.cells[key], text)
    if time_text:
        task.time = f"{task.time or ''} {time_text}".strip()


def _join_continued(before: str, after: str) -> str:
    # A continued line that starts a new item keeps its own line; otherwise the words after the
    # break finish the last item ("Văn phòng HĐND&UBND" + "huyện phối hợp").
    if not before:
        return after
    starts_item = _BULLET_START.match(after) and after.lstrip()[:1] in "-+•*"
    if starts_item or _LEAD_LABEL.match(after) or _SUPPORT_LABEL.match(after):
        return before + "\n" + after
    return before + " " + after


# --- 3. resolving names and building the plan -----------------------------------------------------


def import_plan(
    path: Path, index: NameIndex, *, year: int | None = None, existing_ids: Iterable[str] = ()
) -> ImportResult:
    """Read the plan in ``path``, resolving unit names against ``index`` (which grows with the
    units the import creates). Raises ``PlanImportError`` when the document has no plan table."""
    document = read_document(path)
    title, found_year, issuer = _preamble(document.preamble)
    plan_year = year or found_year
    if plan_year is None:
        raise PlanImportError(
            f"{path}: không tìm thấy năm của kế hoạch trong tiêu đề — chỉ rõ bằng --year 2025"
        )
    raw_tasks = parse_tasks(document)
    warnings: list[Problem] = []
    if not raw_tasks:
        raise PlanImportError(f"{path}: bảng kế hoạch không có việc nào")
    taken = set(existing_ids)
    new_units: list[NewUnit] = []
    tasks: list[dict[str, Any]] = []
    numbers: dict[int, set[int]] = {}

    def where(task: ImportedTask, task_id: str) -> Problem:
        return Problem("warning", "", file=path, line=task.line, key=task_id)

    def resolve(name: str, task_id: str, raw: ImportedTask, unassigned: list[str]) -> str | None:
        found = index.resolve(name)
        if found is not None:
            return found
        if not is_organisation(name):
            unassigned.append(name)
            warnings.append(
                _with(
                    where(raw, task_id),
                    f'"{name}" không phải một đơn vị: việc cần phân công',
                    "ghi mã đơn vị chủ trì vào lead trong tệp kế hoạch",
                )
            )
            return None
        closest = index.closest(name)
        new_id = _unique_id(slug(name), taken)
        taken.add(new_id)
        index.add(new_id, [name])
        new_units.append(NewUnit(id=new_id, name=name, closest=closest))
        warnings.append(
            _with(
                where(raw, task_id),
                f'đơn vị mới "{name}" (mã {new_id})',
                ("gần giống: " + ", ".join(closest) + " — nếu là một, thêm vào aliases")
                if closest
                else "điền cách liên lạc trong units.toml",
            )
        )
        return new_id

    for raw in raw_tasks:
        quarter = raw.quarter
        window: tuple[date, date] | None = None
        if raw.time:
            q_start = quarter_window(plan_year, quarter)[0] if quarter else None
            window = timewords.parse(raw.time, plan_year, q_start)
        else:
            deadline = timewords.deadline_in(raw.title, plan_year)
            if deadline is not None and deadline.year == plan_year:
                q_start = (
                    quarter_window(plan_year, quarter)[0] if quarter else date(plan_year, 1, 1)
                )
                window = (min(q_start, deadline.replace(day=1)), deadline)
        if not quarter:
            quarter = (window[1].month - 1) // 3 + 1 if window else 1
        used = numbers.setdefault(quarter, set())
        number = raw.number if raw.number and raw.number not in used else max(used, default=0) + 1
        used.add(number)
        task_id = f"Q{quarter}-{number:02d}"
        if raw.quarter == 0 and not window:
            warnings.append(
                _with(
                    where(raw, task_id),
                    "không rõ việc thuộc quý nào: tạm xếp quý I",
                    "sửa quarter trong tệp kế hoạch",
                )
            )
        if raw.time and window is None:
            warnings.append(
                _with(
                    where(raw, task_id),
                    f'không đọc được thời gian "{raw.time}": dùng cả quý',
                    "ghi start/due (YYYY-MM-DD) trong tệp kế hoạch",
                )
            )
        unassigned: list[str] = []
        lead_names, support_names = _roles(raw, index)
        lead = _dedupe(resolve(n, task_id, raw, unassigned) for n in lead_names)
        support = [
            u
            for u in _dedupe(resolve(n, task_id, raw, unassigned) for n in support_names)
            if u not in lead
        ]
        entry: dict[str, Any] = {
            "id": task_id,
            "quarter": quarter,
            "title": raw.title,
            "lead": lead,
            "support": support,
        }
        if window is not None:
            start, due = window
            if start.year == plan_year and due.year == plan_year:
                entry["start"], entry["due"] = start, due
        if raw.time:
            entry["time"] = raw.time
        if unassigned:
            entry["unassigned"] = unassigned
        if not lead and not unassigned:
            warnings.append(
                _with(
                    where(raw, task_id),
                    "việc không có đơn vị chủ trì",
                    "ghi mã đơn vị chủ trì vào lead",
                )
            )
        tasks.append(entry)
    return ImportResult(
        title=title,
        year=plan_year,
        issuer=issuer,
        tasks=tasks,
        new_units=new_units,
        warnings=warnings,
        source=path,
    )


def _roles(raw: ImportedTask, index: NameIndex) -> tuple[list[str], list[str]]:
    lead: list[str] = []
    support: list[str] = []
    if raw.cells["units"]:
        lead, support = split_roles(raw.cells["units"], index)
    if raw.cells["lead"]:
        lead.extend(split_column(raw.cells["lead"], index))
    if raw.cells["support"]:
        support.extend(split_column(raw.cells["support"], index))
    return lead, support


def _with(problem: Problem, message: str, hint: str | None) -> Problem:
    return Problem(
        problem.severity, message, file=problem.file, line=problem.line, key=problem.key, hint=hint
    )


def _dedupe(ids: Iterable[str | None]) -> list[str]:
    out: list[str] = []
    for id_ in ids:
        if id_ is not None and id_ not in out:
            out.append(id_)
    return out


def _unique_id(base: str, taken: set[str]) -> str:
    base = base[:60]
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


def _preamble(lines: list[str]) -> tuple[str, int | None, str]:
    """Title, year and issuer from the lines before the table."""
    title = ""
    for i, line in enumerate(lines):
        if fold(line).strip(" *#").strip() == "ke hoach" and i + 1 < len(lines):
            rest = lines[i + 1].strip(" *#")
            title = "Kế hoạch " + rest[:1].lower() + rest[1:]
            break
    if not title:
        title = next((ln for ln in lines if fold(ln).startswith("ke hoach")), "Kế hoạch")
    m = re.search(r"năm (\d{4})", title)
    year = int(m.group(1)) if m else None
    if year is None:
        years = re.findall(r"\b(20\d\d)\b", " ".join(lines))
        year = int(max(set(years), key=years.count)) if years else None
    issuer = ""
    for i, line in enumerate(lines):
        if fold(line).startswith("so:") and i > 0:
            issuer = lines[i - 1].strip(" *")
            break
    if not issuer:
        for line in lines:
            m = re.match(r"^(.+?) xây dựng kế hoạch", line, re.IGNORECASE)
            if m:
                issuer = m.group(1).strip()
                break
    return title, year, issuer


# --- writing --------------------------------------------------------------------------------------


def plan_toml(result: ImportResult) -> str:
    """The text of ``plan-<year>.toml`` for ``result`` (deterministic).

    Values are encoded by tomli-w; the layout (one ``[[tasks]]`` table per task, short arrays on
    one line) is ours, for administrators who edit the file by hand. tomlkit's document model
    would do both but is slow for thousands of tables (0.8 s for 2,000 tasks).
    """
    lines = [
        f"# Kế hoạch nhập từ {result.source.name} bằng reminder import-plan.",
        "# Sửa tệp này tùy ý, rồi chạy: reminder check",
        "# Mã đơn vị (lead = chủ trì, support = phối hợp) xem trong units.toml.",
        "",
        "[plan]",
        *_toml_pairs({"title": result.title, "year": result.year, "issuer": result.issuer}),
    ]
    for task in result.tasks:
        lines += ["", "[[tasks]]", *_toml_pairs(task)]
    return "\n".join(lines) + "\n"


def _toml_pairs(values: dict[str, Any]) -> list[str]:
    import tomli_w

    def encode(value: Any) -> str:
        if isinstance(value, list):
            return "[" + ", ".join(encode(v) for v in value) + "]"
        return tomli_w.dumps({"v": value}).removeprefix("v = ").rstrip("\n")

    return [f"{key} = {encode(value)}" for key, value in values.items()]


def add_units(units_text: str, new_units: list[NewUnit]) -> str:
    """``units.toml`` text with ``new_units`` appended; everything else kept as written."""
    doc = tomlkit.parse(units_text) if units_text.strip() else tomlkit.document()
    existing = doc.get("units")
    if existing is None:
        existing = tomlkit.aot()
        doc.add("units", existing)
    if not isinstance(existing, AoT):
        raise PlanImportError("units.toml: 'units' phải là danh sách [[units]]")
    for unit in new_units:
        table: Table = tomlkit.table()
        table.add(
            tomlkit.comment(
                "Tạo khi nhập kế hoạch: điền cách liên lạc (email, zalo_user_id, phone)"
            )
        )
        table.add("id", unit.id)
        table.add("name", unit.name)
        table.add("aliases", tomlkit.array())
        table.add("email", tomlkit.array())
        existing.append(table)
    return tomlkit.dumps(doc)


def write_atomic(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` so that a crash leaves the old or the new file, whole."""
    path.parent.mkdir(parents=True, exist_ok=True)
    store.write_atomic(path, text.encode("utf-8"))
