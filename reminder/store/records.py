"""The records the store holds, declared once, and their JSON form.

Every module reads these types, never a dict by key name. The JSON form (``*_to_json`` /
``*_from_json``) is the one the TinyDB files have always used, so existing data directories
read unchanged; a store that keeps columns (PostgreSQL) may use it for the nested parts.
A JSON value of the wrong shape raises ``RecordShapeError`` (a ``ValueError``) naming the field.

Times are aware ``datetime`` values. ``Delivery.day`` is the local day the message belongs to;
``month`` ("2025-04") follows from it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, tzinfo
from sys import intern
from typing import Any, Generic, Literal, NamedTuple, Protocol, TypeVar, cast

from pydantic import TypeAdapter, ValidationError

from reminder.channels.base import Message, Receipt

AckState = Literal["received", "done"]
#: What an acknowledgment event says: a state, or "reopen" (the pair is owed again).
AckKind = Literal["received", "done", "reopen"]
ACK_KINDS: tuple[AckKind, ...] = ("received", "done", "reopen")
DeliveryStatus = Literal["pending", "retry", "sent", "failed", "dead"]
OutcomeStatus = Literal["sent", "retry", "failed", "dead"]

DELIVERY_STATUSES: tuple[DeliveryStatus, ...] = ("pending", "retry", "sent", "failed", "dead")
#: Statuses that cover their occurrences: the reminder is sent or on its way.
COVERING: frozenset[str] = frozenset({"pending", "retry", "sent"})
#: Statuses a pass may still send (when leased to it).
UNFINISHED: frozenset[str] = frozenset({"pending", "retry"})
_OUTCOME_STATUSES = frozenset(("sent", "retry", "failed", "dead"))
#: How many past errors a delivery keeps.
ERROR_HISTORY = 20

Json = dict[str, Any]


#: Makes a record without running its ``__init__`` (``_new_mark``, ``ack_from_columns``).
_new = object.__new__
SlotSetter = Callable[[Any, Any], None]


def _slot_setters(cls: type[Any], *names: str) -> tuple[SlotSetter, ...]:
    """The setters of the slots ``names`` of the frozen, slotted dataclass ``cls``: a reader
    of many records sets each field through them into ``_new(cls)``, since ``cls(...)`` sets
    each through ``object.__setattr__`` (frozen), which costs twice as much. The record is the
    same (type, equality, hash, immutability). ``TypeError`` unless ``names`` are the fields
    of ``cls`` in order, so that a field added to the record is not left unset."""
    if tuple(cls.__dataclass_fields__) != names:
        raise TypeError(f"{cls.__name__}: its fields changed, update the reader that sets them")
    return tuple(getattr(cls, name).__set__ for name in names)


class RecordShapeError(ValueError):
    """A stored value does not have the shape of its record."""


# -- deliveries ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeliveryItem:
    """One (task, unit) reminder carried by a delivery."""

    plan: str
    task: str
    unit: str
    kind: str
    due: date


@dataclass(frozen=True)
class SendError:
    """What went wrong with one attempt, in the provider's words where there are some."""

    message: str
    code: str | None
    detail: str | None
    permanent: bool
    at: datetime


@dataclass(frozen=True)
class Lease:
    """Who may send a pending delivery, until when (judged by the store's clock).

    ``owner`` is the pass's token; ``host`` and ``pid`` let a store on one host free the leases
    of a process that has ended without waiting for ``until``.
    """

    owner: str
    until: datetime
    host: str = ""
    pid: int = 0


@dataclass(frozen=True)
class Leaseholder:
    """The pass asking for leases: a token unique to the pass, and where it runs."""

    owner: str
    host: str = ""
    pid: int = 0


@dataclass(frozen=True)
class DeliveryHead:
    """A delivery without its message: what the state of pairs, the digest and the delivery
    log read (``Delivery`` is a head with its message); a store reads heads
    without decoding (or, where it can, without even fetching) the rendered message bodies,
    which make up most of a delivery's size."""

    key: str
    recipient: str
    channel: str
    day: date
    status: DeliveryStatus
    occurrences: tuple[str, ...]
    items: tuple[DeliveryItem, ...]
    created_at: datetime
    attempts: int = 0
    first_attempt_at: datetime | None = None
    last_attempt_at: datetime | None = None
    next_attempt_at: datetime | None = None
    sent_at: datetime | None = None
    receipt: Receipt | None = None
    last_error: SendError | None = None
    errors: tuple[SendError, ...] = ()
    lease: Lease | None = None

    @property
    def month(self) -> str:
        """ "2025-04": the month whose records hold this delivery."""
        return month_of(self.day)


