"""One dispatch pass: due occurrences -> one message per (unit, channel, day) -> outbox ->
channels -> outcomes.

1. Under the store's lock, in one transaction: what is due at ``now`` (``DueIndex``, minus
   what deliveries already cover and what acknowledgments silence) is grouped into one batch
   per recipient for today; each batch is rendered into a message for the recipient's first
   usable channel and recorded as a ``pending`` delivery with the deterministic key
   ``recipient/channel/day`` — *before* anything is sent. Deliveries due for a retry, and
   pending ones whose pass died (lease over, or owner process gone), are claimed too.
2. Sends run concurrently, at most ``channels.concurrency[channel]`` at a time per channel.
   Each outcome is appended to the store's journal as soon as it is known.
3. A last transaction folds the outcomes into the deliveries files (one write per file).

A unit's message goes out on working days at or after its send time (catch-up reminders found
earlier in the morning wait and travel with the day's own). So a rerun sends nothing twice
(keys exist), a killed pass resends only what was in flight (sent but not yet journalled), and
nothing due is lost (pending deliveries are reclaimed).

Outcomes: ``sent``; ``retry`` (transient: exponential backoff from ``retry_first_s`` to
``retry_max_s`` with deterministic jitter, the same rendered message, for ``retry_for_h``
hours, then ``dead``); ``failed`` (permanent: the provider's words are kept, and the next
usable channel takes over at the next pass). Occurrences of failed or dead deliveries are not
covered: they go out again in the next day's message.
"""

from __future__ import annotations

import asyncio
import os
import random
import secrets
import socket
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from reminder import acks, adjust
from reminder.calendar import weekday_vi
from reminder.channels import registry
from reminder.channels.base import Channel, Message, Receipt, pass_moment, utc_now
from reminder.channels.zalo import records as zalo_records
from reminder.config import Config
from reminder.errors import ChannelError
from reminder.keyed import Records
from reminder.labels import KIND_LABELS, vn_date
from reminder.render import Renderer
from reminder.schedule import (
    LOCAL_TZ,
    ROLE_LABELS,
    Batch,
    DueIndex,
    Occurrence,
    batches,
    occurrences,
)
from reminder.store import Store, Transaction

COVERING = frozenset({"pending", "retry", "sent"})
PROCESS_TOKEN = secrets.token_hex(8)
HOST = socket.gethostname()


@dataclass
class _View:
    covered: set[str] = field(default_factory=set)
    failed: dict[tuple[str, str], set[str]] = field(default_factory=lambda: defaultdict(set))
    existing: set[str] = field(default_factory=set)
    unfinished: list[tuple[str, dict[str, Any]]] = field(default_factory=list)


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


def _month(day: date) -> str:
    return f"{day:%Y-%m}"


