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
    kind = person_kind(name) if not re.search(r"[,;]| và ", name) else None
    if kind is not None:
        return Entry(f"{kind}:" + key, name.strip(), kind, ())
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
    r"Khu phố|Bí thư|Chủ tịch|Phó|Trưởng|Giáo viên|Kế toán|Hiệu trưởng|Tổng phụ trách|Bưu điện|"
    r"Ngân hàng|Chi nhánh|Cán bộ|Nhân viên|Công chức|Viên chức|Y sĩ|Bác sĩ|Điều dưỡng|Hộ sinh|"
    r"Nữ hộ sinh|Dược sĩ|Trạm trưởng|Thủ quỹ|Văn thư|các)\b"
)


def looks_like_unit(name: str) -> bool:
    """Whether ``name`` starts the way names of units and posts start."""
    return bool(_HEADS.match(name.strip()))


# Posts: reminders go to whoever holds one, like a unit ("Cán bộ chuyên trách tiêm chủng").
_POSTS = re.compile(
    r"^(can bo|nhan vien|giao vien|y si|bac si|dieu duong|ho sinh|"
    r"nu ho sinh|duoc si|truong tram|tram truong|pho truong|truong ban|truong phong|"
    r"pho truong phong|to truong|to pho|thu quy|van thu|ke toan|bi thu|pho bi thu|chu tich|"
    r"pho chu tich|hieu truong|pho hieu truong|giam doc|pho giam doc|chanh van phong|"
    r"truong thon|truong khu|truong ap|thu ky)\b"
)
# People who are not a post: the task needs someone to assign it.
_NOBODY = re.compile(r"^(dai bieu|ca nhan|nguoi dan|nguoi duoc|thanh phan|khach moi)\b")


def person_kind(name: str) -> str | None:
    """ "person" for a post, "nobody" for people who are not one, None for anything else."""
    key = name_key(name)
    if _NOBODY.match(key):
        return "nobody"
    if _POSTS.match(key):
        return "person"
    return None
