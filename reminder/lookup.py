"""Turning what a person types on the command line into ids, or a clear refusal.

A unit may be given by id, name or alias ("Phòng Nội vụ", "phong-noi-vu", "VP HĐND&UBND");
a group by id or name; a task by id (case-insensitive); a plan by id or year. Anything that
names nothing raises ``UsageError`` with the nearest matches, so a typo never gives an empty
result and exit 0.
"""

from __future__ import annotations

import difflib
import re

from reminder.config import Config
from reminder.errors import UsageError
from reminder.plan import Plan

_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def _suggest(close: list[str]) -> str:
    return (" Có phải: " + ", ".join(close) + "?") if close else ""


def unit_or_group(config: Config, text: str) -> str:
    """The id of the unit or group ``text`` names (id, name or alias)."""
    directory = config.directory
    if text in directory.units or text in directory.groups:
        return text
    found = config.names().resolve(text)
    if found is not None:
        return found
    raise UsageError(
        f"không có đơn vị hay nhóm {text!r}.{_suggest(config.names().closest(text))}"
        " Xem danh sách trong units.toml."
    )


def unit(config: Config, text: str) -> str:
    """The id of the unit (not a group) ``text`` names."""
    found = unit_or_group(config, text)
    if found not in config.directory.units:
        members = ", ".join(config.directory.expand([found])[:5])
        raise UsageError(
            f"{text!r} là một nhóm, không phải một đơn vị; ghi mã từng đơn vị"
            + (f" (thành viên: {members})" if members else "")
        )
    return found


def plans(config: Config, text: str | None) -> list[Plan]:
    """The plans ``text`` names (a plan id or a year); every plan when None."""
    if text is None:
        return list(config.plans)
    chosen = [p for p in config.plans if p.id == text or str(p.year) == text]
    if not chosen:
        known = [f"{p.id} (năm {p.year})" for p in config.plans]
        close = difflib.get_close_matches(text, [p.id for p in config.plans], n=3, cutoff=0.5)
        raise UsageError(
            f"không có kế hoạch {text!r}.{_suggest(close)} Các kế hoạch đã nạp: "
            + (", ".join(known) or "không có")
        )
    return chosen


def task(config: Config, text: str, among: list[Plan] | None = None) -> str:
    """The task id ``text`` names in ``among`` (default: every plan), case-insensitive."""
    ids = sorted({t.id for p in (among if among is not None else config.plans) for t in p.tasks})
    if text in ids:
        return text
    folded = {i.upper(): i for i in ids}
    if text.upper() in folded:
        return folded[text.upper()]
    close = difflib.get_close_matches(text.upper(), list(folded), n=3, cutoff=0.5)
    raise UsageError(
        f"không có việc {text!r}.{_suggest([folded[c] for c in close])}"
        " Xem danh sách: reminder plan"
    )


def month(text: str) -> str:
    """A ``YYYY-MM`` month, checked."""
    if not _MONTH.match(text):
        raise UsageError(f"tháng không hợp lệ: {text!r} — viết dạng 2025-03")
    return text
