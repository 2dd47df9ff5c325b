"""Send outcomes of the TinyDB store: appended to a per-process journal, folded into the
deliveries files by transactions.

A pass records each outcome as one JSON line appended to the writing process's own journal
(``outcomes.<pid>.<token>.log``, opened once, no lock: ``O_APPEND`` writes of a line are
atomic; one ``write`` per line) instead of rewriting a deliveries file per message. Every
transaction folds all journals into its view (``fold``): each line is checked and merged into
its delivery's stored document as it is (``merge_outcome_json``), nothing decoded or
re-encoded; a writing transaction then writes the files once and deletes the journals that are
finished (``.done``) or whose process is gone. A killed process loses no outcome it wrote (the
kernel keeps written data); a power cut may lose the last ones, which are then sent again. A
line that is not an outcome is set aside in ``quarantine.log`` (only a torn last line of a
killed writer is dropped silently).
"""

from __future__ import annotations

import os
import re
import secrets
import threading
from pathlib import Path
from typing import TYPE_CHECKING

import orjson

from reminder.store.files import append_whole, write_error
from reminder.store.records import (
    Outcome,
    RecordShapeError,
    StoredOutcome,
    merge_outcome_json,
    outcome_to_json,
    stored_outcome,
)

if TYPE_CHECKING:
    from reminder.store.tinydb.disk import Record, Tx

_JOURNAL = re.compile(r"^outcomes\.(\d+)\.[0-9a-f]+\.log$")


class Journal:
    """This process's outcome journal in ``data_dir`` (thread-safe)."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self._fd: int | None = None
        self._lock = threading.Lock()
        self.path = self._new_path()

    def _new_path(self) -> Path:
        return self.data_dir / f"outcomes.{os.getpid()}.{secrets.token_hex(4)}.log"

    def record(self, outcome: Outcome) -> None:
        """Append ``outcome`` as one line (durable against a kill when this returns)."""
        line = orjson.dumps({"outcome": outcome_to_json(outcome)}, option=orjson.OPT_APPEND_NEWLINE)
        with self._lock:
            try:
                if self._fd is None:
                    self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
                append_whole(self._fd, line)
            except OSError as exc:
                raise write_error(self.path, exc) from None

    def finish(self) -> None:
        """Close the journal (renamed ``.done``) so the next writing transaction folds and
        removes it; the next outcome starts a new one."""
        with self._lock:
            if self._fd is None:
                return
            os.close(self._fd)
            self._fd = None
            os.replace(self.path, self.path.with_suffix(".done"))
            self.path = self._new_path()


def fold(tx: Tx) -> None:
    """Fold every outcome journal of the data directory into ``tx``'s view; the journals
    that are complete (finished, or their process gone) are deleted after ``tx`` commits, and
    their lines that are not outcomes set aside in ``quarantine.log``."""
    data_dir = tx.disk.data_dir
    journals = [*data_dir.glob("outcomes.*.log"), *data_dir.glob("outcomes.*.done")]
    if not journals:
        return
    journals.sort(key=_mtime)
    outcomes: dict[str, list[tuple[StoredOutcome, Path, int, bytes]]] = {}
    legacy: dict[str, dict[str, Record]] = {}
    for path in journals:
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            continue  # folded and removed by another process meanwhile
        finished = path.suffix == ".done" or _owner_gone(path, tx.disk.journal.path)
        lines = raw.split(b"\n")
        # The last piece is empty after a whole line, or a torn line of a killed writer.
        for number, line in enumerate(lines[:-1], start=1):
            try:
                entry = orjson.loads(line)
                if not isinstance(entry, dict):
                    raise RecordShapeError("không phải một đối tượng")
                if "set" in entry:  # journals before 0.2
                    key, month, fields = entry["key"], entry["month"], entry["set"]
                    if not (isinstance(key, str) and isinstance(fields, dict)):
                        raise RecordShapeError("dòng cũ không đúng dạng")
                    if not re.fullmatch(r"\d{4}-\d{2}", str(month)):
                        raise RecordShapeError("tháng không đúng dạng")
                    by_key = legacy.setdefault(month, {})
                    by_key[key] = {**by_key.get(key, {}), **fields}
                    continue
                outcome = stored_outcome(entry.get("outcome"))
            except (ValueError, KeyError, TypeError) as exc:
                if finished and line.strip():
                    tx.quarantine.append(
                        {"file": path.name, "line": number, "error": str(exc), "text": line}
                    )
                continue
            outcomes.setdefault(outcome.month, []).append((outcome, path, number, line))
        if finished:
            tx.after_commit.append(path)
    for month, by_key in legacy.items():
        tx.update_many(f"deliveries-{month}.json", "deliveries", by_key)
    for month, found in outcomes.items():
        _apply(tx, month, found)


def _apply(tx: Tx, month: str, found: list[tuple[StoredOutcome, Path, int, bytes]]) -> None:
    """Merge journalled outcomes into the month's stored documents, in place (the file is
    marked changed; a transaction that does not commit drops it from the cache)."""
    file = f"deliveries-{month}.json"
    index = tx.index(file, "deliveries") if tx.exists(file) else {}
    docs = tx.disk.file(file).storage.data.get("deliveries") if index else None
    changed = False
    for outcome, path, number, line in found:
        doc_id = index.get(outcome.key)
        stored = docs.get(str(doc_id)) if docs is not None and doc_id is not None else None
        if not isinstance(stored, dict):
            if path in tx.after_commit:
                tx.quarantine.append(
                    {
                        "file": path.name,
                        "line": number,
                        "error": f"không có bản ghi gửi {outcome.key} trong {file}",
                        "text": line,
                    }
                )
            continue
        after = merge_outcome_json(stored, outcome)
        if after is not None:
            stored.update(after)
            changed = True
    if changed:
        tx.changed_in_place(file, "deliveries")


def _mtime(path: Path) -> int:
    try:
        return path.stat().st_mtime_ns
    except FileNotFoundError:
        return 0


def pid_alive(pid: int) -> bool:
    """Whether process ``pid`` runs on this host."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _owner_gone(path: Path, own: Path) -> bool:
    """Whether the process writing journal ``path`` has ended (so its journal is complete);
    ``own`` is this process's journal."""
    if path == own:
        return False
    match = _JOURNAL.match(path.name)
    if not match:
        return False
    return not pid_alive(int(match.group(1)))
