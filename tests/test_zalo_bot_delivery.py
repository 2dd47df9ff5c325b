"""Zalo Bot reminders that fail half-way: a retried multi-part reminder sends only the parts
not yet sent, and of a unit's several chats only those still owed it; a chat that blocked the
bot is reported and does not hold back the others (both stores)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest

from reminder import config
from reminder.channels.zalo import records
from reminder.dispatch import Dispatcher
from reminder.schedule import LOCAL_TZ
from reminder.store import Store
from tests.conftest import CliResult, StoreFactory, write_config
from tests.servers import ZaloServer

OPEN_DAY = datetime(2025, 4, 1, 8, 5, tzinfo=LOCAL_TZ)
KEY = "nv/zalo_bot/2025-04-01"
UNITS: list[dict[str, object]] = [{"id": "nv", "name": "Phòng Nội vụ"}]
QUOTA = (429, {"ok": False, "error_code": 429, "description": "Quota exceeded"})
BLOCKED = (403, {"ok": False, "error_code": 403, "description": "User blocked the bot"})


def _tasks(count: int) -> list[dict[str, object]]:
    return [
        {
            "id": f"Q2-{i:02d}",
            "quarter": 2,
            "title": f"Việc số {i}: " + "báo cáo tổng hợp kết quả thực hiện " * 3,
            "lead": ["nv"],
        }
        for i in range(1, count + 1)
    ]


def _setup(
    tmp_path: Path, server: ZaloServer, factory: StoreFactory, tasks: int, *chats: str
) -> tuple[Path, Dispatcher, Store]:
    settings = (
        f'[zalo_bot]\napi_base = "{server.url}"\ntimeout = 2\n[channels]\norder = ["zalo_bot"]\n'
    )
    config_dir = write_config(tmp_path / "config", UNITS, _tasks(tasks), settings)
    store = factory(tmp_path / "data")
    for chat in chats:
        records.add_link(store, "nv", chat, "", OPEN_DAY)
    return config_dir, Dispatcher(config.load(config_dir), store, secret="s"), store


@pytest.fixture(autouse=True)
def _bot(monkeypatch: pytest.MonkeyPatch, zalo_server: ZaloServer) -> None:
    monkeypatch.setenv("REMINDER_ZALO_BOT__TOKEN", zalo_server.fake.bot_token)


def test_a_retry_sends_only_the_parts_not_yet_sent(
    tmp_path: Path, zalo_server: ZaloServer, store_factory: StoreFactory
) -> None:
    _, dispatcher, store = _setup(tmp_path, zalo_server, store_factory, 22, "chat-a")
    zalo_server.fake.bot_replies = [None, None, QUOTA]  # part 3 fails once
    dispatcher.run(OPEN_DAY)
    delivery = store.delivery(KEY, OPEN_DAY.date())
    assert delivery is not None
    parts = delivery.message.parts
    assert len(parts) == 4
    assert delivery.status == "retry"
    assert delivery.last_error is not None
    assert "chờ gửi lại: chat-a (429)" in (delivery.last_error.detail or "")
    assert [m["text"] for m in zalo_server.fake.bot_sent] == list(parts[:2])

    assert delivery.next_attempt_at is not None
    dispatcher.run(delivery.next_attempt_at)
    again = store.delivery(KEY, OPEN_DAY.date())
    assert again is not None
    assert again.status == "sent"
    assert [m["text"] for m in zalo_server.fake.bot_sent] == list(parts)  # each part once
    assert again.receipt is not None
    assert again.receipt.detail.startswith("zalo_bot: 1 cuộc trò chuyện đã nhận đủ 4 phần")


def test_a_failing_chat_is_retried_alone_and_a_blocked_one_does_not_hold_back_the_others(
    tmp_path: Path,
    zalo_server: ZaloServer,
    store_factory: StoreFactory,
    cli: Callable[..., CliResult],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name, value in store_factory.env.items():  # the CLI opens the same store
        monkeypatch.setenv(name, value)
    config_dir, dispatcher, store = _setup(
        tmp_path, zalo_server, store_factory, 2, "chat-a", "chat-b", "chat-c"
    )
    zalo_server.fake.bot_replies = [None, QUOTA, BLOCKED]  # a gets it, b waits, c blocked us
    dispatcher.run(OPEN_DAY)
    first = store.delivery(KEY, OPEN_DAY.date())
    assert first is not None
    assert first.status == "retry"
    assert first.last_error is not None
    assert first.last_error.detail == (
        "zalo_bot: 1 cuộc trò chuyện đã nhận đủ 1 phần; đã nhận: chat-a;"
        " chờ gửi lại: chat-b (429); lỗi hẳn: chat-c (403) — Quota exceeded"
    )
    assert first.next_attempt_at is not None
    dispatcher.run(first.next_attempt_at)
    done = store.delivery(KEY, OPEN_DAY.date())
    assert done is not None
    assert done.status == "sent"
    got = Counter(m["chat_id"] for m in zalo_server.fake.bot_sent)
    assert got == {"chat-a": 1, "chat-b": 1}  # a not twice, c never retried
    sends_to_c = [
        r
        for r in zalo_server.fake.requests
        if r["path"].endswith("/sendMessage") and json.loads(r["raw"])["chat_id"] == "chat-c"
    ]
    assert len(sends_to_c) == 1  # asked once, answered "blocked", never again
    code, out, _ = cli(
        "deliveries", "--format", "json", "--config-dir", str(config_dir),
        "--data-dir", str(tmp_path / "data"),
    )  # fmt: skip
    assert code == 0
    (row,) = [r for r in json.loads(out) if r["key"] == KEY]
    assert row["receipt"]["detail"] == (
        "zalo_bot: 2 cuộc trò chuyện đã nhận đủ 1 phần; đã nhận: chat-a, chat-b;"
        " lỗi hẳn: chat-c (403)"
    )


def test_every_chat_gone_for_good_fails_the_message(
    tmp_path: Path, zalo_server: ZaloServer, store_factory: StoreFactory
) -> None:
    _, dispatcher, store = _setup(tmp_path, zalo_server, store_factory, 2, "chat-a", "chat-b")
    zalo_server.fake.bot_replies = [BLOCKED, BLOCKED]
    dispatcher.run(OPEN_DAY)
    delivery = store.delivery(KEY, OPEN_DAY.date())
    assert delivery is not None
    assert delivery.status == "failed"
    assert delivery.last_error is not None
    assert delivery.last_error.code == "403"
    assert "lỗi hẳn: chat-a (403), chat-b (403)" in (delivery.last_error.detail or "")
