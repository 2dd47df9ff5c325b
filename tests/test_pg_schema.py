"""The PostgreSQL store's schema: versioned migrations applied once, under a lock, by whichever
worker starts first; a database newer than the program is refused; ``check`` reports it; data
written under an older schema reads the same after the upgrade."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import psycopg
import pytest
from psycopg.types.json import Jsonb

from reminder.channels.base import Message
from reminder.errors import StoreError
from reminder.store import Delivery, DeliveryItem, Outcome, SendError, apply_outcome
from reminder.store import schema as migrations
from reminder.store.postgres import PostgresStore
from reminder.store.records import delivery_to_json
from tests.conftest import CliResult
from tests.pgserver import PgServer
from tests.servers import free_port


@pytest.fixture
def empty_url(pg_server: PgServer) -> str:
    """A database with no schema at all."""
    return pg_server.url(pg_server.create_database())


def test_an_empty_database_is_migrated_to_the_latest_version_once(empty_url: str) -> None:
    with psycopg.connect(empty_url, autocommit=True) as conn:
        before = migrations.status(conn)
        assert before.current == 0
        assert not before.up_to_date
        assert [m.version for m in before.pending] == [m.version for m in migrations.migrations()]

        applied = migrations.apply(conn)
        assert [m.version for m in applied] == [m.version for m in migrations.migrations()]
        after = migrations.status(conn)
        assert after.up_to_date
        assert after.pending == ()
        tables = {
            row[0]
            for row in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
            ).fetchall()
        }
        assert {"deliveries", "ack_events", "channel_state", "digest_runs", "records"} <= tables

        assert migrations.apply(conn) == []  # a second start finds nothing to do


def test_workers_starting_together_apply_each_migration_once(empty_url: str) -> None:
    def start() -> list[int]:
        with psycopg.connect(empty_url, autocommit=True) as conn:
            return [m.version for m in migrations.apply(conn)]

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda _: start(), range(4)))
    applied = sorted(v for result in results for v in result)
    assert applied == [m.version for m in migrations.migrations()]  # each once, in total
    with psycopg.connect(empty_url) as conn:
        rows = conn.execute("SELECT version FROM schema_migrations ORDER BY version").fetchall()
    assert [r[0] for r in rows] == applied


def test_a_database_newer_than_the_program_is_refused(pg_url: str) -> None:
    latest = migrations.migrations()[-1].version
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO schema_migrations (version, name) VALUES (%s, 'from_the_future')",
            [latest + 1],
        )
        status = migrations.status(conn)
        assert status.current == latest + 1
        assert not status.up_to_date
        with pytest.raises(StoreError, match=f"phiên bản {latest + 1}"):
            migrations.apply(conn)


def test_check_says_whether_the_schema_is_current(
    cli: Callable[..., CliResult],
    shipped_config: Path,
    pg_server: PgServer,
    pg_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("REMINDER_STORE_URL", pg_url)
    code, out, _ = cli("check", "--config-dir", str(shipped_config))
    assert code == 0
    assert f"lược đồ phiên bản {migrations.migrations()[-1].version}, hiện hành" in out

    empty = pg_server.url(pg_server.create_database())
    monkeypatch.setenv("REMINDER_STORE_URL", empty)
    code, _, err = cli("check", "--config-dir", str(shipped_config))
    assert code == 0  # a warning: reminder run brings it up to date
    assert "cảnh báo: [store_url]" in err
    assert "lược đồ phiên bản 0" in err
    assert "001_initial" in err
    assert "tự cập nhật" in err

    monkeypatch.setenv("REMINDER_STORE_URL", f"postgresql://reminder@127.0.0.1:{free_port()}/x")
    code, _, err = cli("check", "--config-dir", str(shipped_config))
    assert code == 2
    assert "không kết nối được" in err


def test_deliveries_written_under_the_first_schema_read_the_same_after_the_upgrade(
    empty_url: str, tmp_path: Path
) -> None:
    # Schema 1 kept a delivery's outcome fields inside ``record``; schema 2 moves them to the
    # ``outcome`` column. A delivery written before must read, and take outcomes, unchanged.
    first = migrations.migrations()[0]
    with psycopg.connect(empty_url, autocommit=True) as conn:
        conn.execute(migrations._LEDGER)
        conn.execute(first.sql.encode())
        conn.execute(
            "INSERT INTO schema_migrations (version, name) VALUES (%s, %s)",
            [first.version, first.name],
        )
        old = _retried_delivery()
        conn.execute(
            "INSERT INTO deliveries (key, day, recipient, channel, status, next_attempt_at,"
            " created_at, record) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
            [
                old.key,
                old.day,
                old.recipient,
                old.channel,
                old.status,
                old.next_attempt_at,
                old.created_at,
                Jsonb(delivery_to_json(old)),
            ],
        )
    with PostgresStore(empty_url, tmp_path / "data") as store:
        assert store.deliveries() == [old]
        assert store.delivery(old.key, old.day) == old
        at = old.created_at + timedelta(hours=3)
        again = Outcome(old.key, old.day, "retry", at, 3, old.first_attempt_at, at, None, _error(3))
        store.record_outcome(again)
        after = store.delivery(old.key, old.day)
        assert after == apply_outcome(old, again)
        assert after is not None
        assert [e.message for e in after.errors] == ["lỗi 1", "lỗi 2", "lỗi 3"]


def _error(n: int) -> SendError:
    return SendError(f"lỗi {n}", "451", None, False, datetime(2025, 4, 1, n, tzinfo=UTC))


def _retried_delivery() -> Delivery:
    t0 = datetime(2025, 4, 1, 1, 5, tzinfo=UTC)
    message = Message(
        "u1/email/2025-04-01", "email", "u1", "Phòng Nội vụ", "Nhắc việc", "x", "<p>x</p>", "x",
        t0.isoformat(), emails=("u1@huyen.example",),
    )  # fmt: skip
    return Delivery(
        key="u1/email/2025-04-01",
        recipient="u1",
        channel="email",
        day=date(2025, 4, 1),
        status="retry",
        occurrences=("p/T1/u1/due/2025-04-01",),
        items=(DeliveryItem("p", "T1", "u1", "due", date(2025, 4, 3)),),
        message=message,
        created_at=t0,
        attempts=2,
        first_attempt_at=t0,
        last_attempt_at=t0 + timedelta(hours=1),
        next_attempt_at=t0 + timedelta(hours=2),
        last_error=_error(2),
        errors=(_error(1), _error(2)),
    )
