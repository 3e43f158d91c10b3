"""A small province redrawn twice, with numbers small enough to check by hand.

2020-01-01 – 2024-11-30 ("T460", districts 417 and 412)
  417: A 16738 TT Mường Xén  (Region I,   pop 3.800, lost 100)
       B 16741 Xã Mỹ Lý       (Region III, pop 4.000, lost 300, coastal)
       C 16744 Xã Bắc Lý      (Region III, pop 2.200)
       G 16747 Xã Na Ngoi     (pop 3.000)
  412: D 16663 P. Đông Vĩnh   (pop 15.000)
       E 16666 P. Hà Huy Tập  (pop 20.000, lost 50) – split 60 % / 40 %
       F 16669 P. Lê Lợi      (pop 10.000)
2024-12-01 – 2025-06-30 ("T412", districts 417 and 412; 2019 census rows only)
  417: AB 16738 TT Mường Xén (A + B, poor district), C2 16744 Xã Bắc Lý (C), G2 16747 Xã Na Ngoi (G)
  412: D2 16663 P. Đông Vĩnh (D + 60 % of E), F2 16669 P. Lê Lợi (F + 40 % of E)
2025-07-01 – ("T130", office areas 417 and 412, current; 2019 census and 2025 figures; this year's
HI target of office 417 95 %, of X 93 % this year and 94,5 % next year)
  417: X 16737 Xã Mường Xén (AB + C2), Z 16747 Xã Na Ngoi (G2)
  412: Y 16664 P. Trường Vinh (D2 + F2; Region II of its own; lost 7 of its own)

The Region I/II/III memberships of the 2020 units end at the first reform (30/11/2024); the
coastal ones run to the end of 2025. So on 01/09/2025 X is Region III for (4.000 + 2.200) /
10.000 = 62 % and Region I for 38 %, coastal for 40 %, poor for 7.500 / (7.500 + 2.500) = 75 %
(the 2024-12 units have only their 2019 census population).
"""
from datetime import date

from planner.models import (
    ClassificationMembership, ClassificationScheme, Commune, CoverageRecord, CrosswalkLink, Denominator,
    District, HierarchyVersion, Province,
)
from planner.services import hierarchy
from tests.builders import add_user

# code: (name, kind, district, 2024 population, 2024 labour force, 2019 census, lost cards)
UNITS_2020 = {
    "16738": ("Thị trấn Mường Xén", "township", "417", 3800, 2000, 3500, 100),
    "16741": ("Xã Mỹ Lý", "commune", "417", 4000, 2100, 3900, 300),
    "16744": ("Xã Bắc Lý", "commune", "417", 2200, 1200, 2100, 0),
    "16747": ("Xã Na Ngoi", "commune", "417", 3000, 1500, 2900, 0),
    "16663": ("Phường Đông Vĩnh", "ward", "412", 15000, 8000, 14000, 0),
    "16666": ("Phường Hà Huy Tập", "ward", "412", 20000, 11000, 19000, 50),
    "16669": ("Phường Lê Lợi", "ward", "412", 10000, 5500, 9500, 0),
}
# code: (name, kind, district, 2019 census)
UNITS_2024_12 = {
    "16738": ("Thị trấn Mường Xén", "township", "417", 7500),
    "16744": ("Xã Bắc Lý", "commune", "417", 2500),
    "16747": ("Xã Na Ngoi", "commune", "417", 2900),
    "16663": ("Phường Đông Vĩnh", "ward", "412", 25400),
    "16669": ("Phường Lê Lợi", "ward", "412", 17100),
}
UNITS_2025_07 = {
    "16737": ("Xã Mường Xén", "commune", "417", 10000, 0),
    "16747": ("Xã Na Ngoi", "commune", "417", 2900, 0),
    "16664": ("Phường Trường Vinh", "ward", "412", 42500, 7),
}
# 2025 population and labour force of the July 2025 communes (what targets are set on).
FIGURES_2025 = {"16737": (10100, 5400), "16747": (3050, 1550), "16664": (45500, 24000)}
# (old code, new code, share)
CROSSWALK_1 = [("16738", "16738", 1.0), ("16741", "16738", 1.0), ("16744", "16744", 1.0), ("16747", "16747", 1.0),
               ("16663", "16663", 1.0), ("16666", "16663", 0.6), ("16666", "16669", 0.4), ("16669", "16669", 1.0)]
