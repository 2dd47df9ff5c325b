"""The embedded store: TinyDB files in the data directory (one agency, one host).

TinyDB rewrites a whole file on every write, in place, and knows nothing of other processes.
This module wraps it so that:

- **every write is atomic**: a transaction writes each changed file to a temporary file, fsyncs
  it, keeps the previous version as ``<file>.bak`` (a hard link, no copy) and renames the new
  one into place — a crash or ``kill -9`` at any moment leaves the last good state; temporary
  files a kill left behind are removed by the next process's first transaction;
- **writes are batched**: TinyDB runs on an in-memory storage inside a transaction; each changed
  file is written once at commit, however many records changed;
- **processes take turns**: a transaction holds ``reminder.lock`` (filelock), so the CLI and
  the service can both write; files another process replaced are re-read (by inode, size and
  modification time);
- **a file that exists must parse to the expected shape**, or the program stops with a
  ``StoreError`` naming it and its backup (an empty file too); it is never overwritten, and a
  file is only rotated into ``.bak`` when it is the one this transaction read.

Send outcomes are appended, one JSON line each, to the writing process's own journal and
folded into the deliveries files by the next transactions (``journal``); a line that is not an
outcome is set aside in ``quarantine.log`` and reported by ``health``. Leases are heartbeats in
``state.json`` (``leases``). The modules, one seam each:

- ``disk``: the lock, the cache of parsed files, transactions (``Disk``, ``Tx``);
- ``journal``: this process's outcome journal and the fold;
- ``leases``: heartbeats, and whether a delivery's lease is free;
- ``deliveries``: the outbox's operations (month files, leasing, outcomes);
- ``keyed``: channel state, digest runs and the generic records (``keyedlog``: a file and a
  change log per kind, folded by size; ``reminder.store.foldlog``: the log mechanics it shares
  with acks);
- ``reminder.store.acklog``: acknowledgments (a log folded into ``acks.json``).

``TinyDBStore`` puts them together behind the ``Store`` protocol.

Files are serialised with orjson (several times faster than the json module TinyDB uses).

Layout of the data directory::

    reminder.lock              the cross-process lock
    state.json                 schema version, channel state, lease heartbeats, digest runs
    acks.json                  acknowledgments, every event kept
    deliveries-YYYY-MM.json    outbox and delivery records of one month
    records-<kind>.json        the generic records of one kind, folded
    records-<kind>-<gen>.log   changes to them since, one fsynced line each (``keyedlog``)
    outcomes.*.log / .done     send outcomes not yet folded in, one journal per process
    quarantine.log             journal lines that could not be read, kept for a person
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

from reminder.errors import StoreError
from reminder.store import StoreHealth, bearing, tally
from reminder.store.acklog import AckLog
from reminder.store.bearing import EVERY, Pairs
from reminder.store.deliverylog import LogQuery
from reminder.store.files import make_data_dir, write_atomic, write_error
from reminder.store.records import (
    AckEvent,
    Delivery,
    DeliveryHead,
    Json,
    Leaseholder,
    OutboxFacts,
    Outcome,
    PairDeliveries,
    delivery_from_json,
    delivery_head_to_json,
)
from reminder.store.tally import MessageCount
from reminder.store.tinydb.deliveries import Deliveries, deliveries_file
from reminder.store.tinydb.disk import SCHEMA_VERSION, Disk
from reminder.store.tinydb.keyed import STATE, Keyed
from reminder.store.tinydb.leases import HOST, Leases

__all__ = ["HOST", "SCHEMA_VERSION", "TinyDBStore", "utc_now"]

Pair = tuple[str, str, str]


def utc_now() -> datetime:
    """This host's clock, in UTC."""
    return datetime.now(UTC)


