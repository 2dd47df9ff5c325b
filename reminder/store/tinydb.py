"""The embedded store: TinyDB files in the data directory (one agency, one host).

TinyDB rewrites a whole file on every write, in place, and knows nothing of other processes.
This module wraps it so that:

- **every write is atomic**: a transaction writes each changed file to a temporary file, fsyncs
  it, keeps the previous version as ``<file>.bak`` (a hard link, no copy) and renames the new
  one into place — a crash or ``kill -9`` at any moment leaves the last good state; temporary
  files a kill left behind are removed by the next process's first transaction;
- **writes are batched**: TinyDB runs on an in-memory storage inside a transaction; each changed
  file is written once at commit, however many records changed;
- **processes take turns**: a transaction holds ``reminder.lock`` (filelock), so the CLI and
  the service can both write; files another process replaced are re-read (by inode, size and
  modification time);
- **a file that exists must parse to the expected shape**, or the program stops with a
  ``StoreError`` naming it and its backup (an empty file too); it is never overwritten, and a
  file is only rotated into ``.bak`` when it is the one this transaction read.

Send outcomes are appended, one JSON line each, to the writing process's own journal
(``outcomes.<pid>.<token>.log``, opened once, no lock: ``O_APPEND`` writes of a line are
atomic) instead of rewriting a deliveries file per message. Every transaction folds all
journals into its view; a writing transaction then writes the files once and deletes the
journals that are finished (``.done``) or whose process is gone. A killed process loses no
outcome it wrote (the kernel keeps written data); a power cut may lose the last ones, which are
then sent again. A journal line that is not an outcome is set aside in ``quarantine.log`` and
reported by ``health`` (only a torn last line of a killed writer is dropped silently).

Leases: a delivery's ``claim`` names its holder (a pass) and an expiry; the holder's heartbeat
in ``state.json`` (``leases``) is what renewing and releasing change, so a renewal rewrites one
small file, not the month's deliveries. Expiry is judged by this host's clock; a lease whose
process has ended on this host is free at once.

Files are serialised with orjson (several times faster than the json module TinyDB uses).

Layout of the data directory::

    reminder.lock              the cross-process lock
    state.json                 schema version, channel state, lease heartbeats, digest runs
    acks.json                  acknowledgments, every event kept
    deliveries-YYYY-MM.json    outbox and delivery records of one month
    records-<kind>.json        the generic records of one kind
    outcomes.*.log / .done     send outcomes not yet folded in, one journal per process
    quarantine.log             journal lines that could not be read, kept for a person
"""

from __future__ import annotations

import logging
import os
import re
import secrets
import socket
import threading
from collections.abc import Callable, Iterator, MutableMapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import orjson
from filelock import FileLock, Timeout
from tinydb import TinyDB
from tinydb.storages import Storage
from tinydb.table import Document, Table

from reminder.errors import StoreError
from reminder.store import StoreHealth, bearing
from reminder.store.acklog import AckLog
from reminder.store.bearing import EVERY, Pairs
from reminder.store.files import append_whole, remove_leftover_temps, write_atomic, write_error
from reminder.store.records import (
    UNFINISHED,
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
    StoredOutcome,
    delivery_from_json,
    delivery_head_from_json,
    delivery_to_json,
    digest_run_from_json,
    digest_run_to_json,
    lease_to_json,
    merge_outcome_json,
    month_of,
    outcome_to_json,
    stored_outcome,
)

SCHEMA_VERSION = 1
HOST = socket.gethostname()
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

Record = dict[str, Any]
R = TypeVar("R")
Pair = tuple[str, str, str]
log = logging.getLogger(__name__)


def utc_now() -> datetime:
    """This host's clock, in UTC."""
    return datetime.now(UTC)


