"""`planner demo`: real units, calibrated demo figures, users, and idempotence; with the 2019
files, the 480 units of 2019 beside the 460 and coverage from 2019-01 on."""
import os
from datetime import date

import pytest
from sqlalchemy import func, select

from planner.models import (
    AuditEvent, Commune, CommuneBoundary, CoverageRecord, CrosswalkLink, Denominator, District, HierarchyVersion,
    User,
)


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
    # Without the 2019 files: one hierarchy version, no crosswalk, nothing before 2024.
    assert session.execute(select(func.count()).select_from(HierarchyVersion)).scalar() == 1
    assert session.execute(select(func.count()).select_from(CrosswalkLink)).scalar() == 0
    assert session.execute(select(func.min(CoverageRecord.period))).scalar() == date(2024, 1, 1)
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


def test_demo_2019_files_go_together(runner, session, tmp_path):
    result = runner.invoke(args=["demo", "--boundaries-2019", str(tmp_path / "communes-2019.geojson")])
    assert result.exit_code == 2 and "--crosswalk" in result.output
    assert session.execute(select(func.count()).select_from(Commune)).scalar() == 0


REAL = os.environ.get("PLANNER_TEST_BOUNDARIES")


def _months(first, last):
    d = first
    while d <= last:
        yield d
        d = date(d.year + d.month // 12, d.month % 12 + 1, 1)


@pytest.mark.realdata
@pytest.mark.skipif(not REAL, reason="PLANNER_TEST_BOUNDARIES not set")
def test_demo_with_2019_hierarchy_and_coverage_from_2019(runner, session):
    # --boundaries alone: the 2019 file and the crosswalk next to it are picked up.
    result = runner.invoke(args=["demo", "--boundaries", REAL])
    assert result.exit_code == 0, result.output
    assert "480 links" in result.output
    versions = {v.name: v for v in session.execute(select(HierarchyVersion)).scalars()}
    old, new = versions["Nghệ An 2019 (480 xã)"], versions["Nghệ An 2020–2024 (460 xã)"]
    assert (old.valid_from, old.valid_to, old.is_current) == (date(2019, 1, 1), date(2019, 12, 31), False)
    assert new.is_current
    per_version = dict(session.execute(select(Commune.version_id, func.count()).group_by(Commune.version_id)).all())
    assert per_version == {old.id: 480, new.id: 460}
    shapes = session.execute(select(func.count()).select_from(CommuneBoundary).join(Commune)
                             .where(Commune.version_id == old.id)).scalar()
    assert shapes == 480
    assert session.execute(select(func.count()).select_from(CrosswalkLink)).scalar() == 480

    # Denominators: the 2019 census on the 480 units, with a labour force; every year after on the 460.
    pop19, labour19 = session.execute(select(func.sum(Denominator.population), func.sum(Denominator.labour_force))
                                      .join(Commune).where(Commune.version_id == old.id,
                                                           Denominator.year == 2019)).one()
    assert pop19 == 3_327_791 and 0.45 < labour19 / pop19 < 0.6
    years = dict(session.execute(select(Denominator.year, func.count()).join(Commune)
                                 .where(Commune.version_id == new.id).group_by(Denominator.year)).all())
    assert years == {y: 460 for y in range(2020, 2026)}

    # Every month from 2019-01 to 2025-10 has coverage: 480 units in 2019, 460 afterwards.
    counts = dict(session.execute(select(CoverageRecord.period, func.count()).group_by(CoverageRecord.period)).all())
    months = list(_months(date(2019, 1, 1), date(2025, 10, 1)))
    assert sorted(counts) == months
    assert all(counts[m] == (480 if m.year == 2019 else 460) for m in months)

    # The end-2024 totals are the published ones still; calibrated history in between.
    def totals(period):
        return session.execute(select(func.sum(CoverageRecord.hi_participants),
                                      func.sum(CoverageRecord.si_compulsory + CoverageRecord.si_voluntary),
                                      func.sum(CoverageRecord.si_voluntary))
                               .where(CoverageRecord.period == period)).one()

    def denominators(year):
        return session.execute(select(func.sum(Denominator.population), func.sum(Denominator.labour_force))
                               .where(Denominator.year == year)).one()

    hi, si, _vol = totals(date(2024, 12, 1))
    assert (hi, si) == (2_970_132, 430_771)
    assert totals(date(2019, 12, 1))[2] == 49_447 and totals(date(2020, 9, 1))[2] == 68_818
    hi22, si22, _vol = totals(date(2022, 12, 1))
    pop22, labour22 = denominators(2022)
    assert round(hi22 / pop22 * 100, 1) == 92.0 and round(si22 / labour22 * 100, 1) == 21.7
    assert all("minh họa" in s for s in session.execute(select(CoverageRecord.source).distinct()).scalars())
    assert all("minh họa" in s for s in session.execute(select(Denominator.source).distinct()).scalars())

    # Twice changes nothing.
    first = _counts(session)
    again = runner.invoke(args=["demo", "--boundaries", REAL])
    assert again.exit_code == 0, again.output
    assert _counts(session) == first
    assert session.execute(select(func.count()).select_from(HierarchyVersion)).scalar() == 2
    assert session.execute(select(func.count()).select_from(CrosswalkLink)).scalar() == 480


@pytest.mark.realdata
@pytest.mark.skipif(not REAL, reason="PLANNER_TEST_BOUNDARIES not set")
def test_demo_no_2019_keeps_one_version(runner, session):
    result = runner.invoke(args=["demo", "--boundaries", REAL, "--no-2019"])
    assert result.exit_code == 0, result.output
    assert session.execute(select(func.count()).select_from(HierarchyVersion)).scalar() == 1
    assert session.execute(select(func.min(CoverageRecord.period))).scalar() == date(2024, 1, 1)
