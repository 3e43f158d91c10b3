"""The leader's plan page and the target form: setting, validating, milestones, status, the
optimistic-locking conflict, and who may do what."""
from datetime import date

import pytest
from sqlalchemy import select

from planner.models import AuditEvent, Target, TargetMilestone
from planner.services import targets


def _edit_url(world, metric="hi_coverage", level="province", unit_id=None, year=2025):
    unit_id = unit_id if unit_id is not None else world["province"].id
    return f"/targets/edit/{level}/{unit_id}/{metric}?year={year}"


def _province_target(session, world, metric="hi_coverage", year=2025):
    session.expire_all()
    return targets.find_target(session=session, metric=metric, level="province", unit_id=world["province"].id,
                               year=year)


def test_empty_plan_says_who_sets_it(client, world, login):
    login("leader")
    html = client.get("/targets?year=2025").get_data(as_text=True)
    assert "Chưa có chỉ tiêu năm 2025. Lãnh đạo tỉnh đặt chỉ tiêu tại trang Kế hoạch." in html
    assert "Đặt chỉ tiêu" in html


def test_plan_defaults_to_the_year_of_the_latest_coverage_month(client, world, login):
    login("leader")
    html = client.get("/targets").get_data(as_text=True)
    assert "Kế hoạch chỉ tiêu năm 2024" in html  # the builders' coverage ends in 12/2024
    assert "Đã giao" in html  # small_plan's province target


def test_leader_sets_the_2025_plan_as_rate_and_as_people(client, session, world, login):
    login("leader")
    resp = client.post(_edit_url(world), data={"unit": "percent", "value": "95", "reason": ""})
    assert resp.status_code == 302
    hi = _province_target(session, world)
    assert (hi.value, hi.people, hi.denominator, hi.status) == (95.0, 43700, 46000, "draft")

    # SI 26,5% of the labour force (24 000), entered as a head count with Vietnamese separators.
    resp = client.post(_edit_url(world, "si_coverage"), data={"unit": "people", "value": "6.360"})
    assert resp.status_code == 302
    si = _province_target(session, world, "si_coverage")
    assert si.people == 6360 and si.value == pytest.approx(26.5)

    html = client.get("/targets?year=2025").get_data(as_text=True)
    assert "95,0%" in html and "43.700 người" in html  # rate and people both shown
    assert "26,5%" in html and "6.360 người" in html
    assert "Nháp" in html


def test_decimal_comma_and_milestones(client, session, world, login):
    login("leader")
    resp = client.post(_edit_url(world), data={"unit": "percent", "value": "95,5", "q1": "93", "q2": "93,8",
                                               "q3": "", "q4": "95,5"})
    assert resp.status_code == 302
    t = _province_target(session, world)
    assert t.value == pytest.approx(95.5)
    ms = {m.period: m.value for m in session.execute(
        select(TargetMilestone).where(TargetMilestone.target_id == t.id)).scalars()}
    assert ms == {date(2025, 3, 1): 93.0, date(2025, 6, 1): pytest.approx(93.8), date(2025, 12, 1): 95.5}
    html = client.get("/targets?year=2025").get_data(as_text=True)
    assert "Q1: 93,0%" in html and "Q4: 95,5%" in html


@pytest.mark.parametrize("data, message", [
    ({"unit": "percent", "value": "-5"}, "Chỉ tiêu không được âm."),
    ({"unit": "percent", "value": "101"}, "Tỷ lệ không được vượt quá 100%."),
    ({"unit": "percent", "value": "chín lăm"}, "Hãy nhập một số (ví dụ 95 hoặc 95,5)."),
    ({"unit": "percent", "value": ""}, "Hãy nhập giá trị chỉ tiêu."),
    ({"unit": "people", "value": "4370,5"}, "Hãy nhập một số nguyên (ví dụ 3163500)."),
    ({"unit": "people", "value": "50000"}, "Số người (50.000) vượt quá mẫu số (46.000)."),
    ({"unit": "percent", "value": "95", "q2": "120"}, "Tỷ lệ không được vượt quá 100%."),
    ({"unit": "percent", "value": "95", "q3": "-1"}, "Mốc không được âm."),
    ({"unit": "elsewhere", "value": "95"}, "Lựa chọn không hợp lệ."),
])
def test_every_validation_message(client, session, world, login, data, message):
    login("leader")
    resp = client.post(_edit_url(world), data=data)
    assert resp.status_code == 400
    html = resp.get_data(as_text=True)
    assert message in html
    assert "Chưa lưu: hãy sửa các ô được đánh dấu bên dưới." in html
    assert _province_target(session, world) is None


def test_people_metric_takes_whole_numbers(client, session, world, login):
    login("leader")
    assert client.post(_edit_url(world, "voluntary_si"), data={"value": "1.250"}).status_code == 302
    t = _province_target(session, world, "voluntary_si")
    assert (t.value, t.people) == (1250.0, 1250)
    resp = client.post(_edit_url(world, "voluntary_si"), data={"value": "12,5", "version": str(t.version)})
    assert resp.status_code == 400
    assert "Hãy nhập một số nguyên" in resp.get_data(as_text=True)


