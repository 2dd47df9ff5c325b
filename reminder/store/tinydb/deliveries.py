"""Deliveries in the TinyDB store: one file per month (``deliveries-YYYY-MM.json``), leased
through ``leases``, their outcomes journalled and folded in by ``journal``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime
from typing import TYPE_CHECKING

from reminder.store.records import (
    UNFINISHED,
    Delivery,
    DeliveryHead,
    Lease,
    Leaseholder,
    Outcome,
    RecordShapeError,
    delivery_from_json,
    delivery_head_from_json,
    delivery_to_json,
    lease_to_json,
    month_of,
)
from reminder.store.tinydb.disk import corrupt

if TYPE_CHECKING:
    from reminder.store.tinydb.disk import Disk
    from reminder.store.tinydb.leases import Leases


def deliveries_file(month: str) -> str:
    """The file of the deliveries of ``month`` ("2025-04")."""
    return f"deliveries-{month}.json"


class Deliveries:
    """The outbox of one data directory (the ``Store`` operations on deliveries)."""

    def __init__(self, disk: Disk, leases: Leases) -> None:
        self._disk = disk
        self._leases = leases

    def months(self) -> list[str]:
        """Months that have a deliveries file, oldest first."""
        names = [p.name for p in self._disk.data_dir.glob("deliveries-*.json")]
        return sorted(n.removeprefix("deliveries-").removesuffix(".json") for n in names)

    def all(self, month: str | None = None) -> list[Delivery]:
        """Every delivery (of ``month``), by day then creation."""
        with self._disk.transaction(readonly=True) as tx:
            months = [month] if month else self.months()
            out = [
                d
                for m in months
                for d in tx.typed(deliveries_file(m), "deliveries", delivery_from_json)
            ]
        return sorted(out, key=lambda d: (d.day, d.created_at))

    def heads(
        self, month: str | None = None, *, since: date | None = None, channel: str | None = None
    ) -> list[DeliveryHead]:
        """``deliveries(month)`` without their messages (not decoded); of day ``since`` or
        later, on ``channel``, when given (months before ``since`` are not read)."""
        with self._disk.transaction(readonly=True) as tx:
            every = self.months()
            months = [month] if month else every
            if since is not None:
                months = [m for m in months if m >= month_of(since)]
            # Past months keep only their heads in memory: their messages (most of a month
            # file) are not needed again. The latest month stays parsed for the dispatcher.
            out = [
                d
                for m in months
                for d in tx.typed(
                    deliveries_file(m),
                    "deliveries",
                    delivery_head_from_json,
                    form=":head",
                    release=m != every[-1],
                )
                if (since is None or d.day >= since) and (channel is None or d.channel == channel)
            ]
        return sorted(out, key=lambda d: (d.day, d.created_at))

    def one(self, key: str, day: date) -> Delivery | None:
        """The delivery ``key`` of ``day``."""
        with self._disk.transaction(readonly=True) as tx:
            doc = tx.get(deliveries_file(month_of(day)), "deliveries", key)
            if doc is None:
                return None
            try:
                return delivery_from_json(doc)
            except RecordShapeError as exc:
                path = self._disk.data_dir / deliveries_file(month_of(day))
                raise corrupt(path, f"bản ghi {key}: {exc}") from None

    def add(
        self, deliveries: Sequence[Delivery], holder: Leaseholder, lease_s: float
    ) -> list[Delivery]:
        """Insert the new keys, leased to ``holder`` (not leased at all when ``lease_s`` is 0:
        a claim would otherwise last as long as the holder's heartbeat, and a pass that leases
        in batches could not take them)."""
        if not deliveries:
            return []
        with self._disk.transaction() as tx:
            lease = self._leases.take(tx, holder, lease_s) if lease_s > 0 else None
            by_month: dict[str, list[Delivery]] = {}
            for d in deliveries:
                by_month.setdefault(d.month, []).append(d)
            added: list[Delivery] = []
            for month, batch in by_month.items():
                file = deliveries_file(month)
                seen = set(tx.index(file, "deliveries")) if tx.exists(file) else set()
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
            beats = self._leases.beats(tx)
            store_now = self._leases.clock()
            taken: list[Delivery] = []
            lease: Lease | None = None
            for month in self.months():
                if limit is not None and len(taken) >= limit:
                    break
                file = deliveries_file(month)
                free: list[Delivery] = []
                for d in tx.typed(file, "deliveries", delivery_from_json):
                    if limit is not None and len(taken) + len(free) >= limit:
                        break
                    if d.status not in UNFINISHED or not self._leases.free(
                        d.lease, beats, store_now
                    ):
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
                    lease = self._leases.take(tx, holder, lease_s)
                claim = lease_to_json(lease)
                tx.update_many(file, "deliveries", {d.key: {"claim": claim} for d in free})
                taken += [replace(d, lease=lease) for d in free]
        return taken

    def record_outcome(self, outcome: Outcome) -> None:
        """Append the outcome to this process's journal."""
        self._disk.journal.record(outcome)

    def flush(self) -> None:
        """Close the journal and fold it into the deliveries files."""
        self._disk.journal.finish()
        with self._disk.transaction():
            pass  # opening a writing transaction folds the journals
