"""A small province in the two-level structure: the 2020-2024 districts beside the current July
2025 version whose middle level is grassroots office areas (BHXH cơ sở), with heads, agents,
population and 2026/2027 targets.

Offices of "Test 2025" (current):  412 BHXH cơ sở Vinh      16681 Phường Thành Vinh 20.000
                                                            16702 Phường Vinh Phú    10.000
                                   417 BHXH cơ sở Kỳ Sơn    16738 Xã Mường Xén        8.000
                                                            16750 Xã Mỹ Lý            4.000
                                   418 BHXH cơ sở Tương Dương 16800 Xã Tam Quang      6.000
2026 HI coverage targets: office 412 96% (28.800 people) split 16681 97% (19.400) + 16702 94%
(9.400); office 417 95% (11.400) split 16738 95% (7.600) + 16750 95% (3.800); office 418 0%.
2027 voluntary SI: commune 16738 300 people.
"""
from datetime import date

import pytest

from planner.models import Campaign, Commune, Denominator, District, HierarchyVersion, Province
from planner.services import targets
from tests.builders import add_user

OFFICES = {"412": "BHXH cơ sở Vinh", "417": "BHXH cơ sở Kỳ Sơn", "418": "BHXH cơ sở Tương Dương"}
COMMUNES = {  # code: (name, office, population)
    "16681": ("Phường Thành Vinh", "412", 20000),
    "16702": ("Phường Vinh Phú", "412", 10000),
    "16738": ("Xã Mường Xén", "417", 8000),
    "16750": ("Xã Mỹ Lý", "417", 4000),
    "16800": ("Xã Tam Quang", "418", 6000),
}


def office_province(session):
    """The world described above; returns a dict like tests.builders.small_province."""
    old = HierarchyVersion(name="Test 2020–2024", valid_from=date(2020, 1, 1), valid_to=date(2025, 6, 30),
                           is_current=False, middle_level="district")
    new = HierarchyVersion(name="Test 2025", valid_from=date(2025, 7, 1), is_current=True, middle_level="office")
    session.add_all([old, new])
    session.flush()
    old_p = Province(version_id=old.id, code="40", name="Tỉnh Nghệ An")
    p = Province(version_id=new.id, code="40", name="Tỉnh Nghệ An")
    session.add_all([old_p, p])
    session.flush()
    old_vinh = District(version_id=old.id, province_id=old_p.id, code="412", name="Thành phố Vinh", kind="city")
    session.add(old_vinh)
    session.flush()
    old_commune = Commune(version_id=old.id, district_id=old_vinh.id, code="16663", name="Phường Đông Vĩnh",
                          kind="ward")
    session.add(old_commune)
    offices = {code: District(version_id=new.id, province_id=p.id, code=code, name=name, kind="si_office")
               for code, name in OFFICES.items()}
    session.add_all(offices.values())
    session.flush()
    communes = {code: Commune(version_id=new.id, district_id=offices[office].id, code=code, name=name,
                              kind="ward" if name.startswith("Phường") else "commune")
                for code, (name, office, _pop) in COMMUNES.items()}
    session.add_all(communes.values())
    session.flush()
    for code, (_n, _o, pop) in COMMUNES.items():
        session.add(Denominator(commune_id=communes[code].id, year=2025, population=pop, labour_force=pop // 2,
                                source="test"))
    users = {
        "leader": add_user(session, "leader", "leader"),
        "admin": add_user(session, "admin", "admin"),
        "head": add_user(session, "head-412", "district_head", district=offices["412"]),
        "other_head": add_user(session, "head-417", "district_head", district=offices["417"]),
        "head_418": add_user(session, "head-418", "district_head", district=offices["418"]),
        "agent": add_user(session, "agent-16681", "agent", district=offices["412"], communes=[communes["16681"]]),
        "agent_ks": add_user(session, "agent-16738", "agent", district=offices["417"],
                             communes=[communes["16738"]]),
    }
    campaign = Campaign(name="Tháng vận động Tương Dương", start_date=date(2026, 10, 1), end_date=date(2026, 10, 31),
                        district_id=offices["418"].id)
    session.add(campaign)
    session.commit()
    leader, head, other = users["leader"], users["head"], users["other_head"]
    province_t = targets.set_target(session=session, user=leader, metric="hi_coverage", level="province",
                                    unit_id=p.id, year=2026, value=95.0, status="assigned")
    plan = {"province": province_t}
    for code, value in (("412", 96.0), ("417", 95.0), ("418", 0.0)):
        plan[code] = targets.set_target(session=session, user=leader, metric="hi_coverage", level="district",
                                        unit_id=offices[code].id, year=2026, value=value, status="assigned",
                                        parent_id=province_t.id)
    for code, value, office, user in (("16681", 97.0, "412", head), ("16702", 94.0, "412", head),
                                      ("16738", 95.0, "417", other), ("16750", 95.0, "417", other)):
        plan[code] = targets.set_target(session=session, user=user, metric="hi_coverage", level="commune",
                                        unit_id=communes[code].id, year=2026, value=value, status="assigned",
                                        parent_id=plan[office].id)
    plan["16738_vsi"] = targets.set_target(session=session, user=other, metric="voluntary_si", level="commune",
                                           unit_id=communes["16738"].id, year=2027, value=300)
    return {"version": new, "old_version": old, "province": p, "offices": offices, "districts": offices,
            "communes": communes, "old_district": old_vinh, "old_commune": old_commune, "users": users,
            "plan": plan, "campaign": campaign}


@pytest.fixture
def ow(session):
    """The office world (see the module docstring)."""
    return office_province(session)
