"""geo.names: kind prefixes, matching keys, suggestions."""

import unicodedata

import pytest

from geo.names import ascii_key, name_key, split_kind, suggest


def nfd(text):
    return unicodedata.normalize("NFD", text)


@pytest.mark.parametrize("name,kind,bare", [
    ("Phường Đông Vĩnh", "phuong", "Đông Vĩnh"),
    ("Xã Hữu Kiệm", "xa", "Hữu Kiệm"),
    ("X. Hữu Kiệm", "xa", "Hữu Kiệm"),
    ("x.Hữu Kiệm", "xa", "Hữu Kiệm"),
    ("Thị trấn Kim Sơn", "thi_tran", "Kim Sơn"),
    ("TT. Kim Sơn", "thi_tran", "Kim Sơn"),
    ("TT Kim Sơn", "thi_tran", "Kim Sơn"),
    ("thi tran kim son", "thi_tran", "kim son"),
    ("  THỊ   TRẤN   Kim   Sơn  ", "thi_tran", "Kim Sơn"),
    ("P. Hà Huy Tập", "phuong", "Hà Huy Tập"),
    ("Huyện Kỳ Sơn", "huyen", "Kỳ Sơn"),
    ("H. Kỳ Sơn", "huyen", "Kỳ Sơn"),
    ("Thị xã Cửa Lò", "thi_xa", "Cửa Lò"),
    ("TX. Cửa Lò", "thi_xa", "Cửa Lò"),
    ("thi xa Thai Hoa", "thi_xa", "Thai Hoa"),
    ("Thành phố Vinh", "thanh_pho", "Vinh"),
    ("TP. Vinh", "thanh_pho", "Vinh"),
    ("tp.Vinh", "thanh_pho", "Vinh"),
    ("Quận 1", "quan", "1"),
    ("Q. Ba Đình", "quan", "Ba Đình"),
    ("Phường 1", "phuong", "1"),
    ("xa Huu Kiem", "xa", "Huu Kiem"),
    ("Đông Vĩnh", None, "Đông Vĩnh"),
    ("Xá Lượng", None, "Xá Lượng"),          # a name, not "Xã Lượng"
    ("Xã Xá Lượng", "xa", "Xá Lượng"),
    ("Xã", None, "Xã"),
    ("", None, ""),
    (None, None, ""),
])
def test_split_kind(name, kind, bare):
    assert split_kind(name) == (kind, bare)


def test_split_kind_nfd_input():
    assert split_kind(nfd("Thị trấn Kim Sơn")) == ("thi_tran", "Kim Sơn")
    assert split_kind(nfd("Phường Đông Vĩnh")) == ("phuong", "Đông Vĩnh")


@pytest.mark.parametrize("a,b", [
    ("Xã Nghi Hoà", "Xã Nghi Hòa"),
    ("Xã Nghi Thuỵ", "Xã Nghi Thụy"),
    ("Xã Khoá Bảo", "Xã Khóa Bảo"),
    ("Xã Uỷ Lâm", "Xã Ủy Lâm"),
    ("Thị xã Thái Hoà", "TX. Thái Hòa"),
    ("Phường Đông Vĩnh", nfd("Phường Đông Vĩnh")),
    ("Phường Đông Vĩnh", "  PHƯỜNG   ĐÔNG   VĨNH "),
    ("Xã Hữu Kiệm", "X. Hữu Kiệm"),
    ("Thị trấn Kim Sơn", "TT. Kim Sơn"),
    ("Xã Hưng Lộc", "Phường Hưng Lộc"),  # same key: only the kind separates them
])
def test_name_key_equal(a, b):
    assert name_key(a) == name_key(b)


def test_name_key_values():
    assert name_key("Phường Đông Vĩnh") == "đông vĩnh"
    assert name_key(nfd("Phường Đông Vĩnh")) == "đông vĩnh"
    assert name_key("Thị trấn Kim Sơn") == "kim sơn"
    assert unicodedata.is_normalized("NFC", name_key(nfd("Xã Nghi Hoà")))


@pytest.mark.parametrize("a,b", [
    ("Phường 1", "Phường 2"),
    ("Xã Nghi Hoa", "Xã Nghi Hòa"),   # tones matter for name_key
    ("Xã Đông Sơn", "Xã Dông Sơn"),   # đ is not d
    ("Xã Hưng Lộc", "Xã Hưng Lợi"),
])
def test_name_key_distinct(a, b):
    assert name_key(a) != name_key(b)


@pytest.mark.parametrize("typed,proper", [
    ("thi tran kim son", "Thị trấn Kim Sơn"),
    ("xa huu kiem", "Xã Hữu Kiệm"),
    ("Phuong Dong Vinh", "Phường Đông Vĩnh"),
    ("DONG VINH", nfd("Phường Đông Vĩnh")),
    ("Nghi Hoa", "Xã Nghi Hoà"),
])
def test_ascii_key(typed, proper):
    assert ascii_key(typed) == ascii_key(proper)
    assert ascii_key(proper).isascii()


def test_ascii_key_keeps_numbers_apart():
    assert ascii_key("Phường 1") == "1"
    assert ascii_key("Phường 1") != ascii_key("Phường 2")


def test_suggest():
    cands = ["Xã Hữu Kiệm", "Xã Hữu Khuông", "Xã Mỹ Lý", "Phường Đông Vĩnh"]
    assert suggest("Huu Kiem", cands)[0] == "Xã Hữu Kiệm"
    assert suggest("Dong Vinh", cands, n=1) == ["Phường Đông Vĩnh"]
    assert len(suggest("Hữu", cands, n=3)) <= 3
    assert suggest("Zzzzzz", cands) == []
    assert suggest("Huu Kiem", []) == []
