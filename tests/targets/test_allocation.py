"""The allocation screen: each rule through the page sums exactly to the parent, the manual rule
may differ (a warning, not an error), rows validate, acceptance, staleness and scope."""
import pytest
from sqlalchemy import select

from planner.models import Target
from planner.services import targets
from tests.targets.conftest import add_coverage, allocation_form, page_inputs


@pytest.fixture
def plan_2025(session, world):
    """The 2025 province HI target (95% = 43 700 people) and district 412's (96% = 34 560)."""
    leader = world["users"]["leader"]
    add_coverage(session, world, {"16663": 14600, "16666": 20100, "16738": 4900, "16741": 3000})
    province = targets.set_target(session=session, user=leader, metric="hi_coverage", level="province",
                                  unit_id=world["province"].id, year=2025, value=95.0, status="assigned")
    district = targets.set_target(session=session, user=leader, metric="hi_coverage", level="district",
                                  unit_id=world["districts"]["412"].id, year=2025, value=96.0, status="assigned",
                                  parent_id=province.id)
    return {"province": province, "district": district}


def _children(session, parent):
    session.expire_all()
    return session.execute(select(Target).where(Target.parent_id == parent.id)).scalars().all()


def _unchanged(session, province):
    """Only the fixture's district 412 target hangs under the province, as it was."""
    return [(c.level, c.people, c.revision) for c in _children(session, province)] == [("district", 34560, 1)]


@pytest.mark.parametrize("rule", ["population", "gap", "uplift"])
def test_leader_allocates_the_province_with_each_rule(client, session, world, plan_2025, login, rule):
    login("leader")
    parent = plan_2025["province"]
    page = client.get(f"/targets/{parent.id}/allocate?rule=rule".replace("rule=rule", f"rule={rule}"))
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Khớp chỉ tiêu cấp trên" in html
    assert "Thành phố Vinh" in html and "Huyện Kỳ Sơn" in html
    resp = client.post(f"/targets/{parent.id}/allocate", data=allocation_form(html, rule))
    assert resp.status_code == 302, resp.get_data(as_text=True)
    children = _children(session, parent)
    assert len(children) == 2
    assert sum(c.people for c in children) == parent.people == 43700
    assert {c.status for c in children} == {"assigned"} and {c.allocation_rule for c in children} == {rule}
    assert "Đã giao chỉ tiêu cho 2 đơn vị." in client.get(resp.headers["Location"]).get_data(as_text=True)


@pytest.mark.parametrize("rule", ["population", "gap", "uplift"])
def test_head_allocates_the_district_across_communes_and_accepts(client, session, world, plan_2025, login, rule):
    login("head-412")
    parent = plan_2025["district"]
    html = client.get(f"/targets/{parent.id}/allocate?rule={rule}").get_data(as_text=True)
    assert "Phường Đông Vĩnh" in html and "Phường Hà Huy Tập" in html
    assert "Thị trấn Mường Xén" not in html  # another district's commune
    assert client.post(f"/targets/{parent.id}/allocate", data=allocation_form(html, rule)).status_code == 302
    children = _children(session, parent)
    assert sum(c.people for c in children) == 34560
    assert all(c.level == "commune" for c in children)

    html = client.get(f"/targets/{parent.id}/allocate").get_data(as_text=True)
    assert "Chấp nhận phân bổ" in html
    assert client.post(f"/targets/{parent.id}/allocate/accept").status_code == 302
    assert {c.status for c in _children(session, parent)} == {"accepted"}
    html = client.get(f"/targets/{parent.id}/allocate").get_data(as_text=True)
    assert "Mọi chỉ tiêu cấp dưới đã được chấp nhận." in html
    commune = world["communes"]["16663"]
    html = client.get(f"/targets/unit/commune/{commune.id}?year=2025").get_data(as_text=True)
    assert "Đã chấp nhận" in html and "head-412" in html


def test_rules_propose_different_splits(client, world, plan_2025, login):
    login("head-412")
    parent = plan_2025["district"]
    splits = {rule: page_inputs(client.get(f"/targets/{parent.id}/allocate?rule={rule}").get_data(as_text=True))[0]
              for rule in ("population", "gap", "uplift")}
    for split in splits.values():
        assert sum(int(v) for v in split.values()) == 34560
    assert len({tuple(sorted(s.items())) for s in splits.values()}) > 1


