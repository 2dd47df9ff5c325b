"""The reference plan imports to the table a person reads in the document."""

from __future__ import annotations

import shutil
import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import CliResult

NV, VP, UB, HD, GD = "phong-noi-vu", "vp-hdnd-ubnd", "ubnd-huyen", "hd-tdkt", "phong-gddt"
XA, CUM, CQ = "ubnd-xa-thi-tran", "cum-khoi-thi-dua", "co-quan-chuyen-mon"

# Written from reading ../shared/plans (not from the importer's output): id -> (lead, support).
# A unit marked "phối hợp" supports, wherever it stands in the cell; every other unit leads.
EXPECTED: dict[str, tuple[list[str], list[str]]] = {
    "Q1-01": ([NV], [VP]),
    "Q1-02": ([UB, NV], [VP]),
    "Q1-03": ([UB, HD], []),
    "Q1-04": ([NV], [VP]),
    "Q1-05": ([NV], [VP]),
    "Q1-06": ([NV], [VP]),
    "Q1-07": ([HD, NV], [VP]),
    "Q1-08": ([HD, NV], []),
    "Q1-09": ([HD, NV], []),
    "Q1-10": ([HD, NV], []),
    "Q1-11": ([NV], [VP]),
    "Q2-01": ([HD, NV], []),
    "Q2-02": ([HD, NV], []),
    "Q2-03": ([UB, HD, NV], []),
    "Q2-04": ([HD, NV], []),
    "Q2-05": ([HD, NV], []),
    "Q2-06": ([HD, NV, GD], []),
    "Q2-07": ([HD, NV, XA, CUM], []),
    "Q2-08": ([NV], [VP]),
    "Q2-09": ([HD, NV, GD], []),
    "Q3-01": ([HD, NV], [VP]),
    "Q3-02": ([NV], [VP]),
    "Q3-03": ([UB, NV], []),
    "Q3-04": ([UB, HD, NV], []),
    "Q3-05": ([], []),
    "Q4-01": ([NV], [VP]),
    "Q4-02": ([HD, NV], [GD]),
    "Q4-03": ([HD, NV], []),
    "Q4-04": ([HD, NV, CQ, XA], []),
}


def _import(cli: Callable[..., CliResult], document: Path, target: Path) -> dict[str, object]:
    code, out, err = cli("import-plan", str(document), "--config-dir", str(target))
    assert code == 0, out + err
    with (target / "plan-2025.toml").open("rb") as handle:
        return tomllib.load(handle)


@pytest.mark.parametrize("form", ["txt", "docx"])
def test_reference_plan_imports_to_the_expected_table(
    form: str,
    cli: Callable[..., CliResult],
    units_only: Path,
    reference_txt: Path,
    reference_docx: Path,
) -> None:
    plan = _import(cli, reference_txt if form == "txt" else reference_docx, units_only)
    tasks = plan["tasks"]
    assert isinstance(tasks, list)
    got = {t["id"]: (t["lead"], t["support"]) for t in tasks}
    assert got == EXPECTED
    per_quarter = [sum(1 for t in tasks if t["quarter"] == q) for q in (1, 2, 3, 4)]
    assert per_quarter == [11, 9, 5, 4]
    header = plan["plan"]
    assert isinstance(header, dict)
    assert header["year"] == 2025


def test_text_and_word_forms_give_the_same_tasks(
    cli: Callable[..., CliResult], tmp_path: Path, reference_txt: Path, reference_docx: Path
) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    for d in (a, b):
        d.mkdir()
    plan_a = _import(cli, reference_txt, a)
    plan_b = _import(cli, reference_docx, b)
    assert plan_a["tasks"] == plan_b["tasks"]
    assert len(plan_a["tasks"]) == 29  # type: ignore[arg-type]


def test_row_split_across_page_break_keeps_words_after_the_break(
    cli: Callable[..., CliResult], units_only: Path, reference_txt: Path
) -> None:
    plan = _import(cli, reference_txt, units_only)
    q208 = next(t for t in plan["tasks"] if t["id"] == "Q2-08")  # type: ignore[attr-defined]
    assert q208["title"].endswith("của Cụm thi đua các huyện Miền Tây")
    assert q208["support"] == [VP]  # "Văn phòng HĐND&UBND" + "huyện phối hợp" after the break


def test_html_list_remnants_become_unit_items(
    cli: Callable[..., CliResult], units_only: Path, reference_txt: Path
) -> None:
    plan = _import(cli, reference_txt, units_only)
    q404 = next(t for t in plan["tasks"] if t["id"] == "Q4-04")  # type: ignore[attr-defined]
    assert "<" not in q404["title"]
    assert q404["lead"] == [HD, NV, CQ, XA]


