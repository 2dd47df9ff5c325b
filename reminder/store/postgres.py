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
- **Outcomes** are committed before ``record_outcome`` returns, with ``synchronous_commit``
  off for that transaction: a killed worker loses nothing (the server has it), a crash of the
  database server itself may lose the last fraction of a second of outcomes — those messages
  are then sent again. Everything else commits durably.
- Every operation is one transaction on a connection from a small pool (psycopg_pool), so the
  web app's threads and the pass's senders use the store at once; nothing holds a lock across
  network calls of the channels.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import Any, Generic, TypeVar

import orjson
import psycopg
from psycopg.rows import TupleRow
from psycopg.types.json import Jsonb
from psycopg_pool import ConnectionPool, PoolTimeout

from reminder.errors import StoreError
from reminder.store import StoreHealth, bearing, schema
from reminder.store.bearing import EVERY, Pairs
from reminder.store.records import (
    ERROR_HISTORY,
    AckEvent,
    ChannelState,
    Delivery,
    DeliveryHead,
    DigestRun,
    Lease,
    Leaseholder,
    Outcome,
    RecordKind,
    RecordShapeError,
    ack_from_json,
    ack_to_json,
    delivery_from_json,
    delivery_head_from_json,
    delivery_outcome_to_json,
    delivery_record_to_json,
    delivery_with_outcome,
    digest_run_from_json,
    digest_run_to_json,
    error_to_json,
)

R = TypeVar("R")
Pair = tuple[str, str, str]
Conn = psycopg.Connection[TupleRow]

#: First key of the workers' advisory locks ("REMI"); the second is the worker id.
WORKER_LOCK = 0x52454D49
#: First key of the transaction locks that make an acknowledgment id unique ("ACKI").
ACK_ID_LOCK = 0x41434B49

# What ``_delivery`` reads, in its order (and the same qualified by the alias ``d``).
_DELIVERY_FIELDS = ("record", "outcome", "lease_owner", "lease_until", "lease_host", "lease_pid")
_DELIVERY_COLUMNS = ", ".join(_DELIVERY_FIELDS)
_D_DELIVERY_COLUMNS = ", ".join(f"d.{name}" for name in _DELIVERY_FIELDS)

#: What ``_head`` reads: the record without its message, its outcome, and the lease.
_HEAD_COLUMNS = "head, outcome, lease_owner, lease_until, lease_host, lease_pid"


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


# Whether the lease of row ``d`` is free, judged when the row is locked. CASE fixes the order:
# the advisory-lock probe runs only for a lease still in time, and only succeeds when no live
# worker holds that id (a worker's own session would be granted it, but no query runs there).
_FREE = f"""CASE
    WHEN d.lease_owner IS NULL THEN true
    WHEN d.lease_until <= COALESCE(%(store_now)s::timestamptz, clock_timestamp()) THEN true
    ELSE pg_try_advisory_xact_lock_shared({WORKER_LOCK}, d.lease_worker)
END"""


# ``apply_outcome`` inside the server: merge the outcome's fields into the row's ``outcome``
# (never its ``record``: the message and items stay as written, so the update is small), append
# the error (if any) to the last ``keep`` errors kept, end the lease.
_APPLY_OUTCOME = """
UPDATE deliveries SET
    writer = pg_current_xact_id(),
    status = %(status)s,
    next_attempt_at = %(next)s,
    lease_owner = NULL, lease_worker = NULL, lease_until = NULL,
    lease_host = NULL, lease_pid = NULL,
    outcome = outcome || %(patch)s || CASE
        WHEN %(error)s::jsonb IS NULL THEN '{}'::jsonb
        ELSE jsonb_build_object('errors', COALESCE((
            SELECT jsonb_agg(e.value ORDER BY e.n)
            FROM jsonb_array_elements(COALESCE(outcome->'errors', '[]')) WITH ORDINALITY e(value, n)
            WHERE e.n > jsonb_array_length(COALESCE(outcome->'errors', '[]')) - %(keep)s
        ), '[]'::jsonb) || %(error)s::jsonb)
    END
WHERE key = %(key)s
  -- Idempotent, as apply_outcome is: the same outcome applied again changes nothing.
  AND NOT (
    (outcome->>'attempts')::integer IS NOT DISTINCT FROM %(attempts)s
    AND (outcome->>'last_attempt_at')::timestamptz IS NOT DISTINCT FROM %(at)s
  )
  -- This statement is its own transaction (autocommit): commit it without waiting for the
  -- disk. A killed worker loses nothing; a crash of the server may lose the last outcomes.
  AND set_config('synchronous_commit', 'off', true) = 'off'
"""


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


