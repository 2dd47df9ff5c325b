"""A dispatch process killed (SIGKILL) in the middle of a pass loses nothing, and the next pass
sends again at most the messages that were in flight."""

from __future__ import annotations

import json
import os
import signal
import subprocess
from collections import Counter
from pathlib import Path

from tests.conftest import StoreFactory, send_due_command, units_leading_one_task, write_config
from tests.servers import SmtpServer, ZaloServer, wait_until

UNITS = 60


def test_kill_9_mid_pass_then_the_next_pass_delivers_the_rest(
    tmp_path: Path, smtp_server: SmtpServer, store_factory: StoreFactory
) -> None:
    units, tasks = units_leading_one_task(UNITS)
    settings = f'[smtp]\nhost = "127.0.0.1"\nport = {smtp_server.port}\nsecurity = "none"\n'
    cfg = write_config(tmp_path / "config", units, tasks, settings)
    data = tmp_path / "data"
    smtp_server.sink.data_delay = 0.12  # four at a time: a pass takes about two seconds
    command = send_due_command(cfg, data, "2025-04-01T08:05")
    env = {**os.environ, "REMINDER_SECRET_KEY": "k", **store_factory.env}
    proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    assert wait_until(lambda: len(smtp_server.sink.messages) >= 20)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    at_kill = len(smtp_server.sink.messages)
    assert at_kill < UNITS  # killed mid-pass

    smtp_server.sink.data_delay = 0
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr

    received = Counter(str(m["To"]).split("<")[1].split("@")[0] for m in smtp_server.sink.messages)
    assert set(received) == {u["id"] for u in units}  # everything due was delivered
    twice = [unit for unit, n in received.items() if n > 1]
    # The pool sends four at a time: at most those four were in flight at the kill.
    assert len(twice) <= 4, twice
    assert max(received.values()) <= 2

    rerun = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    assert rerun.returncode == 0
    assert sum(received.values()) == len(smtp_server.sink.messages)  # nothing more sent


def test_kill_9_mid_pass_on_the_webhook_resends_at_most_the_requests_in_flight(
    tmp_path: Path, zalo_server: ZaloServer
) -> None:
    # Why the webhook re-sent 5-8 messages per kill: it sends `concurrency` (8 by default)
    # requests at once, and a request the sink received but whose answer the killed pass had not
    # recorded is sent again. That is the promise for every channel: at most the messages in
    # flight, at most `channels.concurrency` of the channel; each repeat carries the same
    # Idempotency-Key, so the receiver can drop it.
    units, tasks = units_leading_one_task(UNITS)
    limit = 4
    settings = (
        f'[webhook]\nurl = "{zalo_server.url}/hook"\ntimeout = 5\n'
        f'[channels]\norder = ["webhook"]\nconcurrency = {{ webhook = {limit} }}\n'
    )
    cfg = write_config(tmp_path / "config", units, tasks, settings)
    zalo_server.fake.webhook_delay = 0.05
    command = send_due_command(cfg, tmp_path / "data", "2025-04-01T08:05")
    env = {**os.environ, "REMINDER_SECRET_KEY": "k"}
    proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    assert wait_until(lambda: len(zalo_server.messages("/hook")) >= 20)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert len(zalo_server.messages("/hook")) < UNITS  # killed mid-pass

    zalo_server.fake.webhook_delay = 0
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr

    hooks = zalo_server.messages("/hook")
    received = Counter(json.loads(h["raw"])["unit"] for h in hooks)
    assert set(received) == {u["id"] for u in units}  # everything due was delivered
    twice = [unit for unit, n in received.items() if n > 1]
    assert len(twice) <= limit, twice  # at most the requests in flight at the kill
    assert max(received.values()) <= 2
    for unit in twice:
        keys = {
            h["headers"]["Idempotency-Key"] for h in hooks if json.loads(h["raw"])["unit"] == unit
        }
        assert keys == {f"{unit}/webhook/2025-04-01"}  # the receiver can drop the repeat
