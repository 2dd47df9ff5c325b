"""Small keyed records (accounts, sessions, audit entries, extensions, pauses) in the store.

The store's generic keyed-record area does the work (``reminder.store.RecordKind`` and the
``Store`` methods ``get_record`` / ``records`` / ``put_record`` / ``add_record`` /
``replace_record`` / ``delete_record``); ``Records(store)`` is the same operations under the
name the accounts code was written against. New code may call the store directly.
"""

from __future__ import annotations

from typing import TypeVar

from reminder.store import RecordKind, Store

__all__ = ["RecordKind", "Records"]
R = TypeVar("R")


class Records:
    """The keyed-record operations of ``store``; each call is one atomic operation."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def get_record(self, kind: RecordKind[R], key: str) -> R | None:
        """The record ``key`` of ``kind``, or None."""
        return self.store.get_record(kind, key)

    def records(self, kind: RecordKind[R]) -> dict[str, R]:
        """Every record of ``kind``, by key, in insertion order."""
        return self.store.records(kind)

    def put_record(self, kind: RecordKind[R], key: str, value: R) -> None:
        """Insert or replace the record ``key``."""
        self.store.put_record(kind, key, value)

    def add_record(self, kind: RecordKind[R], key: str, value: R) -> bool:
        """Insert the record only if ``key`` is new; True when it was inserted."""
        return self.store.add_record(kind, key, value)

    def replace_record(self, kind: RecordKind[R], key: str, expected: R, value: R) -> bool:
        """Replace the record ``key`` only if it still equals ``expected``."""
        return self.store.replace_record(kind, key, expected, value)

    def delete_record(self, kind: RecordKind[R], key: str) -> bool:
        """Delete the record ``key``; True when there was one."""
        return self.store.delete_record(kind, key)
