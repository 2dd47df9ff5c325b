"""The Zalo Bot inbox: every update is kept in the store before anything is done about it.

Crash safety rests on three rules:

1. **Keep first.** The webhook (``POST /zalo/bot``) and the poll loop record the update under
   its id (insert-if-new, durable when ``receive`` returns) before anything else; only then
   does the webhook answer 200. An id already there is a repeat (a webhook retry, the same
   update handed to another process): nothing more is done. Zalo's ``getUpdates`` has no
   offset to confirm: an update it hands out is recorded at once, and one that a kill catches
   between Zalo's answer and that record is lost (Zalo does not hand it out again).
2. **Act idempotently.** ``inbound.handle_bot_message`` may run twice on one update (the
   acknowledgment ids make the second run append nothing; a link is an upsert).
3. **Lease, then finish.** Whoever processes an entry first takes a lease on it (a
   compare-and-set on the entry, ``LEASE_S`` seconds), acts, sends the reply, then marks it
   done (its id moves to the handled ids, ``records.UPDATES``). An entry not done whose lease
   has run out — its process died — is taken again by the next tick of any worker (and at
   start-up). So two processes never act on one entry at once, a dead process's entry is
   finished by another, and the reply may go out twice (a kill between sending it and marking
   the entry done), the acknowledgment never.

Handled update ids are forgotten after ``zalo_bot.keep_updates_days`` (``prune``, at most once
an hour). A repeat of an update older than that is taken as new: its acknowledgments are still
not recorded twice (their ids are kept with the acknowledgments, forever), an invite code in it
has expired by then, and the chat gets its reply again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from reminder.channels.zalo import inbound, progress, records, throttle
from reminder.channels.zalo.bot import BotClient, BotUpdate
from reminder.config import Config
from reminder.errors import ChannelError, ReminderError
from reminder.store import RecordKind, Store

log = logging.getLogger(__name__)
SOURCE = inbound.SOURCE
#: How long a worker may hold an entry (acting on it, sending the reply) before another may
#: take it: well over a reply's HTTP timeout, short enough that a crash is mended in minutes.
LEASE_S = 120


@dataclass(frozen=True)
class InboxEntry:
    """An update as received, and who is handling it. ``holder``/``until``: the lease;
    ``done_at``: when it was handled (its reply sent or given up)."""

    update: BotUpdate
    received_at: datetime
    holder: str = ""
    until: datetime | None = None
    done_at: datetime | None = None


INBOX = RecordKind("zalo_inbox", InboxEntry)


def new_holder() -> str:
    """A lease holder name unique to this call (host, process, random)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


def key_of(update_id: str) -> str:
    return f"{SOURCE}/{update_id}"


def receive(store: Store, update: BotUpdate, now: datetime) -> bool:
    """Keep ``update``; False when its id was received before (do nothing more then)."""
    if records.seen(store, SOURCE, update.update_id):
        return False  # handled before the inbox existed
    return store.add_record(INBOX, key_of(update.update_id), InboxEntry(update, now))


def take(store: Store, key: str, holder: str, now: datetime) -> InboxEntry | None:
    """Lease entry ``key`` to ``holder``; None when it is done, gone or held by another."""
    while True:
        entry = store.get_record(INBOX, key)
        if entry is None or entry.done_at is not None:
            return None
        if entry.holder and entry.holder != holder and entry.until and entry.until > now:
            return None
        leased = replace(entry, holder=holder, until=now + timedelta(seconds=LEASE_S))
        if store.replace_record(INBOX, key, entry, leased):
            return leased


def finish(store: Store, key: str, leased: InboxEntry, now: datetime) -> bool:
    """Mark the entry done; False when its lease was lost meanwhile (another finishes it).

    A done entry leaves the inbox for the list of handled update ids (``records.UPDATES``),
    so the inbox holds only what is waiting and each tick reads little. In that order: while
    the entry is marked done, or its id is listed, a repeat of the update is recognised."""
    done = replace(leased, holder="", until=None, done_at=now)
    if not store.replace_record(INBOX, key, leased, done):
        return False
    records.claim_update(store, SOURCE, leased.update.update_id, now)
    store.delete_record(INBOX, key)
    return True


def waiting(store: Store, now: datetime) -> list[str]:
    """Entries not done that nobody holds at ``now``, oldest first."""
    entries = [
        (entry.received_at, key)
        for key, entry in store.records(INBOX).items()
        if entry.done_at is None and not (entry.until and entry.until > now)
    ]
    return [key for _, key in sorted(entries)]


