"""Cash reconciliation: collected vs receipts vs handed over, handovers, closing a difference."""
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from planner.models import CashHandover, Reconciliation
from tests.fieldwork_reports.conftest import act

NOV = "from=01/11/2024&to=30/11/2024"


@pytest.fixture
def money(session, fw):
    session.add_all([act(fw, 10, date(2024, 11, 5), 1, 0, amount=5_000_000, receipts=5_000_000),
                     act(fw, 11, date(2024, 11, 9), 1, 0, amount=4_000_000, receipts=3_500_000)])
    session.commit()
    return fw


def handovers(session):
    session.expire_all()
    return session.execute(select(CashHandover).order_by(CashHandover.id)).scalars().all()


def cells(html, username):
    import re
    tr = re.search(rf'<tr data-agent="{username}"[^>]*>(.*?)</tr>', html, re.S).group(1)
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", c)).replace("&nbsp;", " ").strip()
            for c in re.findall(r"<td[^>]*>(.*?)</td>", tr, re.S)]


def test_head_records_a_handover_and_sees_the_difference(client, login, session, money):
    agent = money["users"]["agent"]
    login("head-412")
    resp = client.post(f"/cash/handover?{NOV}", data={"agent": str(agent.id), "handed_on": "10/11/2024",
                                                       "amount": "8.000.000", "note": "Nộp tại bưu điện"})
    assert resp.status_code == 302 and "/cash?" in resp.headers["Location"]
    [h] = handovers(session)
    assert (h.agent_id, h.handed_on, h.amount_vnd, h.received_by, h.note) == \
        (agent.id, date(2024, 11, 10), 8_000_000, "head-412", "Nộp tại bưu điện")
    html = client.get(f"/cash?{NOV}").get_data(as_text=True)
    row = cells(html, "agent-16663")
    assert row[1:6] == ["9.000.000 đ", "8.500.000 đ", "8.000.000 đ", "500.000 đ", "1.000.000 đ"]
    assert "Chênh lệch chưa xử lý" in row[6]
    assert "agent-16741" not in html  # another district's agent


def test_close_difference_needs_a_note(client, login, session, money):
    agent = money["users"]["agent"]
    login("head-412")
    data = {"agent_id": str(agent.id), "period_from": "2024-11-01", "period_to": "2024-11-30"}
    resp = client.post(f"/cash/close?{NOV}", data={**data, "note": "   "})
    assert resp.status_code == 400
    assert "Hãy ghi cách đã xử lý chênh lệch." in resp.get_data(as_text=True)
    assert session.execute(select(func.count(Reconciliation.id))).scalar() == 0
    resp = client.post(f"/cash/close?{NOV}", data={**data, "note": "Nộp bổ sung 1 triệu ngày 02/12"})
    assert resp.status_code == 302
    row = cells(client.get(f"/cash?{NOV}").get_data(as_text=True), "agent-16663")
    assert "Chênh lệch đã xử lý" in row[6] and "Nộp bổ sung 1 triệu ngày 02/12 (head-412)" in row[6]
    assert "Chênh lệch chưa xử lý" not in row[6]


def test_close_is_scoped(client, login, session, money):
    login("head-417")
    data = {"agent_id": str(money["users"]["agent"].id), "period_from": "2024-11-01", "period_to": "2024-11-30",
            "note": "Không phải việc của tôi"}
    assert client.post("/cash/close", data=data).status_code == 404
    assert client.post("/cash/close", data={**data, "period_from": "bad"}).status_code == 400
    assert session.execute(select(func.count(Reconciliation.id))).scalar() == 0


@pytest.mark.parametrize("change, message", [
    ({"amount": "0"}, "Số tiền phải lớn hơn 0."),
    ({"amount": "-500000"}, "Số tiền phải lớn hơn 0."),
    ({"amount": "năm trăm nghìn"}, "Số tiền phải là số nguyên, ví dụ 1.500.000."),
    ({"amount": "1,5"}, "Số tiền phải là số nguyên, ví dụ 1.500.000."),
    ({"amount": ""}, "Hãy nhập số tiền."),
    ({"handed_on": ""}, "Hãy nhập ngày nộp tiền."),
    ({"handed_on": "31/04/2024"}, "Ngày không hợp lệ, hãy ghi theo dạng dd/mm/yyyy."),
    ({"handed_on": (date.today() + timedelta(days=2)).isoformat()}, "Ngày nộp tiền không được ở tương lai."),
    ({"agent": ""}, "Hãy chọn nhân viên thu."),
    ({"agent": "999999"}, "Lựa chọn không hợp lệ."),
    ({"note": "x" * 501}, "Tối đa 500 ký tự."),
])
def test_handover_validation(client, login, session, money, change, message):
    login("head-412")
    data = {"agent": str(money["users"]["agent"].id), "handed_on": "10/11/2024", "amount": "1.500.000", "note": ""}
    resp = client.post(f"/cash/handover?{NOV}", data={**data, **change})
    assert resp.status_code == 400
    assert message in resp.get_data(as_text=True)
    assert handovers(session) == []


def test_head_cannot_record_for_another_districts_agent(client, login, session, money):
    login("head-417")
    resp = client.post("/cash/handover", data={"agent": str(money["users"]["agent"].id), "handed_on": "10/11/2024",
                                               "amount": "1000000"})
    assert resp.status_code == 400 and "Lựa chọn không hợp lệ." in resp.get_data(as_text=True)
    assert handovers(session) == []


def test_agent_sees_only_their_row_and_records_nothing(client, login, session, money):
    login("agent-16663")
    html = client.get(f"/cash?{NOV}").get_data(as_text=True)
    assert cells(html, "agent-16663")[1] == "9.000.000 đ"
    assert "agent-16741" not in html and "handover-form" not in html and "close-form" not in html
    data = {"agent": str(money["users"]["agent"].id), "handed_on": "10/11/2024", "amount": "9000000"}
    assert client.post(f"/cash/handover?{NOV}", data=data).status_code == 403
    assert client.post("/cash/close", data={"agent_id": str(money["users"]["agent"].id), "period_from": "2024-11-01",
                                            "period_to": "2024-11-30", "note": "tự đóng"}).status_code == 403
    assert handovers(session) == []


def test_leader_sees_every_agent_and_filters(client, login, money):
    login("leader")
    html = client.get(f"/cash?{NOV}").get_data(as_text=True)
    assert cells(html, "agent-16741")[1:4] == ["300.000 đ", "300.000 đ", "0 đ"]
    assert "agent-16663" in html
    only = client.get(f"/cash?{NOV}&district=417").get_data(as_text=True)
    assert "agent-16741" in only and 'data-agent="agent-16663"' not in only


@pytest.mark.parametrize("query, message", [
    ("from=01/13/2024&to=30/11/2024", "Ngày không hợp lệ, hãy ghi theo dạng dd/mm/yyyy."),
    ("from=30/11/2024&to=01/11/2024", "Ngày bắt đầu phải trước hoặc bằng ngày kết thúc."),
    ("from=01/01/2020&to=30/11/2024", "Khoảng thời gian dài nhất là 2 năm."),
])
def test_filter_validation(client, login, money, query, message):
    login("head-412")
    resp = client.get("/cash?" + query)
    assert resp.status_code == 400 and message in resp.get_data(as_text=True)
    assert 'id="cash-table"' not in resp.get_data(as_text=True)
