"""Channel state, digest runs and the generic keyed records in the PostgreSQL store."""

from __future__ import annotations

from typing import Any, TypeVar

from psycopg.types.json import Jsonb

from reminder.errors import StoreError
from reminder.store.postgres.base import Base, _dumps
from reminder.store.records import (
    ChannelState,
    DigestRun,
    RecordKind,
    RecordShapeError,
    digest_run_from_json,
    digest_run_to_json,
)

R = TypeVar("R")


class Keyed(Base):
    """Channel state (compare-and-set), digest runs (once a week), generic records."""

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
