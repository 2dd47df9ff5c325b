"""Extensions and pauses from the command line: ``extend``, ``pause``, ``resume``; what they do
to the schedule (preview), the state (status) and a dispatch pass; and bad input (exit 2)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest

from reminder import adjust, config
from reminder.dispatch import Dispatcher
from reminder.keyed import Records
from reminder.schedule import LOCAL_TZ
from reminder.store.tinydb import TinyDBStore
from tests.conftest import CliResult, delivery_records, write_config

UNITS: list[dict[str, object]] = [
    {"id": "nv", "name": "Phòng Nội vụ", "email": ["nv@huyen.example"]},
    {"id": "tp", "name": "Phòng Tư pháp", "email": ["tp@huyen.example"]},
]
TASKS: list[dict[str, object]] = [
    {"id": "Q2-01", "quarter": 2, "title": "Báo cáo sơ kết", "lead": ["nv", "tp"]},
]
NOW = "2025-04-15T09:00"
Cli = Callable[..., CliResult]


@pytest.fixture
def run(cli: Cli, tmp_path: Path) -> Callable[..., CliResult]:
    cfg = write_config(tmp_path / "config", UNITS, TASKS)

    def call(*args: str) -> CliResult:
        return cli(*args, "--config-dir", str(cfg), "--data-dir", str(tmp_path / "data"))

    return call


def _due(run: Callable[..., CliResult], unit: str, *, kind: str = "due") -> list[str]:
    code, out, _ = run("preview", "--unit", unit, "--format", "json")
    assert code == 0
    return sorted({r["due"] for r in json.loads(out) if r["kind"] == kind})


def test_extend_moves_one_units_due_date_in_preview_and_status(
    run: Callable[..., CliResult],
) -> None:
    assert _due(run, "nv") == ["2025-06-30"]
    code, out, _ = run(
        "extend", "Q2-01", "nv", "--to", "15/07/2025", "--reason", "chờ số liệu", "--now", NOW
    )
    assert code == 0, out
    assert "đến hết 15/07/2025" in out
    assert _due(run, "nv") == ["2025-07-15"]
    assert _due(run, "tp") == ["2025-06-30"]  # the other unit keeps its date
    code, out, _ = run("status", "--format", "json", "--now", "2025-07-01T09:00")
    rows = {r["unit"]: r for r in json.loads(out)}
    assert rows["nv"]["due"] == "2025-07-15"
    assert rows["nv"]["extended_from"] == "2025-06-30"
    assert rows["nv"]["state"] == "pending"
    assert rows["tp"]["state"] == "overdue"
    code, out, _ = run("extend", "--list", "--format", "json")
    (listed,) = json.loads(out)
    assert (listed["status"], listed["granted_to"], listed["reason"]) == (
        "approved",
        "2025-07-15",
        "chờ số liệu",
    )
    _, out, _ = run("audit", "--format", "json")
    assert [e["action"] for e in json.loads(out)] == ["extend"]


def test_requests_are_approved_with_another_date_or_refused(
    run: Callable[..., CliResult], tmp_path: Path
) -> None:
    cfg = config.load(tmp_path / "config")
    records = Records(TinyDBStore(tmp_path / "data"))
    asked = datetime(2025, 4, 15, 9, 0, tzinfo=LOCAL_TZ)
    pair = adjust.find_pair(cfg, "Q2-01", "nv")
    first = adjust.request(
        records, cfg, pair, asked.date().replace(month=8), "thiếu người", asked, "nv"
    )
    other = adjust.request(
        records,
        cfg,
        adjust.find_pair(cfg, "Q2-01", "tp"),
        asked.date().replace(month=7),
        "x",
        asked,
        "tp",
    )
    code, out, _ = run("extend", "--approve", first.id, "--to", "2025-07-20", "--now", NOW)
    assert code == 0, out
    assert "đến hết 20/07/2025" in out
    code, out, _ = run("extend", "--refuse", other.id, "--now", NOW)
    assert code == 0
    assert _due(run, "nv") == ["2025-07-18"]  # 20/07 is a Sunday: the Friday before
    assert _due(run, "tp") == ["2025-06-30"]
    code, _, err = run("extend", "--approve", other.id, "--now", NOW)
    assert code == 2
    assert "đã được xử lý (không duyệt)" in err
    # Each unit is told of the decision by its channel, at the next dispatch pass.
    Dispatcher(cfg, TinyDBStore(tmp_path / "data"), secret="s").run(asked)
    notices = {
        k: r for k, r in delivery_records(TinyDBStore(tmp_path / "data")).items() if "gia-han" in k
    }
    assert set(notices) == {
        f"nv/file/2025-04-15/gia-han-{first.id}",
        f"tp/file/2025-04-15/gia-han-{other.id}",
    }
    assert {r["status"] for r in notices.values()} == {"sent"}
    texts = {r["recipient"]: r["message"]["text"] for r in notices.values()}
    assert "hạn mới của đơn vị là 20/07/2025" in texts["nv"]
    assert "không được duyệt" in texts["tp"]
    assert "/u/" in texts["nv"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["Q2-01", "xx", "--to", "2025-07-15"], "không có đơn vị 'xx'"),
        (["Q9-99", "nv", "--to", "2025-07-15"], "không được giao việc Q9-99"),
        (["Q2-01", "nv", "--to", "2025-04-01"], "ngày 01/04/2025 đã qua"),
        (["Q2-01", "nv", "--to", "2026-01-10"], "sau năm kế hoạch 2025"),
        (["Q2-01", "nv", "--to", "2025-06-20"], "không muộn hơn hạn hiện tại 30/06/2025"),
        (["Q2-01", "nv"], "viết: reminder extend"),
        (["--approve", "7"], "không có đề nghị gia hạn số 7"),
    ],
)
def test_bad_extensions_exit_2_with_a_clear_message(
    run: Callable[..., CliResult], args: list[str], message: str
) -> None:
    code, out, err = run("extend", *args, "--now", NOW)
    assert code == 2, out
    assert message in err
    assert "Traceback" not in err


def test_pause_silences_a_unit_until_the_day_included_and_resume_ends_it(
    run: Callable[..., CliResult], tmp_path: Path
) -> None:
    code, _, err = run("pause", "xx", "--until", "2025-06-30", "--now", NOW)
    assert code == 2
    assert "không có đơn vị 'xx'" in err
    code, _, err = run("pause", "nv", "--until", "2025-04-01", "--now", NOW)
    assert code == 2
    assert "đã qua" in err
    code, out, _ = run("pause", "nv", "--until", "2025-06-27", "--reason", "sáp nhập", "--now", NOW)
    assert code == 0, out
    _, out, _ = run("preview", "--unit", "nv", "--format", "json")
    days = [r["send_at"][:10] for r in json.loads(out) if r["kind"] != "escalation"]
    assert days
    assert min(days) == "2025-06-30"  # 27/06 included in the pause; the due day is not
    _, out, _ = run("status", "--format", "json", "--now", "2025-06-02T09:00")
    rows = {r["unit"]: r for r in json.loads(out)}
    assert rows["nv"]["paused_until"] == "2025-06-27"
    assert rows["tp"]["paused_until"] is None

    cfg = config.load(tmp_path / "config")
    store = TinyDBStore(tmp_path / "data")
    monday = datetime(2025, 6, 23, 8, 5, tzinfo=LOCAL_TZ)  # the before-due reminder's day
    Dispatcher(cfg, store, secret="s").run(monday)
    recipients = {r["recipient"] for r in delivery_records(store).values()}
    assert recipients == {"tp"}

    code, out, _ = run("resume", "nv", "--now", "2025-06-23T09:00")
    assert code == 0
    assert "Đã nhắc lại nv" in out
    Dispatcher(cfg, store, secret="s").run(monday.replace(hour=9))
    recipients = {r["recipient"] for r in delivery_records(store).values()}
    assert recipients == {"tp", "nv"}
    _, out, _ = run("audit", "--format", "json")
    assert [e["action"] for e in json.loads(out)] == ["pause", "resume"]


def test_the_digest_shows_requests_extensions_and_pauses(
    run: Callable[..., CliResult], tmp_path: Path
) -> None:
    cfg = config.load(tmp_path / "config")
    records = Records(TinyDBStore(tmp_path / "data"))
    asked = datetime(2025, 6, 2, 9, 0, tzinfo=LOCAL_TZ)
    pair = adjust.find_pair(cfg, "Q2-01", "tp")
    adjust.request(records, cfg, pair, asked.date().replace(month=7), "thiếu người", asked, "tp")
    assert run("extend", "Q2-01", "nv", "--to", "2025-07-15", "--reason", "x", "--now", NOW)[0] == 0
    assert run("pause", "nv", "--until", "2025-06-20", "--now", NOW)[0] == 0
    code, out, _ = run("digest", "--now", "2025-06-09T07:30", "--format", "text")
    assert code == 0
    assert "GIA HẠN: 1 đề nghị chờ duyệt; 1 lượt việc đang theo hạn đã gia hạn" in out
    assert "Q2-01 — Phòng Tư pháp: xin gia hạn từ 30/06/2025 đến 02/07/2025" in out
    assert "Q2-01 — Phòng Nội vụ: hạn mới 15/07/2025 (hạn cũ 30/06/2025)" in out
    assert "TẠM DỪNG NHẮC: 1 đơn vị" in out
    assert "Phòng Nội vụ: đến hết 20/06/2025" in out
    _, html, _ = run("digest", "--now", "2025-06-09T07:30", "--format", "html")
    assert "Gia hạn: 1 đề nghị chờ duyệt · tạm dừng nhắc: 1 đơn vị" in html
