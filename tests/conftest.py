"""Shared fixtures: the reference plan documents, a copy of the shipped config, the CLI."""

from __future__ import annotations

import json
import logging
import os
import shutil
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import psycopg
import pytest

from reminder.cli import main
from reminder.pgtmp import migrations as pg_migrations
from reminder.store import Store
from tests import pgserver
from tests.pgserver import PgServer
from tests.servers import SmtpServer, ZaloServer

ROOT = Path(__file__).resolve().parent.parent

# aiosmtpd logs client disconnects from its own thread, sometimes after pytest has closed the
# captured stream of the test that started it; those lines carry nothing the tests check.
logging.getLogger("mail.log").setLevel(logging.CRITICAL)
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

# The 2025 days off the plan year must never see a reminder (Tết, 30/4–2/5 swap, 2/9 ...).
DAYS_OFF_2025 = [
    date(2025, 1, 1),
    *[date(2025, 1, d) for d in range(27, 32)],
    date(2025, 4, 7),
    date(2025, 4, 30),
    date(2025, 5, 1),
    date(2025, 5, 2),
    date(2025, 9, 1),
    date(2025, 9, 2),
]


def delivery_records(store: Store) -> dict[str, dict[str, Any]]:
    """Every delivery record in ``store``, by key (read only)."""
    with store.transaction(readonly=True) as tx:
        return {r["key"]: dict(r) for m in tx.delivery_months() for r in tx.deliveries(m)}


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., CliResult]:
    """Run the CLI in-process: returns (exit code, stdout, stderr)."""

    def run(*args: str) -> CliResult:
        code = main(list(args))
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run


# -- delivery fixtures ---------------------------------------------------------------------------


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """A real SMTP server (aiosmtpd) on 127.0.0.1 that keeps what it accepts."""
    with SmtpServer() as server:
        yield server


@pytest.fixture
def zalo_server() -> Iterator[ZaloServer]:
    """A local HTTP server speaking the Zalo OA / ZNS / OAuth shapes, and a webhook sink."""
    with ZaloServer() as server:
        yield server


def _toml_value(value: object) -> str:
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return str(value)


def units_leading_one_task(count: int) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    """``count`` units (``u0000``… with ``<id>@huyen.example``) all leading task Q2-01."""
    units: list[dict[str, object]] = [
        {"id": f"u{i:04d}", "name": f"Đơn vị {i}", "email": [f"u{i:04d}@huyen.example"]}
        for i in range(count)
    ]
    tasks: list[dict[str, object]] = [
        {"id": "Q2-01", "quarter": 2, "title": "Báo cáo", "lead": [u["id"] for u in units]}
    ]
    return units, tasks


def write_config(
    target: Path,
    units: list[dict[str, object]],
    tasks: list[dict[str, object]],
    settings: str = "",
) -> Path:
    """A config directory with these units and tasks (plan year 2025) and the shipped calendar."""
    target.mkdir(parents=True, exist_ok=True)
    lines: list[str] = []
    for unit in units:
        lines.append("[[units]]")
        lines += [f"{k} = {_toml_value(v)}" for k, v in unit.items()]
        lines.append("")
    (target / "units.toml").write_text("\n".join(lines), encoding="utf-8")
    lines = ['[plan]\ntitle = "Kế hoạch thử"\nyear = 2025\n']
    for task in tasks:
        lines.append("[[tasks]]")
        lines += [f"{k} = {_toml_value(v)}" for k, v in task.items()]
        lines.append("")
    (target / "plan-2025.toml").write_text("\n".join(lines), encoding="utf-8")
    (target / "settings.toml").write_text(settings, encoding="utf-8")
    shutil.copy(ROOT / "config" / "calendar-2025.toml", target / "calendar-2025.toml")
    return target


# -- PostgreSQL ----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """One real PostgreSQL server for the session (Debian's binaries, a temporary cluster);
    skipped, saying why, where PostgreSQL is not installed — except in CI, where it fails."""
    reason = pgserver.missing_reason()
    if reason is not None:
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    with PgServer() as server:
        template = server.create_database()
        with psycopg.connect(server.url(template), autocommit=True) as conn:
            pg_migrations.apply(conn)
        server.template = template
        yield server


@pytest.fixture
def pg_url(pg_server: PgServer) -> Iterator[str]:
    """A fresh database with the current schema, for this test alone."""
    name = pg_server.create_database(template=pg_server.template)
    yield pg_server.url(name)
    pg_server.drop_database(name)
