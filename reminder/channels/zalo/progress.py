"""What each chat has received of a Zalo Bot reminder, part by part (``bot.ZaloBotChannel``).

One record per (delivery, chat), key ``<delivery key>/<chat id>``: the provider's message id
of every part sent so far, in order, and the words of a permanent failure. Only the pass that
holds the delivery's lease writes it, so an upsert is enough. Records are pruned with the
inbox (``inbox.prune``) once their delivery is long over.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from reminder.store import RecordKind, Store


@dataclass(frozen=True)
class Progress:
    """Parts a chat has received (provider ids, in order); ``failed``: why it never will (the
    provider's words), ``code`` the provider's error code."""

    sent: tuple[str, ...] = ()
    failed: str = ""
    code: str | None = None


@dataclass(frozen=True)
class _Stored:
    progress: Progress
    at: datetime


PROGRESS = RecordKind("zalo_bot_progress", _Stored)


def of(store: Store, delivery_key: str, chat_id: str) -> Progress:
    """What chat ``chat_id`` has received of delivery ``delivery_key``."""
    record = store.get_record(PROGRESS, f"{delivery_key}/{chat_id}")
    return record.progress if record is not None else Progress()


def save(store: Store, delivery_key: str, chat_id: str, progress: Progress, at: datetime) -> None:
    """Record ``progress`` (durable when it returns)."""
    store.put_record(PROGRESS, f"{delivery_key}/{chat_id}", _Stored(progress, at))


def prune(store: Store, before: datetime) -> int:
    """Forget the progress written before ``before``."""
    old = [key for key, record in store.records(PROGRESS).items() if record.at < before]
    return sum(store.delete_record(PROGRESS, key) for key in old)