@dataclass(frozen=True)
class Delivery(DeliveryHead):
    """One message to one unit on one channel for one day (key ``unit/channel/day``): the
    outbox record, written before sending, and what became of it — its head and the rendered
    message (keyword-only, so the head's fields keep their order)."""

    message: Message = field(kw_only=True)


@dataclass(frozen=True, slots=True)
class DeliveryMark:
    """What the state of pairs reads of a delivery (``reminder.state``): where and when it
    went and what became of it — a head without its items, occurrences, receipt, error
    history and lease. A province's state reads about 100,000 of these."""

    key: str
    recipient: str
    channel: str
    day: date
    status: DeliveryStatus
    created_at: datetime
    attempts: int = 0
    last_attempt_at: datetime | None = None
    sent_at: datetime | None = None
    last_error: SendError | None = None


(
    _put_key,
    _put_recipient,
    _put_channel,
    _put_day,
    _put_status,
    _put_created_at,
    _put_attempts,
    _put_last_attempt_at,
    _put_sent_at,
    _put_last_error,
) = _slot_setters(
    DeliveryMark,
    *("key", "recipient", "channel", "day", "status", "created_at", "attempts"),
    *("last_attempt_at", "sent_at", "last_error"),
)


def _new_mark(
    key: str,
    recipient: str,
    channel: str,
    day: date,
    status: DeliveryStatus,
    created_at: datetime,
    attempts: int,
    last_attempt_at: datetime | None,
    sent_at: datetime | None,
    last_error: SendError | None,
) -> DeliveryMark:
    """``DeliveryMark(...)`` of values already checked, its fields set through their slots
    (``_slot_setters``: a province's state reads 110,000 marks)."""
    mark = _new(DeliveryMark)
    _put_key(mark, key)
    _put_recipient(mark, recipient)
    _put_channel(mark, channel)
    _put_day(mark, day)
    _put_status(mark, status)
    _put_created_at(mark, created_at)
    _put_attempts(mark, attempts)
    _put_last_attempt_at(mark, last_attempt_at)
    _put_sent_at(mark, sent_at)
    _put_last_error(mark, last_error)
    return mark


def mark_of(delivery: DeliveryHead) -> DeliveryMark:
    """What the state reads of ``delivery``."""
    return DeliveryMark(
        delivery.key,
        delivery.recipient,
        delivery.channel,
        delivery.day,
        delivery.status,
        delivery.created_at,
        delivery.attempts,
        delivery.last_attempt_at,
        delivery.sent_at,
        delivery.last_error,
    )


def mark_from_columns(
    key: str,
    recipient: str,
    channel: str,
    day: date,
    created_at: datetime,
    status: str | None,
    attempts: str | None,
    last_attempt_at: str | None,
    sent_at: str | None,
    last_error: Any,
) -> DeliveryMark:
    """A mark from a delivery's columns and the stored (text) form of its outcome fields;
    ``RecordShapeError`` naming a field that is not what it should be."""
    if status not in DELIVERY_STATUSES:
        raise RecordShapeError(f"trạng thái gửi không biết: {status!r}")
    try:
        tries = int(attempts or 0)
    except ValueError:
        raise RecordShapeError(f"trường 'attempts' không phải số: {attempts!r}") from None
    return _new_mark(
        key,
        recipient,
        channel,
        day,
        status,
        created_at,
        tries,
        None if last_attempt_at is None else _moment_of(last_attempt_at, "last_attempt_at"),
        None if sent_at is None else _moment_of(sent_at, "sent_at"),
        error_from_json(last_error) if last_error else None,
    )


def _moment_of(text: str, name: str) -> datetime:
    try:
        return _moment(text)
    except ValueError:
        raise RecordShapeError(f"trường {name!r} không phải thời điểm: {text!r}") from None


class CarriedItem(NamedTuple):
    """A (plan, task, unit) reminder of ``kind`` carried by the delivery ``key``."""

    plan: str
    task: str
    unit: str
    kind: str
    key: str


@dataclass(frozen=True)
class PairDeliveries:
    """What the state of pairs as of a moment reads of the deliveries
    (``reminder.store.bearing.pair_deliveries`` says which): the items, and the deliveries
    they name by key."""

    items: list[CarriedItem]
    marks: dict[str, DeliveryMark]


