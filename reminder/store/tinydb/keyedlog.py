"""The generic keyed records of one ``RecordKind`` in the TinyDB store: ``records-<kind>.json``
plus a change log, ``records-<kind>-<gen>.log`` (``reminder.store.foldlog``).

Some kinds grow with traffic (the Zalo Bot's handled update ids and inbox, what each chat got
of a reminder, the OA's interactions, web sessions, the audit): a write must not rewrite a file
that grows with them. Each change — ``add``, ``put``, ``replace``, ``delete``, decided under the
store's lock against everything recorded so far, the log included — is one fsynced line of
the kind's log. The log is folded into the file when it has as many lines as the file has
records (``fold_every``, at least ``FOLD_MIN``): one rewrite of N records per N writes, so a
write costs the same at 50,000 records as at 1,000 (amortised), and reading the log back never
costs more than reading the file.

Readers see the file's records overlaid with the log's changes in order: a replaced record
keeps its place, a deleted one is gone, one added again (or anew) comes last — the insertion
order of the ``Store`` contract.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import orjson

from reminder.store.foldlog import FoldedLog
from reminder.store.records import RecordShapeError

if TYPE_CHECKING:
    from reminder.store.tinydb.disk import Disk, Tx

#: A kind's log is folded at the latest when it has this many lines (or as many as the file
#: has records, when more): small kinds are rewritten rarely, large ones once per their size.
FOLD_MIN = 1_000
Op = Literal["add", "put", "replace", "delete"]
_OPS = ("add", "put", "replace", "delete")


def fold_every(stored: int) -> int:
    """How many lines a kind's log reaches before it is folded into a file of ``stored``
    records."""
    return max(FOLD_MIN, stored)


def records_file(name: str) -> str:
    """The file of the records of kind ``name``."""
    return f"records-{name}.json"


@dataclass(frozen=True)
class Change:
    """One line of a kind's log: what was done to record ``key``; ``value`` is the record's
    JSON form (None for ``delete``)."""

    op: Op
    key: str
    value: Any = None


def change_from_json(data: Any) -> Change:
    """The change a log line holds; ``RecordShapeError`` when it is not one."""
    if not isinstance(data, dict):
        raise RecordShapeError("không phải một đối tượng")
    op, key = data.get("op"), data.get("key")
    if op not in _OPS or not isinstance(key, str):
        raise RecordShapeError("thiếu hoặc sai 'op'/'key'")
    if op != "delete" and "value" not in data:
        raise RecordShapeError("thiếu 'value'")
    return Change(op, key, data.get("value"))


def change_line(change: Change) -> bytes:
    """``change`` as one line of the log."""
    data: dict[str, Any] = {"op": change.op, "key": change.key}
    if change.op != "delete":
        data["value"] = change.value
    return orjson.dumps(data, option=orjson.OPT_APPEND_NEWLINE)


@dataclass
class _Overlay:
    """The log's changes folded by key, as far as ``seen`` lines of ``entries``."""

    entries: list[Change]
    seen: int = 0
    #: key -> its latest change; in the order the keys came (or came back after a delete)
    latest: dict[str, Change] = field(default_factory=dict)
    #: keys deleted in the log at some point: a record of the file among them lost its place
    moved: set[str] = field(default_factory=set)

    def catch_up(self) -> None:
        for change in self.entries[self.seen :]:
            if change.op == "delete":
                self.latest.pop(change.key, None)
                self.moved.add(change.key)
            else:
                before = self.latest.get(change.key)
                if before is not None and before.op == "delete":
                    del self.latest[change.key]  # back after a delete: it comes last
            self.latest[change.key] = change
        self.seen = len(self.entries)


class KindRecords:
    """The records of one kind (by name) in the data dir, as JSON values; all calls inside
    the store's transactions. Deciding a compare-and-set (decoding) is the caller's."""

    def __init__(self, disk: Disk, name: str) -> None:
        self.file = records_file(name)
        self.log = FoldedLog(disk, self.file, f"records-{name}-", change_from_json)
        self._overlay: _Overlay | None = None

    def _changes(self, tx: Tx) -> _Overlay:
        entries = self.log.current(tx)
        overlay = self._overlay
        if overlay is None or overlay.entries is not entries:
            overlay = self._overlay = _Overlay(entries)
        overlay.catch_up()
        return overlay

    def get(self, tx: Tx, key: str) -> Any | None:
        """The JSON value of record ``key``, or None."""
        change = self._changes(tx).latest.get(key)
        if change is not None:
            return change.value  # None when deleted
        doc = tx.get(self.file, "records", key)
        return None if doc is None else doc.get("value")

    def items(self, tx: Tx) -> Iterator[tuple[str, Any]]:
        """Every (key, JSON value), in insertion order."""
        overlay = self._changes(tx)
        done: set[str] = set()
        for doc in tx.all(self.file, "records"):
            key = str(doc.get("key"))
            change = overlay.latest.get(key)
            if change is None:
                done.add(key)
                yield key, doc.get("value")
            elif key not in overlay.moved:
                done.add(key)
                if change.op != "delete":
                    yield key, change.value
        for key, change in overlay.latest.items():
            if key not in done and change.op != "delete":
                yield key, change.value

    def write(self, tx: Tx, change: Change) -> None:
        """Append ``change`` (decided by the caller in this transaction) durably; fold the log
        into the file when it is long enough."""
        entries = self.log.append(tx, change_line(change))
        stored = len(tx.index(self.file, "records")) if tx.exists(self.file) else 0
        if len(entries) >= fold_every(stored):
            self.fold(tx)

    def fold(self, tx: Tx) -> None:
        """Write every record into the file (one rewrite, at ``tx``'s commit) and mark the log
        folded (it is deleted after the commit)."""
        if not self.log.current(tx):
            return
        docs = {
            str(n): {"key": key, "value": value}
            for n, (key, value) in enumerate(self.items(tx), start=1)
        }
        tx.rewrite_table(self.file, "records", docs)
        self.log.mark_folded(tx)
