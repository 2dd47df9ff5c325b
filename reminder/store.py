"""The data store: deliveries, acknowledgments and channel state, in TinyDB files.

TinyDB rewrites a whole file on every write, in place, and knows nothing of other processes.
This module wraps it so that:

- **every write is atomic**: a transaction writes each changed file to a temporary file, fsyncs
  it, keeps the previous version as ``<file>.bak`` (a hard link, no copy) and renames the new
  one into place — a crash or ``kill -9`` at any moment leaves the last good state;
- **writes are batched**: TinyDB runs on an in-memory storage inside a transaction; each changed
  file is written once at commit, however many records changed;
- **processes take turns**: a transaction holds ``reminder.lock`` (filelock), so the CLI and
  the service can both write; files another process replaced are re-read (by inode, size and
  modification time);
- **a file that does not parse stops the program** with a ``StoreError`` naming it and its
  backup; it is never overwritten.

Send outcomes are appended, one JSON line each, to the writing process's own journal
(``outcomes.<pid>.<token>.log``, opened once, no lock: ``O_APPEND`` writes of a line are
atomic) instead of rewriting a deliveries file per message. Every transaction folds all
journals into its view; a writing transaction then writes the files once and deletes the
journals that are finished (``.done``) or whose process is gone. A killed process loses no
outcome it wrote (the kernel keeps written data); a power cut may lose the last ones, which are
then sent again. The data directory belongs to one host (no network file systems).

Files are serialised with orjson (several times faster than the json module TinyDB uses).

Layout of the data directory::

    reminder.lock              the cross-process lock
    state.json                 schema version, channel state (Zalo tokens)
    acks.json                  acknowledgments, every event kept
    deliveries-YYYY-MM.json    outbox and delivery records of one month
    outcomes.*.log / .done     send outcomes not yet folded in, one journal per process
"""

from __future__ import annotations

import os
import re
import secrets
import tempfile
import threading
from collections.abc import Iterator, MutableMapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
from filelock import FileLock, Timeout
from tinydb import TinyDB
from tinydb.storages import Storage
from tinydb.table import Document, Table

from reminder.errors import StoreError

SCHEMA_VERSION = 1

Record = dict[str, Any]


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


def _stamp(path: Path) -> tuple[int, int, int] | None:
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns)


