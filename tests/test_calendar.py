"""The Vietnamese working calendar, pinned to the 2025 facts."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from reminder import config
from reminder.calendar import CalendarFile, DeclaredDay, WorkCalendar, weekday_vi
from tests.conftest import DAYS_OFF_2025


@pytest.fixture(scope="module")
def shipped_calendar() -> WorkCalendar:
    return config.load(Path(__file__).resolve().parent.parent / "config").calendar


@pytest.mark.parametrize("day", DAYS_OFF_2025, ids=str)
def test_2025_public_holidays_are_days_off(shipped_calendar: WorkCalendar, day: date) -> None:
    assert not shipped_calendar.is_working_day(day)
    assert shipped_calendar.day_off_reason(day)


def test_make_up_saturday_26_april_2025_is_a_working_day(shipped_calendar: WorkCalendar) -> None:
    assert weekday_vi(date(2025, 4, 26)) == "Thứ Bảy"
    assert shipped_calendar.is_working_day(date(2025, 4, 26))
    assert not shipped_calendar.is_working_day(date(2025, 4, 27))


def test_due_on_saturday_3_may_2025_becomes_tuesday_29_april(
    shipped_calendar: WorkCalendar,
) -> None:
    due = shipped_calendar.previous_working_day(date(2025, 5, 3), inclusive=True)
    assert due == date(2025, 4, 29)
    assert weekday_vi(due) == "Thứ Ba"


def test_2025_has_the_working_days_it_should(shipped_calendar: WorkCalendar) -> None:
    weekdays = sum(1 for n in range(365) if (date(2025, 1, 1) + timedelta(days=n)).weekday() < 5)
    # 261 weekdays, 12 of them off (list above), plus make-up Saturday 26/4.
    assert weekdays == 261
    assert shipped_calendar.working_days_between(date(2024, 12, 31), date(2025, 12, 31)) == 250


def test_working_day_arithmetic_across_tet_and_the_year_end() -> None:
    cal = WorkCalendar()
    assert cal.next_working_day(date(2025, 1, 24)) == date(2025, 2, 3)  # Tết 25/1–2/2
    assert cal.previous_working_day(date(2025, 2, 3)) == date(2025, 1, 24)
    assert cal.working_days_before(date(2025, 2, 3), 1) == date(2025, 1, 24)
    assert cal.add_working_days(date(2024, 12, 31), 1) == date(2025, 1, 2)
    assert cal.working_days_before(date(2025, 1, 2), 2) == date(2024, 12, 30)
    assert cal.next_working_day(date(2025, 5, 3), inclusive=True) == date(2025, 5, 5)
    assert cal.working_days_in(date(2025, 4, 25), date(2025, 4, 29)) == [
        date(2025, 4, 25),
        date(2025, 4, 26),
        date(2025, 4, 28),
        date(2025, 4, 29),
    ]


def test_declared_days_override_the_package() -> None:
    extra = CalendarFile(
        year=2027,
        days_off=(DeclaredDay(date=date(2027, 3, 8), reason="Nghỉ theo quyết định"),),
        working_days=(DeclaredDay(date=date(2027, 3, 13), reason="Làm bù"),),
    )
    cal = WorkCalendar([extra])
    assert not cal.is_working_day(date(2027, 3, 8))
    assert cal.day_off_reason(date(2027, 3, 8)) == "Nghỉ theo quyết định"
    assert cal.is_working_day(date(2027, 3, 13))
    assert cal.declared_years == {2027}


def test_2026_facts_shipped(shipped_calendar: WorkCalendar) -> None:
    for day in (date(2026, 2, 17), date(2026, 4, 27), date(2026, 8, 31), date(2026, 9, 2)):
        assert not shipped_calendar.is_working_day(day)
    assert shipped_calendar.is_working_day(date(2026, 8, 22))
