"""What the reading commands load: ``status``, ``digest``, ``deliveries`` and ``check`` start
without the sending machinery (an HTTP client, the channels, Zalo), whose imports alone cost a
province's every ``status`` about a tenth of a second. Each command runs in a fresh interpreter,
which reports the modules it ended with."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

# Loaded only to send or to call a provider (httpx brings click, rich and pygments with it).
SENDING = ("httpx", "click", "pygments", "aiosmtplib", "reminder.dispatch")

_RUN = """
import json, sys
from reminder.cli import main
code = main(sys.argv[2:])
with open(sys.argv[1], "w") as out:
    json.dump({"code": code, "modules": sorted(sys.modules)}, out)
"""


def _modules_after(tmp_path: Path, *argv: str) -> set[str]:
    report = tmp_path / "modules.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith("REMINDER_")}
    done = subprocess.run(
        [sys.executable, "-c", _RUN, str(report), *argv],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        check=False,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(report.read_text())
    assert result["code"] == 0, done.stdout + done.stderr
    return set(result["modules"])


@pytest.mark.parametrize(
    ("command", "also_not"),
    [
        pytest.param(
            ["status", "--now", "2025-06-02T09:00", "--format", "json", "--data-dir", "."],
            ["rich", "jinja2"],  # rich draws tables for people; nothing is rendered
            id="status",
        ),
        pytest.param(
            ["digest", "--now", "2025-06-02T09:00", "--format", "html", "--data-dir", "."],
            [],
            id="digest",
        ),
        pytest.param(
            ["deliveries", "--format", "json", "--data-dir", "."],
            ["holidays", "jinja2", "rich"],  # it reads settings.toml alone
            id="deliveries",
        ),
        pytest.param(["check", "--now", "2025-06-02T09:00"], ["jinja2"], id="check"),
    ],
)
def test_reading_commands_do_not_load_sending_machinery(
    command: list[str], also_not: list[str], shipped_config: Path, tmp_path: Path
) -> None:
    modules = _modules_after(tmp_path, *command, "--config-dir", str(shipped_config))
    assert "reminder.settings" in modules  # it did run
    assert sorted(m for m in (*SENDING, *also_not) if m in modules) == []
