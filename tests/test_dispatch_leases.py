"""Two ``send-due`` processes on one data directory: a pass that outlives several lease periods
keeps its deliveries (it renews its leases while it sends), and the store's clock — not the
caller's ``--now`` — judges when a lease has run out, so every unit gets exactly one message."""

from __future__ import annotations

import os
import subprocess
from collections import Counter
from pathlib import Path

import pytest

from tests.conftest import StoreFactory, send_due_command, units_leading_one_task, write_config
from tests.servers import SmtpServer, wait_until

UNITS = 40
LEASE_S = 3  # the smallest `[channels] lease_s` allowed
DELAY = 0.2  # per message, one at a time: the first pass takes UNITS * DELAY = 8 s, over
# three lease periods; its leases were all taken before its first message


@pytest.mark.parametrize(
    "second_now",
    ["2025-04-01T08:05", "2025-04-01T08:20"],
    ids=["same-clock", "second-pass-15-minutes-ahead"],
)
def test_a_pass_outliving_its_lease_period_is_not_joined_by_a_concurrent_pass(
    tmp_path: Path, smtp_server: SmtpServer, store_factory: StoreFactory, second_now: str
) -> None:
    units, tasks = units_leading_one_task(UNITS)
    settings = (
        f'[smtp]\nhost = "127.0.0.1"\nport = {smtp_server.port}\nsecurity = "none"\n'
        f"[channels]\nlease_s = {LEASE_S}\nconcurrency = {{ email = 1 }}\n"
    )
    cfg = write_config(tmp_path / "config", units, tasks, settings)
    data = tmp_path / "data"
    smtp_server.sink.data_delay = DELAY
    env = {**os.environ, "REMINDER_SECRET_KEY": "k", **store_factory.env}
    first = subprocess.Popen(
        send_due_command(cfg, data, "2025-04-01T08:05"),
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    sink = smtp_server.sink
    seconds: list[subprocess.CompletedProcess[str]] = []
    # Start the second pass after one lease period of sending, then again after two: each time
    # the first pass's original lease has run out, only its renewals keep its deliveries.
    for periods in (1, 2):
        sent_by_then = periods * LEASE_S / DELAY + 2
        assert wait_until(lambda: len(sink.messages) >= sent_by_then, 60)  # noqa: B023
        assert periods > 1 or first.poll() is None  # the first pass is still sending
        second = subprocess.run(
            send_due_command(cfg, data, second_now),
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert second.returncode == 0, second.stderr
        seconds.append(second)
    _, first_err = first.communicate(timeout=60)
    assert first.returncode == 0, first_err

    received = Counter(str(m["To"]).split("<")[1].split("@")[0] for m in sink.messages)
    assert set(received) == {u["id"] for u in units}
    twice = sorted(unit for unit, n in received.items() if n > 1)
    assert twice == [], f"{len(twice)} units got two messages: {twice}"
    for second in seconds:  # it found nothing of its own to send
        assert ": 0 thư mới, 0 đã gửi," in " ".join(second.stdout.split()), second.stdout