def write_atomic(path: Path, data: bytes, *, keep_backup: bool = False) -> None:
    """Replace ``path`` with ``data``: temp file, fsync, optional ``.bak`` link, rename."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if keep_backup and path.exists():
            backup_tmp = path.with_name(f".{path.name}.bak.tmp")
            backup_tmp.unlink(missing_ok=True)
            os.link(path, backup_tmp)
            os.replace(backup_tmp, path.with_name(path.name + ".bak"))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


class Store:
    """The data directory. One instance per process; not for use from several threads."""

    def __init__(self, data_dir: Path, *, lock_timeout: float = 60.0) -> None:
        self.data_dir = data_dir
        try:
            data_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(
                f"{data_dir}: không tạo được thư mục dữ liệu ({exc.strerror}) — chỉ thư mục khác"
                " bằng --data-dir hoặc REMINDER_DATA_DIR"
            ) from None
        self._lock = FileLock(str(data_dir / "reminder.lock"), timeout=lock_timeout)
        self._thread_lock = threading.RLock()
        self._files: dict[str, _File] = {}
        self._journal_fd: int | None = None
        self._journal_lock = threading.Lock()
        self.journal_path = data_dir / f"outcomes.{os.getpid()}.{secrets.token_hex(4)}.log"

    # -- transactions -------------------------------------------------------------------------

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
    def transaction(self, *, readonly: bool = False) -> Iterator[Transaction]:
        """Lock, load what changed on disk, yield, and write the changed files atomically.

        An exception inside the block discards its changes (files are not written), and so
        does ``readonly`` (for dry runs: the view includes unfolded outcomes, nothing is
        written).
        """
        with self.locked():
            tx = Transaction(self)
            try:
                tx._check_schema()
                tx._fold_journal()
                yield tx
            except BaseException:
                self._forget(tx)
                raise
            if readonly:
                self._forget(tx, only_dirty=True)
            else:
                try:
                    tx._commit()
                except BaseException:  # disk full...: the change must not linger in memory
                    self._forget(tx)  # to be written later by someone else's transaction
                    raise

    def _forget(self, tx: Transaction, *, only_dirty: bool = False) -> None:
        """Drop cached files the transaction changed (or touched) so they are re-read."""
        for name in list(tx.touched):
            entry = self._files.get(name)
            if entry is not None and (not only_dirty or entry.storage.dirty):
                del self._files[name]

    def record_outcome(self, key: str, month: str, fields: Record) -> None:
        """Append one send outcome to this process's journal (durable against a kill).

        Safe from several threads at once (concurrent sends record from worker threads).
        """
        line = orjson.dumps({"key": key, "month": month, "set": fields}) + b"\n"
        with self._journal_lock:
            if self._journal_fd is None:
                self._journal_fd = os.open(
                    self.journal_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600
                )
            os.write(self._journal_fd, line)

    def finish_journal(self) -> None:
        """Close this process's journal so the next writing transaction folds and removes it."""
        with self._journal_lock:
            if self._journal_fd is None:
                return
            os.close(self._journal_fd)
            self._journal_fd = None
            os.replace(self.journal_path, self.journal_path.with_suffix(".done"))
            self.journal_path = self.data_dir / f"outcomes.{os.getpid()}.{secrets.token_hex(4)}.log"

    # -- files ----------------------------------------------------------------------------------

    def _file(self, name: str) -> _File:
        path = self.data_dir / name
        stamp = _stamp(path)
        cached = self._files.get(name)
        if cached is not None and cached.stamp == stamp:
            return cached
        data: dict[str, Any] = {}
        if stamp is not None:
            try:
                raw = path.read_bytes()
                data = orjson.loads(raw) if raw.strip() else {}
                if not isinstance(data, dict):
                    raise ValueError("không phải một đối tượng JSON")
            except (ValueError, UnicodeDecodeError) as exc:
                backup = path.with_name(path.name + ".bak")
                hint = (
                    f"bản trước đó còn ở {backup}: dừng dịch vụ, kiểm tra rồi chép đè lên {path}"
                    if backup.exists()
                    else "không có bản sao lưu; khôi phục từ bản sao của máy chủ"
                )
                raise StoreError(f"{path}: tệp dữ liệu hỏng ({exc}) — {hint}") from None
            except OSError as exc:
                raise StoreError(f"{path}: không đọc được ({exc.strerror})") from None
        storage = _MemoryStorage(data)
        db = TinyDB(storage=_Factory(storage))
        entry = _File(path=path, stamp=stamp, db=db, storage=storage, index={})
        self._files[name] = entry
        return entry


class _Factory:
    """Hands TinyDB our storage instance (TinyDB wants a class to call)."""

    def __init__(self, storage: _MemoryStorage) -> None:
        self.storage = storage

    def __call__(self) -> _MemoryStorage:
        return self.storage


