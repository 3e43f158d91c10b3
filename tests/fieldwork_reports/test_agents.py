"""The list of collection agents in scope and their profile form."""
from datetime import date

import pytest

from planner.models import AgentProfile

PROFILE = {"organisation_type": "post_office", "organisation_name": "Bưu điện thành phố Vinh",
           "phone": "0912 345 678", "active_from": "01/01/2024", "active_to": ""}


def test_leader_sees_every_agent_with_communes(client, login, fw):
    login("leader")
    html = client.get("/agents").get_data(as_text=True)
    assert "Nguyễn Thị Hương" in html and "Lò Thị Mai" in html
    assert "Phường Đông Vĩnh" in html and "Xã Mỹ Lý" in html
    only_417 = client.get("/agents?district=417").get_data(as_text=True)
    assert "Lò Thị Mai" in only_417 and "Nguyễn Thị Hương" not in only_417


def test_head_sees_only_their_districts_agents(client, login, fw):
    login("head-417")
    html = client.get("/agents").get_data(as_text=True)
    assert "Lò Thị Mai" in html and "Nguyễn Thị Hương" not in html and "agent-16663" not in html
    assert client.get("/agents?district=412").get_data(as_text=True).count("agent-16663") == 0


def test_agent_sees_only_themself_read_only(client, login, fw):
    login("agent-16663")
    html = client.get("/agents").get_data(as_text=True)
    assert "Nguyễn Thị Hương" in html and "Lò Thị Mai" not in html and "/edit" not in html
    assert client.get(f"/agents/{fw['users']['agent'].id}/edit").status_code == 403


def test_head_edits_the_profile_of_their_agent(client, login, session, fw):
    agent = fw["users"]["agent"]
    login("head-412")
    assert "Bưu điện" in client.get(f"/agents/{agent.id}/edit").get_data(as_text=True)
    resp = client.post(f"/agents/{agent.id}/edit", data=PROFILE)
    assert resp.status_code == 302
    profile = session.get(AgentProfile, agent.id)
    assert (profile.organisation_type, profile.organisation_name, profile.phone) == \
        ("post_office", "Bưu điện thành phố Vinh", "0912 345 678")
    assert (profile.active_from, profile.active_to) == (date(2024, 1, 1), None)
    html = client.get("/agents").get_data(as_text=True)
    assert "Bưu điện thành phố Vinh" in html and "0912 345 678" in html and "01/01/2024 – nay" in html
    resp = client.post(f"/agents/{agent.id}/edit", data={**PROFILE, "organisation_type": "womens_union",
                                                          "active_to": "31/12/2025"})
    assert resp.status_code == 302
    session.expire_all()
    assert session.get(AgentProfile, agent.id).organisation_type == "womens_union"
    assert "Hội Liên hiệp Phụ nữ" in client.get("/agents").get_data(as_text=True)


def test_other_districts_agent_is_hidden(client, login, session, fw):
    login("head-417")
    assert client.get(f"/agents/{fw['users']['agent'].id}/edit").status_code == 404
    assert client.post(f"/agents/{fw['users']['agent'].id}/edit", data=PROFILE).status_code == 404
    assert client.get(f"/agents/{fw['users']['leader'].id}/edit").status_code == 404  # not an agent
    assert session.get(AgentProfile, fw["users"]["agent"].id) is None


@pytest.mark.parametrize("change, message", [
    ({"phone": "gọi tôi"}, "Số điện thoại chỉ gồm chữ số (ví dụ 0912 345 678)."),
    ({"organisation_type": "bank"}, "Lựa chọn không hợp lệ."),
    ({"active_from": "32/01/2024"}, "Ngày không hợp lệ, hãy ghi theo dạng dd/mm/yyyy."),
    ({"active_to": "31/12/2023"}, "Ngày bắt đầu phải trước hoặc bằng ngày kết thúc."),
    ({"organisation_name": "x" * 201}, "Tối đa 200 ký tự."),
])
def test_profile_validation(client, login, session, fw, change, message):
    login("leader")
    resp = client.post(f"/agents/{fw['users']['agent'].id}/edit", data={**PROFILE, **change})
    assert resp.status_code == 400
    assert message in resp.get_data(as_text=True)
    assert session.get(AgentProfile, fw["users"]["agent"].id) is None
