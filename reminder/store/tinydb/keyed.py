"""The small records of the TinyDB store: channel state and digest runs (``state.json``) and
the generic keyed records of each ``RecordKind`` (``records-<kind>.json``)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar

from tinydb.table import Document

from reminder.store.records import (
    ChannelState,
    DigestRun,
    RecordKind,
    RecordShapeError,
    digest_run_from_json,
    digest_run_to_json,
)
from reminder.store.tinydb.disk import corrupt

if TYPE_CHECKING:
    from reminder.store.tinydb.disk import Disk, Tx

R = TypeVar("R")
STATE = "state.json"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def records_file(kind: RecordKind[Any]) -> str:
    """The file of the records of ``kind``."""
    return f"records-{kind.name}.json"


class Keyed:
    """Channel state, digest runs and generic records of one data directory."""

    def __init__(self, disk: Disk) -> None:
        self._disk = disk

    # -- channel state and digest runs ------------------------------------------------------------

    def channel_state(self, name: str) -> ChannelState:
        """Channel ``name``'s state."""
        with self._disk.transaction(readonly=True) as tx:
            return _channel_state(tx, name)

    def swap_channel_state(
        self, expected: ChannelState, values: dict[str, str | None]
    ) -> ChannelState | None:
        """Compare-and-set on the version."""
        with self._disk.transaction() as tx:
            current = _channel_state(tx, expected.name)
            if current.version != expected.version:
                return None
            new = ChannelState(expected.name, dict(values), current.version + 1)
            tx.upsert(STATE, "channels", new.name, {"values": new.values, "version": new.version})
            return new

    def channel_names(self) -> list[str]:
        """Channels that have written state (not the digest weeks kept there before 0.2)."""
        with self._disk.transaction(readonly=True) as tx:
            docs = tx.all(STATE, "channels")
        return sorted(
            str(d["key"])
            for d in docs
            if "key" in d and not (d["key"] == "digest" and "values" not in d)
        )

    def digest_runs(self) -> list[DigestRun]:
        """Every digest run, oldest first (weeks recorded before 0.2 included)."""
        with self._disk.transaction(readonly=True) as tx:
            runs = list(tx.typed(STATE, "digest_runs", digest_run_from_json))
            legacy = tx.get(STATE, "channels", "digest")
        known = {r.week for r in runs}
        if legacy is not None and "values" not in legacy:
            last = legacy.get("last_sent")
            at = datetime.fromisoformat(str(last)) if last else _EPOCH
            weeks = [str(w) for w in legacy.get("weeks", []) if str(w) not in known]
            runs += [DigestRun(week=w, sent_at=at) for w in weeks]
        return sorted(runs, key=lambda r: r.week)

    def add_digest_run(self, run: DigestRun) -> bool:
        """Record ``run`` once per week."""
        if any(r.week == run.week for r in self.digest_runs()):
            return False
        with self._disk.transaction() as tx:
            if tx.get(STATE, "digest_runs", run.week) is not None:
                return False
            tx.insert_many(STATE, "digest_runs", [{"key": run.week, **digest_run_to_json(run)}])
        return True

    # -- generic keyed records --------------------------------------------------------------------

    def record_kinds(self) -> list[str]:
        """Names of the record kinds that have a file."""
        names = [p.name for p in self._disk.data_dir.glob("records-*.json")]
        return sorted(n.removeprefix("records-").removesuffix(".json") for n in names)

    def get_record(self, kind: RecordKind[R], key: str) -> R | None:
        """The record ``key`` of ``kind``."""
        with self._disk.transaction(readonly=True) as tx:
            doc = tx.get(records_file(kind), "records", key)
            return None if doc is None else self._decode(kind, doc)

    def records(self, kind: RecordKind[R]) -> dict[str, R]:
        """Every record of ``kind``."""
        with self._disk.transaction(readonly=True) as tx:
            docs = tx.all(records_file(kind), "records")
            return {str(doc["key"]): self._decode(kind, doc) for doc in docs}

    def put_record(self, kind: RecordKind[R], key: str, value: R) -> None:
        """Upsert."""
        with self._disk.transaction() as tx:
            tx.upsert(records_file(kind), "records", key, {"value": kind.to_json(value)})

    def add_record(self, kind: RecordKind[R], key: str, value: R) -> bool:
        """Insert if new."""
        with self._disk.transaction() as tx:
            if tx.get(records_file(kind), "records", key) is not None:
                return False
            tx.insert_many(
                records_file(kind), "records", [{"key": key, "value": kind.to_json(value)}]
            )
            return True

    def replace_record(self, kind: RecordKind[R], key: str, expected: R, value: R) -> bool:
        """Compare-and-set."""
        with self._disk.transaction() as tx:
            doc = tx.get(records_file(kind), "records", key)
            if doc is None or self._decode(kind, doc) != expected:
                return False
            tx.upsert(records_file(kind), "records", key, {"value": kind.to_json(value)})
            return True

    def delete_record(self, kind: RecordKind[R], key: str) -> bool:
        """Delete."""
        with self._disk.transaction() as tx:
            if not tx.exists(records_file(kind)):
                return False
            return tx.remove(records_file(kind), "records", key)

    def _decode(self, kind: RecordKind[R], doc: Document) -> R:
        try:
            return kind.from_json(doc.get("value"))
        except RecordShapeError as exc:
            path = self._disk.data_dir / records_file(kind)
            raise corrupt(path, f"bản ghi {doc.get('key')}: {exc}") from None


def _channel_state(tx: Tx, name: str) -> ChannelState:
    doc = tx.get(STATE, "channels", name)
    if doc is None:
        return ChannelState(name)
    if "values" in doc and isinstance(doc["values"], dict):
        values = {str(k): None if v is None else str(v) for k, v in doc["values"].items()}
        return ChannelState(name, values, int(doc.get("version", 0)))
    # State written before 0.2: the values sat beside the key.
    values = {str(k): None if v is None else str(v) for k, v in doc.items() if k != "key"}
    return ChannelState(name, values, 0 if not values else 1)