class TinyDBStore(Keyed):
    """The ``Store`` on TinyDB files in ``data_dir``. One instance per process; thread-safe
    (operations take turns on an in-process lock as well as the file lock). Channel state,
    digest runs and generic records come from ``Keyed``; deliveries, leases and acks are
    handed to their modules."""

    def __init__(
        self,
        data_dir: Path,
        *,
        lock_timeout: float = 60.0,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.data_dir = data_dir
        make_data_dir(data_dir)
        self.clock = clock
        self._disk = Disk(data_dir, lock_timeout)
        super().__init__(self._disk)
        self._leases = Leases(self._disk, lambda: self.clock())
        self._deliveries = Deliveries(self._disk, self._leases)
        self._acks = AckLog(self._disk)

    # -- generic ----------------------------------------------------------------------------------

    def describe(self) -> str:
        """Where the data is."""
        return f"thư mục dữ liệu {self.data_dir}"

    @property
    def journal_path(self) -> Path:
        """This process's outcome journal (tests look at it)."""
        return self._disk.journal.path

    def close(self) -> None:
        """Close this process's journal; the next writing transaction folds it."""
        self._disk.journal.finish()

    def health(self) -> StoreHealth:
        """Read and decode every file, then write and remove a probe file."""
        problems: list[str] = []
        try:
            with self._disk.transaction(readonly=True) as tx:
                self._acks.events(tx)
                for month in self._deliveries.months():
                    tx.typed(deliveries_file(month), "deliveries", delivery_from_json)
                self.check_records(tx)
                tx.all(STATE, "channels")
        except StoreError as exc:
            problems.append(str(exc))
        probe = self.data_dir / f".health.{os.getpid()}.tmp"
        try:
            write_atomic(probe, b"ok")
            probe.unlink()
        except OSError as exc:
            problems.append(str(write_error(self.data_dir, exc)))
        notes = []
        quarantine = self.data_dir / "quarantine.log"
        if quarantine.exists():
            notes.append(
                f"{quarantine}: có dòng nhật ký kết quả gửi không đọc được đã được để riêng"
                " — xem rồi xóa tệp này"
            )
        return StoreHealth(ok=not problems, problems=tuple(problems), notes=tuple(notes))

    # -- deliveries -------------------------------------------------------------------------------

    def delivery_months(self) -> list[str]:
        """Months that have a deliveries file, oldest first."""
        return self._deliveries.months()

    def deliveries(self, month: str | None = None) -> list[Delivery]:
        """Every delivery (of ``month``), by day then creation."""
        return self._deliveries.all(month)

    def delivery(self, key: str, day: date) -> Delivery | None:
        """The delivery ``key`` of ``day``."""
        return self._deliveries.one(key, day)

    def delivery_heads(
        self, month: str | None = None, *, since: date | None = None, channel: str | None = None
    ) -> list[DeliveryHead]:
        """``deliveries(month)`` without their messages (not decoded); of day ``since`` or
        later, on ``channel``, when given (months before ``since`` are not read)."""
        return self._deliveries.heads(month, since=since, channel=channel)

    def add_deliveries(
        self, deliveries: Sequence[Delivery], holder: Leaseholder, lease_s: float
    ) -> list[Delivery]:
        """Insert the new keys, leased to ``holder``."""
        return self._deliveries.add(deliveries, holder, lease_s)

    def lease_due(
        self, holder: Leaseholder, now: datetime, lease_s: float, limit: int | None = None
    ) -> list[Delivery]:
        """Lease the retries due at ``now`` and the pending deliveries nobody holds (at most
        ``limit``, oldest first)."""
        return self._deliveries.lease_due(holder, now, lease_s, limit)

    def renew_leases(self, owner: str, lease_s: float) -> None:
        """Push ``owner``'s heartbeat to store-now + ``lease_s``."""
        self._leases.renew(owner, lease_s)

    def release_leases(self, owner: str) -> None:
        """Mark ``owner``'s heartbeat released: its deliveries are free at once."""
        self._leases.release(owner)

    def record_outcome(self, outcome: Outcome) -> None:
        """Append the outcome to this process's journal."""
        self._deliveries.record_outcome(outcome)

    def flush(self) -> None:
        """Close the journal and fold it into the deliveries files."""
        self._deliveries.flush()

    def each_delivery_head(
        self, month: str | None = None, *, since: date | None = None, channel: str | None = None
    ) -> Iterator[DeliveryHead]:
        """``delivery_heads`` (read whole: the files are read whole anyway)."""
        yield from self.delivery_heads(month, since=since, channel=channel)

    def outbox_facts(self) -> Sequence[OutboxFacts]:
        """Every delivery's head (decoded once per version of each month's file)."""
        return self.delivery_heads()

    def delivery_log(
        self, query: LogQuery, *, newest_first: bool = False
    ) -> Iterator[DeliveryHead]:
        """The heads of ``query``'s deliveries (months before ``query.since`` not read)."""
        heads = self.delivery_heads(since=query.since, channel=query.channel)
        chosen = [h for h in heads if query.admits(h)]
        if newest_first:  # stable: ties keep their order of creation
            chosen.sort(key=lambda h: (h.day, h.recipient), reverse=True)
        return iter(chosen)

    def delivery_log_json(self, query: LogQuery, *, newest_first: bool = False) -> Iterator[Json]:
        """``delivery_head_to_json`` of each of ``delivery_log(query, newest_first=…)``."""
        heads = self.delivery_log(query, newest_first=newest_first)
        return (delivery_head_to_json(h) for h in heads)

    def pair_deliveries(self, as_of: datetime, pairs: Pairs = EVERY) -> PairDeliveries:
        """What the state of ``pairs`` as of ``as_of`` reads of the deliveries."""
        return bearing.pair_deliveries(self.delivery_heads(), as_of, pairs)

    def carrying_deliveries(self, as_of: datetime, pairs: Pairs) -> list[DeliveryHead]:
        """Every delivery that carried a pair of ``pairs`` by ``as_of`` (a scan of the heads:
        the month files are read whole anyway)."""
        return bearing.carrying(self.delivery_heads(), as_of, pairs)

    def message_counts(self, as_of: datetime) -> list[MessageCount]:
        """The deliveries as of ``as_of`` counted by channel, status and month of sending (a
        scan of the heads, which the files' cache keeps decoded between reads)."""
        return tally.message_counts(self.delivery_heads(), as_of)

    # -- acknowledgments --------------------------------------------------------------------------

    def add_acks(self, events: Sequence[AckEvent]) -> None:
        """Append acknowledgment events (those whose ``id`` is already recorded skipped)."""
        if not events:
            return
        now = self.clock()
        stamped = [e if e.recorded_utc else replace(e, recorded_utc=now) for e in events]
        with self._disk.transaction() as tx:
            if any(e.id for e in stamped):
                # Under the store's lock, so two processes cannot both find an id missing.
                known = {k.id for e in stamped if e.id for k in self._acks.events_of(tx, e.pair)}
                fresh = []
                for event in stamped:
                    if not event.id or event.id not in known:
                        known.add(event.id)
                        fresh.append(event)
                stamped = fresh
                if not stamped:
                    return
            self._acks.append(tx, stamped)

    def ack_events(
        self, *, as_of: datetime | None = None, pair: Pair | None = None
    ) -> list[AckEvent]:
        """Events in the order recorded (filtered by ``as_of`` and ``pair``)."""
        with self._disk.transaction(readonly=True) as tx:
            events = self._acks.events(tx) if pair is None else self._acks.events_of(tx, pair)
        if as_of is not None:
            events = [e for e in events if e.at <= as_of]
        return list(events)

    def latest_acks(self, as_of: datetime, pairs: Pairs = EVERY) -> list[AckEvent]:
        """The latest event of each pair of ``pairs`` at or before ``as_of``."""
        units = sorted(pairs.units or ())
        if pairs.plan is not None and pairs.task is not None and len(units) == 1:
            events = self.ack_events(as_of=as_of, pair=(pairs.plan, pairs.task, units[0]))
        else:
            events = self.ack_events(as_of=as_of)
        return list(bearing.latest(events, as_of, pairs).values())
