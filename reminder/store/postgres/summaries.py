"""What the web pages read of the deliveries besides the state, in the PostgreSQL store: the
deliveries that carried some pairs (a task's history, from ``delivery_items``) and the
messages counted by channel, status and month of sending (a ``GROUP BY`` in the server: no
record leaves it)."""

from __future__ import annotations

from datetime import datetime
from typing import cast

from reminder.labels import LOCAL_TZ
from reminder.store import bearing
from reminder.store.bearing import Pairs
from reminder.store.postgres.base import Base
from reminder.store.postgres.reading import _HEAD_COLUMNS, DeliveryReads, _pairs_sql
from reminder.store.records import DeliveryHead, DeliveryStatus
from reminder.store.tally import MessageCount

# ``tally.delivery_status_as_of`` in SQL: the status column (kept with the outcome, checked by
# the schema) and the times in the row's outcome (where they live since migration 003).
_STATUS_AS_OF = """CASE
    WHEN status = 'sent' THEN
        CASE WHEN sent_at IS NULL OR sent_at <= %(as_of)s THEN 'sent' ELSE 'pending' END
    WHEN status IN ('failed', 'dead', 'retry') THEN
        CASE WHEN last_at IS NULL OR last_at <= %(as_of)s THEN status ELSE 'pending' END
    ELSE status
END"""


class Summaries(Base):
    """``Store.carrying_deliveries`` and ``Store.message_counts``."""

    def carrying_deliveries(self, as_of: datetime, pairs: Pairs) -> list[DeliveryHead]:
        """Every delivery that carried a pair of ``pairs`` by ``as_of``, found through the
        indexes of ``delivery_items`` (one per kind of item: each half of the union uses its
        own), in ``bearing.order``."""
        where, params = _pairs_sql(pairs)
        params["as_of"] = as_of
        with self._conn("đọc") as conn:
            rows = conn.execute(
                f"""
                WITH carried AS (
                    SELECT key FROM delivery_items
                    WHERE NOT escalation AND created_at <= %(as_of)s {where}
                    UNION
                    SELECT key FROM delivery_items
                    WHERE escalation AND created_at <= %(as_of)s {where}
                )
                SELECT {_HEAD_COLUMNS} FROM deliveries JOIN carried USING (key)
                """,
                params,
            )
            return sorted((DeliveryReads._head(r) for r in rows), key=bearing.order)

    def message_counts(self, as_of: datetime) -> list[MessageCount]:
        """The deliveries as of ``as_of`` by channel, status as of then and local month of
        sending, counted in the server."""
        with self._conn("đọc") as conn:
            rows = conn.execute(
                f"""
                WITH moments AS (
                    SELECT channel, created_at, status,
                           (outcome->>'sent_at')::timestamptz AS sent_at,
                           (outcome->>'last_attempt_at')::timestamptz AS last_at
                    FROM deliveries WHERE created_at <= %(as_of)s
                ), as_of AS (
                    SELECT channel, created_at, sent_at, {_STATUS_AS_OF} AS status
                    FROM moments
                )
                SELECT channel, status,
                       CASE WHEN status = 'sent' THEN to_char(
                           COALESCE(sent_at, created_at) AT TIME ZONE %(tz)s, 'YYYY-MM'
                       ) ELSE '' END AS month,
                       count(*)
                FROM as_of GROUP BY 1, 2, 3
                """,
                {"as_of": as_of, "tz": str(LOCAL_TZ)},
            ).fetchall()
        return sorted(
            MessageCount(str(channel), cast(DeliveryStatus, status), str(month), int(count))
            for channel, status, month, count in rows
        )
