"""Periods other than a single window: milestones (several due dates) and standing tasks."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from reminder.calendar import WorkCalendar
from reminder.plan import Directory, Plan, Task, Unit
from reminder.policy import Policy
from reminder.schedule import occurrences

DIRECTORY = Directory(units={"u": Unit(id="u", name="Đơn vị", email=("u@x.example",))})


def _schedule(task: Task) -> list[tuple[str, date, date]]:
    plan = Plan(id="p", title="K", year=2026, issuer="", tasks=(task,))
    return [
        (o.kind, o.day, o.due) for o in occurrences([plan], DIRECTORY, Policy(), WorkCalendar())
    ]


def test_each_milestone_is_reminded_before_and_on_its_own_due_date() -> None:
    task = Task(
        id="T",
        quarter=2,
        title="Báo cáo 6 tháng và năm",
        lead=("u",),
        start=date(2026, 6, 1),
        milestones=(date(2026, 6, 30),),
        due=date(2026, 12, 31),
    )
    schedule = _schedule(task)
    dues = [(day, due) for kind, day, due in schedule if kind == "due"]
    assert dues == [
        (date(2026, 6, 30), date(2026, 6, 30)),
        (date(2026, 12, 31), date(2026, 12, 31)),
    ]
    before = [day for kind, day, _ in schedule if kind == "before_due"]
    assert date(2026, 6, 29) in before
    assert date(2026, 12, 30) in before
    assert [day for kind, day, _ in schedule if kind == "open"] == [date(2026, 6, 1)]
    # Chasing after the first milestone stops where the second window's reminders start.
    assert sum(1 for kind, _, due in schedule if kind == "overdue" and due.month == 6) == 5


def test_a_standing_task_is_reminded_at_the_start_of_every_month() -> None:
    task = Task(
        id="T",
        quarter=3,
        title="Theo dõi",
        lead=("u",),
        start=date(2026, 7, 1),
        due=date(2026, 12, 31),
        recurring="ongoing",
    )
    opens = [day for kind, day, _ in _schedule(task) if kind == "open"]
    assert opens == [
        date(2026, 7, 1),
        date(2026, 8, 3),  # 1/8/2026 is a Saturday
        date(2026, 9, 3),  # 1-2/9/2026: National Day
        date(2026, 10, 1),
        date(2026, 11, 2),
        date(2026, 12, 1),
    ]
    plain = task.model_copy(update={"recurring": None})
    assert [day for kind, day, _ in _schedule(plain) if kind == "open"] == [date(2026, 7, 1)]


def test_shipped_plan_still_loads_and_the_new_keys_are_checked(tmp_path: Path) -> None:
    from reminder import config

    root = Path(__file__).resolve().parent.parent / "config"
    loaded = config.load(root)
    assert loaded.plans
    assert all(not t.milestones for t in loaded.plans[0].tasks)
    target = tmp_path / "cfg"
    target.mkdir()
    (target / "units.toml").write_text('[[units]]\nid = "u"\nname = "U"\n', encoding="utf-8")
    (target / "plan-2026.toml").write_text(
        '[plan]\ntitle = "K"\nyear = 2026\n\n[[tasks]]\nid = "T"\nquarter = 4\ntitle = "x"\n'
        'lead = ["u"]\nmilestones = [2026-12-31]\ndue = 2026-06-30\n',
        encoding="utf-8",
    )
    _, problems = config.validate(target)
    assert any("milestones phải tăng dần" in p.message for p in problems)
