"""The schedule: properties over random plans, policies and calendars, and the 2025 facts."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import TypeVar

from hypothesis import given, settings
from hypothesis import strategies as st

from reminder import config
from reminder.calendar import CalendarFile, DeclaredDay, WorkCalendar
from reminder.plan import Directory, Group, Plan, Task, Unit
from reminder.policy import Policy, PolicyOverride
from reminder.schedule import LOCAL_TZ, DueIndex, Occurrence, batches, effective_due, occurrences
from tests.conftest import DAYS_OFF_2025

T = TypeVar("T")
ROOT = Path(__file__).resolve().parent.parent
YEAR = 2025
UNITS = [f"u{i}" for i in range(6)]
DIRECTORY = Directory(
    units={u: Unit(id=u, name=f"Đơn vị {u}", email=(f"{u}@x.example",)) for u in UNITS},
    groups={"g": Group(id="g", name="Nhóm", members=("u4", "u5"))},
)

# -- strategies -------------------------------------------------------------------------------

days_in_year = st.dates(min_value=date(YEAR, 1, 1), max_value=date(YEAR, 12, 31))


@st.composite
def tasks(draw: st.DrawFn, n: int) -> Task:
    quarter = draw(st.integers(1, 4))
    start = draw(st.one_of(st.none(), days_in_year))
    due = draw(st.one_of(st.none(), days_in_year))
    if start and due and due < start:
        start, due = due, start
    lead = draw(st.lists(st.sampled_from([*UNITS, "g"]), min_size=1, max_size=3, unique=True))
    support = draw(st.lists(st.sampled_from(UNITS), max_size=2, unique=True))
    override = draw(st.one_of(st.none(), policies(PolicyOverride)))
    return Task(
        id=f"T{n}",
        quarter=quarter,
        title=f"Việc {n}",
        lead=tuple(lead),
        support=tuple(support),
        start=start,
        due=due,
        policy=override,
    )


def policies(model: Callable[..., T]) -> st.SearchStrategy[T]:
    return st.builds(
        model,
        open=st.booleans(),
        before_due=st.lists(st.integers(1, 30), max_size=4).map(tuple),
        due=st.booleans(),
        overdue_every=st.integers(1, 10),
        overdue_max=st.integers(0, 8),
        escalate_after=st.integers(0, 20),
        send_time=st.times(),
        support_kinds=st.lists(
            st.sampled_from(["open", "before_due", "due", "overdue"]), max_size=3, unique=True
        ).map(tuple),
    )


@st.composite
def calendars(draw: st.DrawFn) -> WorkCalendar:
    off = draw(st.lists(days_in_year, max_size=15, unique=True))
    weekends = [
        d
        for d in draw(st.lists(days_in_year, max_size=6, unique=True))
        if d.weekday() >= 5 and d not in off
    ]
    return WorkCalendar(
        [
            CalendarFile(
                year=YEAR,
                days_off=tuple(DeclaredDay(date=d, reason="nghỉ") for d in off),
                working_days=tuple(DeclaredDay(date=d, reason="làm bù") for d in weekends),
            )
        ]
    )


@st.composite
def plans(draw: st.DrawFn) -> Plan:
    count = draw(st.integers(1, 6))
    return Plan(
        id="p",
        title="Kế hoạch",
        year=YEAR,
        issuer="",
        tasks=tuple(draw(tasks(i)) for i in range(count)),
    )


def _schedule(plan: Plan, policy: Policy, cal: WorkCalendar) -> list[Occurrence]:
    return occurrences([plan], DIRECTORY, policy, cal)


# -- properties ---------------------------------------------------------------------------------

PROPERTY = settings(max_examples=120, deadline=None)


@PROPERTY
@given(plan=plans(), policy=policies(Policy), cal=calendars())
def test_no_occurrence_falls_on_a_day_off(plan: Plan, policy: Policy, cal: WorkCalendar) -> None:
    for occ in _schedule(plan, policy, cal):
        assert cal.is_working_day(occ.day), occ


@PROPERTY
@given(plan=plans(), policy=policies(Policy), cal=calendars())
def test_before_due_is_not_after_due_and_overdue_is_after(
    plan: Plan, policy: Policy, cal: WorkCalendar
) -> None:
    for occ in _schedule(plan, policy, cal):
        if occ.kind in ("open", "before_due"):
            assert occ.day <= occ.due, occ
        if occ.kind in ("overdue", "escalation"):
            assert occ.day > occ.due, occ
        if occ.kind == "due":
            assert occ.day == occ.due
        assert cal.is_working_day(occ.due)


@PROPERTY
@given(plan=plans(), policy=policies(Policy), cal=calendars())
def test_schedule_is_deterministic_with_unique_keys(
    plan: Plan, policy: Policy, cal: WorkCalendar
) -> None:
    first = _schedule(plan, policy, cal)
    again = _schedule(plan, policy, WorkCalendar(cal.files))
    assert first == again
    keys = [o.key for o in first]
    assert len(keys) == len(set(keys))
    per_day = Counter((o.task, o.unit, o.day) for o in first)
    assert max(per_day.values(), default=1) == 1


@PROPERTY
@given(plan=plans(), policy=policies(Policy), cal=calendars())
def test_every_lead_with_a_working_day_in_its_window_hears_before_the_deadline(
    plan: Plan, policy: Policy, cal: WorkCalendar
) -> None:
    schedule = _schedule(plan, policy, cal)
    for task in plan.tasks:
        start, due = plan.window(task)
        if not cal.working_days_in(start, due):
            continue
        for unit in DIRECTORY.expand(task.lead):
            before = [
                o for o in schedule if o.task == task.id and o.unit == unit and o.day <= o.due
            ]
            assert before, (task, unit)


@PROPERTY
@given(plan=plans(), policy=policies(Policy), cal=calendars())
def test_support_units_get_only_their_kinds_and_never_escalation(
    plan: Plan, policy: Policy, cal: WorkCalendar
) -> None:
    for occ in _schedule(plan, policy, cal):
        if occ.role == "support":
            task = next(t for t in plan.tasks if t.id == occ.task)
            kinds = policy.merged(task.policy).support_kinds
            assert occ.kind in kinds
            assert occ.kind != "escalation"


# -- the tick's question ----------------------------------------------------------------------


def _naive_due(schedule: list[Occurrence], now: datetime, delivered: set[str]) -> list[Occurrence]:
    latest: dict[tuple[str, str, str], Occurrence] = {}
    for occ in schedule:
        if occ.send_at <= now:
            latest[occ.pair] = occ
    return sorted(
        (o for o in latest.values() if o.key not in delivered),
        key=lambda o: (o.send_at, o.unit, o.plan, o.task),
    )


@settings(max_examples=60, deadline=None)
@given(
    plan=plans(),
    policy=policies(Policy),
    steps=st.lists(st.integers(0, 20 * 24 * 60), min_size=1, max_size=25),
)
def test_due_index_matches_the_definition_at_every_tick(
    plan: Plan, policy: Policy, steps: list[int]
) -> None:
    cal = WorkCalendar()
    schedule = _schedule(plan, policy, cal)
    index = DueIndex(schedule)
    delivered: set[str] = set()
    now = datetime(YEAR, 1, 1, tzinfo=LOCAL_TZ)
    for minutes in steps:
        now += timedelta(minutes=minutes)
        expected = _naive_due(schedule, now, delivered)
        got = index.due(now, lambda o: o.key in delivered)
        assert got == expected
        delivered.update(o.key for o in got[: len(got) // 2])  # deliver some, not all


def test_a_plan_loaded_late_sends_only_the_latest_missed_reminder_per_pair() -> None:
    loaded = config.load(ROOT / "config")
    schedule = occurrences(loaded.plans, loaded.directory, loaded.settings.policy, loaded.calendar)
    now = datetime(2025, 4, 4, 9, 0, tzinfo=LOCAL_TZ)  # Q1 tasks overdue, Q2 ones open
    missed = [o for o in schedule if o.send_at <= now]
    due = DueIndex(schedule).due(now, lambda o: False)
    assert len(missed) > len(due)
    assert len({o.pair for o in due}) == len(due)
    for occ in due:
        assert occ == max((m for m in missed if m.pair == occ.pair), key=lambda m: m.send_at)


def test_due_index_going_back_in_time_starts_over() -> None:
    loaded = config.load(ROOT / "config")
    schedule = occurrences(loaded.plans, loaded.directory, loaded.settings.policy, loaded.calendar)
    index = DueIndex(schedule)
    late = index.due(datetime(2025, 6, 1, tzinfo=LOCAL_TZ), lambda o: False)
    early = index.due(datetime(2025, 1, 3, tzinfo=LOCAL_TZ), lambda o: False)
    assert early
    assert all(o.send_at.date() == date(2025, 1, 2) for o in early)
    assert late != early


# -- the reference plan -------------------------------------------------------------------------


def test_reference_plan_sends_nothing_on_2025_days_off() -> None:
    loaded = config.load(ROOT / "config")
    dense = Policy(before_due=tuple(range(1, 60)), overdue_every=1, overdue_max=60)
    schedule = occurrences(loaded.plans, loaded.directory, dense, loaded.calendar)
    days = {o.day for o in schedule}
    for off in DAYS_OFF_2025:
        assert off not in days, off
    assert date(2025, 4, 26) in days  # the make-up Saturday is used
    make_up = {date(2025, 4, 26), date(2026, 1, 10)}  # 2026-01-10: overdue reminders run into 2026
    assert all(d.weekday() < 5 or d in make_up for d in days)


def test_due_on_saturday_after_the_april_break_reminds_on_tuesday() -> None:
    cal = config.load(ROOT / "config").calendar
    task = Task(id="T", quarter=2, title="Báo cáo", lead=("u0",), due=date(2025, 5, 3))
    plan = Plan(id="p", title="K", year=YEAR, issuer="", tasks=(task,))
    schedule = occurrences([plan], DIRECTORY, Policy(), cal)
    assert effective_due(cal, date(2025, 5, 3)) == date(2025, 4, 29)
    due = [o for o in schedule if o.kind == "due"]
    assert [o.day for o in due] == [date(2025, 4, 29)]
    assert due[0].send_at == datetime(2025, 4, 29, 8, 0, tzinfo=LOCAL_TZ)
    assert due[0].send_at.isoformat() == "2025-04-29T08:00:00+07:00"
    before = [o.day for o in schedule if o.kind == "before_due"]
    assert before == [date(2025, 4, 23), date(2025, 4, 28)]  # 5 and 1 working days before


def test_policy_overrides_apply_unit_then_task() -> None:
    units = dict(DIRECTORY.units)
    units["u0"] = units["u0"].model_copy(
        update={"policy": PolicyOverride(send_time=time(7, 0), before_due=(2,))}
    )
    directory = Directory(units=units, groups=DIRECTORY.groups)
    task = Task(
        id="T", quarter=2, title="x", lead=("u0", "u1"), policy=PolicyOverride(before_due=(3,))
    )
    plan = Plan(id="p", title="K", year=YEAR, issuer="", tasks=(task,))
    schedule = occurrences([plan], directory, Policy(), WorkCalendar())
    u0 = [o for o in schedule if o.unit == "u0"]
    assert {o.send_at.time() for o in u0} == {time(7, 0)}
    cal = WorkCalendar()
    eff = effective_due(cal, date(2025, 6, 30))
    assert [o.day for o in u0 if o.kind == "before_due"] == [cal.working_days_before(eff, 3)]


def test_groups_expand_and_a_lead_is_not_also_support() -> None:
    task = Task(id="T", quarter=1, title="x", lead=("g", "u0"), support=("u0", "u1"))
    plan = Plan(id="p", title="K", year=YEAR, issuer="", tasks=(task,))
    schedule = occurrences([plan], DIRECTORY, Policy(), WorkCalendar())
    roles = {(o.unit, o.role) for o in schedule}
    assert roles == {("u4", "lead"), ("u5", "lead"), ("u0", "lead"), ("u1", "support")}


def test_batches_give_one_message_per_unit_per_day_and_route_escalation_to_the_council() -> None:
    loaded = config.load(ROOT / "config")
    schedule = occurrences(loaded.plans, loaded.directory, loaded.settings.policy, loaded.calendar)
    day = [o for o in schedule if o.day == date(2025, 1, 2)]
    grouped = batches(day, council=["hd-tdkt"])
    assert len(grouped) == len({o.unit for o in day})
    nv = next(b for b in grouped if b.recipient == "phong-noi-vu")
    assert len(nv.items) == sum(1 for o in day if o.unit == "phong-noi-vu") > 1
    escalations = [o for o in schedule if o.kind == "escalation"][:3]
    routed = batches(escalations, council=["hd-tdkt", "ubnd-huyen"])
    assert {b.recipient for b in routed} == {"hd-tdkt", "ubnd-huyen"}
