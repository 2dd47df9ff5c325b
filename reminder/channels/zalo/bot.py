"""The Zalo Bot Platform: a client for its API, and the ``zalo_bot`` channel.

Shapes (bot.zaloplatforms.com/docs, "Zalo Bot API"; checked against integrators' copies of
the documentation, updated 10/12/2025):

- every method is ``POST {api_base}/bot<TOKEN>/<method>`` with a JSON body;
- the answer is ``{"ok": true, "result": ...}`` or ``{"ok": false, "error_code": N,
  "description": "..."}``; ``error_code`` follows HTTP's meaning (429 = quota exceeded, 408 =
  a long poll that ended with nothing new), so it is classified with the same mapping as HTTP
  statuses (``channels.http``): 408/425/429/5xx transient, other codes permanent;
- ``getMe`` -> ``{"id", "account_name", ...}``; ``setWebhook {url, secret_token}`` (secret of
  8–256 characters, sent back in the ``X-Bot-Api-Secret-Token`` header); ``getUpdates
  {timeout}`` -> one update (or, defensively, a list of them); ``sendMessage {chat_id, text}``
  with ``text`` of 1–2,000 characters -> ``{"message_id", "date"}``;
- an update is ``{"event_name": "message.text.received", "message": {"from": {"id",
  "display_name"}, "chat": {"id", "chat_type": "PRIVATE"}, "text", "message_id", "date"}}``.
  Updates carry no ``update_id``: the ``message_id`` identifies one.

A bot can only write to someone who has written to it first; that is what linking does.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reminder.channels.base import Message, Receipt, pass_now
from reminder.channels.http import HttpChannel, is_transient, json_body
from reminder.channels.zalo import progress
from reminder.errors import ChannelError, Problem
from reminder.settings import Settings, ZaloBotSettings
from reminder.store import Store

NAME = "zalo_bot"
TEXT_LIMIT = 2000


@dataclass(frozen=True)
class BotUpdate:
    """One incoming text message."""

    update_id: str
    chat_id: str
    sender_name: str
    text: str
    chat_type: str


def parse_update(payload: Any) -> BotUpdate | None:
    """The text message in an update (webhook body ``result`` or a ``getUpdates`` item), or
    None when it is something else (a sticker, an image, a malformed body)."""
    if not isinstance(payload, dict):
        return None
    message = payload.get("message")
    if not isinstance(message, dict):
        return None
    event = payload.get("event_name", "message.text.received")
    text = message.get("text")
    if event != "message.text.received" or not isinstance(text, str):
        return None
    chat: dict[str, Any] = message["chat"] if isinstance(message.get("chat"), dict) else {}
    sender: dict[str, Any] = message["from"] if isinstance(message.get("from"), dict) else {}
    chat_id = str(chat.get("id") or sender.get("id") or "")
    update_id = str(message.get("message_id") or "")
    if not chat_id or not update_id:
        return None
    name = sender.get("display_name") or sender.get("first_name") or sender.get("name") or ""
    return BotUpdate(
        update_id=update_id,
        chat_id=chat_id,
        sender_name=str(name)[:100],
        text=text[:2000],
        chat_type=str(chat.get("chat_type") or "PRIVATE"),
    )


def updates_of(result: Any) -> list[BotUpdate]:
    """The text messages in a ``getUpdates`` result (one update, or a list)."""
    items = result if isinstance(result, list) else [result]
    return [u for u in (parse_update(item) for item in items) if u is not None]


class BotClient(HttpChannel):
    """Calls to the Bot API with the bot's token. ``open`` before use, ``close`` after."""

    provider = "Zalo Bot"

    def __init__(self, settings: ZaloBotSettings, concurrency: int = 4) -> None:
        if settings.token is None:
            raise ValueError("zalo_bot needs zalo_bot.token")
        super().__init__(settings.timeout, concurrency)
        self.settings = settings
        self._token = settings.token.get_secret_value()

    def _redact(self, text: str) -> str:
        return text.replace(self._token, "<token>")

    async def call(self, method: str, payload: dict[str, Any], timeout: float | None = None) -> Any:
        """``result`` of ``method``; raises ``ChannelError`` (marked) otherwise."""
        url = f"{self.settings.api_base.rstrip('/')}/bot{self._token}/{method}"
        extra: dict[str, Any] = {"timeout": timeout} if timeout is not None else {}
        try:
            response = await self.post_raw(url, json=payload, **extra)
        except ChannelError as exc:
            raise ChannelError(
                self._redact(str(exc)), permanent=exc.permanent, code=exc.code
            ) from None
        body: Any = None
        try:
            body = response.json()
        except ValueError:
            body = None
        if isinstance(body, dict) and body.get("ok") is True:
            return body.get("result")
        if isinstance(body, dict) and "error_code" in body:
            try:
                code = int(body["error_code"])
            except (TypeError, ValueError):
                code = response.status_code
            words = str(body.get("description") or "")
            raise ChannelError(
                f"Zalo Bot báo lỗi {code}: {words}",
                permanent=not is_transient(code),
                code=str(code),
                detail=words[:500],
            )
        if response.status_code >= 300:
            transient = is_transient(response.status_code)
            raise ChannelError(
                f"Zalo Bot trả lời HTTP {response.status_code}",
                permanent=not transient,
                code=str(response.status_code),
                detail=self._redact(response.text[:500]),
            )
        json_body(self.provider, response)  # raises for a body that is not JSON
        raise ChannelError(
            "Zalo Bot trả lời không đúng dạng",
            permanent=False,
            code="bad-body",
            detail=self._redact(response.text[:500]),
        )

    async def get_me(self) -> dict[str, Any]:
        """The bot's identity (checks the token)."""
        result = await self.call("getMe", {})
        return result if isinstance(result, dict) else {}

    async def set_webhook(self, url: str, secret_token: str) -> dict[str, Any]:
        """Register ``url`` for updates, with the secret Zalo will send back."""
        result = await self.call("setWebhook", {"url": url, "secret_token": secret_token})
        return result if isinstance(result, dict) else {}

    async def get_updates(self) -> list[BotUpdate]:
        """Long-poll for new messages; an empty list when the poll ended with none."""
        wait = self.settings.poll_timeout_s
        try:
            result = await self.call("getUpdates", {"timeout": str(wait)}, timeout=wait + 10)
        except ChannelError as exc:
            if exc.code == "408":
                return []  # the documented "nothing new during the long poll"
            raise
        return updates_of(result)

    async def send_message(self, chat_id: str, text: str) -> str:
        """Send ``text`` (cut to 2,000 characters); the provider's message id."""
        result = await self.call("sendMessage", {"chat_id": chat_id, "text": text[:TEXT_LIMIT]})
        return str(result.get("message_id", "")) if isinstance(result, dict) else ""


