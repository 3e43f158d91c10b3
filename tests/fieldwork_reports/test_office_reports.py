"""Field-work reports on an office version (tests/office_world.py): the filters list the office
areas and are labelled "BHXH cơ sở", filtering by an office area keeps its agents only.

November 2026: agent-16737 (office 417) one approved activity, 4 voluntary SI + 1 household HI,
a conference in Xã Mường Xén on 03/11; agent-16678 (office 412) one approved activity, 2 voluntary SI."""
import io
import re
from datetime import date

import pytest
from openpyxl import load_workbook

from planner.models import Activity, Conference
from tests import builders, office_world

NOV = "kind=month&day=15/11/2026"


@pytest.fixture
def office(session):
    world = office_world.four_versions(session)
    communes = world["communes"]["2025-07"]
    vinh = builders.add_user(session, "agent-16678", "agent", district=world["office"]["412"],
                             communes=[communes["16678"]])
    world["users"]["agent"].full_name = "Lò Văn Páo"
    vinh.full_name = "Trần Thị Lan"
    session.add_all([
        Activity(device_id="act-000001", agent_id=world["users"]["agent"].id, commune_id=communes["16737"].id,
                 done_on=date(2026, 11, 5), new_voluntary_si=4, new_household_hi=1, household_visits=9,
                 status="approved"),
        Activity(device_id="act-000002", agent_id=vinh.id, commune_id=communes["16678"].id,
                 done_on=date(2026, 11, 6), new_voluntary_si=2, new_household_hi=0, status="approved"),
        Conference(device_id="conf-000001", commune_id=communes["16737"].id, held_on=date(2026, 11, 3),
                   format="propaganda", audience_groups="farmers", attendees=40, reg_voluntary_si=3,
                   status="approved"),
    ])
    session.commit()
    return world


def _label(html):
    return re.search(r'<label class="form-label small mb-0" for="district">([^<]*)</label>', html).group(1)


def test_activity_filtered_by_office_area(client, office, login):
    login("leader")
    html = client.get(f"/agents/activity?{NOV}").get_data(as_text=True)
    assert _label(html) == "BHXH cơ sở"
    assert '<option value="417">417 – BHXH cơ sở Kỳ Sơn</option>' in html
    assert "Lò Văn Páo" in html and "Trần Thị Lan" in html
    only = client.get(f"/agents/activity?{NOV}&district=417").get_data(as_text=True)
    assert "Lò Văn Páo" in only and "Trần Thị Lan" not in only and "BHXH cơ sở Kỳ Sơn" in only
    data = client.get(f"/agents/activity.xlsx?{NOV}&district=417").data
    cells = [c for row in load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True) for c in row if c]
    assert any("BHXH cơ sở Kỳ Sơn" in str(c) for c in cells) and "Trần Thị Lan" not in cells


def test_conversion_and_cash_filters(client, office, login):
    login("leader")
    html = client.get("/conversion?from=01/11/2026&to=30/11/2026&district=417").get_data(as_text=True)
    assert _label(html) == "BHXH cơ sở" and "BHXH cơ sở Kỳ Sơn · 01/11/2026 – 30/11/2026" in html
    assert re.search(r'<tr data-key="propaganda">\s*<td class="text-wrap">Hội nghị tuyên truyền</td>\s*'
                     r'<td class="text-end">1</td>', html)  # 5 new participants of agent-16737 follow it
    assert 'data-key="propaganda"' not in client.get(
        "/conversion?from=01/11/2026&to=30/11/2026&district=412").get_data(as_text=True)
    html = client.get("/cash?from=01/11/2026&to=30/11/2026").get_data(as_text=True)
    assert _label(html) == "BHXH cơ sở"


def test_agents_list_names_the_office_area(client, office, login):
    login("leader")
    html = client.get("/agents?district=417").get_data(as_text=True)
    assert _label(html) == "BHXH cơ sở" and "<th>BHXH cơ sở</th>" in html
    assert "Lò Văn Páo" in html and "Trần Thị Lan" not in html
    assert re.search(r'<td class="small">BHXH cơ sở Kỳ Sơn</td>', html)


def test_an_office_head_creates_campaigns_for_their_area(client, office, login):
    login("head-417")
    html = client.get("/campaigns/new").get_data(as_text=True)
    assert "Giám đốc BHXH cơ sở chỉ tạo chiến dịch cho địa bàn của mình." in html
    assert "Lãnh đạo BHXH huyện" not in html
    assert re.search(r'<option value="\d+">417 – BHXH cơ sở Kỳ Sơn</option>', html)
    html = client.get(f"/agents/activity?{NOV}").get_data(as_text=True)
    assert "Lò Văn Páo" in html and "Trần Thị Lan" not in html
