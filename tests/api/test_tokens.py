"""Bearer tokens: hash-only storage, shown once, revocable, audited under the token's user,
no CSRF needed for them while a cookie session's writes still need the X-CSRFToken header."""
import hashlib
import re
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from planner.models import ApiToken, AuditEvent, Target, User
from planner.models.areas import utcnow
from planner.services import tokens
from tests.api.conftest import bearer
from tests.conftest import _wipe, make_app


def stored_token(session, raw):
    session.expire_all()
    return session.execute(select(ApiToken).where(ApiToken.token_hash == hashlib.sha256(raw.encode()).hexdigest())
                           ).scalars().one()


# --- the service ---------------------------------------------------------------------------

def test_only_the_hash_is_stored(session, world):
    token, raw = tokens.create_token(session=session, user=world["users"]["leader"], name="Báo cáo tự động")
    assert raw.startswith("npl_") and len(raw) >= 40
    assert token.token_hash == hashlib.sha256(raw.encode()).hexdigest()
    rows = session.execute(select(ApiToken.name, ApiToken.token_hash)).all()
    assert all(raw not in str(r) for r in rows)
    # The audit trail of the creation carries no raw token either.
    assert all(raw not in (e.after or "") for e in session.execute(select(AuditEvent)).scalars())


@pytest.mark.parametrize("name", ["", "   ", "x" * 81])
def test_token_needs_a_short_name(session, world, name):
    with pytest.raises(tokens.TokenError):
        tokens.create_token(session=session, user=world["users"]["leader"], name=name)


# --- authentication ------------------------------------------------------------------------

def test_bearer_token_signs_in_the_api(client, world, make_token):
    raw = make_token("head-412")
    resp = client.get("/api/v1/targets", headers=bearer(raw))
    assert resp.status_code == 200
    levels = {t["level"] for t in resp.get_json()["targets"]}
    assert levels == {"province", "district", "commune"}  # head of 412's scope


@pytest.mark.parametrize("header", ["Bearer npl_unknown", "Bearer ", "Bearer nonsense", "bearer npl_x"])
def test_unknown_tokens_are_401_json(client, world, header):
    resp = client.get("/api/v1/targets", headers={"Authorization": header})
    assert resp.status_code == 401 and resp.get_json()["error"] == "invalid token"
    assert resp.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_bad_token_is_refused_even_with_a_signed_in_cookie(client, world, login):
    login("leader")
    assert client.get("/api/v1/targets", headers=bearer("npl_wrong")).status_code == 401


def test_revoked_token_is_401(client, session, world, make_token):
    raw = make_token("leader")
    assert client.get("/api/v1/targets", headers=bearer(raw)).status_code == 200
    token = stored_token(session, raw)
    assert tokens.revoke_token(session=session, user=world["users"]["leader"], token_id=token.id)
    resp = client.get("/api/v1/targets", headers=bearer(raw))
    assert resp.status_code == 401 and resp.is_json


def test_token_of_a_deactivated_user_is_401(client, session, world, make_token):
    raw = make_token("head-412")
    session.execute(update(User).where(User.username == "head-412").values(active=False))
    session.commit()
    assert client.get("/api/v1/targets", headers=bearer(raw)).status_code == 401


def test_bearer_tokens_are_for_the_api_only(client, world, make_token):
    raw = make_token("leader")
    resp = client.get("/districts", headers=bearer(raw))
    assert resp.status_code == 302 and "/auth/login" in resp.headers["Location"]


def test_last_used_is_written_at_most_once_a_minute(client, session, world, make_token):
    raw = make_token("leader")
    assert stored_token(session, raw).last_used_at is None
    client.get("/api/v1/targets", headers=bearer(raw))
    first = stored_token(session, raw).last_used_at
    assert first is not None
    client.get("/api/v1/targets", headers=bearer(raw))
    assert stored_token(session, raw).last_used_at == first  # no write within the minute
    earlier = utcnow() - timedelta(minutes=2)
    session.execute(update(ApiToken).where(ApiToken.id == stored_token(session, raw).id)
                    .values(last_used_at=earlier))
    session.commit()
    client.get("/api/v1/targets", headers=bearer(raw))
    assert stored_token(session, raw).last_used_at > earlier + timedelta(minutes=1)
    # Touching the token is not an audited change (no event per request).
    assert session.execute(select(AuditEvent).where(AuditEvent.entity == "api_token",
                                                    AuditEvent.action == "update")).first() is None


# --- CSRF: tokens need none; cookie sessions need the header --------------------------------

@pytest.fixture
def csrf_app(backend, database_urls):
    app = make_app(database_urls[backend], WTF_CSRF_ENABLED=True)
    _wipe(app)
    yield app
    app.extensions["planner.engine"].dispose()


@pytest.fixture
def csrf_world(csrf_app):
    from planner.db import new_session
    from tests import builders

    with new_session(csrf_app) as s:
        world = builders.small_province(s)
        world["targets"] = builders.small_plan(s, world)
        yield world


def _signed_in(app, username):
    """A client whose cookie session is signed in, and the CSRF token its pages carry."""
    client = app.test_client()
    page = client.get("/auth/login").get_data(as_text=True)
    csrf_token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or \
        re.search(r'name="csrf_token" value="([^"]+)"', page)
    resp = client.post("/auth/login", data={"username": username, "password": "secret123",
                                            "csrf_token": csrf_token.group(1)})
    assert resp.status_code == 302
    page = client.get("/account/tokens").get_data(as_text=True)
    return client, re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def _value(app, target_id):
    from planner.db import new_session
    with new_session(app) as s:
        return s.get(Target, target_id).value


