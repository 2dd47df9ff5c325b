"""Where every (task, unit) stands: acknowledgment state, lateness, escalation, deliveries.

Computed from the configuration, the acknowledgment events and the delivery records, for a
given day: the board, ``reminder status``, the metrics and the weekly digest all read this.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from reminder import acks
from reminder.config import Config
from reminder.schedule import assignments, effective_due
from reminder.store import AckEvent, Delivery

Display = Literal["pending", "received", "done", "overdue", "escalated", "failed"]
DISPLAY_LABELS: dict[str, str] = {
    "pending": "chưa xác nhận",
    "received": "đã nhận",
    "done": "đã hoàn thành",
    "overdue": "quá hạn",
    "escalated": "quá hạn lâu, đã báo Hội đồng",
    "failed": "gửi không được",
}


@dataclass
class PairStatus:
    """One (task, unit) on ``today``."""

    plan: str
    task: str
    quarter: int
    title: str
    unit: str
    unit_name: str
    role: str
    start: date
    due: date
    state: acks.AckState | Literal["pending"] = "pending"
    acked_at: str | None = None
    note: str = ""
    ack_source: str = ""
    overdue: bool = False
    days_late: int = 0
    escalated: bool = False
    deliveries: list[Delivery] = field(default_factory=list)

    @property
    def last_delivery(self) -> Delivery | None:
        """The latest delivery that carried this (task, unit), or None."""
        return self.deliveries[-1] if self.deliveries else None

    @property
    def delivery_failed(self) -> bool:
        """Whether the latest delivery failed for good."""
        last = self.last_delivery
        return last is not None and last.status in ("failed", "dead")

    @property
    def display(self) -> Display:
        """The one state the board colours by (worst news first, "done" above all)."""
        if self.state == "done":
            return "done"
        if self.delivery_failed:
            return "failed"
        if self.escalated:
            return "escalated"
        if self.overdue:
            return "overdue"
        return "received" if self.state == "received" else "pending"

    def as_json(self) -> dict[str, Any]:
        """The documented ``reminder status`` shape."""
        last = self.last_delivery
        return {
            "task": self.task,
            "unit": self.unit,
            "role": self.role,
            "state": self.state,
            "acked_at": self.acked_at,
            "note": self.note,
            "last_delivery": None
            if last is None
            else {
                "key": last.key,
                "day": last.day.isoformat(),
                "channel": last.channel,
                "status": last.status,
            },
        }


def compute(
    config: Config,
    ack_events: Iterable[AckEvent],
    deliveries: Iterable[Delivery],
    today: date,
) -> list[PairStatus]:
    """Every (task, unit) of the configuration, in plan order."""
    events = list(ack_events)
    states = acks.current_states(events)
    latest: dict[tuple[str, str, str], AckEvent] = {}
    for event in events:
        if states.get(event.pair) == event.state:
            latest[event.pair] = event
    carried: dict[tuple[str, str, str], list[Delivery]] = defaultdict(list)
    for record in sorted(deliveries, key=lambda r: (r.day, r.created_at)):
        for item in record.items:
            carried[(item.plan, item.task, item.unit)].append(record)
    cal = config.calendar
    policy = config.settings.policy
    out: list[PairStatus] = []
    for a in assignments(config.plans, config.directory):
        start, due_raw = a.plan.window(a.task)
        due = effective_due(cal, due_raw)
        pair = (a.plan.id, a.task.id, a.unit)
        status = PairStatus(
            plan=a.plan.id,
            task=a.task.id,
            quarter=a.task.quarter,
            title=a.task.title,
            unit=a.unit,
            unit_name=config.directory.name_of(a.unit),
            role=a.role,
            start=start,
            due=due,
            deliveries=carried.get(pair, []),
        )
        state = states.get(pair)
        if state is not None:
            event = latest[pair]
            status.state = state
            status.acked_at = event.at.isoformat()
            status.note = event.note
            status.ack_source = event.source
        if status.state != "done" and today > due:
            status.overdue = True
            status.days_late = cal.working_days_between(due, today)
            merged = policy.merged(config.directory.units[a.unit].policy).merged(a.task.policy)
            status.escalated = (
                a.role == "lead"
                and merged.escalate_after > 0
                and status.days_late >= merged.escalate_after
            )
        out.append(status)
    return out
