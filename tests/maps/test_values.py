"""Every layer's values on the small province, worked out by hand; values.json's shape; scope; bad
parameters."""
import gzip
import json
from datetime import date

import pytest

from planner.models import CoverageRecord
from planner.services import map_layers

# The small province at 12/2024 (tests/builders.py):
#   16663 Đông Vĩnh (412): population 15.000, labour 8.000, HI 14.500, SI 1.600 + 400, UI 1.333
#   16666 Hà Huy Tập (412): 21.000, 11.000, HI 20.000, SI 2.200 + 550, UI 1.833
#   16738 Mường Xén (417): 6.000, 3.000, HI 4.800, SI 600 + 150, UI 500
#   16741 Mỹ Lý (417): 4.000, 2.000, no coverage record
# Targets 2024 (HI): province 95%, district 412 96%, commune 16663 97% (14.550 people).


def values(client, **params):
    resp = client.get("/map/values.json", query_string=params)
    assert resp.status_code == 200, resp.get_data(as_text=True)
    return resp.get_json()


def raw(doc):
    return {code: v[0] for code, v in doc["values"].items()}


def test_hi_coverage_with_target_breaks(world, login):
    doc = values(login("leader"), layer="hi_coverage", period="2024-12")
    assert doc["layer"] == "hi_coverage" and doc["label"] == "Tỷ lệ bao phủ BHYT"
    assert doc["kind"] == "numeric" and doc["unit"] == "percent"
    assert doc["period"] == "2024-12" and doc["period_label"] == "12/2024"
    assert doc["version_id"] == world["version"].id and doc["level"] == "commune" and doc["district"] is None
    assert doc["method"] == "target" and doc["target"] == 0.95
    assert raw(doc) == {"16663": 0.9667, "16666": 0.9524, "16738": 0.8, "16741": None}
    assert doc["values"]["16663"] == [0.9667, 3, "96,7%"]
    assert doc["values"]["16738"] == [0.8, 1, "80,0%"]  # 80% is in "80–90%"
    assert doc["values"]["16741"] == [None, None, "–"]
    assert [(e["class"], e["label"], e["count"]) for e in doc["legend"]] == [
        (0, "< 80%", 0), (1, "80% – 90%", 1), (2, "90% – 95%", 0), (3, "≥ 95%", 2),
        (None, "Không có số liệu", 1)]
    assert doc["legend"][0]["color"] == "#d7191c" and doc["legend"][-1]["color"] == "#cccccc"
    assert doc["geometry"] == {str(b): f"/map/geometry/{world['version'].id}/commune/{b}.geojson" for b in range(3)}
    assert doc["outline"] == f"/map/geometry/{world['version'].id}/district/0.geojson"
    assert doc["periods"] == ["2024-12"]
    assert [layer["key"] for layer in doc["layers"]][:3] == ["hi_coverage", "si_coverage", "ui_coverage"]
    assert {m["key"] for m in doc["methods"]} == {"quantiles", "equal_interval", "natural_breaks", "target"}
    assert doc["is_demo"] is False


def test_si_and_ui_coverage(world, login):
    client = login("leader")
    si = values(client, layer="si_coverage", period="2024-12")
    assert raw(si) == {"16663": 0.25, "16666": 0.25, "16738": 0.25, "16741": None}
    # No SI target recorded: the default "target" method falls back to quantiles; one distinct value.
    assert si["method"] == "quantiles" and si["target"] is None
    assert [e["count"] for e in si["legend"]] == [3, 1]
    ui = values(client, layer="ui_coverage", period="2024-12")
    assert raw(ui) == {"16663": round(1333 / 8000, 4), "16666": round(1833 / 11000, 4),
                       "16738": round(500 / 3000, 4), "16741": None}


def test_attainment_and_gap_use_the_nearest_target(world, login):
    client = login("leader")
    att = values(client, layer="attainment", period="2024-12")
    # 16663 own target 14.550; 16666 district 96% x 21.000 = 20.160; 16738 province 95% x 6.000 = 5.700.
    assert raw(att) == {"16663": round(14500 / 14550, 4), "16666": round(20000 / 20160, 4),
                        "16738": round(4800 / 5700, 4), "16741": None}
    assert att["method"] == "target" and att["target"] == 1.0
    assert [e["label"] for e in att["legend"]] == ["< 80%", "80% – 90%", "90% – 100%", "≥ 100%", "Không có số liệu"]
    assert [v[1] for v in att["values"].values()] == [2, 2, 1, None]
    gap = values(client, layer="gap", period="2024-12")
    assert raw(gap) == {"16663": 50, "16666": 160, "16738": 900, "16741": None}
    assert gap["unit"] == "people" and gap["method"] == "quantiles"
    assert gap["values"]["16738"][2] == "900"


def test_region_categories(world, login):
    doc = values(login("leader"), layer="region", period="2024-12")
    assert doc["kind"] == "categorical" and doc["method"] == "category"
    assert raw(doc) == {"16663": "none", "16666": "none", "16738": "I", "16741": "III"}
    assert doc["values"]["16741"] == ["III", 2, "Khu vực III"]
    assert [(e["label"], e["count"]) for e in doc["legend"][:4]] == [
        ("Khu vực I", 1), ("Khu vực II", 0), ("Khu vực III", 1), ("Không thuộc khu vực", 2)]
    # Before the 861 list came into force (2021) nobody is in a Region.
    session_doc = values(login("leader"), layer="region", period="2020-06")
    assert set(raw(session_doc).values()) == {"none"}


