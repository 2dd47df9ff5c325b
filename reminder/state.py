"""The state of every (plan, task, unit) pair as of a moment: the one computation of state.

The digest, ``reminder status``, the board, the unit and task pages, the CSV export and
``/metrics`` all read ``compute`` (or ``load``), so their numbers agree: every count shown is
``Snapshot.counts`` over the pairs listed next to it.

Only events at or before ``as_of`` count (acknowledgments by ``at``; deliveries by when they
were created and sent), so the digest of a past week can be reproduced exactly.

States (``labels.STATE_LABELS``), first match wins:

- ``unassigned``: the plan names no organisation that owns the task ("Đại biểu được chọn", or
  a lead group without members); one pair per such name, with ``unit`` empty.
- ``done``: the latest acknowledgment is "Đã hoàn thành".
- ``not_open``: the task's window has not started and nobody acknowledged it yet.
- ``overdue``: past the effective due date and not done (``received`` or not).
- ``received``: acknowledged "Đã nhận".
- ``pending``: open, not yet due, not acknowledged.

Facts beside the state: ``days_late`` in working days; ``long_overdue`` (the escalation day
has come: ``escalate_after`` working days late, lead units only); ``council_told``, the day a
message to the council naming this pair actually went out according to the delivery records,
and otherwise ``council_problem`` saying why it did not (no council configured, no channel
reaches it, the message failed, not sent yet). Overdue for long and told to the council are
two different things.
"""

from __future__ import annotations

import functools
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal, NamedTuple

from reminder import acks, adjust
from reminder.adjust import Adjustments, Extension
from reminder.channels import registry
from reminder.collector import collector_paused
from reminder.config import Config
from reminder.labels import LOCAL_TZ, STATE_LABELS
from reminder.plan import Plan, Task
from reminder.policy import Policy
from reminder.schedule import Role, TaskUnits, effective_due
from reminder.store import EVERY, Delivery, DeliveryHead, Pairs, Store, bearing
from reminder.store.records import DeliveryMark, PairDeliveries
from reminder.store.tally import Moment as Moment
from reminder.store.tally import delivery_status_as_of as delivery_status_as_of

StateName = Literal["pending", "received", "done", "overdue", "not_open", "unassigned"]
STATES: tuple[StateName, ...] = (
    "overdue",
    "pending",
    "received",
    "done",
    "not_open",
    "unassigned",
)
assert set(STATES) == set(STATE_LABELS)

COUNCIL_NOT_CONFIGURED = "chưa đặt council trong settings.toml: không báo được Hội đồng"
COUNCIL_UNREACHABLE = "Hội đồng không có kênh liên lạc dùng được: không báo được"
COUNCIL_FAILED = "thư báo Hội đồng gửi không được"
COUNCIL_NOT_YET = "chưa gửi thư báo Hội đồng"


class DeliveryFact(NamedTuple):
    """A delivery that carried a pair, as it stood at ``as_of``. Immutable, and shared by
    the pairs the delivery carried (a named tuple: a province makes 100,000, and a frozen
    dataclass takes four times as long to make)."""

    key: str
    day: str
    recipient: str
    channel: str
    status: str
    kind: str
    sent_at: datetime | None
    attempts: int = 0
    error: str = ""


