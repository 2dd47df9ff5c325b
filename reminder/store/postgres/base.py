"""Plumbing of the PostgreSQL store: the connection pool, errors that name the server, and
the readers' mirror of a table (``Mirror``). The store's parts (``reading``, ``writing``,
``acks``, ``keyed``) are mixins of ``Base``; ``PostgresStore`` puts them together."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any, Generic, TypeVar

import orjson
import psycopg
from psycopg.rows import TupleRow
from psycopg.types.json import set_json_loads
from psycopg_pool import ConnectionPool, PoolTimeout

from reminder.errors import StoreError
from reminder.store.records import (
    RecordShapeError,
)

R = TypeVar("R")
Pair = tuple[str, str, str]
Conn = psycopg.Connection[TupleRow]

#: First key of the workers' advisory locks ("REMI"); the second is the worker id.
WORKER_LOCK = 0x52454D49
#: First key of the transaction locks that make an acknowledgment id unique ("ACKI").
ACK_ID_LOCK = 0x41434B49


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


def _configure(conn: Conn) -> None:
    set_json_loads(orjson.loads, conn)
    # Times come back in UTC as ``datetime.timezone.utc`` whatever the server's TimeZone: one
    # fixed zone, which compares cheaply (``tally.Moment``); no SQL here reads the session's
    # zone (local months and days are computed with an explicit ``AT TIME ZONE``).
    conn.execute("SET TimeZone = 'UTC'")


T = TypeVar("T")


class Mirror(Generic[T]):
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

    def refresh(self, store: Base) -> list[T]:
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


class Base:
    """What every part of the store shares: where the database is, the pool, this worker's id,
    the clock that replaces the database's in tests."""

    where: str
    worker_id: int
    _clock: Callable[[], datetime] | None
    _pool: ConnectionPool[Conn]

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

    def _store_now(self) -> datetime | None:
        """The replacing clock's time, or None: the database's clock decides."""
        return None if self._clock is None else self._clock()

    def describe(self) -> str:
        """Where the data is."""
        return f"cơ sở dữ liệu PostgreSQL {self.where}"
