"""A commune's page, its edit forms and who may use them."""
import json
from datetime import date

import pytest
from sqlmodel import select

from planner.models import AuditEvent, ClassificationMembership, Commune, CoverageRecord, Denominator


def test_commune_page_shows_figures_classifications_and_history(world, login, session):
    client = login("leader")
    html = client.get("/communes/16738").get_data(as_text=True)
    assert "Thị trấn Mường Xén" in html
    assert "Khu vực I" in html                       # classification in force
    assert "6.000" in html and "3.000" in html        # population, labour force 2024
    assert "12/2024" in html and "4.800" in html      # coverage month and HI participants
    assert "80,0%" in html                            # HI coverage 4.800 / 6.000
    assert "Sửa thông tin xã" in html


def test_expired_classification_is_not_shown(world, login, session):
    m = session.exec(select(ClassificationMembership).where(
        ClassificationMembership.commune_id == world["communes"]["16741"].id)).one()
    m.valid_to = date(2022, 12, 31)
    session.commit()
    html = login("leader").get("/communes/16741").get_data(as_text=True)
    assert "Khu vực III" not in html
    assert "Không thuộc danh sách phân loại nào" in html


def test_unknown_commune_is_404(world, login):
    assert login("leader").get("/communes/99999").status_code == 404


def _commune_form(**changes):
    data = {"code": "16663", "name": "Phường Đông Vĩnh", "kind": "ward", "district_id": None,
            "lost_state_hi_people": "0"}
    data.update(changes)
    return data


def test_edit_commune_records_audit_with_before_and_after(world, login, session):
    client = login("leader")
    form = _commune_form(district_id=world["districts"]["412"].id, name="Phường Đông Vĩnh Mới",
                         lost_state_hi_people="1.250")
    resp = client.post("/communes/16663/edit", data=form)
    assert resp.status_code == 302, resp.get_data(as_text=True)
    commune = session.exec(select(Commune).where(Commune.code == "16663")).one()
    session.refresh(commune)
    assert commune.name == "Phường Đông Vĩnh Mới" and commune.lost_state_hi_people == 1250
    event = session.exec(select(AuditEvent).where(
        AuditEvent.commune_id == commune.id, AuditEvent.action == "update")).one()
    assert event.username == "leader"
    assert json.loads(event.before)["name"] == "Phường Đông Vĩnh"
    assert json.loads(event.after)["name"] == "Phường Đông Vĩnh Mới"
    html = client.get("/communes/16663").get_data(as_text=True)
    assert "Phường Đông Vĩnh → Phường Đông Vĩnh Mới" in html
    assert "0 → 1.250" in html


@pytest.mark.parametrize("changes, message", [
    ({"code": "1666"}, "Mã xã phải gồm đúng 5 chữ số"),
    ({"code": "abcde"}, "Mã xã phải gồm đúng 5 chữ số"),
    ({"code": "16666"}, "Mã xã này đã được dùng"),
    ({"name": ""}, "Ô này không được để trống"),
    ({"lost_state_hi_people": "-5"}, "Không được là số âm"),
    ({"lost_state_hi_people": "nhiều"}, "Hãy nhập một số nguyên"),
])
def test_edit_commune_messages(world, login, session, changes, message):
    client = login("leader")
    resp = client.post("/communes/16663/edit",
                       data=_commune_form(district_id=world["districts"]["412"].id, **changes))
    assert resp.status_code == 400
    html = resp.get_data(as_text=True)
    assert message in html
    assert "invalid-feedback" in html
    assert session.exec(select(Commune).where(Commune.name == "Phường Đông Vĩnh")).one()


def test_add_edit_delete_denominator(world, login, session):
    client = login("head-412")
    c = world["communes"]["16663"]
    resp = client.post("/communes/16663/denominators/new",
                       data={"year": "2025", "population": "15.200", "labour_force": "8100", "source": "Thống kê"})
    assert resp.status_code == 302
    resp = client.post("/communes/16663/denominators/2025/edit",
                       data={"year": "2025", "population": "15300", "labour_force": "8100", "source": "Thống kê"})
    assert resp.status_code == 302
    record = session.exec(select(Denominator).where(Denominator.commune_id == c.id, Denominator.year == 2025)).one()
    assert record.population == 15300
    assert client.post("/communes/16663/denominators/2025/delete").status_code == 302
    session.expire_all()
    assert session.exec(select(Denominator).where(Denominator.commune_id == c.id, Denominator.year == 2025)).first() is None
    actions = session.exec(select(AuditEvent.action).where(
        AuditEvent.commune_id == c.id, AuditEvent.entity == "denominator")).all()
    assert sorted(actions) == ["create", "create", "delete", "update"]  # the first create is the builder's 2024 row