@dataclass(slots=True)
class PairState:
    """One (plan, task, unit) as of a moment (slots: a province computes 120,000)."""

    plan: str
    task: str
    quarter: int
    title: str
    unit: str  # "" for an unassigned pair
    unit_name: str
    role: str
    start: date
    due: date
    state: StateName = "pending"
    ack: acks.AckEvent | None = None  # the latest event, "reopen" included
    days_late: int = 0
    long_overdue: bool = False
    council_told: date | None = None
    council_problem: str | None = None
    deliveries: list[DeliveryFact] = field(default_factory=list)
    extended_from: date | None = None  # the plan's due date an approved extension replaced
    requested_to: date | None = None  # the date of an extension request waiting for a decision
    paused_until: date | None = None  # reminders to the unit are paused up to this day

    @property
    def label(self) -> str:
        """The state in Vietnamese."""
        return STATE_LABELS[self.state]

    @property
    def acked_at(self) -> datetime | None:
        """When the latest acknowledgment event was made."""
        return self.ack.at if self.ack is not None else None

    @property
    def note(self) -> str:
        return self.ack.note if self.ack is not None else ""

    @property
    def last_delivery(self) -> DeliveryFact | None:
        """The latest delivery to the unit itself that carried this pair, or None."""
        for fact in reversed(self.deliveries):
            if fact.kind != "escalation":
                return fact
        return None

    @property
    def delivery_failed(self) -> bool:
        """Whether the latest delivery to the unit failed for good."""
        last = self.last_delivery
        return last is not None and last.status in ("failed", "dead")

    def as_json(self) -> dict[str, Any]:
        """The documented JSON row (``status``, ``digest``), null when unknown. Dates and
        times are ``date`` and ``datetime`` objects, which the JSON writers (orjson) write as
        ``isoformat`` does, in C: a province's 120,000 rows carry 240,000 of them."""
        ack = self.ack
        last = self.last_delivery
        return {
            "plan": self.plan,
            "task": self.task,
            "unit": self.unit or None,
            "unit_name": self.unit_name,
            "role": self.role,
            "state": self.state,
            "start": self.start,
            "due": self.due,
            "days_late": self.days_late,
            "long_overdue": self.long_overdue,
            "council_told": self.council_told,
            "council_problem": self.council_problem,
            "extended_from": self.extended_from,
            "requested_to": self.requested_to,
            "paused_until": self.paused_until,
            "ack": None
            if ack is None
            else {"kind": ack.kind, "at": ack.at, "source": ack.source, "note": ack.note},
            "last_delivery": None
            if last is None
            else {
                "key": last.key,
                "day": last.day,
                "channel": last.channel,
                "status": last.status,
                "sent_at": last.sent_at,
            },
        }


@functools.lru_cache(maxsize=2048)
def _iso_day(day: date) -> str:
    """``day.isoformat()``, remembered: a province's rows share a few hundred dates."""
    return day.isoformat()


def tally(pairs: Iterable[PairState]) -> dict[StateName, int]:
    """How many of ``pairs`` are in each state (every state present, zeros included)."""
    counts = Counter(p.state for p in pairs)
    return {s: counts.get(s, 0) for s in STATES}


@dataclass
class Snapshot:
    """Every pair of the configuration as of ``as_of``, in plan order."""

    as_of: datetime
    pairs: list[PairState]

    @property
    def today(self) -> date:
        return self.as_of.astimezone(LOCAL_TZ).date()

    def counts(self) -> dict[StateName, int]:
        """The tally of ``pairs`` by state."""
        return tally(self.pairs)

    def select(
        self,
        *,
        units: Iterable[str] | None = None,
        plan: str | None = None,
        task: str | None = None,
        state: str | None = None,
    ) -> list[PairState]:
        """The pairs matching every filter given (``units``: unit ids)."""
        wanted = set(units) if units is not None else None
        return [
            p
            for p in self.pairs
            if (wanted is None or p.unit in wanted)
            and (plan is None or p.plan == plan)
            and (task is None or p.task == task)
            and (state is None or p.state == state)
        ]


def _at(value: object) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=LOCAL_TZ)


def _fact(record: Delivery | DeliveryHead | DeliveryMark, kind: str, status: str) -> DeliveryFact:
    """``record`` as a fact of kind ``kind``, ``status`` being its status as of the moment."""
    error = record.last_error
    words = ""
    if error is not None and status in ("failed", "dead", "retry"):
        words = f"{error.message} {error.detail or ''}".strip()
    return DeliveryFact(
        record.key,
        _iso_day(record.day),
        record.recipient,
        record.channel,
        status,
        kind,
        record.sent_at if status == "sent" else None,
        record.attempts,
        words,
    )