class _MemoryStorage(Storage):
    """TinyDB storage over a dict the transaction owns; marks itself dirty on write."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data
        self.dirty = False

    def read(self) -> dict[str, Any] | None:
        return self.data

    def write(self, data: dict[str, Any]) -> None:
        self.data = data
        self.dirty = True

    def close(self) -> None:
        return None


@dataclass
class _File:
    path: Path
    stamp: tuple[int, int, int] | None
    db: TinyDB
    storage: _MemoryStorage
    index: dict[str, dict[str, int]]  # table -> key -> doc_id
    decoded: dict[str, list[Any]] = field(default_factory=dict)  # table -> typed records


def _stamp(path: Path) -> tuple[int, int, int] | None:
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns)


def _corrupt(path: Path, what: str) -> StoreError:
    backup = path.with_name(path.name + ".bak")
    hint = (
        f"bản trước đó còn ở {backup}: dừng dịch vụ, kiểm tra rồi chép đè lên {path}"
        if backup.exists()
        else "không có bản sao lưu; khôi phục từ bản sao của máy chủ"
    )
    return StoreError(f"{path}: tệp dữ liệu hỏng ({what}) — {hint}")


def _check_shape(data: Any) -> str | None:
    """What is wrong with a TinyDB file's content, or None: tables of id -> document."""
    if not isinstance(data, dict):
        return "không phải một đối tượng JSON"
    for table, docs in data.items():
        if not isinstance(docs, dict):
            return f"bảng {table!r} không đúng dạng"
        for doc_id, doc in docs.items():
            if not isinstance(doc, dict) or not str(doc_id).isdigit():
                return f"bản ghi {doc_id} của bảng {table!r} không đúng dạng"
    return None


class _Factory:
    """Hands TinyDB our storage instance (TinyDB wants a class to call)."""

    def __init__(self, storage: _MemoryStorage) -> None:
        self.storage = storage

    def __call__(self) -> _MemoryStorage:
        return self.storage