class OutboxFacts(Protocol):
    """What a pass reads of each past delivery to decide what is due (``outbox.view``): a
    ``DeliveryHead`` has it, and a store may answer with less (``Store.outbox_facts``)."""

    @property
    def key(self) -> str: ...
    @property
    def recipient(self) -> str: ...
    @property
    def channel(self) -> str: ...
    @property
    def day(self) -> date: ...
    @property
    def status(self) -> DeliveryStatus: ...
    @property
    def occurrences(self) -> tuple[str, ...]: ...


def head_of(delivery: Delivery) -> DeliveryHead:
    """``delivery`` without its message."""
    return DeliveryHead(
        **{f: getattr(delivery, f) for f in DeliveryHead.__dataclass_fields__},
    )


@dataclass(frozen=True)
class Outcome:
    """The result of one send attempt, as the pass decided it (see ``reminder.outbox``).

    ``apply_outcome`` turns a delivery and its outcome into the delivery's next state; every
    store applies outcomes with it, so they agree.
    """

    key: str
    day: date
    status: OutcomeStatus
    at: datetime
    attempts: int
    first_attempt_at: datetime | None
    next_attempt_at: datetime | None = None
    receipt: Receipt | None = None
    error: SendError | None = None

    @property
    def month(self) -> str:
        """The month of the delivery this outcome belongs to."""
        return month_of(self.day)


def month_of(day: date) -> str:
    """ "2025-04" for any day of April 2025."""
    return f"{day.year:04d}-{day.month:02d}"  # not strftime: called per outcome folded


def apply_outcome(delivery: Delivery, outcome: Outcome) -> Delivery:
    """``delivery`` after ``outcome``: the status, attempt counters, the receipt or the error
    (appended to the kept history), and no lease. Idempotent: applying the same outcome again
    returns the delivery unchanged."""
    if delivery.attempts == outcome.attempts and delivery.last_attempt_at == outcome.at:
        return delivery  # already applied: folding a journal twice changes nothing
    errors = delivery.errors
    if outcome.error is not None:
        errors = (*errors[-(ERROR_HISTORY - 1) :], outcome.error)
    return replace(
        delivery,
        status=outcome.status,
        attempts=outcome.attempts,
        first_attempt_at=outcome.first_attempt_at,
        last_attempt_at=outcome.at,
        next_attempt_at=outcome.next_attempt_at,
        sent_at=outcome.at if outcome.status == "sent" else delivery.sent_at,
        receipt=outcome.receipt if outcome.status == "sent" else delivery.receipt,
        last_error=outcome.error,
        errors=errors,
        lease=None,
    )


# -- acknowledgments, channel state, digests -----------------------------------------------------


@dataclass(frozen=True, slots=True)
class AckEvent:
    """One acknowledgment as recorded: who said what about (plan, task, unit), when.

    ``at`` is the moment it was given (local, aware); ``recorded_utc`` when the store took it.
    Events are kept, never changed: the state of a pair is computed from its history.
    ``id``, when not empty, names the event once and for all (``zalo_bot/<update>/<pair>``): a
    store records an event with an id it already holds no second time, so a message processed
    again after a crash acknowledges once.
    """

    plan: str
    task: str
    unit: str
    kind: AckKind
    at: datetime
    source: str = ""
    by: str = ""
    note: str = ""
    recorded_utc: datetime | None = None
    id: str = ""

    @property
    def pair(self) -> tuple[str, str, str]:
        """(plan, task, unit)."""
        return (self.plan, self.task, self.unit)


@dataclass(frozen=True)
class ChannelState:
    """What a channel keeps between passes (the Zalo token pair). ``version`` grows by one at
    each write, so a writer can replace exactly the state it read (``swap_channel_state``)."""

    name: str
    values: Mapping[str, str | None] = field(default_factory=dict)
    version: int = 0


@dataclass(frozen=True)
class DigestRun:
    """One weekly digest that went out (``week`` "2025-W26")."""

    week: str
    sent_at: datetime
    channel: str = ""
    recipients: tuple[str, ...] = ()


# -- the generic record area ---------------------------------------------------------------------

R = TypeVar("R")


