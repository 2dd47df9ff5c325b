"""The corpus score can fail: hand-made import outcomes scored against a hand-made expectation."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any, cast

from reminder.errors import PlanImportError
from reminder.importer import ImportResult, NewUnit, TaskEntry
from tests.import_score import score_result

EXPECTED: dict[str, Any] = {
    "document": {"title": "Kế hoạch cải cách hành chính", "issuer": "UBND xã An", "year": 2026},
    "tasks": [
        {
            "title": "Rà soát thủ tục hành chính",
            "lead": ["Văn phòng HĐND và UBND xã"],
            "support": ["Phòng Kinh tế, Hạ tầng và Đô thị"],
            "unassigned": [],
            "period": {"start": "2026-04-01", "due": ["2026-06-30"], "recurring": None},
        },
        {
            "title": "Báo cáo 6 tháng và năm",
            "lead": ["Phòng Văn hóa - Xã hội"],
            "support": [],
            "unassigned": [],
            "period": {"start": "2026-06-01", "due": ["2026-06-30", "2026-12-31"]},
        },
    ],
}
UNITS = [
    NewUnit("vp", "VP HĐND&UBND xã", []),
    NewUnit("kt", "Phòng Kinh tế, Hạ tầng và Đô thị", []),
    NewUnit("vh", "Phòng Văn hoá – Xã hội", []),
]


def _task(title: str, lead: list[str], support: list[str], **dates: Any) -> dict[str, Any]:
    return {"id": "Q2-01", "quarter": 2, "title": title, "lead": lead, "support": support, **dates}


def _result(tasks: list[dict[str, Any]], issuer: str = "ỦY BAN NHÂN DÂN XÃ AN") -> ImportResult:
    return ImportResult(
        title="KẾ HOẠCH Cải cách hành chính",
        year=2026,
        issuer=issuer,
        tasks=cast(list[TaskEntry], tasks),
        new_units=UNITS,
        warnings=[],
        source=Path("x.docx"),
    )


RIGHT = [
    _task("Rà soát thủ tục hành chính.", ["vp"], ["kt"]),
    _task(
        "Báo cáo 6 tháng và năm",
        ["vh"],
        [],
        start=date(2026, 6, 1),
        milestones=[date(2026, 6, 30)],
        due=date(2026, 12, 31),
    ),
]


def test_a_right_import_scores_full_marks_names_compared_by_key() -> None:
    score = score_result("x.docx", EXPECTED, _result(RIGHT), None)
    assert (score.right, score.total, score.header_wrong, score.problems) == (2, 2, [], [])


def test_a_wrong_role_a_wrong_date_and_a_wrong_header_each_count() -> None:
    tasks = [_task("Rà soát thủ tục hành chính", ["vp", "kt"], []), dict(RIGHT[1], due=None)]
    tasks[1].pop("milestones")
    score = score_result("x.docx", EXPECTED, _result(tasks, issuer="Độc lập - Tự do"), None)
    assert (score.right, score.total) == (0, 2)
    assert "lead" in score.problems[0]
    assert "support" in score.problems[0]
    assert "period" in score.problems[1]
    assert score.header_wrong
    assert "issuer" in score.header_wrong[0]


def test_an_extra_task_and_a_missing_task_each_cost_one() -> None:
    heading = _task("QUÝ II", [], [])
    score = score_result("x.docx", EXPECTED, _result([heading, RIGHT[0]]), None)
    assert (score.right, score.total) == (1, 3)
    assert any("extra" in p for p in score.problems)
    assert any("missing" in p for p in score.problems)


def test_a_split_name_is_wrong() -> None:
    units = [*UNITS, NewUnit("ht", "Hạ tầng và Đô thị", [])]
    result = _result([_task("Rà soát thủ tục hành chính", ["vp"], ["kt", "ht"]), RIGHT[1]])
    result.new_units = units
    result.tasks[0]["support"] = ["kt", "ht"]
    assert score_result("x.docx", EXPECTED, result, None).right == 1


def test_refusals_score_by_message_and_crashes_are_reported() -> None:
    refused = {"message_any": ["lưu lại thành .docx"]}
    expected = {"document": EXPECTED["document"], "refused": refused}
    good = PlanImportError("x.doc: tệp Word cũ — Lưu lại thành .docx rồi nhập")
    assert score_result("x.doc", expected, None, good).right == 1
    vague = PlanImportError("x.doc: không mở được tệp Word")
    assert score_result("x.doc", expected, None, vague).right == 0
    assert score_result("x.doc", expected, _result(RIGHT), None).right == 0
    crashed = score_result("x.docx", EXPECTED, None, KeyError("w:numPr"))
    assert (crashed.right, crashed.total) == (0, 2)
    assert crashed.crash == "KeyError: 'w:numPr'"