def _configure(conn: Conn) -> None:
    psycopg.types.json.set_json_loads(orjson.loads, conn)


T = TypeVar("T")


class _Mirror(Generic[T]):
    """This process's decoded copy of a table that is read whole (deliveries, ack events).

    Each read fetches only the rows written (``writer`` column) by transactions at or after
    the oldest one still running at the previous read — a transaction that commits late is
    fetched then, never missed — and decodes only those. Rows are never deleted.

    ``query`` selects the key first and may leave the second column NULL unless ``%(whole)s``
    (true at the first read): ``decode`` then gets the value held and updates
    it. A row left NULL that this reader does not hold is fetched whole by ``whole``
    (``%(keys)s``) in the same transaction. ``seed`` adds values the process wrote itself.
    """

    def __init__(
        self,
        query: str,
        decode: Callable[[Sequence[Any], T | None], T],
        order: Callable[[T], Any],
        whole: str | None = None,
    ) -> None:
        self._query = query + " WHERE writer >= %(mark)s::xid8"
        self._whole = whole
        self._decode = decode
        self._order = order
        self._rows: dict[Any, T] = {}
        self._sorted: list[T] = []
        self._watermark = "0"
        self._lock = threading.Lock()

    def refresh(self, store: PostgresStore) -> list[T]:
        """Every row, decoded, in order (the list is shared: do not change it)."""
        with self._lock:
            with store._errors("đọc"), store._pool.connection() as conn:
                with conn.transaction():
                    conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                    mark = conn.execute(
                        "SELECT pg_snapshot_xmin(pg_current_snapshot())::text"
                    ).fetchone()
                    rows = conn.execute(
                        self._query, {"mark": self._watermark, "whole": self._watermark == "0"}
                    ).fetchall()
                    unknown = [r[0] for r in rows if r[1] is None and r[0] not in self._rows]
                    if unknown and self._whole is not None:
                        rows = [r for r in rows if r[1] is not None or r[0] in self._rows]
                        rows += conn.execute(self._whole, {"keys": unknown}).fetchall()
                assert mark is not None
                for row in rows:
                    self._rows[row[0]] = self._decode(row, self._rows.get(row[0]))
            self._watermark = str(mark[0])
            if rows or len(self._sorted) != len(self._rows):
                self._sorted = sorted(self._rows.values(), key=self._order)
            return self._sorted

    def seed(self, values: dict[Any, T]) -> None:
        """Hold ``values`` (rows this process has just written, as written) unless a read got
        them first, so the next read fetches only what changed in them since."""
        with self._lock:
            for key, value in values.items():
                self._rows.setdefault(key, value)


