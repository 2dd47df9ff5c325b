"""Which channels exist, and which one a unit gets.

A channel is enabled by its settings (SMTP host, Zalo tokens, webhook URL). When none is, the
``file`` channel takes every message (the shipped default: nothing leaves the machine). A
unit's channels are the enabled ones, in ``channels.order``, for which it has a contact
(email -> ``email``, ``zalo_user_id`` -> ``zalo_oa``, ``phone`` -> ``zalo_zns``; the webhook
takes everyone). The first is used; after a permanent failure the next one takes over.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from reminder.channels.base import Channel
from reminder.channels.email import EmailChannel
from reminder.channels.file import FileChannel
from reminder.channels.webhook import WebhookChannel
from reminder.channels.zalo_oa import ZaloOAChannel, ZaloTokens, utc_now
from reminder.channels.zalo_zns import ZaloZNSChannel
from reminder.plan import Unit
from reminder.settings import Settings
from reminder.store import Store


def enabled(settings: Settings) -> list[str]:
    """Names of the enabled channels, in the configured order (``["file"]`` when none)."""
    zalo = bool(settings.zalo.access_token or settings.zalo.refresh_token)
    on = {
        "email": bool(settings.smtp.host),
        "zalo_oa": zalo,
        "zalo_zns": zalo and bool(settings.zalo.zns_template_id),
        "webhook": bool(settings.webhook.url),
    }
    names: list[str] = [name for name in settings.channels.order if on.get(name)]
    return names or ["file"]


def for_unit(unit: Unit, channels: list[str]) -> list[str]:
    """The channels that can reach ``unit``, in order."""
    reach = {
        "email": bool(unit.email),
        "zalo_oa": bool(unit.zalo_user_id),
        "zalo_zns": bool(unit.phone),
        "webhook": True,
        "file": True,
    }
    return [name for name in channels if reach.get(name)]


def build(
    settings: Settings, store: Store, data_dir: Path, clock: Callable[[], datetime] = utc_now
) -> dict[str, Channel]:
    """Channel instances for the enabled channels."""
    concurrency = settings.channels.concurrency
    tokens = ZaloTokens(settings.zalo, store, clock)
    out: dict[str, Channel] = {}
    for name in enabled(settings):
        limit = concurrency.get(name, 1)
        if name == "email":
            out[name] = EmailChannel(settings.smtp, limit)
        elif name == "zalo_oa":
            out[name] = ZaloOAChannel(settings.zalo, tokens, limit)
        elif name == "zalo_zns":
            out[name] = ZaloZNSChannel(settings.zalo, tokens, limit)
        elif name == "webhook":
            out[name] = WebhookChannel(settings.webhook, limit, clock)
        else:
            out[name] = FileChannel(data_dir / "outbox", settings.smtp, limit)
    return out