def test_status_flow_and_reason_required_once_accepted(client, session, world, login):
    login("leader")
    client.post(_edit_url(world), data={"unit": "percent", "value": "95"})
    t = _province_target(session, world)
    html = client.get("/targets?year=2025").get_data(as_text=True)
    assert 'data-action="assigned"' in html and 'data-action="accepted"' in html

    resp = client.post(f"/targets/{t.id}/status", data={"status": "assigned", "version": t.version,
                                                         "next": "/targets?year=2025"})
    assert resp.status_code == 302 and resp.headers["Location"] == "/targets?year=2025"
    t = _province_target(session, world)
    client.post(f"/targets/{t.id}/status", data={"status": "accepted", "version": t.version})
    t = _province_target(session, world)
    assert t.status == "accepted"
    assert "Đã chấp nhận" in client.get("/targets?year=2025").get_data(as_text=True)

    # Locked: a change without a reason is refused, with the message next to the reason.
    resp = client.post(_edit_url(world), data={"unit": "percent", "value": "96", "version": t.version})
    assert resp.status_code == 400
    assert "Chỉ tiêu đã được chấp nhận: hãy ghi lý do điều chỉnh." in resp.get_data(as_text=True)
    assert _province_target(session, world).value == 95.0

    resp = client.post(_edit_url(world), data={"unit": "percent", "value": "96", "version": t.version,
                                               "reason": "Theo Nghị quyết HĐND tỉnh"})
    assert resp.status_code == 302
    t = _province_target(session, world)
    assert (t.value, t.status, t.revision) == (96.0, "accepted", 4)

    html = client.get(f"/targets/unit/province/{world['province'].id}?year=2025").get_data(as_text=True)
    assert html.count('revision" data-revision=') == 4
    assert "Theo Nghị quyết HĐND tỉnh" in html
    assert "96,0% (44.160 người)" in html and "95,0% (43.700 người)" in html
    # Every change is in the audit trail as well.
    events = session.execute(select(AuditEvent).where(AuditEvent.entity == "target",
                                                      AuditEvent.entity_id == str(t.id))).scalars().all()
    assert len(events) >= 4 and {e.username for e in events} == {"leader"}


def test_stale_edit_is_a_conflict_showing_the_other_value(client, session, world, login):
    leader, admin = world["users"]["leader"], world["users"]["admin"]
    first = targets.set_target(session=session, user=leader, metric="hi_coverage", level="province",
                               unit_id=world["province"].id, year=2025, value=95.0)
    stale_version = first.version
    # The admin saves in between.
    targets.set_target(session=session, user=admin, metric="hi_coverage", level="province",
                       unit_id=world["province"].id, year=2025, value=96.0, expected_version=stale_version)
    login("leader")
    resp = client.post(_edit_url(world), data={"unit": "percent", "value": "97", "version": str(stale_version)})
    assert resp.status_code == 409
    html = resp.get_data(as_text=True)
    assert "Người khác vừa sửa chỉ tiêu này (giá trị hiện tại: 96,0% (44.160 người), do Admin (admin) sửa lúc" in html
    assert "Thay đổi của bạn chưa được lưu." in html
    assert 'value="97"' in html  # the form keeps what the leader typed
    t = _province_target(session, world)
    assert t.value == 96.0 and t.updated_by == "admin"
    # Saving again from the conflict page is a deliberate overwrite of the value now shown.
    assert f'name="version" type="hidden" value="{t.version}"' in html
    resp = client.post(_edit_url(world), data={"unit": "percent", "value": "97", "version": str(t.version)})
    assert resp.status_code == 302
    assert _province_target(session, world).value == 97.0


def test_creating_a_target_someone_just_created_is_a_conflict(client, session, world, login):
    login("leader")
    client.get(_edit_url(world))  # the form is drawn with no target yet (empty version)
    targets.set_target(session=session, user=world["users"]["admin"], metric="hi_coverage", level="province",
                       unit_id=world["province"].id, year=2025, value=94.0)
    resp = client.post(_edit_url(world), data={"unit": "percent", "value": "95", "version": ""})
    assert resp.status_code == 409
    assert "giá trị hiện tại: 94,0%" in resp.get_data(as_text=True)
    assert _province_target(session, world).value == 94.0


def test_district_head_and_agent_see_the_plan_read_only(client, session, world, login):
    targets.set_target(session=session, user=world["users"]["leader"], metric="hi_coverage", level="province",
                       unit_id=world["province"].id, year=2025, value=95.0)
    for username in ("head-412", "agent-16663"):
        login(username)
        html = client.get("/targets?year=2025").get_data(as_text=True)
        assert "95,0%" in html
        assert 'data-action="edit"' not in html and 'data-action="assigned"' not in html
        assert "bạn chỉ xem" in html
        assert client.post(_edit_url(world), data={"unit": "percent", "value": "50"}).status_code == 403
        client.post("/auth/logout")
    assert _province_target(session, world).value == 95.0


def test_agent_cannot_set_targets(client, session, world, login):
    login("agent-16663")
    commune = world["communes"]["16663"]
    assert client.get(_edit_url(world, level="commune", unit_id=commune.id)).status_code == 403
    resp = client.post(_edit_url(world, level="commune", unit_id=commune.id), data={"value": "99"})
    assert resp.status_code == 403
    agent = world["users"]["agent"]
    assert client.post(_edit_url(world, "voluntary_si", level="agent", unit_id=agent.id),
                       data={"value": "10"}).status_code == 403
    assert session.execute(select(Target).where(Target.year == 2025)).first() is None


def test_head_sets_a_commune_target_linked_to_the_district(client, session, world, login):
    leader = world["users"]["leader"]
    district = targets.set_target(session=session, user=leader, metric="hi_coverage", level="district",
                                  unit_id=world["districts"]["412"].id, year=2025, value=96.0)
    login("head-412")
    commune = world["communes"]["16666"]
    resp = client.post(_edit_url(world, level="commune", unit_id=commune.id), data={"unit": "percent", "value": "97"})
    assert resp.status_code == 302
    t = targets.find_target(session=session, metric="hi_coverage", level="commune", unit_id=commune.id, year=2025)
    assert t.parent_id == district.id and t.people == 20370
    html = client.get(f"/targets/unit/commune/{commune.id}?year=2025").get_data(as_text=True)
    assert "96,0% (34.560 người)" in html  # the district's value (36 000 people) on the commune page
