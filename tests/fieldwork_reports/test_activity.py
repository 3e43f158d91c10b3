"""Agents' weekly and monthly activity against their prorated quota (figures in conftest)."""
import io
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from openpyxl import load_workbook

from planner.models import Target

NOV = "/agents/activity?kind=month&day=15/11/2024"


def row(html, username):
    tr = re.search(rf'<tr data-agent="{username}"[^>]*>(.*?)</tr>', html, re.S).group(1)
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", cell)).replace("&nbsp;", " ").strip()
            for cell in re.findall(r"<td[^>]*>(.*?)</td>", tr, re.S)]


@pytest.fixture
def quota(session, fw):
    session.add(Target(metric="new_participants", level="agent", unit_id=fw["users"]["agent"].id, year=2024,
                       value=366, people=366))
    session.add(Target(metric="collection", level="agent", unit_id=fw["users"]["agent"].id, year=2024,
                       value=36_600_000))
    session.commit()
    return fw


def test_month_against_quota(client, login, quota):
    login("head-412")
    resp = client.get(NOV)
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert "Tháng 01/11/2024 – 30/11/2024" in html
    cells = row(html, "agent-16663")
    # entries, visits, new voluntary SI, new household HI, renewed, amount, receipts, pending, quota, attainment
    assert cells[1:9] == ["3", "25", "13", "2", "0", "0 đ", "0", "1"]
    assert cells[9] == "30,0 người mới Thu: 3.000.000 đ"  # 366 and 36.6 million a year x 30/366 days
    assert cells[10] == "50,0%"  # 15 new of 30
    assert "agent-16741" not in html  # another district's agent


def test_lowest_first_and_both_districts_for_the_leader(client, login, quota, session):
    session.add(Target(metric="voluntary_si", level="agent", unit_id=quota["users"]["other_agent"].id, year=2024,
                       value=732))
    session.commit()
    login("leader")
    html = client.get(NOV).get_data(as_text=True)
    # agent-16741: 2 voluntary SI of 732 x 30/366 = 60 -> 3,3%; agent-16663: 50%
    assert row(html, "agent-16741")[9:] == ["60,0 BHXH tự nguyện", "3,3%"]
    assert html.index('data-agent="agent-16741"') < html.index('data-agent="agent-16663"')


def test_week_and_period_links(client, login, fw):
    login("head-412")
    html = client.get("/agents/activity?kind=week&day=2024-11-06").get_data(as_text=True)
    assert "Tuần 04/11/2024 – 10/11/2024" in html
    cells = row(html, "agent-16663")
    assert cells[1:5] == ["2", "17", "9", "2"] and cells[9:] == ["–", "–"]  # no quota
    assert link(html, "prev-period") == {"kind": ["week"], "day": ["2024-11-03"]}
    assert link(html, "next-period") == {"kind": ["week"], "day": ["2024-11-11"]}
    month = client.get(NOV + "&district=412").get_data(as_text=True)
    assert link(month, "prev-period") == {"kind": ["month"], "day": ["2024-10-31"], "district": ["412"]}
    assert link(month, "next-period") == {"kind": ["month"], "day": ["2024-12-01"], "district": ["412"]}


def link(html, anchor_id):
    href = re.search(rf'href="([^"]+)" id="{anchor_id}"', html).group(1).replace("&amp;", "&")
    assert href.startswith("/agents/activity?")
    return parse_qs(urlsplit(href).query)


def test_default_is_this_week(client, login, fw):
    login("leader")
    resp = client.get("/agents/activity")
    assert resp.status_code == 200 and "Tuần " in resp.get_data(as_text=True)


def test_scope(client, login, fw):
    login("head-417")
    html = client.get(NOV).get_data(as_text=True)
    assert "agent-16741" in html and "agent-16663" not in html
    resp = client.get(NOV + "&district=412")
    assert resp.status_code == 400 and "agent-16663" not in resp.get_data(as_text=True)
    login("agent-16663")
    html = client.get(NOV).get_data(as_text=True)
    assert "agent-16663" in html and "agent-16741" not in html


@pytest.mark.parametrize("query, message", [
    ("kind=year&day=15/11/2024", "Lựa chọn không hợp lệ."),
    ("kind=week&day=15-11-2024", "Ngày không hợp lệ, hãy ghi theo dạng dd/mm/yyyy."),
    ("kind=week&day=30/02/2024", "Ngày không hợp lệ, hãy ghi theo dạng dd/mm/yyyy."),
])
def test_validation(client, login, fw, query, message):
    login("leader")
    for path in ("/agents/activity?", "/agents/activity.xlsx?"):
        resp = client.get(path + query)
        assert resp.status_code == 400
        assert message in resp.get_data(as_text=True)


def test_xlsx_round_trip(client, login, quota):
    login("leader")
    resp = client.get("/agents/activity.xlsx?kind=month&day=2024-11-15")
    assert resp.status_code == 200
    assert "hoat-dong-nhan-vien-thu-month-20241101.xlsx" in resp.headers["Content-Disposition"]
    ws = load_workbook(io.BytesIO(resp.data)).active
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    assert rows[0][0] == "Hoạt động nhân viên thu – Tháng 01/11/2024–30/11/2024 – Toàn tỉnh"
    assert rows[1][1] == "Nhân viên thu"
    by_user = {r[0]: r for r in rows[2:]}
    assert by_user["agent-16663"][1] == "Nguyễn Thị Hương" and by_user["agent-16741"][1] == "Lò Thị Mai"
    assert by_user["agent-16663"][2:10] == [3, 25, 13, 2, 0, 0, 0, 1]
    assert by_user["agent-16663"][10] == 30 and by_user["agent-16663"][12] == 3_000_000
    assert by_user["agent-16663"][13] == 0.5
    assert by_user["agent-16741"][7] == 300_000
