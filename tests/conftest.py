"""Shared fixtures: the reference plan documents, a copy of the shipped config, the CLI."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from reminder.cli import main

ROOT = Path(__file__).resolve().parent.parent
SHARED_PLANS = ROOT.parent / "shared" / "plans"


@pytest.fixture
def reference_txt() -> Path:
    """The reference plan as converted text."""
    path = SHARED_PLANS / "000_ae1210257a57c759.txt"
    assert path.exists(), f"reference plan missing: {path} (../shared must sit beside the repo)"
    return path


@pytest.fixture
def reference_docx() -> Path:
    """The reference plan as a Word document."""
    path = SHARED_PLANS / "nguyen-binh-2025.docx"
    assert path.exists(), f"reference plan missing: {path} (../shared must sit beside the repo)"
    return path


@pytest.fixture
def shipped_config() -> Path:
    """The shipped config directory (read only)."""
    return ROOT / "config"


@pytest.fixture
def config_copy(tmp_path: Path) -> Path:
    """A writable copy of the shipped config directory."""
    target = tmp_path / "config"
    shutil.copytree(ROOT / "config", target)
    return target


@pytest.fixture
def units_only(tmp_path: Path) -> Path:
    """A config directory holding only the shipped units.toml."""
    target = tmp_path / "units-only"
    target.mkdir()
    shutil.copy(ROOT / "config" / "units.toml", target / "units.toml")
    return target


CliResult = tuple[int, str, str]


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., CliResult]:
    """Run the CLI in-process: returns (exit code, stdout, stderr)."""

    def run(*args: str) -> CliResult:
        code = main(list(args))
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run
