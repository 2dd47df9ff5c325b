"""One dispatch pass: due occurrences -> one message per (unit, channel, day) -> outbox ->
channels -> outcomes.

1. Read the deliveries and acknowledgments; what is due at ``now`` (``DueIndex``, minus what
   deliveries already cover and what acknowledgments silence) is grouped into one batch per
   recipient for today; each batch is composed (``compose``) into a message for the
   recipient's first usable channel — outside the store's lock — and handed to the store as a
   ``pending`` delivery with the deterministic key ``recipient/channel/day``, *before* anything
   is sent. The store inserts only new keys and leases them to this pass; it also leases the
   retries now due and the pending deliveries whose pass died (``Store.lease_due``).
2. Sends run concurrently, at most ``channels.concurrency[channel]`` at a time per channel;
   the pass renews its leases every third of ``lease_s`` while it runs. Each outcome
   (``outbox.outcome``) is recorded as soon as it is known. A message that fails — however it
   fails — gets its own outcome; the others go on.
3. At the end the pass gives up its leases and the store folds the outcomes in.

A unit's message goes out on working days at or after its send time (catch-up reminders found
earlier in the morning wait and travel with the day's own). So a rerun sends nothing twice
(keys exist), a killed pass resends only what was in flight (sent but not yet recorded), and
nothing due is lost (pending deliveries are reclaimed when the lease is free).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from reminder import acks, adjust, outbox
from reminder.channels import registry
from reminder.channels.base import (
    BatchChannel,
    Channel,
    Message,
    Receipt,
    pass_moment,
    utc_now,
)
from reminder.channels.zalo import records as zalo_records
from reminder.compose import Composer
from reminder.config import Config
from reminder.errors import ChannelError
from reminder.keyed import Records
from reminder.schedule import LOCAL_TZ, Batch, DueIndex, Occurrence, batches, occurrences
from reminder.store import Delivery, DeliveryItem, Leaseholder, Store

__all__ = ["Dispatcher", "PassReport"]
log = logging.getLogger(__name__)


@dataclass
class PassReport:
    """What one pass did."""

    now: datetime
    planned: list[Message] = field(default_factory=list)
    claimed: int = 0
    sent: list[str] = field(default_factory=list)
    retry: list[tuple[str, str]] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    dead: list[tuple[str, str]] = field(default_factory=list)
    unreachable: list[str] = field(default_factory=list)
    waiting: int = 0  # due, but today's message to that unit already went out
    held: int = 0  # due, waiting for the day's send time or the next working day
    day_off: str | None = None  # why today is not a working day ("Quốc khánh"), if it is not
    expired: dict[str, int] = field(default_factory=dict)  # plan -> reminders not sent: the
    # plan's acknowledgment links have expired (31 March after its year)


def link_expiry(year: int) -> date:
    """The last day a plan of ``year``'s acknowledgment links work (``acks.Tokens.make``):
    a reminder after it would carry a dead link, so it is not sent."""
    return date(year + 1, 3, 31)


#: Messages leased at a time by a pass on a shared (PostgreSQL) store, unless configured.
SHARED_BATCH = 50


class Dispatcher:
    """Dispatch passes for one configuration. Keep one per process and configuration: it
    holds the year's schedule and the tick's cursor."""

    def __init__(
        self,
        config: Config,
        store: Store,
        *,
        secret: str,
        channels: dict[str, Channel] | None = None,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.config = config
        self.store = store
        self.settings = config.settings
        self.clock = clock
        # Given channels are all there is (the demo forces the file outbox this way).
        self.enabled = list(channels) if channels else registry.enabled(self.settings)
        self._channels = channels
        self.composer = Composer(config, secret)
        self.adjustments = adjust.NONE
        self._build_schedule()
        council = self.settings.council
        self.council = config.directory.expand([council]) if council else []
        self.years = {p.id: p.year for p in config.plans}

    def _build_schedule(self) -> None:
        """The year's schedule under the current extensions and pauses, and its index."""
        config = self.config
        years = [p.year for p in config.plans]
        start = date(min(years), 1, 1) if years else None
        end = date(max(years) + 1, 12, 31) if years else None
        self.schedule = occurrences(
            config.plans,
            config.directory,
            self.settings.policy,
            config.calendar,
            start,
            end,
            self.adjustments,
        )
        self.index = DueIndex(self.schedule)

    def _adjust(self, now: datetime) -> None:
        """Follow the extensions and pauses as of ``now``: a change rebuilds the schedule (the
        new index starts from the beginning; what deliveries cover stays settled)."""
        current = adjust.load(Records(self.store), now)
        if (current.due, current.pauses) != (self.adjustments.due, self.adjustments.pauses):
            self.adjustments = current
            self._build_schedule()

    # -- the pass ---------------------------------------------------------------------------

    def run(self, now: datetime, *, dry_run: bool = False) -> PassReport:
        """One pass at ``now`` (aware). ``dry_run`` plans and renders but writes and sends
        nothing."""
        return asyncio.run(self.run_async(now, dry_run=dry_run))

    async def run_async(self, now: datetime, *, dry_run: bool = False) -> PassReport:
        """``run`` for callers that have an event loop."""
        report = PassReport(now=now)
        await asyncio.to_thread(self._adjust, now)
        planned = await asyncio.to_thread(self._plan, now, report)
        if dry_run:
            return report
        holder = outbox.new_holder()
        lease_s = float(self.settings.channels.lease_s)
        batch = self._batch_size()
        try:
            claimed = await asyncio.to_thread(self._claim, planned, holder, now, lease_s, batch)
            if claimed:
                renewing = asyncio.create_task(self._renew(holder.owner, lease_s))
                channels = _PassChannels(self._channels or self._build_channels())
                try:
                    with pass_moment(now):
                        while claimed:
                            report.claimed += len(claimed)
                            await self._send_all(claimed, now, report, channels)
                            if batch is None:
                                break
                            claimed = await asyncio.to_thread(
                                self.store.lease_due, holder, now, lease_s, batch
                            )
                finally:
                    renewing.cancel()
                    await channels.close()
        finally:
            await asyncio.to_thread(self._finish, holder.owner)
        return report

    def _batch_size(self) -> int | None:
        """How many messages to lease at a time (None: all). Workers sharing a database take
        batches, so a second worker finds work while the first sends."""
        configured = self.settings.channels.lease_batch
        if configured:
            return configured
        return SHARED_BATCH if self.settings.store_url else None

    def _plan(self, now: datetime, report: PassReport) -> list[Delivery]:
        """The new deliveries due at ``now``, composed (nothing written)."""
        today = now.astimezone(LOCAL_TZ).date()
        view = outbox.view(self.store.outbox_facts())
        states = acks.current_states(self.store.ack_events(), now)
        chats = zalo_records.chats_by_unit(self.store)

        def settled(occ: Occurrence) -> bool:
            return occ.key in view.covered or acks.silences(states.get(occ.pair), occ)

        due = []
        for occ in self.index.due(now, settled):
            if today > link_expiry(self.years.get(occ.plan, today.year)):
                report.expired[occ.plan] = report.expired.get(occ.plan, 0) + 1
            else:
                due.append(occ)
        planned: list[Delivery] = []
        working_day = self.config.calendar.is_working_day(today)
        if not working_day:
            report.day_off = self.config.calendar.day_off_reason(today)
        for batch in batches(due, self.council, today):
            if not working_day or not self._send_time_reached(batch.recipient, now):
                report.held += len(batch.items)
                continue
            delivery = self._new_delivery(batch, now, today, view, chats, report)
            if delivery is not None:
                planned.append(delivery)
                report.planned.append(delivery.message)
        return planned

    def _claim(
        self,
        planned: list[Delivery],
        holder: Leaseholder,
        now: datetime,
        lease_s: float,
        batch: int | None,
    ) -> list[Delivery]:
        """Hand the new deliveries to the store, then lease what else is due (all of it, or
        the first ``batch``: the new ones are then written with no lease held, so any worker
        may take them)."""
        added = self.store.add_deliveries(planned, holder, lease_s if batch is None else 0)
        if len(added) < len(planned):
            # Another pass wrote some of these keys first: it sends them, not this one.
            mine = {d.key for d in added}
            log.info("%d thư đã do lượt gửi khác ghi trước", len(planned) - len(mine))
        if batch is None:
            return added + self.store.lease_due(holder, now, lease_s)
        return self.store.lease_due(holder, now, lease_s, batch)

    async def _renew(self, owner: str, lease_s: float) -> None:
        """Renew this pass's leases every third of their length until cancelled."""
        while True:
            await asyncio.sleep(lease_s / 3)
            await asyncio.to_thread(self.store.renew_leases, owner, lease_s)

    def _finish(self, owner: str) -> None:
        self.store.release_leases(owner)
        self.store.flush()

    def _send_time_reached(self, recipient: str, now: datetime) -> bool:
        """Whether ``recipient``'s daily message may go out at ``now``: catch-up reminders
        wait for the day's send time, so they travel in the same message as the day's own."""
        unit = self.config.directory.units.get(recipient)
        policy = self.settings.policy.merged(unit.policy if unit else None)
        return now.astimezone(LOCAL_TZ).time() >= policy.send_time

    def _new_delivery(
        self,
        batch: Batch,
        now: datetime,
        today: date,
        view: outbox.OutboxView,
        chats_by_unit: dict[str, tuple[str, ...]],
        report: PassReport,
    ) -> Delivery | None:
        unit = self.config.directory.units.get(batch.recipient)
        if unit is None:
            return None
        failed = view.failed.get((unit.id, today), set())
        chats = chats_by_unit.get(unit.id, ())
        usable = [c for c in registry.for_unit(unit, self.enabled, chats) if c not in failed]
        if not usable:
            report.unreachable.append(unit.id)
            return None
        channel = usable[0]
        key = f"{unit.id}/{channel}/{today.isoformat()}"
        if key in view.existing:
            # Today's message to this unit has gone out; what came due since waits for the
            # next working day's message (one message per unit per day).
            report.waiting += len(batch.items)
            return None
        message = self.composer.compose(batch, unit.id, channel, key, now, today, chats)
        return Delivery(
            key=key,
            recipient=unit.id,
            channel=channel,
            day=today,
            status="pending",
            occurrences=tuple(o.key for o in batch.items),
            items=tuple(DeliveryItem(o.plan, o.task, o.unit, o.kind, o.due) for o in batch.items),
            message=message,
            created_at=now,
        )

    # -- sending ----------------------------------------------------------------------------

    def _build_channels(self) -> dict[str, Channel]:
        return registry.build(self.settings, self.store, self.store.data_dir, self.clock)

    async def _send_all(
        self, claimed: list[Delivery], now: datetime, report: PassReport, channels: _PassChannels
    ) -> None:
        by_channel: dict[str, list[Delivery]] = {}
        for delivery in claimed:
            by_channel.setdefault(delivery.channel, []).append(delivery)
        await asyncio.gather(
            *(self._send_channel(channels, n, ds, now, report) for n, ds in by_channel.items())
        )

    async def _send_channel(
        self,
        channels: _PassChannels,
        name: str,
        deliveries: list[Delivery],
        now: datetime,
        report: PassReport,
    ) -> None:
        """Send one channel's deliveries; every delivery ends with an outcome recorded."""
        channel = channels.get(name)
        if channel is None:  # the channel was turned off since the message was planned
            error = ChannelError(f"kênh {name} đã tắt", permanent=True, code="disabled")
            for delivery in deliveries:
                await self._record(delivery, now, report, error=error)
            return
        try:
            await channels.open(name)
        except Exception as exc:
            error = _as_channel_error(exc)
            for delivery in deliveries:
                await self._record(delivery, now, report, error=error)
            return
        if isinstance(channel, BatchChannel):
            by_message = {id(d.message): d for d in deliveries}

            def done(message: Message, result: Receipt | ChannelError) -> None:
                delivery = by_message[id(message)]
                if isinstance(result, ChannelError):
                    self._record_now(delivery, now, report, error=result)
                else:
                    self._record_now(delivery, now, report, receipt=result)

            await channel.send_all([d.message for d in deliveries], done)
            return
        limit = asyncio.Semaphore(max(1, channel.concurrency))

        async def one(delivery: Delivery) -> None:
            async with limit:
                try:
                    receipt = await channel.send(delivery.message)
                except Exception as exc:
                    await self._record(delivery, now, report, error=_as_channel_error(exc))
                else:
                    await self._record(delivery, now, report, receipt=receipt)

        await asyncio.gather(*(one(d) for d in deliveries))

    async def _record(
        self,
        delivery: Delivery,
        now: datetime,
        report: PassReport,
        *,
        receipt: Receipt | None = None,
        error: ChannelError | None = None,
    ) -> None:
        await asyncio.to_thread(
            self._record_now, delivery, now, report, receipt=receipt, error=error
        )

    def _record_now(
        self,
        delivery: Delivery,
        now: datetime,
        report: PassReport,
        *,
        receipt: Receipt | None = None,
        error: ChannelError | None = None,
    ) -> None:
        """Decide the attempt's outcome and record it (blocking: in a worker thread)."""
        result = outbox.outcome(delivery, now, self.settings.channels, receipt=receipt, error=error)
        if result.status == "sent":
            report.sent.append(delivery.key)
        else:
            words = str(error)
            {"failed": report.failed, "dead": report.dead, "retry": report.retry}[
                result.status
            ].append((delivery.key, words))
        self.store.record_outcome(result)


