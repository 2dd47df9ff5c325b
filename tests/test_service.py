"""``reminder run`` as a real process against a real SMTP server: health, catch-up at start,
sending at the tick, live reload (valid and broken), one instance per data dir, clean stop."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import datetime
from pathlib import Path

import httpx

from reminder.labels import LOCAL_TZ
from tests.conftest import write_config
from tests.servers import SmtpServer, free_port, wait_until

UNITS: list[dict[str, object]] = [
    {"id": "nv", "name": "Phòng Nội vụ", "email": ["nv@huyen.example"]},
    {"id": "tp", "name": "Phòng Tư pháp", "email": ["tp@huyen.example"]},
    {"id": "yt", "name": "Phòng Y tế", "email": ["yt@huyen.example"]},
]
TASKS: list[dict[str, object]] = [
    {"id": "Q1-01", "quarter": 1, "title": "Việc quý một", "lead": ["nv"]},
    {"id": "Q2-01", "quarter": 2, "title": "Việc quý hai", "lead": ["tp"]},
]
NEW_TASK = (
    '\n[[tasks]]\nid = "Q2-02"\nquarter = 2\ntitle = "Việc thêm"\nlead = ["yt"]\n'
    "start = 2025-04-02\ndue = 2025-04-30\n"
)


def _command(cfg: Path, data: Path) -> list[str]:
    # 4 simulated hours per real second, a tick every real second.
    return [
        sys.executable,
        "-m",
        "reminder",
        "run",
        "--config-dir",
        str(cfg),
        "--data-dir",
        str(data),
        "--now",
        "2025-04-01T09:00",
        "--speed",
        "14400",
    ]


def test_the_service_lives_a_real_life(tmp_path: Path, smtp_server: SmtpServer) -> None:
    port = free_port()
    settings = (
        f'[web]\nport = {port}\nbase_url = "http://127.0.0.1:{port}"\n'
        f'[smtp]\nhost = "127.0.0.1"\nport = {smtp_server.port}\nsecurity = "none"\n'
        "[service]\ntick_seconds = 1\n"
    )
    overrides = tmp_path / "mau"
    overrides.mkdir()
    settings = f'templates_dir = "{overrides}"\n{settings}'
    cfg = write_config(tmp_path / "config", UNITS, TASKS, settings)
    data = tmp_path / "data"
    env = {**os.environ, "REMINDER_SECRET_KEY": "service-secret"}
    log_path = tmp_path / "service.log"
    sink = smtp_server.sink
    with log_path.open("wb") as log_file:
        proc = subprocess.Popen(_command(cfg, data), env=env, stdout=log_file, stderr=log_file)
        try:

            def log() -> str:
                return log_path.read_text(encoding="utf-8", errors="replace")

            # It answers /healthz, and catches up at start: both units hear on 1/4.
            def healthy() -> bool:
                try:
                    return httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200
                except httpx.HTTPError:
                    return False

            assert wait_until(healthy, 20), log()
            assert wait_until(lambda: bool(sink.to("nv@") and sink.to("tp@")), 10), log()
            first = {str(m["X-Reminder-Key"]) for m in sink.messages}
            assert {"nv/email/2025-04-01", "tp/email/2025-04-01"} <= first

            # A second instance on the same data dir is refused, naming the running one.
            second = subprocess.run(
                _command(cfg, data),
                env=env,
                capture_output=True,
                text=True,
                timeout=30,
                check=False,
            )
            assert second.returncode != 0
            assert "đang chạy" in second.stderr
            assert f"pid {proc.pid}" in second.stderr

            # A broken config is refused; the service keeps running on the good one.
            units = cfg / "units.toml"
            good_units = units.read_text(encoding="utf-8")
            units.write_text("[[units]\nid = ", encoding="utf-8")
            assert wait_until(lambda: "cấu hình mới bị từ chối" in log(), 10), log()
            # The findings follow the refusal line; the log file may hold only its first line yet.
            assert wait_until(lambda: "units.toml:1: LỖI: sai cú pháp TOML" in log(), 10), log()
            assert healthy()
            units.write_text(good_units, encoding="utf-8")

            # A valid change takes effect at a later tick: the new task's unit hears of it.
            plan = cfg / "plan-2025.toml"
            plan.write_text(plan.read_text(encoding="utf-8") + NEW_TASK, encoding="utf-8")
            assert wait_until(lambda: bool(sink.to("yt@")), 20), log()
            assert "đã áp dụng cấu hình mới" in log()

            # Ticks keep sending (the overdue Q1 task reminds nv again on later days).
            assert wait_until(lambda: len(sink.to("nv@")) >= 2, 20), log()

            # The template override directory is watched too: a broken template is refused.
            subject = overrides / "email" / "reminder.subject.txt"
            subject.parent.mkdir()
            subject.write_text("Nhắc việc {{ unit.name }", encoding="utf-8")
            finding = f"{subject}:1: LỖI: mẫu email/reminder.subject.txt sai cú pháp Jinja"
            assert wait_until(lambda: finding in log(), 10), log()
            assert healthy()
        finally:
            start = time.monotonic()
            proc.send_signal(signal.SIGTERM)
            code = proc.wait(timeout=15)
            stopped_in = time.monotonic() - start
    assert code == 0, log_path.read_text(encoding="utf-8")
    assert stopped_in < 10
    keys = Counter(str(m["X-Reminder-Key"]) for m in sink.messages)
    assert max(keys.values()) == 1  # one message per unit per day, nothing sent twice
    assert not (data / "service.pid").exists()


def test_the_service_polls_the_zalo_bot_in_poll_mode(tmp_path: Path) -> None:
    from reminder import config
    from reminder.channels.zalo.inbound import create_invite
    from reminder.store.tinydb import TinyDBStore
    from tests.servers import ZaloServer, bot_update

    port = free_port()
    with ZaloServer() as zalo:
        settings = (
            f'[web]\nport = {port}\nbase_url = "http://127.0.0.1:{port}"\n'
            f'[zalo_bot]\napi_base = "{zalo.url}"\nmode = "poll"\n'
            "[service]\ntick_seconds = 1\n"
        )
        cfg = write_config(tmp_path / "config", UNITS, TASKS, settings)
        data = tmp_path / "data"
        os.environ["REMINDER_ZALO_BOT__TOKEN"] = zalo.fake.bot_token
        try:
            loaded = config.load(cfg)
        finally:
            del os.environ["REMINDER_ZALO_BOT__TOKEN"]
        code = create_invite(
            loaded, TinyDBStore(data), "nv", datetime(2025, 4, 1, 8, tzinfo=LOCAL_TZ)
        )
        zalo.fake.bot_updates = [bot_update("chat-poll", code.code, "poll-1")]
        env = {**os.environ, "REMINDER_ZALO_BOT__TOKEN": zalo.fake.bot_token}
        proc = subprocess.Popen(
            _command(cfg, data), env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        try:
            assert wait_until(lambda: bool(zalo.fake.bot_sent), 30), "no reply from the poller"
            assert zalo.fake.bot_sent[0]["chat_id"] == "chat-poll"
            assert "Phòng Nội vụ" in zalo.fake.bot_sent[0]["text"]
            paths = zalo.fake.requests
            assert wait_until(  # and it keeps asking
                lambda: sum(r["path"].endswith("/getUpdates") for r in paths) >= 2, 10
            )
        finally:
            proc.send_signal(signal.SIGTERM)
            _, err = proc.communicate(timeout=20)
        assert proc.returncode == 0, err.decode()
