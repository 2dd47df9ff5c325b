"""The Vietnamese working calendar.

A day is a working day unless it is a Saturday or Sunday or a public holiday, with two kinds of
exception the government decides each year: extra days off (nghỉ bù, e.g. Friday 2/5/2025) and
make-up working days (làm bù, e.g. Saturday 26/4/2025). Public holidays and the swaps it knows
come from the ``holidays`` package (country VN); ``calendar*.toml`` files in the config directory
add or correct what a year's notices decide. The declared files win over the package.

Working-day arithmetic is done on a sorted list of working days per year, so "N working days
before D" is a bisect, not a loop: the schedule asks it hundreds of thousands of times.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import holidays
from pydantic import BaseModel, ConfigDict

from reminder.labels import weekday
from reminder.plan import Text

weekday_vi = weekday  # the name other modules import


class DeclaredDay(BaseModel):
    """A day off or a make-up working day, with the notice that decided it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    date: date
    reason: Text
    notice: str = ""


class CalendarFile(BaseModel):
    """One ``calendar*.toml``: a year's declared days off and make-up working days."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    year: int
    days_off: tuple[DeclaredDay, ...] = ()
    working_days: tuple[DeclaredDay, ...] = ()
    source: Path | None = None

    def with_source(self, path: Path) -> CalendarFile:
        """This file, remembering where it was read from."""
        return self.model_copy(update={"source": path})


PACKAGE = "package"


@dataclass(frozen=True)
class DayException:
    """A weekday off (``kind="off"``) or a weekend working day (``"working"``) in force."""

    date: date
    kind: str
    reason: str
    source: str  # "package" or the calendar file's name


@dataclass
class _Year:
    days: list[int] = field(default_factory=list)  # ordinals of working days, sorted


class WorkCalendar:
    """Working days in Vietnam, with declared exceptions.

    Years are computed on first use; share one instance per configuration (not across threads).
    """

    def __init__(self, files: Iterable[CalendarFile] = ()) -> None:
        self.files = tuple(files)
        self._off: dict[date, str] = {}
        self._work: dict[date, str] = {}
        self._source: dict[date, str] = {}  # declared day -> the file that declared it
        for cal in self.files:
            source = cal.source.name if cal.source is not None else "calendar"
            for day in cal.days_off:
                self._off[day.date] = day.reason
                self._source[day.date] = source
            for day in cal.working_days:
                self._work[day.date] = day.reason
                self._source[day.date] = source
        self.declared_years = frozenset(cal.year for cal in self.files)
        self._public = holidays.country_holidays("VN", language="vi")
        self._years: dict[int, _Year] = {}
        self._ordinals: list[int] = []  # all working days of loaded years, sorted

    # -- facts about one day -------------------------------------------------------------------

    def is_working_day(self, day: date) -> bool:
        """Whether offices work on ``day``."""
        self._load(day.year)
        i = bisect.bisect_left(self._ordinals, day.toordinal())
        return i < len(self._ordinals) and self._ordinals[i] == day.toordinal()

    def day_off_reason(self, day: date) -> str | None:
        """Why ``day`` is not a working day ("Thứ Bảy", a holiday's name), or None."""
        if self.is_working_day(day):
            return None
        if day in self._off:
            return self._off[day]
        name = self._public.get(day)
        if name:
            return str(name)
        return weekday_vi(day)

    def exceptions(self, year: int) -> list[DayException]:
        """Every weekday off and weekend working day of ``year`` in force, with its reason and
        where it comes from (``"package"``: the holidays package; else the calendar file)."""
        self._load(year)
        out = []
        day = date(year, 1, 1)
        while day.year == year:
            working = self.is_working_day(day)
            weekend = day.weekday() >= 5
            if working == weekend:  # a weekday off, or a weekend day worked
                if working:
                    reason = self._work.get(day) or str(self._public.get(day) or "làm bù")
                    source = self._source.get(day, PACKAGE) if day in self._work else PACKAGE
                else:
                    reason = self.day_off_reason(day) or ""
                    source = self._source.get(day, PACKAGE) if day in self._off else PACKAGE
                out.append(DayException(day, "working" if working else "off", reason, source))
            day += timedelta(days=1)
        return out

    def _compute_working(self, day: date) -> bool:
        if day in self._work:
            return True
        if day in self._off:
            return False
        if day in self._public:
            return False
        if day in self._public.weekend_workdays:
            return True
        return day.weekday() < 5

    def _load(self, year: int) -> None:
        if year in self._years:
            return
        if not 1900 <= year <= 2200:
            raise ValueError(f"năm {year} nằm ngoài lịch hỗ trợ")
        # Asking about a date makes the package fill that year, make-up Saturdays included.
        _ = date(year, 1, 1) in self._public
        first = date(year, 1, 1)
        days = _Year()
        for n in range(366 if year % 4 == 0 and (year % 100 or year % 400 == 0) else 365):
            day = first + timedelta(days=n)
            if self._compute_working(day):
                days.days.append(day.toordinal())
        self._years[year] = days
        self._ordinals = sorted(o for y in self._years.values() for o in y.days)

    # -- arithmetic ----------------------------------------------------------------------------

    def _index_on_or_before(self, day: date) -> int:
        """Index in ``_ordinals`` of the last working day on or before ``day``."""
        self._load(day.year)
        self._load(day.year - 1)
        i = bisect.bisect_right(self._ordinals, day.toordinal()) - 1
        while i < 0:
            self._load(min(self._years) - 1)
            i = bisect.bisect_right(self._ordinals, day.toordinal()) - 1
        return i

    def _index_on_or_after(self, day: date) -> int:
        self._load(day.year)
        self._load(day.year + 1)
        i = bisect.bisect_left(self._ordinals, day.toordinal())
        while i >= len(self._ordinals):
            self._load(max(self._years) + 1)
            i = bisect.bisect_left(self._ordinals, day.toordinal())
        return i

    def _at(self, index: int) -> date:
        while index < 0:
            self._load(min(self._years) - 1)
            index += len(self._years[min(self._years)].days)
        while index >= len(self._ordinals):
            self._load(max(self._years) + 1)
        return date.fromordinal(self._ordinals[index])

    def previous_working_day(self, day: date, *, inclusive: bool = False) -> date:
        """The last working day before ``day`` (on or before it when ``inclusive``)."""
        target = day if inclusive else day - timedelta(days=1)
        return self._at(self._index_on_or_before(target))

    def next_working_day(self, day: date, *, inclusive: bool = False) -> date:
        """The first working day after ``day`` (on or after it when ``inclusive``)."""
        target = day if inclusive else day + timedelta(days=1)
        return self._at(self._index_on_or_after(target))

    def working_days_before(self, day: date, n: int) -> date:
        """The working day ``n`` working days before ``day`` (``day`` must be a working day
        for the count to mean what it says; otherwise counting starts from the last working day
        before it, which then counts as the first)."""
        i = self._index_on_or_before(day)
        if self._ordinals[i] != day.toordinal():
            n -= 1
        return self._at(i - n)

    def add_working_days(self, day: date, n: int) -> date:
        """The working day ``n`` working days after ``day`` (a non-working ``day`` counts
        from the next working day, which then counts as the first)."""
        i = self._index_on_or_after(day)
        if self._ordinals[i] != day.toordinal():
            n -= 1
        return self._at(i + n)

    def working_days_between(self, start: date, end: date) -> int:
        """The number of working days ``d`` with ``start < d <= end`` (negative if reversed)."""
        if end < start:
            return -self.working_days_between(end, start)
        self._index_on_or_before(start)
        self._index_on_or_after(end)
        lo = bisect.bisect_right(self._ordinals, start.toordinal())
        hi = bisect.bisect_right(self._ordinals, end.toordinal())
        return hi - lo

    def working_days_in(self, start: date, end: date) -> list[date]:
        """Every working day from ``start`` to ``end``, both included."""
        if end < start:
            return []
        self._index_on_or_before(start)
        self._index_on_or_after(end)
        lo = bisect.bisect_left(self._ordinals, start.toordinal())
        hi = bisect.bisect_right(self._ordinals, end.toordinal())
        return [date.fromordinal(o) for o in self._ordinals[lo:hi]]