class _PassChannels:
    """The channels of one pass: each opened once, at its first message, and closed when the
    pass ends (so a pass that leases in batches keeps its SMTP connections for all of them).
    A channel that failed to open is tried again with the next batch."""

    def __init__(self, channels: dict[str, Channel]) -> None:
        self._channels = channels
        self._opened: list[Channel] = []

    def get(self, name: str) -> Channel | None:
        return self._channels.get(name)

    async def open(self, name: str) -> None:
        channel = self._channels[name]
        if channel not in self._opened:
            await channel.open()
            self._opened.append(channel)

    async def close(self) -> None:
        opened, self._opened = self._opened, []
        for channel in opened:
            try:
                await channel.close()
            except Exception as exc:  # closing is tidying up: the outcomes are recorded
                log.warning("đóng kênh %s lỗi: %r", channel.name, exc)


def _as_channel_error(exc: BaseException) -> ChannelError:
    """A channel's failure as a ``ChannelError``: an unexpected exception is a permanent one
    (sending the same message again would fail the same way), named in its own words."""
    if isinstance(exc, ChannelError):
        return exc
    log.error("gửi thư lỗi ngoài dự kiến: %r", exc)
    return ChannelError(
        f"lỗi khi gửi: {type(exc).__name__}: {exc}"[:500], permanent=True, code="error"
    )
