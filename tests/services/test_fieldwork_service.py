"""Field work entries: every validation message, idempotent saves by device id, review."""
from datetime import date

import pytest
from sqlalchemy import func, select

from planner.models import Activity, Conference
from planner.services import fieldwork
from planner.services.fieldwork import EntryInvalid

TODAY = date(2024, 12, 20)


def conference(world, **over):
    data = {"device_id": "dev-conf-0001", "commune_id": world["communes"]["16663"].id, "held_on": "2024-12-18",
            "start_time": "19:30", "format": "propaganda", "audience_groups": ["farmers", "traders"],
            "attendees": "60", "attendees_men": 25, "attendees_women": 35, "attendees_ethnic_minority": 0,
            "reg_voluntary_si": 4, "reg_household_hi": 6, "prospects": 12, "cost_vnd": "1.500.000",
            "hamlet": "Xóm 3", "latitude": 18.68, "longitude": 105.66, "accuracy_m": 12}
    data.update(over)
    return data


def activity(world, **over):
    data = {"device_id": "dev-act-0001", "commune_id": world["communes"]["16663"].id, "done_on": "19/12/2024",
            "household_visits": 14, "new_voluntary_si": 2, "new_household_hi": 5, "renewed_household_hi": 3,
            "amount_collected_vnd": 9_000_000, "receipts_issued": 10, "receipts_amount_vnd": 9_000_000}
    data.update(over)
    return data


def count(session, model):
    session.expire_all()
    return session.execute(select(func.count()).select_from(model)).scalar()


def test_agent_logs_a_conference_and_a_resend_adds_nothing(session, world):
    agent = world["users"]["agent"]
    entry, outcome = fieldwork.save_conference(session=session, user=agent, data=conference(world), today=TODAY)
    assert outcome == "created" and entry.cost_vnd == 1_500_000 and entry.status == "submitted"
    again, outcome = fieldwork.save_conference(session=session, user=agent, data=conference(world), today=TODAY)
    assert outcome == "duplicate" and again.id == entry.id and count(session, Conference) == 1


@pytest.mark.parametrize("over,field,message", [
    ({"reg_voluntary_si": 40, "reg_household_hi": 30}, "reg_household_hi", "vượt quá số người dự"),
    ({"attendees_men": 40, "attendees_women": 30}, "attendees_women", "vượt quá số người dự"),
    ({"attendees_ethnic_minority": 61}, "attendees_ethnic_minority", "vượt quá số người dự"),
    ({"cost_vnd": -5}, "cost_vnd", "không được âm"),
    ({"attendees": "abc"}, "attendees", "số nguyên"),
    ({"attendees": 0, "attendees_men": 0, "attendees_women": 0, "reg_voluntary_si": 0, "reg_household_hi": 0},
     "attendees", "số người dự"),
    ({"held_on": "2024-12-25"}, "held_on", "tương lai"),
    ({"held_on": "31/02/2024"}, "held_on", "không hợp lệ"),
    ({"format": "party"}, "format", "hình thức"),
    ({"audience_groups": "farmers,aliens"}, "audience_groups", "aliens"),
    ({"start_time": "25:99"}, "start_time", "Giờ"),
    ({"latitude": 120}, "latitude", "Ngoài khoảng"),
    ({"device_id": "x"}, "device_id", "mã bản ghi"),
])
def test_conference_validation_messages(session, world, over, field, message):
    with pytest.raises(EntryInvalid) as caught:
        fieldwork.save_conference(session=session, user=world["users"]["agent"], data=conference(world, **over),
                                  today=TODAY)
    assert message in caught.value.errors[field]
    assert count(session, Conference) == 0


def test_commune_outside_the_agents_scope_is_refused(session, world):
    with pytest.raises(EntryInvalid) as caught:
        fieldwork.save_conference(session=session, user=world["users"]["agent"],
                                  data=conference(world, commune_id=world["communes"]["16741"].id), today=TODAY)
    assert "ngoài địa bàn" in caught.value.errors["commune_id"]


@pytest.mark.parametrize("over,field,message", [
    ({"amount_collected_vnd": -1}, "amount_collected_vnd", "không được âm"),
    ({"receipts_issued": 0}, "receipts_issued", "biên lai"),
    ({"receipts_amount_vnd": 9_500_000}, "receipts_amount_vnd", "vượt quá"),
    ({"done_on": "2025-01-01"}, "done_on", "tương lai"),
])
def test_activity_validation_messages(session, world, over, field, message):
    with pytest.raises(EntryInvalid) as caught:
        fieldwork.save_activity(session=session, user=world["users"]["agent"], data=activity(world, **over),
                                today=TODAY)
    assert message in caught.value.errors[field]
    assert count(session, Activity) == 0


def test_head_logs_an_activity_for_an_agent_of_the_commune(session, world):
    head, agent = world["users"]["head"], world["users"]["agent"]
    entry, _ = fieldwork.save_activity(session=session, user=head, data=activity(world, agent_id=agent.id),
                                       today=TODAY)
    assert entry.agent_id == agent.id
    with pytest.raises(EntryInvalid) as caught:
        fieldwork.save_activity(session=session, user=head, data=activity(world, device_id="dev-act-0002",
                                                                          commune_id=world["communes"]["16666"].id,
                                                                          agent_id=agent.id), today=TODAY)
    assert "không phụ trách" in caught.value.errors["agent_id"]


def test_review_return_fix_and_resend_then_approve(session, world):
    agent, head, other = world["users"]["agent"], world["users"]["head"], world["users"]["other_head"]
    entry, _ = fieldwork.save_activity(session=session, user=agent, data=activity(world), today=TODAY)
    with pytest.raises(EntryInvalid):
        fieldwork.review(session=session, user=other, entry=entry, decision="approved")  # another district
    with pytest.raises(EntryInvalid) as caught:
        fieldwork.review(session=session, user=head, entry=entry, decision="returned")
    assert "lý do" in caught.value.errors["reason"]
    fieldwork.review(session=session, user=head, entry=entry, decision="returned", reason="Sai số biên lai")
    fixed, outcome = fieldwork.save_activity(session=session, user=agent, today=TODAY,
                                             data=activity(world, receipts_issued=11))
    assert outcome == "resubmitted" and fixed.id == entry.id and fixed.status == "submitted"
    assert fixed.receipts_issued == 11
    fieldwork.review(session=session, user=head, entry=fixed, decision="approved")
    assert fixed.status == "approved" and fixed.reviewed_by == "head-412"
    _, outcome = fieldwork.save_activity(session=session, user=agent, today=TODAY,
                                         data=activity(world, receipts_issued=99))
    assert outcome == "duplicate" and count(session, Activity) == 1


def test_another_users_device_id_is_refused(session, world):
    fieldwork.save_activity(session=session, user=world["users"]["agent"], data=activity(world), today=TODAY)
    with pytest.raises(EntryInvalid) as caught:
        fieldwork.save_activity(session=session, user=world["users"]["head"], today=TODAY,
                                data=activity(world, agent_id=world["users"]["agent"].id))
    assert "người khác" in caught.value.errors["device_id"]
