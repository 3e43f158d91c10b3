"""`planner demo`: real units, calibrated demo figures, users, and idempotence; with the shared
files, the four structures (2019: 480 units, 2020-2024: 460, 12/2024: 412, 7/2025: 130 communes in
office areas) and coverage from 2019-01 to 2026-11, each month on the structure in force."""
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
    assert first["CoverageRecord"] == 460 * (12 + 23)  # 2024 to November 2026
    assert first["User"] >= 2 + 21 + 21  # admin, leader, a head per district, agents
    # Without the shared files: one hierarchy version, no crosswalk, nothing before 2024.
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
    assert last.year == 2026 and last.month == 11


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
def test_demo_on_four_structures_from_2019_to_2026(runner, session, login):
    from planner.models import Conference, Target, User
    from planner.services import hierarchy, registry

    # --boundaries alone: the 2019 file, the reforms' files and the crosswalks next to it are picked up.
    result = runner.invoke(args=["demo", "--boundaries", REAL])
    assert result.exit_code == 0, result.output
    assert "480 liên kết" in result.output and "412 liên kết" in result.output
    versions = {v.name: v for v in session.execute(select(HierarchyVersion)).scalars()}
    v19, v20 = versions["Nghệ An 2019 (480 xã)"], versions["Nghệ An 2020–2024 (460 xã)"]
    v24, v25 = versions["Nghệ An 12/2024–6/2025 (412 xã)"], versions["Nghệ An từ 7/2025 (130 xã)"]
    assert [(v.valid_from, v.valid_to, v.middle_level) for v in (v19, v20, v24, v25)] == [
        (date(2019, 1, 1), date(2019, 12, 31), "district"), (date(2020, 1, 1), date(2024, 11, 30), "district"),
        (date(2024, 12, 1), date(2025, 6, 30), "district"), (date(2025, 7, 1), None, "office")]
    assert registry.current_version(session=session).id == v25.id and v25.is_current and not v20.is_current
    per_version = dict(session.execute(select(Commune.version_id, func.count()).group_by(Commune.version_id)).all())
    assert per_version == {v19.id: 480, v20.id: 460, v24.id: 412, v25.id: 130}
    middles = dict(session.execute(select(District.version_id, func.count()).group_by(District.version_id)).all())
    assert middles == {v19.id: 21, v20.id: 21, v24.id: 20, v25.id: 20}
    offices = session.execute(select(District.code, District.name, District.kind)
                              .where(District.version_id == v25.id)).all()
    assert ("417", "BHXH cơ sở Kỳ Sơn", "si_office") in offices
    shapes = dict(session.execute(select(Commune.version_id, func.count()).select_from(CommuneBoundary)
                                  .join(Commune).group_by(Commune.version_id)).all())
    assert shapes == {v19.id: 480, v20.id: 460, v24.id: 412, v25.id: 130}
    official = session.execute(select(func.count()).select_from(CrosswalkLink).where(CrosswalkLink.hops == 1)).scalar()
    assert official == 480 + 460 + 412
    for day, version in ((date(2019, 6, 15), v19), (date(2024, 11, 30), v20), (date(2024, 12, 1), v24),
                         (date(2025, 6, 30), v24), (date(2025, 7, 1), v25), (date(2026, 11, 1), v25)):
        assert hierarchy.version_for(session=session, day=day).id == version.id, day

    # Every month from 2019-01 to 2026-11 has coverage, on the units in force that month only.
    rows = session.execute(select(CoverageRecord.period, Commune.version_id, func.count())
                           .join(Commune).group_by(CoverageRecord.period, Commune.version_id)).all()
    months = list(_months(date(2019, 1, 1), date(2026, 11, 1)))
    assert sorted(p for p, _v, _n in rows) == months
    expected = {v19.id: 480, v20.id: 460, v24.id: 412, v25.id: 130}
    for period, version_id, count in rows:
        assert version_id == hierarchy.version_for(session=session, day=period).id and count == expected[version_id]

    # The province total of a month equals the sum of its communes in the version in force, and is
    # the same summed through the crosswalks into today's 130 communes.
    hi = lambda: CoverageRecord.hi_participants  # noqa: E731
    si = lambda: CoverageRecord.si_compulsory + CoverageRecord.si_voluntary  # noqa: E731
    series = hierarchy.province_series(session=session, version=v25, expression=hi, periods=months)
    for period in (date(2024, 11, 1), date(2024, 12, 1), date(2025, 6, 1), date(2025, 7, 1)):
        own = session.execute(select(func.sum(CoverageRecord.hi_participants))
                              .where(CoverageRecord.period == period)).scalar()
        assert series[period] == own, period
    steps = [abs(series[b] - series[a]) for a, b in zip(months, months[1:])]
    assert max(steps) < 0.005 * series[months[-1]]  # continuous across all three changes
    per_commune = hierarchy.coverage_in_version(session=session, version=v25, expression=hi, periods=months)
    assert {cid for cid, _p in per_commune} == set(session.execute(
        select(Commune.id).where(Commune.version_id == v25.id)).scalars())

    # Calibrated to the published provincial rates (shared/facts) within 0.2 percentage points,
    # computed as the app computes them: December participants over the year's denominators.
    si_series = hierarchy.province_series(session=session, version=v25, expression=si, periods=months)
    published = {2022: (92.0, 21.7), 2023: (93.0, 24.9), 2024: (94.0, 25.80)}
    for year, (hi_rate, si_rate) in published.items():
        pop, _y = hierarchy.denominators_in_version(session=session, version=v25, column=Denominator.population,
                                                    up_to_year=year)
        labour, _y = hierarchy.denominators_in_version(session=session, version=v25,
                                                       column=Denominator.labour_force, up_to_year=year)
        december = date(year, 12, 1)
        assert abs(series[december] / sum(pop.values()) * 100 - hi_rate) <= 0.2, year
        assert abs(si_series[december] / sum(labour.values()) * 100 - si_rate) <= 0.2, year
    assert (series[date(2023, 12, 1)], si_series[date(2023, 12, 1)]) == (2_936_308, 385_931)
    assert (series[date(2024, 12, 1)], si_series[date(2024, 12, 1)]) == (2_970_132, 430_771)

    def voluntary(period):
        return session.execute(select(func.sum(CoverageRecord.si_voluntary))
                               .where(CoverageRecord.period == period)).scalar()
    assert voluntary(date(2019, 12, 1)) == 49_447 and voluntary(date(2020, 9, 1)) == 68_818

    # Region I/III memberships to Decision 861's published counts; the real 131/QĐ-TTg coastal list.
    from planner.models import ClassificationMembership, ClassificationScheme
    counts = dict(session.execute(
        select(ClassificationMembership.category, func.count()).join(ClassificationScheme)
        .where(ClassificationScheme.code == "region_861").group_by(ClassificationMembership.category)).all())
    assert counts == {"I": 55, "III": 76}
    coastal = session.execute(select(Commune.name).join(ClassificationMembership).join(ClassificationScheme)
                              .where(ClassificationScheme.code == "coastal_131")).scalars().all()
    assert len(coastal) == 12 and "Xã Diễn Kim" in coastal

    # People on the new structure: heads of office areas, agents of new communes; targets of
    # 2026 on the 130 communes; the published 2024 conferences stay on the units they were held in.
    head = session.execute(select(User).where(User.username == "head-417")).scalars().one()
    assert session.get(District, head.district_id).version_id == v25.id
    commune_targets = session.execute(select(func.count()).select_from(Target).join(Commune, Commune.id == Target.unit_id)
                                      .where(Target.level == "commune", Target.year == 2026,
                                             Target.metric == "hi_coverage", Commune.version_id == v25.id)).scalar()
    assert commune_targets == 130
    held_2024 = session.execute(select(func.count(), func.sum(Conference.attendees))
                                .where(Conference.held_on.between(date(2024, 1, 1), date(2024, 11, 30)))).one()
    assert tuple(held_2024) == (1086, 47_663)
    assert all("minh họa" in s for s in session.execute(select(CoverageRecord.source).distinct()).scalars())

    # Through the API: 130 communes in 2026 for the leader; head-417 only the Kỳ Sơn office's.
    client = login("leader", "demo123")
    rows = client.get("/api/v1/progress?level=commune&year=2026&metric=hi_coverage").get_json()["rows"]
    assert len(rows) == 130
    client.post("/auth/logout")
    login("head-417", "demo123")
    rows = client.get("/api/v1/progress?level=commune&year=2026&metric=hi_coverage").get_json()["rows"]
    kyson = set(session.execute(select(Commune.code).where(Commune.district_id == head.district_id)).scalars())
    assert len(kyson) == 12 and {r["unit"]["code"] for r in rows} == kyson
    # The 2024 agent's three old communes wait for an admin, carried onto their successors.
    from planner.models import ScopeCarryOver
    assert session.execute(select(ScopeCarryOver.status, func.count()).group_by(ScopeCarryOver.status)).all() == [
        ("pending", 3)]

    # Twice changes nothing.
    first = _counts(session)
    again = runner.invoke(args=["demo", "--boundaries", REAL])
    assert again.exit_code == 0, again.output
    assert _counts(session) == first
    assert session.execute(select(func.count()).select_from(HierarchyVersion)).scalar() == 4


@pytest.mark.realdata
@pytest.mark.skipif(not REAL, reason="PLANNER_TEST_BOUNDARIES not set")
def test_demo_no_2019_keeps_one_version(runner, session):
    result = runner.invoke(args=["demo", "--boundaries", REAL, "--no-2019", "--no-reforms"])
    assert result.exit_code == 0, result.output
    assert session.execute(select(func.count()).select_from(HierarchyVersion)).scalar() == 1
    assert session.execute(select(func.min(CoverageRecord.period))).scalar() == date(2024, 1, 1)
