"""Time phrases of Vietnamese plans become windows; unreadable ones become None."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from reminder.timewords import When, deadline_in, parse, read

Q2 = date(2025, 4, 1)


@pytest.mark.parametrize(
    ("text", "window"),
    [
        ("Tháng 01/2025", (date(2025, 1, 1), date(2025, 1, 31))),
        ("tháng 2", (date(2025, 2, 1), date(2025, 2, 28))),
        ("Tháng 5 năm 2025", (date(2025, 5, 1), date(2025, 5, 31))),
        ("Tháng 5 - 6/2025", (date(2025, 5, 1), date(2025, 6, 30))),
        ("Tháng 5 đến tháng 6", (date(2025, 5, 1), date(2025, 6, 30))),
        ("Trước ngày 20/6/2025", (date(2025, 4, 1), date(2025, 6, 20))),
        ("Chậm nhất ngày 15/02", (date(2025, 2, 1), date(2025, 2, 15))),
        ("Ngày 20/6/2025", (date(2025, 6, 20), date(2025, 6, 20))),
        ("Từ ngày 01/3 đến ngày 15/4/2025", (date(2025, 3, 1), date(2025, 4, 15))),
        ("Quý III", (date(2025, 7, 1), date(2025, 9, 30))),
        ("QUÝ II - III", (date(2025, 4, 1), date(2025, 9, 30))),
        ("Quý 4/2025", (date(2025, 10, 1), date(2025, 12, 31))),
        ("6 tháng đầu năm", (date(2025, 1, 1), date(2025, 6, 30))),
        ("Tuần đầu tháng 3", (date(2025, 3, 1), date(2025, 3, 7))),
        ("Cả năm", (date(2025, 1, 1), date(2025, 12, 31))),
    ],
)
def test_phrases_become_windows(text: str, window: tuple[date, date]) -> None:
    assert parse(text, 2025, Q2) == window


@pytest.mark.parametrize(
    "text", ["Khi có yêu cầu", "Tháng 13", "Trước ngày 31/02/2025", "Quý V", "", "Tháng 6 - 5"]
)
def test_unreadable_phrases_are_none(text: str) -> None:
    assert parse(text, 2025, Q2) is None


def test_deadline_inside_task_wording() -> None:
    assert deadline_in("Gửi báo cáo, hoàn thành trước ngày 15/02/2025.", 2025) == date(2025, 2, 15)
    assert deadline_in("Tổng kết giai đoạn 2021-2025", 2025) is None


@pytest.mark.parametrize(
    ("text", "dues", "recurring"),
    [
        ("Tháng 6 và tháng 12/2026", [date(2026, 6, 30), date(2026, 12, 31)], None),
        ("Quý I, Quý III", [date(2026, 3, 31), date(2026, 9, 30)], None),
        ("Trước 15/6; trước 15/12", [date(2026, 6, 15), date(2026, 12, 15)], None),
        ("Trước ngày 10/01/2027", [date(2027, 1, 10)], None),
        ("Ngày 10 - 12/6/2026", [date(2026, 6, 12)], None),
        ("Tuần cuối tháng 12", [date(2026, 12, 31)], None),
        ("Học kỳ II năm học 2025–2026", [date(2026, 5, 31)], None),
        ("Thường xuyên", [date(2026, 12, 31)], "ongoing"),
        (
            "Hằng quý",
            [date(2026, m, 1) - timedelta(days=1) for m in (4, 7, 10)] + [date(2026, 12, 31)],
            "quarterly",
        ),
    ],
)
def test_read_gives_every_due_date_and_the_recurrence(
    text: str, dues: list[date], recurring: str | None
) -> None:
    when = read(text, 2026)
    assert when is not None
    assert ([d for _, d in when.windows], when.recurring) == (dues, recurring)


def test_phrases_without_a_month_take_the_headings() -> None:
    september = When.single(date(2026, 9, 1), date(2026, 9, 30))
    assert read("Tuần 2", 2026, september) == When.single(date(2026, 9, 8), date(2026, 9, 14))
    assert read("Trước ngày 20", 2026, september) == When.single(
        date(2026, 9, 1), date(2026, 9, 20)
    )
    assert read("Thường xuyên", 2026, september) == When.single(
        date(2026, 9, 1), date(2026, 9, 30), "ongoing"
    )
    assert read("Tuần 2", 2026) is None  # which month? the importer warns instead