class _Disk:
    """The files of the data directory: lock, cache of parsed files, this process's journal."""

    def __init__(self, data_dir: Path, lock_timeout: float) -> None:
        self.data_dir = data_dir
        self._lock = FileLock(str(data_dir / "reminder.lock"), timeout=lock_timeout)
        self._thread_lock = threading.RLock()
        self.files: dict[str, _File] = {}
        self._journal_fd: int | None = None
        self._journal_lock = threading.Lock()
        self.journal_path = self._new_journal_path()
        self.cleaned = False
        self.quarantined = 0

    def _new_journal_path(self) -> Path:
        return self.data_dir / f"outcomes.{os.getpid()}.{secrets.token_hex(4)}.log"

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the cross-process lock (and the in-process one: the web app's threads)."""
        try:
            with self._thread_lock, self._lock:
                yield
        except Timeout:
            raise StoreError(
                f"{self.data_dir}: kho dữ liệu đang bị khóa quá lâu bởi tiến trình khác"
                " — kiểm tra các tiến trình reminder đang chạy"
            ) from None

    @contextmanager
    def transaction(self, *, readonly: bool = False) -> Iterator[_Tx]:
        """Lock, load what changed on disk, yield, and write the changed files atomically.

        An exception inside the block discards its changes (files are not written), and so
        does ``readonly`` (the view includes unfolded outcomes, nothing is written).
        """
        with self.locked():
            if not self.cleaned:
                for path in remove_leftover_temps(self.data_dir):
                    log.info("đã xóa tệp tạm còn sót %s", path)
                self.cleaned = True
            tx = _Tx(self)
            try:
                tx.check_schema()
                tx.fold_journal()
                yield tx
            except BaseException:
                self.forget(tx)
                raise
            if readonly:
                self.forget(tx, only_dirty=True)
            else:
                try:
                    tx.commit()
                except BaseException:
                    self.forget(tx)
                    raise

    def forget(self, tx: _Tx, *, only_dirty: bool = False) -> None:
        """Drop cached files the transaction changed (or touched) so they are re-read."""
        for name in list(tx.touched):
            entry = self.files.get(name)
            if entry is not None and (not only_dirty or entry.storage.dirty):
                del self.files[name]

    def append_journal(self, line: bytes) -> None:
        """Append one line to this process's journal (thread-safe, durable against a kill)."""
        with self._journal_lock:
            try:
                if self._journal_fd is None:
                    self._journal_fd = os.open(
                        self.journal_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600
                    )
                append_whole(self._journal_fd, line)
            except OSError as exc:
                raise write_error(self.journal_path, exc) from None

    def finish_journal(self) -> None:
        """Close this process's journal so the next writing transaction folds and removes it."""
        with self._journal_lock:
            if self._journal_fd is None:
                return
            os.close(self._journal_fd)
            self._journal_fd = None
            os.replace(self.journal_path, self.journal_path.with_suffix(".done"))
            self.journal_path = self._new_journal_path()

    def file(self, name: str) -> _File:
        """The parsed file ``name`` (cached while unchanged on disk)."""
        path = self.data_dir / name
        stamp = _stamp(path)
        cached = self.files.get(name)
        if cached is not None and cached.stamp == stamp:
            return cached
        data: dict[str, Any] = {}
        if stamp is not None:
            try:
                raw = path.read_bytes()
            except OSError as exc:
                raise StoreError(f"{path}: không đọc được ({exc.strerror})") from None
            if not raw.strip():
                raise _corrupt(path, "tệp rỗng")
            try:
                data = orjson.loads(raw)
            except ValueError as exc:
                raise _corrupt(path, str(exc)) from None
            problem = _check_shape(data)
            if problem is not None:
                raise _corrupt(path, problem)
        storage = _MemoryStorage(data)
        db = TinyDB(storage=_Factory(storage))
        entry = _File(path=path, stamp=stamp, db=db, storage=storage, index={})
        self.files[name] = entry
        return entry


class _Tx:
    """Reads and writes inside one locked transaction (from ``_Disk.transaction``)."""

    def __init__(self, disk: _Disk) -> None:
        self.disk = disk
        self.touched: set[str] = set()
        self.after_commit: list[Path] = []
        self._quarantine: list[Record] = []

    # -- generic ----------------------------------------------------------------------------------

    def table(self, file: str, name: str) -> Table:
        """TinyDB table ``name`` of ``file`` for writing (changes are written at commit)."""
        self.touched.add(file)
        entry = self.disk.file(file)
        entry.decoded.pop(name, None)
        return entry.db.table(name)

    def _index(self, file: str, name: str) -> dict[str, int]:
        entry = self.disk.file(file)
        index = entry.index.get(name)
        if index is None:
            table = entry.db.table(name)
            index = {doc["key"]: doc.doc_id for doc in table.all() if "key" in doc}
            entry.index[name] = index
        return index

    def get(self, file: str, name: str, key: str) -> Document | None:
        """The record with ``key`` in table ``name`` of ``file``, or None."""
        if not self.exists(file):
            return None
        doc_id = self._index(file, name).get(key)
        if doc_id is None:
            return None
        doc = self.disk.file(file).db.table(name).get(doc_id=doc_id)
        return doc if isinstance(doc, Document) else None

    def insert_many(self, file: str, name: str, records: list[Record]) -> None:
        """Insert ``records`` (each with a unique ``key`` when keyed) in one write."""
        if not records:
            return
        index = self._index(file, name)
        ids = self.table(file, name).insert_multiple(records)
        for record, doc_id in zip(records, ids, strict=True):
            if "key" in record:
                index[record["key"]] = doc_id

    def update_many(self, file: str, name: str, changes: dict[str, Record]) -> None:
        """Set different fields on many records (key -> fields) in one table rewrite."""
        index = self._index(file, name)
        ids = [index[k] for k in changes if k in index]
        if not ids:
            return

        def apply(doc: MutableMapping[str, Any]) -> None:
            doc.update(changes[doc["key"]])

        self.table(file, name).update(apply, doc_ids=ids)

    def changed_in_place(self, file: str, name: str) -> None:
        """Mark table ``name`` of ``file`` changed after its documents were edited in the
        storage's data directly (written at commit, dropped from the cache on rollback)."""
        self.touched.add(file)
        entry = self.disk.file(file)
        entry.storage.dirty = True
        entry.decoded.pop(name, None)
        entry.db.table(name).clear_cache()

    def upsert(self, file: str, name: str, key: str, record: Record) -> None:
        """Replace the record ``key`` (or insert it)."""
        record = {**record, "key": key}
        if self.get(file, name, key) is None:
            self.insert_many(file, name, [record])
        else:
            self.update_many(file, name, {key: record})

    def remove(self, file: str, name: str, key: str) -> bool:
        """Delete the record ``key``; True when there was one."""
        index = self._index(file, name)
        doc_id = index.pop(key, None)
        if doc_id is None:
            return False
        self.table(file, name).remove(doc_ids=[doc_id])
        return True

    def exists(self, file: str) -> bool:
        """Whether ``file`` is on disk or created in this process."""
        return file in self.disk.files or (self.disk.data_dir / file).exists()

    def all(self, file: str, name: str) -> list[Document]:
        """Every record of table ``name`` in ``file``."""
        if not self.exists(file):
            return []
        return self.disk.file(file).db.table(name).all()

    def typed(self, file: str, name: str, decode: Callable[[Any], R], *, form: str = "") -> list[R]:
        """Every record of table ``name`` in ``file``, decoded (and cached while unchanged,
        per ``form``: one name per decoder of the table).

        A record that does not decode stops with a ``StoreError`` naming the file and record.
        """
        if not self.exists(file):
            return []
        entry = self.disk.file(file)
        cached = entry.decoded.get(name + form)
        if cached is not None:
            return cached
        out = []
        for doc in entry.db.table(name).all():
            try:
                out.append(decode(doc))
            except (RecordShapeError, TypeError, ValueError) as exc:
                raise _corrupt(entry.path, f"bản ghi {doc.doc_id} của {name!r}: {exc}") from None
        entry.decoded[name + form] = out
        return out

    # -- internals --------------------------------------------------------------------------------

    def check_schema(self) -> None:
        meta = self.get("state.json", "meta", "schema")
        if meta is None:
            self.insert_many("state.json", "meta", [{"key": "schema", "version": SCHEMA_VERSION}])
            return
        if int(meta.get("version", 0)) > SCHEMA_VERSION:
            raise StoreError(
                f"{self.disk.data_dir}: dữ liệu của phiên bản mới hơn (schema"
                f" {meta.get('version')}) — cập nhật reminder trước khi chạy"
            )

    def fold_journal(self) -> None:
        data_dir = self.disk.data_dir
        journals = [*data_dir.glob("outcomes.*.log"), *data_dir.glob("outcomes.*.done")]
        if not journals:
            return
        journals.sort(key=lambda p: (_stamp(p) or (0, 0, 0))[2])
        outcomes: dict[str, list[tuple[StoredOutcome, Path, int, bytes]]] = {}
        legacy: dict[str, dict[str, Record]] = {}
        for path in journals:
            try:
                raw = path.read_bytes()
            except FileNotFoundError:
                continue  # folded and removed by another process meanwhile
            finished = path.suffix == ".done" or _journal_owner_gone(path, self.disk)
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
                        self._quarantine.append(
                            {"file": path.name, "line": number, "error": str(exc), "text": line}
                        )
                    continue
                outcomes.setdefault(outcome.month, []).append((outcome, path, number, line))
            if finished:
                self.after_commit.append(path)
        for month, by_key in legacy.items():
            self.update_many(f"deliveries-{month}.json", "deliveries", by_key)
        for month, found in outcomes.items():
            self._apply(month, found)

    def _apply(self, month: str, found: list[tuple[StoredOutcome, Path, int, bytes]]) -> None:
        """Merge journalled outcomes into the month's stored documents, in place (the file is
        marked changed; a transaction that does not commit drops it from the cache)."""
        file = f"deliveries-{month}.json"
        index = self._index(file, "deliveries") if self.exists(file) else {}
        docs = self.disk.file(file).storage.data.get("deliveries") if index else None
        changed = False
        for outcome, path, number, line in found:
            doc_id = index.get(outcome.key)
            stored = docs.get(str(doc_id)) if docs is not None and doc_id is not None else None
            if not isinstance(stored, dict):
                if path in self.after_commit:
                    self._quarantine.append(
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
            self.changed_in_place(file, "deliveries")

    def commit(self) -> None:
        for name in sorted(self.touched):
            entry = self.disk.files.get(name)
            if entry is None or not entry.storage.dirty:
                continue
            if _stamp(entry.path) != entry.stamp:
                # Changed on disk under our lock (by hand?): never rotate an unread file.
                raise _corrupt(entry.path, "tệp bị thay đổi trong khi đang ghi")
            try:
                write_atomic(entry.path, orjson.dumps(entry.storage.data), keep_backup=True)
            except OSError as exc:
                raise write_error(entry.path, exc) from None
            entry.storage.dirty = False
            entry.stamp = _stamp(entry.path)
        if self._quarantine:
            path = self.disk.data_dir / "quarantine.log"
            lines = b"".join(
                orjson.dumps({**q, "text": bytes(q["text"]).decode("utf-8", "replace")}) + b"\n"
                for q in self._quarantine
            )
            try:
                with path.open("ab") as handle:
                    handle.write(lines)
                    handle.flush()
                    os.fsync(handle.fileno())
            except OSError as exc:
                raise write_error(path, exc) from None
            for q in self._quarantine:
                log.warning(
                    "dòng %s của %s không đọc được (%s): đã để riêng ở %s",
                    q["line"],
                    q["file"],
                    q["error"],
                    path,
                )
        for path in self.after_commit:
            path.unlink(missing_ok=True)  # folded: its outcomes (or acks) are in the files now


_JOURNAL = re.compile(r"^outcomes\.(\d+)\.[0-9a-f]+\.log$")


def _pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _journal_owner_gone(path: Path, disk: _Disk) -> bool:
    """Whether the process writing journal ``path`` has ended (so its journal is complete)."""
    if path == disk.journal_path:
        return False
    match = _JOURNAL.match(path.name)
    if not match:
        return False
    return not _pid_alive(int(match.group(1)))


@dataclass(frozen=True)
class _Beat:
    until: datetime
    released: bool


STATE = "state.json"
ACKS = "acks.json"


def _deliveries_file(month: str) -> str:
    return f"deliveries-{month}.json"


def _records_file(kind: RecordKind[Any]) -> str:
    return f"records-{kind.name}.json"


class TinyDBStore:
    """The ``Store`` on TinyDB files in ``data_dir``. One instance per process; thread-safe
    (operations take turns on an in-process lock as well as the file lock)."""

    def __init__(
        self,
        data_dir: Path,
        *,
        lock_timeout: float = 60.0,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.data_dir = data_dir
        try:
            data_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(
                f"{data_dir}: không tạo được thư mục dữ liệu ({exc.strerror}) — chỉ thư mục khác"
                " bằng --data-dir hoặc REMINDER_DATA_DIR"
            ) from None
        self.clock = clock
        self._disk = _Disk(data_dir, lock_timeout)
        self._owners: set[str] = set()  # holders of this process with a pass under way
        self._acks = AckLog(self._disk)

    # -- generic ----------------------------------------------------------------------------------

    def describe(self) -> str:
        """Where the data is."""
        return f"thư mục dữ liệu {self.data_dir}"

    @property
    def journal_path(self) -> Path:
        """This process's outcome journal (tests look at it)."""
        return self._disk.journal_path

    def close(self) -> None:
        """Close this process's journal; the next writing transaction folds it."""
        self._disk.finish_journal()

    def health(self) -> StoreHealth:
        """Read and decode every file, then write and remove a probe file."""
        problems: list[str] = []
        try:
            with self._disk.transaction(readonly=True) as tx:
                self._acks.events(tx)
                for month in self._months():
                    tx.typed(_deliveries_file(month), "deliveries", delivery_from_json)
                for path in sorted(self.data_dir.glob("records-*.json")):
                    tx.all(path.name, "records")
                tx.all(STATE, "channels")
        except StoreError as exc:
            problems.append(str(exc))
        probe = self.data_dir / f".health.{os.getpid()}.tmp"
        try:
            write_atomic(probe, b"ok")
            probe.unlink()
        except OSError as exc:
            problems.append(str(write_error(self.data_dir, exc)))
        notes = []
        quarantine = self.data_dir / "quarantine.log"
        if quarantine.exists():
            notes.append(
                f"{quarantine}: có dòng nhật ký kết quả gửi không đọc được đã được để riêng"
                " — xem rồi xóa tệp này"
            )
        return StoreHealth(ok=not problems, problems=tuple(problems), notes=tuple(notes))

    def _months(self) -> list[str]:
        names = [p.name for p in self.data_dir.glob("deliveries-*.json")]
        return sorted(n.removeprefix("deliveries-").removesuffix(".json") for n in names)

    # -- deliveries -------------------------------------------------------------------------------

    def delivery_months(self) -> list[str]:
        """Months that have a deliveries file, oldest first."""
        return self._months()

    def deliveries(self, month: str | None = None) -> list[Delivery]:
        """Every delivery (of ``month``), by day then creation."""
        with self._disk.transaction(readonly=True) as tx:
            months = [month] if month else self._months()
            out = [
                d
                for m in months
                for d in tx.typed(_deliveries_file(m), "deliveries", delivery_from_json)
            ]
        return sorted(out, key=lambda d: (d.day, d.created_at))

    def delivery_heads(
        self, month: str | None = None, *, since: date | None = None, channel: str | None = None
    ) -> list[DeliveryHead]:
        """``deliveries(month)`` without their messages (not decoded); of day ``since`` or
        later, on ``channel``, when given (months before ``since`` are not read)."""
        with self._disk.transaction(readonly=True) as tx:
            months = [month] if month else self._months()
            if since is not None:
                months = [m for m in months if m >= month_of(since)]
            out = [
                d
                for m in months
                for d in tx.typed(
                    _deliveries_file(m), "deliveries", delivery_head_from_json, form=":head"
                )
                if (since is None or d.day >= since) and (channel is None or d.channel == channel)
            ]
        return sorted(out, key=lambda d: (d.day, d.created_at))

    def each_delivery_head(
        self, month: str | None = None, *, since: date | None = None, channel: str | None = None
    ) -> Iterator[DeliveryHead]:
        """``delivery_heads`` (read whole: the files are read whole anyway)."""
        yield from self.delivery_heads(month, since=since, channel=channel)

    def bearing_deliveries(self, as_of: datetime, pairs: Pairs = EVERY) -> list[DeliveryHead]:
        """What the state of ``pairs`` as of ``as_of`` reads of the deliveries."""
        return bearing.deliveries(self.delivery_heads(), as_of, pairs)

    def delivery(self, key: str, day: date) -> Delivery | None:
        """The delivery ``key`` of ``day``."""
        with self._disk.transaction(readonly=True) as tx:
            doc = tx.get(_deliveries_file(month_of(day)), "deliveries", key)
            if doc is None:
                return None
            try:
                return delivery_from_json(doc)
            except RecordShapeError as exc:
                path = self.data_dir / _deliveries_file(month_of(day))
                raise _corrupt(path, f"bản ghi {key}: {exc}") from None

    def add_deliveries(
        self, deliveries: Sequence[Delivery], holder: Leaseholder, lease_s: float
    ) -> list[Delivery]:
        """Insert the new keys, leased to ``holder``."""
        if not deliveries:
            return []
        with self._disk.transaction() as tx:
            lease = self._lease(tx, holder, lease_s)
            by_month: dict[str, list[Delivery]] = {}
            for d in deliveries:
                by_month.setdefault(d.month, []).append(d)
            added: list[Delivery] = []
            for month, batch in by_month.items():
                file = _deliveries_file(month)
                seen = set(tx._index(file, "deliveries")) if tx.exists(file) else set()
                new = []
                for d in batch:
                    if d.key in seen:
                        continue
                    seen.add(d.key)
                    new.append(replace(d, lease=lease))
                tx.insert_many(file, "deliveries", [delivery_to_json(d) for d in new])
                added += new
        return added

    def lease_due(
        self, holder: Leaseholder, now: datetime, lease_s: float, limit: int | None = None
    ) -> list[Delivery]:
        """Lease the retries due at ``now`` and the pending deliveries nobody holds (at most
        ``limit``, oldest first)."""
        with self._disk.transaction() as tx:
            beats = self._beats(tx)
            store_now = self.clock()
            taken: list[Delivery] = []
            lease: Lease | None = None
            for month in self._months():
                if limit is not None and len(taken) >= limit:
                    break
                file = _deliveries_file(month)
                free: list[Delivery] = []
                for d in tx.typed(file, "deliveries", delivery_from_json):
                    if limit is not None and len(taken) + len(free) >= limit:
                        break
                    if d.status not in UNFINISHED or not self._free(d.lease, beats, store_now):
                        continue
                    retry_due = (
                        d.status == "retry"
                        and d.next_attempt_at is not None
                        and d.next_attempt_at <= now
                    )
                    if d.status == "pending" or retry_due:
                        free.append(d)
                if not free:
                    continue
                if lease is None:
                    lease = self._lease(tx, holder, lease_s)
                claim = lease_to_json(lease)
                tx.update_many(file, "deliveries", {d.key: {"claim": claim} for d in free})
                taken += [replace(d, lease=lease) for d in free]
        return taken

    def renew_leases(self, owner: str, lease_s: float) -> None:
        """Push ``owner``'s heartbeat to store-now + ``lease_s``."""
        with self._disk.transaction() as tx:
            self._beat(tx, owner, self.clock() + timedelta(seconds=lease_s), released=False)

    def release_leases(self, owner: str) -> None:
        """Mark ``owner``'s heartbeat released: its deliveries are free at once."""
        self._owners.discard(owner)
        with self._disk.transaction() as tx:
            self._beat(tx, owner, self.clock(), released=True)

    def record_outcome(self, outcome: Outcome) -> None:
        """Append the outcome to this process's journal."""
        line = orjson.dumps({"outcome": outcome_to_json(outcome)}, option=orjson.OPT_APPEND_NEWLINE)
        self._disk.append_journal(line)

    def flush(self) -> None:
        """Close the journal and fold it into the deliveries files."""
        self._disk.finish_journal()
        with self._disk.transaction():
            pass  # opening a writing transaction folds the journals

    def _lease(self, tx: _Tx, holder: Leaseholder, lease_s: float) -> Lease:
        until = self.clock() + timedelta(seconds=lease_s)
        self._owners.add(holder.owner)
        self._beat(tx, holder.owner, until, released=False)
        return Lease(owner=holder.owner, until=until, host=holder.host, pid=holder.pid)

    def _beat(self, tx: _Tx, owner: str, until: datetime, *, released: bool) -> None:
        stale = (self.clock() - timedelta(days=2)).isoformat()
        for doc in tx.all(STATE, "leases"):
            if str(doc.get("until", "")) < stale and doc.get("key") != owner:
                tx.remove(STATE, "leases", str(doc["key"]))
        tx.upsert(STATE, "leases", owner, {"until": until.isoformat(), "released": released})

    def _beats(self, tx: _Tx) -> dict[str, _Beat]:
        out = {}
        for doc in tx.all(STATE, "leases"):
            try:
                until = datetime.fromisoformat(str(doc["until"]))
            except (KeyError, ValueError):
                continue
            out[str(doc.get("key"))] = _Beat(until, bool(doc.get("released")))
        return out

    def _free(self, lease: Lease | None, beats: dict[str, _Beat], store_now: datetime) -> bool:
        """Whether nobody holds ``lease`` any more (by this host's clock)."""
        if lease is None:
            return True
        beat = beats.get(lease.owner)
        if beat is not None and beat.released:
            return True
        until = max(lease.until, beat.until) if beat is not None else lease.until
        if until <= store_now:
            return True
        if lease.host != HOST:
            return False
        if lease.pid == os.getpid():
            return lease.owner not in self._owners  # a pass of this process that has ended
        return not _pid_alive(lease.pid)

    # -- acknowledgments --------------------------------------------------------------------------

    def add_acks(self, events: Sequence[AckEvent]) -> None:
        """Append acknowledgment events (those whose ``id`` is already recorded skipped)."""
        if not events:
            return
        now = self.clock()
        stamped = [e if e.recorded_utc else replace(e, recorded_utc=now) for e in events]
        with self._disk.transaction() as tx:
            if any(e.id for e in stamped):
                # Under the store's lock, so two processes cannot both find an id missing.
                known = {k.id for e in stamped if e.id for k in self._acks.events_of(tx, e.pair)}
                fresh = []
                for event in stamped:
                    if not event.id or event.id not in known:
                        known.add(event.id)
                        fresh.append(event)
                stamped = fresh
                if not stamped:
                    return
            self._acks.append(tx, stamped, tx.after_commit)

    def ack_events(
        self, *, as_of: datetime | None = None, pair: Pair | None = None
    ) -> list[AckEvent]:
        """Events in the order recorded (filtered by ``as_of`` and ``pair``)."""
        with self._disk.transaction(readonly=True) as tx:
            events = self._acks.events(tx) if pair is None else self._acks.events_of(tx, pair)
        if as_of is not None:
            events = [e for e in events if e.at <= as_of]
        return list(events)

    def latest_acks(self, as_of: datetime, pairs: Pairs = EVERY) -> list[AckEvent]:
        """The latest event of each pair of ``pairs`` at or before ``as_of``."""
        units = sorted(pairs.units or ())
        if pairs.plan is not None and pairs.task is not None and len(units) == 1:
            events = self.ack_events(as_of=as_of, pair=(pairs.plan, pairs.task, units[0]))
        else:
            events = self.ack_events(as_of=as_of)
        return list(bearing.latest(events, as_of, pairs).values())

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
        names = [p.name for p in self.data_dir.glob("records-*.json")]
        return sorted(n.removeprefix("records-").removesuffix(".json") for n in names)

    def get_record(self, kind: RecordKind[R], key: str) -> R | None:
        """The record ``key`` of ``kind``."""
        with self._disk.transaction(readonly=True) as tx:
            doc = tx.get(_records_file(kind), "records", key)
            return None if doc is None else self._decode(kind, doc)

    def records(self, kind: RecordKind[R]) -> dict[str, R]:
        """Every record of ``kind``."""
        with self._disk.transaction(readonly=True) as tx:
            docs = tx.all(_records_file(kind), "records")
            return {str(doc["key"]): self._decode(kind, doc) for doc in docs}

    def put_record(self, kind: RecordKind[R], key: str, value: R) -> None:
        """Upsert."""
        with self._disk.transaction() as tx:
            tx.upsert(_records_file(kind), "records", key, {"value": kind.to_json(value)})

    def add_record(self, kind: RecordKind[R], key: str, value: R) -> bool:
        """Insert if new."""
        with self._disk.transaction() as tx:
            if tx.get(_records_file(kind), "records", key) is not None:
                return False
            tx.insert_many(
                _records_file(kind), "records", [{"key": key, "value": kind.to_json(value)}]
            )
            return True

    def replace_record(self, kind: RecordKind[R], key: str, expected: R, value: R) -> bool:
        """Compare-and-set."""
        with self._disk.transaction() as tx:
            doc = tx.get(_records_file(kind), "records", key)
            if doc is None or self._decode(kind, doc) != expected:
                return False
            tx.upsert(_records_file(kind), "records", key, {"value": kind.to_json(value)})
            return True

    def delete_record(self, kind: RecordKind[R], key: str) -> bool:
        """Delete."""
        with self._disk.transaction() as tx:
            if not tx.exists(_records_file(kind)):
                return False
            return tx.remove(_records_file(kind), "records", key)

    def _decode(self, kind: RecordKind[R], doc: Document) -> R:
        try:
            return kind.from_json(doc.get("value"))
        except RecordShapeError as exc:
            path = self.data_dir / _records_file(kind)
            raise _corrupt(path, f"bản ghi {doc.get('key')}: {exc}") from None


def _channel_state(tx: _Tx, name: str) -> ChannelState:
    doc = tx.get(STATE, "channels", name)
    if doc is None:
        return ChannelState(name)
    if "values" in doc and isinstance(doc["values"], dict):
        values = {str(k): None if v is None else str(v) for k, v in doc["values"].items()}
        return ChannelState(name, values, int(doc.get("version", 0)))
    # State written before 0.2: the values sat beside the key.
    values = {str(k): None if v is None else str(v) for k, v in doc.items() if k != "key"}
    return ChannelState(name, values, 0 if not values else 1)
