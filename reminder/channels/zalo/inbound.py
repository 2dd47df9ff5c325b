"""What people write to the bot or the OA, and what the service does about it.

To the **bot** (``handle_bot_message``), from a chat:

- an invite code (``reminder invite``): links the chat to the code's unit, once, before the code
  expires; the reply names the unit;
- "xong Q1-01" / "đã nhận Q1-01, Q1-02" (tone marks or not, any case, several ids): from a
  linked chat, acknowledges for the linked unit(s) and replies with each task's resulting state;
- "việc": the linked unit's open tasks with their due dates;
- anything else: a short help text; an unlinked chat is told it is not linked.

A message that changes something (a link, an acknowledgment) is recorded with its update id in
the same store transaction that claims the id, so the same update handed to two processes (a
webhook retry, a poll and a webhook, two instances) links or acknowledges once. An unlinked
chat changes nothing.

From the **OA** webhook (``record_oa_event``): every event a follower causes is noted as their
last interaction, which opens the window for consultation messages (``oa``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from reminder import acks, state
from reminder.channels.zalo import records
from reminder.channels.zalo.bot import TEXT_LIMIT, BotClient, BotUpdate
from reminder.config import Config
from reminder.errors import ChannelError
from reminder.labels import vn_date
from reminder.schedule import LOCAL_TZ, assignments
from reminder.settings import ZaloBotSettings
from reminder.store import Store

log = logging.getLogger(__name__)
SOURCE = "zalo_bot"

_DONE = re.compile(r"^(?:da\s+)?(?:xong|hoan thanh|done)\b")
_RECEIVED = re.compile(r"^(?:da\s+)?(?:nhan|nhan viec|received)\b")
_TASK_IDS = re.compile(r"\b([a-z0-9][a-z0-9_.]*-[a-z0-9_.-]*[a-z0-9])\b")
_LIST_WORDS = frozenset({"viec", "/viec", "cac viec", "viec cua toi", "ds viec", "danh sach viec"})


def fold(text: str) -> str:
    """Lower case, tone marks removed, "đ" -> "d", spaces collapsed: how replies are matched."""
    decomposed = unicodedata.normalize("NFD", text.lower().replace("đ", "d"))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(plain.split())


def parse_reply(text: str) -> tuple[acks.AckState, list[str]] | None:
    """("done" | "received", task ids upper-cased) from "xong Q2-04" / "Đã nhận q2-04, Q2-05";
    None when the text is not an acknowledgment with at least one id."""
    words = fold(text)
    if _DONE.match(words):
        state: acks.AckState = "done"
    elif _RECEIVED.match(words):
        state = "received"
    else:
        return None
    ids = list(dict.fromkeys(m.upper() for m in _TASK_IDS.findall(words)))
    return (state, ids) if ids else None


def help_text(bot_name: str) -> str:
    """What a linked chat is told when its message means nothing to the bot."""
    return (
        f'{bot_name}: nhắn "việc" để xem các việc đang mở; "xong MÃ-VIỆC" khi đã hoàn thành;'
        ' "đã nhận MÃ-VIỆC" khi đã nhận việc (ví dụ "xong Q1-01", có thể ghi nhiều mã).'
    )


NOT_LINKED = (
    "Zalo này chưa liên kết với đơn vị nào nên chưa nhận nhắc việc và chưa xác nhận được việc."
    " Xin văn phòng một mã mời (8 ký tự) rồi nhắn mã đó vào đây."
)


@dataclass(frozen=True)
class InviteCode:
    """A code made by ``reminder invite``: what the office forwards to the officer."""

    unit: str
    code: str
    expires: datetime
    text: str

    def to_json(self) -> dict[str, str]:
        return {
            "unit": self.unit,
            "code": self.code,
            "expires": self.expires.isoformat(),
            "text": self.text,
        }


def create_invite(config: Config, store: Store, unit_id: str, now: datetime) -> InviteCode:
    """A new one-time code for ``unit_id`` (which must exist), valid ``invite_days`` days."""
    unit = config.directory.units[unit_id]
    bot = config.settings.zalo_bot
    code = records.new_code()
    expires = (now + timedelta(days=bot.invite_days)).astimezone(LOCAL_TZ)
    records.add_invite(store, code, unit_id, now, expires)
    text = (
        f"Nhắn mã {code} cho {bot.name} trên Zalo để nhận nhắc việc của {unit.name}."
        f" Mã dùng một lần, hết hạn lúc {expires:%H:%M} ngày {expires:%d/%m/%Y}."
    )
    return InviteCode(unit=unit_id, code=code, expires=expires, text=text)


def handle_bot_message(
    config: Config, store: Store, update: BotUpdate, now: datetime
) -> str | None:
    """The reply to ``update``; None when this update was already handled (send nothing)."""
    bot_name = config.settings.zalo_bot.name
    names = config.directory.name_of
    # Each step is one atomic store operation: claiming the update id (insert-if-new) makes a
    # repeat, or the same update handed to another process, a no-op; using the invite is a
    # compare-and-set, so a code links one chat only.
    if records.seen(store, SOURCE, update.update_id):
        return None  # handled already (a repeat, or another process got it first)
    units = records.units_of_chat(store, update.chat_id)
    if records.looks_like_code(update.text):
        invite = records.invite(store, update.text)
        if invite is None:
            return "Mã mời không đúng. Kiểm tra lại từng ký tự, hoặc xin văn phòng mã mới."
        if invite.used_at is not None:
            return "Mã mời này đã được dùng. Xin văn phòng một mã mới cho người thứ hai."
        if now > invite.expires:
            return "Mã mời đã hết hạn. Xin văn phòng một mã mới."
        if invite.unit not in config.directory.units:
            return "Đơn vị của mã mời không còn trong danh sách. Xin văn phòng kiểm tra lại."
        if not records.claim_update(store, SOURCE, update.update_id, now):
            return None
        if not records.use_invite(store, update.text, update.chat_id, now):
            return "Mã mời này đã được dùng. Xin văn phòng một mã mới cho người thứ hai."
        records.add_link(store, invite.unit, update.chat_id, update.sender_name, now)
        return (
            f"Đã liên kết Zalo này với {names(invite.unit)}. Từ nay nhắc việc của đơn vị"
            f" được gửi vào đây. {help_text(bot_name)}"
        )
    parsed = parse_reply(update.text)
    if parsed is not None:
        if not units:
            return NOT_LINKED
        state, ids = parsed
        targets, unknown = _targets(config, units, ids)
        events = [
            acks.ack_record(
                plan,
                task,
                unit,
                state,
                now,
                SOURCE,
                by=f"{update.sender_name} (Zalo {update.chat_id})".strip(),
                note=update.text[:200],
            )
            for plan, task, unit in targets
        ]
        if events:
            if not records.claim_update(store, SOURCE, update.update_id, now):
                return None
            store.add_acks(events)
        history = store.ack_events() if events else []
        return _ack_reply(config, targets, unknown, history, now)
    if fold(update.text) in _LIST_WORDS:
        return open_tasks_text(config, store, units, now) if units else NOT_LINKED
    return help_text(bot_name) if units else NOT_LINKED


def _targets(
    config: Config, units: list[str], ids: list[str]
) -> tuple[list[tuple[str, str, str]], list[str]]:
    """(plan, task, unit) pairs the ids name among the units' tasks, and the ids found nowhere."""
    mine = [
        (a.plan.id, a.task.id, a.unit)
        for a in assignments(config.plans, config.directory)
        if a.unit in units
    ]
    targets: list[tuple[str, str, str]] = []
    unknown: list[str] = []
    for task_id in ids:
        found = [t for t in mine if t[1].upper() == task_id]
        targets += found
        if not found:
            unknown.append(task_id)
    return targets, unknown


