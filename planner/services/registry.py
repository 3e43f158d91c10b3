"""Queries over the area registry, always limited to the user's scope."""
import json
import unicodedata
from datetime import date

from sqlalchemy import and_, func, or_, select

from planner.models import (
    AuditEvent, ClassificationMembership, ClassificationScheme, Commune, CoverageRecord, Denominator,
    District, HierarchyVersion,
)
from planner.services import scope
from planner.services.indicators import hi_coverage, si_coverage, ui_coverage


def current_version(*, session):
    """The hierarchy version marked current (or the newest one)."""
    stmt = select(HierarchyVersion).order_by(HierarchyVersion.is_current.desc(), HierarchyVersion.valid_from.desc())
    return session.execute(stmt).scalars().first()


def latest_period(*, session, version_id):
    """The latest month with coverage records in this hierarchy version."""
    return session.execute(
        select(func.max(CoverageRecord.period))
        .join(Commune, Commune.id == CoverageRecord.commune_id)
        .where(Commune.version_id == version_id)
    ).scalar()


def latest_denominator_year(*, session, version_id, up_to=None):
    stmt = (
        select(func.max(Denominator.year))
        .join(Commune, Commune.id == Denominator.commune_id)
        .where(Commune.version_id == version_id)
    )
    if up_to is not None:
        stmt = stmt.where(Denominator.year <= up_to)
    return session.execute(stmt).scalar()


def scope_summary(*, session, user):
    """Headline figures for the user's area: units, population, HI participants and coverage."""
    version = current_version(session=session)
    if version is None:
        return {"version": None}
    period = latest_period(session=session, version_id=version.id)
    year = latest_denominator_year(session=session, version_id=version.id,
                                   up_to=period.year if period else None)
    in_scope = and_(Commune.version_id == version.id, scope.commune_filter(user))
    communes = session.execute(select(func.count(Commune.id)).where(in_scope)).scalar()
    districts = session.execute(
        select(func.count(func.distinct(Commune.district_id))).where(in_scope)
    ).scalar()
    population = session.execute(
        select(func.sum(Denominator.population), func.sum(Denominator.labour_force))
        .join(Commune, Commune.id == Denominator.commune_id)
        .where(in_scope, Denominator.year == year)
    ).one()
    cov = session.execute(
        select(
            func.sum(CoverageRecord.hi_participants),
            func.sum(CoverageRecord.si_compulsory + CoverageRecord.si_voluntary),
            func.sum(CoverageRecord.ui_participants),
        )
        .join(Commune, Commune.id == CoverageRecord.commune_id)
        .where(in_scope, CoverageRecord.period == period)
    ).one()
    pop, labour = population
    hi, si, ui = cov
    return {
        "version": version,
        "period": period,
        "year": year,
        "communes": communes,
        "districts": districts,
        "population": pop,
        "labour_force": labour,
        "hi": hi,
        "si": si,
        "ui": ui,
        "hi_rate": hi_coverage(hi, pop),
        "si_rate": (si / labour) if si is not None and labour else None,
        "ui_rate": (ui / labour) if ui is not None and labour else None,
    }


# --- the area registry pages --------------------------------------------------------------

REGION_SCHEME = "region_861"


def fold(text):
    """Lower-case text without diacritics, for search: 'Phường Đông Vĩnh' -> 'phuong dong vinh'."""
    text = str(text or "").replace("đ", "d").replace("Đ", "D")
    plain = "".join(ch for ch in unicodedata.normalize("NFD", text) if not unicodedata.combining(ch))
    return " ".join(plain.lower().split())


def figures_basis(*, session, version_id):
    """(latest coverage month, denominator year used with it) of a hierarchy version."""
    period = latest_period(session=session, version_id=version_id)
    year = latest_denominator_year(session=session, version_id=version_id,
                                   up_to=period.year if period else None)
    return period, year


def reference_date(version):
    """The day whose classifications apply to a hierarchy version: today, or its last day if past."""
    today = date.today()
    if version is not None and version.valid_to is not None and version.valid_to < today:
        return version.valid_to
    return today


def classifications_in_force(*, session, commune_ids, on=None):
    """{commune_id: [(scheme, membership), ...]} of the memberships valid on a day (default today)."""
    on = on or date.today()
    result = {}
    if not commune_ids:
        return result
    rows = session.execute(
        select(ClassificationMembership, ClassificationScheme)
        .join(ClassificationScheme, ClassificationScheme.id == ClassificationMembership.scheme_id)
        .where(
            ClassificationMembership.commune_id.in_(list(commune_ids)),
            ClassificationMembership.valid_from <= on,
            or_(ClassificationMembership.valid_to.is_(None), ClassificationMembership.valid_to >= on),
        )
        .order_by(ClassificationScheme.code, ClassificationMembership.valid_from)
    ).all()
    for membership, scheme in rows:
        result.setdefault(membership.commune_id, []).append((scheme, membership))
    return result


def _region_of(in_force):
    for scheme, membership in in_force:
        if scheme.code == REGION_SCHEME:
            return membership.category
    return None