def _facts(
    deliveries: Iterable[Delivery | DeliveryHead] | PairDeliveries,
    as_of: datetime,
    pairs: Pairs = EVERY,
) -> dict[acks.Pair, list[DeliveryFact]]:
    """The delivery facts of each pair of ``pairs``, in ``bearing.order``. A record carries
    many pairs: their facts are one object per (record, kind), shared."""
    if isinstance(deliveries, PairDeliveries):
        return _marked_facts(deliveries, as_of, pairs)
    carried: dict[acks.Pair, list[DeliveryFact]] = defaultdict(list)
    every = pairs.every
    moment = Moment(as_of)
    for record in sorted(deliveries, key=bearing.order):
        status = delivery_status_as_of(record, moment)
        if status is None:
            continue
        by_kind: dict[str, DeliveryFact] = {}
        for item in record.items:
            pair = (item.plan, item.task, item.unit)
            if not every and pair not in pairs:
                continue
            fact = by_kind.get(item.kind)
            if fact is None:
                fact = by_kind[item.kind] = _fact(record, item.kind, status)
            carried[pair].append(fact)
    return carried


def _marked_facts(
    reading: PairDeliveries, as_of: datetime, pairs: Pairs
) -> dict[acks.Pair, list[DeliveryFact]]:
    """``_facts`` of the items ``reading`` holds (what ``bearing.pair_deliveries`` picks)."""
    marks = reading.marks
    made: dict[tuple[str, str], DeliveryFact | None] = {}
    carried: dict[acks.Pair, list[DeliveryFact]] = {}
    several: list[list[DeliveryFact]] = []
    every = pairs.every
    moment = Moment(as_of)
    for plan, task, unit, kind, key in reading.items:
        pair = (plan, task, unit)
        if not every and pair not in pairs:
            continue
        fact = made.get((key, kind), _NO_FACT)
        if fact is _NO_FACT:
            mark = marks[key]
            status = delivery_status_as_of(mark, moment)
            fact = made[(key, kind)] = None if status is None else _fact(mark, kind, status)
        if fact is None:
            continue
        held = carried.get(pair)
        if held is None:
            carried[pair] = [fact]
        else:
            if len(held) == 1:
                several.append(held)
            held.append(fact)
    for held in several:  # a pair's escalations beside its last delivery: rare
        held.sort(key=lambda f: bearing.order(marks[f.key]))
    return carried


_NO_FACT = DeliveryFact("", "", "", "", "", "", None)


def council_reachable(config: Config) -> bool | None:
    """Whether a channel reaches at least one council member (None: no council set)."""
    council = config.settings.council
    if not council:
        return None
    enabled = registry.enabled(config.settings)
    members = config.directory.expand([council])
    return any(registry.for_unit(config.directory.units[m], enabled) for m in members)


