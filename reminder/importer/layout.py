"""The layout of a plan table: which column holds what, which rows are headings, and the
document header (title, issuer, year) around it.

Columns are recognised from the header row(s) under their usual names ("Nội dung công việc",
"Đơn vị chủ trì", "Người phụ trách", "Thời gian hoàn thành" …), or given by position with
``--columns``. A row is a *heading* — never a task — when it has no task number and its text
names a period ("Quý II", "THÁNG 1", "6 tháng cuối năm", "Học kỳ I năm học 2026–2027") or is a
roman-numbered or capitalised section title.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import date

from reminder import timewords
from reminder.errors import PlanImportError
from reminder.importer.model import Row, Table
from reminder.names import fold

KINDS = ("number", "content", "lead", "support", "units", "time", "note")
# Names accepted by --columns, each for one kind.
COLUMN_NAMES: dict[str, str | None] = {
    "stt": "number",
    "tt": "number",
    "number": "number",
    "task": "content",
    "content": "content",
    "lead": "lead",
    "support": "support",
    "units": "units",
    "time": "time",
    "note": "note",
    "skip": None,
    "-": None,
}
COLUMNS_HELP = (
    'chỉ rõ cột theo thứ tự bằng --columns, ví dụ --columns "stt,task,lead,support,time,note"'
    " (tên cột: stt, task, lead, support, units = một cột chung cho chủ trì và phối hợp, time,"
    " note, skip = bỏ qua)"
)

_ORG = r"(?:(?:co quan|don vi|bo phan|nguoi|ca nhan|to chuc|luc luong)[ ,/]*)*"
_COLUMN_KINDS = (
    ("number", r"^(stt|tt|so tt|so thu tu)$"),
    ("time", r"^(thoi gian|thoi han|tien do|thoi diem|moc thoi gian)"),
    (
        "content",
        r"^(noi dung|ten nhiem vu|nhiem vu|cong viec|ten cong viec|hoat dong|ten hoat dong)",
    ),
    ("lead", rf"^{_ORG}(chu tri|phu trach|thuc hien chinh)"),
    ("support", rf"^{_ORG}phoi hop"),
    ("units", rf"^({_ORG}(thuc hien|thuc hien\b.*)|co quan|don vi|bo phan|phan cong|trach nhiem)$"),
    ("note", r"^(ghi chu|san pham|ket qua|hinh thuc|du kien san pham)"),
)


@dataclass(frozen=True)
class Layout:
    """Column index per kind and how many rows the header takes."""

    columns: dict[str, int]
    header_rows: int
    width: int


@functools.lru_cache(maxsize=4096)
def column_kind(label: str) -> str | None:
    """The kind of column a header label names, or None."""
    text = fold(" ".join(label.split())).strip(" .:*")
    if not text:
        return None
    if text.replace(" ", "").replace(".", "") in ("stt", "tt", "sott"):
        return "number"  # "ST T" when a narrow PDF column wraps the word
    for kind, pattern in _COLUMN_KINDS:
        if re.search(pattern, text):
            return kind
    return None


def find_layout(rows: list[Row]) -> Layout | None:
    """The layout a table's header row(s) give; None when this is not a plan table."""
    columns: dict[str, int] = {}
    header_rows = 0
    for row in rows[:3]:
        kinds = [column_kind(c) for c in row]
        if sum(1 for k in kinds if k) < 1 or (row and re.fullmatch(r"\d+\.?", row[0].strip())):
            break
        if header_rows and sum(1 for k in kinds if k) < 1:
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
            if kind in ("lead", "support") and "units" in columns and columns["units"] != i:
                # "Đơn vị thực hiện" spans "Chủ trì" | "Phối hợp" (merged cells repeat text).
                del columns["units"]
            columns.setdefault(kind, i)
    if "content" not in columns or not ({"units", "lead"} & columns.keys()):
        return None
    return Layout(columns, header_rows, max(len(r) for r in rows[:header_rows]))


def given_layout(spec: str) -> dict[str, int]:
    """Columns from a ``--columns`` value ("stt,task,lead,support,time,note")."""
    columns: dict[str, int] = {}
    names = [n.strip().lower() for n in spec.split(",")]
    for i, name in enumerate(names):
        if name not in COLUMN_NAMES:
            raise PlanImportError(
                f'--columns: không hiểu tên cột "{name}" (cột thứ {i + 1}); '
                + COLUMNS_HELP.removeprefix("chỉ rõ cột theo thứ tự bằng --columns, ")
            )
        kind = COLUMN_NAMES[name]
        if kind is not None and kind in columns:
            raise PlanImportError(f'--columns: cột "{name}" có hai lần')
        if kind is not None:
            columns[kind] = i
    if "content" not in columns:
        raise PlanImportError('--columns: cần một cột "task" (nội dung công việc)')
    return columns


def layout_from_columns(rows: list[Row], columns: dict[str, int]) -> Layout:
    """``columns`` applied to a table; its leading header rows (text, no number) skipped."""
    header_rows = 0
    for row in rows[:3]:
        number = cell(row, columns.get("number")).strip()
        if re.match(r"\d", number) or heading(row, columns, 2026).is_heading:
            break
        if (
            not any(column_kind(c) for c in row)
            and header_rows == 0
            and any(re.match(r"\d", c.strip()) for c in row[:1])
        ):
            break
        if not any(column_kind(c) for c in row):
            break
        header_rows += 1
    return Layout(dict(columns), header_rows, max((len(r) for r in rows), default=0))


