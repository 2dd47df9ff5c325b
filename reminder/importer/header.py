"""The document header: issuer, number, place and date, title and year.

Offices write the header as a two-column table (the issuer over "Số: …/KH-…" on the left, the
national motto over "…, ngày … tháng … năm 2026" on the right), or as paragraphs; a PDF gives
the two columns side by side on one line. Lines are split where the right column starts, so
all three read alike.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from reminder.importer.model import Document, Table
from reminder.names import fold

_RIGHT_COLUMN = re.compile(
    r"\s+(?=CỘNG HÒA|CỘNG HOÀ|Độc lập\s*[-–]|[^\s,]+(?:\s[^\s,]+){0,3}, ngày\s)"
)
_MOTTO = ("cong hoa xa hoi", "doc lap", "---", "___")


@dataclass(frozen=True)
class Header:
    """What the header says; ``year`` is None when it says no year."""

    title: str
    year: int | None
    issuer: str


def preamble_lines(document: Document, first_plan_table: int | None) -> list[str]:
    """The lines before the plan table; a table there is read column by column."""
    lines: list[str] = []
    seen_tables = 0
    for block in document.blocks:
        if isinstance(block, Table):
            if first_plan_table is not None and seen_tables == first_plan_table:
                break
            seen_tables += 1
            lines.extend(_table_lines(block))
        else:
            lines.extend(_split_columns(block))
    return lines


def _table_lines(table: Table) -> list[str]:
    width = max((len(r) for r in table.rows), default=0)
    lines: list[str] = []
    for column in range(width):
        previous = None
        for row in table.rows:
            text = row[column] if column < len(row) else ""
            if text and text != previous:  # merged cells repeat their text
                for line in text.splitlines():
                    lines.extend(_split_columns(line))
            previous = text
    return lines


def _split_columns(line: str) -> list[str]:
    parts = _RIGHT_COLUMN.split(line.strip())
    return [" ".join(p.split()) for p in parts if p.strip()]


def read_header(lines: list[str]) -> Header:
    """Title, year and issuer from the lines before the plan table."""
    title = ""
    for i, line in enumerate(lines):
        if fold(line).strip(" *#").strip() == "ke hoach" and i + 1 < len(lines):
            rest = lines[i + 1].strip(" *#")
            for more in lines[i + 2 : i + 4]:
                # A title wrapped over two lines: the second starts in lower case.
                if more[:1].islower() and not fold(more).startswith(("can cu", "thuc hien")):
                    rest += " " + more.strip(" *#")
                else:
                    break
            title = "Kế hoạch " + rest[:1].lower() + rest[1:]
            break
    if not title:
        title = next((ln for ln in lines if fold(ln).startswith("ke hoach")), "Kế hoạch")
    m = re.search(r"năm (\d{4})", title)
    year = int(m.group(1)) if m else None
    if year is None:
        for line in lines:
            dated = re.search(r"ngày\s+\S+\s+tháng\s+\S+\s+năm\s+(\d{4})", line)
            if dated:
                year = int(dated.group(1))
                break
    if year is None:
        years = re.findall(r"\b(20\d\d)\b", " ".join(lines))
        year = int(Counter(years).most_common(1)[0][0]) if years else None
    return Header(title=title, year=year, issuer=_issuer(lines))


_PLACE_START = re.compile(r"^(xa|phuong|dac khu|tinh|thanh pho|thi tran|huyen)\b")
_BODY_ONLY = re.compile(r"^(uy ban nhan dan|ubnd|hoi dong nhan dan|hdnd|dang uy|ban chap hanh)$")


def _issuer(lines: list[str]) -> str:
    """The last body named before "Số:" ("UBND PHƯỜNG X" / "TRƯỜNG THCS Y" -> the school);
    "ỦY BAN NHÂN DÂN" over "XÃ NGUYÊN BÌNH" is one name."""
    for i, line in enumerate(lines):
        if fold(line).startswith("so:") or re.match(r"^số\s*:", line, re.IGNORECASE):
            names = [
                ln.strip(" *")
                for ln in lines[:i]
                if any(c.isalpha() for c in ln)
                and not any(fold(ln).startswith(m) for m in _MOTTO)
                and ", ngay" not in fold(ln)
            ]
            if not names:
                break
            issuer = names[-1]
            if (
                len(names) > 1
                and _PLACE_START.match(fold(issuer))
                and _BODY_ONLY.match(fold(names[-2]).strip())
            ):
                issuer = f"{names[-2]} {issuer}"
            return issuer
    for line in lines:
        m = re.match(r"^(.+?) xây dựng kế hoạch", line, re.IGNORECASE)
        if m:
            return m.group(1).strip()
    return ""
