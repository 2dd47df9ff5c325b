"""The stored-form outcome rule (``apply_outcome_json``) agrees with ``apply_outcome``, and a
journalled outcome is checked as the typed reader checks it."""

from __future__ import annotations

from dataclasses import FrozenInstanceError, fields, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from reminder.channels.base import Message, Receipt
from reminder.schedule import LOCAL_TZ
from reminder.store.records import (
    ERROR_HISTORY,
    AckEvent,
    Delivery,
    DeliveryItem,
    DeliveryMark,
    Lease,
    Outcome,
    RecordShapeError,
    SendError,
    _slot_setters,
    ack_from_columns,
    apply_outcome,
    apply_outcome_json,
    delivery_to_json,
    error_to_json,
    mark_from_columns,
    outcome_from_json,
    outcome_to_json,
    stored_outcome,
)

T0 = datetime(2025, 4, 1, 8, 5, tzinfo=LOCAL_TZ)


def _error(i: int) -> SendError:
    return SendError(f"lỗi {i}", "451", None, False, T0 + timedelta(minutes=i))


def _delivery(errors: int, lease: bool) -> Delivery:
    message = Message(
        "u1/email/2025-04-01", "email", "u1", "Phòng Nội vụ", "Nhắc việc", "x", "", "x", "t",
        emails=("a@b.example",), data={"k": "v"},
    )  # fmt: skip
    return Delivery(
        key="u1/email/2025-04-01",
        recipient="u1",
        channel="email",
        day=date(2025, 4, 1),
        status="retry" if errors else "pending",
        occurrences=("p/t/u1/due",),
        items=(DeliveryItem("p", "t", "u1", "due", date(2025, 4, 3)),),
        message=message,
        created_at=T0,
        attempts=errors,
        first_attempt_at=T0 if errors else None,
        last_attempt_at=_error(errors).at if errors else None,
        last_error=_error(errors) if errors else None,
        errors=tuple(_error(i) for i in range(1, errors + 1)),
        lease=Lease("owner", T0 + timedelta(minutes=10), "host", 7) if lease else None,
    )


def _outcomes(d: Delivery) -> list[Outcome]:
    at = T0 + timedelta(hours=1)
    n = d.attempts + 1
    first = d.first_attempt_at or at
    return [
        Outcome(d.key, d.day, "sent", at, n, first, receipt=Receipt("<id@x>", "250 ok")),
        Outcome(d.key, d.day, "sent", at, n, first),
        Outcome(d.key, d.day, "retry", at, n, first, at + timedelta(minutes=2), error=_error(99)),
        Outcome(d.key, d.day, "failed", at, n, first, error=replace(_error(98), permanent=True)),
        Outcome(d.key, d.day, "dead", at, n, first, error=_error(97)),
    ]


@pytest.mark.parametrize("errors", [0, 1, ERROR_HISTORY - 1, ERROR_HISTORY, ERROR_HISTORY + 3])
@pytest.mark.parametrize("lease", [False, True])
def test_stored_form_rule_matches_apply_outcome(errors: int, lease: bool) -> None:
    delivery = _delivery(errors, lease)
    stored = delivery_to_json(delivery)
    for outcome in _outcomes(delivery):
        after = apply_outcome(delivery, outcome)
        changes = apply_outcome_json(stored, outcome)
        assert changes is not None
        merged = {**stored, **changes}
        assert merged == delivery_to_json(after)
        # Applying it again changes nothing, as with the typed rule.
        assert apply_outcome(after, outcome) is after
        assert apply_outcome_json(merged, outcome) is None


_GOOD: dict[str, Any] = {
    "key": "u1/email/2025-04-01",
    "day": "2025-04-01",
    "status": "retry",
    "at": "2025-04-01T09:05:00+07:00",
    "attempts": 2,
    "first_attempt_at": "2025-04-01T08:05:00+07:00",
    "next_attempt_at": "2025-04-01T09:07:00+07:00",
    "receipt": None,
    "error": {
        "message": "bận",
        "code": "451",
        "detail": None,
        "permanent": False,
        "at": "2025-04-01T09:05:00+07:00",
    },
}


@pytest.mark.parametrize(
    "change",
    [
        {"status": "teleported"},
        {"status": None},
        {"at": None},
        {"at": "hôm qua"},
        {"key": 7},
        {"day": "01/04/2025"},
        {"day": None},
        {"attempts": "2"},
        {"first_attempt_at": "sáng nay"},
        {"next_attempt_at": 5},
        {"error": "một chuỗi"},
        {"error": {**_GOOD["error"], "at": "không phải giờ"}},
    ],
)
def test_a_journalled_outcome_is_checked_as_the_typed_reader_checks_it(
    change: dict[str, object],
) -> None:
    good = _GOOD
    stored_outcome(good)  # the good line reads
    outcome_from_json(good)
    bad = {**good, **change}
    with pytest.raises(RecordShapeError):
        outcome_from_json(bad)
    with pytest.raises(RecordShapeError):
        stored_outcome(bad)


def test_a_journalled_outcome_keeps_the_times_as_written_and_the_month_of_its_day() -> None:
    outcome = _outcomes(_delivery(1, lease=True))[2]
    line = outcome_to_json(outcome)
    found = stored_outcome(line)
    assert found.key == outcome.key
    assert found.month == "2025-04"
    assert found.changes["last_attempt_at"] is line["at"]  # the same string: nothing re-encoded
    assert found.changes["next_attempt_at"] is line["next_attempt_at"]


def test_records_made_field_by_field_are_the_frozen_records_their_constructors_make() -> None:
    """``ack_from_columns`` and ``mark_from_columns`` build their records without the
    dataclasses' ``__init__`` (it costs a province's read twice as much): every field is
    set, to the value given, and the record is the same — type, equality, hash, frozen."""
    at = datetime.fromisoformat(T0.isoformat())  # as parsed: a fixed offset, not the zone
    event = ack_from_columns("p", "T1", "nv", "done", T0.isoformat(), "zalo", "Lan", "Đã gửi",
                             "2025-04-01T01:06:00+00:00", "x/1")  # fmt: skip
    made = AckEvent("p", "T1", "nv", "done", at, "zalo", "Lan", "Đã gửi",
                    datetime(2025, 4, 1, 1, 6, tzinfo=UTC), "x/1")  # fmt: skip
    error = SendError("lỗi 3", "451", "hộp thư đầy", False, at)
    mark = mark_from_columns(
        "u1/email/2025-04-01", "u1", "email", T0.date(), T0, "retry", "2",
        T0.isoformat(), None, error_to_json(error),
    )  # fmt: skip
    marked = DeliveryMark("u1/email/2025-04-01", "u1", "email", T0.date(), "retry", T0, 2,
                          at, None, error)  # fmt: skip
    for got, want in ((event, made), (mark, marked)):
        assert type(got) is type(want)
        assert [getattr(got, f.name) for f in fields(want)] == [
            getattr(want, f.name) for f in fields(want)
        ]
        assert got == want
        assert hash(got) == hash(want)
        assert repr(got) == repr(want)
        with pytest.raises(FrozenInstanceError):
            setattr(got, fields(want)[0].name, "đổi")
        assert replace(got) == want
    names = [f.name for f in fields(AckEvent)]
    with pytest.raises(TypeError, match="AckEvent"):  # a field added, and not set by the reader
        _slot_setters(AckEvent, *names[:-1])
