"""A small province through four hierarchy versions, the last one with grassroots SI office
areas (BHXH cơ sở) as its middle level, for the tests of pages and services on an office version.

Versions (valid from – to) and their units:
  2019     2019-01-01 – 2019-12-31  412: 16663, 16664, 16666    417: 16738, 16741, 16747
  2020     2020-01-01 – 2024-11-30  412: 16663, 16666 (+16664)  417: 16738, 16741, 16747
  2024-12  2024-12-01 – 2025-06-30  412: 16663, 16666           417: 16738, 16741 (+16747)
  2025-07  2025-07-01 –  (current, middle level "office")
           office 412 "BHXH cơ sở Vinh":   16678 Phường Thành Vinh (16663 + 16666)
           office 417 "BHXH cơ sở Kỳ Sơn": 16737 Xã Mường Xén (16738), 16740 Xã Mỹ Lý (16741)

Every 2019 unit is an "atom" whose people never move: its HI participants in month t (t = 0 in
January 2019) are BASE_HI + 10 t, so the province has ATOM_BASE + 60 t in every month from
01/2019 to 11/2026 whatever the version the month was recorded in. Each month is recorded once,
on the units of the version in force then. Population and labour force are constant per atom
(45.000 and 22.500 for the province) and recorded once per version (years 2019, 2020, 2024, 2025).
"""
from datetime import date

from planner.models import (
    ClassificationMembership, ClassificationScheme, Commune, CoverageRecord, CrosswalkLink, Denominator, District,
    HierarchyVersion, Province,
)
from planner.models.areas import OFFICE_KIND
from planner.services import hierarchy
from tests import builders

# atom code: (name, district code, base HI participants in 01/2019, population, labour force)
ATOMS = {
    "16663": ("Phường Đông Vĩnh", "412", 10000, 12000, 6000),
    "16664": ("Xã Hưng Thịnh", "412", 3000, 4000, 2000),
    "16666": ("Phường Hà Huy Tập", "412", 14000, 16000, 8000),
    "16738": ("Thị trấn Mường Xén", "417", 4000, 6000, 3000),
    "16741": ("Xã Mỹ Lý", "417", 2000, 4000, 2000),
    "16747": ("Xã Tây Sơn", "417", 1500, 3000, 1500),
}
PROVINCE_BASE_HI = sum(a[2] for a in ATOMS.values())  # 34.500 in 01/2019
PROVINCE_POPULATION = sum(a[3] for a in ATOMS.values())  # 45.000
PROVINCE_LABOUR = sum(a[4] for a in ATOMS.values())  # 22.500
FIRST, LAST = date(2019, 1, 1), date(2026, 11, 1)

# version name: (valid from, valid to, middle level, {unit code: (name, middle code, [atom codes])},
#                denominator year)
VERSIONS = {
    "2019": (date(2019, 1, 1), date(2019, 12, 31), "district",
             {code: (a[0], a[1], [code]) for code, a in ATOMS.items()}, 2019),
    "2020": (date(2020, 1, 1), date(2024, 11, 30), "district", {
        "16663": ("Phường Đông Vĩnh", "412", ["16663"]),
        "16666": ("Phường Hà Huy Tập", "412", ["16664", "16666"]),
        "16738": ("Thị trấn Mường Xén", "417", ["16738"]),
        "16741": ("Xã Mỹ Lý", "417", ["16741"]),
        "16747": ("Xã Tây Sơn", "417", ["16747"])}, 2020),
    "2024-12": (date(2024, 12, 1), date(2025, 6, 30), "district", {
        "16663": ("Phường Đông Vĩnh", "412", ["16663"]),
        "16666": ("Phường Hà Huy Tập", "412", ["16664", "16666"]),
        "16738": ("Thị trấn Mường Xén", "417", ["16738"]),
        "16741": ("Xã Mỹ Lý", "417", ["16741", "16747"])}, 2024),
    "2025-07": (date(2025, 7, 1), None, "office", {
        "16678": ("Phường Thành Vinh", "412", ["16663", "16664", "16666"]),
        "16737": ("Xã Mường Xén", "417", ["16738"]),
        "16740": ("Xã Mỹ Lý", "417", ["16741", "16747"])}, 2025),
}
DISTRICT_NAMES = {"412": ("Thành phố Vinh", "city"), "417": ("Huyện Kỳ Sơn", "rural_district")}
OFFICE_NAMES = {"412": "BHXH cơ sở Vinh", "417": "BHXH cơ sở Kỳ Sơn"}


def months(start=FIRST, end=LAST):
    day = start
    while day <= end:
        yield day
        day = date(day.year + (day.month == 12), day.month % 12 + 1, 1)


