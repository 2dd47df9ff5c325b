"""The installed package carries what the service reads at run time: an install from a wheel
(``pip install .``, the Docker image) has no source tree beside it."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

from tests.conftest import ROOT


def test_the_wheel_carries_the_admin_guide_templates_and_migrations(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("reminder-*.whl")
    with zipfile.ZipFile(wheel) as built:
        names = set(built.namelist())
        guide = built.read("reminder/huong-dan-quan-tri.md").decode("utf-8")
    # The guide served at /huong-dan is the one in docs/, as text (not a dangling link).
    assert guide == (ROOT / "docs" / "huong-dan-quan-tri.md").read_text(encoding="utf-8")
    assert "reminder/store/migrations/001_initial.sql" in names
    shipped = {n for n in names if n.startswith("reminder/templates/")}
    source = {
        p.relative_to(ROOT).as_posix()
        for p in (ROOT / "reminder" / "templates").rglob("*")
        if p.suffix in (".html", ".txt")
    }
    assert source
    assert source <= shipped
