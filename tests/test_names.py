"""Unit names match across the spellings plans use."""

from __future__ import annotations

import unicodedata

import pytest

from reminder.names import NameIndex, fold, is_organisation, name_key, slug


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Văn phòng HĐND&UBND", "Văn phòng HĐND&UBND huyện"),
        ("Văn phòng HĐND&UBND", "VP HĐND và UBND"),
        ("Phòng GD&ĐT", "Phòng Giáo dục và Đào tạo"),
        ("Phòng Giáo dục - Đào tạo", "phòng giáo dục và đào tạo"),
        ("Hội đồng Thi đua, khen thưởng huyện", "Hội đồng thi đua – khen thưởng huyện"),
        ("Hội đồng thi đua — khen thưởng", "Hội đồng TĐKT huyện"),
        ("Ủy ban nhân dân huyện", "UBND huyện"),
        ("Uỷ ban nhân dân huyện", "Ủy ban nhân dân huyện"),  # old and new tone placement
        ("Cùm thi đua", "Cụm thi đua"),  # a tone-mark typo still matches
    ],
)
def test_spellings_of_one_unit_have_one_key(a: str, b: str) -> None:
    assert name_key(a) == name_key(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("UBND các xã, thị trấn", "UBND huyện"),
        ("Phòng Nội vụ", "Phòng Tư pháp"),
        ("Hội đồng thi đua, khen thưởng huyện", "Hội đồng thi đua, khen thưởng tỉnh"),
    ],
)
def test_different_units_keep_different_keys(a: str, b: str) -> None:
    assert name_key(a) != name_key(b)


def test_people_and_roles_are_not_organisations() -> None:
    assert not is_organisation("Đại biểu được chọn")
    assert not is_organisation("Cá nhân có thành tích")
    assert is_organisation("Phòng Dịch vụ công mới")
    assert is_organisation("Công an huyện")


def test_index_resolves_aliases_and_suggests_closest_by_display_name() -> None:
    index = NameIndex()
    index.add("phong-noi-vu", ["Phòng Nội vụ", "PNV"])
    index.add("phong-tu-phap", ["Phòng Tư pháp"])
    assert index.resolve("phòng nội vụ huyện") == "phong-noi-vu"
    assert index.resolve("PNV") == "phong-noi-vu"
    assert index.resolve("phong-noi-vu") == "phong-noi-vu"
    assert index.resolve("Phòng Y tế") is None
    assert index.closest("Phòng Nội vụu")[0] == "Phòng Nội vụ (phong-noi-vu)"


def test_colliding_aliases_are_recorded() -> None:
    index = NameIndex()
    index.add("a", ["Phòng Nội vụ"])
    index.add("b", ["Phòng Nội vụ huyện"])
    assert index.resolve("Phòng Nội vụ") == "a"
    assert index.collisions == [("Phòng Nội vụ huyện", "a", "b")]


def test_slug_is_readable_ascii() -> None:
    assert slug("Phòng Tư pháp") == "phong-tu-phap"
    assert slug("Đài Truyền thanh – Truyền hình") == "dai-truyen-thanh-truyen-hinh"


def _fold_by_definition(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text.lower())
    return "".join(c for c in decomposed if unicodedata.category(c) != "Mn").replace("đ", "d")


def test_fold_drops_exactly_the_combining_marks() -> None:
    # fold's table is filled as characters are met; it must agree with the definition on
    # every character of the Basic Multilingual Plane, alone and after a letter.
    assert fold("Văn phòng HĐND&UBND huyện Nguyên Bình") == "van phong hdnd&ubnd huyen nguyen binh"
    assert fold("ĐẢNG ỦY Xã") == "dang uy xa"
    assert fold("p001-U07") == "p001-u07"
    for code in range(0x10000):
        if 0xD800 <= code < 0xE000:
            continue  # surrogates are not text
        for text in (chr(code), "a" + chr(code) + "Ê"):
            assert fold(text) == _fold_by_definition(text), hex(code)
