"""Other layouts Vietnamese plans use: separate lead/support/time columns, merged cells,
two header rows, roman-numeral quarter rows, HTML and markdown remnants."""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import docx
import pytest

from reminder.importer import import_plan
from reminder.names import NameIndex
from tests.conftest import CliResult


def _five_column_plan(path: Path) -> Path:
    document = docx.Document()
    document.add_paragraph("ỦY BAN NHÂN DÂN HUYỆN NGUYÊN BÌNH")
    document.add_paragraph("Số: 12/KH-UBND")
    document.add_paragraph("KẾ HOẠCH")
    document.add_paragraph("Cải cách hành chính năm 2025")
    rows = [
        ["STT", "Nội dung", "Đơn vị thực hiện", "", "Thời gian thực hiện"],
        ["", "", "Chủ trì", "Phối hợp", ""],
        ["I", "QUÝ I (tháng 1 - 3)", "", "", ""],
        [
            "1",
            "Xây dựng kế hoạch cải cách hành chính",
            "Văn phòng HĐND&UBND",
            "Phòng Nội vụ; Phòng Tư pháp",
            "Tháng 01/2025",
        ],
        [
            "2",
            "Tuyên truyền cải cách hành chính",
            "Phòng Văn hóa và Thông tin",
            "UBND các xã, thị trấn",
            "Trước ngày 15/02/2025",
        ],
        [
            "3",
            "Kiểm tra cải cách hành chính",
            "",
            "Phòng Nội vụ, Thanh tra huyện",
            "Tháng 2 - 3/2025",
        ],
        ["II", "", "", "", ""],
        [
            "1",
            "Báo cáo cải cách hành chính 6 tháng",
            "Phòng Nội vụ",
            "Phòng TC-KH\nPhòng Y tế",
            "Quý II",
        ],
        ["2", "Hội nghị sơ kết", "UBND huyện", "", "Ngày 20/6/2025"],
        ["3", "Rà soát thủ tục", "Phòng Tư pháp", "", "Khi có yêu cầu"],
        ["III", "Quý III", "", "", ""],
        ["1", "Tổng kết mô hình", "Phòng Dịch vụ công mới", "", "Tháng 9"],
    ]
    table = document.add_table(rows=len(rows), cols=5)
    for r, values in enumerate(rows):
        for c, value in enumerate(values):
            if value:
                table.cell(r, c).text = value
    # Header: "Đơn vị thực hiện" spans the two unit columns; the others span both header rows.
    table.cell(0, 2).merge(table.cell(0, 3)).text = "Đơn vị thực hiện"
    for c in (0, 1, 4):
        top = table.cell(0, c)
        text = top.text
        top.merge(table.cell(1, c)).text = text
    # The quarter heading spans the row; task 2's lead also leads task 3 (merged down).
    table.cell(2, 1).merge(table.cell(2, 4)).text = "QUÝ I (tháng 1 - 3)"
    table.cell(4, 2).merge(table.cell(5, 2)).text = "Phòng Văn hóa và Thông tin"
    document.save(str(path))
    return path


def _load(target: Path) -> list[dict[str, Any]]:
    with (target / "plan-2025.toml").open("rb") as handle:
        tasks: list[dict[str, Any]] = tomllib.load(handle)["tasks"]
    return tasks


def test_five_column_word_plan_with_merged_cells_imports_correctly(
    cli: Callable[..., CliResult], units_only: Path, tmp_path: Path
) -> None:
    source = _five_column_plan(tmp_path / "cchc.docx")
    code, out, err = cli("import-plan", str(source), "--config-dir", str(units_only))
    assert code == 0, out + err
    tasks = {t["id"]: t for t in _load(units_only)}
    assert list(tasks) == ["Q1-01", "Q1-02", "Q1-03", "Q2-01", "Q2-02", "Q2-03", "Q3-01"]

    assert tasks["Q1-01"]["lead"] == ["vp-hdnd-ubnd"]
    assert tasks["Q1-01"]["support"] == ["phong-noi-vu", "phong-tu-phap"]
    assert (tasks["Q1-01"]["start"], tasks["Q1-01"]["due"]) == (date(2025, 1, 1), date(2025, 1, 31))

    assert tasks["Q1-02"]["lead"] == ["phong-vhtt"]
    assert tasks["Q1-02"]["support"] == ["ubnd-xa-thi-tran"]
    assert tasks["Q1-02"]["due"] == date(2025, 2, 15)
    assert tasks["Q1-02"]["time"] == "Trước ngày 15/02/2025"

    assert tasks["Q1-03"]["lead"] == ["phong-vhtt"]  # the merged cell applies to both rows
    assert tasks["Q1-03"]["support"] == ["phong-noi-vu", "thanh-tra"]
    assert (tasks["Q1-03"]["start"], tasks["Q1-03"]["due"]) == (date(2025, 2, 1), date(2025, 3, 31))

    assert tasks["Q2-01"]["support"] == ["phong-tckh", "phong-y-te"]
    assert (tasks["Q2-01"]["start"], tasks["Q2-01"]["due"]) == (date(2025, 4, 1), date(2025, 6, 30))
    assert tasks["Q2-02"]["lead"] == ["ubnd-huyen"]
    assert tasks["Q2-02"]["due"] == date(2025, 6, 20)

    # Unreadable time: the quarter's window, and a warning naming the task.
    assert "start" not in tasks["Q2-03"]
    assert "due" not in tasks["Q2-03"]
    assert "Q2-03" in out
    assert "Khi có yêu cầu" in out

    # An unknown organisation becomes a new unit, with a warning naming the closest ones.
    new_id = tasks["Q3-01"]["lead"][0]
    units = tomllib.loads((units_only / "units.toml").read_text(encoding="utf-8"))["units"]
    assert {"id": new_id, "name": "Phòng Dịch vụ công mới"}.items() <= next(
        u for u in units if u["id"] == new_id
    ).items()
    assert "đơn vị mới" in out
    assert "gần giống" in out
    assert (tasks["Q3-01"]["start"], tasks["Q3-01"]["due"]) == (date(2025, 9, 1), date(2025, 9, 30))

    code, _, err = cli("check", "--config-dir", str(units_only))
    assert code == 0, err


