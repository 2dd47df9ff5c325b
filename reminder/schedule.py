"""The reminder schedule: a pure function of plan, units, policy, calendar and a date range.

``occurrences`` answers "who is reminded of what, and when" for a whole plan: each
``Occurrence`` is one (task, unit, kind) reminder on one working day at the policy's send time.
Nothing here reads a clock or a store; ``DueIndex`` answers the tick's question "what is due by
now" from a precomputed schedule in time proportional to what changed since the last tick, not to
the size of the year.

Rules (see ``reminder.policy`` for the defaults):

- the effective due date is the last working day on or before the task's ``due``;
- ``open`` is the first working day of the window; ``before_due`` offsets count working days
  back from the effective due date and are dropped if they fall before the window opens;
  ``due`` is the effective due date; ``overdue`` repeats every ``overdue_every`` working days
  after it, ``overdue_max`` times; ``escalation`` comes ``escalate_after`` working days late;
- whatever the policy, a task whose window has a working day reminds its leads at least once
  on or before the effective due date (the due-day reminder is kept);
- a (task, unit) gets at most one occurrence per day: the latest stage wins
  (escalation > overdue > due > before_due > open);
- supporting units receive only ``support_kinds``; escalation concerns lead units only and is
  delivered to the council named in settings;
- groups expand to their members; a unit that is both lead and support is a lead;
- a task with ``milestones`` has one window per due date: each milestone gets the
  ``before_due`` and ``due`` reminders (and the chasing after it) like the final due date,
  ``open`` comes once, when the first window opens;
- a standing task (``recurring = "ongoing"``, "Thường xuyên") is also reminded on the first
  working day of every month of its window (kind ``open``), so nobody forgets it for a year;
  ``monthly``/``quarterly`` tasks are reminded through their milestones, one per period.
"""

from __future__ import annotations

import bisect
import itertools
import operator
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Literal, NamedTuple

from reminder.calendar import WorkCalendar
from reminder.labels import LOCAL_TZ as LOCAL_TZ  # re-exported: modules import it from here
from reminder.labels import ROLE_LABELS as ROLE_LABELS
from reminder.plan import Directory, Plan, Task
from reminder.policy import Kind, Policy

if TYPE_CHECKING:
    from reminder.adjust import Adjustments

Role = Literal["lead", "support"]
_RANK: dict[str, int] = {"open": 0, "before_due": 1, "due": 2, "overdue": 3, "escalation": 4}
_ALL_KINDS: set[str] = set(_RANK)


class Occurrence(NamedTuple):
    """One reminder: ``unit`` is told about ``task`` (``kind``) at ``send_at``.

    ``due`` is the effective due date. For ``escalation`` the unit is the late lead unit; the
    message goes to the council. ``n`` numbers overdue repeats (1, 2, ...) and is 0 otherwise.
    ``key`` is the stable identity: the same reminder gets the same key in every computation.
    Build one with ``occurrence``; a tuple because a province's year holds half a million.
    """

    plan: str
    task: str
    unit: str
    role: Role
    kind: Kind
    send_at: datetime
    due: date
    n: int
    key: str

    @property
    def pair(self) -> tuple[str, str, str]:
        """(plan, task, unit): what an acknowledgment is about."""
        return (self.plan, self.task, self.unit)

    @property
    def day(self) -> date:
        """The local day the reminder goes out."""
        return self.send_at.date()


def occurrence(
    plan: str,
    task: str,
    unit: str,
    role: Role,
    kind: Kind,
    send_at: datetime,
    due: date,
    n: int = 0,
) -> Occurrence:
    """An ``Occurrence`` with its key."""
    key = f"{plan}/{task}/{unit}/{kind}/{send_at.date().isoformat()}"
    return Occurrence(plan, task, unit, role, kind, send_at, due, n, key)


_ORDER = operator.itemgetter(5, 2, 0, 1)  # send_at, unit, plan, task: unique per occurrence
_WITHIN_TIME = operator.itemgetter(2, 0, 1)


def effective_due(calendar: WorkCalendar, due: date) -> date:
    """The last working day on or before ``due``."""
    return calendar.previous_working_day(due, inclusive=True)


def stages(
    calendar: WorkCalendar, start: date, due: date, policy: Policy
) -> list[tuple[Kind, date, int]]:
    """The (kind, day, n) reminders of one task window under ``policy``, one per day, in order.

    Pure: the same calendar, window and policy always give the same list.
    """
    return [(kind, day, n) for kind, day, n, _ in plan_stages(calendar, ((start, due),), policy)]


