"""The progress page: actual vs target vs expected, projection, flags in words and colours, the
thresholds on the page, and a leader changing them."""
import re

from sqlalchemy import select

from planner.models import PaceSetting
from planner.services import progress


def _settings(session):
    session.expire_all()
    return session.execute(select(PaceSetting)).scalars().all()


def _flags(html):
    """{unit name: flag} of the progress table."""
    rows = re.findall(r'<tr class="progress-row" data-flag="(\w*)">\s*<td[^>]*><a [^>]*>([^<]+)</a>', html)
    return {name: flag for flag, name in rows}


def test_leader_sees_communes_flagged_with_thresholds(client, paced, login):
    login("leader")
    resp = client.get("/progress?metric=hi_coverage&level=commune&year=2025")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert "Số liệu đến tháng 06/2025" in html
    assert "Đạt tiến độ khi ≥ 95% mức kỳ vọng; có nguy cơ khi ≥ 80%" in html
    assert _flags(html) == {"Phường Đông Vĩnh": "on_track", "Phường Hà Huy Tập": "off_track",
                            "Thị trấn Mường Xén": "at_risk", "Xã Mỹ Lý": ""}
    # Text, not colour only.
    assert "bg-success flag-badge" in html and ">Đạt tiến độ</span>" in html
    assert ">Chậm tiến độ</span>" in html and ">Có nguy cơ</span>" in html
    # Actual, target, expected by June (linear: half-way from December's 20 000 to 21 000), projection.
    assert "20.350" in html and "21.000" in html and "20.500" in html
    assert "chia đều" in html


def test_district_level_and_province_level(client, paced, login):
    login("leader")
    html = client.get("/progress?year=2025").get_data(as_text=True)  # leaders default to districts
    assert "Thành phố Vinh" in html and "Huyện Kỳ Sơn" in html
    html = client.get("/progress?year=2025&level=province").get_data(as_text=True)
    assert "Tỉnh Nghệ An" in html and "95,00%" in html


def test_leader_filters_one_district(client, paced, login):
    login("leader")
    kyson = paced["districts"]["417"].id
    html = client.get(f"/progress?level=commune&year=2025&district={kyson}").get_data(as_text=True)
    assert set(_flags(html)) == {"Thị trấn Mường Xén", "Xã Mỹ Lý"}


def test_district_head_defaults_to_their_communes(client, paced, login):
    login("head-412")
    html = client.get("/progress?year=2025").get_data(as_text=True)
    assert set(_flags(html)) == {"Phường Đông Vĩnh", "Phường Hà Huy Tập"}
    assert "Đổi ngưỡng đánh giá" not in html
    kyson = paced["districts"]["417"].id
    html = client.get(f"/progress?level=commune&year=2025&district={kyson}").get_data(as_text=True)
    assert set(_flags(html)) == {"Phường Đông Vĩnh", "Phường Hà Huy Tập"}  # the filter cannot widen scope


def test_leader_changes_the_thresholds(client, session, paced, login):
    login("leader")
    resp = client.post("/progress/thresholds", data={"on_track": "75", "at_risk": "60",
                                                     "next": "/progress?level=commune&year=2025"})
    assert resp.status_code == 302 and resp.headers["Location"] == "/progress?level=commune&year=2025"
    html = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "Đã lưu ngưỡng đánh giá tiến độ." in html
    assert "Đạt tiến độ khi ≥ 75% mức kỳ vọng; có nguy cơ khi ≥ 60%" in html
    flags = _flags(html)
    assert flags["Phường Hà Huy Tập"] == "at_risk" and flags["Thị trấn Mường Xén"] == "on_track"
    setting = progress.pace_setting(session=session)
    assert (setting.on_track_ratio, setting.at_risk_ratio, setting.updated_by) == (0.75, 0.6, "leader")


def test_invalid_thresholds_are_refused_with_a_message(client, session, paced, login):
    login("leader")
    for data, message in (({"on_track": "80", "at_risk": "90"}, "phải nhỏ hơn ngưỡng “đạt tiến độ”"),
                          ({"on_track": "abc", "at_risk": "80"}, "Hãy nhập một số"),
                          ({"on_track": "200", "at_risk": "80"}, "không quá 150%")):
        resp = client.post("/progress/thresholds", data=data)
        assert resp.status_code == 302
        assert message in client.get("/progress").get_data(as_text=True)
    assert _settings(session) == []


def test_only_leaders_change_thresholds(client, session, paced, login):
    login("head-412")
    assert client.post("/progress/thresholds", data={"on_track": "50", "at_risk": "10"}).status_code == 403
    assert _settings(session) == []


def test_empty_state_without_targets(client, world, login):
    login("leader")
    html = client.get("/progress?year=2026").get_data(as_text=True)
    assert "Chưa có chỉ tiêu năm 2026. Lãnh đạo tỉnh đặt chỉ tiêu tại trang Kế hoạch." in html
    assert "Chưa có số liệu người tham gia của năm 2026." in html


def test_progress_page_is_paged(client, world, login):
    """Fifty units a page: a country of communes never renders in one response."""
    from planner.targets import views

    old = views.PAGE_SIZE
    views.PAGE_SIZE = 2
    try:
        login("leader")
        first = client.get("/progress?metric=hi_coverage&level=commune&year=2024").get_data(as_text=True)
        assert "page=2" in first
        assert first.count('class="page-item') == 3  # pages 1 and 2, and "next"
        assert client.get("/progress?metric=hi_coverage&level=commune&year=2024&page=99").status_code == 200
    finally:
        views.PAGE_SIZE = old