def test_manual_mismatch_is_a_warning_and_shows_at_the_parent(client, session, world, plan_2025, login):
    login("leader")
    parent = plan_2025["province"]
    html = client.get(f"/targets/{parent.id}/allocate?rule=manual").get_data(as_text=True)
    ids = sorted(page_inputs(html)[0])
    data = allocation_form(html, "manual", {ids[0]: 34000, ids[1]: 9000})
    resp = client.post(f"/targets/{parent.id}/allocate", data=data)
    assert resp.status_code == 302
    assert sum(c.people for c in _children(session, parent)) == 43000
    html = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "Lưu ý: tổng phân bổ (43.000 người) lệch -700 người" in html
    assert "Tổng tự nhập lệch -700 người" in html  # the screen, still on the manual rule
    plan = client.get("/targets?year=2025").get_data(as_text=True)
    assert "Lệch -700 người so với chỉ tiêu tỉnh" in plan
    unit = client.get(f"/targets/unit/province/{world['province'].id}?year=2025").get_data(as_text=True)
    assert "Lệch -700 người so với chỉ tiêu" in unit


def test_a_rule_other_than_manual_must_sum_to_the_parent(client, session, world, plan_2025, login):
    login("leader")
    parent = plan_2025["province"]
    html = client.get(f"/targets/{parent.id}/allocate?rule=population").get_data(as_text=True)
    first = sorted(page_inputs(html)[0])[0]
    resp = client.post(f"/targets/{parent.id}/allocate", data=allocation_form(html, "population", {first: 1}))
    assert resp.status_code == 400
    assert "phải bằng chỉ tiêu cấp trên (43.700 người)" in resp.get_data(as_text=True)
    assert _unchanged(session, parent)


def test_edited_proposal_that_still_sums_is_saved_as_manual(client, session, world, plan_2025, login):
    login("leader")
    parent = plan_2025["province"]
    html = client.get(f"/targets/{parent.id}/allocate?rule=population").get_data(as_text=True)
    people = {k: int(v) for k, v in page_inputs(html)[0].items()}
    a, b = sorted(people)
    edited = {a: people[a] + 100, b: people[b] - 100}
    assert client.post(f"/targets/{parent.id}/allocate",
                       data=allocation_form(html, "population", edited)).status_code == 302
    children = _children(session, parent)
    assert {c.unit_id: c.people for c in children} == edited
    assert {c.allocation_rule for c in children} == {"manual"}


@pytest.mark.parametrize("value, message", [
    ("-10", "Không được là số âm."),
    ("12,5", "Hãy nhập một số nguyên (ví dụ 3163500)."),
    ("nhiều", "Hãy nhập một số (ví dụ 95 hoặc 3.163.500)."),
    ("", "Hãy nhập số người (có thể là 0)."),
    ("40000", "Vượt quá mẫu số (36.000 người)."),
])
def test_bad_rows_are_marked_next_to_the_row(client, session, world, plan_2025, login, value, message):
    login("leader")
    parent = plan_2025["province"]
    html = client.get(f"/targets/{parent.id}/allocate?rule=manual").get_data(as_text=True)
    first = sorted(page_inputs(html)[0])[0]
    resp = client.post(f"/targets/{parent.id}/allocate", data=allocation_form(html, "manual", {first: value}))
    assert resp.status_code == 400
    html = resp.get_data(as_text=True)
    assert f'<div class="invalid-feedback d-block row-error">{message}</div>' in html
    assert f'name="people-{first}" id="people-{first}" value="{value}"' in html  # kept as typed
    assert _unchanged(session, parent)


def test_reallocating_accepted_children_needs_a_reason(client, session, world, plan_2025, login):
    login("head-412")
    parent = plan_2025["district"]
    html = client.get(f"/targets/{parent.id}/allocate?rule=population").get_data(as_text=True)
    client.post(f"/targets/{parent.id}/allocate", data=allocation_form(html, "population"))
    client.post(f"/targets/{parent.id}/allocate/accept")
    html = client.get(f"/targets/{parent.id}/allocate?rule=gap").get_data(as_text=True)
    resp = client.post(f"/targets/{parent.id}/allocate", data=allocation_form(html, "gap"))
    assert resp.status_code == 400
    assert "Chỉ tiêu đã được chấp nhận: hãy ghi lý do điều chỉnh." in resp.get_data(as_text=True)
    resp = client.post(f"/targets/{parent.id}/allocate", data=allocation_form(html, "gap", reason="Điều chỉnh giữa năm"))
    assert resp.status_code == 302
    children = _children(session, parent)
    assert {c.allocation_rule for c in children} == {"gap"} and {c.status for c in children} == {"assigned"}
    revisions = targets.revisions(session=session, target=children[0])
    assert revisions[0].reason == "Điều chỉnh giữa năm"


