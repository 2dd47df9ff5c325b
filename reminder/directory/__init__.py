"""Known public bodies: standard names, abbreviations, posts, collectives, and places.

``lookup`` tells whether a name denotes a body the directory knows ("Sở TC" is "Sở Tài
chính"), a post ("Hiệu trưởng"), a collective ("UBND các xã, phường", "Các thôn, xóm") or
people who are not a post ("Đại biểu được chọn"). A trailing locality ("… xã Kim Đồng", "…
tỉnh Cao Bằng") does not change the answer. ``is_place`` tells a piece that is only a place.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from reminder.directory.bodies import BODIES
from reminder.directory.divisions import is_place, strip_locality
from reminder.names import name_key

__all__ = ["Entry", "is_place", "looks_like_unit", "lookup"]


@dataclass(frozen=True)
class Entry:
    """A known body. ``key`` identifies it; ``kind``: unit, person, group or nobody."""

    key: str
    name: str
    kind: str
    aliases: tuple[str, ...]
    place: str = ""  # the locality written after the name, folded ("xa kim dong")


@functools.cache
def _entries() -> dict[str, Entry]:
    by_key: dict[str, Entry] = {}
    for name, kind, aliases in BODIES:
        entry = Entry("dir:" + name_key(name), name, kind, aliases)
        for spelling in (name, *aliases):
            by_key.setdefault(name_key(spelling), entry)
    return by_key


def lookup(name: str) -> Entry | None:
    """The entry ``name`` denotes, or None."""
    key = name_key(name)
    if not key:
        return None
    words = key.split()
    if words[0] == "cac" or "cac" in words[1:5]:
        return Entry("group:" + key, name.strip(), "group", ())
    entries = _entries()
    found = entries.get(key)
    if found is not None:
        return found
    bare = strip_locality(key)
    if bare != key:
        found = entries.get(bare)
        if found is not None:
            return Entry(
                found.key + "/" + key, found.name, found.kind, (), key[len(bare) :].strip()
            )
    return None


# First words of a unit's name: a capitalised piece starting so is taken for a unit of its own
# when a list is split ("Trường THCS Kim Đồng, Trạm Y tế xã").
_HEADS = re.compile(
    r"^(Sở|Phòng|Ban|UBND|Ủy ban|Uỷ ban|HĐND|Văn phòng|VP|Trung tâm|TT|Công an|Trường|Trạm|"
    r"Bệnh viện|Hội|Đoàn|Mặt trận|MTTQ|BCH|Bộ Chỉ huy|Chi cục|Cục|Thanh tra|Kho bạc|Đảng ủy|"
    r"Đảng uỷ|Liên đoàn|Bảo hiểm|BHXH|Báo|Đài|Hội đồng|Tổ|Các|Chi bộ|Chi hội|Thôn|Xóm|Tổ dân phố|"
    r"Khu phố|Bí thư|Chủ tịch|Phó|Trưởng|Giáo viên|Kế toán|Hiệu trưởng|Tổng phụ trách)\b"
)


def looks_like_unit(name: str) -> bool:
    """Whether ``name`` starts the way names of units and posts start."""
    return bool(_HEADS.match(name.strip()))
