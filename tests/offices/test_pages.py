"""The office-area pages: who sees and who edits, the confirmation pages before a move or a
merge, refusals shown on the page with nothing changed, Vietnamese and English."""
from datetime import date

import pytest
from sqlalchemy import func, select

from planner.models import Commune, District, OfficeAreaChange
from planner.services import offices
from tests import builders

TODAY = date.today().isoformat()


def _changes(session):
    return session.execute(select(func.count()).select_from(OfficeAreaChange)).scalar()


@pytest.mark.parametrize("username", ["head-412", "agent-16681"])
def test_heads_and_agents_are_refused(client, ow, login, username):
    login(username)
    office = ow["offices"]["412"]
    assert client.get("/offices/").status_code == 403
    assert client.get(f"/offices/{office.id}").status_code == 403
    assert client.post(f"/offices/{office.id}/rename", data={"rename-name": "X", "rename-effective_on": TODAY}
                       ).status_code == 403
    assert client.get("/offices/carry-over").status_code == 403


def test_leader_reads_but_does_not_edit(client, session, ow, login):
    login("leader")
    office = ow["offices"]["412"]
    page = client.get("/offices/").get_data(as_text=True)
    assert "BHXH cơ sở Vinh" in page and "30.000" in page and "Head-412" in page
    assert "đề xuất chuyển địa bàn" not in page  # the carry-over count is for admins
    page = client.get(f"/offices/{office.id}").get_data(as_text=True)
    assert "Phường Thành Vinh" in page and "20.000" in page and 'id="edit-forms"' not in page
    for action, data in (("rename", {"rename-name": "Mới", "rename-effective_on": TODAY}),
                         ("move-here", {"here-commune_id": ow["communes"]["16738"].id, "here-effective_on": TODAY,
                                        "here-confirm": "1"}),
                         ("merge", {"merge-into_id": ow["offices"]["417"].id, "merge-effective_on": TODAY,
                                    "merge-confirm": "1"}),
                         ("delete", {"delete-effective_on": TODAY})):
        assert client.post(f"/offices/{office.id}/{action}", data=data).status_code == 403
    assert _changes(session) == 0


def test_district_version_shows_an_empty_state(client, session, login):
    world = builders.small_province(session)
    login("admin")
    page = client.get("/offices/").get_data(as_text=True)
    assert 'id="empty-state"' in page and "còn cấp huyện" in page and 'href="/districts"' in page
    assert client.get(f"/offices/{world['districts']['412'].id}").status_code == 404
    assert client.post(f"/offices/{world['districts']['412'].id}/rename",
                       data={"rename-name": "X", "rename-effective_on": TODAY}).status_code == 404


def test_admin_renames_and_sees_the_history(client, session, ow, login):
    login("admin")
    office = ow["offices"]["418"]
    resp = client.post(f"/offices/{office.id}/rename",
                       data={"rename-name": "BHXH cơ sở Tương Dương mới", "rename-effective_on": "01/12/2026"})
    assert resp.status_code == 302
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "Đã đổi tên BHXH cơ sở Tương Dương thành BHXH cơ sở Tương Dương mới." in page
    assert "Đổi tên BHXH cơ sở Tương Dương thành BHXH cơ sở Tương Dương mới, hiệu lực từ 01/12/2026." in page
    assert 'id="history-table"' in page and "admin" in page


def test_rename_refusals_on_the_page(client, session, ow, login):
    login("admin")
    office = ow["offices"]["418"]
    resp = client.post(f"/offices/{office.id}/rename", data={"rename-name": "BHXH cơ sở Vinh",
                                                              "rename-effective_on": TODAY})
    assert resp.status_code == 422 and "Đã có đơn vị tên “BHXH cơ sở Vinh”" in resp.get_data(as_text=True)
    resp = client.post(f"/offices/{office.id}/rename", data={"rename-name": "", "rename-effective_on": "31/02/2026"})
    text = resp.get_data(as_text=True)
    assert resp.status_code == 400 and "Hãy nhập tên mới." in text and "Ngày không hợp lệ" in text
    resp = client.post(f"/offices/{office.id}/rename", data={"rename-name": "Mới", "rename-effective_on": "2024-01-01"})
    assert resp.status_code == 422 and "trước ngày phiên bản địa giới Test 2025 có hiệu lực" in resp.get_data(as_text=True)
    session.expire_all()
    assert session.get(District, office.id).name == "BHXH cơ sở Tương Dương" and _changes(session) == 0