def test_session_put_without_csrf_header_is_refused(csrf_app, csrf_world):
    t = csrf_world["targets"]["district_412"]
    client, _csrf = _signed_in(csrf_app, "leader")
    resp = client.put(f"/api/v1/targets/{t.id}", json={"value": 97.0, "version": 1})
    assert resp.status_code == 400 and resp.is_json and resp.get_json()["error"] == "csrf"
    assert _value(csrf_app, t.id) == 96.0
    # Reading needs no token.
    assert client.get(f"/api/v1/targets/{t.id}").status_code == 200


def test_session_put_with_csrf_header_is_accepted(csrf_app, csrf_world):
    t = csrf_world["targets"]["district_412"]
    client, csrf_token = _signed_in(csrf_app, "leader")
    resp = client.put(f"/api/v1/targets/{t.id}", json={"value": 97.0, "version": 1},
                      headers={"X-CSRFToken": csrf_token})
    assert resp.status_code == 200, resp.get_json()
    assert _value(csrf_app, t.id) == 97.0


def test_token_put_needs_no_csrf_and_is_audited_under_the_token_user(csrf_app, csrf_world):
    from planner.db import new_session

    t = csrf_world["targets"]["commune_16663"]
    with new_session(csrf_app) as s:
        head = s.execute(select(User).where(User.username == "head-412")).scalars().one()
        _token, raw = tokens.create_token(session=s, user=head, name="máy tính bảng")
    client = csrf_app.test_client()
    resp = client.put(f"/api/v1/targets/{t.id}", json={"value": 98.0, "version": 1, "reason": "qua API"},
                      headers=bearer(raw))
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["updated_by"] == "head-412"
    with new_session(csrf_app) as s:
        event = s.execute(select(AuditEvent).where(AuditEvent.entity == "target", AuditEvent.action == "update",
                                                   AuditEvent.entity_id == str(t.id))).scalars().one()
        assert (event.username, event.user_id) == ("head-412", head.id)
    # The token never makes a cookie session: the next request without it is anonymous.
    assert client.get("/api/v1/targets").status_code == 401


def test_token_page_form_needs_csrf(csrf_app, csrf_world):
    client, _csrf = _signed_in(csrf_app, "leader")
    resp = client.post("/account/tokens", data={"name": "không có mã CSRF"})
    assert resp.status_code == 400


# --- the page ------------------------------------------------------------------------------

def test_token_page_creates_shows_once_lists_and_revokes(client, session, world, login):
    login("head-412")
    resp = client.get("/account/tokens")
    assert resp.status_code == 200 and "Bạn chưa có mã truy cập nào." in resp.get_data(as_text=True)

    resp = client.post("/account/tokens", data={"name": "Máy tính bảng xã Đông Vĩnh"})
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200 and resp.headers["Cache-Control"] == "no-store"
    raw = re.search(r"(npl_[A-Za-z0-9_-]{40,})", page).group(1)
    assert client.get("/api/v1/targets", headers=bearer(raw)).status_code == 200

    page = client.get("/account/tokens").get_data(as_text=True)
    assert raw not in page  # shown once
    assert "Máy tính bảng xã Đông Vĩnh" in page and "Đang dùng" in page

    token = stored_token(session, raw)
    assert token.user_id == world["users"]["head"].id
    resp = client.post(f"/account/tokens/{token.id}/revoke")
    assert resp.status_code == 302
    assert "Đã thu hồi" in client.get("/account/tokens").get_data(as_text=True)
    assert client.get("/api/v1/targets", headers=bearer(raw)).status_code == 401


def test_token_page_requires_a_name(client, world, login):
    login("leader")
    resp = client.post("/account/tokens", data={"name": ""})
    assert resp.status_code == 200 and "Hãy đặt tên cho mã truy cập." in resp.get_data(as_text=True)


def test_nobody_revokes_someone_elses_token(client, session, world, login, make_token):
    raw = make_token("leader")
    token = stored_token(session, raw)
    login("admin")
    assert client.post(f"/account/tokens/{token.id}/revoke").status_code == 404
    assert stored_token(session, raw).revoked is False
    assert "npl_" not in client.get("/account/tokens").get_data(as_text=True)


def test_each_user_sees_only_their_tokens(client, world, login, make_token):
    make_token("leader", name="Của lãnh đạo")
    login("head-412")
    assert "Của lãnh đạo" not in client.get("/account/tokens").get_data(as_text=True)


# --- the command ---------------------------------------------------------------------------

def test_cli_creates_a_token_and_prints_it(runner, client, world):
    result = runner.invoke(args=["token", "create", "leader", "--name", "báo cáo đêm"])
    assert result.exit_code == 0, result.output
    raw = result.output.strip()
    assert raw.startswith("npl_")
    assert client.get("/api/v1/targets", headers=bearer(raw)).status_code == 200


def test_cli_refuses_unknown_users(runner, world):
    result = runner.invoke(args=["token", "create", "nobody", "--name", "x"])
    assert result.exit_code == 1 and "nobody" in result.output
