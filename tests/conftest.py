"""Shared fixtures: the reference plan documents, a copy of the shipped config, the CLI."""

from __future__ import annotations

import json
import logging
import os
import shutil
import sys
from collections.abc import Callable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any, Protocol

import psycopg
import pytest

from reminder.cli import main
from reminder.store import Store
from reminder.store import schema as pg_schema
from reminder.store.postgres import PostgresStore
from reminder.store.records import ack_to_json, delivery_to_json
from reminder.store.tinydb import TinyDBStore, utc_now
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
    """Every delivery record in ``store``, by key, in its documented JSON form."""
    return {d.key: delivery_to_json(d) for d in store.deliveries()}


def ack_records(store: Store) -> list[dict[str, Any]]:
    """Every acknowledgment event in ``store``, in order, in its documented JSON form."""
    return [ack_to_json(e) for e in store.ack_events()]


# -- stores ----------------------------------------------------------------------------------------


class StoreFactory(Protocol):
    """Opens a store for ``data_dir``; ``clock`` replaces the store's own clock (leases).

    ``env`` is what a subprocess (``reminder …``) needs in its environment to open the same
    store: nothing for TinyDB (the data dir says it all), ``REMINDER_STORE_URL`` otherwise.
    """

    env: dict[str, str]

    def __call__(self, data_dir: Path, *, clock: Callable[[], datetime] | None = None) -> Store:
        """The store."""
        ...


#: The store implementations every store-touching test runs against. A new implementation adds
#: its name here and a branch in ``store_factory``.
STORES = ["tinydb", "postgresql"]


class _TinyDBFactory:
    def __init__(self) -> None:
        self.env: dict[str, str] = {}

    def __call__(self, data_dir: Path, *, clock: Callable[[], datetime] | None = None) -> Store:
        return TinyDBStore(data_dir, clock=clock or utc_now)


class _PostgresFactory:
    """Stores on one fresh database (closed at the end of the test)."""

    def __init__(self, url: str) -> None:
        self.env = {"REMINDER_STORE_URL": url}
        self.url = url
        self.opened: list[PostgresStore] = []

    def __call__(self, data_dir: Path, *, clock: Callable[[], datetime] | None = None) -> Store:
        store = PostgresStore(self.url, data_dir, clock=clock)
        self.opened.append(store)
        return store

    def close(self) -> None:
        for store in self.opened:
            store.close()


@pytest.fixture(params=STORES)
def store_factory(request: pytest.FixtureRequest) -> Iterator[StoreFactory]:
    """Opens a store of the parametrized kind for a data directory (the same kind and
    database for every call in one test, so two "processes" can share it)."""
    if request.param == "tinydb":
        yield _TinyDBFactory()
    elif request.param == "postgresql":
        factory = _PostgresFactory(request.getfixturevalue("pg_url"))
        yield factory
        factory.close()
    else:
        raise AssertionError(f"unknown store {request.param}")


@pytest.fixture
def store(store_factory: StoreFactory, tmp_path: Path) -> Store:
    """An empty store of each kind in ``STORES`` (local files in ``tmp_path / "data"``)."""
    return store_factory(tmp_path / "data")


def oa_interaction(store: Store, user_id: str, at: datetime) -> None:
    """Record that OA follower ``user_id`` last wrote to the OA at ``at``."""
    from reminder.channels.zalo import records

    records.record_interaction(store, user_id, at)


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


def send_due_command(config_dir: Path, data_dir: Path, now: str) -> list[str]:
    """The argv of one ``reminder send-due`` pass in a subprocess (crash, lease, load tests)."""
    return [
        sys.executable,
        *("-m", "reminder", "send-due"),
        *("--config-dir", str(config_dir), "--data-dir", str(data_dir), "--now", now),
    ]


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
            pg_schema.apply(conn)
        server.template = template
        yield server


@pytest.fixture
def pg_url(pg_server: PgServer) -> Iterator[str]:
    """A fresh database with the current schema, for this test alone."""
    name = pg_server.create_database(template=pg_server.template)
    yield pg_server.url(name)
    pg_server.drop_database(name)
