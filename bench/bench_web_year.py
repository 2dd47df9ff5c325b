"""The web process on an existing store (a province year on PostgreSQL): ``reminder web`` as
its own process, asked over real HTTP for the board, one plan, a unit page, a task page,
``/metrics`` and the CSV export; each response's time and size, and the server's peak RSS.

Baseline, measured in the same run, each in a process of its own with its time and peak RSS:
the state as the web process read it before issue 11 (``state.compute`` over every ack event
and every delivery with its message: ``Store.ack_events`` + ``Store.deliveries``), and the
state as it reads it now (``state.load`` + ``Store.message_counts``). Targets: every page
< 3 s once the state of the tick is computed, the first board < 3 s after start-up, and the
server < 500 MB.

Run (the province year: ``/work/scratch/province-db.sh copy NAME`` prints a URL):
    .venv/bin/python -m bench.bench_web_year --store-url postgresql://… \\
        --config-dir /work/scratch/province/config --now 2025-12-31T17:00
Options: ``--data-dir D`` (a TinyDB data directory instead of ``--store-url``),
``--code DIR`` (serve the ``reminder`` package found in DIR, e.g. an older commit's
``git archive``, to measure before/after with the same client), ``--no-baseline``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import httpx

from reminder.labels import LOCAL_TZ
from reminder.web import hash_password
from tests.servers import free_port

PASSWORD = "mat-khau-do-hieu-nang-nam"
#: The server's tick: the state is computed again (in the background) once it has passed.
TICK_S = 30

#: The baselines, run as ``python -c`` in a process of their own; they print JSON.
_BASELINE = """
import json, resource, sys, time
from datetime import datetime
from reminder import adjust, config, state
from reminder.keyed import Records
from reminder.settings import Settings
from reminder.store import open_store
cfg = config.load(__import__("pathlib").Path(sys.argv[1]))
store = open_store(cfg.settings, __import__("pathlib").Path(sys.argv[2]))
as_of = datetime.fromisoformat(sys.argv[3])
start = time.perf_counter()
if sys.argv[4] == "every-record":
    events, deliveries = store.ack_events(), store.deliveries()
    adjustments = adjust.load(Records(store), as_of)
    snapshot = state.compute(cfg, events, deliveries, as_of, adjustments)
    messages = len(deliveries)
else:
    snapshot = state.load(cfg, store, as_of)
    messages = sum(c.count for c in store.message_counts(as_of))
elapsed = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"s": elapsed, "mb": peak, "pairs": len(snapshot.pairs),
                  "counts": snapshot.counts(), "messages": messages}))
"""


def _env(args: argparse.Namespace) -> dict[str, str]:
    """The environment of the server and the baselines: this run's port and password (the
    environment wins over ``settings.toml``), the store, the code."""
    env = {**os.environ, "REMINDER_WEB__ADMIN_PASSWORD_HASH": args.password_hash}
    env["REMINDER_WEB__PORT"] = str(args.port)
    env["REMINDER_WEB__BASE_URL"] = f"http://127.0.0.1:{args.port}"
    env["REMINDER_SERVICE__TICK_SECONDS"] = str(TICK_S)
    env["REMINDER_SECRET_KEY"] = "bench-web-year"
    if args.store_url:
        env["REMINDER_STORE_URL"] = args.store_url
    if args.code:
        env["PYTHONPATH"] = str(Path(args.code).resolve())
    return env


def _peak_mb(pid: int) -> float:
    """The process's peak resident set (VmHWM), in MB."""
    status = Path(f"/proc/{pid}/status").read_text()
    found = re.search(r"^VmHWM:\s+(\d+) kB", status, re.M)
    return int(found[1]) / 1024 if found else float("nan")


