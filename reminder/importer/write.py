"""Writing the import: ``plan-<year>.toml`` (our layout, values encoded by tomli-w) and the new
units and groups appended to ``units.toml`` (edited with tomlkit, so the administrator's
comments and order are kept)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import tomlkit
from tomlkit.items import AoT, Table

from reminder import store
from reminder.errors import PlanImportError
from reminder.importer.model import ImportResult, NewUnit


def plan_toml(result: ImportResult) -> str:
    """The text of ``plan-<year>.toml`` for ``result`` (deterministic).

    Values are encoded by tomli-w; the layout (one ``[[tasks]]`` table per task, short arrays on
    one line) is ours, for administrators who edit the file by hand. tomlkit's document model
    would do both but is slow for thousands of tables (0.8 s for 2,000 tasks).
    """
    lines = [
        f"# Kế hoạch nhập từ {result.source.name} bằng reminder import-plan.",
        "# Sửa tệp này tùy ý, rồi chạy: reminder check",
        "# Mã đơn vị (lead = chủ trì, support = phối hợp) xem trong units.toml.",
        "",
        "[plan]",
        *_toml_pairs({"title": result.title, "year": result.year, "issuer": result.issuer}),
    ]
    for task in result.tasks:
        lines += ["", "[[tasks]]", *_toml_pairs(dict(task))]
    return "\n".join(lines) + "\n"


def _toml_pairs(values: dict[str, Any]) -> list[str]:
    import tomli_w

    def encode(value: Any) -> str:
        if isinstance(value, list):
            return "[" + ", ".join(encode(v) for v in value) + "]"
        return tomli_w.dumps({"v": value}).removeprefix("v = ").rstrip("\n")

    return [f"{key} = {encode(value)}" for key, value in values.items()]


def add_units(units_text: str, new_units: list[NewUnit]) -> str:
    """``units.toml`` text with ``new_units`` appended (units to ``[[units]]``, collectives to
    ``[[groups]]`` with no members yet); everything else kept as written."""
    doc = tomlkit.parse(units_text) if units_text.strip() else tomlkit.document()
    for unit in new_units:
        section = "groups" if unit.group else "units"
        existing = doc.get(section)
        if existing is None:
            existing = tomlkit.aot()
            doc.add(section, existing)
        if not isinstance(existing, AoT):
            raise PlanImportError(f"units.toml: '{section}' phải là danh sách [[{section}]]")
        table: Table = tomlkit.table()
        if unit.group:
            table.add(
                tomlkit.comment(
                    "Nhóm tạo khi nhập kế hoạch: ghi mã các đơn vị của nhóm vào members"
                )
            )
        else:
            table.add(
                tomlkit.comment(
                    "Tạo khi nhập kế hoạch: điền cách liên lạc (email, zalo_user_id, phone)"
                )
            )
        table.add("id", unit.id)
        table.add("name", unit.name)
        aliases = tomlkit.array()
        aliases.extend(unit.aliases)
        table.add("aliases", aliases)
        if unit.group:
            table.add("members", tomlkit.array())
        else:
            table.add("email", tomlkit.array())
        existing.append(table)
    return tomlkit.dumps(doc)


def write_atomic(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` so that a crash leaves the old or the new file, whole."""
    path.parent.mkdir(parents=True, exist_ok=True)
    store.write_atomic(path, text.encode("utf-8"))