def test_person_instead_of_unit_leaves_task_needing_assignment(
    cli: Callable[..., CliResult], units_only: Path, reference_docx: Path
) -> None:
    code, out, err = cli("import-plan", str(reference_docx), "--config-dir", str(units_only))
    assert code == 0
    assert "Đại biểu được chọn" in out
    assert "cần phân công" in out
    plan = tomllib.loads((units_only / "plan-2025.toml").read_text(encoding="utf-8"))
    q305 = next(t for t in plan["tasks"] if t["id"] == "Q3-05")
    assert q305["lead"] == []
    assert q305["unassigned"] == ["Đại biểu được chọn"]
    code, _, err = cli("check", "--config-dir", str(units_only))
    assert code == 0
    assert "Q3-05 cần phân công" in err


def test_spellings_of_one_unit_resolve_to_one_new_unit_in_an_empty_config(
    cli: Callable[..., CliResult], tmp_path: Path, reference_txt: Path
) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    _import(cli, reference_txt, empty)
    units = tomllib.loads((empty / "units.toml").read_text(encoding="utf-8"))["units"]
    names = [u["name"] for u in units]
    councils = [n for n in names if n.lower().startswith("hội đồng thi đua")]
    offices = [n for n in names if n.startswith("Văn phòng HĐND")]
    education = [n for n in names if n.startswith("Phòng G")]
    assert len(councils) == 1, names  # "Hội đồng Thi đua, ...", "... thi đua, ...", "... – ..."
    assert len(offices) == 1, names  # "Văn phòng HĐND&UBND" and "... huyện"
    assert len(education) == 1, names  # "Phòng GD&ĐT" and "Phòng Giáo dục và Đào tạo"
    assert not any("Đại biểu" in n for n in names)


def test_import_refuses_to_overwrite_without_force_and_keeps_a_backup(
    cli: Callable[..., CliResult], config_copy: Path, reference_txt: Path
) -> None:
    before = (config_copy / "plan-2025.toml").read_text(encoding="utf-8")
    code, _, err = cli("import-plan", str(reference_txt), "--config-dir", str(config_copy))
    assert code == 1
    assert "--force" in err
    assert (config_copy / "plan-2025.toml").read_text(encoding="utf-8") == before
    code, _, err = cli(
        "import-plan", str(reference_txt), "--config-dir", str(config_copy), "--force"
    )
    assert code == 0, err
    assert (config_copy / "plan-2025.toml.bak").read_text(encoding="utf-8") == before


def test_new_units_are_appended_and_the_administrators_file_is_kept(
    cli: Callable[..., CliResult], tmp_path: Path, reference_txt: Path
) -> None:
    target = tmp_path / "cfg"
    target.mkdir()
    original = (
        "# Danh sách đơn vị của huyện — ghi chú của người quản trị\n"
        "[[units]]\n"
        'id = "phong-noi-vu"  # giữ nguyên\n'
        'name = "Phòng Nội vụ"\n'
        'email = ["pnv@nguyenbinh.example"]\n'
    )
    (target / "units.toml").write_text(original, encoding="utf-8")
    _import(cli, reference_txt, target)
    text = (target / "units.toml").read_text(encoding="utf-8")
    assert text.startswith(original)
    ids = [u["id"] for u in tomllib.loads(text)["units"]]
    assert ids.count("phong-noi-vu") == 1
    assert len(ids) > 1


def test_dry_run_writes_nothing(
    cli: Callable[..., CliResult], tmp_path: Path, reference_docx: Path
) -> None:
    target = tmp_path / "dry"
    target.mkdir()
    code, out, _ = cli("import-plan", str(reference_docx), "--config-dir", str(target), "--dry-run")
    assert code == 0
    assert "29" in out
    assert list(target.iterdir()) == []


def test_unreadable_document_gives_a_clear_error(
    cli: Callable[..., CliResult], tmp_path: Path
) -> None:
    bad = tmp_path / "plan.docx"
    bad.write_bytes(b"not a zip file")
    code, _, err = cli("import-plan", str(bad), "--config-dir", str(tmp_path))
    assert code == 1
    assert "plan.docx" in err
    assert "Traceback" not in err
    prose = tmp_path / "prose.txt"
    prose.write_text("Kế hoạch năm 2025\nKhông có bảng nào.\n", encoding="utf-8")
    code, _, err = cli("import-plan", str(prose), "--config-dir", str(tmp_path))
    assert code == 1
    assert "không tìm thấy bảng" in err


def test_shipped_plan_is_the_imported_word_document(
    cli: Callable[..., CliResult], units_only: Path, reference_docx: Path, shipped_config: Path
) -> None:
    _import(cli, reference_docx, units_only)
    shipped = tomllib.loads((shipped_config / "plan-2025.toml").read_text(encoding="utf-8"))
    imported = tomllib.loads((units_only / "plan-2025.toml").read_text(encoding="utf-8"))
    assert shipped["tasks"] == imported["tasks"]
    shutil.rmtree(units_only)
