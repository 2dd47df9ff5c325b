"""Benchmark: what every reading command pays before it reads the store — starting up and
loading a province's configuration (100 plans x 40 tasks x 30 units: 104 files, 2.3 MB).

Printed, each the median of ``--runs`` runs, with user CPU (robust to other work on the
machine) beside wall time:

- ``import reminder.cli_state`` in a fresh interpreter (what ``status``/``digest`` import),
  beside the baseline of the same run: a bare ``python -c pass``;
- ``config.load`` of the province in a fresh interpreter (its first load, as a command's:
  imports done, caches cold), beside the baseline of parsing the same files with tomli alone
  there;
- ``reminder check`` of the province as a process (start-up + load + checks), beside the same
  bare interpreter.

Run: .venv/bin/python -m bench.bench_startup [--runs N]   (default 7; under a minute)
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.bench_province import write_province


def _child_cpu(argv: list[str]) -> tuple[float, float]:
    """(wall, user CPU) seconds of running ``argv`` to completion."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_utime
    start = time.perf_counter()
    env = {k: v for k, v in os.environ.items() if not k.startswith("REMINDER_")}
    done = subprocess.run(argv, env=env, capture_output=True, check=False)
    wall = time.perf_counter() - start
    assert done.returncode == 0, done.stderr.decode()
    return wall, resource.getrusage(resource.RUSAGE_CHILDREN).ru_utime - before


_LOAD = """
import sys, time
from pathlib import Path
import tomli
from reminder import config
files = sorted(Path(sys.argv[1]).glob("*.toml"))
start, cpu = time.perf_counter(), time.process_time()
if sys.argv[2] == "tomli":
    [tomli.loads(p.read_text(encoding="utf-8")) for p in files]
else:
    config.load(Path(sys.argv[1]))
print(time.perf_counter() - start, time.process_time() - cpu)
"""


def _load(cfg_dir: Path, what: str, runs: int) -> tuple[float, float]:
    """Median (wall, CPU) of one ``config.load`` (or tomli parse) in a fresh interpreter."""
    figures = []
    for _ in range(runs):
        done = subprocess.run(
            [sys.executable, "-c", _LOAD, str(cfg_dir), what],
            capture_output=True,
            text=True,
            check=True,
        )
        wall, cpu = done.stdout.split()
        figures.append((float(wall), float(cpu)))
    return statistics.median(f[0] for f in figures), statistics.median(f[1] for f in figures)


def _median_child(argv: list[str], runs: int) -> tuple[float, float]:
    results = [_child_cpu(argv) for _ in range(runs)]
    return statistics.median(r[0] for r in results), statistics.median(r[1] for r in results)


def _line(label: str, figure: tuple[float, float], baseline: tuple[float, float]) -> None:
    wall, cpu = figure
    print(
        f"{label:<34} wall {wall:6.3f} s  user {cpu:6.3f} s"
        f"   ({cpu / baseline[1]:.1f}x the baseline's CPU)"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory() as tmp:
        cfg_dir = write_province(Path(tmp) / "config")
        python = [sys.executable, "-c"]
        bare = _median_child([*python, "pass"], runs)
        _line("baseline: python -c pass", bare, bare)
        imports = _median_child([*python, "import reminder.cli_state"], runs)
        _line("import reminder.cli_state", imports, bare)
        check = [sys.executable, "-m", "reminder", "check", "--config-dir", str(cfg_dir)]
        check += ["--now", "2025-06-02T09:00"]
        _line("reminder check (province)", _median_child(check, runs), bare)

        parse = _load(cfg_dir, "tomli", runs)
        _line("baseline: tomli parse of its files", parse, parse)
        _line("config.load (province, cold)", _load(cfg_dir, "config", runs), parse)


if __name__ == "__main__":
    main()
