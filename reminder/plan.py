"""The plan's domain: units, groups of units, tasks and plans.

A *unit* (đơn vị) is somewhere a reminder can go; a *group* ("UBND các xã, thị trấn") names
several units, and expands to its members, each reminded and acknowledging on its own. A *task*
has lead units (chủ trì) and supporting units (phối hợp) and a window ``start``..``due``; without
explicit dates the window is its quarter. ``milestones`` are earlier due dates inside the
window ("Tháng 6 và tháng 12": due 30/6 and 31/12), each reminded like a due date; ``recurring``
says the task stands all along its window (``ongoing``: "Thường xuyên") or comes due every
month or quarter (``monthly``/``quarterly``, with those due dates as milestones).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

from reminder.policy import PolicyOverride

_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


def _check_id(value: str) -> str:
    if not _ID.match(value):
        raise ValueError(
            "mã chỉ gồm chữ không dấu, số, '-', '_' hoặc '.', bắt đầu bằng chữ hoặc số"
            f' (tối đa 64 ký tự), ví dụ "phong-noi-vu"; đang là {value!r}'
        )
    return value


def _as_list(value: object) -> object:
    # A single string where a list is expected is what people write for one item.
    return [value] if isinstance(value, str) else value


def _strip(value: object) -> object:
    return value.strip() if isinstance(value, str) else value


Id = Annotated[str, AfterValidator(_check_id)]
Text = Annotated[str, BeforeValidator(_strip), Field(min_length=1)]
Names = Annotated[tuple[str, ...], BeforeValidator(_as_list)]
Ids = Annotated[tuple[Id, ...], BeforeValidator(_as_list)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Unit(_Model):
    """A unit that receives reminders."""

    id: Id
    name: Text
    aliases: Names = ()
    email: Names = ()
    zalo_user_id: str | None = None
    phone: str | None = None
    policy: PolicyOverride | None = None

    @property
    def reachable(self) -> bool:
        """Whether any contact field is filled in."""
        return bool(self.email or self.zalo_user_id or self.phone)


class Group(_Model):
    """A named set of units (or of other groups)."""

    id: Id
    name: Text
    aliases: Names = ()
    members: Ids = ()


class Task(_Model):
    """One row of the plan."""

    id: Id
    quarter: int = Field(ge=1, le=4)
    title: Text
    lead: Ids = ()
    support: Ids = ()
    start: date | None = None
    due: date | None = None
    time: str | None = None
    milestones: tuple[date, ...] = ()
    recurring: Literal["ongoing", "monthly", "quarterly"] | None = None
    unassigned: Names = ()
    policy: PolicyOverride | None = None


class PlanHeader(_Model):
    """The ``[plan]`` table."""

    title: Text
    year: int = Field(ge=2000, le=2100)
    issuer: str = ""


def quarter_window(year: int, quarter: int) -> tuple[date, date]:
    """First and last day of ``quarter`` (1-4) of ``year``."""
    first = date(year, 3 * quarter - 2, 1)
    if quarter == 4:
        return first, date(year, 12, 31)
    return first, date(year, 3 * quarter + 1, 1) - timedelta(days=1)


@dataclass(frozen=True)
class Plan:
    """A validated plan: ``id`` is its file's stem (``plan-2025``)."""

    id: str
    title: str
    year: int
    issuer: str
    tasks: tuple[Task, ...]
    path: Path | None = None

    def window(self, task: Task) -> tuple[date, date]:
        """The task's ``start``..``due``; missing ends come from its quarter."""
        first, last = quarter_window(self.year, task.quarter)
        return task.start or first, task.due or last

    def windows(self, task: Task) -> list[tuple[date, date]]:
        """The task's windows, one per due date: ``start``..first milestone, the day after
        it..the next, …, ..``due``. A task without milestones has one, ``window``."""
        start, due = self.window(task)
        out: list[tuple[date, date]] = []
        for milestone in task.milestones:
            if start <= milestone < due:
                out.append((start, milestone))
                start = milestone + timedelta(days=1)
        out.append((start, due))
        return out

    def task(self, task_id: str) -> Task | None:
        """The task with ``task_id``, or None."""
        return next((t for t in self.tasks if t.id == task_id), None)


@dataclass(frozen=True)
class Directory:
    """Units and groups by id, with group expansion."""

    units: dict[str, Unit] = field(default_factory=dict)
    groups: dict[str, Group] = field(default_factory=dict)

    def name_of(self, id_: str) -> str:
        """Display name of a unit or group id (the id itself when unknown)."""
        if id_ in self.units:
            return self.units[id_].name
        if id_ in self.groups:
            return self.groups[id_].name
        return id_

    def expand(self, ids: tuple[str, ...] | list[str]) -> list[str]:
        """Unit ids that ``ids`` (units or groups) stand for, in order, without repeats.

        Unknown ids and cycles are skipped: the loader reports them before this is used.
        """
        out: list[str] = []
        seen_groups: set[str] = set()

        def visit(id_: str) -> None:
            if id_ in self.units:
                if id_ not in out:
                    out.append(id_)
            elif id_ in self.groups and id_ not in seen_groups:
                seen_groups.add(id_)
                for member in self.groups[id_].members:
                    visit(member)

        for id_ in ids:
            visit(id_)
        return out