@pytest.mark.parametrize("data, message", [
    ({"population": "-1"}, "Không được là số âm"),
    ({"labour_force": "16000"}, "không được lớn hơn dân số"),
    ({"year": "1990"}, "Năm phải trong khoảng 2000–2100"),
    ({"year": "2024"}, "Xã đã có số liệu của năm này"),
    ({"population": ""}, "Ô này không được để trống"),
])
def test_denominator_messages(world, login, session, data, message):
    form = {"year": "2025", "population": "15000", "labour_force": "8000", "source": ""}
    form.update(data)
    resp = login("leader").post("/communes/16663/denominators/new", data=form)
    assert resp.status_code == 400
    assert message in resp.get_data(as_text=True)
    session.expire_all()
    assert len(session.exec(select(Denominator).where(
        Denominator.commune_id == world["communes"]["16663"].id)).all()) == 1


def _coverage_form(**changes):
    form = {"period": "01/2025", "hi_participants": "14000", "si_compulsory": "1000", "si_voluntary": "300",
            "ui_participants": "900", "source": "test"}
    form.update(changes)
    return form


def test_add_and_edit_coverage(world, login, session):
    client = login("leader")
    c = world["communes"]["16663"]
    assert client.post("/communes/16663/coverage/new", data=_coverage_form()).status_code == 302
    resp = client.get("/communes/16663/coverage/2025-01/edit")
    assert 'value="01/2025"' in resp.get_data(as_text=True)
    assert client.post("/communes/16663/coverage/2025-01/edit",
                       data=_coverage_form(hi_participants="14100")).status_code == 302
    record = session.exec(select(CoverageRecord).where(
        CoverageRecord.commune_id == c.id, CoverageRecord.period == date(2025, 1, 1))).one()
    assert record.hi_participants == 14100
    assert client.post("/communes/16663/coverage/2025-01/delete").status_code == 302


@pytest.mark.parametrize("changes, message", [
    ({"period": "12/2024", "hi_participants": "15001"}, "lớn hơn dân số năm 2024"),
    ({"period": "12/2024"}, "Xã đã có số liệu của tháng này"),
    ({"period": "13/2024"}, "Tháng “13/2024” không hợp lệ"),
    ({"si_voluntary": "-3"}, "Không được là số âm"),
])
def test_coverage_messages(world, login, session, changes, message):
    resp = login("leader").post("/communes/16663/coverage/new", data=_coverage_form(**changes))
    assert resp.status_code == 400
    assert message in resp.get_data(as_text=True)


def test_participants_above_population_on_edit(world, login):
    resp = login("leader").post("/communes/16663/coverage/2024-12/edit",
                                data=_coverage_form(period="12/2024", hi_participants="20000"))
    assert resp.status_code == 400
    assert "Số người tham gia BHYT (20000) lớn hơn dân số năm 2024 (15000)" in resp.get_data(as_text=True)


@pytest.mark.parametrize("username, url, status", [
    ("head-412", "/communes/16738", 404),
    ("head-412", "/communes/16738/edit", 404),
    ("head-412", "/communes/16738/denominators/new", 404),
    ("head-412", "/communes/16663/edit", 200),
    ("agent-16663", "/communes/16663", 200),
    ("agent-16663", "/communes/16663/edit", 403),
    ("agent-16663", "/communes/16663/coverage/new", 403),
    ("agent-16663", "/communes/16666", 404),
    ("agent-16663", "/import", 403),
    ("agent-16663", "/import/template/communes.csv", 403),
    ("head-417", "/communes/16663", 404),
])
def test_scope(world, login, username, url, status):
    assert login(username).get(url).status_code == status


def test_head_cannot_post_edit_outside_district(world, login, session):
    resp = login("head-412").post("/communes/16738/edit", data=_commune_form(code="16738", name="X"))
    assert resp.status_code == 404
    assert session.exec(select(Commune).where(Commune.code == "16738")).one().name == "Thị trấn Mường Xén"


def test_head_cannot_move_commune_to_other_district(world, login, session):
    resp = login("head-412").post("/communes/16663/edit",
                                  data=_commune_form(district_id=world["districts"]["417"].id))
    assert resp.status_code == 400
    assert "Lựa chọn không hợp lệ." in resp.get_data(as_text=True)
    session.expire_all()
    assert world["districts"]["412"].id == session.exec(select(Commune.district_id).where(Commune.code == "16663")).one()


def test_agent_page_has_no_edit_links(world, login):
    html = login("agent-16663").get("/communes/16663").get_data(as_text=True)
    assert "Sửa thông tin xã" not in html
    assert "/denominators/new" not in html
