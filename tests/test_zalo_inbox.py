"""The Zalo Bot inbox on both stores: a process killed at any step loses no acknowledgment
and records none twice; two workers never act on one update at once; old updates are pruned;
wrong invite codes are throttled per chat."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from reminder import config, state
from reminder.channels.zalo import inbound, inbox, records, throttle
from reminder.channels.zalo.bot import BotUpdate, parse_update
from reminder.config import Config
from reminder.schedule import LOCAL_TZ
from reminder.store import AckEvent, Store
from tests.conftest import ROOT, StoreFactory, write_config
from tests.servers import ZaloServer, bot_update

AT = datetime(2025, 4, 2, 9, 0, tzinfo=LOCAL_TZ)
UNITS: list[dict[str, object]] = [{"id": "nv", "name": "Phòng Nội vụ"}]
TASKS: list[dict[str, object]] = [
    {"id": "Q2-01", "quarter": 2, "title": "Báo cáo sơ kết", "lead": ["nv"]},
]


def _config(tmp_path: Path, server: ZaloServer) -> Path:
    settings = f'[zalo_bot]\napi_base = "{server.url}"\nname = "Bot"\ntimeout = 2\n'
    return write_config(tmp_path / "config", UNITS, TASKS, settings)


@pytest.fixture
def bot_token(monkeypatch: pytest.MonkeyPatch, zalo_server: ZaloServer) -> str:
    monkeypatch.setenv("REMINDER_ZALO_BOT__TOKEN", zalo_server.fake.bot_token)
    return zalo_server.fake.bot_token


def _child(
    config_dir: Path, data_dir: Path, factory: StoreFactory, update: dict[str, object], point: str
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **factory.env}
    command = [sys.executable, "-m", "tests.zalo_child", str(config_dir), str(data_dir)]
    command += [json.dumps(update), AT.isoformat(), point]
    return subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)


def _state(cfg: Config, store: Store) -> str:
    pair = state.one(cfg, "plan-2025", "Q2-01", "nv", store.ack_events(), AT)
    assert pair is not None
    return pair.state


@pytest.mark.parametrize("point", ["before-ack", "before-done"])
def test_a_kill_at_any_step_loses_no_ack_and_records_none_twice(
    point: str,
    tmp_path: Path,
    zalo_server: ZaloServer,
    bot_token: str,
    store_factory: StoreFactory,
) -> None:
    config_dir = _config(tmp_path, zalo_server)
    cfg = config.load(config_dir)
    data = tmp_path / "data"
    store = store_factory(data)
    records.add_link(store, "nv", "chat-a", "Chị Lan", AT)
    update = bot_update("chat-a", "xong Q2-01", "m-42")

    killed = _child(config_dir, data, store_factory, update, point)
    assert killed.returncode == -9, killed.stderr  # SIGKILL at the fault-injection point
    acked = len(store.ack_events())
    assert acked == (0 if point == "before-ack" else 1)
    replies = len(zalo_server.fake.bot_sent)
    assert replies == (0 if point == "before-ack" else 1)

    # Zalo repeats the update (no 200 seen, or a retry): still one entry, nothing done.
    again = _child(config_dir, data, store_factory, update, "none")
    assert again.stdout.strip() == "repeat", again.stderr
    # Within the lease nobody takes the dead process's entry...
    assert asyncio.run(inbox.drain(cfg, store, lambda: AT + timedelta(seconds=30))) == 0
    # ...after it, the next tick (or start-up) of any worker finishes it.
    later = AT + timedelta(seconds=inbox.LEASE_S + 1)
    assert asyncio.run(inbox.drain(cfg, store_factory(data), lambda: later)) == 1
    events = store.ack_events()
    assert [(e.task, e.unit, e.kind, e.at) for e in events] == [("Q2-01", "nv", "done", AT)]
    assert _state(cfg, store) == "done"
    # The reply went out again at most once (the one in flight at the kill).
    sent = [m["text"] for m in zalo_server.fake.bot_sent]
    assert len(sent) == replies + 1
    assert "Q2-01 (Phòng Nội vụ): đã hoàn thành" in sent[-1]
    assert asyncio.run(inbox.drain(cfg, store, lambda: later + timedelta(hours=1))) == 0
    assert len(store.ack_events()) == 1


def test_an_ack_id_is_recorded_once_on_every_store(store: Store) -> None:
    event = AckEvent("p", "T-1", "nv", "done", AT, "zalo_bot", id="zalo_bot/m1/p/T-1/nv")
    other = AckEvent("p", "T-1", "nv", "received", AT, "web")
    store.add_acks([event, other])
    store.add_acks([event, event, other])  # the id again (twice): skipped; no id: appended
    assert [(e.kind, e.id) for e in store.ack_events()] == [
        ("done", "zalo_bot/m1/p/T-1/nv"),
        ("received", ""),
        ("received", ""),
    ]


def _update(update_id: str, text: str = "xong Q2-01", chat: str = "chat-a") -> BotUpdate:
    parsed = parse_update(bot_update(chat, text, update_id))
    assert parsed is not None
    return parsed


def test_two_workers_never_hold_one_entry_and_a_lost_lease_cannot_finish(store: Store) -> None:
    assert inbox.receive(store, _update("m1"), AT)
    assert not inbox.receive(store, _update("m1"), AT)  # the same id: a repeat
    key = inbox.key_of("m1")
    first = inbox.take(store, key, "worker-a", AT)
    assert first is not None
    assert inbox.take(store, key, "worker-b", AT + timedelta(seconds=5)) is None
    assert inbox.waiting(store, AT + timedelta(seconds=5)) == []
    after = AT + timedelta(seconds=inbox.LEASE_S + 1)
    assert inbox.waiting(store, after) == [key]
    second = inbox.take(store, key, "worker-b", after)
    assert second is not None
    assert not inbox.finish(store, key, first, after)  # worker-a lost its lease
    assert inbox.finish(store, key, second, after)
    assert inbox.take(store, key, "worker-c", after + timedelta(hours=1)) is None  # done


def test_handled_updates_are_pruned_and_a_late_replay_acks_nothing_twice(
    tmp_path: Path, zalo_server: ZaloServer, bot_token: str, store: Store
) -> None:
    cfg = config.load(_config(tmp_path, zalo_server))
    records.add_link(store, "nv", "chat-a", "", AT)
    assert inbox.receive(store, _update("old"), AT)
    assert asyncio.run(inbox.drain(cfg, store, lambda: AT)) == 1
    assert inbox.receive(store, _update("new"), AT + timedelta(days=20))
    keep = cfg.settings.zalo_bot.keep_updates_days
    assert keep == 30
    moment = AT + timedelta(days=keep, hours=1)
    inbox.prune(store, moment, keep)
    assert set(store.records(inbox.INBOX)) == {inbox.key_of("new")}
    # The pruned update is replayed: it is new to the inbox, but its ack id is known.
    assert inbox.receive(store, _update("old"), moment)
    taken = inbox.process(cfg, store, inbox.key_of("old"), "w", moment)
    assert taken is not None
    assert len([e for e in store.ack_events() if e.kind == "done"]) == 1


def test_wrong_codes_are_throttled_per_chat_then_allowed_after_the_hour(
    tmp_path: Path, zalo_server: ZaloServer, bot_token: str, store: Store
) -> None:
    cfg = config.load(_config(tmp_path, zalo_server))
    good = inbound.create_invite(cfg, store, "nv", AT).code
    wrong = "ABCD-EFGH"
    for i in range(5):
        reply = inbound.handle_bot_message(
            cfg, store, _update(f"w{i}", wrong), AT + timedelta(minutes=i)
        )
        assert "không đúng" in reply
    # The same update handled again counts once.
    inbound.handle_bot_message(cfg, store, _update("w4", wrong), AT + timedelta(minutes=4))
    blocked = inbound.handle_bot_message(
        cfg, store, _update("g1", good), AT + timedelta(minutes=10)
    )
    assert "sai mã mời 5 lần" in blocked
    assert "10:00 ngày 02/04/2025" in blocked  # an hour after the first wrong code
    assert records.links(store) == []  # the good code was not even checked
    # Another chat is not held back by this one.
    other = inbound.handle_bot_message(
        cfg, store, _update("x1", wrong, chat="chat-b"), AT + timedelta(minutes=10)
    )
    assert "không đúng" in other
    reply = inbound.handle_bot_message(
        cfg, store, _update("g2", good), AT + timedelta(hours=1, minutes=1)
    )
    assert "Đã liên kết" in reply
    assert [x.chat_id for x in records.links(store)] == ["chat-a"]
    assert throttle.prune(store, AT + timedelta(days=2)) == 2


def test_invite_codes_have_enough_entropy() -> None:
    assert len(records.ALPHABET) ** records.CODE_LENGTH >= 2**39
    codes = {records.new_code() for _ in range(2000)}
    assert len(codes) == 2000
    symbols = {c for code in codes for c in code.replace("-", "")}
    assert symbols == set(records.ALPHABET)  # every symbol is drawn
