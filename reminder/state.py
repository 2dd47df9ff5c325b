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

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

from reminder import acks, adjust
from reminder.adjust import Adjustments
from reminder.channels import registry
from reminder.config import Config
from reminder.labels import LOCAL_TZ, STATE_LABELS
from reminder.schedule import Assignment, assignments, effective_due
from reminder.store import Delivery, Store

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


@dataclass(frozen=True)
class DeliveryFact:
    """A delivery that carried a pair, as it stood at ``as_of``."""

    key: str
    day: str
    recipient: str
    channel: str
    status: str
    kind: str
    sent_at: datetime | None
    attempts: int = 0
    error: str = ""


@dataclass
class PairState:
    """One (plan, task, unit) as of a moment."""

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
        own = [d for d in self.deliveries if d.kind != "escalation"]
        return own[-1] if own else None

    @property
    def delivery_failed(self) -> bool:
        """Whether the latest delivery to the unit failed for good."""
        last = self.last_delivery
        return last is not None and last.status in ("failed", "dead")

    def as_json(self) -> dict[str, Any]:
        """The documented JSON row (``status``, ``digest``): ISO dates, null when unknown."""
        last = self.last_delivery
        return {
            "plan": self.plan,
            "task": self.task,
            "unit": self.unit or None,
            "unit_name": self.unit_name,
            "role": self.role,
            "state": self.state,
            "start": self.start.isoformat(),
            "due": self.due.isoformat(),
            "days_late": self.days_late,
            "long_overdue": self.long_overdue,
            "council_told": self.council_told.isoformat() if self.council_told else None,
            "council_problem": self.council_problem,
            "extended_from": self.extended_from.isoformat() if self.extended_from else None,
            "requested_to": self.requested_to.isoformat() if self.requested_to else None,
            "paused_until": self.paused_until.isoformat() if self.paused_until else None,
            "ack": None
            if self.ack is None
            else {
                "kind": self.ack.kind,
                "at": self.ack.at.isoformat(),
                "source": self.ack.source,
                "note": self.ack.note,
            },
            "last_delivery": None
            if last is None
            else {
                "key": last.key,
                "day": last.day,
                "channel": last.channel,
                "status": last.status,
                "sent_at": last.sent_at.isoformat() if last.sent_at else None,
            },
        }


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


def delivery_status_as_of(record: Delivery, as_of: datetime) -> str | None:
    """``record``'s status at ``as_of`` (None when it did not exist yet)."""
    if record.created_at > as_of:
        return None
    status = record.status
    if status == "sent":
        sent = record.sent_at
        return "sent" if sent is None or sent <= as_of else "pending"
    if status in ("failed", "dead", "retry"):
        last = record.last_attempt_at
        return status if last is None or last <= as_of else "pending"
    return status


def _facts(deliveries: Iterable[Delivery], as_of: datetime) -> dict[acks.Pair, list[DeliveryFact]]:
    carried: dict[acks.Pair, list[DeliveryFact]] = defaultdict(list)
    for record in sorted(deliveries, key=lambda r: (r.day, r.created_at)):
        status = delivery_status_as_of(record, as_of)
        if status is None:
            continue
        sent_at = record.sent_at if status == "sent" else None
        error = record.last_error
        words = ""
        if error is not None and status in ("failed", "dead", "retry"):
            words = f"{error.message} {error.detail or ''}".strip()
        for item in record.items:
            carried[(item.plan, item.task, item.unit)].append(
                DeliveryFact(
                    key=record.key,
                    day=record.day.isoformat(),
                    recipient=record.recipient,
                    channel=record.channel,
                    status=status,
                    kind=item.kind,
                    sent_at=sent_at,
                    attempts=record.attempts,
                    error=words,
                )
            )
    return carried


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
    deliveries: Iterable[Delivery],
    as_of: datetime,
    adjustments: Adjustments = adjust.NONE,
) -> Snapshot:
    """Every pair of ``config`` as of ``as_of`` (aware), from the store's events, with the
    extensions and pauses of ``adjustments`` (as of the same moment)."""
    today = as_of.astimezone(LOCAL_TZ).date()
    latest = acks.latest_events(ack_events, as_of)
    carried = _facts(deliveries, as_of)
    reachable = council_reachable(config)
    policy = config.settings.policy
    directory = config.directory
    by_task: dict[tuple[str, str], list[PairState]] = defaultdict(list)
    for a in assignments(config.plans, directory):
        pair = _pair(config, a, adjustments, today)
        pair.deliveries = carried.get((a.plan.id, a.task.id, a.unit), [])
        _classify(pair, latest.get((a.plan.id, a.task.id, a.unit)), today, config)
        if pair.state == "overdue" and a.role == "lead":
            merged = policy.merged(directory.units[a.unit].policy).merged(a.task.policy)
            pair.long_overdue = (
                merged.escalate_after > 0 and pair.days_late >= merged.escalate_after
            )
        _council(pair, reachable)
        by_task[(a.plan.id, a.task.id)].append(pair)
    out: list[PairState] = []
    for plan in config.plans:
        for task in plan.tasks:
            out.extend(by_task.get((plan.id, task.id), []))
            out.extend(_unassigned(config, plan, task, today))
    return Snapshot(as_of=as_of, pairs=out)


