"""/audit: every recorded change for admins and leaders, a district head's area for them, 403 for
agents; filters by user, kind of record, area, commune and Vietnamese days; paging; readable field
names and values; a message (never a 500) for a filter value that cannot be used; English."""
import re

import pytest
from sqlalchemy import delete, func, select
from sqlmodel import SQLModel

from planner.audit_trail import labels
from planner.models import AuditEvent

ROW = re.compile(r'<li class="list-group-item px-0 audit-event" data-id="(\d+)" data-entity="(\w+)" data-action="(\w+)"')


def events_on(page):
    """[(id, entity, action)] of the events listed on a page, in order."""
    return [(int(i), entity, action) for i, entity, action in ROW.findall(page)]


def text_of(html):
    """The page's text, one space between words (none before a colon)."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace(" :", ":")


def get(client, url, status=200):
    resp = client.get(url)
    assert resp.status_code == status, (url, resp.status_code)
    return resp.get_data(as_text=True)


def test_only_admins_leaders_and_heads_open_it(client, trail, login):
    assert client.get("/audit").status_code == 302  # signed out: to the login page
    login("agent-16663", "another-secret")
    assert client.get("/audit").status_code == 403
    assert "/audit" not in get(client, "/")  # no menu entry for an agent
    for username in ("admin", "leader", "head-412"):
        client.post("/auth/logout")
        login(username)
        page = get(client, "/audit")
        assert 'href="/audit"' in page  # the menu entry


def test_admin_reads_every_event_newest_first(client, session, trail, login):
    login("admin")
    total = session.execute(select(func.count()).select_from(AuditEvent)).scalar()
    client.application.config["PAGE_SIZE"] = total + 10
    page = get(client, "/audit")
    listed = events_on(page)
    assert len(listed) == total and f"{total} thay đổi" in text_of(page)
    newest_first = session.execute(
        select(AuditEvent.id).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())).scalars().all()
    assert [i for i, _e, _a in listed] == newest_first
    kinds = {entity for _i, entity, _a in listed}
    assert {"app_user", "user_commune", "api_token", "cash_handover", "reconciliation", "activity",
            "denominator", "coverage_record", "commune"} <= kinds


def test_users_roles_tokens_cash_and_reconciliations_are_readable(client, trail, login):
    login("leader")
    users = text_of(get(client, "/audit?entity=app_user&user=admin"))
    assert "Họ tên: Agent-16663 → Nguyễn Thị Lan" in users
    assert "Vai trò: Nhân viên thu → Lãnh đạo BHXH huyện" in users
    assert "Vai trò: Lãnh đạo BHXH huyện → Nhân viên thu" in users
    assert "Mật khẩu: đã thay đổi (không hiển thị)" in users
    scope = text_of(get(client, "/audit?entity=user_commune&user=admin"))
    assert scope.count("Phân công nhân viên thu: agent-16663 · Phường Đông Vĩnh (16663)") == 2  # removed, given back
    tokens = text_of(get(client, "/audit?entity=api_token"))
    assert "Mã truy cập API: Điện thoại của Lan · agent-16663" in tokens
    assert "Đã thu hồi: Không → Có" in tokens and "Mã truy cập: (không hiển thị)" in tokens
    cash = text_of(get(client, "/audit?entity=cash_handover"))
    assert "Nộp tiền thu: agent-16663 · 28/11/2026 · 12.500.000 đồng" in cash and "Người nhận: admin" in cash
    recon = text_of(get(client, "/audit?entity=reconciliation"))
    assert "Đối soát thu: agent-16663 · 01/11/2026 – 30/11/2026" in recon
    assert "Giải trình: Thiếu biên lai, đã bổ sung" in recon and "Trạng thái: Đã xử lý" in recon
    entry = text_of(get(client, "/audit?entity=activity"))
    assert "Lý do trả lại: – → Thiếu số biên lai" in entry and "Trạng thái: Chờ duyệt → Bị trả lại" in entry
    assert "Người tạo: agent-16663" in entry and "Số tiền đã thu: 1.500.000 đồng" in entry
    everything = get(client, "/audit")
    for raw in ("review_reason", "created_by_id", "password_hash", "token_hash", "pbkdf2", "amount_vnd"):
        assert raw not in everything and raw not in users + tokens + cash + recon + entry, raw


def test_filters_by_user_kind_area_commune_and_day(client, trail, login):
    login("admin")
    by_head = events_on(get(client, "/audit?user=head-412"))
    assert {(e, a) for _i, e, a in by_head} == {("denominator", "update"), ("activity", "update")}
    kyson = text_of(get(client, "/audit?area=417"))
    assert "Số người tham gia: Thị trấn Mường Xén (16738) · 12/2024" in kyson
    assert "Người tham gia BHYT: 4.800 → 4.900" in kyson and "Phường Đông Vĩnh" not in kyson
    commune = events_on(get(client, "/audit?commune=16663&user=head-412"))
    assert {e for _i, e, _a in commune} == {"denominator", "activity"}
    assert events_on(get(client, "/audit?commune=16738&user=head-412")) == []
    # 30/11/2026 17:30 UTC is 01/12/2026 00:30 in Vietnam: a day of the Vietnamese calendar.
    day = trail["population_event"]
    assert day in [i for i, _e, _a in events_on(get(client, "/audit?from=01/12/2026&to=01/12/2026"))]
    assert day not in [i for i, _e, _a in events_on(get(client, "/audit?from=02/12/2026"))]
    only = events_on(get(client, "/audit?to=30/11/2026"))
    assert day not in [i for i, _e, _a in only]
    assert [i for i, _e, _a in events_on(get(client, "/audit?from=2026-12-01&to=2026-12-01&entity=denominator"))] == [day]
    none = get(client, "/audit?user=head-417&entity=cash_handover")
    assert events_on(none) == [] and "Không có thay đổi nào khớp với điều kiện lọc." in none


def test_pages_hold_page_size_events_and_keep_the_filters(client, session, trail, login):
    login("admin")
    client.application.config["PAGE_SIZE"] = 4
    total = session.execute(select(func.count()).select_from(AuditEvent).where(AuditEvent.username == "admin")).scalar()
    assert total > 8
    pages = -(-total // 4)
    seen = []
    for n in range(1, pages + 1):
        page = get(client, f"/audit?user=admin&page={n}")
        listed = [i for i, _e, _a in events_on(page)]
        assert len(listed) == (4 if n < pages else total - 4 * (pages - 1))
        seen += listed
        assert f"trang {n}/{pages}" in page
    assert len(seen) == len(set(seen)) == total and seen == sorted(seen, reverse=True)
    first = get(client, "/audit?user=admin")
    assert 'href="/audit?user=admin&amp;page=2"' in first  # the pager keeps the filter
    # pages out of range or not numbers: the nearest page, never an error
    assert events_on(get(client, "/audit?user=admin&page=2147483648")) == events_on(
        get(client, f"/audit?user=admin&page={pages}"))
    for bad in ("0", "-3", "abc", "²", "١"):
        assert events_on(get(client, f"/audit?user=admin&page={bad}")) == events_on(first)


@pytest.mark.parametrize("query, message", [
    ("from=31/02/2026", "Từ ngày: “31/02/2026” không phải là ngày (nhập theo dạng dd/mm/yyyy)."),
    ("to=2026/12/01", "Đến ngày: “2026/12/01” không phải là ngày"),
    ("from=02/12/2026&to=01/12/2026", "Từ ngày phải trước hoặc bằng đến ngày."),
    ("from=%C2%B2%C2%B2/12/2026", "không phải là ngày"),
    ("commune=1666", "Mã xã gồm 5 chữ số, ví dụ 16663."),
    ("commune=%EF%BC%91%EF%BC%96%EF%BC%96%EF%BC%96%EF%BC%93", "Mã xã gồm 5 chữ số"),  # full-width digits
    ("commune=99999", "Không có xã mã 99999."),
    ("entity=password_hash", "Không có loại bản ghi “password_hash”."),
    ("area=999", "Không có đơn vị mã “999” trong phạm vi của bạn."),
    ("user=" + "x" * 61, "Tên đăng nhập dài tối đa 60 ký tự."),
])
def test_a_filter_value_that_cannot_be_used_gets_a_message(client, trail, login, query, message):
    login("admin")
    page = get(client, "/audit?" + query, status=400)
    assert message in text_of(page).replace("&ldquo;", "“").replace("&rdquo;", "”")
    assert events_on(page) == []


def test_a_district_head_reads_the_changes_of_their_area(client, trail, login):
    login("head-412")
    page = get(client, "/audit")
    text = text_of(page)
    assert "Dân số: 15.000 → 15.200" in text and "Lý do trả lại: – → Thiếu số biên lai" in text
    assert "Mường Xén" not in text and "4.900" not in text  # district 417's change
    kinds = {e for _i, e, _a in events_on(page)}
    assert not kinds & {"cash_handover", "reconciliation", "api_token", "app_user"}  # no commune: not theirs
    assert '<option value="412"' in page and '<option value="417"' not in page
    get(client, "/audit?area=417", status=400)
    assert events_on(get(client, "/audit?commune=16738")) == []
    login("head-417")
    theirs = text_of(get(client, "/audit"))
    assert "Người tham gia BHYT: 4.800 → 4.900" in theirs and "15.200" not in theirs


def test_empty_trail(client, session, trail, login):
    login("admin")
    session.execute(delete(AuditEvent))
    session.commit()
    page = get(client, "/audit")
    assert "Chưa có thay đổi nào được ghi lại." in page and events_on(page) == []


def test_in_english(client, trail, login):
    login("leader")
    client.get("/auth/lang/en")
    page = get(client, "/audit?user=head-412")
    text = text_of(page)
    assert '<html lang="en">' in page
    assert "Population: 15,000 → 15,200" in text  # labels from the catalogue, English numbers
    assert "Edit" in text and "Sửa" not in text
    assert "01/12/2026" in text  # dates stay dd/mm/yyyy


def test_every_table_and_column_has_a_readable_name(app):
    with app.test_request_context():
        entities = labels.entity_labels()
        fields = labels.field_labels()
        overrides = labels.entity_field_labels()
        missing = []
        for table in SQLModel.metadata.sorted_tables:
            if table.name == "audit_event":
                continue
            if table.name not in entities:
                missing.append(table.name)
            missing += [f"{table.name}.{c.name}" for c in table.columns
                        if c.name not in fields and (table.name, c.name) not in overrides]
        assert not missing, f"give these a readable name in planner/audit_trail/labels.py: {missing}"
        assert all(key[0] in entities for key in overrides)
