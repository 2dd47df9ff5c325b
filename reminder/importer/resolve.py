"""Names to unit ids: the configured units first, then the directory of public bodies.

A name the configuration knows maps to its id. Otherwise:

- a body the directory knows ("Sở TC", "Sở Tài chính") becomes one new unit under its standard
  name, with every spelling of it as aliases, so two spellings never make two units;
- a collective ("Các thôn, xóm", "UBND các xã, phường", "Các trường học") becomes a group whose
  members the administrator fills in (``check`` says so);
- a person's role ("Hiệu trưởng", "Kế toán", "Bí thư Đoàn") is a recipient like a unit;
- "Đại biểu được chọn" and other people who are not a post leave the task needing assignment;
- any other organisation becomes a new unit, with the closest existing names in the summary.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

from reminder import directory
from reminder.errors import Problem
from reminder.importer.model import Decision, NewUnit
from reminder.names import NameIndex, is_people, name_key, slug


class Resolver:
    """Resolves names for one import, creating the units and groups it needs."""

    def __init__(self, index: NameIndex, existing_ids: Iterable[str], path: Path) -> None:
        self.index = index
        self.path = path
        self.taken = set(existing_ids)
        self.new_units: list[NewUnit] = []
        self.warnings: list[Problem] = []
        self.decisions: list[Decision] = []
        self._unassigned: list[str] = []

    def resolve(self, name: str) -> str | None:
        """An id or directory entry ``name`` denotes; None when nothing knows it (for splitting)."""
        found = self.index.resolve(name)
        if found is not None:
            return found
        entry = directory.lookup(name)
        # A collective is recognised by its form ("Các …"), which any joined text can have:
        # it must not make pieces look like one name when a list is split.
        if entry is None or not entry.key.startswith("dir:"):
            return None
        return entry.key

    def take_unassigned(self) -> list[str]:
        """The names found since the last call that are nobody to remind."""
        out, self._unassigned = self._unassigned, []
        return out

    def ids(self, names: list[str], task_id: str, where: Problem) -> list[str]:
        """The ids of ``names``, in order, without repeats."""
        out: list[str] = []
        for name in names:
            id_ = self._one(name, task_id, where)
            if id_ is not None and id_ not in out:
                out.append(id_)
        return out

    def _one(self, name: str, task_id: str, where: Problem) -> str | None:
        found = self.index.resolve(name)
        if found is not None:
            return found
        entry = directory.lookup(name)
        if entry is not None and entry.kind == "nobody":
            self._unassigned.append(name)
            self._warn(
                where,
                f'"{name}" không phải một đơn vị: việc cần phân công',
                "ghi mã đơn vị chủ trì vào lead trong tệp kế hoạch",
            )
            return None
        if entry is None and is_people(name):
            self._unassigned.append(name)
            self._warn(
                where,
                f'"{name}" không phải một đơn vị: việc cần phân công',
                "ghi mã đơn vị chủ trì vào lead trong tệp kế hoạch",
            )
            return None
        if entry is not None:
            group = entry.kind == "group"
            if group:
                display, aliases = name, []
            elif entry.place:
                # "Trung tâm PVHCC tỉnh": that locality's body, as written, and known by the
                # standard name with the same locality words.
                display = name
                place_words = " ".join(name.split()[-len(entry.place.split()) :])
                spellings = [f"{n} {place_words}" for n in (entry.name, *entry.aliases)]
                aliases = [n for n in spellings if name_key(n) != name_key(display)]
            else:
                # "Sở TC" is created as "Sở Tài chính" ("Sở TC" an alias); "Công an xã" as written.
                same = name_key(name) == name_key(entry.name)
                display = name if same else entry.name
                spellings = [name, *entry.aliases]
                aliases = [n for n in spellings if name_key(n) != name_key(display)]
                aliases = [n for i, n in enumerate(aliases) if n not in aliases[:i]]
            source = {"group": "nhóm", "person": "chức danh"}.get(entry.kind, "danh bạ")
        else:
            display, aliases, group, source = name, [], False, ""
        closest = self.index.closest(display)
        new_id = self._unique_id(slug(display))
        self.index.add(new_id, [display, *aliases])
        self.new_units.append(
            NewUnit(
                id=new_id,
                name=display,
                closest=closest,
                group=group,
                source=source,
                aliases=aliases,
            )
        )
        if group:
            self._warn(
                where,
                f'nhóm mới "{display}" (mã {new_id}): chưa có thành viên',
                "ghi các đơn vị của nhóm vào members trong units.toml",
            )
            self.decisions.append(Decision(task_id, "nhóm", f'"{name}" → nhóm {new_id}'))
        else:
            self._warn(
                where,
                f'đơn vị mới "{display}" (mã {new_id})',
                ("gần giống: " + ", ".join(closest) + " — nếu là một, thêm vào aliases")
                if closest
                else "điền cách liên lạc trong units.toml",
            )
            if entry is not None and entry.kind == "person":
                self.decisions.append(Decision(task_id, "người", f'"{name}" → chức danh {new_id}'))
        return new_id

    def _warn(self, where: Problem, message: str, hint: str) -> None:
        self.warnings.append(replace(where, message=message, hint=hint))

    def _unique_id(self, base: str) -> str:
        base = base[:60].strip("-") or "don-vi"
        if base not in self.taken:
            self.taken.add(base)
            return base
        n = 2
        while f"{base}-{n}" in self.taken:
            n += 1
        self.taken.add(f"{base}-{n}")
        return f"{base}-{n}"