def _pair(config: Config, a: Assignment, adjustments: Adjustments, today: date) -> PairState:
    """The pair of assignment ``a`` with its dates (an approved extension applied) and the
    extension request and pause that concern it; state not classified yet."""
    start, due_raw = a.plan.window(a.task)
    key = (a.plan.id, a.task.id, a.unit)
    cal = config.calendar
    extended = adjustments.due.get(key)
    request = adjustments.requested(key)
    pause = adjustments.pauses.get(a.unit)
    return PairState(
        plan=a.plan.id,
        task=a.task.id,
        quarter=a.task.quarter,
        title=a.task.title,
        unit=a.unit,
        unit_name=config.directory.name_of(a.unit),
        role=a.role,
        start=start,
        due=effective_due(cal, extended or due_raw),
        extended_from=effective_due(cal, due_raw) if extended else None,
        requested_to=request.requested_to if request else None,
        paused_until=pause.until if pause and today <= pause.until else None,
    )


def _classify(pair: PairState, event: acks.AckEvent | None, today: date, config: Config) -> None:
    """Set ``pair``'s state and lateness from its latest ack event (see the module doc)."""
    pair.ack = event
    kind = event.kind if event is not None else "reopen"
    late = today > pair.due
    if late:
        pair.days_late = config.calendar.working_days_between(pair.due, today)
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
    """The state of one assigned pair (no delivery facts), or None if it is not assigned.

    For the acknowledgment page and commands, which must say exactly the state that results
    from what they recorded, without computing every pair.
    """
    found = next(
        (
            a
            for a in assignments([p for p in config.plans if p.id == plan_id], config.directory)
            if a.task.id == task_id and a.unit == unit
        ),
        None,
    )
    if found is None:
        return None
    today = as_of.astimezone(LOCAL_TZ).date()
    pair = _pair(config, found, adjustments, today)
    mine = [e for e in ack_events if e.pair == (plan_id, task_id, unit)]
    _classify(pair, acks.latest_events(mine, as_of).get((plan_id, task_id, unit)), today, config)
    return pair


def _council(pair: PairState, reachable: bool | None) -> None:
    """Fill ``council_told`` from the records, or say why the council was not told."""
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


def _unassigned(config: Config, plan: Any, task: Any, today: date) -> list[PairState]:
    """Pairs for the names in ``task`` that own it but are no unit, or its ownerless lead."""
    directory = config.directory
    names = list(task.unassigned)
    if not names and not directory.expand(task.lead):
        names = [directory.name_of(ref) for ref in task.lead] or ["(chưa có đơn vị chủ trì)"]
    if not names:
        return []
    start, due_raw = plan.window(task)
    due = effective_due(config.calendar, due_raw)
    late = config.calendar.working_days_between(due, today) if today > due else 0
    return [
        PairState(
            plan=plan.id,
            task=task.id,
            quarter=task.quarter,
            title=task.title,
            unit="",
            unit_name=name,
            role="lead",
            start=start,
            due=due,
            state="unassigned",
            days_late=late,
        )
        for name in names
    ]


def read_events(store: Store) -> tuple[list[acks.AckEvent], list[Delivery]]:
    """Every ack event and delivery record in ``store``."""
    return store.ack_events(), store.deliveries()


def load(config: Config, store: Store, as_of: datetime) -> Snapshot:
    """``compute`` over what ``store`` holds (extensions and pauses included)."""
    from reminder.keyed import Records

    adjustments = adjust.load(Records(store), as_of)
    events, deliveries = read_events(store)
    return compute(config, events, deliveries, as_of, adjustments)


def group_rows(pairs: Sequence[PairState]) -> dict[tuple[str, str], list[PairState]]:
    """``pairs`` by (plan, task), in order."""
    out: dict[tuple[str, str], list[PairState]] = defaultdict(list)
    for p in pairs:
        out[(p.plan, p.task)].append(p)
    return out
