"""Acknowledgments in the PostgreSQL store: appended (an event's id recorded once), read
through this process's mirror, the latest of each pair chosen in the server."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from psycopg.types.json import Jsonb

from reminder.store.bearing import EVERY, Pairs
from reminder.store.postgres.base import ACK_ID_LOCK, Base, Conn, Mirror, _dumps
from reminder.store.postgres.reading import _pairs_sql, streamed
from reminder.store.records import (
    AckEvent,
    ack_from_columns,
    ack_to_json,
)

Pair = tuple[str, str, str]


class Acks(Base):
    """The acknowledgment operations of the ``Store``."""

    _acks: Mirror[tuple[int, AckEvent]]

    def add_acks(self, events: Sequence[AckEvent]) -> None:
        """Append acknowledgment events, all in one transaction."""
        if not events:
            return
        with self._tx("ghi xác nhận") as conn, conn.cursor() as cur:
            stamp = self._store_now()
            if stamp is None:
                row = conn.execute("SELECT clock_timestamp()").fetchone()
                assert row is not None
                stamp = row[0]
            stamped = [e if e.recorded_utc else replace(e, recorded_utc=stamp) for e in events]
            stamped = self._new_ack_ids(conn, stamped)
            if not stamped:
                return
            cur.executemany(
                "INSERT INTO ack_events (plan, task, unit, at, record) VALUES (%s, %s, %s, %s, %s)",
                [
                    (e.plan, e.task, e.unit, e.at, Jsonb(ack_to_json(e), dumps=_dumps))
                    for e in stamped
                ],
            )

    @staticmethod
    def _new_ack_ids(conn: Conn, events: list[AckEvent]) -> list[AckEvent]:
        """``events`` less those whose ``id`` is already recorded. Each id is locked for the
        transaction first (advisory), so two workers adding the same id add it once."""
        out: list[AckEvent] = []
        taken: set[str] = set()
        for event in events:
            if event.id:
                if event.id in taken:
                    continue
                taken.add(event.id)
                conn.execute(
                    "SELECT pg_advisory_xact_lock(%s, hashtext(%s))",
                    [ACK_ID_LOCK, event.id],
                )
                row = conn.execute(
                    "SELECT 1 FROM ack_events WHERE plan = %s AND task = %s AND unit = %s"
                    " AND record->>'id' = %s",
                    [event.plan, event.task, event.unit, event.id],
                ).fetchone()
                if row is not None:
                    continue
            out.append(event)
        return out

    def ack_events(
        self, *, as_of: datetime | None = None, pair: Pair | None = None
    ) -> list[AckEvent]:
        """Events in the order recorded (filtered by ``as_of`` and ``pair``)."""
        return [
            e
            for _, e in self._acks.refresh(self)
            if (as_of is None or e.at <= as_of) and (pair is None or e.pair == pair)
        ]

    def latest_acks(self, as_of: datetime, pairs: Pairs = EVERY) -> list[AckEvent]:
        """The latest event of each pair of ``pairs`` at or before ``as_of``
        (``bearing.latest``: the latest ``at``, then the one recorded last), chosen in the
        server and read field by field (``latest_acks_sql``, ``ack_from_columns``)."""
        # Streamed in chunks (``reading.streamed``): rows are decoded while the server makes
        # the next ones.
        with (
            self._conn("đọc") as conn,
            conn.cursor() as cursor,
            streamed(cursor, *latest_acks_sql(as_of, pairs)) as rows,
        ):
            return [ack_from_columns(*r) for r in rows]


def latest_acks_sql(as_of: datetime, pairs: Pairs) -> tuple[str, dict[str, Any]]:
    """The statement ``Acks.latest_acks`` runs, and its values: the latest event of each pair,
    its fields as ``ack_from_columns`` takes them. They are taken out of the chosen events
    only: in the query level of DISTINCT ON they would be computed for every event scanned
    (a province's year: 452,064 events for 120,000 kept), before the others are dropped."""
    where, params = _pairs_sql(pairs)
    params["as_of"] = as_of
    sql = f"""
        SELECT plan, task, unit, r->>'state', r->>'at', r->>'source', r->>'by', r->>'note',
               r->>'recorded_utc', r->>'id'
        FROM (SELECT DISTINCT ON (plan, task, unit) plan, task, unit, record AS r
              FROM ack_events
              WHERE at <= %(as_of)s {where}
              ORDER BY plan, task, unit, at DESC, id DESC) AS latest
        """
    return sql, params
