"""The board at province size over real HTTP: 100 plans × 40 tasks × 30 units per task
(120,000 (task, unit) pairs, 300 units, 12,000 acknowledgments), served by uvicorn on 127.0.0.1.

Prints, for each page, the time of one request and its size; the baseline measured in the same
run is the state computation every page shares (``state.load``), and the size the whole board
would have on one page (the sum of the per-plan pages). Target: board and unit page < 1 s.

Run: ``.venv/bin/python -m bench.bench_web``.
"""

from __future__ import annotations

import os
import random
import re
import tempfile
import time
from datetime import datetime
from pathlib import Path

import httpx

from reminder import acks, config, state
from reminder.schedule import LOCAL_TZ
from reminder.store.tinydb import TinyDBStore
from reminder.web import create_app, hash_password
from tests.servers import WebServer, free_port

PLANS, TASKS, UNITS, GROUP_SIZE, SUPPORT = 100, 40, 300, 25, 5
NOW = datetime(2025, 5, 15, 9, 0, tzinfo=LOCAL_TZ)
PASSWORD = "mat-khau-do-hieu-nang"


def write_province(target: Path, seed: int = 7) -> Path:
    """The province's config directory: units, groups, 100 plans, the shipped calendar."""
    rng = random.Random(seed)
    target.mkdir(parents=True)
    units = [f"u{i:04d}" for i in range(UNITS)]
    lines = []
    for i, unit in enumerate(units):
        lines += ["[[units]]", f'id = "{unit}"', f'name = "Đơn vị số {i}"']
        lines += [f'email = ["{unit}@tinh.example"]', ""]
    groups = [f"g{i:02d}" for i in range(40)]
    for i, group in enumerate(groups):
        members = ", ".join(f'"{u}"' for u in rng.sample(units, GROUP_SIZE))
        lines += ["[[groups]]", f'id = "{group}"', f'name = "Nhóm số {i}"']
        lines += [f"members = [{members}]", ""]
    (target / "units.toml").write_text("\n".join(lines), encoding="utf-8")
    for p in range(PLANS):
        lines = [f'[plan]\ntitle = "Kế hoạch của sở số {p}"\nyear = 2025\n']
        for t in range(TASKS):
            support = ", ".join(f'"{u}"' for u in rng.sample(units, SUPPORT))
            lines += ["[[tasks]]", f'id = "T{t:03d}"', f"quarter = {t % 4 + 1}"]
            lines += [f'title = "Nhiệm vụ số {t} của kế hoạch {p}"']
            lines += [f'lead = ["{rng.choice(groups)}"]', f"support = [{support}]", ""]
        (target / f"plan-{p:03d}.toml").write_text("\n".join(lines), encoding="utf-8")
    root = Path(__file__).resolve().parent.parent
    for calendar in (root / "config").glob("calendar-2025.toml"):
        (target / calendar.name).write_bytes(calendar.read_bytes())
    return target


def timed(client: httpx.Client, path: str, **params: str) -> tuple[float, int, str]:
    start = time.perf_counter()
    response = client.get(path, params=params or None)
    elapsed = time.perf_counter() - start
    assert response.status_code == 200, (path, response.status_code)
    return elapsed, len(response.content), response.text


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        port = free_port()
        config_dir = write_province(root / "config")
        (config_dir / "settings.toml").write_text(
            f'[web]\nport = {port}\nbase_url = "http://127.0.0.1:{port}"\n', encoding="utf-8"
        )
        os.environ["REMINDER_WEB__ADMIN_PASSWORD_HASH"] = hash_password(PASSWORD)
        start = time.perf_counter()
        cfg = config.load(config_dir)
        load_s = time.perf_counter() - start
        store = TinyDBStore(root / "data")
        rng = random.Random(11)
        snapshot = state.load(cfg, store, NOW)
        sample = rng.sample(snapshot.pairs, len(snapshot.pairs) // 10)
        store.add_acks(
            [
                acks.ack_record(p.plan, p.task, p.unit, "received", NOW, "cli")
                for p in sample
                if p.unit
            ]
        )
        start = time.perf_counter()
        snapshot = state.load(cfg, store, NOW)
        state_s = time.perf_counter() - start
        print(
            f"config: {len(cfg.plans)} plans, {len(snapshot.pairs):,} pairs,"
            f" {len(sample):,} acks; loaded in {load_s:.2f} s"
        )
        print(f"baseline: state.load (the computation every page shares) {state_s:.2f} s")
        events, deliveries = state.read_events(store)
        start = time.process_time()
        state.compute(cfg, events, deliveries, NOW)
        compute_s = time.process_time() - start
        print(
            f"state.compute alone: {compute_s:.2f} s of CPU"
            f" (the README row before the per-task facts: 5.9 s)"
        )
        app = create_app(cfg, store, "bench-secret", clock=lambda: NOW)
        app.state.web.warm()  # as ``reminder web`` and ``run`` do at start-up
        with (
            WebServer(app, port) as server,
            httpx.Client(base_url=server.url, timeout=300) as client,
        ):
            login = client.get("/login").text
            csrf = re.search(r'name="csrf" value="([^"]+)"', login)
            assert csrf
            client.post("/login", data={"username": "admin", "password": PASSWORD, "csrf": csrf[1]})
            pages = [
                ("board, first request after start (state computed at start)", "/", {}),
                ("board: the list of plans", "/", {}),
                ("board: one plan", "/", {"plan": "plan-050"}),
                ("board: one plan, one quarter", "/", {"plan": "plan-050", "quarter": "2"}),
                ("board: one plan, one unit", "/", {"plan": "plan-050", "unit": "u0010"}),
                ("unit page", "/units/u0010", {}),
                ("task page", "/tasks/plan-050/T010", {}),
                ("metrics", "/metrics", {}),
            ]
            worst = 0.0
            for label, path, params in pages:
                elapsed, size, _ = timed(client, path, **params)
                if path in ("/", "/units/u0010") and "first request" not in label:
                    worst = max(worst, elapsed)
                print(f"{label:58s} {elapsed * 1000:8.0f} ms {size / 1024:9.0f} KB")
            total_s, total_size = 0.0, 0
            for plan in cfg.plans:
                elapsed, size, _ = timed(client, "/", plan=plan.id)
                total_s += elapsed
                total_size += size
            print(
                f"whole board as one page would be {total_size / 1e6:.1f} MB"
                f" ({len(cfg.plans)} plan pages: {total_s:.1f} s in all)"
            )
            print(
                f"worst board/unit page {worst * 1000:.0f} ms (target < 1000 ms);"
                f" ratio to state.load {worst / state_s:.2f}"
            )


if __name__ == "__main__":
    main()
