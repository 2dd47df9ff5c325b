"""Time phrases of Vietnamese plans become windows; unreadable ones become None."""

from __future__ import annotations

from datetime import date

import pytest

from reminder.timewords import deadline_in, parse

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