CROSSWALK_2 = [("16738", "16737", 1.0), ("16744", "16737", 1.0), ("16747", "16747", 1.0),
               ("16663", "16664", 1.0), ("16669", "16664", 1.0)]
REGION = {"16738": "I", "16741": "III", "16744": "III"}
# HI participants by month of the 2020 units (Jan 2024 base Dec 2023, up to Nov 2024).
HI_2020 = {"16738": (3000, 3300), "16741": (3500, 3700), "16744": (1800, 2000), "16747": (2500, 2700),
           "16663": (14000, 14500), "16666": (18000, 19000), "16669": (9000, 9400)}
# HI participants of the 2024-12 units in December 2024 (the last month of 2024).
HI_DEC_2024 = {"16738": 7100, "16744": 2050, "16747": 2750, "16663": 26000, "16669": 17000}
# SI (compulsory, voluntary) of the 2024-12 units in December 2024.
SI_DEC_2024 = {"16738": (500, 120), "16744": (100, 40), "16747": (150, 30), "16663": (4000, 300),
               "16669": (2800, 200)}


def _version(session, name, valid_from, valid_to, middle_level="district", current=False):
    v = HierarchyVersion(name=name, valid_from=valid_from, valid_to=valid_to, middle_level=middle_level,
                         is_current=current)
    session.add(v)
    session.flush()
    p = Province(version_id=v.id, code="40", name="Tỉnh Nghệ An")
    session.add(p)
    session.flush()
    return v, p


def _districts(session, v, p, office=False):
    names = {"417": "Kỳ Sơn", "412": "Vinh"}
    out = {}
    for code, bare in names.items():
        if office:
            d = District(version_id=v.id, province_id=p.id, code=code, name="BHXH cơ sở " + bare, kind="si_office")
        else:
            d = District(version_id=v.id, province_id=p.id, code=code,
                         name=("Huyện " if code == "417" else "Thành phố ") + bare,
                         kind="rural_district" if code == "417" else "city")
        session.add(d)
        out[code] = d
    session.flush()
    return out