def month_index(period):
    return (period.year - 2019) * 12 + period.month - 1


def province_hi(period):
    """The province's HI participants in a month, in any version's units."""
    return PROVINCE_BASE_HI + 60 * month_index(period)


def _kind(name):
    return "ward" if name.startswith("Phường") else "township" if name.startswith("Thị trấn") else "commune"


def four_versions(session):
    """Build the four versions, their crosswalks (chained by hierarchy.rebuild_chains), monthly
    coverage on the version in force each month, denominators, users on the office version
    (leader, admin, head-417 on office 417, agent-16737) and a Region III class for 16740.

    Returns {"versions": {name: version}, "provinces", "districts": {name: {code: District}},
    "communes": {name: {code: Commune}}, "users", "version" (the office one), "office": {code: District}}."""
    versions, provinces, districts, communes = {}, {}, {}, {}
    for name, (start, end, level, units, _year) in VERSIONS.items():
        v = HierarchyVersion(name=f"Thử {name}", valid_from=start, valid_to=end, is_current=end is None,
                             middle_level=level)
        session.add(v)
        session.flush()
        p = Province(version_id=v.id, code="40", name="Tỉnh Nghệ An")
        session.add(p)
        session.flush()
        districts[name] = {}
        for code in sorted({u[1] for u in units.values()}):
            if level == "office":
                d = District(version_id=v.id, province_id=p.id, code=code, name=OFFICE_NAMES[code], kind=OFFICE_KIND)
            else:
                dname, kind = DISTRICT_NAMES[code]
                d = District(version_id=v.id, province_id=p.id, code=code, name=dname, kind=kind)
            session.add(d)
            districts[name][code] = d
        session.flush()
        communes[name] = {}
        for code, (cname, dcode, _atoms) in units.items():
            c = Commune(version_id=v.id, district_id=districts[name][dcode].id, code=code, name=cname,
                        kind=_kind(cname))
            session.add(c)
            communes[name][code] = c
        session.flush()
        versions[name], provinces[name] = v, p
    _crosswalks(session, communes)
    _figures(session, versions, communes)
    region = ClassificationScheme(code="region_861", name="Khu vực I/II/III", legal_basis="Quyết định 861/QĐ-TTg",
                                  valid_from=date(2021, 1, 1), valid_to=None)
    session.add(region)
    session.flush()
    session.add(ClassificationMembership(scheme_id=region.id, commune_id=communes["2025-07"]["16740"].id,
                                         category="III", valid_from=date(2025, 7, 1)))
    office = districts["2025-07"]
    users = {
        "leader": builders.add_user(session, "leader", "leader"),
        "admin": builders.add_user(session, "admin", "admin"),
        "head": builders.add_user(session, "head-417", "district_head", district=office["417"]),
        "agent": builders.add_user(session, "agent-16737", "agent", district=office["417"],
                                   communes=[communes["2025-07"]["16737"]]),
    }
    session.commit()
    return {"versions": versions, "provinces": provinces, "districts": districts, "communes": communes,
            "users": users, "version": versions["2025-07"], "province": provinces["2025-07"], "office": office}


def _crosswalks(session, communes):
    names = list(VERSIONS)
    for old, new in zip(names, names[1:]):
        new_units = VERSIONS[new][3]
        for new_code, (_n, _d, atoms) in new_units.items():
            for old_code, (_n2, _d2, old_atoms) in VERSIONS[old][3].items():
                if set(old_atoms) <= set(atoms):
                    session.add(CrosswalkLink(from_commune_id=communes[old][old_code].id,
                                              to_commune_id=communes[new][new_code].id, share=1.0))
    session.flush()
    hierarchy.rebuild_chains(session=session)


def _figures(session, versions, communes):
    rows = []
    for name, (start, end, _level, units, year) in VERSIONS.items():
        for code, (_n, _d, atoms) in units.items():
            commune = communes[name][code]
            rows.append(Denominator(commune_id=commune.id, year=year, population=sum(ATOMS[a][3] for a in atoms),
                                    labour_force=sum(ATOMS[a][4] for a in atoms), source="test"))
        for period in months(max(start, FIRST), min(end or LAST, LAST)):
            t = month_index(period)
            for code, (_n, _d, atoms) in units.items():
                labour = sum(ATOMS[a][4] for a in atoms)
                rows.append(CoverageRecord(
                    commune_id=communes[name][code].id, period=period,
                    hi_participants=sum(ATOMS[a][2] + 10 * t for a in atoms),
                    si_compulsory=labour // 5 + 2 * t * len(atoms), si_voluntary=labour // 20,
                    ui_participants=labour // 10, source="test"))
    session.add_all(rows)
    session.flush()