def plan_stages(
    calendar: WorkCalendar,
    windows: Sequence[tuple[date, date]],
    policy: Policy,
    recurring: str | None = None,
) -> list[tuple[Kind, date, int, date]]:
    """The (kind, day, n, effective due) reminders of a task's windows, one per day, in order.

    Each window is reminded before and on its due date and chased after it; ``open`` comes
    when the first window opens (and, for an ``ongoing`` task, on the first working day of
    each month). Where two reminders fall on one day the later stage wins. Pure.
    """
    by_day: dict[date, tuple[Kind, date, int, date]] = {}

    def put(kind: Kind, day: date, due: date, n: int = 0) -> None:
        current = by_day.get(day)
        if current is None or _RANK[kind] > _RANK[current[0]]:
            by_day[day] = (kind, day, n, due)

    first_open = calendar.next_working_day(windows[0][0], inclusive=True)
    for w, (start, due) in enumerate(windows):
        eff_due = effective_due(calendar, due)
        first = calendar.next_working_day(start, inclusive=True)
        in_window = first <= eff_due
        if policy.open and in_window and w == 0:
            put("open", first, eff_due)
        if in_window:
            for offset in policy.before_due:
                day = calendar.working_days_before(eff_due, offset)
                if day >= first:
                    put("before_due", day, eff_due)
        if policy.due:
            put("due", eff_due, eff_due)
        for k in range(1, policy.overdue_max + 1):
            day = calendar.add_working_days(eff_due, k * policy.overdue_every)
            put("overdue", day, eff_due, k)
        if policy.escalate_after > 0:
            put("escalation", calendar.add_working_days(eff_due, policy.escalate_after), eff_due)
        if in_window and not any(first <= d <= eff_due for d in by_day):
            # Whatever the policy says, a lead hears of a task at least once before its deadline.
            put("due", eff_due, eff_due)
    if recurring == "ongoing" and policy.open:
        last_due = effective_due(calendar, windows[-1][1])
        month = date(windows[0][0].year, windows[0][0].month, 1)
        while month <= last_due:
            day = calendar.next_working_day(month, inclusive=True)
            if first_open < day < last_due:
                put("open", day, last_due)
            month = (month + timedelta(days=32)).replace(day=1)
    return [by_day[d] for d in sorted(by_day)]


@dataclass(frozen=True)
class Assignment:
    """A (task, unit) pair with the unit's role."""

    plan: Plan
    task: Task
    unit: str
    role: Role


class TaskUnits:
    """The (unit, role) pairs of a task, lead before support, groups expanded: each distinct
    list of ids is expanded once (a province's tasks name the same few groups thousands of
    times)."""

    def __init__(self, directory: Directory) -> None:
        self.directory = directory
        self._expanded: dict[tuple[str, ...], list[str]] = {}

    def _expand(self, ids: tuple[str, ...]) -> list[str]:
        held = self._expanded.get(ids)
        if held is None:
            held = self._expanded[ids] = self.directory.expand(ids)
        return held

    def __call__(self, task: Task) -> list[tuple[str, Role]]:
        lead = self._expand(tuple(task.lead))
        leading = set(lead)
        out: list[tuple[str, Role]] = [(unit, "lead") for unit in lead]
        out += [(u, "support") for u in self._expand(tuple(task.support)) if u not in leading]
        return out


def assignments(plans: Iterable[Plan], directory: Directory) -> list[Assignment]:
    """Every (task, unit) pair of ``plans``, groups expanded, lead before support."""
    units_of = TaskUnits(directory)
    return [
        Assignment(plan, task, unit, role)
        for plan in plans
        for task in plan.tasks
        for unit, role in units_of(task)
    ]


def occurrences(
    plans: Iterable[Plan],
    directory: Directory,
    policy: Policy,
    calendar: WorkCalendar,
    start: date | None = None,
    end: date | None = None,
    adjustments: Adjustments | None = None,
) -> list[Occurrence]:
    """Every reminder of ``plans`` sent from ``start`` to ``end`` (inclusive; None = open),
    sorted by send time, unit, task and kind. Deterministic and free of side effects.

    ``adjustments``: an approved extension replaces the due date of its (plan, task, unit)
    only; a paused unit gets no reminder on the days of its pause (the council still hears of
    its long-overdue tasks)."""
    stage_cache: dict[
        tuple[tuple[tuple[date, date], ...], str | None, Policy], list[tuple[Kind, date, int, date]]
    ] = {}
    send_cache: dict[tuple[date, time], tuple[datetime, str]] = {}
    by_time: dict[datetime, list[Occurrence]] = {}
    for a in assignments(plans, directory):
        merged = policy.merged(directory.units[a.unit].policy).merged(a.task.policy)
        windows = tuple(a.plan.windows(a.task))
        extended = adjustments.due.get((a.plan.id, a.task.id, a.unit)) if adjustments else None
        if extended is not None:  # the final due date moves; milestones before it stay
            windows = (*windows[:-1], (windows[-1][0], extended))
        skey = (windows, a.task.recurring, merged)
        task_stages = stage_cache.get(skey)
        if task_stages is None:
            task_stages = plan_stages(calendar, windows, merged, a.task.recurring)
            stage_cache[skey] = task_stages
        allowed = _ALL_KINDS if a.role == "lead" else set(merged.support_kinds) - {"escalation"}
        prefix = f"{a.plan.id}/{a.task.id}/{a.unit}/"
        # ``adjustments.paused_on(a.unit, day)``, its lookup done once per assignment.
        pause = adjustments.pauses.get(a.unit) if adjustments is not None else None
        for kind, day, n, eff_due in task_stages:
            if (start is not None and day < start) or (end is not None and day > end):
                continue
            if kind not in allowed:
                continue
            if pause is not None and kind != "escalation" and day <= pause.until:
                continue
            send_key = (day, merged.send_time)
            cached = send_cache.get(send_key)
            if cached is None:
                cached = (datetime.combine(day, merged.send_time, tzinfo=LOCAL_TZ), day.isoformat())
                send_cache[send_key] = cached
            send_at, day_text = cached
            occ = Occurrence(
                a.plan.id,
                a.task.id,
                a.unit,
                a.role,
                kind,
                send_at,
                eff_due,
                n,
                prefix + kind + "/" + day_text,
            )
            bucket = by_time.get(send_at)
            if bucket is None:
                by_time[send_at] = [occ]
            else:
                bucket.append(occ)
    # Bucketing by send time first keeps the sort to string comparisons: comparing aware
    # datetimes half a million times costs more than building the schedule.
    out: list[Occurrence] = []
    for send_at in sorted(by_time):
        bucket = by_time[send_at]
        bucket.sort(key=_WITHIN_TIME)
        out.extend(bucket)
    return out