def backoff(key: str, attempts: int, first_s: int, max_s: int) -> timedelta:
    """Delay before retry number ``attempts`` (1-based): exponential, capped, jittered in
    [50 %, 100 %] deterministically per (key, attempt) so reruns agree."""
    base = min(max_s, first_s * 2 ** max(0, attempts - 1))
    jitter = random.Random(f"{key}/{attempts}").uniform(0.5, 1.0)
    return timedelta(seconds=base * jitter)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


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
        self._chats: dict[str, tuple[str, ...]] = {}  # unit -> linked bot chats, per pass
        self._channels = channels
        self.tokens = acks.Tokens(secret)
        self.renderer = Renderer(self.settings.templates_dir)
        self.adjustments = adjust.NONE
        self._build_schedule()
        council = self.settings.council
        self.council = config.directory.expand([council]) if council else []
        self.titles = {(p.id, t.id): t.title for p in config.plans for t in p.tasks}
        self.plan_titles = {p.id: p.title for p in config.plans}
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
        claimed = await asyncio.to_thread(self._plan, now, report, dry_run)
        if dry_run or not claimed:
            return report
        with pass_moment(now):
            await self._send_all(claimed, now, report)
        await asyncio.to_thread(self._fold)
        return report

    def _plan(self, now: datetime, report: PassReport, dry_run: bool) -> list[dict[str, Any]]:
        today = now.astimezone(LOCAL_TZ).date()
        with self.store.transaction(readonly=dry_run) as tx:
            view = self._deliveries_view(tx)
            covered, failed_channels, existing = view.covered, view.failed, view.existing
            states = acks.current_states(tx.acks(), now)
            self._chats = zalo_records.chats_by_unit(tx)

            def settled(occ: Occurrence) -> bool:
                return occ.key in covered or acks.silences(states.get(occ.pair), occ)

            due = []
            for occ in self.index.due(now, settled):
                if today > link_expiry(self.years.get(occ.plan, today.year)):
                    report.expired[occ.plan] = report.expired.get(occ.plan, 0) + 1
                else:
                    due.append(occ)
            new_records: dict[str, list[dict[str, Any]]] = defaultdict(list)
            working_day = self.config.calendar.is_working_day(today)
            if not working_day:
                report.day_off = self.config.calendar.day_off_reason(today)
            for batch in batches(due, self.council, today):
                if not working_day or not self._send_time_reached(batch.recipient, now):
                    report.held += len(batch.items)
                    continue
                record = self._new_delivery(batch, now, today, failed_channels, existing, report)
                if record is not None:
                    new_records[record["month"]].append(record)
                    report.planned.append(Message.from_record(record["message"]))
            if dry_run:
                return []
            for month, records in new_records.items():
                tx.add_deliveries(month, records)
            claimed = [r for records in new_records.values() for r in records]
            claimed += self._claim_old(tx, now, view.unfinished)
            report.claimed = len(claimed)
            return claimed

    def _send_time_reached(self, recipient: str, now: datetime) -> bool:
        """Whether ``recipient``'s daily message may go out at ``now``: catch-up reminders
        wait for the day's send time, so they travel in the same message as the day's own."""
        unit = self.config.directory.units.get(recipient)
        policy = self.settings.policy.merged(unit.policy if unit else None)
        return now.astimezone(LOCAL_TZ).time() >= policy.send_time

    def _deliveries_view(self, tx: Transaction) -> _View:
        """One pass over the delivery records: what they cover, what failed, what exists,
        and which are unfinished (pending or waiting for a retry)."""
        view = _View()
        for month in tx.delivery_months():
            for record in tx.deliveries(month):
                view.existing.add(record["key"])
                status = record["status"]
                if status in COVERING:
                    view.covered.update(record["occurrences"])
                    if status != "sent":
                        view.unfinished.append((month, dict(record)))
                elif status in ("failed", "dead"):
                    view.failed[(record["recipient"], record["day"])].add(record["channel"])
        return view

    def _new_delivery(
        self,
        batch: Batch,
        now: datetime,
        today: date,
        failed_channels: dict[tuple[str, str], set[str]],
        existing: set[str],
        report: PassReport,
    ) -> dict[str, Any] | None:
        unit = self.config.directory.units.get(batch.recipient)
        if unit is None:
            return None
        chats = self._chats.get(unit.id, ())
        usable = [
            c
            for c in registry.for_unit(unit, self.enabled, chats)
            if c not in failed_channels.get((unit.id, today.isoformat()), set())
        ]
        if not usable:
            report.unreachable.append(unit.id)
            return None
        channel = usable[0]
        key = f"{unit.id}/{channel}/{today.isoformat()}"
        if key in existing:
            # Today's message to this unit has gone out; what came due since waits for the
            # next working day's message (one message per unit per day).
            report.waiting += len(batch.items)
            return None
        message = self._compose(batch, unit.id, channel, key, now, today, chats)
        return {
            "key": key,
            "month": _month(today),
            "recipient": unit.id,
            "channel": channel,
            "day": today.isoformat(),
            "status": "pending",
            "occurrences": [o.key for o in batch.items],
            "items": [
                {
                    "plan": o.plan,
                    "task": o.task,
                    "unit": o.unit,
                    "kind": o.kind,
                    "due": o.due.isoformat(),
                }
                for o in batch.items
            ],
            "message": message.to_record(),
            "attempts": 0,
            "created_at": now.isoformat(),
            "claim": self._claim(now),
        }

    def _claim(self, now: datetime) -> dict[str, Any]:
        lease = timedelta(seconds=self.settings.channels.lease_s)
        return {
            "host": HOST,
            "pid": os.getpid(),
            "token": PROCESS_TOKEN,
            "until": (now + lease).isoformat(),
        }

    def _claim_old(
        self, tx: Transaction, now: datetime, unfinished: list[tuple[str, dict[str, Any]]]
    ) -> list[dict[str, Any]]:
        """Deliveries due for a retry, and pending ones whose pass died."""
        out = []
        for month, record in unfinished:
            status = record["status"]
            retry_due = (
                status == "retry" and datetime.fromisoformat(record["next_attempt_at"]) <= now
            )
            orphan = status == "pending" and self._orphaned(record.get("claim"), now)
            if retry_due or orphan:
                claim = self._claim(now)
                tx.update_delivery(month, record["key"], {"claim": claim})
                out.append({**record, "claim": claim})
        return out

    def _orphaned(self, claim: dict[str, Any] | None, now: datetime) -> bool:
        if not claim:
            return True
        if datetime.fromisoformat(claim["until"]) <= now:
            return True  # the lease ran out, whoever held it
        if claim.get("token") == PROCESS_TOKEN:
            return False  # ours, and this process is alive
        return claim.get("host") == HOST and not _pid_alive(int(claim.get("pid", 0)))

    # -- composing --------------------------------------------------------------------------

    def _compose(
        self,
        batch: Batch,
        recipient: str,
        channel: str,
        key: str,
        now: datetime,
        today: date,
        chats: tuple[str, ...] = (),
    ) -> Message:
        directory = self.config.directory
        unit = directory.units[recipient]
        base = self.settings.web.base_url.rstrip("/")
        own = [o for o in batch.items if o.kind != "escalation" or o.unit == recipient]
        escalated = [o for o in batch.items if o.kind == "escalation" and o.unit != recipient]
        context = {
            "unit": {"id": unit.id, "name": unit.name},
            "day": today,
            "weekday": weekday_vi(today),
            "plan_title": self._plan_title(batch.items),
            "items": [self._item(o, today, base) for o in own],
            "escalations": [self._item(o, today, base) for o in escalated],
            "nearest_due": min(o.due for o in batch.items),
            "board_url": base + "/",
            "sender_name": "Hệ thống nhắc việc",
        }
        rendered = self.renderer.reminder(context)
        parts = self.renderer.chat_parts(context) if channel == "zalo_bot" else ()
        ids = sorted({o.task for o in batch.items})
        return Message(
            key=key,
            channel=channel,
            recipient=unit.id,
            recipient_name=unit.name,
            subject=rendered.subject,
            text=rendered.text,
            html=rendered.html,
            short_text=rendered.short_text,
            created_at=now.isoformat(),
            emails=unit.email,
            zalo_user_id=unit.zalo_user_id,
            phone=unit.phone,
            chat_ids=chats if channel == "zalo_bot" else (),
            parts=tuple(parts),
            data={
                "don_vi": unit.name[:100],
                "so_viec": str(len(batch.items)),
                "ma_viec": ", ".join(ids)[:100],
                "han_gan_nhat": vn_date(context["nearest_due"]),  # type: ignore[arg-type]
                "lien_ket": base + "/",
            },
        )

    def _plan_title(self, items: list[Occurrence]) -> str:
        titles = {self.plan_titles.get(o.plan, "") for o in items}
        title = titles.pop() if len(titles) == 1 else "kế hoạch công tác"
        return title[:1].lower() + title[1:] if title.startswith("Kế hoạch") else title

    def _item(self, occ: Occurrence, today: date, base: str) -> dict[str, Any]:
        cal = self.config.calendar
        if occ.due >= today:
            left = cal.working_days_between(today, occ.due)
        else:
            left = -cal.working_days_between(occ.due, today)
        if left > 0:
            days_text = f"còn {left} ngày làm việc"
        elif left == 0:
            days_text = "hạn là hôm nay"
        else:
            days_text = f"đã quá hạn {-left} ngày làm việc"
        colour = "#1f5fbf" if left > 5 else ("#b54708" if left >= 0 else "#b42318")
        token = self.tokens.make(occ.plan, occ.task, occ.unit, self.years.get(occ.plan, today.year))
        return {
            "task_id": occ.task,
            "title": self.titles.get((occ.plan, occ.task), occ.task),
            "role_label": ROLE_LABELS[occ.role],
            "kind": occ.kind,
            "kind_label": KIND_LABELS[occ.kind],
            "due": occ.due,
            "due_weekday": weekday_vi(occ.due),
            "days_left": left,
            "days_text": days_text,
            "colour": colour,
            "unit_name": self.config.directory.name_of(occ.unit),
            "ack_url": f"{base}/ack/{token}",
            "board_url": f"{base}/tasks/{occ.plan}/{occ.task}",
        }

    # -- sending ----------------------------------------------------------------------------

    async def _send_all(
        self, claimed: list[dict[str, Any]], now: datetime, report: PassReport
    ) -> None:
        channels = self._channels
        if channels is None:
            channels = registry.build(self.settings, self.store, self.store.data_dir, self.clock)
        by_channel: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for record in claimed:
            by_channel[record["channel"]].append(record)

        async def run_channel(name: str, records: list[dict[str, Any]]) -> None:
            channel = channels.get(name)
            if channel is None:  # the channel was turned off since the message was planned
                for record in records:
                    error = ChannelError(f"kênh {name} đã tắt", permanent=True, code="disabled")
                    await self._record(record, now, report, error=error)
                return
            limit = asyncio.Semaphore(max(1, channel.concurrency))
            await channel.open()
            try:

                async def one(record: dict[str, Any]) -> None:
                    async with limit:
                        message = Message.from_record(record["message"])
                        try:
                            receipt = await channel.send(message)
                        except ChannelError as exc:
                            await self._record(record, now, report, error=exc)
                        else:
                            await self._record(record, now, report, receipt=receipt)

                await asyncio.gather(*(one(r) for r in records))
            finally:
                await channel.close()

        await asyncio.gather(*(run_channel(n, rs) for n, rs in by_channel.items()))

    async def _record(
        self,
        record: dict[str, Any],
        now: datetime,
        report: PassReport,
        *,
        receipt: Receipt | None = None,
        error: ChannelError | None = None,
    ) -> None:
        attempts = int(record.get("attempts", 0)) + 1
        first = record.get("first_attempt_at") or now.isoformat()
        fields: dict[str, Any] = {
            "attempts": attempts,
            "first_attempt_at": first,
            "last_attempt_at": now.isoformat(),
            "claim": None,
        }
        key = record["key"]
        if error is None:
            assert receipt is not None
            fields.update(
                status="sent",
                sent_at=now.isoformat(),
                last_error=None,
                receipt={"id": receipt.provider_id, "detail": receipt.detail},
            )
            report.sent.append(key)
        else:
            fields["last_error"] = {
                "message": str(error),
                "code": error.code,
                "detail": error.detail,
                "permanent": error.permanent,
                "at": now.isoformat(),
            }
            history = list(record.get("errors", []))[-20:]
            fields["errors"] = [*history, fields["last_error"]]
            give_up = datetime.fromisoformat(first) + timedelta(
                hours=self.settings.channels.retry_for_h
            )
            if error.not_before is not None and not error.permanent:
                # Asked to wait (outside the hours the provider allows): not a failed try.
                fields["status"] = "retry"
                fields["attempts"] = attempts - 1
                fields["first_attempt_at"] = record.get("first_attempt_at")
                fields["next_attempt_at"] = error.not_before.isoformat()
                report.retry.append((key, str(error)))
            elif error.permanent:
                fields["status"] = "failed"
                report.failed.append((key, str(error)))
            elif now >= give_up:
                fields["status"] = "dead"
                report.dead.append((key, str(error)))
            else:
                c = self.settings.channels
                fields["status"] = "retry"
                fields["next_attempt_at"] = (
                    now + backoff(key, attempts, c.retry_first_s, c.retry_max_s)
                ).isoformat()
                report.retry.append((key, str(error)))
        await asyncio.to_thread(self.store.record_outcome, key, record["month"], fields)

    def _fold(self) -> None:
        self.store.finish_journal()
        with self.store.transaction():
            pass  # opening a transaction folds the outcome journals into the files
