"""An append-only log of JSON lines folded, by generation, into a TinyDB file of the store.

What is appended often must not rewrite a growing file per event (TinyDB rewrites its whole
file on every write). So a writer appends one line per change to ``<prefix><gen>.log`` (fsynced
before it returns: what a caller was told is recorded stays recorded) and, when the log is
long, folds it into its ``base`` file in one atomic rewrite that also records ``gen`` as folded
(the ``meta`` table's ``log`` document). The next lines go to ``<prefix><gen+1>.log``, and the
folded log is deleted after the commit. A kill between the rewrite and the deletion leaves a
log whose generation is already folded: it is ignored, and deleted by the next fold, so no line
is applied twice. A kill in the middle of an append leaves a torn last line: readers ignore it
(its append never returned, so nobody was told it was recorded) and the next append cuts it
off first.

Users: the acknowledgments (``reminder.store.acklog``) and the generic keyed records
(``keyedlog``). Everything runs inside the store's transactions (under its lock), so appends
never interleave, and readers parse only the bytes appended since their last read.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import orjson

from reminder.errors import StoreError
from reminder.store.files import append_whole, write_error
from reminder.store.records import RecordShapeError

if TYPE_CHECKING:
    from reminder.store.tinydb.disk import Disk, Tx

T = TypeVar("T")
Stamp = tuple[int, int, int] | None


def _stamp(path: Path) -> Stamp:
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns)


class FoldedLog(Generic[T]):
    """The log of ``base`` (a TinyDB file name in the data dir): lines ``<prefix><gen>.log``,
    each parsed by ``parse`` (which raises ``RecordShapeError``/``ValueError`` on a bad one)."""

    def __init__(self, disk: Disk, base: str, prefix: str, parse: Callable[[Any], T]) -> None:
        self.disk = disk
        self.base = base
        self.prefix = prefix
        self._parse = parse
        # The current log as last read: path, stamp, bytes parsed (whole lines), entries.
        self._read: tuple[Path, Stamp, int, list[T]] | None = None

    def folded(self, tx: Tx) -> int:
        """The last generation folded into ``base`` (0 when none)."""
        doc = tx.get(self.base, "meta", "log")
        return int(doc.get("gen", 0)) if doc is not None else 0

    def path(self, gen: int) -> Path:
        """The log of generation ``gen``."""
        return self.disk.data_dir / f"{self.prefix}{gen}.log"

    def current(self, tx: Tx) -> list[T]:
        """The entries of the log not folded yet, in the order appended.

        While the same file only grows, the same list object is returned, grown in place by
        what was appended since (callers may keep how far they have looked at it); another
        list means another log (a fold happened) or a log read again from its start.
        """
        return self._entries(self.path(self.folded(tx) + 1))

    def _entries(self, path: Path) -> list[T]:
        stamp = _stamp(path)
        cached = self._read
        if cached is not None and cached[:2] == (path, stamp):
            return cached[3]
        offset, entries = 0, []
        grown = (  # the same file, appended to since: parse only what is new
            cached is not None
            and cached[0] == path
            and stamp is not None
            and cached[1] is not None
            and cached[1][0] == stamp[0]
            and cached[2] <= stamp[1]
        )
        if grown and cached is not None:
            offset, entries = cached[2], cached[3]
        if stamp is not None:
            try:
                with path.open("rb") as handle:
                    handle.seek(offset)
                    raw = handle.read()
            except OSError as exc:
                raise StoreError(f"{path}: không đọc được ({exc.strerror})") from None
            lines = raw.split(b"\n")
            whole = len(raw) - len(lines[-1])
            # The last piece is empty after a whole line, or a line a kill cut short.
            parsed = []
            for number, line in enumerate(lines[:-1], start=len(entries) + 1):
                try:
                    parsed.append(self._parse(orjson.loads(line)))
                except (ValueError, TypeError, RecordShapeError) as exc:
                    backup = self.disk.data_dir / (self.base + ".bak")
                    raise StoreError(
                        f"{path}: dòng {number} hỏng ({exc}) — dừng dịch vụ, sửa hoặc xóa dòng"
                        f" đó (bản trước của {self.base} còn ở {backup})"
                    ) from None
            entries.extend(parsed)  # only once every new line parsed: all or nothing
            offset += whole
        self._read = (path, stamp, offset, entries)
        return entries

    def append(self, tx: Tx, lines: bytes) -> list[T]:
        """Append ``lines`` (whole JSON lines) to the current log, durably (fsync) before
        returning; the log's entries, these included."""
        path = self.path(self.folded(tx) + 1)
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
        return self._entries(path)

    def mark_folded(self, tx: Tx) -> None:
        """Record in ``tx`` that the current log is folded into ``base`` (the caller wrote its
        entries there in the same transaction); it and older logs are deleted after commit."""
        gen = self.folded(tx) + 1
        tx.upsert(self.base, "meta", "log", {"gen": gen})
        tx.after_commit.extend(p for p in self.logs() if self._gen(p) <= gen)

    def logs(self) -> list[Path]:
        """Every log file of ``base`` in the data dir, folded or not."""
        return [p for p in self.disk.data_dir.glob(f"{self.prefix}*.log") if self._gen(p) >= 0]

    def _gen(self, path: Path) -> int:
        digits = path.name.removeprefix(self.prefix).removesuffix(".log")
        return int(digits) if digits.isdigit() else -1  # not ours: never deleted


def _trim_torn(fd: int) -> None:
    """Cut a line a kill left half-written off the end of the log (its append never returned,
    so nobody was told it was recorded), so the next line starts on a line of its own."""
    size = os.fstat(fd).st_size
    if size == 0 or os.pread(fd, 1, size - 1) == b"\n":
        return
    data = os.pread(fd, size, 0)
    os.ftruncate(fd, data.rfind(b"\n") + 1)
