"""Agents' communes carried across two reforms (2020 -> December 2024 -> July 2025): the versions
and crosswalks come in through the real `planner import` commands; proposals wait for an admin."""
from datetime import date

import pytest
from sqlalchemy import select

from planner.models import Commune, District, HierarchyVersion, Province, ScopeCarryOver, User, UserCommune
from planner.services import carry_over
from tests.builders import add_user

UNITS_2024_12 = ("ma_xa,ten_xa,ma_huyen,ten_huyen\n"
                 "16663,Phường Đông Vĩnh,412,Thành phố Vinh\n"
                 "16669,Phường Lê Lợi,412,Thành phố Vinh\n"
                 "16666,Phường Hà Huy Tập,412,Thành phố Vinh\n"
                 "16738,Thị trấn Mường Xén,417,Huyện Kỳ Sơn\n")
UNITS_2025_07 = ("ma_xa,ten_xa,ma_huyen_cu,ten_huyen_cu\n"
                 "16681,Phường Thành Vinh,412,Thành phố Vinh\n"
                 "16702,Phường Vinh Phú,412,Thành phố Vinh\n"
                 "16690,Phường Trường Vinh,412,Thành phố Vinh\n"
                 "16738,Xã Mường Xén,417,Huyện Kỳ Sơn\n")
CROSSWALK_2020 = ("ma_xa_2020,ma_xa_2024_12,ghi_chu\n"
                  "16663,16663,giữ nguyên\n16669,16669,giữ nguyên\n16666,16666,giữ nguyên\n"
                  "16738,16738,giữ nguyên\n16741,16738,nhập vào Mường Xén\n")
CROSSWALK_2024 = ("ma_xa_2024_12,ma_xa_2025_07,share\n"
                  "16663,16681,\n16669,16681,\n16666,16702,0.6\n16666,16690,0.4\n16738,16738,\n")


def _version(session, name):
    return session.execute(select(HierarchyVersion).where(HierarchyVersion.name == name)).scalars().one()


def _commune(session, version, code):
    return session.execute(select(Commune).where(Commune.version_id == version.id, Commune.code == code)
                           ).scalars().one()


@pytest.fixture
def chain(session, runner, tmp_path):
    """The 2020 districts built here with agents, the two newer versions and both crosswalks
    imported with the CLI. Returns names -> objects and the CLI outputs."""
    v2020 = HierarchyVersion(name="Nghệ An 2020–2024", valid_from=date(2020, 1, 1), valid_to=date(2024, 11, 30),
                             is_current=True)
    session.add(v2020)
    session.flush()
    p = Province(version_id=v2020.id, code="40", name="Tỉnh Nghệ An")
    session.add(p)
    session.flush()
    vinh = District(version_id=v2020.id, province_id=p.id, code="412", name="Thành phố Vinh", kind="city")
    kyson = District(version_id=v2020.id, province_id=p.id, code="417", name="Huyện Kỳ Sơn", kind="rural_district")
    session.add_all([vinh, kyson])
    session.flush()
    old = {}
    for code, name, district in (("16663", "Phường Đông Vĩnh", vinh), ("16669", "Phường Lê Lợi", vinh),
                                 ("16666", "Phường Hà Huy Tập", vinh), ("16738", "Thị trấn Mường Xén", kyson),
                                 ("16741", "Xã Mỹ Lý", kyson)):
        old[code] = Commune(version_id=v2020.id, district_id=district.id, code=code, name=name, kind="commune")
        session.add(old[code])
    session.flush()
    users = {
        "admin": add_user(session, "admin", "admin"),
        "leader": add_user(session, "leader", "leader"),
        "head": add_user(session, "head-412", "district_head", district=vinh),
        "a16663": add_user(session, "agent-16663", "agent", district=vinh, communes=[old["16663"], old["16669"]]),
        "a16666": add_user(session, "agent-16666", "agent", district=vinh, communes=[old["16666"]]),
        "a16741": add_user(session, "agent-16741", "agent", district=kyson, communes=[old["16741"]]),
        "both": add_user(session, "agent-both", "agent", district=kyson, communes=[old["16738"]]),
        "served": add_user(session, "agent-served", "agent", district=vinh, communes=[old["16663"]]),
    }
    session.commit()
    outputs = []
    for text, name, args in ((UNITS_2024_12, "Nghệ An 2024-12", ["--valid-from", "2024-12-01", "--valid-to", "2025-06-30"]),
                             (UNITS_2025_07, "Nghệ An 2025", ["--valid-from", "2025-07-01"])):
        path = tmp_path / f"{name}.csv"
        path.write_text(text, encoding="utf-8")
        result = runner.invoke(args=["import", "hierarchy", str(path), "--name", name, *args])
        assert result.exit_code == 0, result.output
        outputs.append(result.output)
    v2024, v2025 = _version(session, "Nghệ An 2024-12"), _version(session, "Nghệ An 2025")
    assert v2025.is_current and v2025.middle_level == "office"
    # agent-both also serves the December 2024 unit (carried before): it is carried from there.
    session.add(UserCommune(user_id=users["both"].id, commune_id=_commune(session, v2024, "16738").id))
    # agent-served already serves the new ward its old one went into: nothing to propose.
    session.add(UserCommune(user_id=users["served"].id, commune_id=_commune(session, v2025, "16681").id))
    session.commit()
    for text, src, dst in ((CROSSWALK_2020, "Nghệ An 2020–2024", "Nghệ An 2024-12"),
                           (CROSSWALK_2024, "Nghệ An 2024-12", "Nghệ An 2025")):
        path = tmp_path / f"crosswalk-{dst}.csv"
        path.write_text(text, encoding="utf-8")
        result = runner.invoke(args=["import", "crosswalk", str(path), "--from", src, "--to", dst])
        assert result.exit_code == 0, result.output
        outputs.append(result.output)
    session.expire_all()
    return {"v2020": v2020, "v2024": v2024, "v2025": v2025, "old": old, "users": users, "outputs": outputs}