_pruned: dict[int, datetime] = {}  # store instance -> when this process last pruned it


def prune_hourly(store: Store, now: datetime, days: int) -> int:
    """``prune``, at most once an hour per store and process (it reads every record)."""
    last = _pruned.get(id(store))
    if last is not None and abs(now - last) < timedelta(hours=1):
        return 0
    _pruned[id(store)] = now
    return prune(store, now, days)


def prune(store: Store, now: datetime, days: int) -> int:
    """Forget handled entries (and processed OA ids, wrong-code counts, what each chat got of
    a reminder) older than ``days``."""
    before = now - timedelta(days=days)
    old = [
        key
        for key, entry in store.records(INBOX).items()
        if (entry.done_at or entry.received_at) < before
    ]
    removed = sum(store.delete_record(INBOX, key) for key in old)
    removed += records.prune_seen(store, before) + progress.prune(store, before)
    return removed + throttle.prune(store, before)


def process(
    config: Config, store: Store, key: str, holder: str, now: datetime
) -> tuple[InboxEntry, str] | None:
    """Take entry ``key`` and act on it: (the leased entry, the reply), or None when it is not
    ours to handle. The caller sends the reply, then calls ``finish``."""
    entry = take(store, key, holder, now)
    if entry is None:
        return None
    return entry, inbound.handle_bot_message(config, store, entry.update, entry.received_at)


async def handle(
    config: Config,
    store: Store,
    key: str,
    client: BotClient,
    clock: Callable[[], datetime],
    holder: str | None = None,
) -> bool:
    """Process entry ``key``, send its reply, mark it done; whether it was ours to handle."""
    holder = holder or new_holder()
    taken = await asyncio.to_thread(process, config, store, key, holder, clock())
    if taken is None:
        return False
    entry, reply = taken
    try:
        await client.send_message(entry.update.chat_id, reply)
    except ChannelError as exc:
        log.warning("không trả lời được Zalo Bot (%s): %s", entry.update.chat_id, exc)
    await asyncio.to_thread(finish, store, key, entry, clock())
    return True


async def drain(config: Config, store: Store, clock: Callable[[], datetime]) -> int:
    """Handle every entry left waiting (a crash, a lost lease), prune the old ones; how many
    were handled. Run at start-up and by every tick."""
    settings = config.settings.zalo_bot
    # Pruned whether the bot is on or not: the OA's handled event ids are kept there too.
    await asyncio.to_thread(prune_hourly, store, clock(), settings.keep_updates_days)
    if settings.token is None:
        return 0
    keys = await asyncio.to_thread(waiting, store, clock())
    handled = 0
    if keys:
        client = BotClient(settings, 1)
        await client.open()
        try:
            for key in keys:
                handled += await handle(config, store, key, client, clock)
        finally:
            await client.close()
    return handled


async def handle_one(config: Config, store: Store, key: str, clock: Callable[[], datetime]) -> None:
    """The webhook's work after its 200: handle one entry with a client of its own."""
    client = BotClient(config.settings.zalo_bot, 1)
    await client.open()
    try:
        await handle(config, store, key, client, clock)
    except ReminderError as exc:  # the store failed: the entry waits for the next tick
        log.error("Zalo Bot: tin %s chưa xử lý được: %s", key, exc)
    finally:
        await client.close()


async def poll(
    config: Callable[[], Config],
    store: Store,
    clock: Callable[[], datetime],
    stopping: asyncio.Event,
) -> None:
    """Poll mode: ask ``getUpdates`` until ``stopping`` is set; keep each update in the inbox
    at once, then handle it; after an error, wait (1 s doubling to 60 s) and ask again."""
    pause = 1.0
    while not stopping.is_set():
        settings = config().settings.zalo_bot
        client = BotClient(settings, 1)
        await client.open()
        try:
            updates = await client.get_updates()
            pause = 1.0
            fresh = [
                key_of(u.update_id)
                for u in updates
                if await asyncio.to_thread(receive, store, u, clock())
            ]
            for key in fresh:
                await handle(config(), store, key, client, clock)
        except (ChannelError, ReminderError) as exc:
            log.warning("Zalo Bot getUpdates lỗi: %s (thử lại sau %.0f giây)", exc, pause)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stopping.wait(), timeout=pause)
            pause = min(60.0, pause * 2)
        finally:
            await client.close()
