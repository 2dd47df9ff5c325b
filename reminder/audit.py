"""The audit log: who changed what, when, from the board or the command line.

Every change made on the web (and every administrative command) appends one ``AuditEntry``;
nothing edits or removes entries. The board's task page lists the entries about that task;
``reminder audit`` lists them all.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from datetime import datetime

from reminder.keyed import RecordKind, Records

ACTION_LABELS: dict[str, str] = {
    "login": "đăng nhập",
    "logout": "đăng xuất",
    "ack": "ghi xác nhận thay đơn vị",
    "unit_ack": "đơn vị xác nhận qua liên kết",
    "reopen": "mở lại việc",
    "resend": "gửi lại thư hôm nay",
    "extension_request": "đơn vị xin gia hạn",
    "extension_approve": "duyệt gia hạn",
    "extension_refuse": "từ chối gia hạn",
    "extend": "gia hạn trực tiếp",
    "pause": "tạm dừng nhắc",
    "resume": "nhắc lại",
    "user_add": "thêm tài khoản",
    "user_remove": "xóa tài khoản",
    "user_passwd": "đổi mật khẩu",
}


@dataclass(frozen=True)
class AuditEntry:
    """One change: ``actor`` (an account, ``dòng lệnh (user)`` or a unit) did ``action``."""

    at: datetime
    actor: str
    action: str
    summary: str
    plan: str = ""
    task: str = ""
    unit: str = ""

    @property
    def label(self) -> str:
        return ACTION_LABELS.get(self.action, self.action)


AUDIT: RecordKind[AuditEntry] = RecordKind("audit", AuditEntry)


def cli_actor() -> str:
    """The actor named for a change made from the command line."""
    return f"dòng lệnh ({os.environ.get('USER', '?')})"


def record(records: Records, entry: AuditEntry) -> None:
    """Append ``entry`` (keys sort by time; the random tail keeps equal times apart)."""
    records.put_record(AUDIT, f"{entry.at.isoformat()}/{secrets.token_hex(4)}", entry)


def entries(records: Records, *, plan: str = "", task: str = "") -> list[AuditEntry]:
    """Entries oldest first; only those about ``plan``/``task`` when given."""
    found = sorted(records.records(AUDIT).values(), key=lambda e: e.at)
    return [e for e in found if (not plan or e.plan == plan) and (not task or e.task == task)]
