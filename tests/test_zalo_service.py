"""``reminder run`` killed (SIGKILL) while it answers a Zalo Bot message, then started again:
the acknowledgment is recorded once, the unit's task is done, and the message is finished by
the restarted service (only the reply goes out twice), on both stores."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import httpx

from reminder import config, state
from reminder.channels.zalo import inbox, records
from reminder.schedule import LOCAL_TZ
from tests.conftest import StoreFactory, write_config
from tests.servers import ZaloServer, bot_update, free_port, wait_until

SECRET = "bot-webhook-secret-123"
UNITS: list[dict[str, object]] = [{"id": "nv", "name": "Phòng Nội vụ"}]
TASKS: list[dict[str, object]] = [
    {"id": "Q2-01", "quarter": 2, "title": "Báo cáo sơ kết", "lead": ["nv"]},
]


def _run(cfg: Path, data: Path, now: str) -> list[str]:
    command = [sys.executable, "-m", "reminder", "run", "--config-dir", str(cfg)]
    return [*command, "--data-dir", str(data), "--now", now, "--speed", "60"]


def test_a_killed_service_finishes_the_message_after_restart_and_acks_once(
    tmp_path: Path, zalo_server: ZaloServer, store_factory: StoreFactory
) -> None:
    port = free_port()
    settings = (
        f'[web]\nport = {port}\nbase_url = "http://127.0.0.1:{port}"\n'
        f'[zalo_bot]\napi_base = "{zalo_server.url}"\ntimeout = 30\n'
        '[channels]\norder = ["email"]\n[service]\ntick_seconds = 1\n'
    )
    cfg = write_config(tmp_path / "config", UNITS, TASKS, settings)
    data = tmp_path / "data"
    store = store_factory(data)
    records.add_link(store, "nv", "chat-a", "", datetime(2025, 4, 1, tzinfo=LOCAL_TZ))
    env = {
        **os.environ,
        **store_factory.env,
        "REMINDER_ZALO_BOT__TOKEN": zalo_server.fake.bot_token,
        "REMINDER_ZALO_BOT__SECRET_TOKEN": SECRET,
        "REMINDER_SECRET_KEY": "k",
    }
    fake = zalo_server.fake
    fake.bot_send_delay = 60.0  # the reply hangs: the service is killed while sending it
    first = subprocess.Popen(
        _run(cfg, data, "2025-04-02T09:00"),
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        assert wait_until(lambda: _up(url), 30), "the service did not start"
        body = {"ok": True, "result": bot_update("chat-a", "xong Q2-01", "m-7")}
        headers = {"X-Bot-Api-Secret-Token": SECRET}
        answer = httpx.post(f"{url}/zalo/bot", json=body, headers=headers, timeout=10)
        assert answer.status_code == 200
        assert wait_until(lambda: _send_calls(zalo_server) == 1, 30)  # replying now
    finally:
        os.kill(first.pid, signal.SIGKILL)
        first.wait(10)
    assert len(store.ack_events()) == 1
    assert fake.bot_sent == []  # the reply never got through
    assert list(store.records(inbox.INBOX)) == [inbox.key_of("m-7")]  # not finished

    fake.bot_send_delay = 0.0
    # Started again a day later (simulated): the start-up tick finds the entry's lease over.
    second = subprocess.Popen(
        _run(cfg, data, "2025-04-03T09:00"),
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        assert wait_until(lambda: len(fake.bot_sent) == 1, 30), "the message was not finished"
        assert wait_until(lambda: not store.records(inbox.INBOX), 10)
    finally:
        second.send_signal(signal.SIGTERM)
        _, err = second.communicate(timeout=30)
    assert second.returncode == 0, err.decode()
    assert "Q2-01 (Phòng Nội vụ): đã hoàn thành" in fake.bot_sent[0]["text"]
    events = store_factory(data).ack_events()
    assert [(e.task, e.kind, e.id) for e in events] == [
        ("Q2-01", "done", "zalo_bot/m-7/plan-2025/Q2-01/nv")
    ]
    cfg_loaded = config.load(cfg)
    pair = state.one(cfg_loaded, "plan-2025", "Q2-01", "nv", events, events[0].at)
    assert pair is not None
    assert pair.state == "done"
    assert records.seen(store, inbox.SOURCE, "m-7")  # a repeat is recognised
    assert fake.bot_sent[0]["chat_id"] == "chat-a"


def _up(url: str) -> bool:
    try:
        return httpx.get(f"{url}/healthz", timeout=2).status_code < 600
    except httpx.HTTPError:
        return False


def _send_calls(server: ZaloServer) -> int:
    return sum(r["path"].endswith("/sendMessage") for r in server.fake.requests)
