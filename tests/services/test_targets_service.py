"""Targets: revisions, locking, optimistic versions, cascade by allocation, audit."""
from datetime import date

import pytest
from sqlalchemy import select

from planner.models import AuditEvent, Target
from planner.services import targets
from planner.services.targets import TargetConflict, TargetError


def test_rate_target_records_its_head_count_and_denominator(session, world):
    t = world["targets"]["province"]
    assert t.denominator == 46_000 and t.people == 43_700 and t.value == 95.0
    assert t.version == 1 and t.revision == 1 and t.status == "assigned"


def test_every_save_is_a_revision_and_audited(session, world):
    t = world["targets"]["province"]
    leader = world["users"]["leader"]
    targets.set_target(session=session, user=leader, metric="hi_coverage", level="province",
                       unit_id=t.unit_id, year=2024, value=96.0, expected_version=1, reason="Nghị quyết mới")
    revs = targets.revisions(session=session, target=t)
    assert [r.revision for r in revs] == [2, 1]
    assert revs[0].value == 96.0 and revs[0].reason == "Nghị quyết mới" and revs[0].changed_by == "leader"
    events = session.execute(select(AuditEvent).where(AuditEvent.entity == "target")).scalars().all()
    assert any(e.action == "update" and '"value": 96.0' in e.after for e in events)


def test_stale_version_is_a_conflict_and_loses_nothing(session, world, app):
    from planner.db import new_session

    t = world["targets"]["province"]
    leader = world["users"]["leader"]
    with new_session(app) as other:
        targets.set_target(session=other, user=leader, metric="hi_coverage", level="province",
                           unit_id=t.unit_id, year=2024, value=97.0, expected_version=1)
    with pytest.raises(TargetConflict) as caught:
        targets.set_target(session=session, user=leader, metric="hi_coverage", level="province",
                           unit_id=t.unit_id, year=2024, value=90.0, expected_version=1)
    assert caught.value.target.value == 97.0
    session.expire_all()
    assert session.get(Target, t.id).value == 97.0


def test_concurrent_writers_with_the_same_version_the_second_is_refused(session, world, app):
    """Both read version 1; the database's version check stops the slower one."""
    from planner.db import new_session

    t = world["targets"]["province"]
    with new_session(app) as a, new_session(app) as b:
        ta, tb = a.get(Target, t.id), b.get(Target, t.id)
        ta.value = 91.0
        a.commit()
        tb.value = 92.0
        with pytest.raises(Exception) as caught:
            b.commit()
        assert "StaleData" in type(caught.value).__name__
    session.expire_all()
    assert session.get(Target, t.id).value == 91.0


def test_accepted_target_needs_a_reason_to_change(session, world):
    t = world["targets"]["province"]
    leader = world["users"]["leader"]
    targets.change_status(session=session, user=leader, target=t, status="accepted", expected_version=1)
    with pytest.raises(TargetError, match="lý do"):
        targets.set_target(session=session, user=leader, metric="hi_coverage", level="province",
                           unit_id=t.unit_id, year=2024, value=96.0)
    updated = targets.set_target(session=session, user=leader, metric="hi_coverage", level="province",
                                 unit_id=t.unit_id, year=2024, value=96.0, reason="Điều chỉnh giữa năm")
    assert updated.status == "accepted" and updated.revision == 3


@pytest.mark.parametrize("value,message", [(-1, "âm"), (101, "100%"), (None, "giá trị")])
def test_bad_values_are_refused(session, world, value, message):
    with pytest.raises(TargetError, match=message):
        targets.set_target(session=session, user=world["users"]["leader"], metric="hi_coverage",
                           level="province", unit_id=world["province"].id, year=2025, value=value)


def test_head_count_target_for_a_rate_metric_converts(session, world):
    t = targets.set_target(session=session, user=world["users"]["leader"], metric="si_coverage",
                           level="district", unit_id=world["districts"]["412"].id, year=2024, people=5_700)
    assert t.denominator == 19_000 and t.value == pytest.approx(30.0)


def test_milestones_are_stored_within_the_year(session, world):
    t = targets.set_target(session=session, user=world["users"]["leader"], metric="voluntary_si", level="province",
                           unit_id=world["province"].id, year=2024, value=5000,
                           milestone_values={date(2024, 3, 1): 1200, date(2024, 6, 1): 2500})
    assert [m.value for m in targets.milestones(session=session, target=t)] == [1200, 2500]
    with pytest.raises(TargetError):
        targets.set_target(session=session, user=world["users"]["leader"], metric="voluntary_si",
                           level="province", unit_id=world["province"].id, year=2024, value=5000,
                           milestone_values={date(2025, 3, 1): 1})


@pytest.mark.parametrize("rule", ["population", "gap", "uplift"])
def test_district_allocates_to_communes_exactly(session, world, rule):
    parent = world["targets"]["district_412"]  # 96% of 36,000 = 34,560
    level, rows = targets.propose(session=session, parent=parent, rule=rule)
    assert level == "commune" and sum(r["proposed_people"] for r in rows) == parent.people
    written = targets.apply_allocation(session=session, user=world["users"]["head"], parent=parent, rule=rule,
                                       people_by_unit={r["unit"].id: r["proposed_people"] for r in rows})
    assert {t.status for t in written} == {"assigned"}
    assert targets.sum_of_children(session=session, target=parent) == (parent.people, 2)


def test_head_cannot_allocate_another_district(session, world):
    parent = targets.set_target(session=session, user=world["users"]["leader"], metric="hi_coverage",
                                level="district", unit_id=world["districts"]["417"].id, year=2024, value=90)
    level, rows = targets.propose(session=session, parent=parent, rule="population")
    with pytest.raises(TargetError, match="quyền"):
        targets.apply_allocation(session=session, user=world["users"]["head"], parent=parent, rule="population",
                                 people_by_unit={r["unit"].id: r["proposed_people"] for r in rows})
    assert targets.sum_of_children(session=session, target=parent) == (0, 0)  # nothing written


def test_permissions(session, world):
    u = world["users"]
    d412, d417 = world["districts"]["412"].id, world["districts"]["417"].id
    c16663 = world["communes"]["16663"].id
    assert targets.can_set(u["leader"], session=session, level="province", unit_id=world["province"].id)
    assert not targets.can_set(u["head"], session=session, level="district", unit_id=d412)
    assert targets.can_set(u["head"], session=session, level="commune", unit_id=c16663)
    assert not targets.can_set(u["other_head"], session=session, level="commune", unit_id=c16663)
    assert not targets.can_set(u["agent"], session=session, level="commune", unit_id=c16663)
    assert targets.can_view(u["agent"], session=session, level="commune", unit_id=c16663)
    assert not targets.can_view(u["agent"], session=session, level="district", unit_id=d417)
    assert targets.can_accept(u["head"], session=session, target=world["targets"]["district_412"])
    assert not targets.can_accept(u["other_head"], session=session, target=world["targets"]["district_412"])
