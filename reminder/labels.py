"""Every Vietnamese label and date format a person reads, in one place.

Pages, messages, the CLI and the digest take their words from here, so one thing is never
called two names (the old ``dispatch`` and ``preview`` kind tables disagreed). Machine formats
(JSON, CSV columns, store records) keep ISO-8601; people read ``28/03/2025 09:00`` in
Asia/Ho_Chi_Minh.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Final
from zoneinfo import ZoneInfo

LOCAL_TZ: Final = ZoneInfo("Asia/Ho_Chi_Minh")

WEEKDAYS: Final = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật")

#: The role of a unit in a task.
ROLE_LABELS: Final[dict[str, str]] = {"lead": "chủ trì", "support": "phối hợp"}

#: Reminder kinds, as a unit and an administrator read them (messages, preview, demo).
KIND_LABELS: Final[dict[str, str]] = {
    "open": "bắt đầu thực hiện",
    "before_due": "sắp đến hạn",
    "due": "đến hạn hôm nay",
    "overdue": "đã quá hạn",
    "escalation": "quá hạn lâu, báo Hội đồng",
}

#: The state of a (plan, task, unit) pair as of a moment (``reminder.state``).
STATE_LABELS: Final[dict[str, str]] = {
    "pending": "chưa xác nhận",
    "received": "đã nhận",
    "done": "đã hoàn thành",
    "overdue": "quá hạn",
    "not_open": "chưa đến kỳ",
    "unassigned": "chưa phân công",
}

#: What a unit (or an administrator on its behalf) says on the acknowledgment page.
ACK_LABELS: Final[dict[str, str]] = {
    "received": "Đã nhận",
    "done": "Đã hoàn thành",
    "reopen": "Báo nhầm — mở lại",
}

#: Delivery record statuses.
DELIVERY_LABELS: Final[dict[str, str]] = {
    "pending": "đang gửi",
    "retry": "chờ gửi lại",
    "sent": "đã gửi",
    "failed": "lỗi (không gửi lại)",
    "dead": "bỏ sau nhiều lần lỗi",
}

#: Where a calendar day comes from (``reminder calendar``).
CALENDAR_KIND_LABELS: Final[dict[str, str]] = {"off": "nghỉ", "working": "làm bù"}


def weekday(day: date) -> str:
    """``day``'s weekday in Vietnamese ("Thứ Hai" ... "Chủ nhật")."""
    return WEEKDAYS[day.weekday()]


def vn_date(value: date) -> str:
    """``28/03/2025``."""
    return value.strftime("%d/%m/%Y")


def vn_datetime(value: datetime | str | None) -> str:
    """``28/03/2025 09:00`` in Vietnam time; an ISO string is parsed first; None gives ""."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return str(value)
    if value.tzinfo is not None:
        value = value.astimezone(LOCAL_TZ)
    return value.strftime("%d/%m/%Y %H:%M")


def days_late_text(days: int) -> str:
    """``trễ 3 ngày làm việc``: lateness is always counted in working days."""
    return f"trễ {days} ngày làm việc"
