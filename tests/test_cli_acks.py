"""``reminder ack``, ``reminder status`` and ``reminder hash-password`` for administrators."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from tests.conftest import CliResult, StoreFactory


def test_ack_by_phone_then_status_shows_it(
    cli: Callable[..., CliResult],
    shipped_config: Path,
    tmp_path: Path,
    store_factory: StoreFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name, value in store_factory.env.items():
        monkeypatch.setenv(name, value)
    data = str(tmp_path / "data")
    base = ("--config-dir", str(shipped_config), "--data-dir", data)
    code, out, _ = cli(
        "ack",
        "Q2-04",
        "phong-noi-vu",
        "--done",
        "--note",
        "Báo qua điện thoại",
        "--now",
        "2025-06-20T10:00",
        *base,
    )
    assert code == 0
    assert "Phòng Nội vụ — Q2-04 (plan-2025): Đã hoàn thành." in out
    assert "Tình trạng bây giờ: đã hoàn thành." in out
    code, out, _ = cli("ack", "Q2-04", "hd-tdkt", "--now", "2025-06-20T10:05", *base)
    assert code == 0
    code, out, _ = cli(
        "status", "--task", "Q2-04", "--now", "2025-07-15T09:00", "--format", "json", *base
    )
    assert code == 0
    rows = {r["unit"]: r for r in json.loads(out)}
    assert set(rows) == {"hd-tdkt", "phong-noi-vu"}
    for row in rows.values():
        assert {"plan", "task", "unit", "role", "state", "due", "days_late", "council_told"} <= set(
            row
        )
        assert row["plan"] == "plan-2025"
    assert rows["phong-noi-vu"]["state"] == "done"
    assert rows["phong-noi-vu"]["ack"]["note"] == "Báo qua điện thoại"
    assert rows["phong-noi-vu"]["ack"]["at"] == "2025-06-20T10:00:00+07:00"
    assert rows["hd-tdkt"]["state"] == "overdue"  # received, then 30/06 passed without "done"
    assert rows["hd-tdkt"]["ack"]["kind"] == "received"
    assert rows["hd-tdkt"]["last_delivery"] is None
    code, table, _ = cli("status", "--unit", "phong-noi-vu", "--now", "2025-07-15T09:00", *base)
    assert code == 0
    assert "đã hoàn thành" in table
    assert "quá hạn" in table


def test_ack_refuses_unknown_units_and_tasks_not_theirs(
    cli: Callable[..., CliResult], shipped_config: Path, tmp_path: Path
) -> None:
    base = ("--config-dir", str(shipped_config), "--data-dir", str(tmp_path / "data"))
    code, _, err = cli("ack", "Q2-04", "phong-khong-co", *base)
    assert code == 2
    assert "không có đơn vị hay nhóm 'phong-khong-co'" in err
    code, _, err = cli("ack", "Q2-04", "phong-gddt", *base)
    assert code == 2
    assert "không được giao việc Q2-04" in err
    assert not (tmp_path / "data" / "acks.json").exists()


def test_hash_password_reads_stdin_and_checks_length(shipped_config: Path) -> None:
    command = [sys.executable, "-m", "reminder", "hash-password"]
    done = subprocess.run(
        command, input="mat-khau-du-dai\n", capture_output=True, text=True, check=False
    )
    assert done.returncode == 0
    PasswordHasher().verify(done.stdout.strip(), "mat-khau-du-dai")
    short = subprocess.run(command, input="ngan\n", capture_output=True, text=True, check=False)
    assert short.returncode == 1
    assert "ít nhất 10 ký tự" in short.stderr


def test_run_refuses_a_broken_config_without_a_traceback(tmp_path: Path) -> None:
    (tmp_path / "units.toml").write_text("[[units]\n", encoding="utf-8")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "reminder",
            "run",
            "--config-dir",
            str(tmp_path),
            "--data-dir",
            str(tmp_path / "data"),
            "--log-format",
            "json",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    line = json.loads(done.stderr.strip().splitlines()[0])
    assert line["levelname"] == "ERROR"
    assert "units.toml:1: LỖI: sai cú pháp TOML" in line["message"]
    assert "Traceback" not in done.stderr
