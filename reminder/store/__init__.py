"""The store: the one place that knows how data is kept.

``Store`` is the protocol every implementation follows and the only thing the rest of the code
sees; ``open_store(settings)`` picks the implementation (today: TinyDB files in the data
directory, ``reminder.store.tinydb``). The records it holds are typed, declared once in
``reminder.store.records`` and re-exported here.

Contract (tested for every implementation by ``tests/test_store_contract.py`` through the
``store`` fixture in ``tests/conftest.py``; an implementation is done when that file passes):

- **Deliveries** (the outbox). ``add_deliveries`` inserts the deliveries whose key does not
  exist yet, leased to the caller, and returns exactly those (a key another pass inserted first
  is skipped: its pass sends it). ``lease_due`` leases and returns the unfinished deliveries
  this pass may send: ``retry`` ones whose ``next_attempt_at`` is at or before ``now`` (the
  caller's clock: it wrote that time), and ``pending`` ones nobody holds — no lease, a lease
  whose time ran out by **the store's own clock**, or a lease released or whose process is known
  to be gone. A delivery is leased to at most one holder at a time. At most ``limit`` are leased at
  once when it is given (oldest day and creation first). ``renew_leases`` pushes
  every lease of ``owner`` to store-now + ``lease_s``; ``release_leases`` gives them all up.
- **Outcomes**. ``record_outcome`` is durable when it returns (a kill afterwards loses nothing)
  and may be called from several threads; the delivery reads as ``apply_outcome(delivery,
  outcome)`` from then on (it may be folded in later, but every read sees it). Applying an
  outcome ends its lease. ``flush`` folds what is buffered (a no-op where nothing is).
- **Reading for the state**: ``delivery_heads``, ``pair_deliveries``,
  ``carrying_deliveries`` and ``latest_acks`` answer what ``reminder.store.bearing`` says over
  everything the store holds, and ``message_counts`` what ``reminder.store.tally`` counts, so
  that a command or page showing the state of a province reads only the records that state
  depends on (and never the year's messages).
- **Acknowledgments** are append-only: ``add_acks`` never changes or drops an earlier event,
  and stamps ``recorded_utc`` with the store's clock on events that have none; an event whose
  ``id`` (when not empty) is already recorded for its pair is skipped, atomically, so the
  same acknowledgment processed twice (after a crash, by two workers) is recorded once;
  ``ack_events`` returns them in the order recorded, optionally only those given ``at`` or
  before ``as_of``, or only one (plan, task, unit).
- **Channel state**: ``channel_state(name)`` (version 0 and no values when none);
  ``swap_channel_state`` writes new values only if the stored version is still the one read.
- **Digest runs**: ``add_digest_run`` records a week once (False when it was already there).
- **Generic records** (``RecordKind``): a small keyed area per kind for what other features
  keep (chat links, invite codes, processed event ids, pauses, extensions, accounts, sessions,
  audit). ``add_record`` inserts only when the key is new (an idempotency check: True when it
  did), ``replace_record`` is a compare-and-set on the whole value, ``put_record`` an upsert.
- **Health**: ``health()`` never raises; it reads everything and tries a write, and says what
  is wrong in Vietnamese, naming the file or the server, for ``/healthz``. Every other
  operation raises ``StoreError`` (never a bare ``OSError``/``ValueError``) with a message that
  names the file or the server and what to do.

Operations are each atomic and may be called from several threads; none blocks on the network
or renders anything while holding the store's lock.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, TypeVar

from reminder.store.bearing import EVERY, Pairs
from reminder.store.deliverylog import LogQuery
from reminder.store.files import write_atomic
from reminder.store.records import (
    ACK_KINDS,
    COVERING,
    UNFINISHED,
    AckEvent,
    AckKind,
    AckState,
    ChannelState,
    Delivery,
    DeliveryHead,
    DeliveryItem,
    DeliveryStatus,
    DigestRun,
    Json,
    Lease,
    Leaseholder,
    OutboxFacts,
    Outcome,
    OutcomeStatus,
    PairDeliveries,
    RecordKind,
    RecordShapeError,
    SendError,
    apply_outcome,
    month_of,
)
from reminder.store.tally import MessageCount

if TYPE_CHECKING:
    from reminder.settings import Settings

__all__ = [
    "ACK_KINDS",
    "COVERING",
    "EVERY",
    "UNFINISHED",
    "AckEvent",
    "AckKind",
    "AckState",
    "ChannelState",
    "Delivery",
    "DeliveryHead",
    "DeliveryItem",
    "DeliveryStatus",
    "DigestRun",
    "Lease",
    "Leaseholder",
    "LogQuery",
    "MessageCount",
    "OutboxFacts",
    "Outcome",
    "OutcomeStatus",
    "Pairs",
    "RecordKind",
    "RecordShapeError",
    "SendError",
    "Store",
    "StoreHealth",
    "apply_outcome",
    "month_of",
    "open_store",
    "write_atomic",
]

R = TypeVar("R")
Pair = tuple[str, str, str]


@dataclass(frozen=True)
class StoreHealth:
    """What ``Store.health`` found: ``ok`` when everything reads and a write succeeds;
    ``problems`` say what is wrong (file, what, what to do), ``notes`` what was set aside."""

    ok: bool
    problems: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()


class Store(Protocol):
    """Where deliveries, acknowledgments, channel state, digest runs and the generic records
    are kept. See the module docstring for the contract."""

    #: This host's directory for files kept beside the store (the file outbox, the signing key).
    data_dir: Path

    def describe(self) -> str:
        """Where the data is, for messages ("thư mục dữ liệu /srv/data")."""
        ...

    def health(self) -> StoreHealth:
        """Read everything, try a write; never raises."""
        ...

    def close(self) -> None:
        """Finish this process's buffers (outcome journal) and release resources."""
        ...

    # -- deliveries -------------------------------------------------------------------------------

    def deliveries(self, month: str | None = None) -> list[Delivery]:
        """Every delivery (of ``month``, "2025-04", when given), by day then creation."""
        ...

    def delivery(self, key: str, day: date) -> Delivery | None:
        """The delivery ``key`` of ``day``, or None."""
        ...

    def delivery_heads(
        self, month: str | None = None, *, since: date | None = None, channel: str | None = None
    ) -> list[DeliveryHead]:
        """``deliveries(month)`` without their messages (never decoded, or not even read
        where the store keeps them apart), in the same order; only those of day ``since`` or
        later, and on ``channel``, when given."""
        ...

    def each_delivery_head(
        self, month: str | None = None, *, since: date | None = None, channel: str | None = None
    ) -> Iterator[DeliveryHead]:
        """``delivery_heads``, one at a time (a store may fetch them in batches, so that a
        province's year is never all in memory)."""
        ...

    def outbox_facts(self) -> Sequence[OutboxFacts]:
        """Every delivery's key, recipient, channel, day, status and occurrences, in no
        particular order: what a pass reads of the past (``outbox.view``), never a message."""
        ...

    def delivery_log(
        self, query: LogQuery, *, newest_first: bool = False
    ) -> Iterator[DeliveryHead]:
        """The heads of the deliveries ``query`` admits, by day then creation (what
        ``reminder deliveries`` lists), chosen where the store can (in the server);
        ``newest_first``: by day and recipient, both descending (ties by creation)."""
        ...

    def delivery_log_json(self, query: LogQuery, *, newest_first: bool = False) -> Iterator[Json]:
        """``delivery_head_to_json`` of each of ``delivery_log(query, newest_first=…)``, in
        that order: the same dicts, which a store may build from its stored JSON without
        decoding records."""
        ...

    def pair_deliveries(self, as_of: datetime, pairs: Pairs = EVERY) -> PairDeliveries:
        """``bearing.pair_deliveries(delivery_heads(), as_of, pairs)``: what the state of
        ``pairs`` as of ``as_of`` reads of the deliveries (items in any order)."""
        ...

    def carrying_deliveries(self, as_of: datetime, pairs: Pairs) -> list[DeliveryHead]:
        """``bearing.carrying(delivery_heads(), as_of, pairs)``: every delivery that carried a
        pair of ``pairs`` by ``as_of`` (the history a task's page lists)."""
        ...

    def message_counts(self, as_of: datetime) -> list[MessageCount]:
        """``tally.message_counts(delivery_heads(), as_of)``, counted in the store."""
        ...

    def delivery_months(self) -> list[str]:
        """Months that hold deliveries, oldest first."""
        ...

    def add_deliveries(
        self, deliveries: Sequence[Delivery], holder: Leaseholder, lease_s: float
    ) -> list[Delivery]:
        """Insert those whose key is new, leased to ``holder``; return them as stored."""
        ...

    def lease_due(
        self, holder: Leaseholder, now: datetime, lease_s: float, limit: int | None = None
    ) -> list[Delivery]:
        """Lease and return the retries due at ``now`` and the pending deliveries nobody holds
        (the oldest ``limit`` of them when given, so that several workers share a pass)."""
        ...

    def renew_leases(self, owner: str, lease_s: float) -> None:
        """Extend every lease held by ``owner`` to store-now + ``lease_s``."""
        ...

    def release_leases(self, owner: str) -> None:
        """Give up every lease held by ``owner`` (its unfinished deliveries are free again)."""
        ...

    def record_outcome(self, outcome: Outcome) -> None:
        """Record one send outcome, durably, before returning. Thread-safe."""
        ...

    def flush(self) -> None:
        """Fold buffered outcomes into the deliveries (no-op where nothing is buffered)."""
        ...

    # -- acknowledgments --------------------------------------------------------------------------

    def add_acks(self, events: Sequence[AckEvent]) -> None:
        """Append acknowledgment events (all or none), less those whose ``id`` is recorded."""
        ...

    def ack_events(
        self, *, as_of: datetime | None = None, pair: Pair | None = None
    ) -> list[AckEvent]:
        """Events in the order recorded; given ``at`` or before ``as_of``; of ``pair`` only."""
        ...

    def latest_acks(self, as_of: datetime, pairs: Pairs = EVERY) -> list[AckEvent]:
        """``bearing.latest(ack_events(), as_of, pairs).values()``: the latest event of each
        pair of ``pairs`` at or before ``as_of`` (in no particular order)."""
        ...

    # -- channel state and digest runs ------------------------------------------------------------

    def channel_state(self, name: str) -> ChannelState:
        """Channel ``name``'s state (version 0, no values, when none was written)."""
        ...

    def swap_channel_state(
        self, expected: ChannelState, values: dict[str, str | None]
    ) -> ChannelState | None:
        """Write ``values`` if the stored version is ``expected.version``; the new state, or
        None when another writer came first (read again and decide again)."""
        ...

    def channel_names(self) -> list[str]:
        """Names of the channels that have written state, sorted (for copying a store)."""
        ...

    def digest_runs(self) -> list[DigestRun]:
        """Every digest run, oldest first."""
        ...

    def add_digest_run(self, run: DigestRun) -> bool:
        """Record ``run``; False (and nothing written) when its week is already recorded."""
        ...

    # -- generic keyed records --------------------------------------------------------------------

    def record_kinds(self) -> list[str]:
        """Names of the record kinds this store holds records of, sorted (for copying)."""
        ...

    def get_record(self, kind: RecordKind[R], key: str) -> R | None:
        """The record ``key`` of ``kind``, or None."""
        ...

    def records(self, kind: RecordKind[R]) -> dict[str, R]:
        """Every record of ``kind``, by key, in insertion order."""
        ...

    def put_record(self, kind: RecordKind[R], key: str, value: R) -> None:
        """Insert or replace the record ``key``."""
        ...

    def add_record(self, kind: RecordKind[R], key: str, value: R) -> bool:
        """Insert the record only if ``key`` is new; True when it was inserted."""
        ...

    def replace_record(self, kind: RecordKind[R], key: str, expected: R, value: R) -> bool:
        """Replace the record ``key`` only if it still equals ``expected``; True when it did."""
        ...

    def delete_record(self, kind: RecordKind[R], key: str) -> bool:
        """Delete the record ``key``; True when there was one."""
        ...


def open_store(settings: Settings, data_dir: Path | None = None) -> Store:
    """The store the settings name: PostgreSQL when ``store_url`` is set (its schema brought
    up to date), else TinyDB files in ``data_dir`` (default ``settings.data_dir``). The data
    directory holds this host's own files either way.

    Raises ``StoreError`` when it cannot be opened.
    """
    if settings.store_url:
        from reminder.store.postgres import PostgresStore

        return PostgresStore(settings.store_url, data_dir or settings.data_dir)
    from reminder.store.tinydb import TinyDBStore

    return TinyDBStore(data_dir or settings.data_dir)
