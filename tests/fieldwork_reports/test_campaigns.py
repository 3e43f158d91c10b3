"""Campaigns: list, create, edit; who may do what; every validation message."""
import re
from datetime import date

import pytest
from sqlalchemy import select

from planner.models import Campaign

GOOD = {"name": "Tháng vận động triển khai BHXH toàn dân", "start_date": "01/11/2024", "end_date": "2024-11-30",
        "district": "", "target_groups": ["farmers", "ethnic_minority_lost_cards"]}


def campaigns(session):
    session.expire_all()
    return session.execute(select(Campaign).order_by(Campaign.id)).scalars().all()


def test_leader_creates_a_province_campaign_and_sees_it_listed(client, login, session, world):
    login("leader")
    page = client.get("/campaigns/new").get_data(as_text=True)
    for label in ("Nông dân", "Tiểu thương", "Người lao động hưởng trợ cấp thất nghiệp",
                  "Lao động nghỉ việc về địa phương", "Học sinh, sinh viên", "Hộ DTTS mất thẻ BHYT do NSNN đóng",
                  "Chủ sử dụng lao động", "Khác", "Toàn tỉnh"):
        assert label in page
    resp = client.post("/campaigns/new", data=GOOD)
    assert resp.status_code == 302
    [c] = campaigns(session)
    assert (c.name, c.start_date, c.end_date, c.district_id) == (GOOD["name"], date(2024, 11, 1), date(2024, 11, 30), None)
    assert c.target_groups == "farmers,ethnic_minority_lost_cards" and c.created_by == "leader"
    html = client.get("/campaigns").get_data(as_text=True)
    assert GOOD["name"] in html and "01/11/2024 – 30/11/2024" in html
    assert "Nông dân; Hộ DTTS mất thẻ BHYT do NSNN đóng" in html and "Toàn tỉnh" in html


@pytest.mark.parametrize("change, message", [
    ({"name": "  "}, "Hãy nhập tên chiến dịch."),
    ({"name": "x" * 201}, "Tối đa 200 ký tự."),
    ({"start_date": ""}, "Hãy nhập ngày bắt đầu."),
    ({"end_date": ""}, "Hãy nhập ngày kết thúc."),
    ({"start_date": "31/02/2024"}, "Ngày không hợp lệ, hãy ghi theo dạng dd/mm/yyyy."),
    ({"end_date": "hôm nay"}, "Ngày không hợp lệ, hãy ghi theo dạng dd/mm/yyyy."),
    ({"start_date": "01/12/2024"}, "Ngày bắt đầu phải trước hoặc bằng ngày kết thúc."),
    ({"target_groups": []}, "Hãy chọn ít nhất một nhóm đối tượng."),
    ({"target_groups": ["farmers", "aliens"]}, "Lựa chọn không hợp lệ."),
    ({"district": "999999"}, "Lựa chọn không hợp lệ."),
])
def test_campaign_validation(client, login, session, world, change, message):
    login("leader")
    resp = client.post("/campaigns/new", data={**GOOD, **change})
    assert resp.status_code == 400
    assert message in resp.get_data(as_text=True)
    assert campaigns(session) == []


def test_district_head_only_for_their_district(client, login, session, world):
    vinh, kyson = world["districts"]["412"], world["districts"]["417"]
    login("head-412")
    page = client.get("/campaigns/new").get_data(as_text=True)
    assert "Thành phố Vinh" in page and "Huyện Kỳ Sơn" not in page and "Toàn tỉnh" not in page
    assert client.post("/campaigns/new", data={**GOOD, "district": ""}).status_code == 400
    assert client.post("/campaigns/new", data={**GOOD, "district": str(kyson.id)}).status_code == 400
    assert client.post("/campaigns/new", data={**GOOD, "district": str(vinh.id)}).status_code == 302
    [own] = campaigns(session)
    assert own.district_id == vinh.id
    province = Campaign(name="Đợt cao điểm toàn tỉnh", start_date=date(2024, 6, 1), end_date=date(2024, 6, 30),
                        target_groups="students")
    theirs = Campaign(name="Chiến dịch Kỳ Sơn", start_date=date(2024, 6, 1), end_date=date(2024, 6, 30),
                      district_id=kyson.id, target_groups="farmers")
    session.add_all([province, theirs])
    session.commit()
    html = client.get("/campaigns").get_data(as_text=True)
    assert "Đợt cao điểm toàn tỉnh" in html and "Chiến dịch Kỳ Sơn" not in html
    assert client.get(f"/campaigns/{own.id}/edit").status_code == 200
    assert client.get(f"/campaigns/{province.id}/edit").status_code == 403
    assert client.get(f"/campaigns/{theirs.id}/edit").status_code == 404
    resp = client.post(f"/campaigns/{own.id}/edit", data={**GOOD, "name": "Tháng vận động 2024 – Vinh",
                                                          "district": str(vinh.id), "target_groups": ["students"]})
    assert resp.status_code == 302
    session.expire_all()
    assert session.get(Campaign, own.id).name == "Tháng vận động 2024 – Vinh"
    assert session.get(Campaign, own.id).target_groups == "students"


def test_edit_form_shows_the_saved_values(client, login, session, world):
    c = Campaign(name="Tháng vận động triển khai BHXH toàn dân", start_date=date(2024, 11, 1),
                 end_date=date(2024, 11, 30), target_groups="traders,students")
    session.add(c)
    session.commit()
    login("leader")
    html = client.get(f"/campaigns/{c.id}/edit").get_data(as_text=True)
    assert 'value="2024-11-01"' in html and 'value="2024-11-30"' in html
    checked = re.findall(r'<input[^>]*checked[^>]*>', html)
    assert sorted(re.search(r'value="(\w+)"', tag).group(1) for tag in checked) == ["students", "traders"]


def test_agents_read_only(client, login, session, world):
    session.add(Campaign(name="Đợt cao điểm toàn tỉnh", start_date=date(2024, 6, 1), end_date=date(2024, 6, 30),
                         target_groups="students"))
    session.commit()
    login("agent-16663")
    html = client.get("/campaigns").get_data(as_text=True)
    assert "Đợt cao điểm toàn tỉnh" in html and "Thêm chiến dịch" not in html and "/edit" not in html
    assert client.get("/campaigns/new").status_code == 403
    assert client.post("/campaigns/new", data=GOOD).status_code == 403
    assert len(campaigns(session)) == 1
