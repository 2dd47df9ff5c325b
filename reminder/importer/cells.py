"""Unit cells: the names in a cell and the role (lead or support) of each.

Roles inside one combined cell: "X chủ trì, phối hợp với Y và Z"; "Chủ trì: X; Phối hợp: Y, Z"
(on one line or several); "X (chủ trì); Y, Z (phối hợp)"; "- X" bullets on separate lines;
"phối hợp" before or after a name. The lead is the first unit when nothing says otherwise.

Names split on ";" always, and on "," or "và" only where the parts are units: known to the
index (the configured units, the directory of public bodies, the administrative divisions), so
"Sở Văn hóa, Thể thao và Du lịch" and "Phòng Công chức, viên chức" stay whole.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol

from reminder import directory


class Lookup(Protocol):
    """What splitting needs to know about a name: whether it denotes a known unit."""

    def resolve(self, name: str) -> str | None: ...


_BULLET_SPLIT = re.compile(r"\s[-+•*]\s+")
_BULLET_START = re.compile(r"^\s*[-+•*]\s*")
_SUPPORT_MARK = re.compile(r"\s*[-–(\[]?\s*phối hợp\s*[)\]]?\s*[.:;,]*\s*$", re.IGNORECASE)
_LEAD_MARK = re.compile(r"\s*[-–(\[]?\s*chủ trì\s*[)\]]?\s*[.:;,]*\s*$", re.IGNORECASE)
_SUPPORT_LABEL = re.compile(
    r"^\s*(?:(?:cơ quan|đơn vị|bộ phận)\s+)?phối hợp(?:\s+với)?\s*[:\-–]?\s*", re.IGNORECASE
)
_LEAD_LABEL = re.compile(
    r"^\s*(?:(?:cơ quan|đơn vị|bộ phận)\s+)?chủ trì\s*[:\-–]\s*", re.IGNORECASE
)
_LEAD_THEN_SUPPORT = re.compile(
    r"^(.*?)\s*[(\[]?\s*chủ trì\s*[)\]]?\s*[,;]?\s*phối hợp(?:\s+với)?\s*[:\-–]?\s*(.+)$",
    re.IGNORECASE,
)


def starts_item(text: str) -> bool:
    """Whether a continued line starts a new item (a bullet or a role label)."""
    starts_bullet = _BULLET_START.match(text) and text.lstrip()[:1] in "-+•*"
    return bool(starts_bullet or _LEAD_LABEL.match(text) or _SUPPORT_LABEL.match(text))


def _items(cell: str, index: Lookup) -> list[str]:
    """The items of a unit cell: one per line, bullet lists split, dashes inside names kept."""
    items: list[str] = []
    for line in cell.splitlines():
        if _BULLET_START.match(line):
            pieces = _BULLET_SPLIT.split(" " + _BULLET_START.sub("", line))
            items.extend(_rejoin([p.strip() for p in pieces if p.strip()], " - ", index))
        elif line.strip():
            items.append(line.strip())
    return items


def _rejoin(pieces: list[str], sep: str, index: Lookup) -> list[str]:
    """Merge adjacent pieces whose join is a known name ("Giáo dục - Đào tạo")."""
    out: list[str] = []
    i = 0
    while i < len(pieces):
        best = 1
        for j in range(len(pieces), i + 1, -1):
            if index.resolve(sep.join(pieces[i:j])) is not None:
                best = j - i
                break
        out.append(sep.join(pieces[i : i + best]))
        i += best
    return out


def split_names(item: str, index: Lookup, *, split_commas: bool) -> list[str]:
    """The unit names in one item.

    Always split on ";". A comma splits only when the whole item is not a known name and either
    every part is a known name ("X, UBND các xã, thị trấn") or ``split_commas`` (a dedicated
    lead/support column, where commas separate units); otherwise the item is one name
    ("Các Cụm, Khối thi đua thuộc huyện, tỉnh").
    """
    names: list[str] = []
    for part in item.split(";"):
        part = part.strip(" .,")
        if not part:
            continue
        if index.resolve(part) is not None or "," not in part:
            names.extend(_split_and(part, index))
            continue
        raw_pieces = [p.strip() for p in part.split(",") if p.strip()]
        partition = _known_partition(raw_pieces, index)
        pieces = _glue(raw_pieces)
        if partition is None:
            partition = _known_partition(pieces, index)
        if partition is None:
            partition = _known_partition(pieces, index, loose=True)
        if partition is not None:
            found = partition
        elif split_commas or all(
            index.resolve(p) is not None or directory.looks_like_unit(p) for p in pieces
        ):
            found = _rejoin(pieces, ", ", index)
        else:
            found = [part]
        for name in found:
            names.extend(_split_and(name, index))
    return names


def _glue(pieces: list[str]) -> list[str]:
    """Join to the piece before it each piece that cannot start a unit's name: one in lower
    case ("Phòng Công chức, viên chức", "Các thôn, xóm") or only a place ("…, tỉnh Cao Bằng")."""
    out: list[str] = []
    for piece in pieces:
        separate = piece.lower().startswith("các ") or directory.person_kind(piece) == "person"
        if out and not separate and (piece[:1].islower() or directory.is_place(piece)):
            out[-1] = f"{out[-1]}, {piece}"
        else:
            out.append(piece)
    return out


def _split_and(part: str, index: Lookup) -> list[str]:
    """Split "A và B" only when both sides are known names (not "Giáo dục và Đào tạo")."""
    if index.resolve(part) is not None:
        return [part]
    pieces = re.split(r"\s+và\s+", part)
    if len(pieces) > 1:
        partition = _known_partition(pieces, index, sep=" và ")
        if partition is None:
            # "Bưu điện đặc khu và Đoàn Thanh niên đặc khu", "Sở KH&CN và các doanh nghiệp"
            partition = _known_partition(pieces, index, sep=" và ", loose=True)
        if partition is not None:
            return partition
    return [part]


def _known_partition(
    pieces: list[str], index: Lookup, sep: str = ", ", *, loose: bool = False
) -> list[str] | None:
    """Split ``pieces`` into consecutive runs that are each a known name (fewest runs).

    ``loose``: a single piece that starts like a unit's name ("Nhân viên thiết bị") may stand
    for one too; a run of several pieces must be a known name."""
    n = len(pieces)
    best: list[list[str] | None] = [None] * (n + 1)
    best[0] = []
    for end in range(1, n + 1):
        for start in range(end):
            prefix = best[start]
            if prefix is None:
                continue
            name = sep.join(pieces[start:end])
            if index.resolve(name) is None and not (
                loose and end - start == 1 and directory.looks_like_unit(name)
            ):
                continue
            candidate = [*prefix, name]
            current = best[end]
            if current is None or len(candidate) < len(current):
                best[end] = candidate
    return best[n]


@dataclass
class Roles:
    """Lead and support names of a combined cell; ``guessed`` says how roles were guessed
    when the cell named none ("" when it did)."""

    lead: list[str]
    support: list[str]
    guessed: str = ""


def split_roles(cell: str, index: Lookup) -> Roles:
    """Lead and support names in a combined "Đơn vị thực hiện" cell.

    The cell is cut into segments (lines, bullets, ";"). A label ("Chủ trì:", "Phối hợp:")
    sets the role of its segment and the following ones; a mark after the names ("(chủ trì)",
    "phối hợp") sets the role of its segment; "X chủ trì, phối hợp với Y" gives both. A unit
    marked "phối hợp" supports wherever it stands. Units nothing marks: when other units in
    the cell are marked, or the cell is a bullet list, they lead; otherwise the first leads and
    the others support.
    """
    lead: list[str] = []
    support: list[str] = []
    unmarked: list[str] = []
    mode: str | None = None
    marked = False
    bullets = any(
        _BULLET_START.match(line) and line.strip()[:1] in "-+•*" for line in cell.splitlines()
    )
    for item in _items(cell, index):
        for segment in _segments(item):
            m = _LEAD_THEN_SUPPORT.match(segment)
            if m:
                if m.group(1).strip():
                    lead.extend(split_names(m.group(1), index, split_commas=True))
                support.extend(split_names(m.group(2), index, split_commas=True))
                marked, mode = True, "support"
                continue
            if _SUPPORT_LABEL.match(segment) and _SUPPORT_LABEL.sub("", segment):
                mode, marked = "support", True
                segment = _SUPPORT_LABEL.sub("", segment)
            elif _LEAD_LABEL.match(segment):
                mode, marked = "lead", True
                segment = _LEAD_LABEL.sub("", segment)
            role = mode
            if _SUPPORT_MARK.search(segment):
                role, segment, marked = "support", _SUPPORT_MARK.sub("", segment), True
            elif _LEAD_MARK.search(segment):
                role, segment, marked = "lead", _LEAD_MARK.sub("", segment), True
            if not segment.strip():
                continue
            names = split_names(segment, index, split_commas=role is not None)
            if role == "support":
                support.extend(names)
            elif role == "lead":
                lead.extend(names)
            else:
                unmarked.extend(names)
                lead.extend(names)
    guessed = ""
    if unmarked and not marked and len(lead) > 1:
        if bullets:
            guessed = "ô không ghi chủ trì/phối hợp: coi mọi đơn vị là chủ trì"
        else:
            lead, support = lead[:1], [*lead[1:], *support]
            guessed = f"ô không ghi chủ trì/phối hợp: coi {lead[0]} là chủ trì, còn lại phối hợp"
    return Roles(lead, support, guessed)


def _segments(item: str) -> list[str]:
    """An item cut at ";" (names or role groups), unless the ";" is inside parentheses."""
    out: list[str] = []
    depth = 0
    current = ""
    for char in item:
        depth += char == "("
        depth -= char == ")" and depth > 0
        if char == ";" and depth == 0:
            out.append(current)
            current = ""
        else:
            current += char
    out.append(current)
    return [part.strip() for part in out if part.strip()]


def split_column(cell: str, index: Lookup) -> list[str]:
    """Names in a dedicated lead or support column: ";", "," or paragraphs separate them."""
    names: list[str] = []
    for item in _items(cell, index):
        item = _SUPPORT_MARK.sub("", _LEAD_MARK.sub("", item))
        item = _SUPPORT_LABEL.sub("", _LEAD_LABEL.sub("", item))
        names.extend(split_names(item, index, split_commas=True))
    return names
