"""What only the PostgreSQL store has to show: several workers on one database lease each
delivery once, a killed worker's leases are free at once, lease expiry follows the database's
clock, and errors name the server. (The behaviour both stores share is in the contract tests.)"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import psycopg
import pytest

from reminder.channels.base import Receipt
from reminder.errors import StoreError
from reminder.store import AckEvent, Delivery, Leaseholder, Outcome, SendError, apply_outcome
from reminder.store.postgres import PostgresStore
from reminder.store.records import ERROR_HISTORY
from tests.helpers import pending_delivery
from tests.pgserver import PgServer
from tests.servers import free_port, wait_until

DAY = date(2025, 4, 1)
NOW = datetime(2025, 4, 1, 1, 5, tzinfo=UTC)


def holder(name: str) -> Leaseholder:
    return Leaseholder(owner=name, host="host-a", pid=os.getpid())


@pytest.fixture
def pg_store(pg_url: str, tmp_path: Path) -> Iterator[PostgresStore]:
    """A PostgreSQL store on a fresh database."""
    opened = PostgresStore(pg_url, tmp_path / "data")
    yield opened
    opened.close()


def test_two_workers_leasing_at_once_take_each_delivery_once(pg_url: str, tmp_path: Path) -> None:
    first = PostgresStore(pg_url, tmp_path / "a")
    first.add_deliveries([pending_delivery(f"u{i:03d}") for i in range(300)], holder("setup"), 60)
    first.release_leases("setup")
    workers = [first, PostgresStore(pg_url, tmp_path / "b"), PostgresStore(pg_url, tmp_path / "c")]
    try:
        with ThreadPoolExecutor(max_workers=6) as pool:
            results = list(
                pool.map(lambda i: workers[i % 3].lease_due(holder(f"pass-{i}"), NOW, 60), range(6))
            )
        taken = Counter(d.key for batch in results for d in batch)
        assert len(taken) == 300
        assert set(taken.values()) == {1}  # every delivery leased exactly once
        assert all(w.lease_due(holder("late"), NOW, 60) == [] for w in workers)
    finally:
        for w in workers:
            w.close()


def test_a_killed_workers_leases_are_free_at_once(pg_url: str, tmp_path: Path) -> None:
    script = textwrap.dedent(
        f"""
        import os, sys, time
        from datetime import datetime, UTC
        from pathlib import Path
        from reminder.store import Leaseholder
        from reminder.store.postgres import PostgresStore
        from tests.helpers import pending_delivery
        store = PostgresStore({pg_url!r}, Path({str(tmp_path / "killed")!r}))
        holder = Leaseholder(owner="doomed", host="host-b", pid=os.getpid())
        store.add_deliveries([pending_delivery("u1"), pending_delivery("u2")], holder, 3600)
        print("leased", flush=True)
        time.sleep(600)
        """
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, cwd=Path.cwd()
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "leased"
        with PostgresStore(pg_url, tmp_path / "survivor") as survivor:
            # alive: its hour-long leases hold
            assert survivor.lease_due(holder("other"), NOW, 60) == []
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
            taken: list[Delivery] = []

            def freed() -> bool:
                taken.extend(survivor.lease_due(holder("other"), NOW, 60))
                return bool(taken)

            assert wait_until(freed)  # as soon as the server notices the closed connection
            assert sorted(d.key for d in taken) == [
                "u1/email/2025-04-01",
                "u2/email/2025-04-01",
            ]
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()


def test_lease_expiry_is_judged_by_the_database_clock(pg_store: PostgresStore) -> None:
    # The pass's "now" is the plan's simulated time (2025); the lease runs on the server's time.
    added = pg_store.add_deliveries([pending_delivery("u1")], holder("p1"), 3600)
    assert added[0].lease is not None
    with psycopg.connect(pg_store.url) as conn:
        row = conn.execute("SELECT now()").fetchone()
    assert row is not None
    server_now = row[0]
    assert server_now + timedelta(minutes=59) < added[0].lease.until
    assert added[0].lease.until < server_now + timedelta(minutes=61)
    far_future = NOW + timedelta(days=3650)  # the caller's clock does not free the lease
    assert pg_store.lease_due(holder("p2"), far_future, 60) == []
    pg_store.renew_leases("p1", 0)  # now + 0 s: run out by the database's clock
    assert [d.key for d in pg_store.lease_due(holder("p2"), NOW, 60)] == ["u1/email/2025-04-01"]


def test_an_outcome_recorded_by_one_worker_is_read_by_another(pg_url: str, tmp_path: Path) -> None:
    with (
        PostgresStore(pg_url, tmp_path / "a") as a,
        PostgresStore(pg_url, tmp_path / "b") as b,
    ):
        (d,) = a.add_deliveries([pending_delivery("u1")], holder("p1"), 60)
        a.record_outcome(
            Outcome(key=d.key, day=d.day, status="sent", at=NOW, attempts=1, first_attempt_at=NOW)
        )
        seen = b.delivery(d.key, d.day)
        assert seen is not None
        assert seen.status == "sent"
        assert seen.lease is None
        assert b.lease_due(holder("p2"), NOW, 60) == []


def test_an_unreachable_server_is_a_clear_error(tmp_path: Path) -> None:
    url = f"postgresql://reminder@127.0.0.1:{free_port()}/reminder"
    with pytest.raises(StoreError) as exc:
        PostgresStore(url, tmp_path / "data")
    message = str(exc.value)
    assert "127.0.0.1" in message
    assert "REMINDER_STORE_URL" in message


def test_a_password_in_the_url_never_appears_in_errors(pg_server: PgServer, tmp_path: Path) -> None:
    url = f"postgresql://reminder:s3cret-pw@127.0.0.1:{pg_server.port}/no_such_database"
    with pytest.raises(StoreError) as exc:
        PostgresStore(url, tmp_path / "data")
    assert "s3cret-pw" not in str(exc.value)
    assert "no_such_database" in str(exc.value)


def test_outcomes_applied_in_the_server_match_apply_outcome(pg_store: PostgresStore) -> None:
    (d,) = pg_store.add_deliveries([pending_delivery("u1")], holder("p1"), 60)
    expected = replace(d, lease=None)
    for attempt in range(1, ERROR_HISTORY + 6):  # past the kept history
        at = NOW + timedelta(minutes=attempt)
        error = SendError(f"lỗi {attempt}", "451", None, False, at)
        retry = Outcome(
            d.key, d.day, "retry", at, attempt, NOW, at + timedelta(minutes=1), None, error
        )
        pg_store.record_outcome(retry)
        expected = apply_outcome(expected, retry)
        assert pg_store.delivery(d.key, d.day) == expected
    sent = Outcome(d.key, d.day, "sent", NOW + timedelta(hours=2), 30, NOW, receipt=Receipt("m-1"))
    pg_store.record_outcome(sent)
    expected = apply_outcome(expected, sent)
    got = pg_store.delivery(d.key, d.day)
    assert got == expected
    assert got is not None
    assert len(got.errors) == ERROR_HISTORY
    assert got.errors[-1].message == f"lỗi {ERROR_HISTORY + 5}"


def test_a_reader_never_misses_a_row_whose_transaction_commits_late(
    pg_store: PostgresStore, pg_url: str, tmp_path: Path
) -> None:
    # The reader keeps what it decoded and fetches only rows written since its last read; a
    # transaction that began before a read and commits after it must still be seen.
    pg_store.add_deliveries([pending_delivery("u1")], holder("p1"), 60)
    assert [d.recipient for d in pg_store.deliveries()] == ["u1"]
    with PostgresStore(pg_url, tmp_path / "other") as other, psycopg.connect(pg_url) as slow:
        slow.execute("SELECT pg_current_xact_id()")  # this transaction has its id now
        assert [d.recipient for d in other.deliveries()] == ["u1"]
        late = pending_delivery("u2")
        slow.execute(
            "INSERT INTO deliveries"
            " (key, day, recipient, channel, status, created_at, record, outcome)"
            " SELECT %s, day, %s, channel, status, created_at,"
            " jsonb_set(jsonb_set(record, '{key}', to_jsonb(%s::text)),"
            " '{recipient}', to_jsonb(%s::text)), outcome"
            " FROM deliveries WHERE key = %s",
            [late.key, "u2", late.key, "u2", "u1/email/2025-04-01"],
        )
        other.record_outcome(Outcome("u1/email/2025-04-01", DAY, "sent", NOW, 1, NOW))
        assert [d.recipient for d in pg_store.deliveries()] == ["u1"]  # u2 not committed yet
        assert pg_store.deliveries()[0].status == "sent"  # later writes are seen
        slow.commit()
    assert [d.recipient for d in pg_store.deliveries()] == ["u1", "u2"]
    acked = AckEvent("p", "T1", "u2", "done", NOW, "cli")
    pg_store.add_acks([acked])
    assert [e.unit for e in pg_store.ack_events()] == ["u2"]


def test_a_reader_fetches_a_delivery_whole_once_then_only_its_outcome(
    pg_store: PostgresStore, pg_url: str, tmp_path: Path
) -> None:
    (d,) = pg_store.add_deliveries([pending_delivery("u1")], holder("p1"), 60)
    assert pg_store.deliveries() == [d]
    with PostgresStore(pg_url, tmp_path / "other") as other:
        sent = Outcome(d.key, DAY, "sent", NOW, 1, NOW, receipt=Receipt("<m@x>"))
        other.record_outcome(sent)
    assert pg_store.deliveries() == [apply_outcome(replace(d, lease=None), sent)]
    # A row this reader does not hold whole (its copy lost, here by hand) is fetched whole.
    pg_store._deliveries._rows.clear()
    retry = Outcome(d.key, DAY, "retry", NOW + timedelta(hours=1), 2, NOW, NOW, None, None)
    pg_store.record_outcome(retry)
    assert pg_store.deliveries() == [
        apply_outcome(apply_outcome(replace(d, lease=None), sent), retry)
    ]
