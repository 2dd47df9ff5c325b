"""Which channels exist, which one a unit gets, and how each is built: one table.

A channel is enabled by its settings (SMTP host, bot token, Zalo tokens, webhook URL). When none
is, the ``file`` channel takes every message (the shipped default: nothing leaves the machine).
A unit's channels are the enabled ones, in ``channels.order``, that can reach it (an email
address, a linked bot chat, a ``zalo_user_id``, a phone; the webhook takes everyone). The first
is used; after a permanent failure the next one takes over.

A new channel is one module plus one row of ``CHANNELS``. A row's builder imports its module
when it runs: the commands that only ask which channel reaches a unit (``status``, ``digest``)
then load no HTTP or SMTP client (httpx alone is ~55 ms of start-up).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from reminder.channels.base import Channel, Clock, utc_now

if TYPE_CHECKING:
    from reminder.channels.zalo.tokens import ZaloTokens
    from reminder.plan import Unit
    from reminder.settings import Settings
    from reminder.store import Store


@dataclass(frozen=True)
class Contact:
    """What can reach a unit: its configured contacts and its linked bot chats."""

    unit: Unit
    chat_ids: tuple[str, ...] = ()


@dataclass
class BuildContext:
    """What building a channel may need; the OA token is shared by the Zalo channels."""

    settings: Settings
    store: Store
    data_dir: Path
    clock: Clock
    concurrency: int
    shared: dict[str, object] = field(default_factory=dict)

    def zalo_tokens(self) -> ZaloTokens:
        from reminder.channels.zalo.tokens import ZaloTokens

        tokens = self.shared.get("zalo_tokens")
        if not isinstance(tokens, ZaloTokens):
            tokens = ZaloTokens(self.settings.zalo, self.store, self.clock)
            self.shared["zalo_tokens"] = tokens
        return tokens


@dataclass(frozen=True)
class ChannelSpec:
    """One row: when the channel is on, whom it reaches, how it is built."""

    enabled: Callable[[Settings], bool]
    reaches: Callable[[Contact], bool]
    build: Callable[[BuildContext], Channel]


def _zalo_on(s: Settings) -> bool:
    return bool(s.zalo.access_token or s.zalo.refresh_token)


def _email(b: BuildContext) -> Channel:
    from reminder.channels.email import EmailChannel

    return EmailChannel(b.settings.smtp, b.concurrency)


def _zalo_bot(b: BuildContext) -> Channel:
    from reminder.channels.zalo.bot import ZaloBotChannel

    return ZaloBotChannel(b.settings.zalo_bot, b.concurrency, b.store)


def _zalo_oa(b: BuildContext) -> Channel:
    from reminder.channels.zalo.oa import ZaloOAChannel

    return ZaloOAChannel(b.settings.zalo, b.zalo_tokens(), b.concurrency)


def _zalo_zns(b: BuildContext) -> Channel:
    from reminder.channels.zalo.templates import ZaloZNSChannel

    return ZaloZNSChannel(b.settings.zalo, b.zalo_tokens(), b.concurrency)


def _webhook(b: BuildContext) -> Channel:
    from reminder.channels.webhook import WebhookChannel

    return WebhookChannel(b.settings.webhook, b.concurrency, b.clock)


def _file(b: BuildContext) -> Channel:
    from reminder.channels.file import FileChannel

    return FileChannel(b.data_dir / "outbox", b.settings.smtp, b.concurrency)


CHANNELS: Mapping[str, ChannelSpec] = {
    "email": ChannelSpec(lambda s: bool(s.smtp.host), lambda c: bool(c.unit.email), _email),
    "zalo_bot": ChannelSpec(
        lambda s: s.zalo_bot.token is not None, lambda c: bool(c.chat_ids), _zalo_bot
    ),
    "zalo_oa": ChannelSpec(_zalo_on, lambda c: bool(c.unit.zalo_user_id), _zalo_oa),
    "zalo_zns": ChannelSpec(
        lambda s: _zalo_on(s) and bool(s.zalo.zns_template_id),
        lambda c: bool(c.unit.phone),
        _zalo_zns,
    ),
    "webhook": ChannelSpec(lambda s: bool(s.webhook.url), lambda c: True, _webhook),
    # only as the fallback when nothing else is on
    "file": ChannelSpec(lambda s: False, lambda c: True, _file),
}


def enabled(settings: Settings) -> list[str]:
    """Names of the enabled channels, in the configured order (``["file"]`` when none)."""
    names: list[str] = [
        n for n in settings.channels.order if n in CHANNELS and CHANNELS[n].enabled(settings)
    ]
    return names or ["file"]


def for_unit(unit: Unit, channels: list[str], chat_ids: tuple[str, ...] = ()) -> list[str]:
    """The channels that can reach ``unit`` (with these linked bot chats), in order."""
    contact = Contact(unit, chat_ids)
    return [name for name in channels if name in CHANNELS and CHANNELS[name].reaches(contact)]


def build(
    settings: Settings,
    store: Store,
    data_dir: Path,
    clock: Callable[[], datetime] = utc_now,
) -> dict[str, Channel]:
    """Channel instances for the enabled channels."""
    out: dict[str, Channel] = {}
    shared: dict[str, object] = {}
    for name in enabled(settings):
        limit = settings.channels.concurrency.get(name, 1)
        context = BuildContext(settings, store, data_dir, clock, limit, shared)
        out[name] = CHANNELS[name].build(context)
    return out