class RecordKind(Generic[R]):
    """A kind of small keyed record that other features keep in the store (chat links, invite
    codes, processed event ids, pauses, extensions, accounts, sessions, audit entries).

    Declare one per kind, once, next to its dataclass::

        CHAT_LINKS = RecordKind("chat_link", ChatLink)

    and use it with ``Store.get_record`` / ``put_record`` / ``add_record`` ... The value is
    stored as JSON through pydantic (dataclasses, dates, datetimes, tuples, nested records);
    ``name`` is the stored identity of the kind — never rename it.
    """

    def __init__(self, name: str, type_: type[R]) -> None:
        if not name.replace("_", "").isalnum() or not name.islower():
            raise ValueError(f"record kind names are lower-case words: {name!r}")
        self.name = name
        self.type = type_
        self._adapter: TypeAdapter[R] = TypeAdapter(type_)

    def to_json(self, value: R) -> Any:
        """The JSON-ready form of ``value``."""
        return self._adapter.dump_python(value, mode="json")

    def from_json(self, data: Any) -> R:
        """The record stored as ``data``; ``RecordShapeError`` when it does not fit."""
        try:
            return self._adapter.validate_python(data)
        except ValidationError as exc:
            raise RecordShapeError(f"{self.name}: {exc.errors()[0]['msg']}") from None

    def __repr__(self) -> str:
        return f"RecordKind({self.name!r}, {self.type.__name__})"


# -- JSON ----------------------------------------------------------------------------------------


def _iso(value: datetime | date | None) -> str | None:
    return None if value is None else value.isoformat()


def _need(data: Mapping[str, Any], name: str, kind: type | tuple[type, ...]) -> Any:
    value = data.get(name)
    if not isinstance(value, kind):
        raise RecordShapeError(f"trường {name!r} thiếu hoặc sai kiểu")
    return value


def _when(data: Mapping[str, Any], name: str) -> datetime | None:
    value = data.get(name)
    if value is None:
        return None
    try:
        return _moment(str(value))
    except ValueError:
        raise RecordShapeError(f"trường {name!r} không phải thời điểm: {value!r}") from None


@functools.lru_cache(maxsize=4096)
def _moment(text: str) -> datetime:
    """An aware moment from ISO text (UTC when it has no offset); remembered, since the
    deliveries of one pass share their creation time (values are immutable). Moments of one
    offset share one ``tzinfo`` object, which makes comparing them cheap (``tally.Moment``)."""
    parsed = datetime.fromisoformat(text)
    zone = parsed.tzinfo
    if zone is None:
        return parsed.replace(tzinfo=UTC)
    shared = _ZONES.setdefault(zone, zone)
    return parsed if shared is zone else parsed.replace(tzinfo=shared)


# One tzinfo object per UTC offset met (``fromisoformat`` makes a new one per text).
_ZONES: dict[tzinfo, tzinfo] = {UTC: UTC}


def _day(value: Any, name: str) -> date:
    try:
        return _date(str(value)[:10])
    except ValueError:
        raise RecordShapeError(f"trường {name!r} không phải ngày: {value!r}") from None


@functools.lru_cache(maxsize=4096)
def _date(text: str) -> date:
    return date.fromisoformat(text)


def error_to_json(error: SendError) -> Json:
    """The stored form of a send error."""
    return {
        "message": error.message,
        "code": error.code,
        "detail": error.detail,
        "permanent": error.permanent,
        "at": error.at.isoformat(),
    }


def error_from_json(data: Any) -> SendError:
    """A send error from its stored form."""
    if not isinstance(data, Mapping):
        raise RecordShapeError("lỗi gửi không đúng dạng")
    at = _when(data, "at")
    return SendError(
        message=str(data.get("message", "")),
        code=None if data.get("code") is None else str(data.get("code")),
        detail=None if data.get("detail") is None else str(data.get("detail")),
        permanent=bool(data.get("permanent", False)),
        at=at or datetime(1970, 1, 1, tzinfo=UTC),
    )


def lease_to_json(lease: Lease | None) -> Json | None:
    """The stored form of a lease (key ``claim`` in a delivery)."""
    if lease is None:
        return None
    return {"host": lease.host, "pid": lease.pid, "token": lease.owner, "until": _iso(lease.until)}


def lease_from_json(data: Any) -> Lease | None:
    """A lease from its stored form (None for none)."""
    if not data:
        return None
    if not isinstance(data, Mapping):
        raise RecordShapeError("trường 'claim' không đúng dạng")
    until = _when(data, "until")
    if until is None:
        raise RecordShapeError("trường 'claim.until' thiếu")
    return Lease(
        owner=str(data.get("token", "")),
        until=until,
        host=str(data.get("host", "")),
        pid=int(data.get("pid", 0) or 0),
    )


