"""No input, however broken, makes the loaders raise: every failure is a Problem."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Any

import tomlkit
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reminder import config

ROOT = Path(__file__).resolve().parent.parent
FILES = ("settings.toml", "units.toml", "plan-2025.toml", "calendar-2025.toml")

scalars = st.one_of(
    st.text(max_size=12),
    st.integers(min_value=-(2**40), max_value=2**40),
    st.booleans(),
    st.dates(min_value=dt.date(1, 1, 1)),
    st.floats(allow_nan=False, allow_infinity=False),
)
keys = st.sampled_from(
    [
        "id",
        "name",
        "title",
        "year",
        "quarter",
        "lead",
        "support",
        "start",
        "due",
        "members",
        "email",
        "units",
        "groups",
        "tasks",
        "plan",
        "policy",
        "days_off",
        "working_days",
        "date",
        "reason",
        "before_due",
        "send_time",
        "council",
        "web",
        "port",
        "x",
    ]
)
values: st.SearchStrategy[Any] = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(keys, inner, max_size=5)),
    max_leaves=20,
)
documents = st.dictionaries(keys, values, max_size=6)


def _fresh(tmp_path: Path, name: str) -> Path:
    target = tmp_path / name
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(ROOT / "config", target)
    return target


def _assert_clean(result: tuple[config.Config | None, list[Any]]) -> None:
    loaded, problems = result
    if loaded is None:
        assert any(p.severity == "error" for p in problems)
    for problem in problems:
        assert problem.message
        assert problem.format()


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(which=st.sampled_from(FILES), raw=st.binary(max_size=300))
def test_any_bytes_in_any_file_give_problems_not_exceptions(
    tmp_path: Path, which: str, raw: bytes
) -> None:
    target = _fresh(tmp_path, "bytes")
    (target / which).write_bytes(raw)
    _assert_clean(config.validate(target))


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(which=st.sampled_from(FILES), document=documents)
def test_any_valid_toml_in_any_file_gives_problems_not_exceptions(
    tmp_path: Path, which: str, document: dict[str, Any]
) -> None:
    target = _fresh(tmp_path, "toml")
    (target / which).write_text(tomlkit.dumps(document), encoding="utf-8")
    _assert_clean(config.validate(target))


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    task=st.fixed_dictionaries(
        {},
        optional={
            "id": values,
            "quarter": values,
            "title": values,
            "lead": values,
            "support": values,
            "start": values,
            "due": values,
            "time": values,
            "policy": values,
        },
    )
)
def test_any_task_table_gives_problems_not_exceptions(tmp_path: Path, task: dict[str, Any]) -> None:
    target = _fresh(tmp_path, "task")
    plan = tomlkit.parse((target / "plan-2025.toml").read_text(encoding="utf-8"))
    plan["tasks"].append(task)
    (target / "plan-2025.toml").write_text(tomlkit.dumps(plan), encoding="utf-8")
    _assert_clean(config.validate(target))


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    text=st.lists(
        st.one_of(
            st.text(max_size=40),
            st.sampled_from(
                [
                    "Stt\tNội dung\tĐơn vị thực hiện",
                    "I\tQuý I\t",
                    "1\tViệc\t- Phòng Nội vụ",
                    "\t\thuyện phối hợp",
                    "| Stt | Nội dung | Chủ trì |",
                    "|---|---|---|",
                    "<ul><li>- X</li>",
                    "KẾ HOẠCH",
                    "năm 2025",
                    "QUÝ II (tháng 4 - 6)",
                    "2\tViệc hai\tPhối hợp: Văn phòng\tTrước ngày 31/02/2025",
                ]
            ),
        ),
        max_size=25,
    )
)
def test_any_text_document_imports_or_says_why(tmp_path: Path, text: list[str]) -> None:
    from reminder.errors import PlanImportError
    from reminder.importer import import_plan
    from reminder.names import NameIndex

    source = tmp_path / "plan.txt"
    source.write_text("\n".join(text), encoding="utf-8")
    try:
        result = import_plan(source, NameIndex(), year=2025)
    except PlanImportError as exc:
        message = str(exc)
        assert "plan.txt" in message, message  # names the file
        return
    assert result.tasks
    ids = [t["id"] for t in result.tasks]
    assert len(ids) == len(set(ids))