class ZaloBotChannel(BotClient):
    """Reminders into the chats linked to each unit.

    A message goes to every chat linked to the unit, in its parts (split at task boundaries so
    each part is at most 2,000 characters and each task keeps its ack link). What each chat has
    received is recorded part by part in the store (``progress``) as soon as Zalo accepts it, so
    a retry sends only the parts and the chats still owed (a crash re-sends at most the part in
    flight). A chat that answers permanently (it blocked the bot, it is gone) is recorded as
    failed and skipped from then on; it does not hold back the others.

    The message counts as sent when every chat has received every part or failed for good and
    at least one received it all (the receipt names them); while a chat waits on a transient
    error it is retried (the error says which chats already have it); when every chat failed
    for good, the first permanent error is raised.
    """

    name = NAME

    def __init__(self, settings: ZaloBotSettings, concurrency: int, store: Store) -> None:
        super().__init__(settings, concurrency)
        self.store = store

    async def send(self, message: Message) -> Receipt:
        if not message.chat_ids:
            raise ChannelError(
                "đơn vị chưa liên kết Zalo Bot (gửi mã mời: reminder invite)",
                permanent=True,
                code="no-chat",
            )
        parts = list(message.parts) or [message.short_text]
        done: list[str] = []
        gone: list[tuple[str, ChannelError]] = []
        waiting: list[tuple[str, ChannelError]] = []
        last_id = ""
        for chat_id in message.chat_ids:
            state = await asyncio.to_thread(progress.of, self.store, message.key, chat_id)
            if state.failed:
                gone.append((chat_id, ChannelError(state.failed, permanent=True, code=state.code)))
                continue
            try:
                for index in range(len(state.sent), len(parts)):
                    last_id = await self.send_message(chat_id, parts[index])
                    state = progress.Progress((*state.sent, last_id))
                    await asyncio.to_thread(
                        progress.save, self.store, message.key, chat_id, state, pass_now()
                    )
            except ChannelError as exc:
                if exc.permanent:
                    words = f"{exc} {exc.detail or ''}".strip()
                    failed = progress.Progress(state.sent, words, exc.code)
                    await asyncio.to_thread(
                        progress.save, self.store, message.key, chat_id, failed, pass_now()
                    )
                    gone.append((chat_id, exc))
                else:
                    waiting.append((chat_id, exc))
            else:
                done.append(chat_id)
                last_id = state.sent[-1] if state.sent else last_id
        summary = _summary(done, gone, waiting, len(parts))
        if waiting or not done:
            first = (waiting or gone)[0][1]
            detail = f"{summary} — {first.detail}" if first.detail else summary
            raise ChannelError(str(first), permanent=not waiting, code=first.code, detail=detail)
        return Receipt(provider_id=last_id, detail=summary)


