"""The delivery log read from PostgreSQL (``Store.delivery_log`` and ``delivery_log_json``):
filtered in the server on the indexed columns, streamed through a server-side cursor, the
message bodies never fetched; the JSON form built from the stored JSON without decoding
(``reminder.store.deliverylog``)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from reminder.store.deliverylog import LogQuery, log_json
from reminder.store.postgres.base import Base
from reminder.store.postgres.reading import DeliveryReads
from reminder.store.records import DeliveryHead, Json, Lease

#: The head, its outcome and the lease (what ``DeliveryReads._head`` reads), in that order.
_LOG_COLUMNS = "head, outcome, lease_owner, lease_until, lease_host, lease_pid"


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
    owner, until, host, pid = row[2:6]
    if owner is None:
        return None
    return Lease(owner=owner, until=until, host=host or "", pid=int(pid or 0))


class DeliveryLog(Base):
    """The delivery log's reads."""

    def _log_rows(self, query: LogQuery) -> Iterator[Sequence[Any]]:
        """The rows of ``query``'s deliveries by day, creation and key, fetched two thousand at
        a time (a server-side cursor in one read-only transaction, held while the caller
        iterates)."""
        where, params = _where(query)
        with self._tx("đọc") as conn, conn.cursor(name="delivery_log") as cursor:
            cursor.itersize = 2000
            cursor.execute(
                f"SELECT {_LOG_COLUMNS} FROM deliveries {where} ORDER BY day, created_at, key",
                params,
            )
            yield from cursor

    def delivery_log(self, query: LogQuery) -> Iterator[DeliveryHead]:
        """The heads of ``query``'s deliveries, by day then creation."""
        for row in self._log_rows(query):
            yield DeliveryReads._head(row)

    def delivery_log_json(self, query: LogQuery) -> Iterator[Json]:
        """``delivery_head_to_json`` of each of ``delivery_log(query)``, built from the
        stored JSON without decoding it into records."""
        for row in self._log_rows(query):
            yield log_json({**row[0], **row[1]}, _lease(row))
