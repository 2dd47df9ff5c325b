"""Issue 9 points 8-13 (and issue 12's config items): ``check`` says the real error once,
with right hints and 1-based numbers; people read dd/mm/yyyy HH:MM; a finished plan and days
off are said; ``reminder calendar``; settings that break real delivery; control characters
and ranges."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from reminder import config
from reminder.dispatch import Dispatcher
from reminder.labels import LOCAL_TZ
from reminder.service import Clock, Service, configure_logging
from reminder.store.tinydb import TinyDBStore
from reminder.web import hash_password
from tests.conftest import CliResult


def _check(cli: Callable[..., CliResult], directory: Path, *extra: str) -> CliResult:
    return cli("check", "--config-dir", str(directory), *extra)


def _findings(
    cli: Callable[..., CliResult], directory: Path, *extra: str
) -> list[dict[str, object]]:
    code, out, _ = _check(cli, directory, "--format", "json", *extra)
    findings: list[dict[str, object]] = json.loads(out)
    for f in findings:
        assert set(f) == {"file", "line", "key", "severity", "message", "hint"}
        assert f["severity"] in ("error", "warning")
    assert code == (2 if any(f["severity"] == "error" for f in findings) else 0)
    return findings


# -- 8. one TOML typo, one error -----------------------------------------------------------------


def test_one_typo_in_units_gives_one_error_and_says_what_was_skipped(
    cli: Callable[..., CliResult], config_copy: Path
) -> None:
    units = config_copy / "units.toml"
    units.write_text(
        units.read_text(encoding="utf-8").replace('name = "Phòng Nội vụ"', 'name = "Phòng Nội vụ'),
        encoding="utf-8",
    )
    findings = _findings(cli, config_copy)
    errors = [f for f in findings if f["severity"] == "error"]
    assert len(errors) == 1
    assert "sai cú pháp TOML" in str(errors[0]["message"])
    assert errors[0]["line"] == 13
    skipped = [f for f in findings if "đã bỏ qua" in str(f["message"])]
    assert len(skipped) == 1
    code, _, err = _check(cli, config_copy)
    assert code == 2
    assert "1 lỗi" in err


def test_item_numbers_are_1_based_and_hints_show_the_right_type(
    cli: Callable[..., CliResult], config_copy: Path
) -> None:
    settings = config_copy / "settings.toml"
    settings.write_text(
        settings.read_text(encoding="utf-8").replace(
            "before_due = [5, 1]", 'before_due = ["a", "b"]'
        ),
        encoding="utf-8",
    )
    plan = config_copy / "plan-2025.toml"
    text = plan.read_text(encoding="utf-8")
    plan.write_text(text.replace('id = "Q1-01"', 'id = "Q1-01"\nstart = "hôm nay"', 1), "utf-8")
    findings = _findings(cli, config_copy)
    policy = next(f for f in findings if str(f["key"]).startswith("policy.before_due"))
    assert policy["hint"] == "viết dạng before_due = [5, 1]"
    start = next(f for f in findings if str(f["key"]).endswith(".start"))
    assert start["key"] == "tasks[1].start"  # the first [[tasks]] block is number 1


# -- 9. people read 28/03/2025 09:00; logs carry Vietnam time -------------------------------------


def test_times_for_people_are_day_month_year_and_logs_are_in_vietnam_time(
    cli: Callable[..., CliResult], shipped_config: Path, tmp_path: Path
) -> None:
    base = ("--config-dir", str(shipped_config), "--data-dir", str(tmp_path / "d"))
    cli("ack", "Q1-01", "phong-noi-vu", "--now", "2025-03-28T09:00:18.904548", *base)
    _, table, _ = cli("status", "--task", "Q1-01", "--now", "2025-03-29T09:00", *base)
    assert "28/03/2025 09:00" in table
    assert "2025-03-28T" not in table
    _, out, _ = cli("status", "--task", "Q1-01", "--format", "json", *base)
    assert json.loads(out)[0]["ack"]["at"].startswith("2025-03-28T09:00:18")  # JSON keeps ISO
    configure_logging("text")
    try:
        handler = logging.getLogger().handlers[0]
        record = logging.LogRecord("reminder", logging.INFO, "", 0, "x", None, None)
        record.created = datetime(2025, 3, 3, 1, 0, tzinfo=UTC).timestamp()
        assert handler.format(record).startswith("2025-03-03 08:00:00")
    finally:
        logging.getLogger().handlers.clear()


# -- 10. a finished plan -------------------------------------------------------------------------


def test_check_warns_when_the_plan_is_over_and_no_next_plan_exists(
    cli: Callable[..., CliResult], shipped_config: Path
) -> None:
    during = _findings(cli, shipped_config, "--now", "2025-06-02T08:00")
    assert not any("đã hết" in str(f["message"]) for f in during)
    after = _findings(cli, shipped_config, "--now", "2026-01-05T08:00")
    messages = [str(f["message"]) for f in after]
    assert any("kế hoạch plan-2025 (năm 2025) đã hết" in m for m in messages)
    assert any("không có kế hoạch nào còn việc" in m for m in messages)


def test_no_reminder_with_an_expired_link_is_sent_and_it_is_logged_once(
    cli: Callable[..., CliResult],
    shipped_config: Path,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    loaded = config.load(shipped_config)
    store = TinyDBStore(tmp_path / "d")
    march = datetime(2026, 3, 31, 9, tzinfo=LOCAL_TZ)
    assert Dispatcher(loaded, store, secret="s").run(march, dry_run=True).planned  # still valid
    april = datetime(2026, 4, 1, 9, tzinfo=LOCAL_TZ)
    report = Dispatcher(loaded, store, secret="s").run(april)
    assert report.planned == []
    assert report.expired["plan-2025"] > 0
    code, out, _ = cli(
        "send-due",
        "--dry-run",
        "--now",
        "2026-04-01T09:00",
        "--config-dir",
        str(shipped_config),
        "--data-dir",
        str(tmp_path / "d"),
    )
    assert code == 0
    assert "Kế hoạch plan-2025 đã hết hạn liên kết xác nhận" in out
    service = Service(shipped_config, tmp_path / "d", Clock(start=april), loaded)
    with caplog.at_level(logging.INFO, logger="reminder"):
        asyncio.run(service.tick())
        asyncio.run(service.tick())
    said = [
        r.getMessage() for r in caplog.records if "liên kết xác nhận đã hết hạn" in r.getMessage()
    ]
    assert len(said) == 1


# -- 11. days off are said -----------------------------------------------------------------------


def test_a_day_off_is_said_in_send_due_and_in_the_log(
    cli: Callable[..., CliResult],
    shipped_config: Path,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    code, out, _ = cli(
        "send-due",
        "--dry-run",
        "--now",
        "2025-09-02T09:00",
        "--config-dir",
        str(shipped_config),
        "--data-dir",
        str(tmp_path / "d"),
    )
    assert code == 0
    assert "nghỉ: Quốc khánh" in out
    loaded = config.load(shipped_config)
    service = Service(
        shipped_config,
        tmp_path / "d",
        Clock(start=datetime(2025, 9, 2, 9, tzinfo=LOCAL_TZ)),
        loaded,
    )
    with caplog.at_level(logging.INFO, logger="reminder"):
        asyncio.run(service.tick())
        asyncio.run(service.tick())
    said = [r.getMessage() for r in caplog.records if "nghỉ: Quốc khánh" in r.getMessage()]
    assert said == ["02/09/2025 là ngày nghỉ (nghỉ: Quốc khánh): không gửi nhắc việc"]


# -- 12. the calendar in use, and 2026 corrected -------------------------------------------------


def test_calendar_command_lists_days_with_their_source(
    cli: Callable[..., CliResult], shipped_config: Path
) -> None:
    code, out, _ = cli("calendar", "2026", "--format", "json", "--config-dir", str(shipped_config))
    assert code == 0
    days = {d["date"]: d for d in json.loads(out)}
    assert days["2026-01-02"]["kind"] == "off"
    assert days["2026-01-10"] == {
        "date": "2026-01-10",
        "kind": "working",
        "reason": "Làm bù cho ngày nghỉ thứ Sáu 02/01/2026",
        "source": "calendar-2026.toml",
    }
    off = sorted(d for d, v in days.items() if v["kind"] == "off")
    assert off == [
        "2026-01-01", "2026-01-02",
        "2026-02-16", "2026-02-17", "2026-02-18", "2026-02-19", "2026-02-20",
        "2026-04-27", "2026-04-30", "2026-05-01",
        "2026-08-31", "2026-09-01", "2026-09-02",
        "2026-11-24",
    ]  # fmt: skip
    assert sorted(d for d, v in days.items() if v["kind"] == "working") == [
        "2026-01-10",
        "2026-08-22",
    ]
    assert days["2026-11-24"]["source"] == "package"
    assert days["2026-11-24"]["reason"] == "Ngày Văn hóa Việt Nam"
    code, table, _ = cli("calendar", "2026", "--config-dir", str(shipped_config))
    assert "gói holidays" in table
    assert "10/01/2026" in table


def test_a_package_holiday_can_be_overridden_in_the_calendar_file(
    cli: Callable[..., CliResult], config_copy: Path
) -> None:
    cal = config_copy / "calendar-2026.toml"
    cal.write_text(
        cal.read_text(encoding="utf-8")
        + '\n[[working_days]]\ndate = 2026-11-24\nreason = "Làm việc bình thường"\n',
        encoding="utf-8",
    )
    code, out, _ = cli("calendar", "2026", "--format", "json", "--config-dir", str(config_copy))
    assert code == 0
    assert "2026-11-24" not in {d["date"] for d in json.loads(out)}  # a working Tuesday again
    messages = [str(f["message"]) for f in _findings(cli, config_copy, "--now", "2026-06-01T08:00")]
    assert not any("24/11/2026" in m for m in messages)


def test_check_flags_calendar_mistakes_and_a_missing_next_year(
    cli: Callable[..., CliResult], config_copy: Path
) -> None:
    cal = config_copy / "calendar-2025.toml"
    cal.write_text(
        cal.read_text(encoding="utf-8")
        + '\n[[days_off]]\ndate = 2025-03-08\nreason = "thứ Bảy"\n'
        + '\n[[days_off]]\ndate = 2025-09-02\nreason = "Quốc khánh lần hai"\n'
        + '\n[[working_days]]\ndate = 2025-03-12\nreason = "thứ Tư"\n',
        encoding="utf-8",
    )
    messages = [str(f["message"]) for f in _findings(cli, config_copy, "--now", "2025-11-30T08:00")]
    assert any("08/03/2025" in m and "thứ Bảy hoặc Chủ nhật" in m for m in messages)
    assert any("02/09/2025 được ghi hai lần" in m for m in messages)
    assert any("12/03/2025 là ngày thường" in m for m in messages)
    assert not any("calendar-2026.toml" in m for m in messages)
    (config_copy / "calendar-2026.toml").unlink()
    december = [str(f["message"]) for f in _findings(cli, config_copy, "--now", "2025-12-01T08:00")]
    assert any("chưa có tệp lịch năm 2026" in m for m in december)


# -- 13. settings that break real delivery ---------------------------------------------------------


def test_check_fails_on_settings_that_break_real_delivery(
    cli: Callable[..., CliResult], config_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert not [f for f in _findings(cli, config_copy) if f["severity"] == "error"]
    monkeypatch.setenv("REMINDER_SMTP__HOST", "smtp.huyen.gov.vn")
    monkeypatch.setenv("REMINDER_WEB__ADMIN_PASSWORD_HASH", "=19=65536,t=3,p=4")
    errors = {str(f["key"]): f for f in _findings(cli, config_copy) if f["severity"] == "error"}
    assert set(errors) == {"web.base_url", "smtp.sender", "REMINDER_WEB__ADMIN_PASSWORD_HASH"}
    assert "nháy đơn" in str(errors["REMINDER_WEB__ADMIN_PASSWORD_HASH"]["hint"])
    monkeypatch.setenv("REMINDER_WEB__BASE_URL", "https://nhacviec.huyen.gov.vn")
    monkeypatch.setenv("REMINDER_SMTP__SENDER", "Nhắc việc <nhac-viec@huyen.gov.vn>")
    monkeypatch.setenv("REMINDER_WEB__ADMIN_PASSWORD_HASH", hash_password("mat-khau-dai-du"))
    assert not [f for f in _findings(cli, config_copy) if f["severity"] == "error"]


# -- issue 12: control characters and ranges ---------------------------------------------------


def test_check_rejects_control_characters_and_values_out_of_range(
    cli: Callable[..., CliResult], config_copy: Path
) -> None:
    units = config_copy / "units.toml"
    units.write_text(
        units.read_text(encoding="utf-8").replace(
            'name = "Phòng Nội vụ"', 'name = "Phòng Nội vụ\\nhuyện"\npolicy = { before_due = [-1] }'
        ),
        encoding="utf-8",
    )
    settings = config_copy / "settings.toml"
    settings.write_text(
        settings.read_text(encoding="utf-8").replace(
            "port = 8080", "port = 8080\nbad_token_limit = 0"
        )
        + "\n[service]\ntick_seconds = 0\n",
        encoding="utf-8",
    )
    errors = [f for f in _findings(cli, config_copy) if f["severity"] == "error"]
    keys = {str(f["key"]) for f in errors}
    assert "units[1].name" in keys
    assert "units[1].policy.before_due" in keys
    assert "service.tick_seconds" in keys
    assert "web.bad_token_limit" in keys
    name = next(f for f in errors if f["key"] == "units[1].name")
    assert "ký tự điều khiển" in str(name["message"])
    assert name["line"] == 13


def test_a_failed_login_is_logged_without_the_password(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import re

    import httpx

    from reminder.web import create_app
    from tests.conftest import write_config
    from tests.servers import WebServer, free_port

    port = free_port()
    monkeypatch.setenv("REMINDER_WEB__ADMIN_PASSWORD_HASH", hash_password("mat-khau-dung-roi"))
    settings = f'[web]\nport = {port}\nbase_url = "http://127.0.0.1:{port}"\n'
    units: list[dict[str, object]] = [
        {"id": "nv", "name": "Phòng Nội vụ", "email": ["a@b.example"]}
    ]
    tasks: list[dict[str, object]] = [{"id": "T1", "quarter": 1, "title": "Việc", "lead": ["nv"]}]
    loaded = config.load(write_config(tmp_path / "c", units, tasks, settings))
    app = create_app(
        loaded,
        TinyDBStore(tmp_path / "d"),
        "s",
        clock=lambda: datetime(2025, 3, 3, tzinfo=LOCAL_TZ),
    )
    with WebServer(app, port) as server, httpx.Client(base_url=server.url) as client:
        page = client.get("/login").text
        csrf = re.search(r'name="csrf" value="([^"]+)"', page)
        assert csrf
        with caplog.at_level(logging.WARNING):
            refused = client.post(
                "/login",
                data={"username": "admin", "password": "doan-mo-sai-123", "csrf": csrf.group(1)},
            )
    assert refused.status_code == 401
    lines = [r.getMessage() for r in caplog.records if "đăng nhập" in r.getMessage()]
    assert lines == ["đăng nhập thất bại từ 127.0.0.1, tài khoản 'admin'"]
    assert "doan-mo-sai-123" not in caplog.text
    assert date(2025, 3, 3)  # the clock given to the app; nothing here reads today's date


def test_the_service_warns_at_start_up_that_the_plan_is_over(tmp_path: Path) -> None:
    import os
    import signal
    import subprocess
    import sys

    from tests.conftest import write_config
    from tests.servers import free_port, wait_until

    port = free_port()
    units: list[dict[str, object]] = [
        {"id": "nv", "name": "Phòng Nội vụ", "email": ["a@b.example"]}
    ]
    tasks: list[dict[str, object]] = [{"id": "T1", "quarter": 4, "title": "Việc", "lead": ["nv"]}]
    settings = f'[web]\nport = {port}\nbase_url = "http://127.0.0.1:{port}"\n'
    cfg = write_config(tmp_path / "c", units, tasks, settings)
    log_path = tmp_path / "service.log"
    command = [
        *(sys.executable, "-m", "reminder", "run", "--config-dir", str(cfg)),
        *("--data-dir", str(tmp_path / "d"), "--now", "2026-04-02T09:00"),
    ]
    env = {**os.environ, "REMINDER_SECRET_KEY": "k"}
    with log_path.open("wb") as out:
        proc = subprocess.Popen(command, env=env, stdout=out, stderr=out)
        try:

            def log() -> str:
                return log_path.read_text(encoding="utf-8", errors="replace")

            assert wait_until(lambda: "liên kết xác nhận đã hết hạn" in log(), 30), log()
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=20)
    text = log()
    assert "kế hoạch plan-2025 (năm 2025) đã hết" in text  # at start-up
    assert "không có kế hoạch nào còn việc sau 02/04/2026" in text
    assert text.count("liên kết xác nhận đã hết hạn") == 1
    assert proc.returncode == 0


@pytest.mark.parametrize(
    ("written", "bad"),
    [
        ('name = "Phòng\\nNội vụ"', "\n"),  # an escape
        ('name = "Phòng\\u0007Nội vụ"', "\x07"),
        ('name = "Phòng\tNội vụ"', "\t"),  # a tab, allowed as it is in a basic string
        ("name = 'Phòng\tNội vụ'", "\t"),  # and in a literal one
        ('name = """Phòng\nNội vụ"""', "\n"),  # a line break in a multi-line string
        ("name = '''Phòng\r\nNội vụ'''", "\n"),
    ],
)
def test_every_way_toml_writes_a_control_character_is_found(
    tmp_path: Path, written: str, bad: str
) -> None:
    """``control_characters`` skips a text with no escape, tab or multi-line string: each
    way a string value can hold a control character still has its value walked and named."""
    from reminder import checks, tomlfile

    path = tmp_path / "units.toml"
    path.write_text(f'[[units]]\nid = "nv"\n{written}\n', encoding="utf-8")
    parsed = tomlfile.read(path)
    assert isinstance(parsed, tomlfile.TomlFile)
    assert bad in parsed.data["units"][0]["name"]
    (problem,) = checks.control_characters(parsed)
    assert problem.key == "units[1].name"  # counted from one, as people count
    assert problem.line == 3
    clean = tmp_path / "clean.toml"
    clean.write_text('[[units]]\nid = "nv"\nname = "Phòng Nội vụ"\n', encoding="utf-8")
    read = tomlfile.read(clean)
    assert isinstance(read, tomlfile.TomlFile)
    assert checks.control_characters(read) == []
