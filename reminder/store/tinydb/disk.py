"""Transactions over the TinyDB files of a data directory: the lock, the cache of parsed
files, and what a transaction reads and writes (``Disk.transaction`` yields a ``Tx``).

TinyDB runs on an in-memory storage inside a transaction; each changed file is written once
at commit (temporary file, fsync, the previous version kept as ``.bak`` by hard link, rename).
A file that exists must parse to the expected shape, or a ``StoreError`` names it and its
backup. Every transaction first folds the outcome journals into its view (``journal.fold``).
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Iterator, MutableMapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import orjson
from filelock import FileLock, Timeout
from tinydb import TinyDB
from tinydb.storages import Storage
from tinydb.table import Document, Table

from reminder.errors import StoreError
from reminder.store.files import remove_leftover_temps, write_atomic, write_error
from reminder.store.records import RecordShapeError
from reminder.store.tinydb import journal

#: 2: the generic keyed records keep a change log beside their file (``keyedlog``), which a
#: program of schema 1 would not read: it must refuse the data dir, not lose those records.
SCHEMA_VERSION = 2

Record = dict[str, Any]
R = TypeVar("R")
log = logging.getLogger(__name__)


class MemoryStorage(Storage):
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
class File:
    path: Path
    stamp: tuple[int, int, int] | None
    db: TinyDB
    storage: MemoryStorage
    index: dict[str, dict[str, int]]  # table -> key -> doc_id
    decoded: dict[str, list[Any]] = field(default_factory=dict)  # table + form -> records
    #: The parsed documents were dropped (``release``): the next use that needs them re-reads
    #: the file; the decoded forms stay valid while the file is unchanged on disk.
    released: bool = False

    def release(self) -> None:
        """Drop the parsed documents, keeping the decoded forms. A month of deliveries parsed
        is mostly rendered messages: a reader of heads keeps the heads, not the messages."""
        self.storage = MemoryStorage({})
        self.db = TinyDB(storage=Factory(self.storage))
        self.index = {}
        self.released = True

    def forget_decoded(self, table: str) -> None:
        """Drop the decoded records of ``table``, in every form (``Tx.typed``'s ``form``)."""
        for name in [n for n in self.decoded if n == table or n.startswith(table + ":")]:
            del self.decoded[name]


def file_stamp(path: Path) -> tuple[int, int, int] | None:
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns)


def corrupt(path: Path, what: str) -> StoreError:
    backup = path.with_name(path.name + ".bak")
    hint = (
        f"bản trước đó còn ở {backup}: dừng dịch vụ, kiểm tra rồi chép đè lên {path}"
        if backup.exists()
        else "không có bản sao lưu; khôi phục từ bản sao của máy chủ"
    )
    return StoreError(f"{path}: tệp dữ liệu hỏng ({what}) — {hint}")


def check_shape(data: Any) -> str | None:
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


class Factory:
    """Hands TinyDB our storage instance (TinyDB wants a class to call)."""

    def __init__(self, storage: MemoryStorage) -> None:
        self.storage = storage

    def __call__(self) -> MemoryStorage:
        return self.storage


class Disk:
    """The files of the data directory: lock, cache of parsed files, this process's journal."""

    def __init__(self, data_dir: Path, lock_timeout: float) -> None:
        self.data_dir = data_dir
        self._lock = FileLock(str(data_dir / "reminder.lock"), timeout=lock_timeout)
        self._thread_lock = threading.RLock()
        self.files: dict[str, File] = {}
        self.journal = journal.Journal(data_dir)
        self.cleaned = False

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
    def transaction(self, *, readonly: bool = False) -> Iterator[Tx]:
        """Lock, load what changed on disk, yield, and write the changed files atomically.

        An exception inside the block discards its changes (files are not written), and so
        does ``readonly`` (the view includes unfolded outcomes, nothing is written).
        """
        with self.locked():
            if not self.cleaned:
                for path in remove_leftover_temps(self.data_dir):
                    log.info("đã xóa tệp tạm còn sót %s", path)
                self.cleaned = True
            tx = Tx(self)
            try:
                tx.check_schema()
                journal.fold(tx)
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

    def forget(self, tx: Tx, *, only_dirty: bool = False) -> None:
        """Drop cached files the transaction changed (or touched) so they are re-read."""
        for name in list(tx.touched):
            entry = self.files.get(name)
            if entry is not None and (not only_dirty or entry.storage.dirty):
                del self.files[name]

    def file(self, name: str) -> File:
        """The parsed file ``name`` (cached while unchanged on disk)."""
        path = self.data_dir / name
        stamp = file_stamp(path)
        cached = self.files.get(name)
        if cached is not None and cached.stamp == stamp and not cached.released:
            return cached
        data: dict[str, Any] = {}
        if stamp is not None:
            try:
                raw = path.read_bytes()
            except OSError as exc:
                raise StoreError(f"{path}: không đọc được ({exc.strerror})") from None
            if not raw.strip():
                raise corrupt(path, "tệp rỗng")
            try:
                data = orjson.loads(raw)
            except ValueError as exc:
                raise corrupt(path, str(exc)) from None
            problem = check_shape(data)
            if problem is not None:
                raise corrupt(path, problem)
        storage = MemoryStorage(data)
        db = TinyDB(storage=Factory(storage))
        entry = File(path=path, stamp=stamp, db=db, storage=storage, index={})
        if cached is not None and cached.stamp == stamp:
            entry.decoded = cached.decoded  # released, unchanged since: still what it decodes to
        self.files[name] = entry
        return entry

    def unchanged(self, name: str) -> File | None:
        """The cached entry of file ``name`` (parsed documents released or not) if the file
        is unchanged on disk since it was read, else None. Reads nothing but its stamp."""
        cached = self.files.get(name)
        if cached is None or cached.stamp != file_stamp(self.data_dir / name):
            return None
        return cached