def test_a_stale_allocation_screen_is_a_conflict(client, session, world, plan_2025, login):
    login("head-412")
    parent = plan_2025["district"]
    html = client.get(f"/targets/{parent.id}/allocate?rule=population").get_data(as_text=True)
    client.post(f"/targets/{parent.id}/allocate", data=allocation_form(html, "population"))
    html = client.get(f"/targets/{parent.id}/allocate?rule=population").get_data(as_text=True)
    # Meanwhile the leader changes one commune's target.
    commune = world["communes"]["16663"]
    targets.set_target(session=session, user=world["users"]["leader"], metric="hi_coverage", level="commune",
                       unit_id=commune.id, year=2025, people=14000)
    resp = client.post(f"/targets/{parent.id}/allocate", data=allocation_form(html, "uplift"))
    assert resp.status_code == 409
    assert "Người khác vừa sửa chỉ tiêu của Phường Đông Vĩnh" in resp.get_data(as_text=True)
    session.expire_all()
    assert targets.find_target(session=session, metric="hi_coverage", level="commune", unit_id=commune.id,
                               year=2025).people == 14000


def test_head_412_cannot_allocate_417s_target(client, session, world, plan_2025, login):
    leader = world["users"]["leader"]
    kyson = targets.set_target(session=session, user=leader, metric="hi_coverage", level="district",
                               unit_id=world["districts"]["417"].id, year=2025, value=90.0, status="assigned")
    login("head-412")
    assert client.get(f"/targets/{kyson.id}/allocate").status_code == 404
    data = {f"people-{c.id}": "4000" for code, c in world["communes"].items() if code in ("16738", "16741")}
    assert client.post(f"/targets/{kyson.id}/allocate", data=dict(data, rule="manual")).status_code == 404
    assert client.post(f"/targets/{kyson.id}/allocate/accept").status_code == 404
    assert client.post(f"/targets/{kyson.id}/status", data={"status": "accepted"}).status_code == 404
    # Nor the province's, which is the leader's to split.
    assert client.get(f"/targets/{plan_2025['province'].id}/allocate").status_code == 403
    assert _children(session, kyson) == []
    session.expire_all()
    assert session.get(Target, kyson.id).status == "assigned"


def test_district_head_accepts_the_districts_own_target(client, session, world, plan_2025, login):
    login("head-412")
    parent = plan_2025["district"]
    html = client.get(f"/targets/{parent.id}/allocate").get_data(as_text=True)
    assert 'data-action="accepted"' in html and 'data-action="assigned"' not in html
    resp = client.post(f"/targets/{parent.id}/status", data={"status": "accepted", "version": parent.version})
    assert resp.status_code == 302
    session.expire_all()
    assert session.get(Target, parent.id).status == "accepted"


def test_agents_have_quotas_within_a_commune(client, session, world, plan_2025, login):
    """A people metric splits across the commune's agents (a rate has no agent denominator)."""
    commune = world["communes"]["16663"]
    quota = targets.set_target(session=session, user=world["users"]["head"], metric="voluntary_si",
                               level="commune", unit_id=commune.id, year=2025, value=300.0)
    login("head-412")
    html = client.get(f"/targets/{quota.id}/allocate?rule=manual").get_data(as_text=True)
    assert "Agent-16663" in html
    agent = world["users"]["agent"]
    resp = client.post(f"/targets/{quota.id}/allocate", data=allocation_form(html, "manual", {agent.id: 300}))
    assert resp.status_code == 302
    child = _children(session, quota)[0]
    assert (child.level, child.unit_id, child.people) == ("agent", agent.id, 300)
    client.post("/auth/logout")
    login("agent-16663")
    html = client.get(f"/targets/unit/agent/{agent.id}?year=2025").get_data(as_text=True)
    assert "300 người" in html
    assert client.get(f"/targets/{quota.id}/allocate").status_code == 403


def test_a_commune_rate_is_not_split_across_agents(client, session, world, login):
    commune = world["communes"]["16663"]
    rate = targets.set_target(session=session, user=world["users"]["head"], metric="hi_coverage",
                              level="commune", unit_id=commune.id, year=2025, value=97.0)
    login("head-412")
    html = client.get(f"/targets/unit/commune/{commune.id}?year=2025").get_data(as_text=True)
    assert f"/targets/{rate.id}/allocate" not in html
    resp = client.get(f"/targets/{rate.id}/allocate")
    assert resp.status_code == 200 and "không theo tỷ lệ" in resp.get_data(as_text=True)
    assert 'id="allocation-form"' not in resp.get_data(as_text=True)
    agent = world["users"]["agent"]
    assert client.post(f"/targets/{rate.id}/allocate", data={f"people-{agent.id}": "100"}).status_code == 400
    assert targets.children_targets(session=session, target=rate) == []
