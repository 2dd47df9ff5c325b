"""The stored-form outcome rule (``apply_outcome_json``) agrees with ``apply_outcome``."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest

from reminder.channels.base import Message, Receipt
from reminder.schedule import LOCAL_TZ
from reminder.store.records import (
    ERROR_HISTORY,
    Delivery,
    DeliveryItem,
    Lease,
    Outcome,
    SendError,
    apply_outcome,
    apply_outcome_json,
    delivery_to_json,
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
