"""Reading deliveries from the PostgreSQL store: every delivery through this process's mirror
(a delivery's record fetched once, then only its outcome and lease), heads without messages,
what the state of pairs reads of them, one delivery by key."""

from __future__ import annotations

from collections.abc import Generator, Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import replace
from datetime import date, datetime
from typing import Any, cast

import psycopg
from psycopg.rows import TupleRow

from reminder.store.bearing import EVERY, Pairs
from reminder.store.postgres.base import Base, Mirror
from reminder.store.records import (
    CarriedItem,
    Delivery,
    DeliveryHead,
    DeliveryMark,
    Lease,
    PairDeliveries,
    delivery_from_json,
    delivery_head_from_json,
    delivery_with_outcome,
    mark_from_columns,
)

# What ``_delivery`` reads, in its order (and the same qualified by the alias ``d``).
_DELIVERY_FIELDS = (
    "record",
    "outcome",
    "lease_owner",
    "lease_until",
    "lease_host",
    "lease_pid",
)
_DELIVERY_COLUMNS = ", ".join(_DELIVERY_FIELDS)
_D_DELIVERY_COLUMNS = ", ".join(f"d.{name}" for name in _DELIVERY_FIELDS)

#: What ``_head`` reads: the record without its message, its outcome, and the lease.
_HEAD_COLUMNS = "head, outcome, lease_owner, lease_until, lease_host, lease_pid"

#: Rows per chunk of a streamed read (``pair_deliveries``, ``latest_acks``): enough that
#: psycopg makes them in C, few enough that decoding starts long before the server is done.
STREAM_CHUNK = 2000


@contextmanager
def streamed(
    cursor: psycopg.Cursor[TupleRow], query: str, params: dict[str, Any]
) -> Iterator[Iterator[TupleRow]]:
    """The rows of ``query``, streamed ``STREAM_CHUNK`` at a time, and the stream closed on the
    way out even when they are not all read (a stored value that does not decode raises
    midway): until it is closed, the paused stream holds the connection's lock, and handing
    the connection back to the pool waited on that lock for ever — ``status`` hung instead of
    naming the record."""
    rows = cast(Generator[TupleRow], cursor.stream(query, params, size=STREAM_CHUNK))
    with closing(rows):
        yield rows


def _pairs_sql(pairs: Pairs) -> tuple[str, dict[str, Any]]:
    """``AND …`` conditions on plan/task/unit columns selecting ``pairs``, and their values."""
    where, params = "", dict[str, Any]()
    if pairs.plan is not None:
        where += " AND plan = %(plan)s"
        params["plan"] = pairs.plan
    if pairs.task is not None:
        where += " AND task = %(task)s"
        params["task"] = pairs.task
    if pairs.units is not None:
        where += " AND unit = ANY(%(units)s)"
        params["units"] = sorted(pairs.units)
    return where, params


def pair_deliveries_sql(as_of: datetime, pairs: Pairs) -> tuple[str, dict[str, Any]]:
    """The statement ``DeliveryReads.pair_deliveries`` runs, and its values: the latest item
    of each pair (not an escalation) and every escalation, created by ``as_of``, each with its
    delivery's columns and outcome fields — ``mark_from_columns`` from the fifth column on."""
    where, params = _pairs_sql(pairs)
    params["as_of"] = as_of
    sql = f"""
        WITH picked AS (
            (SELECT DISTINCT ON (plan, task, unit) plan, task, unit, kind, key
             FROM delivery_items
             WHERE NOT escalation AND created_at <= %(as_of)s {where}
             ORDER BY plan, task, unit, day DESC, created_at DESC, key DESC, kind)
            UNION ALL
            SELECT plan, task, unit, kind, key FROM delivery_items
            WHERE escalation AND created_at <= %(as_of)s {where}
        )
        SELECT p.plan, p.task, p.unit, p.kind, d.key, d.recipient, d.channel, d.day,
               d.created_at, d.outcome->>'status', d.outcome->>'attempts',
               d.outcome->>'last_attempt_at', d.outcome->>'sent_at',
               NULLIF(d.outcome->'last_error', 'null')
        FROM picked p JOIN deliveries d USING (key)
        """
    return sql, params


def delivery_from_row(row: Sequence[Any], held: Delivery | None = None) -> Delivery:
    """The delivery of a row of ``_DELIVERY_COLUMNS``; with ``record`` NULL, ``held`` (the
    same delivery as read before) with the row's outcome and lease."""
    record, outcome, owner, until, host, pid = row
    lease = None
    if owner is not None:
        lease = Lease(owner=owner, until=until, host=host or "", pid=int(pid or 0))
    if record is None:
        assert held is not None, "a partial row is decoded over the delivery held"
        return delivery_with_outcome(held, outcome, lease)
    return replace(delivery_from_json({**record, **outcome}), lease=lease)