def delivery_to_json(delivery: Delivery) -> Json:
    """The stored form of a delivery (the TinyDB document): what it carries, then what
    became of it."""
    return {**delivery_record_to_json(delivery), **delivery_outcome_to_json(delivery)}


def delivery_record_to_json(delivery: Delivery) -> Json:
    """The stored form of what a delivery carries, written once (key, recipient, day,
    occurrences, items, message): every field ``apply_outcome`` leaves alone."""
    return {
        "key": delivery.key,
        "month": delivery.month,
        "recipient": delivery.recipient,
        "channel": delivery.channel,
        "day": delivery.day.isoformat(),
        "occurrences": list(delivery.occurrences),
        "items": [
            {
                "plan": i.plan,
                "task": i.task,
                "unit": i.unit,
                "kind": i.kind,
                "due": i.due.isoformat(),
            }
            for i in delivery.items
        ],
        "message": delivery.message.to_record(),
        "created_at": delivery.created_at.isoformat(),
    }


def delivery_outcome_to_json(delivery: Delivery | DeliveryHead) -> Json:
    """The stored form of every delivery field ``apply_outcome`` may change (status, attempt
    counters, receipt, errors, lease): merged into the stored document, it gives the same
    document as ``delivery_to_json`` without re-encoding the message and items."""
    return {
        "status": delivery.status,
        "attempts": delivery.attempts,
        "first_attempt_at": _iso(delivery.first_attempt_at),
        "last_attempt_at": _iso(delivery.last_attempt_at),
        "next_attempt_at": _iso(delivery.next_attempt_at),
        "sent_at": _iso(delivery.sent_at),
        "receipt": None
        if delivery.receipt is None
        else {"id": delivery.receipt.provider_id, "detail": delivery.receipt.detail},
        "last_error": None if delivery.last_error is None else error_to_json(delivery.last_error),
        "errors": [error_to_json(e) for e in delivery.errors],
        "claim": lease_to_json(delivery.lease),
    }


def delivery_from_json(data: Any) -> Delivery:
    """A delivery from its stored form; ``RecordShapeError`` when a field is missing or wrong."""
    fields = _head_fields(data)
    message = _need(data, "message", Mapping)
    try:
        parsed_message = Message.from_record(dict(message))
    except TypeError as exc:
        raise RecordShapeError(f"trường 'message' không đúng dạng ({exc})") from None
    return Delivery(message=parsed_message, **fields)


def delivery_head_from_json(data: Any) -> DeliveryHead:
    """A delivery's head from its stored form (with or without ``message``, which is not
    read); ``RecordShapeError`` as ``delivery_from_json``."""
    return DeliveryHead(**_head_fields(data))


def delivery_head_to_json(head: DeliveryHead) -> Json:
    """The stored form of a delivery without ``message`` (``delivery_to_json`` minus it)."""
    return {
        "key": head.key,
        "month": head.month,
        "recipient": head.recipient,
        "channel": head.channel,
        "day": head.day.isoformat(),
        "occurrences": list(head.occurrences),
        "items": [
            {
                "plan": i.plan,
                "task": i.task,
                "unit": i.unit,
                "kind": i.kind,
                "due": i.due.isoformat(),
            }
            for i in head.items
        ],
        "created_at": head.created_at.isoformat(),
        **delivery_outcome_to_json(head),
    }