def district_rows(*, session, user, version):
    """Districts the user sees, with commune count, population, HI participants and coverage."""
    period, year = figures_basis(session=session, version_id=version.id)
    in_scope = and_(Commune.version_id == version.id, scope.commune_filter(user))
    counts = dict(session.execute(
        select(Commune.district_id, func.count(Commune.id)).where(in_scope).group_by(Commune.district_id)
    ).all())
    population = dict(session.execute(
        select(Commune.district_id, func.sum(Denominator.population))
        .join(Commune, Commune.id == Denominator.commune_id)
        .where(in_scope, Denominator.year == year).group_by(Commune.district_id)
    ).all()) if year else {}
    hi = dict(session.execute(
        select(Commune.district_id, func.sum(CoverageRecord.hi_participants))
        .join(Commune, Commune.id == CoverageRecord.commune_id)
        .where(in_scope, CoverageRecord.period == period).group_by(Commune.district_id)
    ).all()) if period else {}
    districts = session.execute(
        select(District).where(District.version_id == version.id, scope.district_filter(user))
        .order_by(District.code)
    ).scalars().all()
    rows = []
    for d in districts:
        pop, participants = population.get(d.id), hi.get(d.id)
        rows.append({"district": d, "communes": counts.get(d.id, 0), "population": pop,
                     "hi": participants, "hi_rate": hi_coverage(participants, pop)})
    return {"rows": rows, "period": period, "year": year}


def commune_rows(*, session, user, version, q="", district_code="", kind="", region="",
                 page=1, page_size=50):
    """One page of the communes the user sees, filtered, with their figures.

    Search compares diacritic-free keys in Python: a province has a few hundred communes.
    region: "I", "II", "III" or "none" (no Region class in force on the version's reference date).
    """
    stmt = (
        select(Commune, District)
        .join(District, District.id == Commune.district_id)
        .where(Commune.version_id == version.id, scope.commune_filter(user))
        .order_by(Commune.code)
    )
    if district_code:
        stmt = stmt.where(District.code == district_code)
    if kind:
        stmt = stmt.where(Commune.kind == kind)
    rows = session.execute(stmt).all()
    if q and q.strip():
        key = fold(q)
        rows = [r for r in rows if key in fold(f"{r[0].code} {r[0].name}")]
    in_force = classifications_in_force(session=session, commune_ids=[c.id for c, _ in rows],
                                        on=reference_date(version))
    if region:
        wanted = None if region == "none" else region
        rows = [r for r in rows if _region_of(in_force.get(r[0].id, ())) == wanted]
    total = len(rows)
    pages = max(1, -(-total // page_size))
    page = min(max(1, page), pages)
    shown = rows[(page - 1) * page_size: page * page_size]
    period, year = figures_basis(session=session, version_id=version.id)
    ids = [c.id for c, _ in shown]
    population = dict(session.execute(
        select(Denominator.commune_id, Denominator.population)
        .where(Denominator.commune_id.in_(ids), Denominator.year == year)
    ).all()) if ids and year else {}
    hi = dict(session.execute(
        select(CoverageRecord.commune_id, CoverageRecord.hi_participants)
        .where(CoverageRecord.commune_id.in_(ids), CoverageRecord.period == period)
    ).all()) if ids and period else {}
    items = []
    for commune, district in shown:
        pop, participants = population.get(commune.id), hi.get(commune.id)
        items.append({"commune": commune, "district": district, "population": pop, "hi": participants,
                      "hi_rate": hi_coverage(participants, pop),
                      "region": _region_of(in_force.get(commune.id, ()))})
    return {"items": items, "total": total, "page": page, "pages": pages, "period": period, "year": year}


def find_district(*, session, version, code):
    return session.execute(
        select(District).where(District.version_id == version.id, District.code == code)
    ).scalars().first()


def find_commune(*, session, version, code):
    return session.execute(
        select(Commune).where(Commune.version_id == version.id, Commune.code == code)
    ).scalars().first()


def commune_figures(*, session, commune):
    """Denominators by year (newest first) and monthly coverage with HI/SI/UI rates (newest first)."""
    denominators = session.execute(
        select(Denominator).where(Denominator.commune_id == commune.id).order_by(Denominator.year.desc())
    ).scalars().all()
    by_year = {d.year: d for d in denominators}
    records = session.execute(
        select(CoverageRecord).where(CoverageRecord.commune_id == commune.id)
        .order_by(CoverageRecord.period.desc())
    ).scalars().all()
    coverage = []
    for r in records:
        # The year's own denominator, else the latest earlier one.
        basis = by_year.get(r.period.year) or next(
            (d for d in denominators if d.year <= r.period.year), None)
        coverage.append({
            "record": r, "denominator": basis,
            "hi_rate": hi_coverage(r.hi_participants, basis.population if basis else None),
            "si_rate": si_coverage(r.si_compulsory, r.si_voluntary, basis.labour_force if basis else None),
            "ui_rate": ui_coverage(r.ui_participants, basis.labour_force if basis else None),
        })
    return {"denominators": denominators, "coverage": coverage}


def population_of(*, session, commune_id, year):
    return session.execute(
        select(Denominator.population).where(Denominator.commune_id == commune_id, Denominator.year == year)
    ).scalar()


def audit_history_count(*, session, commune):
    return session.execute(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.commune_id == commune.id)
    ).scalar()


def audit_history(*, session, commune, limit=200, offset=0):
    """The commune's audit events, newest first, each with its changed fields as (field, before, after)."""
    events = session.execute(
        select(AuditEvent).where(AuditEvent.commune_id == commune.id)
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(limit).offset(offset)
    ).scalars().all()
    history = []
    for e in events:
        before = json.loads(e.before) if e.before else {}
        after = json.loads(e.after) if e.after else {}
        keys = [k for k in (after or before) if k != "id"]
        if e.action == "update":
            changes = [(k, before.get(k), after.get(k)) for k in keys if before.get(k) != after.get(k)]
        elif e.action == "create":
            changes = [(k, None, after.get(k)) for k in keys]
        else:
            changes = [(k, before.get(k), None) for k in keys]
        history.append({"event": e, "changes": changes})
    return history