def compute(
    config: Config,
    ack_events: Iterable[acks.AckEvent],
    deliveries: Iterable[Delivery | DeliveryHead] | PairDeliveries,
    as_of: datetime,
    adjustments: Adjustments = adjust.NONE,
    pairs: Pairs = EVERY,
) -> Snapshot:
    """The pairs of ``config`` (those of ``pairs``: every one by default) as of ``as_of``
    (aware), from the store's events, with the extensions and pauses of ``adjustments`` (as of
    the same moment). Unassigned pairs are included unless ``pairs`` names units.

    ``deliveries`` may be every record, or what ``bearing.pair_deliveries`` picks of them
    (``Store.pair_deliveries``): the pairs are the same, except that ``PairState.deliveries``
    then lists only each pair's last delivery and its escalations, not the whole history.
    """
    latest = bearing.latest(ack_events, as_of, pairs)
    carried = _facts(deliveries, as_of, pairs)
    reachable = council_reachable(config)
    facts = _Facts(config, adjustments, as_of.astimezone(LOCAL_TZ).date())
    units_of = TaskUnits(config.directory)
    out: list[PairState] = []
    append = out.append
    with collector_paused():
        for plan in config.plans:
            if pairs.plan is not None and plan.id != pairs.plan:
                continue
            for task in plan.tasks:
                if pairs.task is not None and task.id != pairs.task:
                    continue
                shared = facts.task(plan, task)
                for unit, role in units_of(task):
                    if pairs.units is not None and unit not in pairs.units:
                        continue
                    key = (plan.id, task.id, unit)
                    pair = _pair(facts, shared, unit, role, key)
                    delivered = carried.get(key)
                    if delivered is not None:
                        pair.deliveries = delivered
                    _classify(pair, latest.get(key), facts)
                    if pair.state == "overdue" and role == "lead":
                        escalate_after = facts.escalate_after(unit, task)
                        pair.long_overdue = 0 < escalate_after <= pair.days_late
                    if pair.long_overdue or (
                        delivered is not None
                        and (len(delivered) > 1 or delivered[0].kind == bearing.ESCALATION)
                    ):
                        _council(pair, reachable)  # else nothing told, nothing to tell
                    append(pair)
                if pairs.units is None:
                    out.extend(_unassigned(facts, plan, task))
    return Snapshot(as_of=as_of, pairs=out)


class _TaskFacts(NamedTuple):
    """What every pair of one task shares."""

    plan: str
    task: str
    quarter: int
    title: str
    start: date
    due_raw: date  # the plan's due date
    due: date  # effective: the last working day on or before ``due_raw``


class _Facts:
    """What many pairs of one computation share, each worked out once: a task's window, the
    effective due date of a plan date, the working days late since a due date, a unit's name
    and pause, the escalation day of a (unit, task), the open extension request of a pair.

    Every answer depends only on the configuration, the adjustments and ``today``, so a
    remembered answer is the one working it out again would give.
    """

    def __init__(self, config: Config, adjustments: Adjustments, today: date) -> None:
        self.config = config
        self.adjustments = adjustments
        self.today = today
        self._due: dict[date, date] = {}
        self._late: dict[date, int] = {}
        self._names: dict[str, str] = {}
        self._paused: dict[str, date | None] = {}
        self._unit_policy: dict[str, Policy] = {}
        self._escalate: dict[tuple[str, int], int] = {}
        self._requests: dict[acks.Pair, Extension] | None = None

    def task(self, plan: Plan, task: Task) -> _TaskFacts:
        """What every pair of ``task`` shares."""
        start, due_raw = plan.window(task)
        return _TaskFacts(
            plan.id, task.id, task.quarter, task.title, start, due_raw, self.due(due_raw)
        )

    def due(self, day: date) -> date:
        """``effective_due`` of ``day``."""
        held = self._due.get(day)
        if held is None:
            held = self._due[day] = effective_due(self.config.calendar, day)
        return held

    def days_late(self, due: date) -> int:
        """Working days from ``due`` to today (0 when today is not past ``due``)."""
        held = self._late.get(due)
        if held is None:
            today = self.today
            held = self.config.calendar.working_days_between(due, today) if today > due else 0
            self._late[due] = held
        return held

    def name(self, unit: str) -> str:
        """``directory.name_of(unit)``."""
        held = self._names.get(unit)
        if held is None:
            held = self._names[unit] = self.config.directory.name_of(unit)
        return held

    def paused_until(self, unit: str) -> date | None:
        """The last day reminders to ``unit`` are paused, if that is today or later."""
        if not self.adjustments.pauses:
            return None
        if unit not in self._paused:
            pause = self.adjustments.pauses.get(unit)
            self._paused[unit] = pause.until if pause and self.today <= pause.until else None
        return self._paused[unit]

    def requested(self, pair: acks.Pair) -> Extension | None:
        """``adjustments.requested(pair)`` (the first open request), from an index built on
        first use instead of a scan of every request per pair."""
        if not self.adjustments.requests:
            return None
        if self._requests is None:
            self._requests = {}
            for request in self.adjustments.requests:
                self._requests.setdefault(request.pair, request)
        return self._requests.get(pair)

    def escalate_after(self, unit: str, task: Task) -> int:
        """``escalate_after`` of the settings' policy with ``unit``'s then ``task``'s
        overrides applied (``Policy.merged`` validates a whole policy: once per unit and
        task policy, not per pair)."""
        key = (unit, id(task.policy))
        held = self._escalate.get(key)
        if held is None:
            base = self._unit_policy.get(unit)
            if base is None:
                own = self.config.directory.units[unit].policy
                base = self._unit_policy[unit] = self.config.settings.policy.merged(own)
            held = self._escalate[key] = base.merged(task.policy).escalate_after
        return held