def test_text_conversion_with_html_and_roles_in_words(tmp_path: Path) -> None:
    source = tmp_path / "plan.txt"
    source.write_text(
        "KẾ HOẠCH\nTổ chức Hội nghị năm 2025\n\n"
        "TT\tNội dung công việc\tCơ quan thực hiện\tThời gian\n"
        "<b>QUÝ II (tháng 4 - 6)</b>\t\t\t\n"
        "1\tChuẩn bị hội nghị\t<ul><li>Phòng Nội vụ chủ trì, phối hợp với Phòng Tư pháp"
        "</li></ul>\tTháng 5 - 6/2025\n"
        "2\tGửi giấy mời\tPhối hợp: Văn phòng HĐND&amp;UBND\n"
        "\t\tChủ trì: Phòng Nội vụ\tTháng 5\n",
        encoding="utf-8",
    )
    index = NameIndex()
    index.add("phong-noi-vu", ["Phòng Nội vụ"])
    index.add("phong-tu-phap", ["Phòng Tư pháp"])
    index.add("vp", ["Văn phòng HĐND và UBND huyện"])
    result = import_plan(source, index)
    assert result.year == 2025
    first, second = result.tasks
    assert (first["id"], first["lead"], first["support"]) == (
        "Q2-01",
        ["phong-noi-vu"],
        ["phong-tu-phap"],
    )
    assert (first["start"], first["due"]) == (date(2025, 5, 1), date(2025, 6, 30))
    assert second["lead"] == ["phong-noi-vu"]
    assert second["support"] == ["vp"]
    assert not result.new_units


def test_markdown_pipe_table_is_read(tmp_path: Path) -> None:
    source = tmp_path / "plan.md"
    source.write_text(
        "# KẾ HOẠCH\n\nCông tác năm 2026\n\n"
        "| Stt | Nội dung | Đơn vị chủ trì | Đơn vị phối hợp |\n"
        "|---|---|---|---|\n"
        "| I | Quý I | | |\n"
        "| 1 | Việc một | Phòng Nội vụ | Phòng Tư pháp, Phòng Y tế |\n",
        encoding="utf-8",
    )
    index = NameIndex()
    for id_, name in [("nv", "Phòng Nội vụ"), ("tp", "Phòng Tư pháp"), ("yt", "Phòng Y tế")]:
        index.add(id_, [name])
    result = import_plan(source, index)
    assert result.year == 2026
    assert result.tasks[0]["lead"] == ["nv"]
    assert result.tasks[0]["support"] == ["tp", "yt"]


@pytest.mark.parametrize(
    ("cell", "lead", "support"),
    [
        ("- Phòng Nội vụ - Văn phòng HĐND&UBND phối hợp", ["nv"], ["vp"]),
        ("- Văn phòng HĐND&UBND huyện phối hợp - Phòng Nội vụ", ["nv"], ["vp"]),
        ("Phòng Nội vụ (chủ trì)\nVăn phòng HĐND và UBND (phối hợp)", ["nv"], ["vp"]),
        ("- Phòng Giáo dục - Đào tạo - Phòng Nội vụ", ["gd", "nv"], []),
    ],
)
def test_roles_in_a_combined_units_cell(cell: str, lead: list[str], support: list[str]) -> None:
    from reminder.importer import split_roles

    index = NameIndex()
    index.add("nv", ["Phòng Nội vụ"])
    index.add("vp", ["Văn phòng HĐND&UBND huyện"])
    index.add("gd", ["Phòng Giáo dục và Đào tạo"])
    roles = split_roles(cell, index)
    assert [index.resolve(n) for n in roles.lead] == lead
    assert [index.resolve(n) for n in roles.support] == support
