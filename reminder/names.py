"""Matching the names of units as plans write them.

One unit is written many ways in real plans: "Văn phòng HĐND&UBND" and "Văn phòng HĐND và
UBND huyện", "Phòng GD&ĐT" and "Phòng Giáo dục và Đào tạo", "Hội đồng Thi đua, khen thưởng" and
"Hội đồng thi đua – khen thưởng", "Cùm" for "Cụm". ``name_key`` maps all of these to one
comparison key: case and tone marks dropped (so typos in a tone mark still match), "đ" -> "d",
"&", "và" and dash variants dropped alike, common abbreviations expanded, and a trailing
"huyện"/"xã" removed. ``NameIndex`` resolves names to ids and suggests the closest ones.
"""

from __future__ import annotations

import difflib
import functools
import re
import unicodedata
from collections.abc import Iterable

# Abbreviations seen in district plans, as tone-less tokens. Only tokens that are not
# Vietnamese syllables themselves are listed, so no ordinary word is rewritten.
ABBREVIATIONS: dict[str, str] = {
    "ubnd": "uy ban nhan dan",
    "hdnd": "hoi dong nhan dan",
    "tdkt": "thi dua khen thuong",
    "hdtdkt": "hoi dong thi dua khen thuong",
    "hdtd": "hoi dong thi dua",
    "gddt": "giao duc va dao tao",
    "gd": "giao duc",
    "dt": "dao tao",
    "vp": "van phong",
    "mttq": "mat tran to quoc",
    "ldtbxh": "lao dong thuong binh va xa hoi",
    "tnmt": "tai nguyen va moi truong",
    "nnptnt": "nong nghiep va phat trien nong thon",
    "tckh": "tai chinh ke hoach",
    "vhtt": "van hoa va thong tin",
    "ktht": "kinh te va ha tang",
    "bch": "ban chi huy",
    "qs": "quan su",
    "ttyt": "trung tam y te",
    "cqcm": "co quan chuyen mon",
    "dvsn": "don vi su nghiep",
    "btv": "ban thuong vu",
    "ddkkt": "dang ky khen thuong",
}

_TRAILING = ("huyen", "xa")
_NON_WORD = re.compile(r"[^0-9a-z]+")

# Words that make a name an organisation; a "unit" without any of them ("Đại biểu được chọn")
# is a person or a role, not somewhere a reminder can go.
_ORGANISATION_WORDS = (
    "phong",
    "ban",
    "van phong",
    "uy ban",
    "hoi dong",
    "so",
    "trung tam",
    "cum",
    "khoi",
    "co quan",
    "don vi",
    "mat tran",
    "doan",
    "hoi",
    "cong an",
    "truong",
    "benh vien",
    "thanh tra",
    "chi cuc",
    "dai",
    "huyen uy",
    "dang uy",
    "tinh uy",
    "kho bac",
    "chi nhanh",
    "cong ty",
    "doanh nghiep",
    "xa",
    "thi tran",
    "phuong",
    "huyen",
    "tinh",
    "nganh",
    "to chuc",
    "lien doan",
    "ngan hang",
    "cuc",
    "vien",
    "bao",
    "quan su",
    "to",
)
_PERSON_WORDS = ("dai bieu", "ca nhan", "nguoi", "dong chi", "thanh vien", "can bo duoc")


class _NonMarks(dict[int, int | None]):
    """``str.translate`` table that drops combining marks (category Mn) and keeps every other
    character: filled as characters are met, so the loop over a name's characters runs in C
    (a province's 6,000 names and ids)."""

    def __missing__(self, code: int) -> int | None:
        kept = None if unicodedata.category(chr(code)) == "Mn" else code
        self[code] = kept
        return kept


_NON_MARKS = _NonMarks()


def fold(text: str) -> str:
    """Lower case without tone marks or diacritics; "đ" becomes "d"."""
    if text.isascii():  # nothing to decompose or drop
        return text.lower()
    decomposed = unicodedata.normalize("NFD", text.lower())
    return decomposed.translate(_NON_MARKS).replace("đ", "d")


@functools.lru_cache(maxsize=8192)
def name_key(name: str) -> str:
    """The comparison key of a unit name; equal keys mean the same unit."""
    text = fold(name).replace("&", " va ")
    words: list[str] = []
    for token in _NON_WORD.split(text):
        if token:
            words.extend(ABBREVIATIONS.get(token, token).split())
    # "Giáo dục và Đào tạo", "Giáo dục & Đào tạo" and "Giáo dục - Đào tạo" are one name.
    words = [w for w in words if w != "va"]
    while len(words) > 1 and words[-1] in _TRAILING and not _ends_with_group_word(words):
        words.pop()
    return " ".join(words)


def _ends_with_group_word(words: list[str]) -> bool:
    # "UBND các xã" must not lose its "xã": only a trailing locality qualifier is dropped.
    return len(words) >= 2 and words[-2] == "cac"


def slug(name: str, max_words: int = 8) -> str:
    """A readable ASCII id for a new unit: "Phòng Tư pháp" -> "phong-tu-phap"."""
    words = name_key(name).split()[:max_words]
    return "-".join(words) or "don-vi"


def is_organisation(name: str) -> bool:
    """False for names that denote people or roles rather than a unit."""
    key = " " + name_key(name) + " "
    if any(f" {w} " in key for w in _PERSON_WORDS):
        return False
    return any(f" {w} " in key for w in _ORGANISATION_WORDS)


def is_people(name: str) -> bool:
    """True for names of people who are not a post ("Đại biểu được chọn", "Cá nhân …"):
    nobody to remind until someone is assigned."""
    key = " " + name_key(name) + " "
    return any(f" {w} " in key for w in _PERSON_WORDS) and not is_organisation(name)


class NameIndex:
    """Resolves unit and group names (names, aliases, ids) to ids."""

    def __init__(self) -> None:
        self._by_key: dict[str, str] = {}
        self._display: dict[str, str] = {}
        self.collisions: list[tuple[str, str, str]] = []

    def add(self, id_: str, names: Iterable[str]) -> None:
        """Register ``id_`` under each of ``names`` (and the id itself); the first name is the
        one shown in suggestions."""
        names = list(names)
        self._display.setdefault(id_, names[0] if names else id_)
        for name in [id_, *names]:
            key = name_key(name)
            if not key:
                continue
            other = self._by_key.get(key)
            if other is not None and other != id_:
                self.collisions.append((name, other, id_))
                continue
            self._by_key[key] = id_

    def resolve(self, name: str) -> str | None:
        """The id ``name`` denotes, or None."""
        return self._by_key.get(name_key(name))

    def closest(self, name: str, n: int = 3) -> list[str]:
        """ "Name (id)" of the entries closest to ``name``, best first, one per id."""
        keys = difflib.get_close_matches(name_key(name), list(self._by_key), n=n * 4, cutoff=0.5)
        ids: list[str] = []
        for key in keys:
            if self._by_key[key] not in ids:
                ids.append(self._by_key[key])
        return [f"{self._display[i]} ({i})" for i in ids[:n]]