def _pair(facts: _Facts, task: _TaskFacts, unit: str, role: Role, key: acks.Pair) -> PairState:
    """The pair ``key`` (``unit`` in ``task``) with its dates (an approved extension applied)
    and the extension request and pause that concern it; state not classified yet."""
    adjustments = facts.adjustments
    # Positional, the rest left at their defaults unless set: a keyword call costs twice as
    # much, 120,000 times for a province.
    pair = PairState(
        task.plan,
        task.task,
        task.quarter,
        task.title,
        unit,
        facts.name(unit),
        role,
        task.start,
        task.due,
    )
    if adjustments.due:
        extended = adjustments.due.get(key)
        if extended:
            pair.due = facts.due(extended)
            pair.extended_from = task.due
    if adjustments.requests:
        request = facts.requested(key)
        if request:
            pair.requested_to = request.requested_to
    if adjustments.pauses:
        pair.paused_until = facts.paused_until(unit)
    return pair


def _classify(pair: PairState, event: acks.AckEvent | None, facts: _Facts) -> None:
    """Set ``pair``'s state and lateness from its latest ack event (see the module doc)."""
    today = facts.today
    pair.ack = event
    kind = event.kind if event is not None else "reopen"
    late = today > pair.due
    if late:
        pair.days_late = facts.days_late(pair.due)
    if kind == "done":
        pair.state = "done"
    elif today < pair.start and kind == "reopen":
        pair.state = "not_open"
    elif late:
        pair.state = "overdue"
    elif kind == "received":
        pair.state = "received"
    else:
        pair.state = "pending"


def one(
    config: Config,
    plan_id: str,
    task_id: str,
    unit: str,
    ack_events: Iterable[acks.AckEvent],
    as_of: datetime,
    adjustments: Adjustments = adjust.NONE,
) -> PairState | None:
    """The state of one assigned pair (no delivery facts), or None if it is not assigned:
    ``compute`` of that pair alone.

    For the acknowledgment page and commands, which must say exactly the state that results
    from what they recorded, without computing every pair.
    """
    pairs = Pairs(plan=plan_id, task=task_id, units=frozenset([unit]))
    found = compute(config, ack_events, [], as_of, adjustments, pairs).pairs
    return found[0] if found else None


def _council(pair: PairState, reachable: bool | None) -> None:
    """Fill ``council_told`` from the records, or say why the council was not told."""
    if not pair.deliveries and not pair.long_overdue:
        return  # nothing told and nothing to tell: most pairs
    escalations = [d for d in pair.deliveries if d.kind == "escalation"]
    told = [d.sent_at for d in escalations if d.status == "sent" and d.sent_at is not None]
    if told:
        pair.council_told = min(told).astimezone(LOCAL_TZ).date()
        return
    if not pair.long_overdue:
        return
    if reachable is None:
        pair.council_problem = COUNCIL_NOT_CONFIGURED
    elif not reachable:
        pair.council_problem = COUNCIL_UNREACHABLE
    elif any(d.status in ("failed", "dead") for d in escalations):
        pair.council_problem = COUNCIL_FAILED
    else:
        pair.council_problem = COUNCIL_NOT_YET