def test_move_here_shows_what_changes_then_moves_on_confirmation(client, session, ow, login):
    login("admin")
    vinh, commune = ow["offices"]["412"], ow["communes"]["16738"]
    data = {"here-commune_id": commune.id, "here-effective_on": "2026-12-01"}
    resp = client.post(f"/offices/{vinh.id}/move-here", data=data)
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200 and 'id="confirm-form"' in page
    assert "Xã Mường Xén chuyển từ BHXH cơ sở Kỳ Sơn sang BHXH cơ sở Vinh, hiệu lực từ 01/12/2026." in page
    assert "tổng chỉ tiêu các xã của BHXH cơ sở Kỳ Sơn còn 3.800 người" in page
    assert 'id="preview-targets"' in page and "36.400 người" in page
    assert f'name="here-commune_id" value="{commune.id}"' in page and 'name="here-effective_on" value="2026-12-01"' in page
    session.expire_all()
    assert session.get(Commune, commune.id).district_id == ow["offices"]["417"].id and _changes(session) == 0
    resp = client.post(f"/offices/{vinh.id}/move-here", data=dict(data, **{"here-confirm": "1"}))
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/offices/{vinh.id}#history")
    session.expire_all()
    assert session.get(Commune, commune.id).district_id == vinh.id
    page = client.get(f"/offices/{vinh.id}").get_data(as_text=True)
    assert "Đã chuyển Xã Mường Xén sang BHXH cơ sở Vinh." in page and "Chuyển xã" in page
    page = client.get(f"/offices/{ow['offices']['417'].id}").get_data(as_text=True)
    assert "Xã Mường Xén chuyển từ BHXH cơ sở Kỳ Sơn sang BHXH cơ sở Vinh" in page  # both offices' history


def test_move_away_and_its_refusals(client, session, ow, login):
    login("admin")
    kyson = ow["offices"]["417"]
    commune = ow["communes"]["16750"]
    resp = client.post(f"/offices/{kyson.id}/move-away", data={"away-commune_id": commune.id,
                                                               "away-effective_on": TODAY})
    assert resp.status_code == 400 and "Hãy chọn BHXH cơ sở nhận xã." in resp.get_data(as_text=True)
    resp = client.post(f"/offices/{kyson.id}/move-away", data={"away-commune_id": ow["communes"]["16681"].id,
                                                               "away-to_office_id": ow["offices"]["418"].id,
                                                               "away-effective_on": TODAY})
    assert resp.status_code == 400 and "Lựa chọn không hợp lệ." in resp.get_data(as_text=True)  # not Kỳ Sơn's
    resp = client.post(f"/offices/{kyson.id}/move-away", data={"away-commune_id": commune.id,
                                                               "away-to_office_id": ow["offices"]["418"].id,
                                                               "away-effective_on": "2030-01-01", "away-confirm": "1"})
    assert resp.status_code == 422 and "quá xa" in resp.get_data(as_text=True)
    assert _changes(session) == 0
    resp = client.post(f"/offices/{kyson.id}/move-away", data={"away-commune_id": commune.id,
                                                               "away-to_office_id": ow["offices"]["418"].id,
                                                               "away-effective_on": TODAY, "away-confirm": "1"})
    assert resp.status_code == 302
    session.expire_all()
    assert session.get(Commune, commune.id).district_id == ow["offices"]["418"].id


def test_merge_confirmation_then_merge(client, session, ow, login):
    login("admin")
    source, into = ow["offices"]["418"], ow["offices"]["417"]
    resp = client.post(f"/offices/{ow['offices']['417'].id}/merge",
                       data={"merge-into_id": ow["offices"]["412"].id, "merge-effective_on": TODAY})
    assert resp.status_code == 422 and "còn chỉ tiêu của chính đơn vị các năm 2026" in resp.get_data(as_text=True)
    data = {"merge-into_id": into.id, "merge-effective_on": TODAY}
    page = client.post(f"/offices/{source.id}/merge", data=data).get_data(as_text=True)
    assert "Gộp BHXH cơ sở Tương Dương vào BHXH cơ sở Kỳ Sơn?" in page and 'id="confirm-button"' in page
    assert "BHXH cơ sở Tương Dương được xóa khỏi danh sách BHXH cơ sở." in page
    session.expire_all()
    assert session.get(District, source.id) is not None
    resp = client.post(f"/offices/{source.id}/merge", data=dict(data, **{"merge-confirm": "1"}))
    assert resp.status_code == 302 and f"/offices/{into.id}" in resp.headers["Location"]
    assert client.get(f"/offices/{source.id}").status_code == 404
    page = client.get(f"/offices/{into.id}").get_data(as_text=True)
    assert "Đã gộp BHXH cơ sở Tương Dương vào BHXH cơ sở Kỳ Sơn." in page and "Xã Tam Quang" in page
    assert "Gộp đơn vị" in client.get("/offices/").get_data(as_text=True)  # the recent changes


