"""Helpers for the targets pages: 2025 coverage to measure pace against, and reading back the
allocation screen's inputs the way a browser would submit them."""
import re
from datetime import date

import pytest

from planner.models import CoverageRecord

# HI participants at the end of June 2025 (December 2024 is in the builders): 16663 on track,
# 16666 off track and 16738 at risk against the commune targets of `paced` below.
JUNE_2025 = {"16663": 14750, "16666": 20350, "16738": 5060}


def add_coverage(session, world, figures, period=date(2025, 6, 1)):
    for code, hi in figures.items():
        session.add(CoverageRecord(commune_id=world["communes"][code].id, period=period, hi_participants=hi,
                                   si_compulsory=0, si_voluntary=0, ui_participants=0, source="test"))
    session.commit()


@pytest.fixture
def paced(session, world):
    """June 2025 coverage plus 2025 HI targets: province 95%, communes 16663/16666 100%, 16738 90%."""
    from planner.services import targets

    add_coverage(session, world, JUNE_2025)
    leader, head, other = world["users"]["leader"], world["users"]["head"], world["users"]["other_head"]
    province = targets.set_target(session=session, user=leader, metric="hi_coverage", level="province",
                                  unit_id=world["province"].id, year=2025, value=95.0, status="assigned")
    for code, value, user in (("16663", 100.0, head), ("16666", 100.0, head), ("16738", 90.0, other)):
        targets.set_target(session=session, user=user, metric="hi_coverage", level="commune",
                           unit_id=world["communes"][code].id, year=2025, value=value, status="assigned")
    world["province_2025"] = province
    return world


def page_inputs(html):
    """{unit_id: value} of the allocation inputs, and {unit_id: version} of the hidden versions."""
    people = {int(uid): value for uid, value in
              re.findall(r'name="people-(\d+)" id="people-\d+" value="([^"]*)"', html)}
    versions = {int(uid): value for uid, value in re.findall(r'name="version-(\d+)" value="([^"]*)"', html)}
    return people, versions


def allocation_form(html, rule, overrides=None, reason=""):
    """The POST body a browser sends from the allocation screen (proposal, maybe edited)."""
    people, versions = page_inputs(html)
    people.update(overrides or {})
    data = {f"people-{uid}": str(v) for uid, v in people.items()}
    data.update({f"version-{uid}": v for uid, v in versions.items()})
    data.update(rule=rule, reason=reason)
    return data
