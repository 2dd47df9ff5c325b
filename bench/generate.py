"""Generated configurations for the benchmarks: province-scale plans and their units."""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

import docx

from reminder.plan import Directory, Group, Plan, Task, Unit


def directory(units: int, groups: int, group_size: int, seed: int = 1) -> Directory:
    """``units`` units and ``groups`` groups of ``group_size`` members each."""
    rng = random.Random(seed)
    all_units = {
        f"u{i:05d}": Unit(id=f"u{i:05d}", name=f"Đơn vị số {i}", email=(f"u{i}@x.example",))
        for i in range(units)
    }
    ids = list(all_units)
    all_groups = {
        f"g{i:03d}": Group(
            id=f"g{i:03d}", name=f"Nhóm số {i}", members=tuple(rng.sample(ids, group_size))
        )
        for i in range(groups)
    }
    return Directory(units=all_units, groups=all_groups)


def plan(tasks: int, directory: Directory, leads_per_task: int, seed: int = 2) -> Plan:
    """A plan of ``tasks`` tasks, each led by one group (or units) plus a few supporters."""
    rng = random.Random(seed)
    units = list(directory.units)
    groups = list(directory.groups)
    out = []
    for n in range(tasks):
        quarter = n % 4 + 1
        start = date(2025, 3 * quarter - 2, 1) + timedelta(days=rng.randrange(0, 30))
        due = start + timedelta(days=rng.randrange(10, 60))
        lead = [rng.choice(groups)] if groups else rng.sample(units, leads_per_task)
        out.append(
            Task(
                id=f"T{n:05d}",
                quarter=quarter,
                title=f"Nhiệm vụ số {n}",
                lead=tuple(lead),
                support=tuple(rng.sample(units, 5)),
                start=start,
                due=min(due, date(2025, 12, 31)),
            )
        )
    return Plan(id="plan-2025", title="Kế hoạch tỉnh", year=2025, issuer="", tasks=tuple(out))


UNIT_NAMES = [
    "Phòng Nội vụ",
    "Phòng Tư pháp",
    "Phòng Y tế",
    "Phòng Giáo dục và Đào tạo",
    "Văn phòng HĐND và UBND huyện",
    "Phòng Tài chính – Kế hoạch",
    "Thanh tra huyện",
    "Phòng Văn hóa và Thông tin",
    "Phòng Kinh tế và Hạ tầng",
    "Phòng Dân tộc",
]


def word_plan(path: Path, tasks: int, seed: int = 3) -> Path:
    """A .docx plan of ``tasks`` rows in the five-column layout (lead, support, time)."""
    rng = random.Random(seed)
    document = docx.Document()
    for line in ("ỦY BAN NHÂN DÂN TỈNH", "Số: 1/KH-UBND", "KẾ HOẠCH", "Công tác năm 2025"):
        document.add_paragraph(line)
    per_quarter = tasks // 4
    rows: list[tuple[str, ...]] = [
        ("STT", "Nội dung", "Cơ quan chủ trì", "Cơ quan phối hợp", "Thời gian")
    ]
    for quarter, roman in enumerate(("I", "II", "III", "IV"), start=1):
        rows.append((roman, f"Quý {roman}", "", "", ""))
        for n in range(1, per_quarter + 1):
            month = 3 * quarter - rng.randrange(0, 3)
            rows.append(
                (
                    str(n),
                    f"Nhiệm vụ {n} của quý {roman}",
                    rng.choice(UNIT_NAMES),
                    "; ".join(rng.sample(UNIT_NAMES, 2)),
                    f"Tháng {month}/2025",
                )
            )
    table = document.add_table(rows=len(rows), cols=5)
    # Row by row: python-docx's table.cell(r, c) walks the whole table on every call.
    for row, values in zip(table.rows, rows, strict=True):
        for cell, text in zip(row.cells, values, strict=True):
            cell.text = text
    document.save(str(path))
    return path