def test_delete_is_refused_while_the_office_has_communes(client, session, ow, login):
    login("admin")
    office = ow["offices"]["418"]
    resp = client.post(f"/offices/{office.id}/delete", data={"delete-effective_on": TODAY})
    assert resp.status_code == 422 and "còn 1 xã" in resp.get_data(as_text=True)
    session.expire_all()
    assert session.get(District, office.id) is not None


def test_history_is_paged_newest_first(client, session, ow, login):
    office, admin = ow["offices"]["418"], ow["users"]["admin"]
    for n in range(22):
        offices.rename(session=session, office=office, new_name=f"BHXH cơ sở số {n}",
                       effective_on=date(2026, 1, 1 + n), user=admin)
    login("admin")
    first = client.get(f"/offices/{office.id}").get_data(as_text=True)
    assert "thành BHXH cơ sở số 21," in first and "thành BHXH cơ sở số 1," not in first
    assert first.index("22/01/2026") < first.index("21/01/2026")
    second = client.get(f"/offices/{office.id}?history_page=2").get_data(as_text=True)
    assert "thành BHXH cơ sở số 1," in second and "thành BHXH cơ sở số 0," in second
    assert "thành BHXH cơ sở số 21," not in second


def test_pages_in_english(client, session, ow, login):
    login("admin")
    client.get("/auth/lang/en")
    office = ow["offices"]["412"]
    for url in ("/offices/", f"/offices/{office.id}", "/offices/carry-over"):
        resp = client.get(url)
        page = resp.get_data(as_text=True)
        assert resp.status_code == 200 and '<html lang="en">' in page, url
        assert "Communes" in page  # the menu, from the catalogue
    resp = client.post(f"/offices/{office.id}/move-here",
                       data={"here-commune_id": ow["communes"]["16738"].id, "here-effective_on": TODAY})
    assert resp.status_code == 200 and '<html lang="en">' in resp.get_data(as_text=True)
    assert "7,600" in resp.get_data(as_text=True)  # numbers in the English format on the preview


def test_move_with_csrf_tokens_as_a_browser_sends_them(backend, database_urls, ow):
    """With CSRF on (as in production): the prefixed token of the office page's form, then the
    confirmation page's own, carry the move through."""
    import re

    from tests.conftest import make_app

    app = make_app(database_urls[backend], WTF_CSRF_ENABLED=True)
    try:
        client = app.test_client()
        login_page = client.get("/auth/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', login_page).group(1)
        assert client.post("/auth/login", data={"username": "admin", "password": builders.PASSWORD,
                                                "csrf_token": token}).status_code == 302
        vinh, commune = ow["offices"]["412"], ow["communes"]["16738"]
        page = client.get(f"/offices/{vinh.id}").get_data(as_text=True)
        here_token = re.search(r'id="here-csrf_token" name="here-csrf_token" type="hidden" value="([^"]+)"',
                               page).group(1)
        data = {"here-commune_id": commune.id, "here-effective_on": TODAY}
        assert client.post(f"/offices/{vinh.id}/move-here", data=data).status_code == 400  # no token: refused
        confirm = client.post(f"/offices/{vinh.id}/move-here", data=dict(data, **{"here-csrf_token": here_token}))
        assert confirm.status_code == 200
        fields = dict(re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', confirm.get_data(as_text=True)))
        assert fields["here-confirm"] == "1" and fields["here-commune_id"] == str(commune.id)
        resp = client.post(f"/offices/{vinh.id}/move-here", data=fields)
        assert resp.status_code == 302
    finally:
        app.extensions["planner.engine"].dispose()
    from planner.db import new_session

    with new_session(app) as check:
        assert check.get(Commune, commune.id).district_id == vinh.id