def test_conferences_days_and_activity_count_only_approved_work(fieldwork, login):
    client = login("leader")
    conf = values(client, layer="conferences", period="2024-12")
    assert raw(conf) == {"16663": 2, "16666": 1, "16738": 0, "16741": 0}
    days = values(client, layer="days_since_conference", period="2024-12")
    assert raw(days) == {"16663": 21, "16666": 184, "16738": 731, "16741": None}
    assert days["values"]["16663"][2] == "21 ngày"
    act = values(client, layer="agent_activity", period="2024-12")
    assert raw(act) == {"16663": 8, "16666": 0, "16738": 3, "16741": 0}
    # The last conference of each commune up to the period's end, for the table beside the map.
    assert conf["last_conference"] == {"16663": "10/12/2024", "16666": "30/06/2024", "16738": "31/12/2022"}
    # A month earlier: the December conference is not yet held.
    nov = values(client, layer="days_since_conference", period="2024-11")
    assert raw(nov)["16663"] == (date(2024, 11, 30) - date(2024, 3, 5)).days


def test_district_level_sums_communes(world, login):
    doc = values(login("leader"), layer="hi_coverage", period="2024-12", level="district")
    # 412: 34.500 / 36.000; 417: 4.800 / 10.000 (Mỹ Lý has no record, its population still counts).
    assert raw(doc) == {"412": round(34500 / 36000, 4), "417": 0.48}
    assert doc["geometry"]["0"].endswith("/district/0.geojson")
    gap = values(login("leader"), layer="gap", period="2024-12", level="district")
    # 412's own target 96% x 36.000 = 34.560; 417 province 95% x 10.000 = 9.500.
    assert raw(gap) == {"412": 60, "417": 4700}


def test_district_filter_and_scope(world, login):
    client = login("leader")
    assert set(values(client, layer="hi_coverage", district="417")["values"]) == {"16738", "16741"}
    client = login("head-412")
    doc = values(client, layer="hi_coverage")
    assert set(doc["values"]) == {"16663", "16666"}
    assert client.get("/map/values.json?district=417").status_code == 404
    assert client.get("/map/values.json?district=999").status_code == 404
    assert set(values(client, layer="hi_coverage", level="district")["values"]) == {"412"}
    agent = login("agent-16663")
    assert set(values(agent, layer="gap")["values"]) == {"16663"}
    assert agent.get("/map/values.json?district=417").status_code == 404


@pytest.mark.parametrize("query, message", [
    ("layer=nope", "Không có lớp bản đồ"),
    ("period=2024-13", "Kỳ số liệu"),
    ("period=12/2024", "Kỳ số liệu"),
    ("classes=99", "Số lớp phải từ 3 đến 7"),
    ("classes=abc", "Số lớp"),
    ("method=kmeans", "Không có phương pháp"),
    ("layer=gap&method=target", "chỉ tiêu"),
    ("level=province", "Cấp hiển thị"),
    ("district=41", "Huyện: mã “41” không hợp lệ"),
    ("layer=hi_change&base=2025-01&period=2024-12", "Kỳ gốc phải trước"),
])
def test_bad_parameters_answer_400_in_vietnamese(world, login, query, message):
    resp = login("leader").get("/map/values.json?" + query)
    assert resp.status_code == 400
    assert message in resp.get_json()["error"]


def test_values_are_small_gzipped_and_fresh(world, session, login):
    client = login("leader")
    first = client.get("/map/values.json?layer=hi_coverage", headers={"Accept-Encoding": "gzip"})
    assert first.headers["Content-Encoding"] == "gzip"
    doc = json.loads(gzip.decompress(first.get_data()))
    assert doc["values"]["16741"][0] is None
    # A new figure shows at once: the cache is keyed by the data stamp.
    session.add(CoverageRecord(commune_id=world["communes"]["16741"].id, period=date(2024, 12, 1),
                               hi_participants=3000, source="Dữ liệu minh họa"))
    session.commit()
    doc = values(client, layer="hi_coverage")
    assert doc["values"]["16741"] == [0.75, 0, "75,0%"]
    assert doc["is_demo"] is True


def test_english_formats(world, login):
    client = login("leader")
    client.get("/auth/lang/en")
    doc = values(client, layer="hi_coverage")
    assert doc["values"]["16663"][2] == "96.7%"
    gap = values(client, layer="gap")
    assert gap["values"]["16738"][2] == "900"


def test_python_api_for_the_dashboard(world, session, app):
    with app.test_request_context():
        result = map_layers.layer_values(session=session, user=world["users"]["leader"], layer="gap",
                                         period=date(2024, 12, 1), district_id=world["districts"]["417"].id)
    assert result["period"] == date(2024, 12, 1) and result["version"].id == world["version"].id
    assert [(r["code"], r["name"], r["district"], r["value"]) for r in result["rows"]] == [
        ("16738", "Thị trấn Mường Xén", "Huyện Kỳ Sơn", 900), ("16741", "Xã Mỹ Lý", "Huyện Kỳ Sơn", None)]
    assert [layer.key for layer in map_layers.LAYERS][0] == "hi_coverage"


def test_one_class_colours(world, login):
    client = login("leader")
    none_held = values(client, layer="conferences", district="417")
    assert [(e["label"], e["count"], e["color"]) for e in none_held["legend"]] == [
        ("0", 2, "#deebf7"), ("Không có số liệu", 0, "#cccccc")]  # nothing held: the light end
    same = values(client, layer="si_coverage")
    assert same["legend"][0]["color"] == "#ffffbf"  # one value, not zero: the neutral middle
