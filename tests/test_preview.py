"""``reminder preview`` and ``reminder plan`` output shapes."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

import icalendar
import pytest

from tests.conftest import CliResult


def test_preview_json_has_the_documented_shape(
    cli: Callable[..., CliResult], shipped_config: Path
) -> None:
    code, out, err = cli(
        "preview",
        "--config-dir",
        str(shipped_config),
        "--from",
        "2025-04-01",
        "--to",
        "2025-04-30",
        "--format",
        "json",
    )
    assert code == 0, err
    rows = json.loads(out)
    assert rows
    for row in rows:
        assert set(row) == {"task", "unit", "role", "kind", "send_at", "due"}
        assert row["kind"] in {"open", "before_due", "due", "overdue", "escalation"}
        assert row["role"] in {"lead", "support"}
        assert row["send_at"].endswith("+07:00")
        sent = datetime.fromisoformat(row["send_at"]).date()
        assert date(2025, 4, 1) <= sent <= date(2025, 4, 30)
        date.fromisoformat(row["due"])
    assert {
        "task": "Q2-06",
        "unit": "phong-gddt",
        "role": "lead",
        "kind": "open",
        "send_at": "2025-04-01T08:00:00+07:00",
        "due": "2025-06-30",
    } in rows


def test_preview_filters_by_unit_group_and_task(
    cli: Callable[..., CliResult], shipped_config: Path
) -> None:
    code, out, _ = cli(
        "preview", "--config-dir", str(shipped_config), "--unit", "phong-gddt", "--format", "json"
    )
    assert code == 0
    rows = json.loads(out)
    assert {r["unit"] for r in rows} == {"phong-gddt"}
    assert {r["task"] for r in rows} == {"Q2-06", "Q2-09", "Q4-02", "Q4-04"}
    code, out, _ = cli(
        "preview",
        "--config-dir",
        str(shipped_config),
        "--unit",
        "ubnd-xa-thi-tran",
        "--task",
        "Q2-07",
        "--format",
        "json",
    )
    rows = json.loads(out)
    assert len({r["unit"] for r in rows}) == 17  # each commune on its own


def test_preview_csv_matches_json(cli: Callable[..., CliResult], shipped_config: Path) -> None:
    args = ("preview", "--config-dir", str(shipped_config), "--task", "Q1-01")
    _, as_json, _ = cli(*args, "--format", "json")
    _, as_csv, _ = cli(*args, "--format", "csv")
    assert list(csv.DictReader(io.StringIO(as_csv))) == json.loads(as_json)


def test_preview_ics_parses_with_one_event_per_task_and_unit(shipped_config: Path) -> None:
    from reminder import config, preview

    loaded = config.load(shipped_config)
    items = preview.select(loaded)
    raw = preview.to_ics(items, loaded.plans, loaded.directory)
    cal = icalendar.Calendar.from_ical(raw)
    events = list(cal.walk("VEVENT"))
    pairs = {(o.task, o.unit) for o in items}
    assert len(events) == len(pairs)
    uids = [str(e["UID"]) for e in events]
    assert len(set(uids)) == len(uids)
    q206 = next(e for e in events if str(e["UID"]) == "plan-2025.Q2-06.phong-gddt@reminder")
    assert q206.decoded("DTSTART") == date(2025, 6, 30)
    assert "Hướng dẫn khen thưởng" in str(q206["SUMMARY"])
    alarms = list(q206.walk("VALARM"))
    assert len(alarms) == 2  # 5 and 1 working days before
    assert raw == preview.to_ics(items, loaded.plans, loaded.directory)  # stable output


def test_preview_table_groups_by_day_and_unit(
    cli: Callable[..., CliResult], shipped_config: Path
) -> None:
    code, out, _ = cli(
        "preview", "--config-dir", str(shipped_config), "--from", "01/04/2025", "--to", "01/04/2025"
    )
    assert code == 0
    assert "Thứ Ba" in out
    assert "01/04/2025" in out
    assert out.count("Phòng Giáo dục và Đào tạo") == 1  # one row (one message) for the unit
    assert "Q2-06 (chủ trì): bắt đầu" in out


def test_preview_ics_from_the_command_line_parses(shipped_config: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "reminder",
            "preview",
            "--config-dir",
            str(shipped_config),
            "--task",
            "Q2-08",
            "--format",
            "ics",
        ],
        capture_output=True,
        check=True,
    )
    cal = icalendar.Calendar.from_ical(done.stdout)
    assert {str(e["UID"]) for e in cal.walk("VEVENT")} == {
        "plan-2025.Q2-08.phong-noi-vu@reminder",
        "plan-2025.Q2-08.vp-hdnd-ubnd@reminder",
    }


def test_preview_bad_date_is_a_clear_error(
    shipped_config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from reminder.cli import main

    with pytest.raises(SystemExit) as exc:
        main(["preview", "--config-dir", str(shipped_config), "--from", "31/13/2025"])
    assert exc.value.code == 2
    assert "ngày không hợp lệ" in capsys.readouterr().err


def test_plan_json_has_the_documented_shape(
    cli: Callable[..., CliResult], shipped_config: Path
) -> None:
    code, out, _ = cli("plan", "--config-dir", str(shipped_config), "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert set(data) == {"plan", "tasks"}
    assert data["plan"]["year"] == 2025
    assert len(data["tasks"]) == 29
    first = data["tasks"][0]
    assert set(first) == {"id", "quarter", "title", "lead", "support", "start", "due", "time"}
    assert first["lead"] == [{"id": "phong-noi-vu", "name": "Phòng Nội vụ"}]
    assert (first["start"], first["due"]) == ("2025-01-01", "2025-03-31")


def test_plan_table_lists_every_task(cli: Callable[..., CliResult], shipped_config: Path) -> None:
    code, out, _ = cli("plan", "--config-dir", str(shipped_config))
    assert code == 0
    for task_id in ("Q1-01", "Q2-08", "Q3-05", "Q4-04"):
        assert task_id in out
    assert "CẦN PHÂN CÔNG" in out


def test_commands_refuse_a_broken_config(cli: Callable[..., CliResult], config_copy: Path) -> None:
    (config_copy / "units.toml").write_text("[[units]\n", encoding="utf-8")
    for command in ("plan", "preview", "run"):
        code, _, err = cli(command, "--config-dir", str(config_copy))
        assert code == 2
        assert "units.toml:1: LỖI: sai cú pháp TOML" in err