class DeliveryReads(Base):
    """The delivery reads (``Store.deliveries``, ``delivery``, ``delivery_heads`` …)."""

    _deliveries: Mirror[Delivery]

    def _mirrored_delivery(self, row: Sequence[Any], held: Delivery | None) -> Delivery:
        return delivery_from_row(row[1:], held)

    def delivery_months(self) -> list[str]:
        """Months that hold deliveries, oldest first."""
        with self._conn("đọc") as conn:
            rows = conn.execute(
                "SELECT DISTINCT to_char(day, 'YYYY-MM') AS m FROM deliveries ORDER BY m"
            ).fetchall()
        return [str(r[0]) for r in rows]

    def deliveries(self, month: str | None = None) -> list[Delivery]:
        """Every delivery (of ``month``), by day then creation. Only rows written since the
        previous read are fetched and decoded (see ``_Mirror``)."""
        every = self._deliveries.refresh(self)
        if month:
            return [d for d in every if d.month == month]
        return list(every)

    @staticmethod
    def _head(row: Sequence[Any]) -> DeliveryHead:
        head, outcome, owner, until, host, pid = row
        decoded = delivery_head_from_json({**head, **outcome})
        if owner is None:
            return decoded if decoded.lease is None else replace(decoded, lease=None)
        lease = Lease(owner=owner, until=until, host=host or "", pid=int(pid or 0))
        return replace(decoded, lease=lease)

    def delivery_heads(
        self,
        month: str | None = None,
        *,
        since: date | None = None,
        channel: str | None = None,
    ) -> list[DeliveryHead]:
        """``deliveries(month)`` without their messages: the ``head`` column, so the message
        bodies never leave the server; filtered in the server."""
        return list(self.each_delivery_head(month, since=since, channel=channel))

    def each_delivery_head(
        self,
        month: str | None = None,
        *,
        since: date | None = None,
        channel: str | None = None,
    ) -> Iterator[DeliveryHead]:
        """``delivery_heads``, fetched a thousand rows at a time (a server-side cursor in one
        read-only transaction, held while the caller iterates)."""
        where, params = "WHERE true", dict[str, Any]()
        if month:
            first = date.fromisoformat(f"{month}-01")
            params["first"] = first
            params["after"] = date(first.year + first.month // 12, first.month % 12 + 1, 1)
            where += " AND day >= %(first)s AND day < %(after)s"
        if since is not None:
            where += " AND day >= %(since)s"
            params["since"] = since
        if channel is not None:
            where += " AND channel = %(channel)s"
            params["channel"] = channel
        with self._tx("đọc") as conn, conn.cursor(name="delivery_heads") as cursor:
            cursor.itersize = 1000
            cursor.execute(
                f"SELECT {_HEAD_COLUMNS} FROM deliveries {where} ORDER BY day, created_at, key",
                params,
            )
            for row in cursor:
                yield self._head(row)

    def pair_deliveries(self, as_of: datetime, pairs: Pairs = EVERY) -> PairDeliveries:
        """What the state of ``pairs`` as of ``as_of`` reads of the deliveries
        (``bearing.pair_deliveries``): the items chosen in the server from ``delivery_items``,
        each with its delivery's columns and outcome fields as plain values (no record is
        decoded), in one statement (one snapshot: ``pair_deliveries_sql``)."""
        items: list[CarriedItem] = []
        marks: dict[str, DeliveryMark] = {}
        # Streamed in chunks: rows are decoded while the server still makes the next ones
        # (a parallel plan: chunked rows are a client mode, unlike a cursor's). Measured in
        # session 5: without parallel workers the server chose a hash join over every
        # delivery, and ``status`` took longer.
        with (
            self._conn("đọc") as conn,
            conn.cursor(binary=True) as cursor,
            streamed(cursor, *pair_deliveries_sql(as_of, pairs)) as rows,
        ):
            for row in rows:
                key = row[4]
                if key not in marks:
                    marks[key] = mark_from_columns(*row[4:])
                items.append(CarriedItem(row[0], row[1], row[2], row[3], key))
        return PairDeliveries(items, marks)

    def delivery(self, key: str, day: date) -> Delivery | None:
        """The delivery ``key`` (``day`` is not needed here: keys are unique)."""
        with self._conn("đọc") as conn:
            row = conn.execute(
                f"SELECT {_DELIVERY_COLUMNS} FROM deliveries WHERE key = %s",
                [key],
            ).fetchone()
            return None if row is None else delivery_from_row(row)