def _proposals(session):
    rows = session.execute(select(ScopeCarryOver).order_by(ScopeCarryOver.id)).scalars().all()
    names = {c.id: (c.code, c.version_id) for c in session.execute(select(Commune)).scalars()}
    users = {u.id: u.username for u in session.execute(select(User)).scalars()}
    return [(users[r.user_id], names[r.from_commune_id][0], names[r.to_commune_id][0], r.status) for r in rows]


def test_crosswalk_import_proposes_agents_onto_successor_communes(session, chain):
    out_first, out_second = chain["outputs"][2], chain["outputs"][3]
    assert "0 new proposals" in out_first  # 2020 -> 2024-12 alone does not reach the current version
    assert "Agents' communes carried into 'Nghệ An 2025': 6 new proposals; 6 wait for an admin at " \
           "/offices/carry-over." in out_second
    assert sorted(_proposals(session)) == sorted([
        ("agent-16663", "16663", "16681", "pending"), ("agent-16663", "16669", "16681", "pending"),
        ("agent-16666", "16666", "16702", "pending"), ("agent-16666", "16666", "16690", "pending"),
        ("agent-16741", "16741", "16738", "pending"), ("agent-both", "16738", "16738", "pending"),
    ])
    both = session.execute(select(ScopeCarryOver).where(ScopeCarryOver.user_id == chain["users"]["both"].id)
                           ).scalars().one()
    assert session.get(Commune, both.from_commune_id).version_id == chain["v2024"].id  # the newer unit
    assert carry_over.pending_count(session=session) == 6


def test_propose_is_idempotent_and_leaves_decided_rows_alone(session, chain):
    first = session.execute(select(ScopeCarryOver).order_by(ScopeCarryOver.id)).scalars().first()
    carry_over.reject(session=session, ids=[first.id], admin=chain["users"]["admin"])
    again = carry_over.propose(session=session, from_version=chain["v2020"], to_version=chain["v2025"])
    assert again["created"] == 0 and again["existing"] == 5 and again["already_served"] == 1
    session.expire_all()
    assert session.get(ScopeCarryOver, first.id).status == "rejected"
    assert len(_proposals(session)) == 6
    # a newer version never carries backwards
    assert carry_over.propose(session=session, from_version=chain["v2025"], to_version=chain["v2020"])["created"] == 0


