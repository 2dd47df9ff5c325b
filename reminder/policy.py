"""The reminder policy: when, relative to a task's window, a unit is reminded.

Defaults (``[policy]`` in settings.toml overrides them; a unit's or a task's ``policy`` table
overrides those, task last):

- ``open = true``: a notice on the window's first working day, so nobody learns of a task late;
- ``before_due = [5, 1]``: one working week before the effective due date (time to act), and the
  working day before (last call) — two messages, not a drip;
- ``due = true``: on the effective due date;
- ``overdue_every = 2``, ``overdue_max = 5``: every second working day after the due date, at
  most five times (about two working weeks), until the task is done — persistent, not spam;
- ``escalate_after = 5``: one working week late, the council is told and the digest flags it
  (0 turns escalation off);
- ``send_time = "08:00"``: the start of the working day in Asia/Ho_Chi_Minh;
- ``support_kinds = ["open", "before_due"]``: supporting units ("phối hợp") are told when the
  task opens and before it is due; the due-day and overdue chasing is the lead's.
"""

from __future__ import annotations

from datetime import time
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator

Kind = Literal["open", "before_due", "due", "overdue", "escalation"]
KINDS: tuple[Kind, ...] = ("open", "before_due", "due", "overdue", "escalation")


def _parse_hhmm(value: object) -> object:
    if isinstance(value, str):
        try:
            hours, minutes = value.strip().split(":")
            return time(int(hours), int(minutes))
        except ValueError:
            raise ValueError('giờ gửi phải có dạng "HH:MM", ví dụ "08:00"') from None
    return value


SendTime = Annotated[time, BeforeValidator(_parse_hhmm)]


def _offsets(value: tuple[int, ...]) -> tuple[int, ...]:
    """``before_due`` offsets: each 1..250 working days, largest first, no repeats."""
    if any(v < 1 or v > 250 for v in value):
        raise ValueError("mỗi số ngày làm việc trước hạn phải từ 1 đến 250, ví dụ [5, 1]")
    return tuple(sorted(set(value), reverse=True))


class Policy(BaseModel):
    """A complete reminder policy."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    open: bool = True
    before_due: tuple[int, ...] = (5, 1)
    due: bool = True
    overdue_every: int = Field(default=2, ge=1, le=60)
    overdue_max: int = Field(default=5, ge=0, le=100)
    escalate_after: int = Field(default=5, ge=0, le=250)
    send_time: SendTime = time(8, 0)
    support_kinds: tuple[Kind, ...] = ("open", "before_due")

    @field_validator("before_due")
    @classmethod
    def _offsets_positive(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        return _offsets(value)

    def merged(self, override: PolicyOverride | None) -> Policy:
        """This policy with the fields ``override`` sets replaced."""
        if override is None:
            return self
        changes = override.model_dump(exclude_unset=True)
        if not changes:
            return self
        return Policy.model_validate({**self.model_dump(), **changes})


class PolicyOverride(BaseModel):
    """Part of a policy, as a unit or a task writes it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    open: bool | None = None
    before_due: tuple[int, ...] | None = None
    due: bool | None = None
    overdue_every: int | None = Field(default=None, ge=1, le=60)
    overdue_max: int | None = Field(default=None, ge=0, le=100)
    escalate_after: int | None = Field(default=None, ge=0, le=250)
    send_time: SendTime | None = None
    support_kinds: tuple[Kind, ...] | None = None

    @field_validator("before_due")
    @classmethod
    def _offsets_positive(cls, value: tuple[int, ...] | None) -> tuple[int, ...] | None:
        return None if value is None else _offsets(value)
