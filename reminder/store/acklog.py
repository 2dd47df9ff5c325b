"""Acknowledgments in the TinyDB store: ``acks.json`` plus an append-only log, folded in batches.

Appending an acknowledgment must cost the same at 100,000 stored events as at none, so an
append writes one line to ``acks-<gen>.log`` (fsynced before it returns: an answered ack is
never lost) instead of rewriting ``acks.json``. Every ``FOLD_AT`` lines the log is folded into
``acks.json`` in one atomic rewrite that also records ``gen`` as folded; the next appends go
to ``acks-<gen+1>.log`` and the folded log is deleted after the commit. A kill between the
rewrite and the deletion leaves a log whose generation is already folded: it is ignored, and
deleted by the next fold. Readers see ``acks.json`` then the current log, in the order
recorded. The log's mechanics (generations, torn lines, incremental reads) are
``reminder.store.foldlog``'s.

All of it runs inside the TinyDB store's transactions (under its lock).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import orjson

from reminder.store.foldlog import FoldedLog
from reminder.store.records import AckEvent, ack_from_json, ack_to_json

if TYPE_CHECKING:
    from reminder.store.tinydb.disk import Disk, Tx

ACKS = "acks.json"
FOLD_AT = 10_000
Pair = tuple[str, str, str]


class AckLog:
    """The acknowledgment events of one data directory (one per store instance)."""

    def __init__(self, disk: Disk) -> None:
        self.disk = disk
        self.log = FoldedLog(disk, ACKS, "acks-", ack_from_json)
        self._index: tuple[int, dict[Pair, list[AckEvent]]] | None = None

    def events(self, tx: Tx) -> list[AckEvent]:
        """Every event, in the order recorded."""
        base = tx.typed(ACKS, "acks", ack_from_json)
        return [*base, *self.log.current(tx)]

    def events_of(self, tx: Tx, pair: Pair) -> list[AckEvent]:
        """The events of one (plan, task, unit), without scanning every event each time."""
        base = tx.typed(ACKS, "acks", ack_from_json)
        if self._index is None or self._index[0] != id(base):
            index: dict[Pair, list[AckEvent]] = {}
            for event in base:
                index.setdefault(event.pair, []).append(event)
            self._index = (id(base), index)
        logged = self.log.current(tx)
        return [*self._index[1].get(pair, []), *(e for e in logged if e.pair == pair)]

    def append(self, tx: Tx, events: Sequence[AckEvent]) -> None:
        """Append ``events`` durably; fold the log into ``acks.json`` when it is long (the
        folded log is deleted after ``tx`` commits)."""
        lines = b"".join(orjson.dumps(ack_to_json(e)) + b"\n" for e in events)
        logged = self.log.append(tx, lines)
        if len(logged) < FOLD_AT:
            return
        tx.insert_many(ACKS, "acks", [ack_to_json(e) for e in logged])
        self.log.mark_folded(tx)
