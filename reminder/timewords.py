"""Reading the time phrases of Vietnamese plans into windows.

``read`` turns what plans write in a "Thời gian" column or a period heading into a ``When``:
one or more windows ``(start, due)`` and, for standing tasks, how they recur.

- a window: "Tháng 01/2026", "Tháng 5 - 6/2026", "Từ ngày 01/3 đến ngày 15/4/2026",
  "Trước ngày 20/6/2026", "Chậm nhất ngày 15/02", "Ngày 20/6/2026", "Quý III", "Quý II - III",
  "6 tháng đầu năm", "6 tháng cuối năm", "Tuần 2 tháng 9", "Tuần đầu tháng 10", "Học kỳ I năm
  học 2026–2027", "Năm học 2026-2027", "Cả năm"; dates may fall in the next year ("Trước ngày
  10/01/2027", "Tháng 12/2026 - tháng 01/2027");
- several milestones, one window each: "Tháng 6 và tháng 12/2026", "Quý I, Quý III",
  "Trước 15/6; trước 15/12";
- standing and recurring tasks: "Thường xuyên", "Cả năm" (``ongoing``: one window, the
  period around it — the heading's, or the year); "Hằng tháng" (``monthly``: one due date at
  each month's end, or on the day named: "Hằng tháng, trước ngày 25"); "Hằng quý"
  (``quarterly``: each quarter's end).

A phrase that needs a month or a period ("Tuần 2", "Trước ngày 20", "Thường xuyên") takes it
from ``within``, the period of the heading the row is under. ``read`` returns None for anything
else; the importer then warns, naming the cell.
"""

from __future__ import annotations

import calendar as _cal
import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from reminder.names import fold

Recurrence = Literal["ongoing", "monthly", "quarterly"]
RECURRENCES: tuple[str, ...] = ("ongoing", "monthly", "quarterly")

_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}
_DATE = r"(\d{1,2})\s*[/.-]\s*(\d{1,2})(?:\s*[/.-]\s*(\d{4}))?"
_YEAR = r"(?:\s*(?:[/.-]|nam)\s*(\d{4}))?"


@dataclass(frozen=True)
class When:
    """Windows ``(start, due)`` in order (several = milestones) and an optional recurrence."""

    windows: tuple[tuple[date, date], ...]
    recurring: Recurrence | None = None

    @classmethod
    def single(cls, start: date, due: date, recurring: Recurrence | None = None) -> When:
        """One window."""
        return cls(((start, due),), recurring)

    @property
    def start(self) -> date:
        """The first window's start."""
        return self.windows[0][0]

    @property
    def due(self) -> date:
        """The last window's due date."""
        return self.windows[-1][1]

    @property
    def milestones(self) -> list[date]:
        """The due dates before the last one."""
        return [due for _, due in self.windows[:-1]]


def month_end(year: int, month: int) -> date:
    """The last day of ``month``."""
    return date(year, month, _cal.monthrange(year, month)[1])


_month_end = month_end


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
    """The single window ``text`` spans in plan ``year`` (first start, last due), or None."""
    within = None
    if quarter_start is not None:
        q = (quarter_start.month - 1) // 3 + 1
        within = When.single(quarter_start, month_end(quarter_start.year, 3 * q))
    when = read(text, year, within)
    return (when.start, when.due) if when else None


def read(text: str, year: int, within: When | None = None) -> When | None:
    """The windows ``text`` describes in plan ``year``, or None when it cannot be read.

    ``within`` is the period of the heading the row is under (a quarter, a month, a semester):
    a bare deadline ("Trước ngày 20/6") opens at its start (or on the 1st of the deadline's
    month, if that is earlier); a phrase that names no month takes ``within``'s.
    """
    t = _normal(text)
    if not t:
        return None
    found = _window(t, year, within)
    if found is not None:
        return found
    return _milestones(t, year, within)


def _normal(text: str) -> str:
    t = fold(" ".join(text.split())).strip(" .;:-")
    t = t.replace("–", "-").replace("—", "-")
    t = re.sub(r"\s*-\s*", " - ", t)
    t = re.sub(r"(\d)\s+-\s+(\d)", r"\1-\2", t)  # "2026 - 2027" and "5 - 6" as ranges
    t = re.sub(r"(\d{1,2}) - (\d{1,2})(?=/\d{4})", r"\1-\2", t)
    return t.replace("/ ", "/").replace(" /", "/")


