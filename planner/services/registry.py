"""Queries over the area registry, always limited to the user's scope."""
from sqlalchemy import and_, func, or_, select

from planner.models import (
    ClassificationMembership, ClassificationScheme, Commune, CoverageRecord, Denominator,
    District, HierarchyVersion,
)
from planner.services import scope
from planner.services.indicators import hi_coverage


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
