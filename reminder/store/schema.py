"""Versioned SQL migrations of the PostgreSQL store.

The files ``migrations/NNN_name.sql`` ship inside the package; ``NNN`` is the schema version
they lead to. ``apply`` runs the ones a database lacks, in order, each in its own transaction,
under a transaction-level advisory lock — so several workers starting together migrate once,
and the others wait and then find nothing to do. ``schema_migrations`` records what ran.
A database newer than the program (a version this program has no file for) is refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from typing import Any, Literal
from urllib.parse import urlsplit

import psycopg

from reminder.errors import StoreError

#: pg_advisory_xact_lock key that serialises migrations ("reminder" + 1).
MIGRATION_LOCK = 0x72656D696E6401

_NAME = re.compile(r"^(\d{3})_([a-z0-9_]+)\.sql$")

_LEDGER = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version     integer PRIMARY KEY,
    name        text NOT NULL,
    applied_at  timestamptz NOT NULL DEFAULT now()
)
"""


def where(url: str) -> str:
    """``host:port/db`` of a libpq URL, without user or password (for messages)."""
    parts = urlsplit(url)
    host = parts.hostname or "localhost"
    port = f":{parts.port}" if parts.port else ""
    return f"{host}{port}{parts.path or '/'}"


@dataclass(frozen=True)
class Migration:
    """One migration file."""

    version: int
    name: str
    sql: str


@dataclass(frozen=True)
class SchemaStatus:
    """Where a database stands: the versions it has and the ones this program would apply."""

    current: int
    latest: int
    pending: tuple[Migration, ...]

    @property
    def up_to_date(self) -> bool:
        """Whether the database has every migration this program knows, and no newer one."""
        return self.current == self.latest


def migrations() -> list[Migration]:
    """The migrations shipped in the package, oldest first."""
    found = []
    for entry in resources.files(__package__ or "reminder").joinpath("migrations").iterdir():
        match = _NAME.match(entry.name)
        if match:
            found.append(Migration(int(match[1]), match[2], entry.read_text(encoding="utf-8")))
    found.sort(key=lambda m: m.version)
    versions = [m.version for m in found]
    if versions != list(range(1, len(found) + 1)):
        raise RuntimeError(f"migrations must be numbered 001, 002, … without gaps: {versions}")
    return found


def _applied(conn: psycopg.Connection[Any]) -> set[int]:
    exists = conn.execute("SELECT to_regclass('schema_migrations') IS NOT NULL").fetchone()
    if not exists or not exists[0]:
        return set()
    return {int(row[0]) for row in conn.execute("SELECT version FROM schema_migrations")}


def status(conn: psycopg.Connection[Any]) -> SchemaStatus:
    """The schema status of the database ``conn`` is connected to (changes nothing)."""
    known = migrations()
    applied = _applied(conn)
    current = max(applied, default=0)
    latest = known[-1].version if known else 0
    pending = tuple(m for m in known if m.version not in applied)
    return SchemaStatus(current=current, latest=latest, pending=pending)


def apply(conn: psycopg.Connection[Any]) -> list[Migration]:
    """Bring the database up to date; returns the migrations applied (none when current).

    ``conn`` must not be inside a transaction. Raises ``StoreError`` when the database was made
    by a newer program.
    """
    known = migrations()
    done: list[Migration] = []
    for migration in known:
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", [MIGRATION_LOCK])
            conn.execute(_LEDGER)
            applied = _applied(conn)
            newest = max(applied, default=0)
            if newest > known[-1].version:
                raise StoreError(
                    f"cơ sở dữ liệu có lược đồ phiên bản {newest}, mới hơn chương trình này"
                    f" (biết đến {known[-1].version}) — cập nhật reminder trước khi chạy"
                )
            if migration.version in applied:
                continue
            conn.execute(migration.sql.encode())
            conn.execute(
                "INSERT INTO schema_migrations (version, name) VALUES (%s, %s)",
                [migration.version, migration.name],
            )
            done.append(migration)
    return done


def check_report(url: str) -> tuple[Literal["current", "behind", "unusable"], str]:
    """For ``reminder check``: where the schema of the database at ``url`` stands (``behind``:
    ``reminder run`` will upgrade it) and one line in Vietnamese saying so. Changes nothing."""
    place = where(url)
    try:
        with psycopg.connect(url, autocommit=True, connect_timeout=10) as conn:
            found = status(conn)
    except psycopg.Error as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return "unusable", (
            f"cơ sở dữ liệu PostgreSQL {place}: không kết nối được ({reason}) — kiểm tra máy chủ,"
            " địa chỉ trong REMINDER_STORE_URL và mật khẩu (PGPASSWORD hoặc ~/.pgpass)"
        )
    if found.current > found.latest:
        return "unusable", (
            f"cơ sở dữ liệu PostgreSQL {place}: lược đồ phiên bản {found.current}, mới hơn"
            f" chương trình này (biết đến {found.latest}) — cập nhật reminder"
        )
    if found.up_to_date:
        return (
            "current",
            f"cơ sở dữ liệu PostgreSQL {place}: lược đồ phiên bản {found.current}, hiện hành.",
        )
    names = ", ".join(f"{m.version:03d}_{m.name}" for m in found.pending)
    return "behind", (
        f"cơ sở dữ liệu PostgreSQL {place}: lược đồ phiên bản {found.current}, chương trình cần"
        f" {found.latest} ({names}) — reminder run sẽ tự cập nhật khi khởi động."
    )