@dataclass
class Batch:
    """The occurrences one recipient gets on one day: one message."""

    recipient: str
    day: date
    items: list[Occurrence] = field(default_factory=list)


def batches(
    due: Iterable[Occurrence], council: Sequence[str], day: date | None = None
) -> list[Batch]:
    """Group occurrences into one batch per (recipient, day).

    An occurrence goes to its unit, except ``escalation``, which goes to each council member.
    ``day`` puts everything into that day's batches (a dispatch pass sends today what is due
    now, whenever it fell due); without it each occurrence keeps its own day.
    Order: by day, then recipient; items keep their order.
    """
    grouped: dict[tuple[date, str], Batch] = {}
    for occ in due:
        recipients = council if occ.kind == "escalation" else (occ.unit,)
        when = day or occ.day
        for recipient in recipients:
            key = (when, recipient)
            batch = grouped.get(key)
            if batch is None:
                batch = grouped[key] = Batch(recipient, when)
            batch.items.append(occ)
    return [grouped[k] for k in sorted(grouped)]


Settled = Callable[[Occurrence], bool]


class DueIndex:
    """Answers "what is due by ``now``" over a precomputed schedule.

    For each (plan, task, unit) only the latest occurrence with ``send_at <= now`` can be due, so
    a plan loaded late — or a service back from downtime — sends one catch-up reminder per pair,
    not every missed one. An occurrence is due unless ``settled`` says it is (delivered, or made
    moot by an acknowledgment).

    The index keeps a cursor: a call with a later ``now`` than the last one costs the
    occurrences passed since then plus the still-pending pairs, not the whole year. An earlier
    ``now`` rebuilds from the start.
    """

    def __init__(self, schedule: Sequence[Occurrence]) -> None:
        times = [o.send_at.timestamp() for o in schedule]
        if all(a <= b for a, b in itertools.pairwise(times)):
            self._schedule = list(schedule)  # ``occurrences`` returns it in order already
            self._times = times
        else:
            order = sorted(range(len(times)), key=times.__getitem__)
            self._schedule = [schedule[i] for i in order]
            self._times = [times[i] for i in order]
        self._reset()

    def _reset(self) -> None:
        self._cursor = 0  # occurrences [0, cursor) have send_at <= last now
        self._last_now = float("-inf")
        self._latest: dict[tuple[str, str, str], Occurrence] = {}
        self._pending: set[tuple[str, str, str]] = set()

    def __len__(self) -> int:
        return len(self._schedule)

    def due(self, now: datetime, settled: Settled) -> list[Occurrence]:
        """Occurrences due at ``now`` (aware datetime) that ``settled`` does not rule out,
        ordered by send time, unit, task."""
        stamp = now.timestamp()
        if stamp < self._last_now:
            self._reset()
        self._last_now = stamp
        end = bisect.bisect_right(self._times, stamp, lo=self._cursor)
        latest, pending = self._latest, self._pending
        for occ in self._schedule[self._cursor : end]:
            pair = (occ.plan, occ.task, occ.unit)
            latest[pair] = occ
            pending.add(pair)
        self._cursor = end
        due: list[Occurrence] = []
        for pair in list(self._pending):
            occ = self._latest[pair]
            if settled(occ):
                self._pending.discard(pair)
            else:
                due.append(occ)
        due.sort(key=_ORDER)
        return due