def _ack_reply(
    config: Config,
    targets: list[tuple[str, str, str]],
    unknown: list[str],
    history: list[Any],
    now: datetime,
) -> str:
    """Each acknowledged pair's state as it results from the store's events (``state.one``)."""
    lines: list[str] = []
    for plan, task, unit in targets:
        pair = state.one(config, plan, task, unit, history, now)
        if pair is None:
            continue
        short = pair.title if len(pair.title) <= 60 else pair.title[:59] + "…"
        lines.append(f"- {task} ({pair.unit_name}): {pair.label} — {short}")
    if lines:
        lines.insert(0, "Đã ghi nhận. Tình trạng hiện nay:")
    if unknown:
        lines.append(
            f'Không có việc mã {", ".join(unknown)} của đơn vị. Nhắn "việc" để xem mã các việc.'
        )
    return _cut("\n".join(lines))


def open_tasks_text(config: Config, store: Store, units: list[str], now: datetime) -> str:
    """The units' open tasks (started, not done), nearest due date first, as of ``now``."""
    snapshot = state.compute(config, store.ack_events(), [], now)
    rows = [
        p for p in snapshot.select(units=units) if p.state in ("pending", "received", "overdue")
    ]
    rows.sort(key=lambda p: (p.due, p.task))
    if not rows:
        return "Không có việc nào đang mở. Cảm ơn đơn vị."
    lines = [f"Việc đang mở ({len(rows)}):"]
    for p in rows:
        late = f" {p.days_late} ngày làm việc" if p.state == "overdue" else ""
        lines.append(f"- {p.task}: hạn {vn_date(p.due)}, {p.label}{late}")
    lines.append('Nhắn "xong MÃ-VIỆC" khi đã hoàn thành.')
    return _cut("\n".join(lines))


