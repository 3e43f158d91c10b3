"""Known field work in the small province of tests/builders.py, worked out by hand.

November 2024, commune 16663 (district 412), agent-16663:
  conference 1, 01/11, propaganda, farmers+traders, 50 attendees, 5 registered, 1.000.000 đ
  conference 2, 20/11, policy dialogue, returned workers, 30 attendees, 2 registered, 600.000 đ
  conference 3, 25/11, customer, submitted (never counts)
  activity 05/11: 3 voluntary SI + 2 household HI -> 5 to conference 1 (4 days after)
  activity 22/11: 4 voluntary SI -> 4 to conference 2 (the latest, 2 days after)
  activity 25/12: 7 -> outside 30 days; activity 30/10: before any conference
  activity 06/11: 10, submitted (pending review, never counts)
  activity 05/11 in 16666 (no conference there): 6, counts for the agent, not for a conference
Agent agent-16741 (district 417, commune 16741): one approved activity on 12/11 with 2 new, 300.000 đ.
"""
from datetime import date

import pytest

from planner.models import Activity, Conference
from tests import builders


def conf(world, n, day, fmt, groups, attendees, reg, cost, status="approved", code="16663"):
    return Conference(device_id=f"conf-{n:06d}", commune_id=world["communes"][code].id, held_on=day, format=fmt,
                      audience_groups=groups, attendees=attendees, reg_voluntary_si=reg, cost_vnd=cost, status=status)


def act(world, n, day, vsi, hhi, status="approved", code="16663", amount=0, receipts=0, agent=None, visits=0):
    agent = agent or world["users"]["agent"]
    return Activity(device_id=f"act-{n:06d}", agent_id=agent.id, commune_id=world["communes"][code].id,
                    done_on=day, new_voluntary_si=vsi, new_household_hi=hhi, status=status, household_visits=visits,
                    amount_collected_vnd=amount, receipts_amount_vnd=receipts, receipts_issued=1 if amount else 0)


@pytest.fixture
def fw(session, world):
    other = builders.add_user(session, "agent-16741", "agent", district=world["districts"]["417"],
                              communes=[world["communes"]["16741"]])
    other.full_name = "Lò Thị Mai"
    world["users"]["agent"].full_name = "Nguyễn Thị Hương"
    world["users"]["other_agent"] = other
    session.add_all([
        conf(world, 1, date(2024, 11, 1), "propaganda", "farmers,traders", 50, 5, 1_000_000),
        conf(world, 2, date(2024, 11, 20), "policy_dialogue", "returned_workers", 30, 2, 600_000),
        conf(world, 3, date(2024, 11, 25), "customer", "farmers", 40, 9, 100, status="submitted"),
        act(world, 1, date(2024, 11, 5), 3, 2, visits=12),
        act(world, 2, date(2024, 11, 22), 4, 0, visits=8),
        act(world, 3, date(2024, 12, 25), 7, 0),
        act(world, 4, date(2024, 10, 30), 9, 0),
        act(world, 5, date(2024, 11, 6), 10, 0, status="submitted"),
        act(world, 6, date(2024, 11, 5), 6, 0, code="16666", visits=5),
        act(world, 7, date(2024, 11, 12), 2, 0, code="16741", agent=other, amount=300_000, receipts=300_000),
    ])
    session.commit()
    return world
