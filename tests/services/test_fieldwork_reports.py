"""Conversion, agent summary and reconciliation on small data worked out by hand."""
from datetime import date

import pytest

from planner.models import Activity, CashHandover, Conference, Target
from planner.services import fieldwork_reports as reports

NOV = (date(2024, 11, 1), date(2024, 11, 30))


def conf(world, n, day, fmt, groups, attendees, reg, cost, status="approved", code="16663"):
    return Conference(device_id=f"conf-{n:06d}", commune_id=world["communes"][code].id, held_on=day, format=fmt,
                      audience_groups=groups, attendees=attendees, reg_voluntary_si=reg, cost_vnd=cost, status=status)


def act(world, n, day, vsi, hhi, status="approved", code="16663", amount=0, receipts=0):
    return Activity(device_id=f"act-{n:06d}", agent_id=world["users"]["agent"].id, commune_id=world["communes"][code].id,
                    done_on=day, new_voluntary_si=vsi, new_household_hi=hhi, status=status,
                    amount_collected_vnd=amount, receipts_amount_vnd=receipts, receipts_issued=1 if amount else 0)


@pytest.fixture
def fieldwork(session, world):
    session.add_all([
        conf(world, 1, date(2024, 11, 1), "propaganda", "farmers,traders", 50, 5, 1_000_000),
        conf(world, 2, date(2024, 11, 20), "policy_dialogue", "returned_workers", 30, 2, 600_000),
        conf(world, 3, date(2024, 11, 25), "customer", "farmers", 40, 9, 100, status="submitted"),
        act(world, 1, date(2024, 11, 5), 3, 2),      # 4 days after conference 1 -> 5 to it
        act(world, 2, date(2024, 11, 22), 4, 0),     # 2 days after conference 2 (the latest) -> 4 to it
        act(world, 3, date(2024, 12, 25), 7, 0),     # 35 days after conference 2: outside 30 days
        act(world, 4, date(2024, 10, 30), 9, 0),     # before any conference
        act(world, 5, date(2024, 11, 6), 10, 0, status="submitted"),  # not approved: never counts
        act(world, 6, date(2024, 11, 5), 6, 0, code="16666"),          # no conference in that commune
    ])
    session.commit()
    return world


def test_conversion_by_format_and_audience(session, fieldwork):
    r = reports.conversion_report(session=session, user=fieldwork["users"]["leader"], date_from=NOV[0], date_to=NOV[1])
    by_format = {row["key"]: row for row in r["by_format"]}
    assert set(by_format) == {"propaganda", "policy_dialogue"}  # the submitted one does not count
    p, d = by_format["propaganda"], by_format["policy_dialogue"]
    assert (p["conferences"], p["attendees"], p["registered"], p["attributed"], p["cost"]) == (1, 50, 5, 5, 1_000_000)
    assert p["conversion_rate"] == pytest.approx(0.10) and p["new_per_conference"] == 5
    assert p["cost_per_new"] == pytest.approx(200_000)
    assert (d["attributed"], d["cost_per_new"]) == (4, pytest.approx(150_000))
    assert d["conversion_rate"] == pytest.approx(4 / 30)
    by_group = {row["key"]: row for row in r["by_audience"]}
    assert by_group["farmers"]["attributed"] == 5 and by_group["traders"]["attributed"] == 5
    assert by_group["returned_workers"]["attributed"] == 4
    assert r["totals"]["attributed"] == 9 and r["totals"]["conferences"] == 2


def test_conversion_window_is_configurable(session, fieldwork):
    r = reports.conversion_report(session=session, user=fieldwork["users"]["leader"], date_from=NOV[0],
                                  date_to=NOV[1], window_days=3)
    assert {row["key"]: row["attributed"] for row in r["by_format"]} == {"propaganda": 0, "policy_dialogue": 4}


def test_conversion_is_scoped(session, fieldwork):
    r = reports.conversion_report(session=session, user=fieldwork["users"]["other_head"], date_from=NOV[0],
                                  date_to=NOV[1])
    assert r["by_format"] == [] and r["totals"]["conferences"] == 0


def test_agent_summary_against_prorated_quota(session, fieldwork):
    agent = fieldwork["users"]["agent"]
    session.add(Target(metric="new_participants", level="agent", unit_id=agent.id, year=2024, value=366, people=366))
    session.commit()
    r = reports.agent_summary(session=session, user=fieldwork["users"]["head"], kind="month", day=date(2024, 11, 15))
    row = next(x for x in r["rows"] if x["agent"].id == agent.id)
    assert (r["start"], r["end"]) == NOV
    assert row["new"] == 5 + 4 + 6 and row["pending"] == 1  # all the agent's approved work, any commune
    assert row["quota_new"] == pytest.approx(30)  # 366 a year x 30/366 days
    assert row["attainment"] == pytest.approx(15 / 30)
    week = reports.agent_summary(session=session, user=fieldwork["users"]["head"], kind="week", day=date(2024, 11, 6))
    assert (week["start"], week["end"]) == (date(2024, 11, 4), date(2024, 11, 10))
    assert next(x for x in week["rows"] if x["agent"].id == agent.id)["new"] == 5 + 6


def test_reconciliation_flags_differences_until_closed(session, world):
    agent = world["users"]["agent"]
    session.add_all([act(world, 10, date(2024, 11, 5), 1, 0, amount=5_000_000, receipts=5_000_000),
                     act(world, 11, date(2024, 11, 9), 1, 0, amount=4_000_000, receipts=3_500_000),
                     CashHandover(agent_id=agent.id, handed_on=date(2024, 11, 10), amount_vnd=8_000_000)])
    session.commit()
    head = world["users"]["head"]
    row = reports.reconciliation(session=session, user=head, date_from=NOV[0], date_to=NOV[1])["rows"][0]
    assert (row["collected"], row["receipts"], row["handed"]) == (9_000_000, 8_500_000, 8_000_000)
    assert (row["unreceipted"], row["not_handed"], row["status"]) == (500_000, 1_000_000, "open")
    with pytest.raises(ValueError):
        reports.close_difference(session=session, user=head, agent_id=agent.id, date_from=NOV[0], date_to=NOV[1], note="")
    reports.close_difference(session=session, user=head, agent_id=agent.id, date_from=NOV[0], date_to=NOV[1],
                             note="Nộp bổ sung 1 triệu ngày 02/12")
    assert reports.reconciliation(session=session, user=head, date_from=NOV[0], date_to=NOV[1])["rows"][0]["status"] == "closed"
    session.add(CashHandover(agent_id=agent.id, handed_on=date(2024, 11, 20), amount_vnd=500_000))
    session.commit()
    assert reports.reconciliation(session=session, user=head, date_from=NOV[0], date_to=NOV[1])["rows"][0]["status"] == "open"
    other = reports.reconciliation(session=session, user=world["users"]["other_head"], date_from=NOV[0], date_to=NOV[1])
    assert other["rows"] == []