def _cut(text: str) -> str:
    """At most one chat message: cut at a line boundary, saying more was left out."""
    if len(text) <= TEXT_LIMIT:
        return text
    kept: list[str] = []
    for line in text.splitlines():
        if sum(len(k) + 1 for k in kept) + len(line) + 40 > TEXT_LIMIT:
            break
        kept.append(line)
    return "\n".join([*kept, "… (còn nữa, xem trên trang nhắc việc)"])


# -- the OA ----------------------------------------------------------------------------------------

# Events a follower causes (developers.zalo.me, "Webhook — danh sách sự kiện"): a message of any
# kind, following, tapping a button.
_USER_EVENTS = re.compile(r"^(user_send_|user_submit_info|user_received_message|follow$)")


def oa_event_user(event: dict[str, Any]) -> str | None:
    """The follower behind an OA webhook event, when the event is their interaction."""
    name = str(event.get("event_name", ""))
    if not _USER_EVENTS.match(name) or name == "user_received_message":
        return None
    who = event.get("follower") if name == "follow" else event.get("sender")
    user = who.get("id") if isinstance(who, dict) else None
    return str(user) if user else None


def record_oa_event(store: Store, event: dict[str, Any], received: datetime) -> None:
    """Note the follower's interaction at the event's own time (ms since the epoch), or at
    ``received`` when the event has none."""
    user = oa_event_user(event)
    if user is None:
        return
    try:
        at = datetime.fromtimestamp(int(str(event["timestamp"])) / 1000, UTC)
    except (KeyError, ValueError, OverflowError):
        at = received
    at = min(at, received)  # a clock ahead of ours must not stretch the window
    records.record_interaction(store, user, at)


def linked_units(store: Store) -> dict[str, list[records.ChatLink]]:
    """unit -> its chat links (for the board and ``reminder zalo-bot links``)."""
    out: dict[str, list[records.ChatLink]] = {}
    for link in records.links(store):
        out.setdefault(link.unit, []).append(link)
    return out


def all_links(store: Store) -> Iterable[records.ChatLink]:
    """Every active link, oldest first."""
    return records.links(store)


# -- answering -------------------------------------------------------------------------------------


async def send_reply(settings: ZaloBotSettings, chat_id: str, text: str) -> None:
    """Answer a chat; a failure is logged, not raised (the update itself was handled)."""
    client = BotClient(settings, 1)
    await client.open()
    try:
        await client.send_message(chat_id, text)
    except ChannelError as exc:
        log.warning("không trả lời được Zalo Bot (%s): %s", chat_id, exc)
    finally:
        await client.close()


async def poll(
    config: Callable[[], Config],
    store: Store,
    clock: Callable[[], datetime],
    stopping: asyncio.Event,
) -> None:
    """Poll mode: ask ``getUpdates`` until ``stopping`` is set, handling and answering each
    message; after an error, wait (1 s doubling to 60 s) and ask again."""
    pause = 1.0
    while not stopping.is_set():
        settings = config().settings.zalo_bot
        client = BotClient(settings, 1)
        await client.open()
        try:
            updates = await client.get_updates()
            pause = 1.0
            for update in updates:
                reply = await asyncio.to_thread(
                    handle_bot_message, config(), store, update, clock()
                )
                if reply:
                    try:
                        await client.send_message(update.chat_id, reply)
                    except ChannelError as exc:
                        log.warning("không trả lời được Zalo Bot (%s): %s", update.chat_id, exc)
        except ChannelError as exc:
            log.warning("Zalo Bot getUpdates lỗi: %s (thử lại sau %.0f giây)", exc, pause)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stopping.wait(), timeout=pause)
            pause = min(60.0, pause * 2)
        finally:
            await client.close()
