"""An audit trail with known events on the small province of tests/builders.py.

Made through the services the pages use, each under a known author:
  admin     renames agent-16663 (full name), changes their role to district head of 412 and back,
            sets their password; creates and revokes an API token for them; records a cash
            handover of 12.500.000 đ on 28/11/2026; closes their reconciliation for 11/2026;
  head-412  corrects the 2024 population of 16663 (15.000 -> 15.200) and returns an activity entry
            of 16663 with a reason;
  head-417  corrects the 12/2024 HI participants of 16738 (4.800 -> 4.900).
The population correction is dated 30/11/2026 17:30 UTC, which is 01/12/2026 00:30 in Vietnam.
"""
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import select, update

from planner import audit
from planner.auth.security import hash_password
from planner.models import Activity, AuditEvent, CashHandover, CoverageRecord, Denominator
from planner.services import fieldwork, fieldwork_reports, tokens, users
from tests import builders

LATE_NOVEMBER_UTC = datetime(2026, 11, 30, 17, 30, tzinfo=timezone.utc)


@pytest.fixture
def trail(session):
    # Built here under a known author: a previous test's requests may have left theirs behind.
    with audit.acting_as(None, "system"):
        world = builders.small_province(session)
    u = world["users"]
    admin, head, other_head, agent = u["admin"], u["head"], u["other_head"], u["agent"]
    c = world["communes"]
    with audit.acting_as(None, "system"):
        entry = Activity(device_id="act-1", agent_id=agent.id, commune_id=c["16663"].id, done_on=date(2026, 11, 20),
                         household_visits=5, new_voluntary_si=1, amount_collected_vnd=1_500_000,
                         receipts_issued=1, receipts_amount_vnd=1_500_000, created_by_id=agent.id)
        session.add(entry)
        session.commit()
    with audit.acting_as(admin.id, admin.username):
        users.update_user(session=session, user=agent, full_name="Nguyễn Thị Lan", role="agent",
                          district_id=agent.district_id, commune_ids=[c["16663"].id], active=True)
        users.update_user(session=session, user=agent, full_name="Nguyễn Thị Lan", role="district_head",
                          district_id=world["districts"]["412"].id, commune_ids=[], active=True)
        users.update_user(session=session, user=agent, full_name="Nguyễn Thị Lan", role="agent",
                          district_id=world["districts"]["412"].id, commune_ids=[c["16663"].id], active=True)
        agent.password_hash = hash_password("another-secret")
        session.commit()
        token, _raw = tokens.create_token(session=session, user=agent, name="Điện thoại của Lan")
        tokens.revoke_token(session=session, user=agent, token_id=token.id)
        session.add(CashHandover(agent_id=agent.id, handed_on=date(2026, 11, 28), amount_vnd=12_500_000,
                                 received_by="admin", note="Nộp tiền tháng 11"))
        session.commit()
        fieldwork_reports.close_difference(session=session, user=admin, agent_id=agent.id,
                                           date_from=date(2026, 11, 1), date_to=date(2026, 11, 30),
                                           note="Thiếu biên lai, đã bổ sung")
    with audit.acting_as(head.id, head.username):
        row = session.execute(select(Denominator).where(Denominator.commune_id == c["16663"].id)).scalar_one()
        row.population = 15_200
        session.commit()
        fieldwork.review(session=session, user=head, entry=entry, decision="returned", reason="Thiếu số biên lai")
    with audit.acting_as(other_head.id, other_head.username):
        cov = session.execute(select(CoverageRecord).where(CoverageRecord.commune_id == c["16738"].id)).scalar_one()
        cov.hi_participants = 4_900
        session.commit()
    population_event = session.execute(
        select(AuditEvent.id).where(AuditEvent.entity == "denominator", AuditEvent.action == "update")
    ).scalar_one()
    session.execute(update(AuditEvent).where(AuditEvent.id == population_event).values(at=LATE_NOVEMBER_UTC))
    session.commit()
    world["population_event"] = population_event
    world["activity"] = entry
    return world