def _window(t: str, year: int, within: When | None) -> When | None:
    for reader in _READERS:
        found = reader(t, year, within)
        if found is not None:
            return found if found.windows and _ordered(found) else None
    return None


def _ordered(when: When) -> bool:
    return all(start <= due for start, due in when.windows)


def _milestones(t: str, year: int, within: When | None) -> When | None:
    """Several deadlines in one cell: "Tháng 6 và tháng 12/2026", "Quý I, Quý III"."""
    parts = [p.strip() for p in re.split(r"\s*(?:;|,|\bva\b|\+|\n)\s*", t) if p.strip()]
    if len(parts) < 2:
        return None
    trailing_year = re.search(r"(?:/|nam )(\d{4})$", parts[-1])
    kind = re.match(r"^(thang|quy|truoc ngay|truoc|ngay|tuan)\b", parts[0])
    windows: list[tuple[date, date]] = []
    for part in parts:
        if kind and re.fullmatch(r"[\divx]+(?:/\d{4})?", part):
            part = f"{kind.group(1)} {part}"  # "Tháng 3, 6, 9, 12"
        if trailing_year and not re.search(r"\d{4}", part):
            part = f"{part}/{trailing_year.group(1)}" if part[-1].isdigit() else part
        found = _window(part, year, within)
        if found is None or found.recurring:
            return None
        windows.extend(found.windows)
    windows.sort(key=lambda w: w[1])
    return When(tuple(windows))


# --- the readers, tried in order ------------------------------------------------------------------


def _from_to(t: str, year: int, within: When | None) -> When | None:
    m = re.fullmatch(rf"tu (?:ngay )?{_DATE} (?:den|-) (?:ngay )?{_DATE}", t)
    if not m:
        m = re.fullmatch(rf"(?:ngay )?{_DATE} (?:den|-) (?:ngay )?{_DATE}", t)
    if not m:
        return None
    end = _day(m.group(4), m.group(5), m.group(6), year)
    start = _day(m.group(1), m.group(2), m.group(3) or m.group(6), year)
    if start and end and start > end and not m.group(3):
        start = _day(m.group(1), m.group(2), str(end.year - 1), year)  # "01/12 - 15/01/2027"
    return When.single(start, end) if start and end else When(())


_DEADLINE = r"(?:(?:hoan thanh |xong |gui )?truoc|cham nhat|han|hoan thanh|truoc han|den)"


