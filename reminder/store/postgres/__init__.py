"""The shared store: PostgreSQL, for several workers (processes, hosts) on one database.

- **Schema**: versioned SQL migrations (``migrations/NNN_*.sql``, run by ``schema``) applied
  under an advisory lock when a store opens; ``reminder check`` says whether it is current.
- **Records**: columns for what is searched or locked (keys, status, times, the lease), the
  rest in the records' JSON form (``reminder.store.records``), the same shape the TinyDB files
  keep; outcomes are applied with ``apply_outcome``, as in every store.
- **Leases** live on the delivery row (owner, worker, until, host, pid) and are taken with
  ``FOR UPDATE SKIP LOCKED``, so concurrent passes never lease one delivery twice. A lease is
  free when it was released, when ``lease_until`` has passed by **the database's clock**, or
  when the worker that took it is gone: each store instance takes a worker id and holds a
  session advisory lock on it for its life, so a killed process's leases are free as soon as
  its connection drops. The check is ``pg_try_advisory_xact_lock_shared`` on the row being
  leased, evaluated when the row is locked (not from an older snapshot), so a lease taken by
  a worker that started meanwhile is never mistaken for an orphan.
- **Outcomes** are committed before ``record_outcome`` returns (``outcomes``: a connection of
  their own, concurrent senders share one commit), with ``synchronous_commit`` off for them:
  a killed worker loses nothing (the server has it), a crash of the database server itself may
  lose the last fraction of a second of outcomes — those messages are then sent again.
  Everything else commits durably.
- The parts, one module each: ``base`` (pool, errors, the readers' mirror), ``reading`` and
  ``writing`` (deliveries), ``outcomes`` (recording them), ``acks``, ``keyed`` (channel state,
  digest runs, generic records), ``summaries`` (a task's history, messages counted);
  ``PostgresStore`` puts them together.
- Every operation is one transaction on a connection from a small pool (psycopg_pool), so the
  web app's threads and the pass's senders use the store at once; nothing holds a lock across
  network calls of the channels.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import psycopg
from psycopg_pool import ConnectionPool

from reminder.errors import StoreError
from reminder.store import StoreHealth, schema
from reminder.store.files import make_data_dir
from reminder.store.postgres.acks import Acks
from reminder.store.postgres.base import WORKER_LOCK, Conn, Mirror, _configure
from reminder.store.postgres.keyed import Keyed
from reminder.store.postgres.log import DeliveryLog
from reminder.store.postgres.outboxfacts import OutboxReads, facts_mirror
from reminder.store.postgres.outcomes import OutcomeRecorder
from reminder.store.postgres.reading import _DELIVERY_COLUMNS, DeliveryReads
from reminder.store.postgres.summaries import Summaries
from reminder.store.postgres.writing import DeliveryWrites
from reminder.store.records import ack_from_json

__all__ = ["WORKER_LOCK", "PostgresStore"]


class PostgresStore(
    DeliveryReads, DeliveryLog, OutboxReads, Summaries, DeliveryWrites, Acks, Keyed
):
    """The ``Store`` on a PostgreSQL database (``store_url``). One instance per process;
    thread-safe. ``data_dir`` still holds this host's own files (file outbox, signing key)."""

    def __init__(
        self,
        url: str,
        data_dir: Path,
        *,
        pool_size: int = 8,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        """Connect, migrate the schema, take a worker id. ``clock`` replaces the database's
        clock for leases and stamps (tests that move time); leave it None otherwise."""
        self.url = url
        self._clock = clock
        self.data_dir = data_dir
        self.where = schema.where(url)
        self._closed = False
        self._lock = threading.Lock()
        make_data_dir(data_dir)
        with self._errors("kết nối"):
            # The worker connection: migrates, then holds this worker's advisory lock for life.
            self._worker = psycopg.connect(url, autocommit=True, connect_timeout=10)
            schema.apply(self._worker)
            row = self._worker.execute("SELECT nextval('worker_ids')::integer").fetchone()
            assert row is not None
            self.worker_id = int(row[0])
            self._worker.execute("SELECT pg_advisory_lock(%s, %s)", [WORKER_LOCK, self.worker_id])
        # A delivery's record never changes once written: a reader fetches it once (or holds
        # what it wrote), then only the outcome and the lease of rows written since.
        self._deliveries = Mirror(
            "SELECT key, CASE WHEN %(whole)s THEN record END,"
            f" {_DELIVERY_COLUMNS.removeprefix('record, ')} FROM deliveries d",
            self._mirrored_delivery,
            lambda d: (d.day, d.created_at, d.key),
            f"SELECT key, {_DELIVERY_COLUMNS} FROM deliveries WHERE key = ANY(%(keys)s)",
        )
        self._facts = facts_mirror()  # what a pass reads of past deliveries
        self._acks = Mirror(
            "SELECT id, record FROM ack_events",
            lambda row, _: (int(row[0]), ack_from_json(row[1])),
            lambda pair: pair[0],
        )
        self._pool: ConnectionPool[Conn] = ConnectionPool(
            url,
            min_size=1,
            max_size=pool_size,
            open=False,
            configure=_configure,
            kwargs={"autocommit": True},
            timeout=30,
            name="reminder-store",
        )
        with self._errors("kết nối"):
            self._pool.open(wait=True, timeout=30)
        self._outcomes = OutcomeRecorder(self, url)

    def __enter__(self) -> PostgresStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the pool and the worker connection (which frees this worker's leases)."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
        self._outcomes.close()
        self._pool.close()
        self._worker.close()

    def tidy_after_load(self) -> None:
        """``VACUUM (ANALYZE)`` every table, after a bulk load (``reminder migrate``): until
        autovacuum gets to them, the planner has no statistics of the rows just written (it
        misjudges how many pairs there are) and index-only scans still read each row's page
        (the visibility map is empty)."""
        with self._conn("dọn sau khi chép") as conn:
            conn.execute("VACUUM (ANALYZE)")

    def health(self) -> StoreHealth:
        """Reads every table's records and writes a probe record; never raises."""
        problems: list[str] = []
        try:
            with self._tx("đọc") as conn:
                status = schema.status(conn)
                if not status.up_to_date:
                    problems.append(
                        f"{self.describe()}: lược đồ ở phiên bản {status.current}, chương trình"
                        f" cần {status.latest} — khởi động lại reminder để cập nhật"
                    )
                for table in ("deliveries", "ack_events", "channel_state", "records"):
                    conn.execute(f"SELECT count(*) FROM {table}")
            with self._tx("ghi") as conn:
                conn.execute(
                    "INSERT INTO health_probe (id, at) VALUES (1, clock_timestamp())"
                    " ON CONFLICT (id) DO UPDATE SET at = EXCLUDED.at"
                )
        except StoreError as exc:
            problems.append(str(exc))
        except Exception as exc:  # health never raises: it reports
            problems.append(f"{self.describe()}: {type(exc).__name__}: {exc}")
        return StoreHealth(ok=not problems, problems=tuple(problems))
