"""Small keyed records (accounts, sessions, audit entries, extensions, pauses) in the store.

The shape follows the store's generic keyed-record area (``RecordKind`` + ``get_record`` /
``records`` / ``put_record`` / ``add_record`` / ``delete_record``): declare a kind once next
to its dataclass, and read or write values of that type. ``Records(store)`` provides those
operations over the current TinyDB store, one transaction per operation; when the store
protocol carries them itself, ``Records(store)`` becomes ``store`` at each call site.

Each kind is one document in ``records.json`` (table ``records``) holding its values by key,
serialised through pydantic, so a value read back is the dataclass that was written.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

from pydantic import TypeAdapter, ValidationError

from reminder.errors import StoreError
from reminder.store import Store, Transaction

R = TypeVar("R")
T = TypeVar("T")
_FILE, _TABLE = "records.json", "records"


class RecordKind(Generic[R]):
    """A kind of keyed record; ``name`` is its stored identity (never rename it)."""

    def __init__(self, name: str, type_: type[R]) -> None:
        self.name = name
        self.type = type_
        self._adapter: TypeAdapter[R] = TypeAdapter(type_)

    def to_json(self, value: R) -> Any:
        return self._adapter.dump_python(value, mode="json")

    def from_json(self, data: Any) -> R:
        try:
            return self._adapter.validate_python(data)
        except ValidationError as exc:
            raise StoreError(
                f"records.json: bản ghi {self.name} không đọc được ({exc.errors()[0]['msg']})"
                " — khôi phục records.json từ records.json.bak"
            ) from None


def _values(tx: Transaction, kind: RecordKind[Any]) -> dict[str, Any]:
    doc = tx.get(_FILE, _TABLE, kind.name)
    values = doc.get("values") if doc is not None else None
    return dict(values) if isinstance(values, dict) else {}


def _write(tx: Transaction, kind: RecordKind[Any], values: dict[str, Any]) -> None:
    record = {"key": kind.name, "values": values}
    if not tx.update(_FILE, _TABLE, kind.name, record):
        tx.insert_many(_FILE, _TABLE, [record])


class Records:
    """The keyed-record operations over ``store``; each call is one atomic transaction."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def _read(self, kind: RecordKind[R], use: Callable[[dict[str, Any]], T]) -> T:
        with self.store.transaction(readonly=True) as tx:
            return use(_values(tx, kind))

    def _change(self, kind: RecordKind[R], change: Callable[[dict[str, Any]], T]) -> T:
        with self.store.transaction() as tx:
            values = _values(tx, kind)
            result = change(values)
            _write(tx, kind, values)
            return result

    def get_record(self, kind: RecordKind[R], key: str) -> R | None:
        """The record ``key`` of ``kind``, or None."""
        raw = self._read(kind, lambda values: values.get(key))
        return None if raw is None else kind.from_json(raw)

    def records(self, kind: RecordKind[R]) -> dict[str, R]:
        """Every record of ``kind``, by key, in insertion order."""
        raw = self._read(kind, dict)
        return {key: kind.from_json(value) for key, value in raw.items()}

    def put_record(self, kind: RecordKind[R], key: str, value: R) -> None:
        """Insert or replace the record ``key``."""
        self._change(kind, lambda values: values.__setitem__(key, kind.to_json(value)))

    def add_record(self, kind: RecordKind[R], key: str, value: R) -> bool:
        """Insert the record only if ``key`` is new; True when it was inserted."""

        def add(values: dict[str, Any]) -> bool:
            if key in values:
                return False
            values[key] = kind.to_json(value)
            return True

        return self._change(kind, add)

    def delete_record(self, kind: RecordKind[R], key: str) -> bool:
        """Delete the record ``key``; True when there was one."""
        return self._change(kind, lambda values: values.pop(key, None) is not None)