def _summary(
    done: list[str],
    gone: list[tuple[str, ChannelError]],
    waiting: list[tuple[str, ChannelError]],
    parts: int,
) -> str:
    """Which chats got the message, which failed for good, which wait (for ``deliveries``)."""
    words = [f"zalo_bot: {len(done)} cuộc trò chuyện đã nhận đủ {parts} phần"]
    if done:
        words.append("đã nhận: " + ", ".join(done))
    if waiting:
        words.append(
            "chờ gửi lại: " + ", ".join(f"{chat} ({exc.code or 'lỗi'})" for chat, exc in waiting)
        )
    if gone:
        words.append("lỗi hẳn: " + ", ".join(f"{chat} ({exc.code or 'lỗi'})" for chat, exc in gone))
    return "; ".join(words)[:500]


def check_settings(settings: Settings, settings_file: Path) -> list[Problem]:
    """What ``reminder check`` says about the bot's settings (warnings: the rest still runs)."""
    bot = settings.zalo_bot
    if bot.token is None:
        return []
    out: list[Problem] = []
    secret = bot.secret_token.get_secret_value() if bot.secret_token else ""
    if bot.mode == "webhook" and not secret:
        out.append(
            Problem(
                "warning",
                "Zalo Bot ở chế độ webhook nhưng chưa có mã bí mật: /zalo/bot từ chối mọi tin",
                key="REMINDER_ZALO_BOT__SECRET_TOKEN",
                hint="tạo bằng: openssl rand -hex 32, đặt biến môi trường này rồi chạy"
                " reminder zalo-bot set-webhook",
            )
        )
    elif secret and not 8 <= len(secret) <= 256:
        out.append(
            Problem(
                "warning",
                f"mã bí mật Zalo Bot dài {len(secret)} ký tự; Zalo cần từ 8 đến 256",
                key="REMINDER_ZALO_BOT__SECRET_TOKEN",
                hint="tạo bằng: openssl rand -hex 32",
            )
        )
    if bot.mode == "webhook" and not settings.web.base_url.startswith("https://"):
        out.append(
            Problem(
                "warning",
                "Zalo chỉ gửi tin đến địa chỉ https công khai; base_url là"
                f" {settings.web.base_url}",
                file=settings_file,
                key="zalo_bot.mode",
                hint='đặt REMINDER_WEB__BASE_URL=https://…, hoặc [zalo_bot] mode = "poll"',
            )
        )
    if NAME not in settings.channels.order:
        out.append(
            Problem(
                "warning",
                "Zalo Bot đã bật nhưng không có trong thứ tự kênh: không nhắc việc qua bot",
                file=settings_file,
                key="channels.order",
                hint='thêm "zalo_bot" vào đầu [channels] order',
            )
        )
    return out
