"""What people write to the bot, and what the service does about it.

``handle_bot_message`` answers one message from a chat:

- an invite code (``reminder invite``): links the chat to the code's unit, once, before the code
  expires; the reply names the unit. Wrong codes are counted per chat (``throttle``): after
  ``wrong_codes_per_hour`` of them in an hour the chat is told to wait and no code is checked;
- "xong Q1-01" / "đã nhận Q1-01, Q1-02" (tone marks or not, any case, several ids): from a
  linked chat, acknowledges for the linked unit(s) and replies with each task's resulting state;
- "việc": the linked unit's open tasks with their due dates;
- anything else: a short help text; an unlinked chat is told it is not linked.

It is **idempotent**: the messages come from the inbox (``inbox``), which may hand the same
update over again after a crash. Each acknowledgment carries an id made of the update id and
its pair, which the store records once; linking is an upsert of the same record, and an invite
used by this very chat links it again. An unlinked chat changes nothing.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from reminder import acks, state
from reminder.channels.zalo import records, throttle
from reminder.channels.zalo.bot import TEXT_LIMIT, BotUpdate
from reminder.config import Config
from reminder.labels import vn_date
from reminder.schedule import LOCAL_TZ, assignments
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


def ack_id(update_id: str, pair: tuple[str, str, str]) -> str:
    """The id of the acknowledgment of ``pair`` that update ``update_id`` carries."""
    return f"{SOURCE}/{update_id}/{'/'.join(pair)}"


def handle_bot_message(config: Config, store: Store, update: BotUpdate, at: datetime) -> str:
    """Act on ``update``, received at ``at``, and return the reply. Idempotent: handling the
    same update again records nothing new (see the module docstring)."""
    bot_name = config.settings.zalo_bot.name
    units = records.units_of_chat(store, update.chat_id)
    if records.looks_like_code(update.text):
        return _use_code(config, store, update, at)
    parsed = parse_reply(update.text)
    if parsed is not None:
        if not units:
            return NOT_LINKED
        kind, ids = parsed
        targets, unknown = _targets(config, units, ids)
        by = f"{update.sender_name} (Zalo {update.chat_id})".strip()
        events = [
            replace(
                acks.ack_record(plan, task, unit, kind, at, SOURCE, by=by, note=update.text[:200]),
                id=ack_id(update.update_id, (plan, task, unit)),
            )
            for plan, task, unit in targets
        ]
        store.add_acks(events)
        history = store.ack_events() if events else []
        return _ack_reply(config, targets, unknown, history, at)
    if fold(update.text) in _LIST_WORDS:
        return open_tasks_text(config, store, units, at) if units else NOT_LINKED
    return help_text(bot_name) if units else NOT_LINKED


def _use_code(config: Config, store: Store, update: BotUpdate, at: datetime) -> str:
    """Link the chat with the invite code it sent, or say why not."""
    limit = config.settings.zalo_bot.wrong_codes_per_hour
    wait = throttle.blocked_until(store, update.chat_id, update.update_id, at, limit)
    if wait is not None:
        local = wait.astimezone(LOCAL_TZ)
        return (
            f"Đã nhập sai mã mời {limit} lần trong một giờ. Thử lại sau {local:%H:%M} ngày"
            f" {local:%d/%m/%Y}, hoặc xin văn phòng kiểm tra mã."
        )
    invite = records.invite(store, update.text)
    if invite is None:
        throttle.note_wrong_code(store, update.chat_id, update.update_id, at)
        return "Mã mời không đúng. Kiểm tra lại từng ký tự, hoặc xin văn phòng mã mới."
    mine = invite.used_by == update.chat_id  # used by this chat: this update, handled again
    if invite.used_at is not None and not mine:
        return "Mã mời này đã được dùng. Xin văn phòng một mã mới cho người thứ hai."
    if at > invite.expires:
        return "Mã mời đã hết hạn. Xin văn phòng một mã mới."
    if invite.unit not in config.directory.units:
        return "Đơn vị của mã mời không còn trong danh sách. Xin văn phòng kiểm tra lại."
    if not mine and not records.use_invite(store, update.text, update.chat_id, at):
        return "Mã mời này đã được dùng. Xin văn phòng một mã mới cho người thứ hai."
    records.add_link(store, invite.unit, update.chat_id, update.sender_name, at)
    return (
        f"Đã liên kết Zalo này với {config.directory.name_of(invite.unit)}. Từ nay nhắc việc"
        f" của đơn vị được gửi vào đây. {help_text(config.settings.zalo_bot.name)}"
    )


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


def linked_units(store: Store) -> dict[str, list[records.ChatLink]]:
    """unit -> its chat links (for the board and ``reminder zalo-bot links``)."""
    out: dict[str, list[records.ChatLink]] = {}
    for link in records.links(store):
        out.setdefault(link.unit, []).append(link)
    return out


def all_links(store: Store) -> Iterable[records.ChatLink]:
    """Every active link, oldest first."""
    return records.links(store)
