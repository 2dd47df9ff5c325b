"""Recording outcomes in the PostgreSQL store: concurrent senders share one commit, and each
returns only once its own outcome is committed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest

from reminder.errors import StoreError
from reminder.store import Leaseholder, Outcome, apply_outcome
from reminder.store.postgres import PostgresStore
from tests.helpers import DAY, pending_delivery
from tests.servers import wait_until

NOW = datetime(2025, 4, 1, 1, 5, tzinfo=UTC)


def sent(key: str) -> Outcome:
    return Outcome(key=key, day=DAY, status="sent", at=NOW, attempts=1, first_attempt_at=NOW)


def statuses(url: str) -> dict[str, str]:
    """Each delivery's status as another connection sees it (what is committed)."""
    with psycopg.connect(url) as conn:
        return {str(k): str(s) for k, s in conn.execute("SELECT key, status FROM deliveries")}


@pytest.fixture
def pg_store(pg_url: str, tmp_path: Path) -> Iterator[PostgresStore]:
    opened = PostgresStore(pg_url, tmp_path / "data")
    yield opened
    opened.close()


def test_outcomes_waiting_during_a_commit_share_the_next_one(pg_store: PostgresStore) -> None:
    added = pg_store.add_deliveries(
        [pending_delivery(f"u{i}") for i in range(3)], Leaseholder("p"), 60
    )
    first, second, third = (d.key for d in added)
    recorder = pg_store._outcomes
    # Another session holds the first delivery's row: the first outcome's commit waits on it.
    with psycopg.connect(pg_store.url) as blocker, ThreadPoolExecutor(max_workers=4) as pool:
        blocker.execute("SELECT 1 FROM deliveries WHERE key = %s FOR UPDATE", [first])
        leading = pool.submit(pg_store.record_outcome, sent(first))
        assert wait_until(
            lambda: (
                blocker.execute(
                    "SELECT count(*) FROM pg_locks WHERE NOT granted AND pid <> pg_backend_pid()"
                ).fetchone()
                == (1,)
            )
        )
        waiting = [
            pool.submit(pg_store.record_outcome, sent(key))
            for key in (second, third, "u9/email/2025-04-01")
        ]
        assert wait_until(lambda: recorder.waiting() == 3)
        # Nobody returns before their outcome is committed, and nothing is committed yet.
        assert not any(f.done() for f in [leading, *waiting])
        assert set(statuses(pg_store.url).values()) == {"pending"}
        blocker.rollback()
        leading.result(timeout=30)
        waiting[0].result(timeout=30)
        waiting[1].result(timeout=30)
        with pytest.raises(StoreError, match=r"u9/email/2025-04-01.*không có thư đó"):
            waiting[2].result(timeout=30)
    assert statuses(pg_store.url) == {first: "sent", second: "sent", third: "sent"}
    assert recorder.batches == 2  # the first alone, then the three that waited together


def test_two_outcomes_of_one_delivery_waiting_together_apply_in_order(
    pg_store: PostgresStore,
) -> None:
    blocked, d = pg_store.add_deliveries(
        [pending_delivery("u0"), pending_delivery("u1")], Leaseholder("p"), 60
    )
    retry = Outcome(d.key, d.day, "retry", NOW, 1, NOW, NOW.replace(hour=2))
    done = Outcome(d.key, d.day, "sent", NOW.replace(hour=2), 2, NOW)
    recorder = pg_store._outcomes
    with psycopg.connect(pg_store.url) as blocker, ThreadPoolExecutor(max_workers=3) as pool:
        blocker.execute("SELECT 1 FROM deliveries WHERE key = %s FOR UPDATE", [blocked.key])
        leading = pool.submit(pg_store.record_outcome, sent(blocked.key))
        assert wait_until(
            lambda: (
                blocker.execute(
                    "SELECT count(*) FROM pg_locks WHERE NOT granted AND pid <> pg_backend_pid()"
                ).fetchone()
                == (1,)
            )
        )
        first = pool.submit(pg_store.record_outcome, retry)
        assert wait_until(lambda: recorder.waiting() == 1)
        second = pool.submit(pg_store.record_outcome, done)
        assert wait_until(lambda: recorder.waiting() == 2)
        blocker.rollback()
        for future in (leading, first, second):
            future.result(timeout=30)
    # The second outcome of u1 waited for a commit of its own, after the first.
    assert recorder.batches == 3
    assert pg_store.delivery(d.key, d.day) == apply_outcome(
        apply_outcome(replace(d, lease=None), retry), done
    )


def test_a_killed_worker_loses_no_outcome_it_returned_from(pg_url: str, tmp_path: Path) -> None:
    script = textwrap.dedent(
        f"""
        import threading
        from concurrent.futures import ThreadPoolExecutor
        from datetime import datetime, UTC
        from pathlib import Path
        from reminder.store import Leaseholder, Outcome
        from reminder.store.postgres import PostgresStore
        from tests.helpers import DAY, pending_delivery
        NOW = datetime(2025, 4, 1, 1, 5, tzinfo=UTC)
        store = PostgresStore({pg_url!r}, Path({str(tmp_path / "killed")!r}))
        added = store.add_deliveries(
            [pending_delivery(f"u{{i:04d}}") for i in range(4000)], Leaseholder("p"), 3600
        )
        printing = threading.Lock()

        def record(key):
            store.record_outcome(Outcome(key, DAY, "sent", NOW, 1, NOW))
            with printing:
                print(key, flush=True)

        with ThreadPoolExecutor(max_workers=4) as pool:
            list(pool.map(record, [d.key for d in added]))
        print("all", flush=True)
        """
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, cwd=Path.cwd()
    )
    try:
        assert proc.stdout is not None
        returned = [proc.stdout.readline().strip() for _ in range(300)]
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        returned += [line.strip() for line in proc.stdout]
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()
    assert "all" not in returned  # killed mid-way
    committed = statuses(pg_url)
    assert len(committed) == 4000
    assert all(committed[key] == "sent" for key in returned)
    assert list(committed.values()).count("sent") < 4000
