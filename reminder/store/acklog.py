"""Acknowledgments in the TinyDB store: ``acks.json`` plus an append-only log, folded in batches.

Appending an acknowledgment must cost the same at 100,000 stored events as at none, so an
append writes one line to ``acks-<gen>.log`` (fsynced before it returns: an answered ack is
never lost) instead of rewriting ``acks.json``. Every ``FOLD_AT`` lines the log is folded into
``acks.json`` in one atomic rewrite that also records ``gen`` as folded; the next appends go
to ``acks-<gen+1>.log`` and the folded log is deleted after the commit. A kill between the
rewrite and the deletion leaves a log whose generation is already folded: it is ignored, and
deleted by the next fold. Readers see ``acks.json`` then the current log, in the order recorded.

All of it runs inside the TinyDB store's transactions (under its lock).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import orjson

from reminder.errors import StoreError
from reminder.store.files import append_whole, write_error
from reminder.store.records import AckEvent, RecordShapeError, ack_from_json, ack_to_json

if TYPE_CHECKING:
    from reminder.store.tinydb.disk import Disk, Tx

ACKS = "acks.json"
FOLD_AT = 10_000
Pair = tuple[str, str, str]
Stamp = tuple[int, int, int] | None


def _stamp(path: Path) -> Stamp:
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns)


class AckLog:
    """The acknowledgment events of one data directory (one per store instance)."""

    def __init__(self, disk: Disk) -> None:
        self.disk = disk
        # The current log as last read: path, stamp, bytes parsed (whole lines), events.
        self._log: tuple[Path, Stamp, int, list[AckEvent]] | None = None
        self._index: tuple[int, dict[Pair, list[AckEvent]]] | None = None

    def _folded(self, tx: Tx) -> int:
        doc = tx.get(ACKS, "meta", "log")
        return int(doc.get("gen", 0)) if doc is not None else 0

    def _path(self, gen: int) -> Path:
        return self.disk.data_dir / f"acks-{gen}.log"

    def _read_log(self, path: Path) -> list[AckEvent]:
        """The log's events; only the bytes appended since the last read are parsed."""
        stamp = _stamp(path)
        cached = self._log
        if cached is not None and cached[:2] == (path, stamp):
            return cached[3]
        offset, events = 0, []
        grown = (  # the same file, appended to since: parse only what is new
            cached is not None
            and cached[0] == path
            and stamp is not None
            and cached[1] is not None
            and cached[1][0] == stamp[0]
            and cached[2] <= stamp[1]
        )
        if grown and cached is not None:
            offset, events = cached[2], list(cached[3])
        if stamp is not None:
            try:
                with path.open("rb") as handle:
                    handle.seek(offset)
                    raw = handle.read()
            except OSError as exc:
                raise StoreError(f"{path}: không đọc được ({exc.strerror})") from None
            lines = raw.split(b"\n")
            whole = len(raw) - len(lines[-1])
            # The last piece is empty after a whole line, or a line a kill cut short (its
            # append never returned, so nobody was told it was recorded).
            first = len(events) + 1
            for number, line in enumerate(lines[:-1], start=first):
                try:
                    events.append(ack_from_json(orjson.loads(line)))
                except (ValueError, RecordShapeError) as exc:
                    backup = self.disk.data_dir / (ACKS + ".bak")
                    raise StoreError(
                        f"{path}: dòng {number} hỏng ({exc}) — dừng dịch vụ, sửa hoặc xóa dòng"
                        f" đó (bản trước của {ACKS} còn ở {backup})"
                    ) from None
            offset += whole
        self._log = (path, stamp, offset, events)
        return events

    def events(self, tx: Tx) -> list[AckEvent]:
        """Every event, in the order recorded."""
        base = tx.typed(ACKS, "acks", ack_from_json)
        return [*base, *self._read_log(self._path(self._folded(tx) + 1))]

    def events_of(self, tx: Tx, pair: Pair) -> list[AckEvent]:
        """The events of one (plan, task, unit), without scanning every event each time."""
        base = tx.typed(ACKS, "acks", ack_from_json)
        if self._index is None or self._index[0] != id(base):
            index: dict[Pair, list[AckEvent]] = {}
            for event in base:
                index.setdefault(event.pair, []).append(event)
            self._index = (id(base), index)
        logged = self._read_log(self._path(self._folded(tx) + 1))
        return [*self._index[1].get(pair, []), *(e for e in logged if e.pair == pair)]

    def append(self, tx: Tx, events: Sequence[AckEvent], after_commit: list[Path]) -> None:
        """Append ``events`` durably; fold the log into ``acks.json`` when it is long."""
        gen = self._folded(tx) + 1
        path = self._path(gen)
        lines = b"".join(orjson.dumps(ack_to_json(e)) + b"\n" for e in events)
        try:
            fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                _trim_torn(fd)
                append_whole(fd, lines)
                os.fsync(fd)
            finally:
                os.close(fd)
        except OSError as exc:
            raise write_error(path, exc) from None
        logged = self._read_log(path)
        if len(logged) < FOLD_AT:
            return
        tx.insert_many(ACKS, "acks", [ack_to_json(e) for e in logged])
        tx.upsert(ACKS, "meta", "log", {"gen": gen})
        after_commit += [p for p in self.disk.data_dir.glob("acks-*.log") if _gen(p) <= gen]


def _trim_torn(fd: int) -> None:
    """Cut a line a kill left half-written off the end of the log (its append never returned,
    so nobody was told it was recorded), so the next line starts on a line of its own."""
    size = os.fstat(fd).st_size
    if size == 0 or os.pread(fd, 1, size - 1) == b"\n":
        return
    data = os.pread(fd, size, 0)
    os.ftruncate(fd, data.rfind(b"\n") + 1)


def _gen(path: Path) -> int:
    try:
        return int(path.stem.removeprefix("acks-"))
    except ValueError:
        return 1 << 62  # not ours: never deleted
