"""The small records of the TinyDB store: channel state and digest runs (``state.json``) and
the generic keyed records of each ``RecordKind`` (``records-<kind>.json`` and its change log,
``keyedlog``)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar

from reminder.store.records import (
    ChannelState,
    DigestRun,
    RecordKind,
    RecordShapeError,
    digest_run_from_json,
    digest_run_to_json,
)
from reminder.store.tinydb import keyedlog
from reminder.store.tinydb.disk import corrupt
from reminder.store.tinydb.keyedlog import Change, KindRecords

if TYPE_CHECKING:
    from reminder.store.tinydb.disk import Disk, Tx

R = TypeVar("R")
STATE = "state.json"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def records_file(kind: RecordKind[Any]) -> str:
    """The file of the records of ``kind``."""
    return keyedlog.records_file(kind.name)


class Keyed:
    """Channel state, digest runs and generic records of one data directory."""

    def __init__(self, disk: Disk) -> None:
        self._disk = disk
        self._kinds: dict[str, KindRecords] = {}

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

    # -- generic keyed records (``keyedlog``: a file and a change log per kind) -------------------

    def _kind(self, kind: RecordKind[Any]) -> KindRecords:
        held = self._kinds.get(kind.name)
        if held is None:
            held = self._kinds[kind.name] = KindRecords(self._disk, kind.name)
        return held

    def record_kinds(self) -> list[str]:
        """Names of the record kinds that have a file or a change log."""
        names = {p.name.removeprefix("records-") for p in self._disk.data_dir.glob("records-*")}
        return sorted(
            n.removesuffix(".json") if n.endswith(".json") else n.rsplit("-", 1)[0]
            for n in names
            if n.endswith(".json") or (n.endswith(".log") and "-" in n)
        )

    def get_record(self, kind: RecordKind[R], key: str) -> R | None:
        """The record ``key`` of ``kind``."""
        with self._disk.transaction(readonly=True) as tx:
            value = self._kind(kind).get(tx, key)
            return None if value is None else self._decode(kind, key, value)

    def records(self, kind: RecordKind[R]) -> dict[str, R]:
        """Every record of ``kind``."""
        with self._disk.transaction(readonly=True) as tx:
            items = list(self._kind(kind).items(tx))
        return {key: self._decode(kind, key, value) for key, value in items}

    def put_record(self, kind: RecordKind[R], key: str, value: R) -> None:
        """Upsert."""
        with self._disk.transaction() as tx:
            self._kind(kind).write(tx, Change("put", key, kind.to_json(value)))

    def add_record(self, kind: RecordKind[R], key: str, value: R) -> bool:
        """Insert if new."""
        with self._disk.transaction() as tx:
            held = self._kind(kind)
            if held.get(tx, key) is not None:
                return False
            held.write(tx, Change("add", key, kind.to_json(value)))
            return True

    def replace_record(self, kind: RecordKind[R], key: str, expected: R, value: R) -> bool:
        """Compare-and-set."""
        with self._disk.transaction() as tx:
            held = self._kind(kind)
            current = held.get(tx, key)
            if current is None or self._decode(kind, key, current) != expected:
                return False
            held.write(tx, Change("replace", key, kind.to_json(value)))
            return True

    def delete_record(self, kind: RecordKind[R], key: str) -> bool:
        """Delete."""
        with self._disk.transaction() as tx:
            held = self._kind(kind)
            if held.get(tx, key) is None:
                return False
            held.write(tx, Change("delete", key))
            return True

    def fold_records(self, kind: RecordKind[Any]) -> None:
        """Fold ``kind``'s change log into its file now (writes fold it when it is long)."""
        with self._disk.transaction() as tx:
            self._kind(kind).fold(tx)

    def check_records(self, tx: Tx) -> None:
        """Read every kind's file and change log (``StoreError`` naming what is damaged)."""
        for name in self.record_kinds():
            held = self._kinds.get(name) or KindRecords(self._disk, name)
            for _ in held.items(tx):
                pass

    def _decode(self, kind: RecordKind[R], key: str, value: Any) -> R:
        try:
            return kind.from_json(value)
        except RecordShapeError as exc:
            path = self._disk.data_dir / records_file(kind)
            raise corrupt(path, f"bản ghi {key}: {exc}") from None


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
