"""`planner demo`: real units, calibrated demo figures, users, and idempotence."""
from datetime import date

from sqlalchemy import func, select

from planner.models import AuditEvent, Commune, CoverageRecord, Denominator, District, User


def _counts(session):
    return {m.__name__: session.execute(select(func.count()).select_from(m)).scalar()
            for m in (District, Commune, Denominator, CoverageRecord, User, AuditEvent)}


def test_demo_builds_nghe_an_and_is_idempotent(runner, session):
    result = runner.invoke(args=["demo", "--password", "pw-demo-1"])
    assert result.exit_code == 0, result.output
    assert "leader" in result.output and "pw-demo-1" in result.output
    first = _counts(session)
    assert first["District"] == 21
    assert first["Commune"] == 460
    assert first["CoverageRecord"] == 460 * (12 + 10)  # 2024 and January-October 2025
    assert first["User"] >= 2 + 21 + 21  # admin, leader, a head per district, agents
    assert session.execute(select(Commune).where(Commune.code == "16663")).scalars().one().name == "Phường Đông Vĩnh"

    again = runner.invoke(args=["demo", "--password", "pw-demo-1"])
    assert again.exit_code == 0, again.output
    assert _counts(session) == first


def test_demo_is_calibrated_to_published_2024_figures(runner, session):
    assert runner.invoke(args=["demo"]).exit_code == 0
    pop, labour = session.execute(select(func.sum(Denominator.population), func.sum(Denominator.labour_force))
                                  .where(Denominator.year == 2024)).one()
    hi, si = session.execute(
        select(func.sum(CoverageRecord.hi_participants),
               func.sum(CoverageRecord.si_compulsory + CoverageRecord.si_voluntary))
        .where(CoverageRecord.period == date(2024, 12, 1))
    ).one()
    assert hi == 2_970_132 and si == 430_771
    assert round(hi / pop * 100, 1) == 94.0
    assert round(si / labour * 100, 2) == 25.80
    assert all("minh họa" in s for s in session.execute(select(CoverageRecord.source).distinct()).scalars())


def test_demo_communes_that_lost_cards_have_lower_coverage(runner, session):
    assert runner.invoke(args=["demo"]).exit_code == 0
    lost_flag = (Commune.lost_state_hi_people > 0).label("lost")
    rows = session.execute(
        select(lost_flag, func.sum(CoverageRecord.hi_participants), func.sum(Denominator.population))
        .join(CoverageRecord, CoverageRecord.commune_id == Commune.id)
        .join(Denominator, Denominator.commune_id == Commune.id)
        .where(CoverageRecord.period == date(2024, 12, 1), Denominator.year == 2024)
        .group_by(lost_flag)
    ).all()
    rate = {bool(lost): hi / pop for lost, hi, pop in rows}
    assert rate[True] < rate[False] - 0.05
    lost = session.execute(select(func.count(), func.sum(Commune.lost_state_hi_people)).where(Commune.lost_state_hi_people > 0)).one()
    assert lost[0] == 86 and lost[1] > 260_000


def test_demo_signs_in_with_printed_password(runner, client):
    assert runner.invoke(args=["demo", "--password", "pw-demo-2"]).exit_code == 0
    for username in ("leader", "head-417", "agent-16663"):
        resp = client.post("/auth/login", data={"username": username, "password": "pw-demo-2"})
        assert resp.status_code == 302, username
        client.post("/auth/logout")


def test_demo_has_field_work_to_review_and_report(runner, session):
    from planner.models import Activity, CashHandover, Conference
    from planner.services import fieldwork_reports

    assert runner.invoke(args=["demo"]).exit_code == 0
    statuses = dict(session.execute(select(Activity.status, func.count()).group_by(Activity.status)).all())
    assert statuses["approved"] > 0 and statuses["submitted"] > 0 and statuses["returned"] > 0
    assert session.execute(select(func.count()).select_from(Conference)).scalar() > 0
    assert session.execute(select(func.count()).select_from(CashHandover)).scalar() > 0
    # Report pages open on the last day with approved field work, not on an empty "today".
    last = fieldwork_reports.reference_day(session=session)
    assert last.year == 2025 and last.month == 10
