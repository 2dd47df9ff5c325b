"""The OA token refresh is claimed through the store: two workers that find the token refused
at once refresh it once, even on two hosts (two data directories) sharing one PostgreSQL
database, where no lock file is shared; a claim left by a dead worker is taken over."""

from __future__ import annotations

import asyncio
import multiprocessing
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from reminder.channels.zalo import tokens
from reminder.channels.zalo.tokens import ZaloTokens
from reminder.settings import Settings, ZaloSettings
from reminder.store import open_store
from tests.conftest import StoreFactory
from tests.servers import ZaloServer


def _settings(url: str) -> ZaloSettings:
    return ZaloSettings(
        oauth_base=url,
        access_token="access-1",
        refresh_token="refresh-1",
        app_id="app-1",
        secret_key="app-secret",
        timeout=10,
    )


def _refresh_in_process(data_dir: str, store_url: str, url: str, out: Any, start: Any) -> None:
    store = open_store(Settings(store_url=store_url), Path(data_dir))
    try:
        start.wait(30)  # both workers ready: they ask at the same moment
        found = asyncio.run(ZaloTokens(_settings(url), store).access_token(rejected="access-1"))
        out.put(found)
    finally:
        store.close()


def test_two_workers_on_two_hosts_refresh_once(
    tmp_path: Path, zalo_server: ZaloServer, store_factory: StoreFactory
) -> None:
    zalo_server.fake.refresh_delay = 1.0  # the second asks while the first refresh runs
    url = store_factory.env.get("REMINDER_STORE_URL", "")
    # TinyDB: one data directory is the store; PostgreSQL: each "host" has its own.
    dirs = [tmp_path / "data"] * 2 if not url else [tmp_path / "host-a", tmp_path / "host-b"]
    store_factory(dirs[0]).close()  # the store exists before they start
    context = multiprocessing.get_context("spawn")
    out, start = context.Queue(), context.Barrier(2)
    procs = [
        context.Process(target=_refresh_in_process, args=(str(d), url, zalo_server.url, out, start))
        for d in dirs
    ]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    found = {out.get(timeout=5), out.get(timeout=5)}
    assert zalo_server.fake.refreshes == 1
    assert len(found) == 1
    assert found <= zalo_server.fake.access_tokens
    state = store_factory(dirs[1]).channel_state(tokens.STATE).values
    assert state["access_token"] in found
    assert state[tokens.CLAIM] is None  # the claim is cleared with the new pair


def test_a_dead_workers_claim_is_taken_over_once_it_has_run_out(
    tmp_path: Path, zalo_server: ZaloServer, store_factory: StoreFactory
) -> None:
    now = datetime(2025, 4, 1, 1, 0, tzinfo=UTC)
    store = store_factory(tmp_path / "data")
    worker = ZaloTokens(_settings(zalo_server.url), store, clock=lambda: now)
    assert asyncio.run(worker.access_token()) == "access-1"  # seeds the store
    state = store.channel_state(tokens.STATE)
    until = (now - timedelta(seconds=1)).isoformat()  # the dead worker's claim ran out
    dead = {**state.values, tokens.CLAIM: "other-host:1234:dead", tokens.CLAIM_UNTIL: until}
    assert store.swap_channel_state(state, dead) is not None
    fresh = asyncio.run(worker.access_token(rejected="access-1"))
    assert fresh in zalo_server.fake.access_tokens
    assert zalo_server.fake.refreshes == 1
    assert store.channel_state(tokens.STATE).values[tokens.CLAIM] is None
