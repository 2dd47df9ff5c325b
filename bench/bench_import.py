"""Benchmark: import + check of a generated 2,000-task plan, and ``reminder --help`` start-up.

Prints the figures and, for start-up, the ratio to a bare ``python -c pass`` measured in the
same run. Targets (issue 2): import + check under 2 s; --help under 0.3 s.
Run: .venv/bin/python -m bench.bench_import
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.generate import UNIT_NAMES, word_plan
from reminder.cli import main


def _units_toml(path: Path) -> None:
    lines = []
    for i, name in enumerate(UNIT_NAMES):
        lines += [
            "[[units]]",
            f'id = "d{i}"',
            f'name = "{name}"',
            f'email = ["d{i}@x.example"]',
            "",
        ]
    path.write_text("\n".join(lines), encoding="utf-8")


def _time(command: list[str], runs: int) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main_bench() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        source = word_plan(root / "plan.docx", 2000)
        config = root / "config"
        config.mkdir()
        _units_toml(config / "units.toml")
        start = time.perf_counter()
        code = main(["import-plan", str(source), "--config-dir", str(config)])
        imported = time.perf_counter() - start
        assert code == 0
        start = time.perf_counter()
        code = main(["check", "--config-dir", str(config)])
        checked = time.perf_counter() - start
        assert code == 0
    bare = _time([sys.executable, "-c", "pass"], 10)
    helped = _time([sys.executable, "-m", "reminder", "--help"], 10)
    print("\n--- bench_import ---", file=sys.stderr)
    print(f"import-plan, 2,000-task .docx: {imported:.2f} s", file=sys.stderr)
    print(f"check, 2,000 tasks:            {checked:.2f} s", file=sys.stderr)
    print(
        f"import + check:                {imported + checked:.2f} s (target < 2 s)", file=sys.stderr
    )
    print(
        f"reminder --help: {helped * 1000:.0f} ms median of 10 "
        f"(bare python -c pass: {bare * 1000:.0f} ms; ratio {helped / bare:.1f}x; target < 300 ms)",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main_bench()
