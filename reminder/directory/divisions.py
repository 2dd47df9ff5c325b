"""The country's administrative divisions (provinces, communes, wards, special zones as of
2025-2026) from the ``vietnam-provinces`` package, reduced to what name matching needs: the
place names, without their type, as folded keys."""

from __future__ import annotations

import functools
import re

from reminder.names import fold

# Words that say what kind of place a name is; a trailing one is a locality, not a unit.
PLACE_WORDS = (
    "tinh",
    "thanh pho",
    "xa",
    "phuong",
    "dac khu",
    "thi tran",
    "huyen",
    "quan",
    "thi xa",
)
_NON_WORD = re.compile(r"[^0-9a-z]+")


def _key(text: str) -> str:
    return " ".join(_NON_WORD.split(fold(text))).strip()


@functools.cache
def place_names() -> frozenset[str]:
    """Folded names of every province, commune, ward and special zone, without the type word
    ("Xã Kim Đồng" -> "kim dong", "Thành phố Hà Nội" -> "ha noi")."""
    from vietnam_provinces import Province, Ward

    division_names = [p.name for p in Province.iter_all()] + [w.name for w in Ward.iter_all()]
    names: set[str] = set()
    for name in division_names:
        key = _key(name)
        for word in sorted(PLACE_WORDS, key=len, reverse=True):
            if key.startswith(word + " "):
                key = key[len(word) + 1 :]
                break
        if key:
            names.add(key)
    return frozenset(names)


def strip_locality(key: str) -> str:
    """``key`` (a folded name) without a trailing locality: "cong an xa kim dong" ->
    "cong an", "so tai chinh tinh cao bang" -> "so tai chinh". Collectives ("… cac xa")
    keep theirs."""
    words = key.split()
    changed = True
    while changed and len(words) > 1:
        changed = False
        for n in range(min(4, len(words) - 1), 0, -1):
            tail = " ".join(words[-n:])
            before = words[:-n]
            if before and before[-1] == "cac":
                break
            if tail in PLACE_WORDS:
                words, changed = before, True
                break
            for place_word in PLACE_WORDS:
                if (
                    tail.startswith(place_word + " ")
                    and tail[len(place_word) + 1 :] in place_names()
                ):
                    words, changed = before, True
                    break
            if changed:
                break
    return " ".join(words)


def is_place(text: str) -> bool:
    """Whether ``text`` names only a place: "xã", "tỉnh Cao Bằng", "phường Hoàn Kiếm"."""
    key = _key(text)
    if not key:
        return False
    if key in PLACE_WORDS:
        return True
    for place_word in PLACE_WORDS:
        if key.startswith(place_word + " ") and key[len(place_word) + 1 :] in place_names():
            return True
    return False
