"""Load: 500 acknowledgments POSTed concurrently from 500 links while a dispatch pass writes to
the same store — every one recorded, the store intact."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import time
from datetime import datetime
from pathlib import Path

import httpx
import pytest

from reminder import acks, config
from reminder.schedule import LOCAL_TZ
from reminder.web import create_app
from tests.conftest import (
    StoreFactory,
    ack_records,
    delivery_records,
    send_due_command,
    units_leading_one_task,
    write_config,
)
from tests.servers import WebServer, free_port

UNITS = 500
NOW = datetime(2025, 4, 1, 8, 5, tzinfo=LOCAL_TZ)


def test_500_concurrent_acks_during_a_dispatch_pass(
    tmp_path: Path, store_factory: StoreFactory
) -> None:
    port = free_port()
    units, tasks = units_leading_one_task(UNITS)
    settings = f'[web]\nport = {port}\nbase_url = "http://127.0.0.1:{port}"\n'
    cfg_dir = write_config(tmp_path / "config", units, tasks, settings)
    cfg = config.load(cfg_dir)
    data = tmp_path / "data"
    store = store_factory(data)
    tokens = acks.Tokens("load-secret")
    links = [f"/ack/{tokens.make('plan-2025', 'Q2-01', str(u['id']), 2025)}" for u in units]
    app = create_app(cfg, store, "load-secret", clock=lambda: NOW)

    async def acknowledge(client: httpx.AsyncClient, link: str, gate: asyncio.Semaphore) -> int:
        async with gate:
            page = await client.get(link)
            csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
            assert csrf
            response = await client.post(link, data={"csrf": csrf.group(1), "state": "done"})
            return response.status_code

    async def run_all(base: str) -> list[int]:
        gate = asyncio.Semaphore(50)
        # The client drops idle connections before the server's keep-alive (5 s) does, so a
        # reused connection is never one the server is closing at that moment.
        limits = httpx.Limits(max_connections=50, keepalive_expiry=1)
        async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60) as client:
            return await asyncio.gather(*(acknowledge(client, link, gate) for link in links))

    with WebServer(app, port) as server:
        dispatch = subprocess.Popen(
            send_due_command(cfg_dir, data, NOW.isoformat()),
            env={**os.environ, "REMINDER_SECRET_KEY": "load-secret", **store_factory.env},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        start = time.perf_counter()
        codes = asyncio.run(run_all(server.url))
        elapsed = time.perf_counter() - start
        _, err = dispatch.communicate(timeout=120)
        assert dispatch.returncode == 0, err.decode()
    assert codes == [200] * UNITS
    events = ack_records(store_factory(data))
    deliveries = list(delivery_records(store_factory(data)).values())
    assert len(events) == UNITS
    assert {e["unit"] for e in events} == {u["id"] for u in units}
    # The pass, interleaved, recorded all it did; a unit that acknowledged before the pass
    # planned its message was (rightly) not reminded.
    assert all(d["status"] == "sent" for d in deliveries)
    assert len({d["recipient"] for d in deliveries}) == len(deliveries)
    assert {d["recipient"] for d in deliveries} | {e["unit"] for e in events} == {
        u["id"] for u in units
    }
    print(
        f"\n500 acks (GET + POST each) during a dispatch pass, {type(store).__name__}:"
        f" {elapsed:.1f} s,"
        f" {2 * UNITS / elapsed:.0f} requests/s"
    )
    if elapsed > 120:
        pytest.fail(f"500 acks took {elapsed:.0f} s")