def _unassigned(facts: _Facts, plan: Plan, task: Task) -> list[PairState]:
    """Pairs for the names in ``task`` that own it but are no unit, or its ownerless lead."""
    directory = facts.config.directory
    names = list(task.unassigned)
    if not names and not directory.expand(task.lead):
        names = [directory.name_of(ref) for ref in task.lead] or ["(chưa có đơn vị chủ trì)"]
    if not names:
        return []
    shared = facts.task(plan, task)
    late = facts.days_late(shared.due)
    return [
        PairState(
            plan=plan.id,
            task=task.id,
            quarter=task.quarter,
            title=task.title,
            unit="",
            unit_name=name,
            role="lead",
            start=shared.start,
            due=shared.due,
            state="unassigned",
            days_late=late,
        )
        for name in names
    ]


def read_events(store: Store) -> tuple[list[acks.AckEvent], list[Delivery]]:
    """Every ack event and delivery record in ``store``."""
    return store.ack_events(), store.deliveries()


def load(config: Config, store: Store, as_of: datetime, pairs: Pairs = EVERY) -> Snapshot:
    """``compute`` of ``pairs`` over what ``store`` holds (extensions and pauses included),
    reading only what that state depends on (``read_store``), not the year's history."""
    return from_reading(config, read_store(store, as_of, pairs))


@dataclass(frozen=True)
class StoreReading:
    """What the state of ``pairs`` as of ``as_of`` reads of a store (``read_store``). None of
    it depends on the configuration: a command may read it while the configuration loads."""

    as_of: datetime
    pairs: Pairs
    events: list[acks.AckEvent]
    deliveries: PairDeliveries
    adjustments: Adjustments


def read_store(store: Store, as_of: datetime, pairs: Pairs = EVERY) -> StoreReading:
    """The latest acknowledgment of each pair, the deliveries ``bearing.pair_deliveries``
    picks (``Store.latest_acks``, ``Store.pair_deliveries``) and the extensions and pauses,
    as of ``as_of``."""
    from reminder.keyed import Records

    # Both reads at once: one waits for the server while the other decodes.
    with ThreadPoolExecutor(max_workers=1) as pool:
        reading = pool.submit(store.pair_deliveries, as_of, pairs)
        adjustments = adjust.load(Records(store), as_of)
        events = store.latest_acks(as_of, pairs)
        deliveries = reading.result()
    return StoreReading(as_of, pairs, events, deliveries, adjustments)


def from_reading(config: Config, reading: StoreReading) -> Snapshot:
    """``compute`` over ``reading``."""
    return compute(
        config,
        reading.events,
        reading.deliveries,
        reading.as_of,
        reading.adjustments,
        reading.pairs,
    )


def load_history(config: Config, store: Store, as_of: datetime, pairs: Pairs) -> Snapshot:
    """``load`` of ``pairs`` with every delivery that carried one of them by ``as_of``
    (``Store.carrying_deliveries``), so ``PairState.deliveries`` is their whole delivery
    history (a task's page), and the same states: still not the year's other records."""
    from reminder.keyed import Records

    adjustments = adjust.load(Records(store), as_of)
    events = store.latest_acks(as_of, pairs)
    deliveries = store.carrying_deliveries(as_of, pairs)
    return compute(config, events, deliveries, as_of, adjustments, pairs)


def group_rows(pairs: Sequence[PairState]) -> dict[tuple[str, str], list[PairState]]:
    """``pairs`` by (plan, task), in order."""
    out: dict[tuple[str, str], list[PairState]] = defaultdict(list)
    for p in pairs:
        out[(p.plan, p.task)].append(p)
    return out
