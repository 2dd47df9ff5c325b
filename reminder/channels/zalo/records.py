"""Zalo records kept in the store: chat links, invite codes, processed OA event ids and each OA
follower's last interaction (the bot's updates are kept in ``inbox``).

Every read and write of these records goes through this module, and through the store's generic
keyed-record area (``RecordKind``): ``add_record`` inserts only a new key, so two processes
handed the same update cannot both claim it, and ``replace_record`` (compare-and-set) lets an
invite be used once.

Invite codes are stored as a SHA-256 of the normalised code: the printed code is the only copy.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from reminder.store import RecordKind, Store

# Letters and digits that cannot be misread for one another on a phone (no 0/O, 1/I/L).
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8


@dataclass(frozen=True)
class ChatLink:
    """A Zalo Bot chat that receives a unit's reminders."""

    unit: str
    chat_id: str
    name: str
    linked_at: datetime


@dataclass(frozen=True)
class Invite:
    """A one-time code that links the chat sending it to ``unit``."""

    unit: str
    expires: datetime
    used_at: datetime | None
    used_by: str | None = None


def new_code() -> str:
    """A random code such as ``K7MQ-4X9D`` (8 symbols from ``ALPHABET``)."""
    raw = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    return f"{raw[:4]}-{raw[4:]}"


def normalise_code(text: str) -> str:
    """``k7mq 4x9d`` / ``K7MQ-4X9D`` -> ``K7MQ4X9D``."""
    return re.sub(r"[^A-Za-z0-9]", "", text).upper()


def looks_like_code(text: str) -> bool:
    """Whether a chat message is (only) an invite code."""
    raw = normalise_code(text)
    return len(raw) == CODE_LENGTH and all(c in ALPHABET for c in raw) and len(text) < 20


@dataclass(frozen=True)
class LinkRecord:
    """A chat link as stored (kept after unlinking, for the record)."""

    unit: str
    chat_id: str
    name: str
    linked_at: datetime
    active: bool = True
    unlinked_at: datetime | None = None


@dataclass(frozen=True)
class InviteRecord:
    """An invite code as stored (under the SHA-256 of the code)."""

    unit: str
    created_at: datetime
    expires: datetime
    used_at: datetime | None = None
    used_by: str | None = None


@dataclass(frozen=True)
class Seen:
    """When an update was claimed, or when a follower last wrote to the OA."""

    at: datetime


LINKS = RecordKind("zalo_chat_link", LinkRecord)
INVITES = RecordKind("zalo_invite", InviteRecord)
UPDATES = RecordKind("zalo_update", Seen)
INTERACTIONS = RecordKind("zalo_interaction", Seen)


def _code_key(code: str) -> str:
    return hashlib.sha256(normalise_code(code).encode()).hexdigest()


# -- links -----------------------------------------------------------------------------------------


def links(store: Store) -> list[ChatLink]:
    """Every active link, oldest first."""
    return [
        ChatLink(r.unit, r.chat_id, r.name, r.linked_at)
        for r in store.records(LINKS).values()
        if r.active
    ]


def chats_by_unit(store: Store) -> dict[str, tuple[str, ...]]:
    """unit -> the chat ids linked to it."""
    out: dict[str, list[str]] = {}
    for link in links(store):
        out.setdefault(link.unit, []).append(link.chat_id)
    return {unit: tuple(chats) for unit, chats in out.items()}


def units_of_chat(store: Store, chat_id: str) -> list[str]:
    """The units a chat is linked to."""
    return [link.unit for link in links(store) if link.chat_id == chat_id]


def add_link(store: Store, unit: str, chat_id: str, name: str, at: datetime) -> None:
    """Link ``chat_id`` to ``unit`` (again, if it was unlinked)."""
    store.put_record(LINKS, f"{unit}/{chat_id}", LinkRecord(unit, chat_id, name[:100], at))


def remove_link(store: Store, unit: str, chat_id: str, at: datetime) -> bool:
    """Unlink; False when that chat was not linked to that unit. The record is kept."""
    key = f"{unit}/{chat_id}"
    current = store.get_record(LINKS, key)
    if current is None or not current.active:
        return False
    ended = LinkRecord(current.unit, current.chat_id, current.name, current.linked_at, False, at)
    return store.replace_record(LINKS, key, current, ended)


# -- invites ---------------------------------------------------------------------------------------


def add_invite(store: Store, code: str, unit: str, created: datetime, expires: datetime) -> None:
    """Store a new invite code for ``unit``."""
    store.add_record(INVITES, _code_key(code), InviteRecord(unit, created, expires))


def invite(store: Store, code: str) -> Invite | None:
    """The invite with this code, or None."""
    record = store.get_record(INVITES, _code_key(code))
    if record is None:
        return None
    return Invite(record.unit, record.expires, record.used_at, record.used_by)


def use_invite(store: Store, code: str, chat_id: str, at: datetime) -> bool:
    """Mark the invite used; False when it was used already (it works once)."""
    key = _code_key(code)
    current = store.get_record(INVITES, key)
    if current is None or current.used_at is not None:
        return False
    used = InviteRecord(current.unit, current.created_at, current.expires, at, chat_id)
    return store.replace_record(INVITES, key, current, used)


# -- processed updates -----------------------------------------------------------------------------


def seen(store: Store, source: str, update_id: str) -> bool:
    """Whether update ``update_id`` from ``source`` was claimed already (OA events; bot
    updates claimed before the inbox existed)."""
    return store.get_record(UPDATES, f"{source}/{update_id}") is not None


def claim_update(store: Store, source: str, update_id: str, at: datetime) -> bool:
    """Record that update ``update_id`` from ``source`` is being handled; False when it was
    already (by this process or another one)."""
    return store.add_record(UPDATES, f"{source}/{update_id}", Seen(at))


def prune_seen(store: Store, before: datetime) -> int:
    """Forget the claimed ids older than ``before``; how many were forgotten."""
    old = [key for key, seen in store.records(UPDATES).items() if seen.at < before]
    return sum(store.delete_record(UPDATES, key) for key in old)


# -- OA interactions -------------------------------------------------------------------------------


def record_interaction(store: Store, user_id: str, at: datetime) -> None:
    """Note that OA follower ``user_id`` interacted with the OA at ``at`` (the latest wins)."""
    while True:
        current = store.get_record(INTERACTIONS, user_id)
        if current is None:
            if store.add_record(INTERACTIONS, user_id, Seen(at)):
                return
        elif current.at >= at or store.replace_record(INTERACTIONS, user_id, current, Seen(at)):
            return


def last_interaction(store: Store, user_id: str) -> datetime | None:
    """When OA follower ``user_id`` last interacted with the OA, if ever recorded."""
    record = store.get_record(INTERACTIONS, user_id)
    return record.at if record is not None else None