def _head_fields(data: Any) -> dict[str, Any]:
    """Every field of a stored delivery but its message, decoded.

    A province's state reads about 100,000 of these: the common shape (written by this
    program) is decoded without a check per field; anything else, or anything that fails on
    the way, goes through ``_checked_head_fields``, which gives the same values for a good
    record and names the field of a bad one."""
    try:
        get = data.get
        key, recipient, channel, status = (
            get("key"),
            get("recipient"),
            get("channel"),
            get("status"),
        )
        if not (
            type(key) is str
            and type(recipient) is str
            and type(channel) is str
            and status in DELIVERY_STATUSES
            and type(get("occurrences")) is list
            and type(get("items")) is list
            and not get("errors")
            and not get("claim")
        ):
            return _checked_head_fields(data)
        last_error, receipt = get("last_error"), get("receipt")
        first, last, following, sent = (
            get("first_attempt_at"),
            get("last_attempt_at"),
            get("next_attempt_at"),
            get("sent_at"),
        )
        created = get("created_at")
        return {
            "key": key,
            "recipient": recipient,
            "channel": channel,
            "day": _date(get("day")[:10]),
            "status": status,
            "occurrences": tuple([str(k) for k in get("occurrences")]),
            "items": tuple(
                [
                    DeliveryItem(
                        intern(i["plan"]),
                        intern(i["task"]),
                        intern(i["unit"]),
                        intern(i["kind"]),
                        _date(i["due"][:10]),
                    )
                    for i in get("items")
                ]
            ),
            "created_at": _moment(created) if created is not None else _EPOCH,
            "attempts": int(get("attempts") or 0),
            "first_attempt_at": _moment(first) if first is not None else None,
            "last_attempt_at": _moment(last) if last is not None else None,
            "next_attempt_at": _moment(following) if following is not None else None,
            "sent_at": _moment(sent) if sent is not None else None,
            "receipt": Receipt(str(receipt.get("id", "")), str(receipt.get("detail", "")))
            if type(receipt) is dict
            else None,
            "last_error": error_from_json(last_error) if last_error else None,
            "errors": (),
            "lease": None,
        }
    except (AttributeError, KeyError, TypeError, ValueError):
        return _checked_head_fields(data)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _checked_head_fields(data: Any) -> dict[str, Any]:
    """``_head_fields``, checking each field (``RecordShapeError`` naming a bad one)."""
    if not isinstance(data, Mapping):
        raise RecordShapeError("bản ghi gửi thư không phải một đối tượng")
    items = []
    for item in _need(data, "items", list):
        if not isinstance(item, Mapping):
            raise RecordShapeError("trường 'items' không đúng dạng")
        # Interned: a province's deliveries repeat the same few thousand names and days.
        items.append(
            DeliveryItem(
                plan=intern(str(item.get("plan", ""))),
                task=intern(str(item.get("task", ""))),
                unit=intern(str(item.get("unit", ""))),
                kind=intern(str(item.get("kind", ""))),
                due=_day(item.get("due"), "items.due"),
            )
        )
    return {
        "key": _need(data, "key", str),
        "recipient": _need(data, "recipient", str),
        "channel": _need(data, "channel", str),
        "day": _day(_need(data, "day", str), "day"),
        "occurrences": tuple(str(k) for k in _need(data, "occurrences", list)),
        "items": tuple(items),
        "created_at": _when(data, "created_at") or datetime(1970, 1, 1, tzinfo=UTC),
        **_outcome_fields(data),
    }


D = TypeVar("D", Delivery, DeliveryHead)


def delivery_with_outcome(delivery: D, data: Any, lease: Lease | None) -> D:
    """``delivery`` (or its head) with the fields ``apply_outcome`` changes read from
    ``data`` (their stored form, ``delivery_outcome_to_json``) and ``lease``: a reader that
    holds a delivery decodes only those."""
    if not isinstance(data, Mapping):
        raise RecordShapeError("kết quả của bản ghi gửi thư không phải một đối tượng")
    return replace(delivery, **{**_outcome_fields(data), "lease": lease})


def _outcome_fields(data: Mapping[str, Any]) -> dict[str, Any]:
    """The fields ``apply_outcome`` changes, from their stored form."""
    status = _need(data, "status", str)
    if status not in DELIVERY_STATUSES:
        raise RecordShapeError(f"trạng thái gửi không biết: {status!r}")
    receipt = data.get("receipt")
    last_error = data.get("last_error")
    errors = data.get("errors")
    return {
        "status": cast(DeliveryStatus, status),
        "attempts": int(data.get("attempts") or 0),
        "first_attempt_at": _when(data, "first_attempt_at"),
        "last_attempt_at": _when(data, "last_attempt_at"),
        "next_attempt_at": _when(data, "next_attempt_at"),
        "sent_at": _when(data, "sent_at"),
        "receipt": Receipt(str(receipt.get("id", "")), str(receipt.get("detail", "")))
        if isinstance(receipt, Mapping)
        else None,
        "last_error": error_from_json(last_error) if last_error else None,
        "errors": tuple(error_from_json(e) for e in errors) if errors else (),
        "lease": lease_from_json(data.get("claim")),
    }


