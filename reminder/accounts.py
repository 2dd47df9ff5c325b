"""Board accounts and their server-side sessions.

Two roles: ``admin`` changes things (extensions, pauses, acks on a unit's behalf, resends);
``viewer`` (the chair, the council) sees everything and changes nothing — every POST checks
the role on the server. Passwords are kept as argon2 hashes only.

``REMINDER_WEB__ADMIN_PASSWORD_HASH`` keeps working as the first administrator: the account
``admin`` with that hash, as long as no stored account is called ``admin``.

A session is a record keyed by a random id (the cookie carries that id, signed); logging out,
removing the account or changing its password deletes its sessions, so a stolen cookie stops
working at once.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from reminder.errors import UsageError
from reminder.keyed import RecordKind, Records

AccountRole = Literal["admin", "viewer"]
ROLE_NAMES: dict[str, str] = {"admin": "quản trị", "viewer": "chỉ xem"}
ENV_ADMIN = "admin"
MIN_PASSWORD = 10
_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,31}$")
_HASHER = PasswordHasher()


@dataclass(frozen=True)
class Account:
    """A person who may log in to the board."""

    name: str
    role: AccountRole
    password_hash: str
    created_at: datetime | None  # None: the environment's first administrator


@dataclass(frozen=True)
class WebSession:
    """A logged-in browser: which account, and until when."""

    account: str
    created_at: datetime
    expires_at: datetime


ACCOUNTS: RecordKind[Account] = RecordKind("account", Account)
SESSIONS: RecordKind[WebSession] = RecordKind("web_session", WebSession)


def check_name(name: str) -> str:
    """``name`` if it can be an account name; ``UsageError`` saying why not."""
    if not _NAME.match(name):
        raise UsageError(
            f"tên tài khoản {name!r} không dùng được — viết 2 đến 32 ký tự thường không dấu"
            " (a-z, 0-9, dấu chấm, gạch ngang), ví dụ: chu-tich, nguyen.van.a"
        )
    return name


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise UsageError(f"mật khẩu cần ít nhất {MIN_PASSWORD} ký tự")
    return password


def add(records: Records, name: str, role: AccountRole, password: str, now: datetime) -> Account:
    """Create account ``name``; ``UsageError`` when the name is taken or unusable."""
    check_name(name)
    account = Account(name, role, _HASHER.hash(check_password(password)), now)
    if not records.add_record(ACCOUNTS, name, account):
        raise UsageError(
            f"đã có tài khoản {name!r} — chọn tên khác, hoặc đổi mật khẩu bằng:"
            f" reminder user passwd {name} --password-stdin"
        )
    return account


def _existing(records: Records, name: str) -> Account:
    account = records.get_record(ACCOUNTS, name)
    if account is None:
        raise UsageError(f"không có tài khoản {name!r} — xem danh sách: reminder user list")
    return account


def set_password(records: Records, name: str, password: str) -> None:
    """Change ``name``'s password and end its sessions."""
    account = _existing(records, name)
    hashed = _HASHER.hash(check_password(password))
    records.put_record(
        ACCOUNTS, name, Account(account.name, account.role, hashed, account.created_at)
    )
    end_sessions(records, name)


def remove(records: Records, name: str) -> int:
    """Delete account ``name`` and end its sessions; how many sessions were ended."""
    _existing(records, name)
    records.delete_record(ACCOUNTS, name)
    return end_sessions(records, name)


def listing(records: Records, env_hash: str | None) -> list[Account]:
    """Every account, the environment's first administrator included (when it applies)."""
    stored = records.records(ACCOUNTS)
    out = list(stored.values())
    if env_hash and ENV_ADMIN not in stored:
        out.insert(0, Account(ENV_ADMIN, "admin", env_hash, None))
    return out


def find(records: Records, name: str, env_hash: str | None) -> Account | None:
    """The account ``name`` (the environment's administrator for ``admin``), or None."""
    account = records.get_record(ACCOUNTS, name)
    if account is None and name == ENV_ADMIN and env_hash:
        return Account(ENV_ADMIN, "admin", env_hash, None)
    return account


def verify(account: Account, password: str) -> bool:
    """Whether ``password`` is ``account``'s (blocking: argon2 costs tens of milliseconds)."""
    try:
        return _HASHER.verify(account.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def start_session(records: Records, account: str, now: datetime, hours: int) -> str:
    """A new session of ``account``; returns its id. Expired sessions are swept meanwhile."""
    sid = secrets.token_urlsafe(24)
    for key, session in records.records(SESSIONS).items():
        if session.expires_at <= now:
            records.delete_record(SESSIONS, key)
    records.put_record(SESSIONS, sid, WebSession(account, now, now + timedelta(hours=hours)))
    return sid


def session_account(
    records: Records, sid: str, now: datetime, env_hash: str | None
) -> Account | None:
    """The account of live session ``sid``, or None (ended, expired, account removed)."""
    session = records.get_record(SESSIONS, sid)
    if session is None or session.expires_at <= now:
        return None
    return find(records, session.account, env_hash)


def end_session(records: Records, sid: str) -> None:
    records.delete_record(SESSIONS, sid)


def end_sessions(records: Records, account: str) -> int:
    """End every session of ``account``; how many there were."""
    ended = 0
    for key, session in records.records(SESSIONS).items():
        if session.account == account:
            ended += records.delete_record(SESSIONS, key)
    return ended
