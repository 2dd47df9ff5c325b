"""Extensions (gia hạn) and pauses (tạm dừng): what administrators change about the schedule.

- An **extension** moves one unit's due date for one task. A unit asks for it on its page
  (``requested``); an administrator approves it, possibly with another date, or refuses it; an
  administrator may also extend directly (approved at once). Other units of the task keep their
  date. The latest approved extension of a pair wins.
- A **pause** stops every reminder to a unit up to and including ``until`` (its office is
  closed); ``resume`` ends it early.

``Adjustments`` is what the schedule (``schedule.occurrences``) and the state computation
(``state.compute``) read: the due date each extension gives, the pauses, the open requests —
as of a moment, so a past state is replayed with the extensions decided by then. Every change
here appends an audit entry naming who made it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Literal

from reminder import audit
from reminder.config import Config
from reminder.errors import UsageError
from reminder.keyed import RecordKind, Records
from reminder.schedule import LOCAL_TZ, assignments, effective_due

Pair = tuple[str, str, str]
ExtensionStatus = Literal["requested", "approved", "refused"]
STATUS_LABELS: dict[str, str] = {
    "requested": "chờ duyệt",
    "approved": "đã duyệt",
    "refused": "không duyệt",
}


@dataclass(frozen=True)
class Extension:
    """A request for, or grant of, more time for one (plan, task, unit)."""

    id: str
    plan: str
    task: str
    unit: str
    status: ExtensionStatus
    requested_to: date
    reason: str
    requested_at: datetime
    requested_by: str
    granted_to: date | None = None
    decided_at: datetime | None = None
    decided_by: str = ""

    @property
    def pair(self) -> Pair:
        return (self.plan, self.task, self.unit)

    @property
    def label(self) -> str:
        return STATUS_LABELS[self.status]


@dataclass(frozen=True)
class Pause:
    """No reminders to ``unit`` up to and including ``until``."""

    unit: str
    until: date
    reason: str
    at: datetime
    by: str


EXTENSIONS: RecordKind[Extension] = RecordKind("extension", Extension)
PAUSES: RecordKind[Pause] = RecordKind("pause", Pause)


@dataclass(frozen=True)
class Adjustments:
    """Extensions and pauses as of a moment, in the shape the schedule and the state read."""

    due: Mapping[Pair, date] = field(default_factory=dict)  # the plan's date, replaced
    pauses: Mapping[str, Pause] = field(default_factory=dict)
    requests: tuple[Extension, ...] = ()  # waiting for a decision

    def paused_on(self, unit: str, day: date) -> bool:
        """Whether reminders to ``unit`` are paused on ``day``."""
        pause = self.pauses.get(unit)
        return pause is not None and day <= pause.until

    def requested(self, pair: Pair) -> Extension | None:
        """The open request of ``pair``, if any."""
        return next((e for e in self.requests if e.pair == pair), None)


NONE = Adjustments()


def build(
    extensions: Mapping[str, Extension], pauses: Mapping[str, Pause], as_of: datetime
) -> Adjustments:
    """``Adjustments`` from the stored records, counting only what was decided by ``as_of``."""
    due: dict[Pair, date] = {}
    decided = [e for e in extensions.values() if e.decided_at is not None and e.decided_at <= as_of]
    for ext in sorted(decided, key=lambda e: e.decided_at or as_of):
        if ext.status == "approved" and ext.granted_to is not None:
            due[ext.pair] = ext.granted_to
    requests = tuple(
        e
        for e in extensions.values()
        if e.requested_at <= as_of and (e.status == "requested" or (e.decided_at or as_of) > as_of)
    )
    live = {u: p for u, p in pauses.items() if p.at <= as_of}
    return Adjustments(due=due, pauses=live, requests=requests)


def load(records: Records, as_of: datetime) -> Adjustments:
    """The adjustments stored in ``records`` as of ``as_of``."""
    return build(records.records(EXTENSIONS), records.records(PAUSES), as_of)


# -- checks ---------------------------------------------------------------------------------------


def find_pair(config: Config, task: str, unit: str, plan: str | None = None) -> Pair:
    """The (plan, task, unit) assigned in ``config``; ``UsageError`` saying what is wrong."""
    if unit not in config.directory.units:
        raise UsageError(f"không có đơn vị {unit!r} — xem mã đơn vị trong units.toml")
    found = {
        (a.plan.id, a.task.id, a.unit)
        for a in assignments(config.plans, config.directory)
        if a.unit == unit and a.task.id == task and (plan is None or a.plan.id == plan)
    }
    if not found:
        raise UsageError(
            f"đơn vị {unit} không được giao việc {task}"
            + (f" trong kế hoạch {plan}" if plan else "")
            + f" — xem: reminder status --unit {unit}"
        )
    if len(found) > 1:
        plans = ", ".join(sorted(p for p, _, _ in found))
        raise UsageError(f"việc {task} có trong nhiều kế hoạch ({plans}) — thêm --plan MÃ")
    return found.pop()


def current_due(config: Config, adjustments: Adjustments, pair: Pair) -> date:
    """The effective due date of ``pair`` now, extensions included."""
    plan = next(p for p in config.plans if p.id == pair[0])
    task = plan.task(pair[1])
    assert task is not None
    return effective_due(config.calendar, adjustments.due.get(pair, plan.window(task)[1]))


def check_new_due(
    config: Config, adjustments: Adjustments, pair: Pair, to: date, today: date
) -> None:
    """``UsageError`` unless ``to`` is a usable new due date for ``pair``."""
    plan = next(p for p in config.plans if p.id == pair[0])
    if to < today:
        raise UsageError(f"ngày {to:%d/%m/%Y} đã qua — chọn một ngày từ hôm nay ({today:%d/%m/%Y})")
    if to.year > plan.year:
        raise UsageError(
            f"ngày {to:%d/%m/%Y} sau năm kế hoạch {plan.year}"
            f" — gia hạn tối đa đến 31/12/{plan.year}"
        )
    due = current_due(config, adjustments, pair)
    if to <= due:
        raise UsageError(
            f"ngày {to:%d/%m/%Y} không muộn hơn hạn hiện tại {due:%d/%m/%Y} — chọn ngày sau hạn"
        )


# -- changes --------------------------------------------------------------------------------------


def _new_id(records: Records, ext: Extension) -> Extension:
    """Store ``ext`` under the next free number; returns it with that id."""
    while True:
        number = str(len(records.records(EXTENSIONS)) + 1)
        numbered = replace(ext, id=number)
        if records.add_record(EXTENSIONS, number, numbered):
            return numbered


def request(
    records: Records, config: Config, pair: Pair, to: date, reason: str, now: datetime, by: str
) -> Extension:
    """The unit asks for ``pair`` to be due on ``to`` (waits for an administrator)."""
    adjustments = load(records, now)
    check_new_due(config, adjustments, pair, to, _day(now))
    if not reason.strip():
        raise UsageError("hãy ghi lý do xin gia hạn")
    if adjustments.requested(pair) is not None:
        raise UsageError("việc này đã có đề nghị gia hạn đang chờ duyệt")
    ext = _new_id(records, Extension("", *pair, "requested", to, reason.strip()[:500], now, by))
    _audit(
        records, now, by, "extension_request", f"xin gia hạn đến {to:%d/%m/%Y}: {ext.reason}", pair
    )
    return ext


def extend(
    records: Records, config: Config, pair: Pair, to: date, reason: str, now: datetime, by: str
) -> Extension:
    """An administrator gives ``pair`` a new due date ``to`` directly."""
    check_new_due(config, load(records, now), pair, to, _day(now))
    ext = _new_id(
        records,
        Extension("", *pair, "approved", to, reason.strip()[:500], now, by, to, now, by),
    )
    _audit(records, now, by, "extend", f"gia hạn đến {to:%d/%m/%Y}: {ext.reason}", pair)
    return ext


def decide(
    records: Records,
    config: Config,
    ext_id: str,
    approve: bool,
    now: datetime,
    by: str,
    to: date | None = None,
) -> Extension:
    """Approve (with ``to``, or the date asked for) or refuse request ``ext_id``."""
    ext = records.get_record(EXTENSIONS, ext_id)
    if ext is None:
        raise UsageError(f"không có đề nghị gia hạn số {ext_id} — xem: reminder extend --list")
    if ext.status != "requested":
        raise UsageError(f"đề nghị số {ext_id} đã được xử lý ({ext.label})")
    if approve:
        granted = to or ext.requested_to
        check_new_due(config, load(records, now), ext.pair, granted, _day(now))
        decided = replace(ext, status="approved", granted_to=granted, decided_at=now, decided_by=by)
        summary = f"duyệt gia hạn số {ext_id} đến {granted:%d/%m/%Y}"
    else:
        decided = replace(ext, status="refused", decided_at=now, decided_by=by)
        summary = f"không duyệt gia hạn số {ext_id}"
    records.put_record(EXTENSIONS, ext_id, decided)
    action = "extension_approve" if approve else "extension_refuse"
    _audit(records, now, by, action, summary, ext.pair)
    return decided


def pause(
    records: Records, config: Config, unit: str, until: date, reason: str, now: datetime, by: str
) -> Pause:
    """No reminders to ``unit`` up to and including ``until``."""
    if unit not in config.directory.units:
        raise UsageError(f"không có đơn vị {unit!r} — xem mã đơn vị trong units.toml")
    if until < _day(now):
        raise UsageError(f"ngày {until:%d/%m/%Y} đã qua — chọn một ngày từ hôm nay")
    years = [p.year for p in config.plans]
    if years and until.year > max(years):
        raise UsageError(f"ngày {until:%d/%m/%Y} sau năm kế hoạch {max(years)}")
    value = Pause(unit, until, reason.strip()[:500], now, by)
    records.put_record(PAUSES, unit, value)
    text = f"tạm dừng nhắc đến hết {until:%d/%m/%Y}" + (f": {value.reason}" if value.reason else "")
    _audit(records, now, by, "pause", text, ("", "", unit))
    return value


def resume(records: Records, config: Config, unit: str, now: datetime, by: str) -> bool:
    """End ``unit``'s pause; False when it had none."""
    if unit not in config.directory.units:
        raise UsageError(f"không có đơn vị {unit!r} — xem mã đơn vị trong units.toml")
    ended = records.delete_record(PAUSES, unit)
    if ended:
        _audit(records, now, by, "resume", "nhắc lại từ hôm nay", ("", "", unit))
    return ended


def _day(now: datetime) -> date:
    return now.astimezone(LOCAL_TZ).date()


def _audit(records: Records, now: datetime, by: str, action: str, summary: str, pair: Pair) -> None:
    plan, task, unit = pair
    audit.record(records, audit.AuditEntry(now, by, action, summary, plan, task, unit))
