"""``reminder migrate --to postgresql://…``: everything in the TinyDB store is copied into an
empty database, the counts are checked, and ``status`` and ``deliveries`` read the same from
both; a database that already holds data is refused."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest

from reminder.settings import Settings
from reminder.store import DigestRun, RecordKind, open_store
from tests.conftest import CliResult

NOW = datetime(2025, 4, 2, 8, 30, tzinfo=UTC)


@dataclass(frozen=True)
class Pause:
    """A record kind of the sort other features keep."""

    unit: str
    until: datetime


PAUSES = RecordKind("test_pause", Pause)


def _both(
    cli: Callable[..., CliResult],
    monkeypatch: pytest.MonkeyPatch,
    pg_url: str,
    *args: str,
) -> tuple[str, str]:
    """The output of one command on the TinyDB data dir, then on the PostgreSQL database."""
    monkeypatch.delenv("REMINDER_STORE_URL", raising=False)
    code, files, err = cli(*args)
    assert code == 0, err
    monkeypatch.setenv("REMINDER_STORE_URL", pg_url)
    code, database, err = cli(*args)
    assert code == 0, err
    monkeypatch.delenv("REMINDER_STORE_URL")
    return files, database


def test_migrate_copies_everything_and_both_stores_read_the_same(
    cli: Callable[..., CliResult],
    shipped_config: Path,
    tmp_path: Path,
    pg_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("REMINDER_SECRET_KEY", "migrate-secret")
    data = str(tmp_path / "data")
    common = ("--config-dir", str(shipped_config), "--data-dir", data)
    # A store with a history: two days of reminders, acknowledgments, state of every kind.
    for now in ("2025-01-02T08:05", "2025-03-03T08:05", "2025-03-04T08:05"):
        code, _, err = cli("send-due", *common, "--now", now)
        assert code == 0, err
    _, out, _ = cli("deliveries", *common, "--format", "json")
    sent = json.loads(out)
    assert len(sent) >= 4
    first = sent[0]["items"][0]
    assert cli("ack", first["task"], first["unit"], *common)[0] == 0
    assert cli("ack", first["task"], first["unit"], "--done", "--note", "xong", *common)[0] == 0
    files = open_store(Settings(), tmp_path / "data")
    state = files.swap_channel_state(files.channel_state("zalo"), {"access_token": "t-1"})
    assert state is not None
    assert files.add_digest_run(DigestRun("2025-W10", NOW, "email", ("ct@huyen.example",)))
    files.put_record(PAUSES, "nv", Pause("nv", NOW))
    files.close()

    code, out, err = cli("migrate", *common, "--to", pg_url)
    assert code == 0, err
    assert f"thư đã lập: {len(sent)}" in out
    assert "xác nhận: 2" in out
    assert "trạng thái kênh: 1" in out
    assert "báo cáo tuần đã gửi: 1" in out
    assert "bản ghi test_pause: 1" in out
    assert "khớp" in out

    with psycopg.connect(pg_url) as conn:  # statistics and visibility map made at once
        untidy = conn.execute(
            "SELECT relname FROM pg_stat_user_tables"
            " WHERE last_vacuum IS NULL OR last_analyze IS NULL ORDER BY relname"
        ).fetchall()
    assert untidy == []

    database = open_store(Settings(store_url=pg_url), tmp_path / "data")
    files = open_store(Settings(), tmp_path / "data")
    try:
        assert database.deliveries() == files.deliveries()
        assert database.ack_events() == files.ack_events()
        assert database.channel_state("zalo").values == {"access_token": "t-1"}
        assert database.digest_runs() == files.digest_runs()
        assert database.records(PAUSES) == {"nv": Pause("nv", NOW)}
    finally:
        database.close()
        files.close()

    for command in (
        ("status", "--now", "2025-03-05T10:00", "--format", "json"),
        ("deliveries", "--format", "json"),
        ("deliveries", "--status", "sent"),
    ):
        from_files, from_database = _both(
            cli, monkeypatch, pg_url, *command[:1], *common, *command[1:]
        )
        assert from_files == from_database
        assert from_files.strip()

    # A second copy into the same database would merge two histories: refused.
    code, _, err = cli("migrate", *common, "--to", pg_url)
    assert code == 1
    assert "đã có dữ liệu" in err


def test_migrate_wants_a_postgresql_address(
    cli: Callable[..., CliResult], shipped_config: Path, tmp_path: Path
) -> None:
    code, _, err = cli(
        "migrate", "--config-dir", str(shipped_config), "--data-dir", str(tmp_path / "d"),
        "--to", "mysql://x@y/z",
    )  # fmt: skip
    assert code == 2
    assert "postgresql://" in err