def _cpu_s(pid: int) -> float:
    """The process's CPU time so far (user + system), in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _idle(pid: int) -> float:
    """Wait until the process has used no CPU for a second; the seconds waited."""
    start = time.perf_counter()
    used = _cpu_s(pid)
    while True:
        time.sleep(1)
        now = _cpu_s(pid)
        if now - used < 0.05:
            return time.perf_counter() - start - 1
        used = now


def _baseline(args: argparse.Namespace, cfg: Path, data: Path, how: str) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, "-c", _BASELINE, str(cfg), str(data), args.now, how],
        env=_env(args),
        cwd=data,
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        raise SystemExit(f"baseline {how} failed:\n{out.stderr[-3000:]}")
    result: dict[str, object] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def _first(cfg: Path) -> tuple[str, str, str]:
    """(plan id, task id, unit id) to ask for: the first of each in the config."""
    from reminder import config

    loaded = config.load(cfg)
    plan = loaded.plans[0]
    task = plan.tasks[0]
    unit = next(iter(loaded.directory.units))
    return plan.id, task.id, unit


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store-url", default="")
    parser.add_argument("--data-dir", default="")
    parser.add_argument("--config-dir", required=True)
    parser.add_argument("--now", default="2025-12-31T17:00")
    parser.add_argument("--code", default="")
    parser.add_argument("--no-baseline", action="store_true")
    args = parser.parse_args()
    now = datetime.fromisoformat(args.now)
    args.now = (now if now.tzinfo else now.replace(tzinfo=LOCAL_TZ)).isoformat()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        port = args.port = free_port()
        args.password_hash = hash_password(PASSWORD)
        cfg = Path(args.config_dir).resolve()
        data = Path(args.data_dir) if args.data_dir else root / "data"
        data.mkdir(exist_ok=True)
        plan, task, unit = _first(cfg)
        if not args.no_baseline:
            for how, label in (
                ("every-record", "baseline: state from every record (the web before)"),
                ("load", "state.load + Store.message_counts (the web now)"),
            ):
                got = _baseline(args, cfg, data, how)
                print(
                    f"{label:58s} {float(str(got['s'])):8.2f} s {float(str(got['mb'])):8.0f} MB"
                    f"  ({got['pairs']:,} pairs, {got['messages']:,} messages)",
                    flush=True,
                )
        command = [sys.executable, "-m", "reminder", "web", "--config-dir", str(cfg)]
        command += ["--data-dir", str(data), "--now", args.now]
        started = time.perf_counter()
        server = subprocess.Popen(
            command, env=_env(args), cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        try:
            _measure(server, port, started, plan, task, unit)
        finally:
            server.terminate()
            server.wait(timeout=30)


def _measure(
    server: subprocess.Popen[bytes], port: int, started: float, plan: str, task: str, unit: str
) -> None:
    url = f"http://127.0.0.1:{port}"
    with httpx.Client(base_url=url, timeout=600) as client:
        while True:
            if server.poll() is not None:
                assert server.stderr is not None
                raise SystemExit(f"reminder web stopped:\n{server.stderr.read().decode()[-3000:]}")
            try:
                login = client.get("/login")
                break
            except httpx.TransportError:
                time.sleep(0.1)
        csrf = re.search(r'name="csrf" value="([^"]+)"', login.text)
        assert csrf, login.text[:500]
        client.post("/login", data={"username": "admin", "password": PASSWORD, "csrf": csrf[1]})
        pages = [
            ("board, first request (waits for the state of start-up)", "/", {}),
            ("board: the list of plans", "/", {}),
            ("board: one plan", "/", {"plan": plan}),
            ("board: one plan, one quarter", "/", {"plan": plan, "quarter": "4"}),
            ("unit page", f"/units/{unit}", {}),
            ("task page (its pairs as of now, whole history)", f"/tasks/{plan}/{task}", {}),
            ("metrics (first scrape)", "/metrics", {}),
            ("metrics (same tick)", "/metrics", {}),
            ("CSV export", "/export.csv", {}),
        ]
        print(
            f"server up, logged in: {time.perf_counter() - started:.1f} s after start"
            f" (peak {_peak_mb(server.pid):.0f} MB)"
        )
        worst = 0.0
        first_at = time.perf_counter()
        for label, path, params in pages:
            start = time.perf_counter()
            response = client.get(path, params=params or None)
            elapsed = time.perf_counter() - start
            assert response.status_code == 200, (path, response.status_code, response.text[:500])
            if "first request" not in label:
                worst = max(worst, elapsed)
            size = len(response.content) / 1024
            peak = _peak_mb(server.pid)
            print(
                f"{label:58s} {elapsed * 1000:8.0f} ms {size:9.0f} KB  peak {peak:5.0f} MB",
                flush=True,
            )
        # The next tick: the page is served from the previous state while one background
        # thread computes the new one (both are in memory meanwhile).
        time.sleep(max(0.0, first_at + TICK_S + 1 - time.perf_counter()))
        start = time.perf_counter()
        assert client.get("/").status_code == 200
        elapsed = time.perf_counter() - start
        refresh = _idle(server.pid)
        print(
            f"{'board at the next tick (state refreshed behind it)':58s}"
            f" {elapsed * 1000:8.0f} ms  refresh {refresh:.1f} s  peak"
            f" {_peak_mb(server.pid):5.0f} MB"
        )
        print(f"worst page once the state is computed: {worst * 1000:.0f} ms (target < 3000 ms)")
        print(f"web process peak RSS: {_peak_mb(server.pid):.0f} MB (target < 500 MB)")


if __name__ == "__main__":
    main()
