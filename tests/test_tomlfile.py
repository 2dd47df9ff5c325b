"""``tomlfile.read``: rtoml reads, tomli explains. The values are tomli's (the parser every
finding was written against), and a document that is not TOML is still reported with tomli's
words, line and column."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path

import pytest
import tomli

from reminder import tomlfile
from reminder.errors import Problem

EVERY_KIND = """\
# every kind of value a configuration may hold
title = "Kế hoạch \\"năm\\" 2025"
literal = 'C:\\đường\\dẫn'
multi = \"\"\"
hai dòng
  thụt vào\"\"\"
count = 1_000
big = 99999999999999999999
negative = -17
hex = 0xff
ratio = 0.5
exp = 1e3
yes = true
day = 2025-04-30
at = 2025-04-30T08:00:00+07:00
utc = 2025-04-30T01:00:00Z
local = 2025-04-30T08:00:00
clock = 08:30:00
ids = ["a", "b"]
nested = [[1, 2], ["x"]]
inline = { to = ["chu-tich@tinh.example"], cc = [], }
"quoted key" = 1
dotted.key = "v"

[smtp]
host = "mail.tinh.gov.vn"

[[tasks]]
id = "T1"
due = 2025-06-30

[[tasks]]
id = "T2"
milestones = [2025-03-31, 2025-09-30]
"""


def _read(tmp_path: Path, text: str) -> tomlfile.TomlFile | Problem:
    path = tmp_path / "plan-2025.toml"
    path.write_text(text, encoding="utf-8")
    return tomlfile.read(path)


def test_values_are_the_same_as_tomli_reads(tmp_path: Path) -> None:
    parsed = _read(tmp_path, EVERY_KIND)
    assert isinstance(parsed, tomlfile.TomlFile)
    assert parsed.data == tomli.loads(EVERY_KIND)
    data = parsed.data
    assert data["big"] == 99999999999999999999
    assert data["day"] == date(2025, 4, 30)
    assert type(data["day"]) is date
    assert data["at"] == datetime(2025, 4, 30, 8, tzinfo=timezone(timedelta(hours=7)))
    assert data["at"].utcoffset() == timedelta(hours=7)
    assert data["utc"].utcoffset() == timedelta(0)
    assert data["local"].tzinfo is None
    assert data["clock"] == time(8, 30)
    assert data["tasks"][1]["milestones"] == [date(2025, 3, 31), date(2025, 9, 30)]
    assert data["multi"] == "hai dòng\n  thụt vào"


def test_shipped_config_reads_as_tomli_reads_it(shipped_config: Path) -> None:
    files = sorted(shipped_config.glob("*.toml"))
    assert len(files) >= 3
    for path in files:
        parsed = tomlfile.read(path)
        assert isinstance(parsed, tomlfile.TomlFile), parsed
        assert parsed.data == tomli.loads(path.read_text(encoding="utf-8")), path


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ('[plan]\ntitle = "x"\nyear = \n', 3),
        ("[plan]\nyear = 2025\nyear = 2026\n", 3),
        ('a = "không đóng\n', 1),
        ("[[tasks]]\nid = 'T1'\n[tasks]\n", 3),
    ],
)
def test_a_syntax_error_is_told_with_tomlis_line_and_words(
    tmp_path: Path, text: str, line: int
) -> None:
    found = _read(tmp_path, text)
    assert isinstance(found, Problem)
    with pytest.raises(tomli.TOMLDecodeError) as raised:
        tomli.loads(text)
    detail = str(raised.value).split(" (at line")[0].rstrip(".")
    assert found.severity == "error"
    assert found.message == f"sai cú pháp TOML: {detail}"
    assert found.line == line
    assert found.hint == "kiểm tra dấu ngoặc kép, dấu = và ngày dạng YYYY-MM-DD"
