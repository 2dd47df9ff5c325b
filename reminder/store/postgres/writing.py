"""Writing deliveries in the PostgreSQL store: insert-if-new, leases (``FOR UPDATE SKIP
LOCKED``, freed by the database's clock or when their worker is gone), outcomes applied in the
server."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from psycopg.types.json import Jsonb

from reminder.store.postgres.base import WORKER_LOCK, Base, Conn, Mirror, _dumps
from reminder.store.postgres.outcomes import OutcomeRecorder
from reminder.store.postgres.reading import _D_DELIVERY_COLUMNS, delivery_from_row
from reminder.store.records import (
    Delivery,
    Lease,
    Leaseholder,
    Outcome,
    delivery_outcome_to_json,
    delivery_record_to_json,
)

# Whether the lease of row ``d`` is free, judged when the row is locked. CASE fixes the order:
# the advisory-lock probe runs only for a lease still in time, and only succeeds when no live
# worker holds that id (a worker's own session would be granted it, but no query runs there).
_FREE = f"""CASE
    WHEN d.lease_owner IS NULL THEN true
    WHEN d.lease_until <= COALESCE(%(store_now)s::timestamptz, clock_timestamp()) THEN true
    ELSE pg_try_advisory_xact_lock_shared({WORKER_LOCK}, d.lease_worker)
END"""


class DeliveryWrites(Base):
    """The delivery writes (``Store.add_deliveries``, ``lease_due``, ``record_outcome`` …)."""

    _deliveries: Mirror[Delivery]
    _outcomes: OutcomeRecorder

    def add_deliveries(
        self, deliveries: Sequence[Delivery], holder: Leaseholder, lease_s: float
    ) -> list[Delivery]:
        """Insert the new keys, leased to ``holder``; a key that exists is skipped."""
        if not deliveries:
            return []
        rows = [
            (
                d.key,
                d.day,
                d.recipient,
                d.channel,
                d.status,
                d.next_attempt_at,
                d.created_at,
                Jsonb(delivery_record_to_json(d), dumps=_dumps),
                Jsonb({**delivery_outcome_to_json(d), "claim": None}, dumps=_dumps),
            )
            for d in deliveries
        ]
        added: list[Delivery] = []
        with self._tx("ghi thư đi") as conn:
            lease = self._lease_row(conn, holder, lease_s)
            with conn.cursor() as cur:
                cur.executemany(
                    "INSERT INTO deliveries (key, day, recipient, channel, status,"
                    " next_attempt_at, created_at, record, outcome, lease_owner, lease_worker,"
                    " lease_until, lease_host, lease_pid)"
                    " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
                    " ON CONFLICT (key) DO NOTHING RETURNING key",
                    [
                        (*r, holder.owner, self.worker_id, lease.until, holder.host, holder.pid)
                        for r in rows
                    ],
                    returning=True,
                )
                inserted: set[str] = set()
                while True:
                    found = cur.fetchone()
                    if found is not None:
                        inserted.add(str(found[0]))
                    if not cur.nextset():
                        break
        for d in deliveries:
            if d.key in inserted:
                inserted.discard(d.key)  # a key given twice was inserted once
                added.append(replace(d, lease=lease))
        self._deliveries.seed({d.key: d for d in added})
        return added

    def _lease_row(self, conn: Conn, holder: Leaseholder, lease_s: float) -> Lease:
        row = conn.execute(
            "SELECT COALESCE(%s::timestamptz, clock_timestamp()) + make_interval(secs => %s)",
            [self._store_now(), lease_s],
        ).fetchone()
        assert row is not None
        return Lease(owner=holder.owner, until=row[0], host=holder.host, pid=holder.pid)

    def lease_due(
        self, holder: Leaseholder, now: datetime, lease_s: float, limit: int | None = None
    ) -> list[Delivery]:
        """Lease the retries due at ``now`` and the pending deliveries nobody holds, at most
        ``limit`` (see the module docstring for when a lease is free)."""
        with self._conn("nhận thư cần gửi") as conn:
            rows = conn.execute(
                f"""
                WITH due AS (
                    SELECT d.key FROM deliveries d
                    WHERE d.status IN ('pending', 'retry')
                      AND (d.status = 'pending' OR d.next_attempt_at <= %(now)s)
                      AND {_FREE}
                    ORDER BY d.day, d.created_at
                    LIMIT %(limit)s
                    FOR UPDATE OF d SKIP LOCKED
                )
                UPDATE deliveries d SET
                    writer = pg_current_xact_id(),
                    lease_owner = %(owner)s, lease_worker = %(worker)s,
                    lease_until = COALESCE(%(store_now)s::timestamptz, clock_timestamp())
                        + make_interval(secs => %(lease_s)s),
                    lease_host = %(host)s, lease_pid = %(pid)s
                FROM due WHERE d.key = due.key
                RETURNING {_D_DELIVERY_COLUMNS}
                """,
                {
                    "now": now,
                    "owner": holder.owner,
                    "worker": self.worker_id,
                    "lease_s": lease_s,
                    "host": holder.host,
                    "pid": holder.pid,
                    "store_now": self._store_now(),
                    "limit": limit,
                },
            ).fetchall()
            taken = [delivery_from_row(r) for r in rows]
        return sorted(taken, key=lambda d: (d.day, d.created_at))

    def renew_leases(self, owner: str, lease_s: float) -> None:
        """Extend ``owner``'s leases to database-now + ``lease_s``."""
        with self._conn("gia hạn") as conn:
            conn.execute(
                "UPDATE deliveries SET writer = pg_current_xact_id(), lease_until"
                " = COALESCE(%s::timestamptz, clock_timestamp()) + make_interval(secs => %s)"
                " WHERE lease_owner = %s",
                [self._store_now(), lease_s, owner],
            )

    def release_leases(self, owner: str) -> None:
        """Free ``owner``'s leases at once."""
        with self._conn("trả thư") as conn:
            conn.execute(
                "UPDATE deliveries SET writer = pg_current_xact_id(),"
                " lease_owner = NULL, lease_worker = NULL,"
                " lease_until = NULL, lease_host = NULL, lease_pid = NULL"
                " WHERE lease_owner = %s",
                [owner],
            )

    def record_outcome(self, outcome: Outcome) -> None:
        """Apply the outcome to its delivery and commit before returning (``OutcomeRecorder``:
        concurrent callers share one commit).

        The JSON record changes as ``apply_outcome`` says (the contract tests compare it with
        ``apply_outcome`` field by field): the outcome's own fields are merged in, and the error,
        if any, is appended to the kept history inside the server.
        """
        self._outcomes.record(outcome)

    def flush(self) -> None:
        """Nothing is buffered: outcomes are in the database when ``record_outcome`` returns."""