def apply_outcome_json(stored: Mapping[str, Any], outcome: Outcome) -> Json | None:
    """``apply_outcome`` on the stored form: the fields to merge into the delivery document
    ``stored`` so that it becomes ``delivery_to_json(apply_outcome(delivery, outcome))``, or
    None when the outcome is already applied (tests check it agrees with ``apply_outcome``)."""
    return merge_outcome_json(stored, stored_outcome(outcome_to_json(outcome)))


@dataclass(frozen=True, slots=True)
class StoredOutcome:
    """An outcome in its stored form, checked as ``outcome_from_json`` checks it but kept as
    the JSON values it was written with: what folding a journal needs, without building and
    re-encoding datetimes. ``changes`` are the delivery fields it sets (``apply_outcome``'s
    rule in stored form), the error history aside."""

    key: str
    month: str
    changes: Json


def _when_text(data: Mapping[str, Any], name: str) -> str | None:
    """The stored time ``name`` as written, once it is known to read as a time."""
    value = data.get(name)
    if value is None:
        return None
    parsed = _when(data, name)
    return value if type(value) is str else _iso(parsed)


def stored_outcome(data: Any) -> StoredOutcome:
    """A journalled outcome (``outcome_to_json``'s form), checked field by field like
    ``outcome_from_json``; ``RecordShapeError`` (a ``ValueError``) when it is not one."""
    if not isinstance(data, Mapping):
        raise RecordShapeError("kết quả gửi không phải một đối tượng")
    status = _need(data, "status", str)
    if status not in _OUTCOME_STATUSES:
        raise RecordShapeError(f"kết quả gửi không biết: {status!r}")
    at = _when_text(data, "at")
    if at is None:
        raise RecordShapeError("kết quả gửi thiếu thời điểm")
    key = _need(data, "key", str)
    day = _need(data, "day", str)
    _day(day, "day")
    error = data.get("error")
    changes: Json = {
        "status": status,
        "attempts": int(_need(data, "attempts", int)),
        "first_attempt_at": _when_text(data, "first_attempt_at"),
        "last_attempt_at": at,
        "next_attempt_at": _when_text(data, "next_attempt_at"),
        "last_error": error_to_json(error_from_json(error)) if error else None,
        "claim": None,
    }
    if status == "sent":
        receipt = data.get("receipt")
        changes["sent_at"] = at
        changes["receipt"] = (
            {"id": str(receipt.get("id", "")), "detail": str(receipt.get("detail", ""))}
            if isinstance(receipt, Mapping)
            else None
        )
    return StoredOutcome(key=key, month=day[:7], changes=changes)


def merge_outcome_json(stored: Mapping[str, Any], outcome: StoredOutcome) -> Json | None:
    """The fields to merge into the delivery document ``stored`` for ``outcome`` (the error
    appended to the kept history), or None when it is already applied."""
    changes = outcome.changes
    if stored.get("attempts") == changes["attempts"] and (
        stored.get("last_attempt_at") == changes["last_attempt_at"]
        or _when(stored, "last_attempt_at") == _when(changes, "last_attempt_at")
    ):
        return None
    error = changes["last_error"]
    if error is None:
        return changes
    kept = list(stored.get("errors") or ())
    return {**changes, "errors": [*kept[-(ERROR_HISTORY - 1) :], error]}


def outcome_to_json(outcome: Outcome) -> Json:
    """The stored form of an outcome (one journal line)."""
    return {
        "key": outcome.key,
        "day": outcome.day.isoformat(),
        "status": outcome.status,
        "at": outcome.at.isoformat(),
        "attempts": outcome.attempts,
        "first_attempt_at": _iso(outcome.first_attempt_at),
        "next_attempt_at": _iso(outcome.next_attempt_at),
        "receipt": None
        if outcome.receipt is None
        else {"id": outcome.receipt.provider_id, "detail": outcome.receipt.detail},
        "error": None if outcome.error is None else error_to_json(outcome.error),
    }