def test_approve_gives_the_new_commune_and_keeps_the_old_ones(session, chain):
    agent, admin = chain["users"]["a16663"], chain["users"]["admin"]
    ids = session.execute(select(ScopeCarryOver.id).where(ScopeCarryOver.user_id == agent.id)).scalars().all()
    result = carry_over.approve(session=session, ids=[str(i) for i in ids] + ["999999", "x"], admin=admin)
    assert len(result["done"]) == 2 and result["already"] == [] and result["missing"] == [999999]
    session.expire_all()
    served = {(c.code, c.version_id) for c in session.execute(
        select(Commune).join(UserCommune, UserCommune.commune_id == Commune.id)
        .where(UserCommune.user_id == agent.id)).scalars()}
    v2020, v2025 = chain["v2020"].id, chain["v2025"].id
    assert served == {("16663", v2020), ("16669", v2020), ("16681", v2025)}  # one new row for both proposals
    office = session.get(District, session.get(User, agent.id).district_id)
    assert (office.version_id, office.code, office.name) == (v2025, "412", "BHXH cơ sở Vinh")
    row = session.get(ScopeCarryOver, ids[0])
    assert row.status == "approved" and row.decided_by == "admin" and row.decided_at is not None
    # Deciding again is reported, not re-done.
    again = carry_over.approve(session=session, ids=ids, admin=admin)
    assert again["done"] == [] and len(again["already"]) == 2
    rejected = carry_over.reject(session=session, ids=ids, admin=admin)
    assert rejected["done"] == [] and {r.status for r in rejected["already"]} == {"approved"}


def test_reject_changes_nothing_else_and_only_admins_decide(session, chain):
    agent = chain["users"]["a16666"]
    row = session.execute(select(ScopeCarryOver).where(ScopeCarryOver.user_id == agent.id)).scalars().first()
    with pytest.raises(carry_over.CarryOverError, match="Chỉ quản trị hệ thống"):
        carry_over.approve(session=session, ids=[row.id], admin=chain["users"]["leader"])
    with pytest.raises(carry_over.CarryOverError, match="Hãy chọn ít nhất một đề xuất"):
        carry_over.approve(session=session, ids=[], admin=chain["users"]["admin"])
    carry_over.reject(session=session, ids=[row.id], admin=chain["users"]["admin"])
    session.expire_all()
    assert session.get(ScopeCarryOver, row.id).status == "rejected"
    assert len(session.execute(select(UserCommune).where(UserCommune.user_id == agent.id)).all()) == 1
    assert session.get(User, agent.id).district_id == chain["old"]["16666"].district_id


def test_carry_over_page_groups_by_agent_and_decides(client, session, chain, login):
    login("admin")
    page = client.get("/offices/carry-over").get_data(as_text=True)
    assert "agent-16663" in page and 'id="co-all"' in page
    assert "Phường Đông Vĩnh (Nghệ An 2020–2024) → <strong>Phường Thành Vinh</strong> (Nghệ An 2025)" in page
    assert "60,0% dân số xã cũ" in page and "40,0% dân số xã cũ" in page
    assert page.index("agent-16663") < page.index("agent-16666") < page.index("agent-16741")
    index = client.get("/offices/").get_data(as_text=True)
    assert "6 đề xuất chuyển địa bàn của nhân viên thu đang chờ duyệt." in index
    agent = chain["users"]["a16741"]
    row = session.execute(select(ScopeCarryOver).where(ScopeCarryOver.user_id == agent.id)).scalars().one()
    resp = client.post("/offices/carry-over", data={"action": "approve", "ids": [str(row.id)]})
    assert resp.status_code == 302
    page = client.get("/offices/carry-over").get_data(as_text=True)
    assert "Đã duyệt 1 đề xuất." in page and 'id="decided-table"' in page and "Đã duyệt" in page
    resp = client.post("/offices/carry-over", data={"action": "reject", "ids": [str(row.id)]}, follow_redirects=True)
    assert "1 đề xuất đã được quyết định trước đó, không làm lại." in resp.get_data(as_text=True)
    session.expire_all()
    assert session.get(ScopeCarryOver, row.id).status == "approved"
    resp = client.post("/offices/carry-over", data={"action": "approve"})
    assert resp.status_code == 422 and "Hãy chọn ít nhất một đề xuất." in resp.get_data(as_text=True)
    rest = [r.id for r in session.execute(select(ScopeCarryOver).where(ScopeCarryOver.status == "pending")).scalars()]
    client.post("/offices/carry-over", data={"action": "reject", "ids": [str(i) for i in rest]})
    page = client.get("/offices/carry-over").get_data(as_text=True)
    assert "Không có đề xuất nào chờ duyệt." in page
    assert client.get("/offices/").status_code == 200
    assert "đang chờ duyệt" not in client.get("/offices/").get_data(as_text=True)


def test_carry_over_page_is_for_admins_only(client, chain, login):
    for username in ("leader", "head-412", "agent-16663"):
        client.post("/auth/logout")
        login(username)
        assert client.get("/offices/carry-over").status_code == 403
        assert client.post("/offices/carry-over", data={"action": "approve", "ids": ["1"]}).status_code == 403