def build(session):
    """The three versions, their crosswalks (chained), figures, schemes, users and targets."""
    v1, p1 = _version(session, "T460", date(2020, 1, 1), date(2024, 11, 30))
    v2, p2 = _version(session, "T412", date(2024, 12, 1), date(2025, 6, 30))
    v3, p3 = _version(session, "T130", date(2025, 7, 1), None, middle_level="office", current=True)
    d1, d2, d3 = _districts(session, v1, p1), _districts(session, v2, p2), _districts(session, v3, p3, office=True)
    c1, c2, c3 = {}, {}, {}
    for code, (name, kind, dc, _pop, _lab, _census, lost) in UNITS_2020.items():
        c1[code] = Commune(version_id=v1.id, district_id=d1[dc].id, code=code, name=name, kind=kind,
                           lost_state_hi_people=lost)
    for code, (name, kind, dc, _census) in UNITS_2024_12.items():
        c2[code] = Commune(version_id=v2.id, district_id=d2[dc].id, code=code, name=name, kind=kind)
    for code, (name, kind, dc, _census, lost) in UNITS_2025_07.items():
        c3[code] = Commune(version_id=v3.id, district_id=d3[dc].id, code=code, name=name, kind=kind,
                           lost_state_hi_people=lost)
    session.add_all([*c1.values(), *c2.values(), *c3.values()])
    session.flush()
    for code, (_n, _k, _d, pop, lab, census, _l) in UNITS_2020.items():
        session.add(Denominator(commune_id=c1[code].id, year=2024, population=pop, labour_force=lab, source="t"))
        session.add(Denominator(commune_id=c1[code].id, year=2019, population=census, labour_force=0,
                                source="census"))
    for code, (_n, _k, _d, census) in UNITS_2024_12.items():
        session.add(Denominator(commune_id=c2[code].id, year=2019, population=census, labour_force=0,
                                source="census"))
    for code, (_n, _k, _d, census, _l) in UNITS_2025_07.items():
        session.add(Denominator(commune_id=c3[code].id, year=2019, population=census, labour_force=0,
                                source="census"))
        pop, lab = FIGURES_2025[code]
        session.add(Denominator(commune_id=c3[code].id, year=2025, population=pop, labour_force=lab, source="t"))
    for a, b, share in CROSSWALK_1:
        session.add(CrosswalkLink(from_commune_id=c1[a].id, to_commune_id=c2[b].id, share=share))
    for a, b, share in CROSSWALK_2:
        session.add(CrosswalkLink(from_commune_id=c2[a].id, to_commune_id=c3[b].id, share=share))
    session.flush()
    hierarchy.rebuild_chains(session=session)

    region = ClassificationScheme(code="region_861", name="Khu vực I/II/III", legal_basis="Quyết định 861/QĐ-TTg",
                                  valid_from=date(2021, 1, 1), valid_to=date(2025, 12, 31))
    coastal = ClassificationScheme(code="coastal_353", name="Xã ĐBKK vùng bãi ngang ven biển",
                                   legal_basis="Quyết định 353/QĐ-TTg", valid_from=date(2022, 1, 1),
                                   valid_to=date(2025, 12, 31))
    poor = ClassificationScheme(code="poor_district", name="Huyện nghèo", legal_basis="Quyết định 353/QĐ-TTg",
                                valid_from=date(2022, 1, 1), valid_to=date(2025, 12, 31))
    session.add_all([region, coastal, poor])
    session.flush()
    for code, category in REGION.items():  # ended at the first reform
        session.add(ClassificationMembership(scheme_id=region.id, commune_id=c1[code].id, category=category,
                                             valid_from=date(2021, 1, 1), valid_to=date(2024, 11, 30)))
    session.add(ClassificationMembership(scheme_id=coastal.id, commune_id=c1["16741"].id, category="yes",
                                         valid_from=date(2022, 1, 1), valid_to=date(2025, 12, 31)))
    session.add(ClassificationMembership(scheme_id=poor.id, commune_id=c2["16738"].id, category="yes",
                                         valid_from=date(2024, 12, 1), valid_to=date(2025, 12, 31)))
    session.add(ClassificationMembership(scheme_id=region.id, commune_id=c3["16664"].id, category="II",
                                         valid_from=date(2025, 7, 1), valid_to=date(2025, 12, 31)))

    for code, (dec23, nov24) in HI_2020.items():
        for period, hi in ((date(2023, 12, 1), dec23), (date(2024, 6, 1), (dec23 + nov24) // 2),
                           (date(2024, 11, 1), nov24)):
            session.add(CoverageRecord(commune_id=c1[code].id, period=period, hi_participants=hi,
                                       si_compulsory=hi // 10, si_voluntary=hi // 50, source="t"))
    for code, hi in HI_DEC_2024.items():
        compulsory, voluntary = SI_DEC_2024[code]
        session.add(CoverageRecord(commune_id=c2[code].id, period=date(2024, 12, 1), hi_participants=hi,
                                   si_compulsory=compulsory, si_voluntary=voluntary, source="t"))
        session.add(CoverageRecord(commune_id=c2[code].id, period=date(2025, 6, 1), hi_participants=hi + 100,
                                   si_compulsory=compulsory, si_voluntary=voluntary, source="t"))
    session.flush()
    users = {
        "leader": add_user(session, "leader", "leader"),
        "head": add_user(session, "head-417", "district_head", district=d3["417"]),
        "other_head": add_user(session, "head-412", "district_head", district=d3["412"]),
        "agent": add_user(session, "agent-16737", "agent", district=d3["417"], communes=[c3["16737"]]),
    }
    session.commit()
    from planner.services import targets

    year = date.today().year
    office = targets.set_target(session=session, user=users["leader"], metric="hi_coverage", level="district",
                                unit_id=d3["417"].id, year=year, value=95.0, status="assigned")
    for y, value in ((year, 93.0), (year + 1, 94.5)):
        targets.set_target(session=session, user=users["head"], metric="hi_coverage", level="commune",
                           unit_id=c3["16737"].id, year=y, value=value,
                           parent_id=office.id if y == year else None)
    return {"versions": (v1, v2, v3), "districts": (d1, d2, d3), "communes": (c1, c2, c3),
            "schemes": {"region": region, "coastal": coastal, "poor": poor}, "users": users}
