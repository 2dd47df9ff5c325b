"""``reminder check``: the shipped config passes; each kind of broken config is refused with
the file, the line, the key, what is wrong and what to do."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from reminder.names import NameIndex
from reminder.plan import Directory
from tests.conftest import CliResult


def _edit(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def _line_of(path: Path, needle: str) -> int:
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if needle in line:
            return n
    raise AssertionError(needle)


def test_shipped_config_passes_with_warnings_only(
    cli: Callable[..., CliResult], shipped_config: Path
) -> None:
    code, out, err = cli("check", "--config-dir", str(shipped_config))
    assert code == 0, err
    assert "29 việc" in out
    assert "LỖI" not in err
    assert ".example" in err  # placeholders are pointed out


def test_check_runs_as_a_console_script(shipped_config: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "reminder", "check", "--config-dir", str(shipped_config)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "Cấu hình hợp lệ" in done.stdout


def test_toml_syntax_error_names_file_and_line(
    cli: Callable[..., CliResult], config_copy: Path
) -> None:
    plan = config_copy / "plan-2025.toml"
    _edit(plan, 'id = "Q2-04"', 'id = "Q2-04')
    code, _, err = cli("check", "--config-dir", str(config_copy))
    assert code == 2
    line = _line_of(plan, 'id = "Q2-04')
    assert f"plan-2025.toml:{line}: LỖI: sai cú pháp TOML" in err
    assert "Traceback" not in err


def test_unknown_unit_is_refused_with_the_closest_ids(
    cli: Callable[..., CliResult], config_copy: Path
) -> None:
    plan = config_copy / "plan-2025.toml"
    _edit(plan, 'lead = ["phong-noi-vu"]', 'lead = ["phong-noi-vuu"]')
    code, _, err = cli("check", "--config-dir", str(config_copy))
    assert code == 2
    line = _line_of(plan, 'lead = ["phong-noi-vuu"]')
    assert re.search(
        rf"plan-2025.toml:{line}: LỖI: \[tasks\[1\]\.lead\] việc Q1-01: \"phong-noi-vuu\"", err
    )
    assert "có phải: Phòng Nội vụ (phong-noi-vu)" in err


def test_duplicate_ids_are_refused(cli: Callable[..., CliResult], config_copy: Path) -> None:
    _edit(config_copy / "plan-2025.toml", 'id = "Q1-02"', 'id = "Q1-01"')
    _edit(config_copy / "units.toml", 'id = "phong-tu-phap"', 'id = "phong-noi-vu"')
    code, _, err = cli("check", "--config-dir", str(config_copy))
    assert code == 2
    assert 'mã "Q1-01" bị trùng' in err
    assert 'mã "phong-noi-vu" bị trùng' in err


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        ('title = "Ban hành Chỉ thị', 'start = 2025-02-30\ntitle = "Ban hành Chỉ thị'),
        ('title = "Ban hành Chỉ thị', 'start = "hôm qua"\ntitle = "Ban hành Chỉ thị'),
        ('title = "Ban hành Chỉ thị', 'start = 2025-03-10\ndue = 2025-03-01\ntitle = "Ban hành'),
        ('title = "Ban hành Chỉ thị', 'due = 2027-01-15\ntitle = "Ban hành Chỉ thị'),
        ("quarter = 1", "quarter = 5"),
        ("quarter = 1", 'quarter = 1\nowner = "x"'),
    ],
    ids=[
        "impossible-date",
        "date-as-text",
        "due-before-start",
        "outside-year",
        "quarter",
        "unknown-key",
    ],
)
def test_bad_task_values_are_refused(
    edit: str, message: str, cli: Callable[..., CliResult], config_copy: Path
) -> None:
    _edit(config_copy / "plan-2025.toml", edit, message)
    code, _, err = cli("check", "--config-dir", str(config_copy))
    assert code == 2
    first = err.splitlines()[0]
    assert "plan-2025.toml:" in first
    assert "LỖI" in first
    assert " — " in first  # every error says what to do
    assert "Traceback" not in err


def test_messages_for_bad_task_values_say_what_is_wrong(
    cli: Callable[..., CliResult], config_copy: Path
) -> None:
    plan = config_copy / "plan-2025.toml"
    _edit(plan, 'title = "Ban hành Chỉ thị', 'start = 2025-03-10\ndue = 2025-03-01\ntitle = "B')
    # A due date next January is a plan's ("Trước ngày 10/01/2026"); two years on is a typo.
    _edit(plan, 'title = "Dự Hội nghị', 'due = 2027-01-15\ntitle = "Dự Hội nghị')
    _edit(plan, 'title = "Xem xét khen thưởng thành tích thực', 'start = "x"\ntitle = "X')
    code, _, err = cli("check", "--config-dir", str(config_copy))
    assert code == 2
    assert "hạn 01/03/2025 trước ngày bắt đầu 10/03/2025" in err
    assert "ngày 15/01/2027 quá xa năm kế hoạch 2025" in err
    assert "[tasks[3].start] phải là ngày — viết dạng 2025-03-31" in err


def test_group_cycle_is_refused(cli: Callable[..., CliResult], config_copy: Path) -> None:
    units = config_copy / "units.toml"
    text = units.read_text(encoding="utf-8")
    text += (
        '\n[[groups]]\nid = "a"\nname = "Nhóm A"\nmembers = ["b"]\n'
        '\n[[groups]]\nid = "b"\nname = "Nhóm B"\nmembers = ["a", "phong-y-te"]\n'
    )
    units.write_text(text, encoding="utf-8")
    code, _, err = cli("check", "--config-dir", str(config_copy))
    assert code == 2
    assert "nhóm chứa chính nó: a → b → a" in err


def test_unknown_group_member_is_refused(cli: Callable[..., CliResult], config_copy: Path) -> None:
    _edit(config_copy / "units.toml", '"xa-yen-lac"]', '"xa-yen-lacc"]')
    code, _, err = cli("check", "--config-dir", str(config_copy))
    assert code == 2
    assert 'thành viên "xa-yen-lacc" không có trong units.toml' in err
    assert "xa-yen-lac" in err


def test_units_are_indexed_once(monkeypatch: pytest.MonkeyPatch, shipped_config: Path) -> None:
    # The name index (6,000 names in a province) is built for the whole check; units.toml's own
    # check builds one only to suggest a name for an unknown member (the test above).
    from reminder import config

    built: list[object] = []
    real = config.build_index

    def counted(directory: Directory) -> NameIndex:
        built.append(directory)
        return real(directory)

    monkeypatch.setattr(config, "build_index", counted)
    loaded = config.load(shipped_config)
    assert len(built) == 1
    assert built[0] is loaded.directory


def test_unit_without_contact_is_a_warning(
    cli: Callable[..., CliResult], config_copy: Path
) -> None:
    _edit(config_copy / "units.toml", 'email = ["phong-y-te@nguyenbinh.example"]\n', "")
    code, _, err = cli("check", "--config-dir", str(config_copy))
    assert code == 0
    assert 'cảnh báo: [units[13]] đơn vị "phong-y-te" chưa có cách liên lạc' in err


def test_secret_in_settings_file_is_a_warning(
    cli: Callable[..., CliResult], config_copy: Path
) -> None:
    _edit(config_copy / "settings.toml", 'data_dir = "data"', 'data_dir = "data"\nsecret_key = "x"')
    code, _, err = cli("check", "--config-dir", str(config_copy))
    assert code == 0
    assert "bí mật được ghi trong tệp cấu hình" in err
    assert "REMINDER_SECRET_KEY" in err


def test_bad_settings_value_from_file_and_from_environment(
    cli: Callable[..., CliResult], config_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = config_copy / "settings.toml"
    _edit(settings, 'send_time = "08:00"', 'send_time = "8 giờ"')
    code, _, err = cli("check", "--config-dir", str(config_copy))
    assert code == 2
    line = _line_of(settings, "send_time =")
    assert f"settings.toml:{line}: LỖI: [policy.send_time]" in err
    _edit(settings, 'send_time = "8 giờ"', 'send_time = "08:00"')
    monkeypatch.setenv("REMINDER_WEB__PORT", "tám")
    code, _, err = cli("check", "--config-dir", str(config_copy))
    assert code == 2
    assert "[REMINDER_WEB__PORT] phải là số nguyên" in err


def test_environment_overrides_the_file(config_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from reminder import config

    monkeypatch.setenv("REMINDER_POLICY__SEND_TIME", "07:15")
    monkeypatch.setenv("REMINDER_DATA_DIR", "/srv/reminder")
    loaded = config.load(config_copy)
    assert loaded.settings.policy.send_time.isoformat() == "07:15:00"
    assert loaded.settings.policy.before_due == (5, 1)  # the file's other keys are kept
    assert str(loaded.settings.data_dir) == "/srv/reminder"


def test_secret_from_a_secrets_directory(
    config_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from reminder import config

    secrets = tmp_path / "secrets"
    secrets.mkdir()
    (secrets / "reminder_secret_key").write_text("s3cret-from-file", encoding="utf-8")
    monkeypatch.setenv("REMINDER_SECRETS_DIR", str(secrets))
    loaded = config.load(config_copy)
    assert loaded.settings.secret_key is not None
    assert loaded.settings.secret_key.get_secret_value() == "s3cret-from-file"


def test_council_must_be_a_known_unit(cli: Callable[..., CliResult], config_copy: Path) -> None:
    _edit(config_copy / "settings.toml", 'council = "hd-tdkt"', 'council = "hoi-dong"')
    code, _, err = cli("check", "--config-dir", str(config_copy))
    assert code == 2
    assert '[council] "hoi-dong" không phải mã đơn vị' in err


def test_missing_config_dir_and_missing_units_file(
    cli: Callable[..., CliResult], tmp_path: Path
) -> None:
    code, _, err = cli("check", "--config-dir", str(tmp_path / "nowhere"))
    assert code == 2
    assert "không tìm thấy thư mục cấu hình" in err
    code, _, err = cli("check", "--config-dir", str(tmp_path))
    assert code == 2
    assert "thiếu tệp danh sách đơn vị units.toml" in err


def test_plan_year_without_calendar_file_is_a_warning(
    cli: Callable[..., CliResult], config_copy: Path
) -> None:
    (config_copy / "calendar-2025.toml").unlink()
    code, _, err = cli("check", "--config-dir", str(config_copy))
    assert code == 0
    assert "năm 2025 của kế hoạch chưa có tệp lịch" in err


def test_bad_calendar_file_is_refused(cli: Callable[..., CliResult], config_copy: Path) -> None:
    cal = config_copy / "calendar-2025.toml"
    _edit(cal, "date = 2025-04-26", "date = 2024-04-26")
    code, _, err = cli("check", "--config-dir", str(config_copy))
    assert code == 2
    line = _line_of(cal, "date = 2024-04-26")
    assert f"calendar-2025.toml:{line}: LỖI: [working_days[1].date]" in err
