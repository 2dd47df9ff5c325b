"""The delivery log read from PostgreSQL (``Store.delivery_log`` and ``delivery_log_json``):
filtered in the server on the indexed columns, streamed through a server-side cursor, the
message bodies never fetched; the JSON form built from the stored JSON without decoding
(``reminder.store.deliverylog``)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import orjson

from reminder.store.deliverylog import LogQuery, log_json
from reminder.store.postgres.base import Base
from reminder.store.postgres.prefetch import Prefetch
from reminder.store.postgres.reading import DeliveryReads
from reminder.store.records import DeliveryHead, Json, Lease

#: The head, its outcome and the lease (what ``DeliveryReads._head`` reads), in that order.
_LOG_COLUMNS = "head, outcome, lease_owner, lease_until, lease_host, lease_pid"
#: ``_LOG_COLUMNS`` with the head and outcome as text (parsed here by orjson, merged here:
#: merging them in the server, ``head || outcome``, cost it more than rendering them).
_TEXT_COLUMNS = "head::text, outcome::text, lease_owner, lease_until, lease_host, lease_pid"
#: The log's orders: as every delivery list; newest first as ``views.print_deliveries`` sorts
#: (day and recipient descending, compared as Python compares strings; ties by creation).
OLDEST_FIRST = "day, created_at, key"
NEWEST_FIRST = 'day DESC, recipient COLLATE "C" DESC, created_at, key'
#: Rows fetched at a time.
BATCH = 2000


def _where(query: LogQuery) -> tuple[str, dict[str, Any]]:
    """The WHERE clause selecting ``query``'s deliveries, and its parameters."""
    where, params = "WHERE true", dict[str, Any]()
    for column, op, value in (
        ("day", ">=", query.since),
        ("day", "<=", query.until),
        ("recipient", "=", query.recipient),
        ("channel", "=", query.channel),
        ("status", "=", query.status),
    ):
        if value is not None:
            name = f"p{len(params)}"
            where += f" AND {column} {op} %({name})s"
            params[name] = value
    return where, params


def _lease(row: Sequence[Any]) -> Lease | None:
    """The lease of a row of ``_LOG_COLUMNS`` or ``_TEXT_COLUMNS``."""
    owner, until, host, pid = row[2:6]
    if owner is None:
        return None
    return Lease(owner=owner, until=until, host=host or "", pid=int(pid or 0))


class DeliveryLog(Base):
    """The delivery log's reads."""

    def _log_batches(
        self, columns: str, query: LogQuery, order: str = OLDEST_FIRST
    ) -> Iterator[list[Any]]:
        """The rows (``columns``) of ``query``'s deliveries by day, creation and key, two
        thousand at a time: a server-side cursor in one read-only transaction, read by a
        thread of its own a few batches ahead, so the server renders the next rows while the
        caller works on these (``Prefetch``)."""
        where, params = _where(query)
        sql = f"SELECT {columns} FROM deliveries {where} ORDER BY {order}"

        def fetch() -> Iterator[list[Any]]:
            with self._tx("đọc") as conn, conn.cursor(name="delivery_log") as cursor:
                cursor.execute(sql, params)
                while batch := cursor.fetchmany(BATCH):
                    yield batch

        with Prefetch(fetch()) as batches:
            yield from batches

    def delivery_log(
        self, query: LogQuery, *, newest_first: bool = False
    ) -> Iterator[DeliveryHead]:
        """The heads of ``query``'s deliveries, by day then creation (or newest first)."""
        order = NEWEST_FIRST if newest_first else OLDEST_FIRST
        for batch in self._log_batches(_LOG_COLUMNS, query, order):
            yield from map(DeliveryReads._head, batch)

    def delivery_log_json(self, query: LogQuery, *, newest_first: bool = False) -> Iterator[Json]:
        """``delivery_head_to_json`` of each of ``delivery_log(query, newest_first=…)``,
        built from the stored JSON without decoding it into records (the outcome merged over
        the head, as every reader does)."""
        loads = orjson.loads
        order = NEWEST_FIRST if newest_first else OLDEST_FIRST
        for batch in self._log_batches(_TEXT_COLUMNS, query, order):
            for row in batch:
                yield log_json({**loads(row[0]), **loads(row[1])}, _lease(row))