class PostgresStore:
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
        try:
            data_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(
                f"{data_dir}: không tạo được thư mục dữ liệu ({exc.strerror}) — chỉ thư mục khác"
                " bằng --data-dir hoặc REMINDER_DATA_DIR"
            ) from None
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
        self._deliveries = _Mirror(
            "SELECT key, CASE WHEN %(whole)s THEN record END,"
            f" {_DELIVERY_COLUMNS.removeprefix('record, ')} FROM deliveries d",
            self._mirrored_delivery,
            lambda d: (d.day, d.created_at, d.key),
            f"SELECT key, {_DELIVERY_COLUMNS} FROM deliveries WHERE key = ANY(%(keys)s)",
        )
        self._acks = _Mirror(
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

    # -- plumbing --------------------------------------------------------------------------------

    @contextmanager
    def _errors(self, doing: str) -> Iterator[None]:
        """Turn the driver's errors into a ``StoreError`` naming the server."""
        try:
            yield
        except StoreError:
            raise
        except (psycopg.OperationalError, PoolTimeout) as exc:
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise StoreError(
                f"cơ sở dữ liệu PostgreSQL {self.where}: không {doing} được ({reason}) — kiểm tra"
                " máy chủ đang chạy, địa chỉ trong REMINDER_STORE_URL và quyền của người dùng"
            ) from None
        except psycopg.Error as exc:
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise StoreError(
                f"cơ sở dữ liệu PostgreSQL {self.where}: lỗi khi {doing} ({reason})"
                " — báo cho người quản trị cơ sở dữ liệu"
            ) from None
        except RecordShapeError as exc:
            raise StoreError(
                f"cơ sở dữ liệu PostgreSQL {self.where}: bản ghi sai dạng ({exc}) — khôi phục"
                " từ bản sao lưu hoặc sửa bản ghi đó"
            ) from None

    @contextmanager
    def _tx(self, doing: str) -> Iterator[Conn]:
        """One transaction on a pooled connection (committed on success)."""
        with self._errors(doing), self._pool.connection() as conn, conn.transaction():
            yield conn

    @contextmanager
    def _conn(self, doing: str) -> Iterator[Conn]:
        """A pooled connection in autocommit: each statement is its own transaction (one round
        trip for the single-statement operations)."""
        with self._errors(doing), self._pool.connection() as conn:
            yield conn

    def __enter__(self) -> PostgresStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _store_now(self) -> datetime | None:
        """The replacing clock's time, or None: the database's clock decides."""
        return None if self._clock is None else self._clock()

    def describe(self) -> str:
        """Where the data is."""
        return f"cơ sở dữ liệu PostgreSQL {self.where}"

    def close(self) -> None:
        """Close the pool and the worker connection (which frees this worker's leases)."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
        self._pool.close()
        self._worker.close()

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

    # -- deliveries -------------------------------------------------------------------------------

    @staticmethod
    def _delivery(row: Sequence[Any], held: Delivery | None = None) -> Delivery:
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

    def _mirrored_delivery(self, row: Sequence[Any], held: Delivery | None) -> Delivery:
        return self._delivery(row[1:], held)

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
        self, month: str | None = None, *, since: date | None = None, channel: str | None = None
    ) -> list[DeliveryHead]:
        """``deliveries(month)`` without their messages: the ``head`` column, so the message
        bodies never leave the server; filtered in the server."""
        return list(self.each_delivery_head(month, since=since, channel=channel))

    def each_delivery_head(
        self, month: str | None = None, *, since: date | None = None, channel: str | None = None
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

    def bearing_deliveries(self, as_of: datetime, pairs: Pairs = EVERY) -> list[DeliveryHead]:
        """What the state of ``pairs`` as of ``as_of`` reads of the deliveries
        (``bearing.deliveries``), chosen in the server from ``delivery_items``."""
        where, params = _pairs_sql(pairs)
        params["as_of"] = as_of
        with self._conn("đọc") as conn:
            rows = conn.execute(
                f"""
                WITH latest AS (
                    SELECT DISTINCT ON (plan, task, unit) key FROM delivery_items
                    WHERE NOT escalation AND created_at <= %(as_of)s {where}
                    ORDER BY plan, task, unit, day DESC, created_at DESC, key DESC
                ), wanted AS (
                    SELECT key FROM latest
                    UNION
                    SELECT key FROM delivery_items
                    WHERE escalation AND created_at <= %(as_of)s {where}
                )
                SELECT {_HEAD_COLUMNS} FROM deliveries JOIN wanted USING (key)
                """,
                params,
            )
            # Sorted here: the server would sort the wide rows on disk.
            return sorted((self._head(r) for r in rows), key=bearing.order)

    def delivery(self, key: str, day: date) -> Delivery | None:
        """The delivery ``key`` (``day`` is not needed here: keys are unique)."""
        with self._conn("đọc") as conn:
            row = conn.execute(
                f"SELECT {_DELIVERY_COLUMNS} FROM deliveries WHERE key = %s",
                [key],
            ).fetchone()
            return None if row is None else self._delivery(row)

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
            taken = [self._delivery(r) for r in rows]
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
        """Apply the outcome to its delivery and commit before returning (see the module
        docstring on durability): one round trip to the server.

        The JSON record changes as ``apply_outcome`` says (the contract tests compare it with
        ``apply_outcome`` field by field): the outcome's own fields are merged in, and the error,
        if any, is appended to the kept history inside the server.
        """
        patch: dict[str, Any] = {
            "status": outcome.status,
            "attempts": outcome.attempts,
            "first_attempt_at": _iso(outcome.first_attempt_at),
            "last_attempt_at": outcome.at.isoformat(),
            "next_attempt_at": _iso(outcome.next_attempt_at),
            "last_error": None if outcome.error is None else error_to_json(outcome.error),
            "claim": None,
        }
        if outcome.status == "sent":
            patch["sent_at"] = outcome.at.isoformat()
            patch["receipt"] = (
                None
                if outcome.receipt is None
                else {"id": outcome.receipt.provider_id, "detail": outcome.receipt.detail}
            )
        error = None if outcome.error is None else Jsonb([error_to_json(outcome.error)])
        with self._conn("ghi kết quả gửi") as conn:
            cur = conn.execute(
                _APPLY_OUTCOME,
                {
                    "key": outcome.key,
                    "status": outcome.status,
                    "next": outcome.next_attempt_at,
                    "patch": Jsonb(patch, dumps=_dumps),
                    "error": error,
                    "keep": ERROR_HISTORY - 1,
                    "attempts": outcome.attempts,
                    "at": outcome.at,
                },
            )
            exists = (
                cur.rowcount == 1
                or conn.execute("SELECT 1 FROM deliveries WHERE key = %s", [outcome.key]).fetchone()
            )
            if not exists:
                raise StoreError(
                    f"{self.describe()}: kết quả gửi cho {outcome.key} nhưng không có thư đó"
                    " — báo lỗi này cho người phát triển"
                )

    def flush(self) -> None:
        """Nothing is buffered: outcomes are in the database when ``record_outcome`` returns."""

    # -- acknowledgments --------------------------------------------------------------------------

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
                    "SELECT pg_advisory_xact_lock(%s, hashtext(%s))", [ACK_ID_LOCK, event.id]
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
        server."""
        where, params = _pairs_sql(pairs)
        params["as_of"] = as_of
        with self._conn("đọc") as conn:
            rows = conn.execute(
                f"""
                SELECT DISTINCT ON (plan, task, unit) record FROM ack_events
                WHERE at <= %(as_of)s {where}
                ORDER BY plan, task, unit, at DESC, id DESC
                """,
                params,
            )
            return [ack_from_json(r[0]) for r in rows]

    # -- channel state and digest runs ---------------------------------------------------------

    def channel_state(self, name: str) -> ChannelState:
        """Channel ``name``'s state."""
        with self._conn("đọc") as conn:
            row = conn.execute(
                "SELECT version, record FROM channel_state WHERE name = %s", [name]
            ).fetchone()
        if row is None:
            return ChannelState(name)
        values = {str(k): None if v is None else str(v) for k, v in dict(row[1]).items()}
        return ChannelState(name, values, int(row[0]))

    def swap_channel_state(
        self, expected: ChannelState, values: dict[str, str | None]
    ) -> ChannelState | None:
        """Compare-and-set on the version."""
        record = Jsonb(dict(values), dumps=_dumps)
        with self._conn("ghi trạng thái kênh") as conn:
            if expected.version == 0:
                row = conn.execute(
                    "INSERT INTO channel_state (name, version, record) VALUES (%s, 1, %s)"
                    " ON CONFLICT (name) DO NOTHING RETURNING version",
                    [expected.name, record],
                ).fetchone()
            else:
                row = conn.execute(
                    "UPDATE channel_state SET version = version + 1, record = %s"
                    " WHERE name = %s AND version = %s RETURNING version",
                    [record, expected.name, expected.version],
                ).fetchone()
        if row is None:
            return None
        return ChannelState(expected.name, dict(values), int(row[0]))

    def channel_names(self) -> list[str]:
        """Channels that have written state, by name."""
        with self._conn("đọc") as conn:
            rows = conn.execute("SELECT name FROM channel_state ORDER BY name").fetchall()
        return [str(r[0]) for r in rows]

    def digest_runs(self) -> list[DigestRun]:
        """Every digest run, oldest first."""
        with self._conn("đọc") as conn:
            rows = conn.execute("SELECT record FROM digest_runs ORDER BY week").fetchall()
            return [digest_run_from_json(r[0]) for r in rows]

    def add_digest_run(self, run: DigestRun) -> bool:
        """Record ``run`` once per week."""
        with self._conn("ghi báo cáo tuần") as conn:
            row = conn.execute(
                "INSERT INTO digest_runs (week, sent_at, record) VALUES (%s, %s, %s)"
                " ON CONFLICT (week) DO NOTHING RETURNING week",
                [run.week, run.sent_at, Jsonb(digest_run_to_json(run), dumps=_dumps)],
            ).fetchone()
        return row is not None

    # -- generic keyed records -----------------------------------------------------------------

    def _decode(self, kind: RecordKind[R], key: str, value: Any) -> R:
        try:
            return kind.from_json(value)
        except RecordShapeError as exc:
            raise StoreError(
                f"{self.describe()}: bản ghi {kind.name}/{key} sai dạng ({exc}) — khôi phục từ"
                " bản sao lưu hoặc xóa bản ghi đó"
            ) from None

    def record_kinds(self) -> list[str]:
        """Names of the record kinds that have records."""
        with self._conn("đọc") as conn:
            rows = conn.execute("SELECT DISTINCT kind FROM records ORDER BY kind").fetchall()
        return [str(r[0]) for r in rows]

    def get_record(self, kind: RecordKind[R], key: str) -> R | None:
        """The record ``key`` of ``kind``."""
        with self._conn("đọc") as conn:
            row = conn.execute(
                "SELECT record FROM records WHERE kind = %s AND key = %s", [kind.name, key]
            ).fetchone()
        return None if row is None else self._decode(kind, key, row[0])

    def records(self, kind: RecordKind[R]) -> dict[str, R]:
        """Every record of ``kind``, in insertion order."""
        with self._conn("đọc") as conn:
            rows = conn.execute(
                "SELECT key, record FROM records WHERE kind = %s ORDER BY seq", [kind.name]
            ).fetchall()
        return {str(k): self._decode(kind, str(k), v) for k, v in rows}

    def put_record(self, kind: RecordKind[R], key: str, value: R) -> None:
        """Upsert."""
        with self._conn("ghi") as conn:
            conn.execute(
                "INSERT INTO records (kind, key, record) VALUES (%s, %s, %s)"
                " ON CONFLICT (kind, key) DO UPDATE SET record = EXCLUDED.record",
                [kind.name, key, Jsonb(kind.to_json(value), dumps=_dumps)],
            )

    def add_record(self, kind: RecordKind[R], key: str, value: R) -> bool:
        """Insert if new."""
        with self._conn("ghi") as conn:
            row = conn.execute(
                "INSERT INTO records (kind, key, record) VALUES (%s, %s, %s)"
                " ON CONFLICT (kind, key) DO NOTHING RETURNING key",
                [kind.name, key, Jsonb(kind.to_json(value), dumps=_dumps)],
            ).fetchone()
        return row is not None

    def replace_record(self, kind: RecordKind[R], key: str, expected: R, value: R) -> bool:
        """Compare-and-set on the whole value."""
        with self._tx("ghi") as conn:
            row = conn.execute(
                "SELECT record FROM records WHERE kind = %s AND key = %s FOR UPDATE",
                [kind.name, key],
            ).fetchone()
            if row is None or self._decode(kind, key, row[0]) != expected:
                return False
            conn.execute(
                "UPDATE records SET record = %s WHERE kind = %s AND key = %s",
                [Jsonb(kind.to_json(value), dumps=_dumps), kind.name, key],
            )
            return True

    def delete_record(self, kind: RecordKind[R], key: str) -> bool:
        """Delete."""
        with self._conn("xóa") as conn:
            row = conn.execute(
                "DELETE FROM records WHERE kind = %s AND key = %s RETURNING key", [kind.name, key]
            ).fetchone()
        return row is not None
