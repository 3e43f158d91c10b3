"""geo.matching: field detection and registry matching."""

import json

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import box

from geo.matching import detect_fields, match_features, normalise_code

REGISTRY = [
    {"code": "16663", "name": "Phường Đông Vĩnh", "district_code": "412",
     "district_name": "Thành phố Vinh"},
    {"code": "16666", "name": "Phường Hà Huy Tập", "district_code": "412",
     "district_name": "Thành phố Vinh"},
    {"code": "16681", "name": "Phường Hưng Lộc", "district_code": "412",
     "district_name": "Thành phố Vinh"},
    {"code": "16682", "name": "Xã Hưng Lộc", "district_code": "412",
     "district_name": "Thành phố Vinh"},
    {"code": "17170", "name": "Xã Hữu Kiệm", "district_code": "415",
     "district_name": "Huyện Kỳ Sơn"},
    {"code": "17200", "name": "Thị trấn Mường Xén", "district_code": "415",
     "district_name": "Huyện Kỳ Sơn"},
    {"code": "17300", "name": "Xã Nghi Hoà", "district_code": "420",
     "district_name": "Huyện Nghi Lộc"},
    {"code": "17301", "name": "Xã Hưng Lộc", "district_code": "420",
     "district_name": "Huyện Nghi Lộc"},
]


def _gdf(rows, columns):
    data = {c: [r[i] for r in rows] for i, c in enumerate(columns)}
    geoms = [box(i, 0, i + 1, 1) for i in range(len(rows))]
    return gpd.GeoDataFrame(data, geometry=geoms, crs=4326)


def _by_index(result):
    out = {}
    for status in ("matched", "ambiguous", "unmatched"):
        for entry in result[status]:
            out[entry["index"]] = (status, entry)
    return out


def test_detect_fields():
    gdf = _gdf([("1", "a", "2", "b")], ["MA_XA", "Ten_Xa", "MaHuyen", "TEN_HUYEN"])
    assert detect_fields(gdf) == {"code": "MA_XA", "name": "Ten_Xa",
                                  "district_code": "MaHuyen", "district_name": "TEN_HUYEN"}
    gadm = _gdf([("a", "b")], ["NAME_3", "NAME_2"])
    assert detect_fields(gadm) == {"code": None, "name": "NAME_3",
                                   "district_code": None, "district_name": "NAME_2"}
    bare = gpd.GeoDataFrame({"foo": [1]}, geometry=[box(0, 0, 1, 1)])
    assert detect_fields(bare) == {"code": None, "name": None,
                                   "district_code": None, "district_name": None}


@pytest.mark.parametrize("raw,expected", [
    ("16663", "16663"), (" 16663 ", "16663"), ("16663.0", "16663"), (16663, "16663"),
    (16663.0, "16663"), (np.int64(16663), "16663"), ("7", "00007"), (None, None),
    (float("nan"), None), ("", None), ("X1", "X1"),
])
def test_normalise_code(raw, expected):
    assert normalise_code(raw) == expected


def test_match_by_code_with_float_and_short_codes():
    gdf = _gdf([(16663.0, "whatever"), ("16666", "Phường Hà Huy Tập"),
                (" 17170 ", None)], ["ma_xa", "ten_xa"])
    res = match_features(gdf, REGISTRY)
    assert [m["code"] for m in res["matched"]] == ["16663", "16666", "17170"]
    assert all(m["by"] == "code" for m in res["matched"])
    assert res["matched"][0]["name"] == "Phường Đông Vĩnh"
    assert res["matched"][0]["feature_name"] == "whatever"
    assert not res["ambiguous"] and not res["unmatched"]
    json.dumps(res)


def test_unknown_code_is_unmatched_with_suggestion_never_matched_by_name():
    gdf = _gdf([("99999", "Phường Đông Vĩnh", "412")], ["ma_xa", "ten_xa", "ma_huyen"])
    res = match_features(gdf, REGISTRY)
    assert not res["matched"]
    (entry,) = res["unmatched"]
    assert entry["index"] == 0 and entry["feature_code"] == "99999"
    assert "99999" in entry["reason"]
    assert entry["suggestions"][0] == {"code": "16663", "name": "Phường Đông Vĩnh"}


