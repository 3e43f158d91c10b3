"""Field work and a 2019 hierarchy version for the dashboard tests, on the small province of
tests/builders.py (figures worked out by hand in the tests' docstrings).

Field work (only approved entries count; returned ones are never shown):
  16663 (412): conference 01/11/2024 propaganda 50 attendees, 20/11/2024 policy dialogue 30,
               25/11/2024 customer 40 *submitted*; activities 30/10 9 new VSI, 05/11 3 VSI + 2 HHI,
               22/11 4 VSI, 25/12 7 VSI, 06/11 10 VSI *submitted*
  16666 (412): conference 05/11/2024 *returned*
  16741 (417): conference 10/12/2024 small group 20 attendees; activity 12/11 2 VSI (agent-16741)
"""
from datetime import date

import pytest

from planner.models import (
    Commune,
    CoverageRecord,
    CrosswalkLink,
    Denominator,
    District,
    HierarchyVersion,
    Province,
)
from tests import builders
from tests.fieldwork_reports.conftest import act, conf


@pytest.fixture
def fieldwork(session, world):
    other = builders.add_user(session, "agent-16741", "agent", district=world["districts"]["417"],
                              communes=[world["communes"]["16741"]])
    other.full_name = "Lò Thị Mai"
    world["users"]["agent"].full_name = "Nguyễn Thị Hương"
    world["users"]["other_agent"] = other
    session.add_all([
        conf(world, 1, date(2024, 11, 1), "propaganda", "farmers,traders", 50, 5, 1_000_000),
        conf(world, 2, date(2024, 11, 20), "policy_dialogue", "returned_workers", 30, 2, 600_000),
        conf(world, 3, date(2024, 11, 25), "customer", "farmers", 40, 9, 100, status="submitted"),
        conf(world, 4, date(2024, 11, 5), "customer", "farmers", 60, 1, 100, status="returned", code="16666"),
        conf(world, 5, date(2024, 12, 10), "small_group", "farmers", 20, 1, 100, code="16741"),
        act(world, 1, date(2024, 11, 5), 3, 2, visits=12),
        act(world, 2, date(2024, 11, 22), 4, 0, visits=8),
        act(world, 3, date(2024, 12, 25), 7, 0),
        act(world, 4, date(2024, 10, 30), 9, 0),
        act(world, 5, date(2024, 11, 6), 10, 0, status="submitted"),
        act(world, 6, date(2024, 11, 12), 2, 0, code="16741", agent=other, amount=300_000, receipts=300_000),
    ])
    session.commit()
    return world


@pytest.fixture
def reform(session, world):
    """A 2019 version of Vinh (16663, 16664, 16666; 16664 merged into 16666 in 2020) with its
    2019 population and December 2019 coverage, the crosswalk onto the current version, and a
    2019 HI target of 90.6% set on the 2019 province.

    In the current units, December 2019: 16663 12.000 of 14.000; 16666 4.000 + 15.000 = 19.000 of
    5.000 + 16.000 = 21.000 -> the province 31.000 / 35.000 = 88,57%."""
    from planner.services import targets

    v = HierarchyVersion(name="Vinh 2019", valid_from=date(2019, 1, 1), valid_to=date(2019, 12, 31),
                         is_current=False)
    session.add(v)
    session.flush()
    p = Province(version_id=v.id, code="40", name="Tỉnh Nghệ An")
    session.add(p)
    session.flush()
    d = District(version_id=v.id, province_id=p.id, code="412", name="Thành phố Vinh", kind="city")
    session.add(d)
    session.flush()
    old = {}
    for code, name, pop, hi in (("16663", "Phường Đông Vĩnh", 14000, 12000), ("16664", "Xã Hưng Thịnh", 5000, 4000),
                                ("16666", "Phường Hà Huy Tập", 16000, 15000)):
        old[code] = Commune(version_id=v.id, district_id=d.id, code=code, name=name, kind="ward")
        session.add(old[code])
        session.flush()
        session.add(Denominator(commune_id=old[code].id, year=2019, population=pop, labour_force=pop // 2,
                                source="test"))
        session.add(CoverageRecord(commune_id=old[code].id, period=date(2019, 12, 1), hi_participants=hi,
                                   si_compulsory=pop // 10, si_voluntary=0, source="test"))
    new = world["communes"]
    for a, b in (("16663", "16663"), ("16664", "16666"), ("16666", "16666")):
        session.add(CrosswalkLink(from_commune_id=old[a].id, to_commune_id=new[b].id, share=1.0))
    session.commit()
    targets.set_target(session=session, user=world["users"]["leader"], metric="hi_coverage", level="province",
                       unit_id=p.id, year=2019, value=90.6, status="assigned")
    world["old_version"] = v
    return world