class Transaction:
    """Reads and writes inside one locked transaction. Get one from ``Store.transaction``."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.touched: set[str] = set()
        self._finished_journals: list[Path] = []

    # -- generic ----------------------------------------------------------------------------

    def table(self, file: str, name: str) -> Table:
        """TinyDB table ``name`` of ``file`` (changes are written at commit)."""
        self.touched.add(file)
        return self.store._file(file).db.table(name)

    def _index(self, file: str, name: str) -> dict[str, int]:
        entry = self.store._file(file)
        index = entry.index.get(name)
        if index is None:
            table = entry.db.table(name)
            index = {doc["key"]: doc.doc_id for doc in table.all() if "key" in doc}
            entry.index[name] = index
        return index

    def get(self, file: str, name: str, key: str) -> Document | None:
        """The record with ``key`` in table ``name`` of ``file``, or None."""
        doc_id = self._index(file, name).get(key)
        if doc_id is None:
            return None
        doc = self.table(file, name).get(doc_id=doc_id)
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

    def update(self, file: str, name: str, key: str, fields: Record) -> bool:
        """Set ``fields`` on the record with ``key``; False when there is none."""
        doc_id = self._index(file, name).get(key)
        if doc_id is None:
            return False
        self.table(file, name).update(fields, doc_ids=[doc_id])
        return True

    def update_many(self, file: str, name: str, changes: dict[str, Record]) -> None:
        """Set different fields on many records (key -> fields) in one table rewrite."""
        index = self._index(file, name)
        ids = [index[k] for k in changes if k in index]
        if not ids:
            return

        def apply(doc: MutableMapping[str, Any]) -> None:
            doc.update(changes[doc["key"]])

        self.table(file, name).update(apply, doc_ids=ids)

    def all(self, file: str, name: str) -> list[Document]:
        """Every record of table ``name`` in ``file``."""
        if not (self.store.data_dir / file).exists() and file not in self.store._files:
            return []
        return self.store._file(file).db.table(name).all()

    # -- domain tables ----------------------------------------------------------------------

    def deliveries(self, month: str) -> list[Document]:
        """Delivery records of ``month`` ("2025-03")."""
        return self.all(f"deliveries-{month}.json", "deliveries")

    def delivery(self, month: str, key: str) -> Document | None:
        """The delivery record ``key`` of ``month``."""
        return self.get(f"deliveries-{month}.json", "deliveries", key)

    def add_deliveries(self, month: str, records: list[Record]) -> None:
        """Insert new delivery records of ``month``."""
        self.insert_many(f"deliveries-{month}.json", "deliveries", records)

    def update_delivery(self, month: str, key: str, fields: Record) -> bool:
        """Set ``fields`` on delivery ``key`` of ``month``."""
        return self.update(f"deliveries-{month}.json", "deliveries", key, fields)

    def delivery_months(self) -> list[str]:
        """Months that have a deliveries file, oldest first."""
        names = [p.name for p in self.store.data_dir.glob("deliveries-*.json")]
        return sorted(n.removeprefix("deliveries-").removesuffix(".json") for n in names)

    def acks(self) -> list[Document]:
        """Every acknowledgment event, oldest first."""
        return self.all("acks.json", "acks")

    def add_acks(self, records: list[Record]) -> None:
        """Record acknowledgment events."""
        self.insert_many("acks.json", "acks", records)

    def state(self, name: str) -> Record:
        """Channel state ``name`` (e.g. "zalo"), empty when none."""
        doc = self.get("state.json", "channels", name)
        return dict(doc) if doc is not None else {}

    def set_state(self, name: str, fields: Record) -> None:
        """Replace channel state ``name``."""
        record = {**fields, "key": name}
        if not self.update("state.json", "channels", name, record):
            self.insert_many("state.json", "channels", [record])

    # -- internals --------------------------------------------------------------------------

    def _check_schema(self) -> None:
        meta = self.get("state.json", "meta", "schema")
        if meta is None:
            self.insert_many("state.json", "meta", [{"key": "schema", "version": SCHEMA_VERSION}])
            return
        if int(meta.get("version", 0)) > SCHEMA_VERSION:
            raise StoreError(
                f"{self.store.data_dir}: dữ liệu của phiên bản mới hơn (schema"
                f" {meta.get('version')}) — cập nhật reminder trước khi chạy"
            )

    def _fold_journal(self) -> None:
        data_dir = self.store.data_dir
        journals = [*data_dir.glob("outcomes.*.log"), *data_dir.glob("outcomes.*.done")]
        if not journals:
            return
        journals.sort(key=lambda p: (_stamp(p) or (0, 0, 0))[2])
        changes: dict[str, dict[str, Record]] = {}
        for path in journals:
            try:
                raw = path.read_bytes()
            except FileNotFoundError:
                continue  # folded and removed by another process meanwhile
            for line in raw.splitlines():
                try:
                    entry = orjson.loads(line)
                    key, month, fields = entry["key"], entry["month"], entry["set"]
                except (ValueError, KeyError, TypeError):
                    continue  # a torn last line from a killed writer
                by_key = changes.setdefault(month, {})
                by_key[key] = {**by_key.get(key, {}), **fields}
            if path.suffix == ".done" or _journal_owner_gone(path, self.store):
                self._finished_journals.append(path)
        for month, by_key in changes.items():
            self.update_many(f"deliveries-{month}.json", "deliveries", by_key)

    def _commit(self) -> None:
        for name in sorted(self.touched):
            entry = self.store._files.get(name)
            if entry is None or not entry.storage.dirty:
                continue
            write_atomic(entry.path, orjson.dumps(entry.storage.data), keep_backup=True)
            entry.storage.dirty = False
            entry.stamp = _stamp(entry.path)
        for path in self._finished_journals:
            path.unlink(missing_ok=True)  # its outcomes are in the files now


_JOURNAL = re.compile(r"^outcomes\.(\d+)\.[0-9a-f]+\.log$")


def _journal_owner_gone(path: Path, store: Store) -> bool:
    """Whether the process writing journal ``path`` has ended (so its journal is complete)."""
    if path == store.journal_path:
        return False
    match = _JOURNAL.match(path.name)
    if not match:
        return False
    try:
        os.kill(int(match.group(1)), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False
