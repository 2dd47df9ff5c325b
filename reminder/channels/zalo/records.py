"""Zalo records kept in the store: chat links, invite codes, processed update ids and each OA
follower's last interaction.

Every read and write of these records goes through this module, inside a store transaction the
caller holds, so moving them into the store's generic keyed-record area is a change here only.
A transaction holds the store's cross-process lock, so "look up, then insert" below is atomic:
two processes handed the same update cannot both claim it.

Invite codes are stored as a SHA-256 of the normalised code: the printed code is the only copy.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from reminder.store import Transaction

FILE = "zalo.json"
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


def _code_key(code: str) -> str:
    return hashlib.sha256(normalise_code(code).encode()).hexdigest()


# -- links -----------------------------------------------------------------------------------------


def _link(doc: Any) -> ChatLink:
    return ChatLink(
        unit=str(doc["unit"]),
        chat_id=str(doc["chat_id"]),
        name=str(doc.get("name", "")),
        linked_at=datetime.fromisoformat(doc["linked_at"]),
    )


def links(tx: Transaction) -> list[ChatLink]:
    """Every active link, oldest first."""
    return [_link(d) for d in tx.all(FILE, "links") if d.get("active")]


def chats_by_unit(tx: Transaction) -> dict[str, tuple[str, ...]]:
    """unit -> the chat ids linked to it."""
    out: dict[str, list[str]] = {}
    for link in links(tx):
        out.setdefault(link.unit, []).append(link.chat_id)
    return {unit: tuple(chats) for unit, chats in out.items()}


def units_of_chat(tx: Transaction, chat_id: str) -> list[str]:
    """The units a chat is linked to."""
    return [link.unit for link in links(tx) if link.chat_id == chat_id]


def add_link(tx: Transaction, unit: str, chat_id: str, name: str, at: datetime) -> None:
    """Link ``chat_id`` to ``unit`` (again, if it was unlinked)."""
    key = f"{unit}/{chat_id}"
    fields = {"unit": unit, "chat_id": chat_id, "name": name[:100], "active": True}
    fields["linked_at"] = at.isoformat()
    if not tx.update(FILE, "links", key, fields):
        tx.insert_many(FILE, "links", [{"key": key, **fields}])


def remove_link(tx: Transaction, unit: str, chat_id: str, at: datetime) -> bool:
    """Unlink; False when that chat was not linked to that unit. The record is kept."""
    key = f"{unit}/{chat_id}"
    doc = tx.get(FILE, "links", key)
    if doc is None or not doc.get("active"):
        return False
    tx.update(FILE, "links", key, {"active": False, "unlinked_at": at.isoformat()})
    return True


# -- invites ---------------------------------------------------------------------------------------


def add_invite(tx: Transaction, code: str, unit: str, created: datetime, expires: datetime) -> None:
    """Store a new invite code for ``unit``."""
    record = {
        "key": _code_key(code),
        "unit": unit,
        "created_at": created.isoformat(),
        "expires": expires.isoformat(),
        "used_at": None,
    }
    tx.insert_many(FILE, "invites", [record])


def invite(tx: Transaction, code: str) -> Invite | None:
    """The invite with this code, or None."""
    doc = tx.get(FILE, "invites", _code_key(code))
    if doc is None:
        return None
    used = doc.get("used_at")
    return Invite(
        unit=str(doc["unit"]),
        expires=datetime.fromisoformat(doc["expires"]),
        used_at=datetime.fromisoformat(used) if used else None,
    )


def use_invite(tx: Transaction, code: str, chat_id: str, at: datetime) -> None:
    """Mark the invite used (it works once)."""
    tx.update(FILE, "invites", _code_key(code), {"used_at": at.isoformat(), "used_by": chat_id})


# -- processed updates -----------------------------------------------------------------------------


def seen(tx: Transaction, source: str, update_id: str) -> bool:
    """Whether update ``update_id`` from ``source`` was handled already."""
    return tx.get(FILE, "updates", f"{source}/{update_id}") is not None


def claim_update(tx: Transaction, source: str, update_id: str, at: datetime) -> bool:
    """Record that update ``update_id`` from ``source`` is being handled; False when it was
    already (by this process or another one)."""
    key = f"{source}/{update_id}"
    if tx.get(FILE, "updates", key) is not None:
        return False
    tx.insert_many(FILE, "updates", [{"key": key, "at": at.isoformat()}])
    return True


# -- OA interactions -------------------------------------------------------------------------------


def record_interaction(tx: Transaction, user_id: str, at: datetime) -> None:
    """Note that OA follower ``user_id`` interacted with the OA at ``at`` (the latest wins)."""
    doc = tx.get(FILE, "interactions", user_id)
    if doc is None:
        tx.insert_many(FILE, "interactions", [{"key": user_id, "at": at.isoformat()}])
    elif datetime.fromisoformat(doc["at"]) < at:
        tx.update(FILE, "interactions", user_id, {"at": at.isoformat()})


def last_interaction(tx: Transaction, user_id: str) -> datetime | None:
    """When OA follower ``user_id`` last interacted with the OA, if ever recorded."""
    doc = tx.get(FILE, "interactions", user_id)
    return datetime.fromisoformat(doc["at"]) if doc is not None else None
