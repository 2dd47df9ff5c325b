"""The importer on small inline documents written the way 2026 offices write plans: header
tables, Word auto-numbering, column-header variants and --columns, roles in one cell, commas
inside names, collectives, posts, periods, and the file formats it must name."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import docx
import pytest
from docx.oxml import OxmlElement
from docx.oxml.ns import qn

from reminder.errors import PlanImportError
from reminder.importer import ImportResult, import_plan, split_roles
from reminder.importer.resolve import Resolver
from reminder.names import NameIndex
from tests.conftest import CliResult

CORPUS = Path(__file__).parent / "data" / "plans"


def _header_table(document: docx.document.Document, issuer: str) -> None:
    table = document.add_table(rows=2, cols=2)
    table.rows[0].cells[0].text = f"ỦY BAN NHÂN DÂN\n{issuer}\n–––––––"
    table.rows[0].cells[1].text = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc"
    table.rows[1].cells[0].text = "Số: 05/KH-UBND"
    table.rows[1].cells[1].text = "An Phú, ngày 12 tháng 01 năm 2026"


def _auto_number(cell: object) -> None:
    """Put the cell's paragraph in a Word numbered list (w:numPr), as Word's STT lists do."""
    paragraph = cell.paragraphs[0]  # type: ignore[attr-defined]
    ppr = paragraph._p.get_or_add_pPr()
    num_pr = OxmlElement("w:numPr")
    for tag, value in (("w:ilvl", "0"), ("w:numId", "1")):
        element = OxmlElement(tag)
        element.set(qn("w:val"), value)
        num_pr.append(element)
    ppr.append(num_pr)


def _word_plan(path: Path, rows: list[list[str]], numbered: set[int] = frozenset()) -> Path:  # type: ignore[assignment]
    document = docx.Document()
    _header_table(document, "XÃ AN PHÚ")
    document.add_paragraph("KẾ HOẠCH")
    document.add_paragraph("Cải cách hành chính năm 2026")
    table = document.add_table(rows=len(rows), cols=len(rows[0]))
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            table.rows[r].cells[c].text = text
        if r in numbered:
            _auto_number(table.rows[r].cells[0])
    document.save(str(path))
    return path


def _import(path: Path, **kwargs: object) -> ImportResult:
    return import_plan(path, NameIndex(), **kwargs)  # type: ignore[arg-type]


def test_header_table_gives_title_issuer_and_year(tmp_path: Path) -> None:
    rows = [["STT", "Nội dung công việc", "Đơn vị chủ trì"], ["1", "Việc một", "Phòng Kinh tế"]]
    result = _import(_word_plan(tmp_path / "p.docx", rows))
    assert (result.title, result.issuer, result.year) == (
        "Kế hoạch cải cách hành chính năm 2026",
        "ỦY BAN NHÂN DÂN XÃ AN PHÚ",
        2026,
    )


def test_auto_numbered_rows_are_tasks_even_with_an_empty_number_cell(tmp_path: Path) -> None:
    rows = [
        ["STT", "Nhiệm vụ", "Cơ quan chủ trì", "Thời hạn"],
        ["", "Rà soát thủ tục hành chính", "Phòng Kinh tế", "Tháng 3/2026"],
        ["", "Niêm yết thủ tục", "Trung tâm PVHCC", "Tháng 4/2026"],
        ["", "tại bộ phận một cửa", "", ""],  # not numbered: continues the row above
    ]
    result = _import(_word_plan(tmp_path / "p.docx", rows, numbered={1, 2}))
    assert [t["title"] for t in result.tasks] == [
        "Rà soát thủ tục hành chính",
        "Niêm yết thủ tục tại bộ phận một cửa",
    ]
    assert [t["due"] for t in result.tasks] == [date(2026, 3, 31), date(2026, 4, 30)]


@pytest.mark.parametrize(
    ("content", "lead", "support", "time"),
    [
        ("Nội dung", "Cơ quan chủ trì", "Cơ quan phối hợp", "Thời gian"),
        ("Nội dung công việc", "Đơn vị chủ trì", "Đơn vị phối hợp", "Thời gian thực hiện"),
        ("Nhiệm vụ", "Chủ trì", "Người phối hợp", "Thời hạn"),
        ("Nội dung nhiệm vụ", "Người phụ trách", "Phối hợp", "Thời gian hoàn thành"),
        ("Nội dung", "Bộ phận chủ trì", "Đơn vị phối hợp", "Thời hạn"),
    ],
)
def test_column_header_variants(
    tmp_path: Path, content: str, lead: str, support: str, time: str
) -> None:
    rows = [
        ["STT", content, lead, support, time, "Sản phẩm"],
        ["1", "Việc một", "Phòng Kinh tế", "Phòng Văn hóa - Xã hội", "Tháng 5/2026", "Báo cáo"],
    ]
    task = _import(_word_plan(tmp_path / "p.docx", rows)).tasks[0]
    assert (task["title"], task["due"]) == ("Việc một", date(2026, 5, 31))
    assert (task["lead"], task["support"]) == (["phong-kinh-te"], ["phong-van-hoa-xa-hoi"])


def test_unknown_headers_are_listed_and_columns_option_maps_them(
    tmp_path: Path, cli: Callable[..., CliResult]
) -> None:
    rows = [
        ["Số", "Việc cần làm", "Ai làm", "Ai giúp", "Khi nào"],
        ["1", "Việc một", "Phòng Kinh tế", "Công an xã", "Tháng 6/2026"],
    ]
    source = _word_plan(tmp_path / "p.docx", rows)
    with pytest.raises(PlanImportError) as refused:
        _import(source)
    message = str(refused.value)
    assert "Số | Việc cần làm | Ai làm | Ai giúp | Khi nào" in message
    assert "--columns" in message
    code, out, err = cli(
        "import-plan", str(source), "--columns", "stt,task,lead,support,time", "--config-dir",
        str(tmp_path / "cfg"), "--dry-run",
    )  # fmt: skip
    assert code == 0, err
    assert "Việc một" in out
    assert "phong-kinh-te" in out
    assert "cong-an" in out


@pytest.mark.parametrize(
    ("cell", "lead", "support"),
    [
        ("Phòng Kinh tế chủ trì, phối hợp với Công an xã và Trạm Y tế xã", ["KT"], ["CA", "YT"]),
        ("Chủ trì: Phòng Kinh tế; Phối hợp: Công an xã, Trạm Y tế xã", ["KT"], ["CA", "YT"]),
        ("Chủ trì: Phòng Kinh tế\nPhối hợp: Công an xã, Trạm Y tế xã", ["KT"], ["CA", "YT"]),
        ("Phòng Kinh tế (chủ trì); Công an xã, Trạm Y tế xã (phối hợp)", ["KT"], ["CA", "YT"]),
        ("- Phòng Kinh tế\n- Công an xã phối hợp\n- Trạm Y tế xã phối hợp", ["KT"], ["CA", "YT"]),
        ("Phòng Kinh tế, Công an xã, Trạm Y tế xã", ["KT"], ["CA", "YT"]),  # the first leads
    ],
)
def test_roles_inside_one_cell(cell: str, lead: list[str], support: list[str]) -> None:
    index = NameIndex()
    for id_, name in (("KT", "Phòng Kinh tế"), ("CA", "Công an xã"), ("YT", "Trạm Y tế xã")):
        index.add(id_, [name])
    roles = split_roles(cell, index)
    assert [index.resolve(n) for n in roles.lead] == lead
    assert [index.resolve(n) for n in roles.support] == support


@pytest.mark.parametrize(
    ("cell", "names"),
    [
        ("Phòng Công chức, viên chức", ["Phòng Công chức, viên chức"]),
        ("Sở Văn hóa, Thể thao và Du lịch", ["Sở Văn hóa, Thể thao và Du lịch"]),
        ("UBND các xã, phường, đặc khu", ["UBND các xã, phường, đặc khu"]),
        ("Các thôn, xóm", ["Các thôn, xóm"]),
        ("Báo và Phát thanh, Truyền hình tỉnh", ["Báo và Phát thanh, Truyền hình tỉnh"]),
        ("Công an xã Kim Đồng, tỉnh Cao Bằng", ["Công an xã Kim Đồng, tỉnh Cao Bằng"]),
        ("Sở Tư pháp, Sở Nội vụ", ["Sở Tư pháp", "Sở Nội vụ"]),
        (
            "Hiệu trưởng, Kế toán và Tổng phụ trách Đội",
            ["Hiệu trưởng", "Kế toán", "Tổng phụ trách Đội"],
        ),
        ("Đoàn Thanh niên xã và các thôn, xóm", ["Đoàn Thanh niên xã", "các thôn, xóm"]),
    ],
)
def test_commas_split_only_between_units(cell: str, names: list[str]) -> None:
    resolver = Resolver(NameIndex(), (), Path("p.docx"))
    roles = split_roles(f"Phối hợp: {cell}", resolver)
    assert roles.support == names


def test_one_body_written_two_ways_is_one_new_unit(tmp_path: Path) -> None:
    rows = [
        ["STT", "Nội dung", "Chủ trì", "Phối hợp"],
        ["1", "Việc một", "Sở TC", "Sở KH&CN"],
        ["2", "Việc hai", "Sở Tài chính", "Sở Khoa học và Công nghệ"],
    ]
    result = _import(_word_plan(tmp_path / "p.docx", rows))
    assert [t["lead"] for t in result.tasks] == [["so-tai-chinh"], ["so-tai-chinh"]]
    assert result.tasks[0]["support"] == result.tasks[1]["support"]
    made = {u.id: u for u in result.new_units}
    assert len(made) == 2
    assert made["so-tai-chinh"].name == "Sở Tài chính"
    assert "Sở TC" in made["so-tai-chinh"].aliases


def test_collectives_are_groups_posts_are_recipients_and_people_need_assigning(
    tmp_path: Path, cli: Callable[..., CliResult]
) -> None:
    rows = [
        ["STT", "Nội dung", "Người phụ trách", "Người phối hợp"],
        ["1", "Họp phụ huynh", "Hiệu trưởng", "Giáo viên chủ nhiệm; Các tổ chuyên môn"],
        ["2", "Dự hội nghị cụm", "Đại biểu được chọn", ""],
        ["3", "Rà soát hồ sơ", "", ""],
    ]
    source = _word_plan(tmp_path / "p.docx", rows)
    result = _import(source)
    first, second, third = result.tasks
    made = {u.id: u for u in result.new_units}
    assert first["lead"] == ["hieu-truong"]
    assert not made["hieu-truong"].group
    assert made[first["support"][1]].group
    assert second["lead"] == []
    assert second.get("unassigned") == ["Đại biểu được chọn"]
    warnings = [w.format() for w in result.warnings if w.key == third["id"]]
    assert any("sẽ không ai được nhắc" in w for w in warnings), warnings
    target = tmp_path / "cfg"
    code, _, err = cli("import-plan", str(source), "--config-dir", str(target))
    assert code == 0, err
    code, _, err = cli("check", "--config-dir", str(target))
    assert "chưa có thành viên" in err


def test_periods_from_headings_and_time_cells(tmp_path: Path) -> None:
    rows = [
        ["STT", "Nội dung", "Chủ trì", "Thời gian"],
        ["", "THÁNG 3", "THÁNG 3", "THÁNG 3"],
        ["1", "Việc tháng ba", "Phòng Kinh tế", ""],
        ["2", "Việc tuần hai", "Phòng Kinh tế", "Tuần 2"],
        ["", "6 THÁNG CUỐI NĂM", "6 THÁNG CUỐI NĂM", "6 THÁNG CUỐI NĂM"],
        ["1", "Báo cáo hai kỳ", "Phòng Kinh tế", "Tháng 9 và tháng 12/2026"],
        ["2", "Tổng kết", "Phòng Kinh tế", "Trước ngày 10/01/2027"],
        ["3", "Theo dõi", "Phòng Kinh tế", "Thường xuyên"],
        ["4", "Báo cáo tháng", "Phòng Kinh tế", "Hằng tháng, trước ngày 25"],
        ["5", "Hội thi", "Phòng Kinh tế", "Học kỳ I năm học 2026–2027"],
        ["6", "Việc lạ", "Phòng Kinh tế", "Khi có chỉ đạo"],
    ]
    result = _import(_word_plan(tmp_path / "p.docx", rows))
    tasks = {t["title"]: t for t in result.tasks}
    assert len(tasks) == 8  # the heading rows are not tasks
    assert (tasks["Việc tháng ba"]["start"], tasks["Việc tháng ba"]["due"]) == (
        date(2026, 3, 1),
        date(2026, 3, 31),
    )
    assert (tasks["Việc tuần hai"]["start"], tasks["Việc tuần hai"]["due"]) == (
        date(2026, 3, 8),
        date(2026, 3, 14),
    )
    two = tasks["Báo cáo hai kỳ"]
    assert (two["milestones"], two["due"]) == ([date(2026, 9, 30)], date(2026, 12, 31))
    assert tasks["Tổng kết"]["due"] == date(2027, 1, 10)
    assert tasks["Tổng kết"]["quarter"] == 4
    ongoing = tasks["Theo dõi"]
    assert (ongoing["start"], ongoing["due"], ongoing["recurring"]) == (
        date(2026, 7, 1),
        date(2026, 12, 31),
        "ongoing",
    )
    monthly = tasks["Báo cáo tháng"]
    assert monthly["recurring"] == "monthly"
    assert [*monthly["milestones"], monthly["due"]] == [date(2026, m, 25) for m in range(7, 13)]
    assert (tasks["Hội thi"]["start"], tasks["Hội thi"]["due"]) == (
        date(2026, 9, 1),
        date(2027, 1, 15),
    )
    odd = tasks["Việc lạ"]
    assert (odd["start"], odd["due"]) == (date(2026, 7, 1), date(2026, 12, 31))
    warning = next(w.format() for w in result.warnings if w.key == odd["id"])
    assert 'không đọc được thời gian "Khi có chỉ đạo"' in warning
    assert "bảng 2, hàng 11" in warning  # names the cell


def test_repeated_header_row_on_a_new_page_is_not_a_task(tmp_path: Path) -> None:
    source = tmp_path / "p.txt"
    source.write_text(
        "KẾ HOẠCH\nCông tác năm 2026\n"
        "STT\tNội dung\tChủ trì\n1\tViệc một\tPhòng Kinh tế\n\f\n"
        "STT\tNội dung\tChủ trì\n2\tViệc hai\tPhòng Kinh tế\n",
        encoding="utf-16",
    )
    result = _import(source)
    assert [t["title"] for t in result.tasks] == ["Việc một", "Việc hai"]


def test_libreoffice_one_cell_per_line_text(tmp_path: Path) -> None:
    source = tmp_path / "p.txt"
    lines = ["KẾ HOẠCH", "Công tác năm 2026", "STT", "Nội dung", "Chủ trì", "Phối hợp", "Thời gian"]
    lines += ["I", "QUÝ I", "1", "Việc một", "Phòng Kinh tế", "Công an xã", "Tháng 2/2026"]
    lines += ["2", "Việc hai", "Phòng Kinh tế", "", ""]
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    one, two = _import(source).tasks
    assert (one["title"], one["support"], one["due"]) == (
        "Việc một",
        ["cong-an"],
        date(2026, 2, 28),
    )
    assert (two["title"], two["quarter"], two["support"]) == ("Việc hai", 1, [])


@pytest.mark.parametrize(
    ("name", "says"),
    [
        ("thpt-nguyen-binh-thi-dua-2026.doc", "Lưu lại thành .docx rồi nhập"),
        ("thpt-nguyen-binh-thi-dua-2026.doc.docx", "Lưu lại thành .docx rồi nhập"),
        ("tram-y-te-nguyen-binh-tcmr-2026.scan.pdf", "bản quét"),
    ],
)
def test_formats_it_cannot_read_get_a_clear_message(name: str, says: str) -> None:
    with pytest.raises(PlanImportError) as refused:
        _import(CORPUS / name)
    assert says in str(refused.value)
    assert name in str(refused.value)


def test_pdf_renamed_docx_is_read_as_pdf(tmp_path: Path) -> None:
    renamed = tmp_path / "ke-hoach.docx"
    renamed.write_bytes((CORPUS / "xa-nguyen-binh-tdkt-2026.pdf").read_bytes())
    assert len(_import(renamed).tasks) == 19


def test_failed_import_writes_nothing(tmp_path: Path, cli: Callable[..., CliResult]) -> None:
    rows = [["STT", "Nội dung", "Chủ trì"], ["1", "Việc một", "Phòng Kinh tế"]]
    source = _word_plan(tmp_path / "p.docx", rows)
    target = tmp_path / "cfg"
    code, _, err = cli("import-plan", str(source), "--year", "99999", "--config-dir", str(target))
    assert code == 1
    assert "--year 99999" in err
    assert not target.exists()
    target.mkdir()
    (target / "units.toml").write_text('[[units]]\nid = "x"\nname = "X"\n', encoding="utf-8")
    (target / "settings.toml").write_text("council = 'khong-co'\n", encoding="utf-8")
    before = sorted(p.name for p in target.iterdir())
    code, _, err = cli("import-plan", str(source), "--config-dir", str(target))
    assert code == 2, err  # the result would not pass check: nothing is written
    assert sorted(p.name for p in target.iterdir()) == before


def test_dry_run_shows_tasks_decisions_and_units_to_create(
    tmp_path: Path, cli: Callable[..., CliResult]
) -> None:
    rows = [
        ["STT", "Nội dung", "Đơn vị thực hiện", "Thời gian"],
        ["1", "Việc một", "Sở TC, Sở Nội vụ", "Tháng 6 và tháng 12/2026"],
    ]
    source = _word_plan(tmp_path / "p.docx", rows)
    target = tmp_path / "cfg"
    target.mkdir()
    (target / "units.toml").write_text(
        '[[units]]\nid = "so-noi-vu"\nname = "Sở Nội vụ"\n', encoding="utf-8"
    )
    code, out, err = cli("import-plan", str(source), "--config-dir", str(target), "--dry-run")
    assert code == 0, err
    assert "? đoán vai trò" in out  # the first unit taken as lead
    assert "? đọc thời gian" in out
    assert "30/06/2026" in out
    assert "31/12/2026" in out
    assert "Sẽ tạo trong units.toml" in out
    assert "so-tai-chinh" in out
    assert "Sở TC" in out
    assert not (target / "plan-2026.toml").exists()


def test_one_cell_per_line_keeps_an_empty_last_cell_after_a_multi_line_cell(
    tmp_path: Path,
) -> None:
    source = tmp_path / "p.txt"
    lines = ["KẾ HOẠCH", "Công tác năm 2026", "STT", "Nội dung", "Đơn vị thực hiện", "Thời hạn"]
    lines += ["Kết quả", "1", "Việc một", "Chủ trì: Phòng Kinh tế", "Phối hợp: Công an xã"]
    lines += ["6 tháng đầu năm", "", "2", "Việc hai", "Phòng Kinh tế", "Quý III", "Báo cáo"]
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    one, two = _import(source).tasks
    assert (one["lead"], one["support"], one["due"]) == (
        ["phong-kinh-te"],
        ["cong-an"],
        date(2026, 6, 30),
    )
    assert two["due"] == date(2026, 9, 30)


def test_a_name_broken_at_its_dash_by_a_page_break_stays_one_name(tmp_path: Path) -> None:
    source = tmp_path / "p.txt"
    source.write_text(
        "KẾ HOẠCH\nCông tác năm 2026\nSTT\tNội dung\tChủ trì\tPhối hợp\n"
        "1\tĐánh giá, công nhận phường đạt\tPhòng Kinh tế\tPhòng Văn hóa\n"
        "\tchuẩn tiếp cận pháp luật\t\t- Xã hội\n",
        encoding="utf-8",
    )
    task = _import(source).tasks[0]
    assert task["title"] == "Đánh giá, công nhận phường đạt chuẩn tiếp cận pháp luật"
    assert task["support"] == ["phong-van-hoa-xa-hoi"]
