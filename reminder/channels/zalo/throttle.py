"""Wrong invite codes, counted per chat, so that codes cannot be guessed.

A chat that has sent ``limit`` wrong codes within the last hour is told when it may try again,
and no code it sends is checked until then. The tries are kept in the store (``WRONG_CODES``,
one record per chat) with the update that made each, so handling the same update again counts
it once, and every worker sees the same count.

With 8 symbols from a 31-letter alphabet (31**8, about 8.5 * 10**11 codes, 39 bits) and 5
tries an hour, one chat needs on the order of 10**10 hours to find one code among a hundred
live ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from reminder.store import RecordKind, Store

WINDOW = timedelta(hours=1)
KEEP = 50  # tries kept per chat: more than any sensible limit


@dataclass(frozen=True)
class WrongCode:
    """One wrong code: the update that sent it, when."""

    update_id: str
    at: datetime


@dataclass(frozen=True)
class WrongCodes:
    """A chat's recent wrong codes, oldest first."""

    tries: tuple[WrongCode, ...] = ()


WRONG_CODES = RecordKind("zalo_wrong_code", WrongCodes)


def blocked_until(
    store: Store, chat_id: str, update_id: str, at: datetime, limit: int
) -> datetime | None:
    """When ``chat_id`` may send a code again, if it may not at ``at`` (``limit`` wrong codes
    in the hour before, not counting ``update_id`` itself); None when it may."""
    record = store.get_record(WRONG_CODES, chat_id)
    if record is None:
        return None
    recent = sorted(
        t.at for t in record.tries if t.update_id != update_id and at - WINDOW < t.at <= at
    )
    if len(recent) < limit:
        return None
    return recent[-limit] + WINDOW


def note_wrong_code(store: Store, chat_id: str, update_id: str, at: datetime) -> None:
    """Count a wrong code sent by ``chat_id`` in update ``update_id`` (once per update)."""
    while True:
        current = store.get_record(WRONG_CODES, chat_id)
        tries = current.tries if current is not None else ()
        if any(t.update_id == update_id for t in tries):
            return
        kept = tuple(t for t in tries if t.at > at - WINDOW)[-(KEEP - 1) :]
        new = WrongCodes((*kept, WrongCode(update_id, at)))
        if current is None:
            if store.add_record(WRONG_CODES, chat_id, new):
                return
        elif store.replace_record(WRONG_CODES, chat_id, current, new):
            return


def prune(store: Store, before: datetime) -> int:
    """Forget the chats whose last wrong code is older than ``before``."""
    old = [
        chat
        for chat, record in store.records(WRONG_CODES).items()
        if not record.tries or record.tries[-1].at < before
    ]
    return sum(store.delete_record(WRONG_CODES, chat) for chat in old)