def _deadline(t: str, year: int, within: When | None) -> When | None:
    m = re.fullmatch(rf"{_DEADLINE}(?: ngay)? {_DATE}", t)
    day_only = None
    if not m:
        day_only = re.fullmatch(rf"{_DEADLINE}(?: ngay)? (\d{{1,2}})", t)
        if day_only is None or within is None:
            return None
    if m:
        due = _day(m.group(1), m.group(2), m.group(3), year)
    else:
        assert day_only is not None
        assert within is not None
        due = _day(day_only.group(1), str(within.due.month), str(within.due.year), year)
    if due is None:
        return When(())
    if within is None:
        return When.single(date(due.year, 3 * ((due.month - 1) // 3) + 1, 1), due)
    start = within.start if within.start <= due else due.replace(day=1)
    return When.single(start, due)


def _day_range(t: str, year: int, within: When | None) -> When | None:
    """ "Ngày 10 - 12/6/2026": days of one month."""
    m = re.fullmatch(
        r"(?:tu |trong )?(?:cac )?(?:ngay )?(\d{1,2})-(\d{1,2})[/.-](\d{1,2})(?:[/.-](\d{4}))?", t
    )
    if not m:
        return None
    start = _day(m.group(1), m.group(3), m.group(4), year)
    end = _day(m.group(2), m.group(3), m.group(4), year)
    return When.single(start, end) if start and end else When(())


def _one_day(t: str, year: int, within: When | None) -> When | None:
    m = re.fullmatch(rf"(?:ngay |vao ngay )?{_DATE}", t)
    if not m:
        return None
    day = _day(m.group(1), m.group(2), m.group(3), year)
    return When.single(day, day) if day else When(())


def _months(t: str, year: int, within: When | None) -> When | None:
    m = re.fullmatch(
        rf"(?:trong |tu )?thang (\d{{1,2}})(?:/(\d{{4}}))?\s*(?:-|den)\s*"
        rf"(?:thang )?(\d{{1,2}}){_YEAR}",
        t,
    )
    if m:
        y_end = int(m.group(4)) if m.group(4) else year
        a, b = int(m.group(1)), int(m.group(3))
        y_start = int(m.group(2)) if m.group(2) else y_end
        if not (1 <= a <= 12 and 1 <= b <= 12) or (y_start, a) > (y_end, b):
            return When(())
        return When.single(date(y_start, a, 1), month_end(y_end, b))
    m = re.fullmatch(rf"(?:trong |vao |cuoi |dau )?thang (\d{{1,2}}){_YEAR}", t)
    if m:
        y = int(m.group(2)) if m.group(2) else year
        month = int(m.group(1))
        if not 1 <= month <= 12:
            return When(())
        if t.startswith("cuoi "):
            return When.single(date(y, month, 21), month_end(y, month))
        if t.startswith("dau "):
            return When.single(date(y, month, 1), date(y, month, 10))
        return When.single(date(y, month, 1), month_end(y, month))
    return None


_WEEK_WORDS = {"dau": 1, "dau tien": 1, "thu nhat": 1, "thu hai": 2, "thu ba": 3, "thu tu": 4}


def _weeks(t: str, year: int, within: When | None) -> When | None:
    m = re.fullmatch(
        rf"(tuan (?:(\d)|dau tien|dau|thu nhat|thu hai|thu ba|thu tu|cuoi cung|cuoi)|dau|giua|cuoi)"
        rf"(?: (?:cua )?thang (\d{{1,2}}){_YEAR})?",
        t,
    )
    if not m:
        return None
    if m.group(3):
        y = int(m.group(4)) if m.group(4) else year
        month = int(m.group(3))
    elif within is not None and within.start.month == within.due.month:
        y, month = within.start.year, within.start.month
    else:
        return None
    if not 1 <= month <= 12:
        return When(())
    end = month_end(y, month)
    part = m.group(1)
    if part == "dau":
        return When.single(date(y, month, 1), date(y, month, 10))
    if part == "giua":
        return When.single(date(y, month, 11), date(y, month, 20))
    if part == "cuoi":
        return When.single(date(y, month, 21), end)
    if part in ("tuan cuoi", "tuan cuoi cung"):
        return When.single(end - timedelta(days=6), end)
    n = int(m.group(2)) if m.group(2) else _WEEK_WORDS[part.removeprefix("tuan ")]
    if not 1 <= n <= 5:
        return When(())
    first = date(y, month, 1) + timedelta(days=7 * (n - 1))
    if first > end:
        return When(())
    return When.single(first, min(first + timedelta(days=6), end))


def _quarters(t: str, year: int, within: When | None) -> When | None:
    m = re.fullmatch(r"(?:trong )?quy ([ivx]+|\d)\s*(?:-|den)\s*(?:quy )?([ivx]+|\d)" + _YEAR, t)
    if m:
        qa, qb = _quarter_number(m.group(1)), _quarter_number(m.group(2))
        y = int(m.group(3)) if m.group(3) else year
        if qa and qb and qa <= qb:
            return When.single(date(y, 3 * qa - 2, 1), month_end(y, 3 * qb))
        return When(())
    m = re.fullmatch(r"(?:trong |cuoi )?quy ([ivx]+|\d)" + _YEAR, t)
    if m:
        q = _quarter_number(m.group(1))
        y = int(m.group(2)) if m.group(2) else year
        if not q:
            return When(())
        return When.single(date(y, 3 * q - 2, 1), month_end(y, 3 * q))
    return None


def _halves(t: str, year: int, within: When | None) -> When | None:
    m = re.fullmatch(
        r"(?:trong )?(?:6 thang|sau thang|nua) (dau|cuoi) nam(?: (\d{4}))?|"
        r"(?:trong )?(?:6 thang|sau thang|nua) (dau|cuoi) nam\s*/\s*(\d{4})",
        t,
    )
    if not m:
        return None
    part = m.group(1) or m.group(3)
    y = int(m.group(2) or m.group(4) or year)
    if part == "dau":
        return When.single(date(y, 1, 1), date(y, 6, 30))
    return When.single(date(y, 7, 1), date(y, 12, 31))


def _school(t: str, year: int, within: When | None) -> When | None:
    m = re.fullmatch(
        r"(?:trong |cuoi )?(?:hoc ky|hk) (i|ii|1|2)(?: (?:nam hoc|nh) (\d{4})\s*-\s*(\d{4}))?", t
    )
    if m:
        semester = 1 if m.group(1) in ("i", "1") else 2
        # Without "năm học": the semester that falls in the plan's calendar year.
        default = year if semester == 1 else year - 1
        first = int(m.group(2)) if m.group(2) else default
        if semester == 1:
            return When.single(date(first, 9, 1), date(first + 1, 1, 15))
        return When.single(date(first + 1, 1, 16), date(first + 1, 5, 31))
    m = re.fullmatch(r"(?:ca |trong )?nam hoc (\d{4})\s*-\s*(\d{4})", t)
    if m:
        first = int(m.group(1))
        return When.single(date(first, 9, 1), date(first + 1, 5, 31))
    return None


_ONGOING = re.compile(
    r"(?:thuong xuyen|ca nam|trong nam|quanh nam|lien tuc|thuong xuyen, lien tuc|"
    r"thuong xuyen trong nam|ca nam hoc)"
)
_MONTHLY = re.compile(
    r"(?:dinh ky )?hang thang(?:,? (?:truoc|cham nhat|vao)? ?(?:ngay )?(\d{1,2}))?"
    r"(?: hang thang)?|(?:truoc |vao )?ngay (\d{1,2}) hang thang"
)
_WHOLE_YEAR = re.compile(r"ca nam|quanh nam|trong nam")
_QUARTERLY = re.compile(r"(?:dinh ky )?hang quy")


def _year_long(t: str, year: int, within: When | None) -> When | None:
    m = re.fullmatch(r"(.+?)(?: nam (\d{4}))?", t)
    assert m is not None
    words, y_text = m.group(1), m.group(2)
    if re.fullmatch(r"nam \d{4}", t):
        y = int(t[4:])
        return When.single(date(y, 1, 1), date(y, 12, 31))
    if within is not None and not y_text and not _WHOLE_YEAR.fullmatch(words):
        start, end = within.start, within.due
    else:
        y = int(y_text) if y_text else year
        start, end = date(y, 1, 1), date(y, 12, 31)
    if _ONGOING.fullmatch(words):
        return When.single(start, end, "ongoing")
    monthly = _MONTHLY.fullmatch(words)
    if monthly:
        day_text = monthly.group(1) or monthly.group(2)
        day = int(day_text) if day_text else None
        windows: list[tuple[date, date]] = []
        cursor = date(start.year, start.month, 1)
        while cursor <= end:
            last = month_end(cursor.year, cursor.month)
            due = last if day is None else cursor.replace(day=min(day, last.day))
            if due <= end:
                windows.append((max(cursor, start), due))
            cursor = last + timedelta(days=1)
        return When(tuple(windows), "monthly") if windows else None
    if _QUARTERLY.fullmatch(words):
        windows = []
        q = (start.month - 1) // 3
        cursor = date(start.year, 3 * q + 1, 1)
        while cursor <= end:
            last = month_end(cursor.year, cursor.month + 2)
            if last <= end:
                windows.append((max(cursor, start), last))
            cursor = last + timedelta(days=1)
        return When(tuple(windows), "quarterly") if windows else None
    return None


def _range(t: str, year: int, within: When | None) -> When | None:
    """Two readable ends joined by "-" or "đến": "Tháng 12/2026 - tháng 01/2027"."""
    m = re.fullmatch(r"(?:tu )?(.+?) (?:-|den) (.+)", t)
    if not m or m.group(1) == t:
        return None
    a = _window(m.group(1), year, within)
    b = _window(m.group(2), year, within)
    if a is None or b is None or a.recurring or b.recurring:
        return None
    return When.single(a.start, b.due)


_READERS = (
    _day_range,
    _from_to,
    _deadline,
    _one_day,
    _months,
    _weeks,
    _quarters,
    _halves,
    _school,
    _year_long,
    _range,
)


_DEADLINE_IN_TEXT = re.compile(
    rf"(?:hoan thanh truoc|truoc|cham nhat)(?: ngay)? {_DATE}(?![\d/])", re.IGNORECASE
)


def deadline_in(text: str, year: int) -> date | None:
    """A deadline written inside a task's wording ("..., hoàn thành trước ngày 15/02/2025")."""
    m = _DEADLINE_IN_TEXT.search(fold(text))
    if not m:
        return None
    return _day(m.group(1), m.group(2), m.group(3), year)
