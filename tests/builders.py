"""Small builders that make test data readable: a two-district province with four communes."""
from datetime import date
from functools import lru_cache

from planner.auth.security import hash_password
from planner.models import (
    ClassificationMembership, ClassificationScheme, Commune, CoverageRecord, Denominator,
    District, HierarchyVersion, Province, User, UserCommune,
)

PASSWORD = "secret123"


@lru_cache(maxsize=1)
def password_hash():
    return hash_password(PASSWORD)


def add_user(session, username, role, *, district=None, communes=()):
    user = User(username=username, role=role, password_hash=password_hash(),
                district_id=district.id if district else None, full_name=username.title())
    session.add(user)
    session.flush()
    for c in communes:
        session.add(UserCommune(user_id=user.id, commune_id=c.id))
    return user


def small_province(session):
    """Version 2020-2024 with districts 412 (2 communes) and 417 (2 communes), figures for 2024."""
    v = HierarchyVersion(name="Test 2020–2024", valid_from=date(2020, 1, 1), valid_to=date(2024, 12, 31),
                         is_current=True)
    session.add(v)
    session.flush()
    p = Province(version_id=v.id, code="40", name="Tỉnh Nghệ An")
    session.add(p)
    session.flush()
    vinh = District(version_id=v.id, province_id=p.id, code="412", name="Thành phố Vinh", kind="city")
    kyson = District(version_id=v.id, province_id=p.id, code="417", name="Huyện Kỳ Sơn", kind="rural_district")
    session.add_all([vinh, kyson])
    session.flush()
    communes = {
        "16663": Commune(version_id=v.id, district_id=vinh.id, code="16663", name="Phường Đông Vĩnh", kind="ward"),
        "16666": Commune(version_id=v.id, district_id=vinh.id, code="16666", name="Phường Hà Huy Tập", kind="ward"),
        "16738": Commune(version_id=v.id, district_id=kyson.id, code="16738", name="Thị trấn Mường Xén", kind="township",
                         lost_state_hi_people=120),
        "16741": Commune(version_id=v.id, district_id=kyson.id, code="16741", name="Xã Mỹ Lý", kind="commune"),
    }
    session.add_all(communes.values())
    session.flush()
    region = ClassificationScheme(code="region_861", name="Khu vực I/II/III", legal_basis="Quyết định 861/QĐ-TTg",
                                  valid_from=date(2021, 1, 1), valid_to=date(2025, 12, 31))
    session.add(region)
    session.flush()
    session.add(ClassificationMembership(scheme_id=region.id, commune_id=communes["16741"].id, category="III",
                                         valid_from=date(2021, 1, 1)))
    session.add(ClassificationMembership(scheme_id=region.id, commune_id=communes["16738"].id, category="I",
                                         valid_from=date(2021, 1, 1)))
    figures = {"16663": (15000, 8000, 14500), "16666": (21000, 11000, 20000),
               "16738": (6000, 3000, 4800), "16741": (4000, 2000, None)}
    for code, (pop, labour, hi) in figures.items():
        c = communes[code]
        session.add(Denominator(commune_id=c.id, year=2024, population=pop, labour_force=labour, source="test"))
        if hi is not None:
            session.add(CoverageRecord(commune_id=c.id, period=date(2024, 12, 1), hi_participants=hi,
                                       si_compulsory=labour // 5, si_voluntary=labour // 20,
                                       ui_participants=labour // 6, source="test"))
    users = {
        "leader": add_user(session, "leader", "leader"),
        "admin": add_user(session, "admin", "admin"),
        "head": add_user(session, "head-412", "district_head", district=vinh),
        "other_head": add_user(session, "head-417", "district_head", district=kyson),
        "agent": add_user(session, "agent-16663", "agent", district=vinh, communes=[communes["16663"]]),
    }
    session.commit()
    return {"version": v, "province": p, "districts": {"412": vinh, "417": kyson}, "communes": communes,
            "users": users}


def small_plan(session, world, year=2024):
    """HI coverage targets for the small province: province 95% (assigned), district 412 96%
    (assigned), commune 16663 97% (draft). Returns {"province": t, "district_412": t, "commune_16663": t}."""
    from planner.services import targets

    leader = world["users"]["leader"]
    province = targets.set_target(session=session, user=leader, metric="hi_coverage", level="province",
                                  unit_id=world["province"].id, year=year, value=95.0, status="assigned")
    district = targets.set_target(session=session, user=leader, metric="hi_coverage", level="district",
                                  unit_id=world["districts"]["412"].id, year=year, value=96.0,
                                  status="assigned", parent_id=province.id)
    commune = targets.set_target(session=session, user=world["users"]["head"], metric="hi_coverage",
                                 level="commune", unit_id=world["communes"]["16663"].id, year=year,
                                 value=97.0, parent_id=district.id)
    return {"province": province, "district_412": district, "commune_16663": commune}