def outcome_from_json(data: Any) -> Outcome:
    """An outcome from its stored form."""
    if not isinstance(data, Mapping):
        raise RecordShapeError("kết quả gửi không phải một đối tượng")
    status = _need(data, "status", str)
    if status not in _OUTCOME_STATUSES:
        raise RecordShapeError(f"kết quả gửi không biết: {status!r}")
    at = _when(data, "at")
    first = _when(data, "first_attempt_at")
    if at is None:
        raise RecordShapeError("kết quả gửi thiếu thời điểm")
    receipt = data.get("receipt")
    error = data.get("error")
    return Outcome(
        key=_need(data, "key", str),
        day=_day(_need(data, "day", str), "day"),
        status=cast(OutcomeStatus, status),
        at=at,
        attempts=int(_need(data, "attempts", int)),
        first_attempt_at=first,
        next_attempt_at=_when(data, "next_attempt_at"),
        receipt=Receipt(str(receipt.get("id", "")), str(receipt.get("detail", "")))
        if isinstance(receipt, Mapping)
        else None,
        error=error_from_json(error) if error else None,
    )


def ack_to_json(event: AckEvent) -> Json:
    """The stored form of an acknowledgment event."""
    recorded = event.recorded_utc or event.at
    return {
        "plan": event.plan,
        "task": event.task,
        "unit": event.unit,
        "state": event.kind,
        "at": event.at.isoformat(),
        "recorded_utc": recorded.astimezone(UTC).isoformat(),
        "source": event.source,
        "by": event.by,
        "note": event.note,
        **({"id": event.id} if event.id else {}),
    }


def ack_from_json(data: Any) -> AckEvent:
    """An acknowledgment event from its stored form."""
    if not isinstance(data, Mapping):
        raise RecordShapeError("xác nhận không phải một đối tượng")
    kind = _need(data, "state", str)
    if kind not in ACK_KINDS:
        raise RecordShapeError(f"trạng thái xác nhận không biết: {kind!r}")
    at = _when(data, "at")
    if at is None:
        raise RecordShapeError("xác nhận thiếu thời điểm 'at'")
    return AckEvent(
        plan=_need(data, "plan", str),
        task=_need(data, "task", str),
        unit=_need(data, "unit", str),
        kind=cast(AckKind, kind),
        at=at,
        source=str(data.get("source", "")),
        by=str(data.get("by", "")),
        note=str(data.get("note", "")),
        recorded_utc=_when(data, "recorded_utc"),
        id=str(data.get("id") or ""),
    )


def ack_from_columns(
    plan: str,
    task: str,
    unit: str,
    kind: str | None,
    at: str | None,
    source: str | None,
    by: str | None,
    note: str | None,
    recorded_utc: str | None,
    id: str | None,
) -> AckEvent:
    """``ack_from_json`` of a stored event whose fields were read one by one as text (a
    store that can, reads a province's 120,000 latest events so, without decoding each
    document)."""
    if kind not in ACK_KINDS:
        raise RecordShapeError(f"trạng thái xác nhận không biết: {kind!r}")
    if at is None:
        raise RecordShapeError("xác nhận thiếu thời điểm 'at'")
    event = _new(AckEvent)  # its fields set through their slots (``_slot_setters``)
    _put_plan(event, plan)
    _put_task(event, task)
    _put_unit(event, unit)
    _put_kind(event, kind)
    _put_at(event, _moment_of(at, "at"))
    _put_source(event, source or "")
    _put_by(event, by or "")
    _put_note(event, note or "")
    _put_recorded_utc(
        event, None if recorded_utc is None else _moment_of(recorded_utc, "recorded_utc")
    )
    _put_id(event, id or "")
    return event


(
    _put_plan,
    _put_task,
    _put_unit,
    _put_kind,
    _put_at,
    _put_source,
    _put_by,
    _put_note,
    _put_recorded_utc,
    _put_id,
) = _slot_setters(
    AckEvent,
    *("plan", "task", "unit", "kind", "at", "source", "by", "note", "recorded_utc", "id"),
)


def digest_run_to_json(run: DigestRun) -> Json:
    """The stored form of a digest run."""
    return {
        "week": run.week,
        "sent_at": run.sent_at.isoformat(),
        "channel": run.channel,
        "recipients": list(run.recipients),
    }


def digest_run_from_json(data: Any) -> DigestRun:
    """A digest run from its stored form."""
    if not isinstance(data, Mapping):
        raise RecordShapeError("lần gửi báo cáo tuần không đúng dạng")
    sent = _when(data, "sent_at")
    if sent is None:
        raise RecordShapeError("lần gửi báo cáo tuần thiếu 'sent_at'")
    return DigestRun(
        week=_need(data, "week", str),
        sent_at=sent,
        channel=str(data.get("channel", "")),
        recipients=tuple(str(r) for r in data.get("recipients") or ()),
    )