def is_repeated_header(row: Row, layout: Layout) -> bool:
    """A header row repeated on a new page: it names the same kinds in the same columns."""
    if len(cell(row, layout.columns["content"])) > 40:
        return False  # a task's text, not a column name (the common case, decided cheaply)
    hits = 0
    for kind, i in layout.columns.items():
        found = column_kind(cell(row, i))
        if found is not None and (found == kind or {found, kind} <= {"lead", "support", "units"}):
            hits += 1
    return hits >= 2 and hits >= len(layout.columns) - 2


def headers_found(tables: list[Table]) -> str:
    """The first row of the largest table, for the "unknown headers" message."""
    if not tables:
        return "(không có bảng nào)"
    largest = max(tables, key=lambda t: len(t.rows) * max((len(r) for r in t.rows), default=0))
    first = largest.rows[0] if largest.rows else []
    return " | ".join(c.replace("\n", " ") or "(trống)" for c in first)


# --- headings -------------------------------------------------------------------------------------

_ROMAN_ONLY = re.compile(r"^(i|ii|iii|iv|v|vi|vii|viii|ix|x|xi|xii)\.?$")
_LETTER_ONLY = re.compile(r"^[a-d]\.?$")
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}


@dataclass(frozen=True)
class Heading:
    """What a row says as a heading: whether it is one, and the period it opens."""

    is_heading: bool
    period: timewords.When | None = None
    quarter: int | None = None


_NOT_HEADING = Heading(False)


def heading(row: Row, columns: dict[str, int], year: int) -> Heading:
    """Whether ``row`` is a heading, and the period or quarter it names."""
    number = cell(row, columns.get("number")).strip()
    if re.match(r"\d", number):
        return _NOT_HEADING  # a numbered row is a task, whatever its other cells say
    number_index = columns.get("number")
    others = {c.strip() for i, c in enumerate(row) if c.strip() and i != number_index}
    folded_number = fold(number)
    text = " ".join(sorted(others)) if len(others) == 1 else cell(row, columns["content"]).strip()
    period = _period_heading(text, year) if text else None
    if period is None and number and not others:
        period = _period_heading(number, year)
    if period is not None and (len(others) <= 1 or _units_empty(row, columns)):
        when, quarter = period
        return Heading(True, when, quarter)
    if _ROMAN_ONLY.match(folded_number) or _LETTER_ONLY.match(folded_number):
        if not others:
            return Heading(True, None, _ROMAN.get(folded_number.rstrip(".")))
        if len(others) == 1 or _units_empty(row, columns):
            return Heading(True)  # a section heading such as "II | NHIỆM VỤ KHÁC"
    if not number and len(others) == 1:
        only = next(iter(others))
        letters = [c for c in only if c.isalpha()]
        if len(letters) >= 4 and all(c.isupper() for c in letters):
            return Heading(True)  # "NHIỆM VỤ TRỌNG TÂM" across the table
    return _NOT_HEADING


def _units_empty(row: Row, columns: dict[str, int]) -> bool:
    return not any(cell(row, columns.get(k)).strip() for k in ("lead", "support", "units"))


_QUARTER_HEADING = re.compile(r"^quy\s+([ivx]+|[1-4])\b")


def _period_heading(text: str, year: int) -> tuple[timewords.When, int | None] | None:
    folded = fold(" ".join(text.split())).strip(" .:*")
    folded = re.sub(r"^(?:[ivx]+|[a-d]|\d+)[.)]\s+", "", folded)  # "I. QUÝ I", "1. Tháng 1"
    m = _QUARTER_HEADING.match(folded)
    if m:
        value = m.group(1)
        quarter = _ROMAN.get(value) or (int(value) if value.isdigit() else None)
        if quarter is None:
            return None
        y = _year_in(folded, year)
        start = date(y, 3 * quarter - 2, 1)
        return timewords.When.single(start, timewords.month_end(y, 3 * quarter)), quarter
    # A heading is short: "THÁNG 1", "Tháng 01/2026", "6 THÁNG CUỐI NĂM", "HỌC KỲ I".
    core = re.sub(r"\(.*?\)", "", folded).strip(" .:-")
    if len(core) > 60:
        return None
    if re.search(r"\bthuong xuyen\b", core):  # "CÁC NHIỆM VỤ THƯỜNG XUYÊN"
        y = _year_in(core, year)
        return timewords.When.single(date(y, 1, 1), date(y, 12, 31), "ongoing"), None
    if not re.match(r"^(thang|6 thang|sau thang|nua|hoc ky|hk|nam hoc|tuan|dot)\b", core):
        return None
    when = timewords.read(core, year)
    if when is None:
        return None
    return when, None


def _year_in(text: str, year: int) -> int:
    m = re.search(r"\b(20\d\d)\b", text)
    return int(m.group(1)) if m else year


def cell(row: Row, index: int | None) -> str:
    """The text of ``row``'s cell ``index`` ("" when there is none)."""
    if index is None or index >= len(row):
        return ""
    return row[index]
