"""Commands for the Zalo Bot: ``reminder invite`` and ``reminder zalo-bot ...``.

- ``invite UNIT [--format json] [--now T]``: a one-time code for an officer of UNIT (JSON:
  ``{"unit", "code", "expires", "text"}``, ``text`` being the instruction to forward);
- ``zalo-bot set-webhook``: registers ``web.base_url + /zalo/bot`` with the secret token;
- ``zalo-bot links [--format json]``: which chats receive which unit's reminders;
- ``zalo-bot unlink UNIT CHAT``: stop sending UNIT's reminders to CHAT.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Callable
from datetime import datetime
from typing import Any

EXIT_OK, EXIT_FAILED, EXIT_INVALID = 0, 1, 2

Handler = Callable[[argparse.Namespace], int]


def register(
    sub: Any,
    parents: list[argparse.ArgumentParser],
    datetime_arg: Callable[[str], datetime],
) -> None:
    """Add the commands to the CLI's subparsers (``parents``: the config and data options)."""
    p = sub.add_parser("invite", parents=parents, help="tạo mã mời để cán bộ liên kết Zalo Bot")
    p.add_argument("unit", metavar="MÃ_ĐƠN_VỊ")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument("--now", type=datetime_arg, metavar="THỜI_ĐIỂM")
    p.set_defaults(handler=cmd_invite)

    bot = sub.add_parser("zalo-bot", help="quản lý Zalo Bot: set-webhook, links, unlink")
    actions = bot.add_subparsers(dest="action", metavar="VIỆC", required=True)
    a = actions.add_parser("set-webhook", parents=parents, help="đăng ký địa chỉ /zalo/bot")
    a.set_defaults(handler=cmd_set_webhook)
    a = actions.add_parser("links", parents=parents, help="các Zalo đã liên kết với đơn vị")
    a.add_argument("--format", choices=("table", "json"), default="table")
    a.set_defaults(handler=cmd_links)
    a = actions.add_parser("unlink", parents=parents, help="bỏ liên kết một Zalo với đơn vị")
    a.add_argument("unit", metavar="MÃ_ĐƠN_VỊ")
    a.add_argument("chat", metavar="MÃ_CHAT")
    a.add_argument("--now", type=datetime_arg, metavar="THỜI_ĐIỂM")
    a.set_defaults(handler=cmd_unlink)


def _loaded(args: argparse.Namespace) -> Any:
    from reminder import cli

    loaded = cli._config(args)
    store, _ = cli._store(args, loaded)
    return loaded, store


def _now(args: argparse.Namespace) -> datetime:
    from reminder.schedule import LOCAL_TZ

    now: datetime | None = getattr(args, "now", None)
    return now or datetime.now(LOCAL_TZ)


def _no_bot() -> int:
    print(
        "LỖI: chưa bật Zalo Bot — đặt REMINDER_ZALO_BOT__TOKEN (mã bot do Zalo Bot Manager cấp);"
        " xem docs/huong-dan-quan-tri.md",
        file=sys.stderr,
    )
    return EXIT_INVALID


def cmd_invite(args: argparse.Namespace) -> int:
    """Print a new invite code for a unit."""
    from reminder.channels.zalo.inbound import create_invite

    loaded, store = _loaded(args)
    if args.unit not in loaded.directory.units:
        print(f"LỖI: không có đơn vị {args.unit!r} — xem mã trong units.toml", file=sys.stderr)
        return EXIT_INVALID
    invite = create_invite(loaded, store, args.unit, _now(args))
    if args.format == "json":
        print(json.dumps(invite.to_json(), ensure_ascii=False))
    else:
        print(invite.text)
        if loaded.settings.zalo_bot.token is None:
            print(
                "Lưu ý: Zalo Bot chưa bật (REMINDER_ZALO_BOT__TOKEN); mã chỉ dùng được khi bật.",
                file=sys.stderr,
            )
    return EXIT_OK


def cmd_set_webhook(args: argparse.Namespace) -> int:
    """Register ``base_url/zalo/bot`` with Zalo, with the secret token."""
    from reminder.channels.zalo.bot import BotClient
    from reminder.errors import ChannelError

    loaded, _ = _loaded(args)
    settings = loaded.settings.zalo_bot
    if settings.token is None:
        return _no_bot()
    secret = settings.secret_token.get_secret_value() if settings.secret_token else ""
    if not 8 <= len(secret) <= 256:
        print(
            "LỖI: REMINDER_ZALO_BOT__SECRET_TOKEN phải có từ 8 đến 256 ký tự (Zalo yêu cầu) —"
            " tạo bằng: openssl rand -hex 32",
            file=sys.stderr,
        )
        return EXIT_INVALID
    base = loaded.settings.web.base_url.rstrip("/")
    if not base.startswith("https://"):
        print(
            f"LỖI: [web] base_url = {base!r}: Zalo chỉ gửi đến địa chỉ https công khai — đặt"
            ' REMINDER_WEB__BASE_URL, hoặc dùng [zalo_bot] mode = "poll"',
            file=sys.stderr,
        )
        return EXIT_INVALID
    url = base + "/zalo/bot"

    async def call() -> dict[str, Any]:
        client = BotClient(settings, 1)
        await client.open()
        try:
            me = await client.get_me()
            await client.set_webhook(url, secret)
            return me
        finally:
            await client.close()

    try:
        me = asyncio.run(call())
    except ChannelError as exc:
        print(f"LỖI: Zalo Bot từ chối: {exc}", file=sys.stderr)
        return EXIT_FAILED
    name = me.get("account_name") or me.get("display_name") or me.get("id") or "bot"
    print(f"Đã đăng ký {url} cho {name}. Tin nhắn gửi bot sẽ đến dịch vụ qua địa chỉ này.")
    return EXIT_OK


def cmd_links(args: argparse.Namespace) -> int:
    """Print the chats linked to each unit."""
    from reminder.channels.zalo.inbound import all_links

    loaded, store = _loaded(args)
    links = list(all_links(store))
    if args.format == "json":
        rows = [
            {
                "unit": link.unit,
                "unit_name": loaded.directory.name_of(link.unit),
                "chat": link.chat_id,
                "name": link.name,
                "linked_at": link.linked_at.isoformat(),
            }
            for link in links
        ]
        print(json.dumps(rows, ensure_ascii=False, indent=1))
        return EXIT_OK
    if not links:
        print("Chưa có Zalo nào liên kết. Tạo mã mời: reminder invite MÃ_ĐƠN_VỊ")
        return EXIT_OK
    for link in sorted(links, key=lambda x: (x.unit, x.linked_at)):
        print(
            f"{link.unit}\t{loaded.directory.name_of(link.unit)}\t{link.chat_id}\t"
            f"{link.name or '-'}\t{link.linked_at:%d/%m/%Y %H:%M}"
        )
    print(f"{len(links)} liên kết.")
    return EXIT_OK


def cmd_unlink(args: argparse.Namespace) -> int:
    """Remove one chat's link to a unit."""
    from reminder.channels.zalo import records

    loaded, store = _loaded(args)
    removed = records.remove_link(store, args.unit, args.chat, _now(args))
    if not removed:
        print(
            f"LỖI: Zalo {args.chat} không liên kết với đơn vị {args.unit} — xem: reminder"
            " zalo-bot links",
            file=sys.stderr,
        )
        return EXIT_INVALID
    print(f"Đã bỏ liên kết Zalo {args.chat} với {loaded.directory.name_of(args.unit)}.")
    return EXIT_OK
