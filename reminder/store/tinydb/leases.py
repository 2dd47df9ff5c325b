"""Leases in the TinyDB store: who may send a pending delivery, until when.

A delivery's ``claim`` names its holder (a pass) and an expiry; the holder's heartbeat in
``state.json`` (table ``leases``) is what renewing and releasing change, so a renewal rewrites
one small file, not the month's deliveries. Expiry is judged by this host's clock; a lease
whose process has ended on this host is free at once. Heartbeats older than two days are
dropped when another is written.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from reminder.store.records import Lease, Leaseholder
from reminder.store.tinydb.journal import pid_alive

if TYPE_CHECKING:
    from reminder.store.tinydb.disk import Disk, Tx

HOST = socket.gethostname()
STATE = "state.json"


@dataclass(frozen=True)
class Beat:
    """A holder's heartbeat: its leases last until ``until``, or ended when ``released``."""

    until: datetime
    released: bool


class Leases:
    """The heartbeats of one data directory, and the passes of this process under way."""

    def __init__(self, disk: Disk, clock: Callable[[], datetime]) -> None:
        self._disk = disk
        self.clock = clock
        self._owners: set[str] = set()  # holders of this process with a pass under way

    def take(self, tx: Tx, holder: Leaseholder, lease_s: float) -> Lease:
        """A lease for ``holder`` until store-now + ``lease_s``, its heartbeat written in
        ``tx``."""
        until = self.clock() + timedelta(seconds=lease_s)
        self._owners.add(holder.owner)
        self._beat(tx, holder.owner, until, released=False)
        return Lease(owner=holder.owner, until=until, host=holder.host, pid=holder.pid)

    def renew(self, owner: str, lease_s: float) -> None:
        """Push ``owner``'s heartbeat to store-now + ``lease_s``."""
        with self._disk.transaction() as tx:
            self._beat(tx, owner, self.clock() + timedelta(seconds=lease_s), released=False)

    def release(self, owner: str) -> None:
        """Mark ``owner``'s heartbeat released: its deliveries are free at once."""
        self._owners.discard(owner)
        with self._disk.transaction() as tx:
            self._beat(tx, owner, self.clock(), released=True)

    def _beat(self, tx: Tx, owner: str, until: datetime, *, released: bool) -> None:
        stale = (self.clock() - timedelta(days=2)).isoformat()
        for doc in tx.all(STATE, "leases"):
            if str(doc.get("until", "")) < stale and doc.get("key") != owner:
                tx.remove(STATE, "leases", str(doc["key"]))
        tx.upsert(STATE, "leases", owner, {"until": until.isoformat(), "released": released})

    def beats(self, tx: Tx) -> dict[str, Beat]:
        """Every holder's heartbeat, by owner."""
        out = {}
        for doc in tx.all(STATE, "leases"):
            try:
                until = datetime.fromisoformat(str(doc["until"]))
            except (KeyError, ValueError):
                continue
            out[str(doc.get("key"))] = Beat(until, bool(doc.get("released")))
        return out

    def free(self, lease: Lease | None, beats: dict[str, Beat], store_now: datetime) -> bool:
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
        return not pid_alive(lease.pid)