def test_name_fallback_within_district():
    gdf = _gdf([
        (None, "X. Hữu Kiệm", "415", None),
        (None, "TT. Mường Xén", None, "Huyện Kỳ Sơn"),
        (None, "Xã Nghi Hòa", None, "H. Nghi Lộc"),            # Hoà vs Hòa
        (None, "phuong dong vinh", None, "thanh pho vinh"),     # no diacritics
        (None, "HA HUY TAP", "412", None),
    ], ["ma_xa", "ten_xa", "ma_huyen", "ten_huyen"])
    res = match_features(gdf, REGISTRY)
    assert [(m["index"], m["code"], m["by"]) for m in res["matched"]] == [
        (0, "17170", "name"), (1, "17200", "name"), (2, "17300", "name"),
        (3, "16663", "name"), (4, "16666", "name")]
    assert not res["ambiguous"] and not res["unmatched"]


def test_kind_separates_units_sharing_a_key():
    gdf = _gdf([(None, "Xã Hưng Lộc", "412"), (None, "Phường Hưng Lộc", "412")],
               ["ma_xa", "ten_xa", "ma_huyen"])
    res = match_features(gdf, REGISTRY)
    assert [m["code"] for m in res["matched"]] == ["16682", "16681"]


def test_ambiguous_without_kind_or_district():
    gdf = _gdf([(None, "Hưng Lộc", "412"), (None, "Xã Hưng Lộc", None)],
               ["ma_xa", "ten_xa", "ma_huyen"])
    res = match_features(gdf, REGISTRY)
    assert not res["matched"]
    by = _by_index(res)
    status, entry = by[0]
    assert status == "ambiguous" and sorted(entry["candidates"]) == ["16681", "16682"]
    # No district: two "Xã Hưng Lộc" in the province.
    status, entry = by[1]
    assert status == "ambiguous" and sorted(entry["candidates"]) == ["16682", "17301"]
    assert entry["reason"]


def test_district_decides_between_same_names():
    gdf = _gdf([(None, "Xã Hưng Lộc", "Huyện Nghi Lộc")], ["ma_xa", "ten_xa", "ten_huyen"])
    res = match_features(gdf, REGISTRY)
    assert res["matched"][0]["code"] == "17301"


def test_unmatched_name_with_suggestions():
    gdf = _gdf([(None, "Xã Hữu Kiêm", "415"), (None, None, None)],
               ["ma_xa", "ten_xa", "ma_huyen"])
    res = match_features(gdf, REGISTRY)
    by = _by_index(res)
    status, entry = by[0]
    assert status == "matched"  # ascii fallback: "huu kiem"
    status, entry = by[1]
    assert status == "unmatched" and entry["suggestions"] == []
    gdf = _gdf([(None, "Xã Hữu Kiếm Mới", "415")], ["ma_xa", "ten_xa", "ma_huyen"])
    (entry,) = match_features(gdf, REGISTRY)["unmatched"]
    assert entry["feature_code"] is None
    assert entry["suggestions"][0]["code"] == "17170"


def test_duplicate_claims_are_ambiguous():
    gdf = _gdf([("16663", "Phường Đông Vĩnh"), (None, "Phường Đông Vĩnh"),
                ("16663.0", "Đông Vĩnh bis")], ["ma_xa", "ten_xa"])
    res = match_features(gdf, REGISTRY)
    assert [m["index"] for m in res["matched"]] == [0]
    assert [a["index"] for a in res["ambiguous"]] == [1, 2]
    for a in res["ambiguous"]:
        assert a["candidates"] == ["16663"]
        assert "feature 0" in a["reason"]


def test_fields_override_and_index_labels():
    gdf = _gdf([("Đông Vĩnh",), ("Hà Huy Tập",)], ["label"])
    gdf.index = [7, 9]
    res = match_features(gdf, REGISTRY, fields={"name": "label"})
    assert [(m["index"], m["code"]) for m in res["matched"]] == [(7, "16663"), (9, "16666")]
    assert all(type(m["index"]) is int for m in res["matched"])
    with pytest.raises(ValueError):
        match_features(gdf, REGISTRY, fields={"name": "missing"})


def test_bad_registry():
    gdf = _gdf([("16663",)], ["ma_xa"])
    with pytest.raises(ValueError):
        match_features(gdf, REGISTRY + [REGISTRY[0]])
    with pytest.raises(ValueError):
        match_features(gdf, [{"code": "1"}])