class Tx:
    """Reads and writes inside one locked transaction (from ``Disk.transaction``)."""

    def __init__(self, disk: Disk) -> None:
        self.disk = disk
        self.touched: set[str] = set()
        self.after_commit: list[Path] = []
        self.quarantine: list[Record] = []

    # -- generic ----------------------------------------------------------------------------------

    def table(self, file: str, name: str) -> Table:
        """TinyDB table ``name`` of ``file`` for writing (changes are written at commit)."""
        self.touched.add(file)
        entry = self.disk.file(file)
        entry.forget_decoded(name)
        return entry.db.table(name)

    def index(self, file: str, name: str) -> dict[str, int]:
        """Key -> document id of table ``name`` in ``file`` (built once per cached file)."""
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
        doc_id = self.index(file, name).get(key)
        if doc_id is None:
            return None
        doc = self.disk.file(file).db.table(name).get(doc_id=doc_id)
        return doc if isinstance(doc, Document) else None

    def insert_many(self, file: str, name: str, records: list[Record]) -> None:
        """Insert ``records`` (each with a unique ``key`` when keyed) in one write."""
        if not records:
            return
        index = self.index(file, name)
        ids = self.table(file, name).insert_multiple(records)
        for record, doc_id in zip(records, ids, strict=True):
            if "key" in record:
                index[record["key"]] = doc_id

    def update_many(self, file: str, name: str, changes: dict[str, Record]) -> None:
        """Set different fields on many records (key -> fields) in one table rewrite."""
        index = self.index(file, name)
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
        entry.forget_decoded(name)
        entry.db.table(name).clear_cache()

    def rewrite_table(self, file: str, name: str, docs: dict[str, Record]) -> None:
        """Replace table ``name`` of ``file`` with ``docs`` (document id -> document) in one
        go, written at commit (TinyDB would rebuild the table once per changed document)."""
        self.touched.add(file)
        entry = self.disk.file(file)
        entry.storage.data[name] = docs
        entry.storage.dirty = True
        entry.forget_decoded(name)
        entry.index.pop(name, None)
        entry.db = TinyDB(storage=Factory(entry.storage))  # no table state from before

    def upsert(self, file: str, name: str, key: str, record: Record) -> None:
        """Replace the record ``key`` (or insert it)."""
        record = {**record, "key": key}
        if self.get(file, name, key) is None:
            self.insert_many(file, name, [record])
        else:
            self.update_many(file, name, {key: record})

    def remove(self, file: str, name: str, key: str) -> bool:
        """Delete the record ``key``; True when there was one."""
        index = self.index(file, name)
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

    def typed(
        self,
        file: str,
        name: str,
        decode: Callable[[Any], R],
        *,
        form: str = "",
        release: bool = False,
    ) -> list[R]:
        """Every record of table ``name`` in ``file``, decoded (and cached while unchanged,
        per ``form``: one name per decoder of the table). ``release``: drop the file's parsed
        documents afterwards and keep only the decoded records (``File.release``), unless this
        transaction changed the file.

        A record that does not decode stops with a ``StoreError`` naming the file and record.
        """
        if not self.exists(file):
            return []
        held = self.disk.unchanged(file)
        if held is not None and name + form in held.decoded:
            out: list[R] = held.decoded[name + form]
            if release:
                self._release(file, held)
            return out
        entry = self.disk.file(file)
        out = []
        for doc in entry.db.table(name).all():
            try:
                out.append(decode(doc))
            except (RecordShapeError, TypeError, ValueError) as exc:
                raise corrupt(entry.path, f"bản ghi {doc.doc_id} của {name!r}: {exc}") from None
        entry.decoded[name + form] = out
        if release:
            self._release(file, entry)
        return out

    def _release(self, file: str, entry: File) -> None:
        if file not in self.touched and not entry.storage.dirty and not entry.released:
            entry.release()

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
        if int(meta.get("version", 0)) < SCHEMA_VERSION:  # written by the first writing tx
            self.update_many("state.json", "meta", {"schema": {"version": SCHEMA_VERSION}})

    def commit(self) -> None:
        for name in sorted(self.touched):
            entry = self.disk.files.get(name)
            if entry is None or not entry.storage.dirty:
                continue
            if file_stamp(entry.path) != entry.stamp:
                # Changed on disk under our lock (by hand?): never rotate an unread file.
                raise corrupt(entry.path, "tệp bị thay đổi trong khi đang ghi")
            try:
                write_atomic(entry.path, orjson.dumps(entry.storage.data), keep_backup=True)
            except OSError as exc:
                raise write_error(entry.path, exc) from None
            entry.storage.dirty = False
            entry.stamp = file_stamp(entry.path)
        if self.quarantine:
            path = self.disk.data_dir / "quarantine.log"
            lines = b"".join(
                orjson.dumps({**q, "text": bytes(q["text"]).decode("utf-8", "replace")}) + b"\n"
                for q in self.quarantine
            )
            try:
                with path.open("ab") as handle:
                    handle.write(lines)
                    handle.flush()
                    os.fsync(handle.fileno())
            except OSError as exc:
                raise write_error(path, exc) from None
            for q in self.quarantine:
                log.warning(
                    "dòng %s của %s không đọc được (%s): đã để riêng ở %s",
                    q["line"],
                    q["file"],
                    q["error"],
                    path,
                )
        for path in self.after_commit:
            path.unlink(missing_ok=True)  # folded: its outcomes (or acks) are in the files now
