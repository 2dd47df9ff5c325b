"""Several reminder processes on one PostgreSQL database, each with its own data directory:
every (unit, channel, day) message goes out once, and a worker killed mid-pass leaves the
rest to another (at most the message in flight twice)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

import httpx

from reminder.settings import Settings
from tests.conftest import units_leading_one_task, write_config
from tests.servers import SmtpServer, free_port, wait_until

UNITS = 40
EMAIL_CONNECTIONS = Settings().channels.concurrency["email"]


def _config(tmp_path: Path, smtp: SmtpServer, extra: str = "") -> Path:
    units, tasks = units_leading_one_task(UNITS)
    settings = (
        f'[smtp]\nhost = "127.0.0.1"\nport = {smtp.port}\nsecurity = "none"\n'
        "[service]\ntick_seconds = 1\n" + extra
    )
    return write_config(tmp_path / "config", units, tasks, settings)


def _env(pg_url: str, **extra: str) -> dict[str, str]:
    return {**os.environ, "REMINDER_SECRET_KEY": "k", "REMINDER_STORE_URL": pg_url, **extra}


def _received(smtp: SmtpServer) -> Counter[str]:
    return Counter(str(m["X-Reminder-Key"]) for m in smtp.sink.messages)


def test_two_run_workers_on_one_database_send_each_message_once(
    tmp_path: Path, smtp_server: SmtpServer, pg_url: str
) -> None:
    cfg = _config(tmp_path, smtp_server)
    smtp_server.sink.data_delay = 0.02  # the two start-up passes overlap
    workers = []
    logs = []
    ports = [free_port(), free_port()]
    for n, port in enumerate(ports):
        log = (tmp_path / f"worker{n}.log").open("wb")
        logs.append(log)
        command = [
            sys.executable, "-m", "reminder", "run", "--config-dir", str(cfg),
            "--data-dir", str(tmp_path / f"data{n}"), "--now", "2025-04-01T09:00",
        ]  # fmt: skip
        env = _env(pg_url, REMINDER_WEB__PORT=str(port))
        workers.append(subprocess.Popen(command, env=env, stdout=log, stderr=log))

    def text() -> str:
        return "\n".join(
            (tmp_path / f"worker{n}.log").read_text(encoding="utf-8", errors="replace")
            for n in range(2)
        )

    def healthy(port: int) -> bool:
        try:
            return httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200
        except httpx.HTTPError:
            return False

    try:
        # Both run: with PostgreSQL the second worker is not refused.
        assert wait_until(lambda: all(healthy(p) for p in ports), 30), text()
        assert wait_until(lambda: len(smtp_server.sink.messages) >= UNITS, 30), text()
        assert all(w.poll() is None for w in workers), text()  # neither was refused
    finally:
        for w in workers:
            w.send_signal(signal.SIGTERM)
        codes = [w.wait(timeout=20) for w in workers]
        for log in logs:
            log.close()
    assert codes == [0, 0], text()
    received = _received(smtp_server)
    assert set(received) == {f"u{i:04d}/email/2025-04-01" for i in range(UNITS)}
    assert set(received.values()) == {1}, received.most_common(3)


def test_a_worker_killed_mid_pass_leaves_the_rest_to_another(
    tmp_path: Path, smtp_server: SmtpServer, pg_url: str
) -> None:
    cfg = _config(tmp_path, smtp_server)
    smtp_server.sink.data_delay = 0.12  # four at a time: the pass takes over a second

    def send_due(n: int) -> list[str]:
        return [
            sys.executable, "-m", "reminder", "send-due", "--config-dir", str(cfg),
            "--data-dir", str(tmp_path / f"data{n}"), "--now", "2025-04-01T08:05",
        ]  # fmt: skip

    env = _env(pg_url)
    doomed = subprocess.Popen(
        send_due(0), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    assert wait_until(lambda: len(smtp_server.sink.messages) >= 10)
    os.kill(doomed.pid, signal.SIGKILL)
    doomed.wait()
    at_kill = len(smtp_server.sink.messages)
    assert at_kill < UNITS  # killed mid-pass

    # Another worker, on another data directory: the dead one's leases are free at once
    # (its connection is gone), without waiting for them to run out.
    smtp_server.sink.data_delay = 0
    done = subprocess.run(send_due(1), env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    received = _received(smtp_server)
    assert set(received) == {f"u{i:04d}/email/2025-04-01" for i in range(UNITS)}
    twice = [key for key, n in received.items() if n > 1]
    # Email goes over a pool of connections: at most one message per connection was in flight.
    assert len(twice) <= EMAIL_CONNECTIONS, twice
    assert max(received.values()) <= 2

    rerun = subprocess.run(send_due(1), env=env, capture_output=True, text=True, check=False)
    assert rerun.returncode == 0, rerun.stderr
    assert sum(received.values()) == len(smtp_server.sink.messages)  # nothing more sent
