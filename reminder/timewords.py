"""Reading the time phrases of Vietnamese plans into a window ``(start, due)``.

Handles what district plans write in a "Thời gian" column: "Tháng 01/2025", "Tháng 5 - 6/2025",
"Tháng 5 đến tháng 6", "Trước ngày 20/6/2025", "Chậm nhất ngày 15/02", "Ngày 20/6/2025",
"Từ ngày 01/3 đến ngày 15/4/2025", "Quý III", "Quý II - III", "6 tháng đầu năm",
"Cả năm"/"Thường xuyên", "Tuần đầu tháng 3". ``parse`` returns None for anything else, and the
importer then keeps the quarter's window with a warning.
"""

from __future__ import annotations

import calendar as _cal
import re
from datetime import date

from reminder.names import fold

_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}
_DATE = r"(\d{1,2})\s*[/.-]\s*(\d{1,2})(?:\s*[/.-]\s*(\d{4}))?"
_YEAR = r"(?:\s*(?:[/.-]|nam)\s*(\d{4}))?"


def _month_end(year: int, month: int) -> date:
    return date(year, month, _cal.monthrange(year, month)[1])


def _quarter_number(text: str) -> int | None:
    text = text.strip()
    if text in _ROMAN:
        return _ROMAN[text]
    if text.isdigit() and 1 <= int(text) <= 4:
        return int(text)
    return None


def _day(d: str, m: str, y: str | None, year: int) -> date | None:
    try:
        return date(int(y) if y else year, int(m), int(d))
    except ValueError:
        return None


def parse(text: str, year: int, quarter_start: date | None = None) -> tuple[date, date] | None:
    """The window ``text`` describes in plan ``year``, or None when it cannot be read.

    ``quarter_start`` is the start of the row's quarter: a bare deadline ("Trước ngày 20/6")
    opens then (or on the 1st of the deadline's month, if that is earlier).
    """
    t = fold(" ".join(text.split())).strip(" .;:")
    if not t:
        return None

    m = re.fullmatch(rf"tu (?:ngay )?{_DATE} (?:den|-) (?:ngay )?{_DATE}", t)
    if m:
        end = _day(m.group(4), m.group(5), m.group(6), year)
        start = _day(m.group(1), m.group(2), m.group(3) or m.group(6), year)
        if start and end and start <= end:
            return start, end
        return None

    m = re.fullmatch(
        rf"(?:(?:hoan thanh |xong )?truoc|cham nhat|han|hoan thanh|truoc han)(?: ngay)? {_DATE}",
        t,
    )
    if m:
        due = _day(m.group(1), m.group(2), m.group(3), year)
        if due is None:
            return None
        start = quarter_start if quarter_start and quarter_start <= due else due.replace(day=1)
        return start, due

    m = re.fullmatch(rf"(?:ngay )?{_DATE}", t)
    if m:
        day = _day(m.group(1), m.group(2), m.group(3), year)
        return (day, day) if day else None

    m = re.fullmatch(
        rf"(?:trong )?thang (\d{{1,2}})\s*(?:-|den|,|va)\s*(?:thang )?(\d{{1,2}}){_YEAR}", t
    )
    if m:
        y = int(m.group(3)) if m.group(3) else year
        a, b = int(m.group(1)), int(m.group(2))
        if 1 <= a <= b <= 12:
            return date(y, a, 1), _month_end(y, b)
        return None

    m = re.fullmatch(rf"(?:trong )?thang (\d{{1,2}}){_YEAR}", t)
    if m:
        y = int(m.group(2)) if m.group(2) else year
        month = int(m.group(1))
        return (date(y, month, 1), _month_end(y, month)) if 1 <= month <= 12 else None

    m = re.fullmatch(rf"(tuan dau|tuan cuoi|dau|giua|cuoi) thang (\d{{1,2}}){_YEAR}", t)
    if m:
        y = int(m.group(3)) if m.group(3) else year
        month = int(m.group(2))
        if not 1 <= month <= 12:
            return None
        end = _month_end(y, month)
        part = m.group(1)
        if part in ("tuan dau", "dau"):
            return date(y, month, 1), date(y, month, 10 if part == "dau" else 7)
        if part == "giua":
            return date(y, month, 11), date(y, month, 20)
        return date(y, month, end.day - (6 if part == "tuan cuoi" else 9)), end

    m = re.fullmatch(r"quy ([ivx]+|\d)\s*(?:-|den|,|va)\s*(?:quy )?([ivx]+|\d)" + _YEAR, t)
    if m:
        qa, qb = _quarter_number(m.group(1)), _quarter_number(m.group(2))
        y = int(m.group(3)) if m.group(3) else year
        if qa and qb and qa <= qb:
            return date(y, 3 * qa - 2, 1), _month_end(y, 3 * qb)
        return None

    m = re.fullmatch(r"quy ([ivx]+|\d)" + _YEAR, t)
    if m:
        q = _quarter_number(m.group(1))
        y = int(m.group(2)) if m.group(2) else year
        return (date(y, 3 * q - 2, 1), _month_end(y, 3 * q)) if q else None

    if re.fullmatch(r"6 thang dau nam(?: \d{4})?", t):
        return date(year, 1, 1), date(year, 6, 30)
    if re.fullmatch(r"6 thang cuoi nam(?: \d{4})?", t):
        return date(year, 7, 1), date(year, 12, 31)
    if re.fullmatch(r"(?:ca nam|thuong xuyen|trong nam|nam \d{4}|hang thang|hang quy)", t):
        return date(year, 1, 1), date(year, 12, 31)
    return None


_DEADLINE_IN_TEXT = re.compile(
    rf"(?:hoan thanh truoc|truoc|cham nhat)(?: ngay)? {_DATE}(?![\d/])", re.IGNORECASE
)


def deadline_in(text: str, year: int) -> date | None:
    """A deadline written inside a task's wording ("..., hoàn thành trước ngày 15/02/2025")."""
    m = _DEADLINE_IN_TEXT.search(fold(text))
    if not m:
        return None
    return _day(m.group(1), m.group(2), m.group(3), year)
