"""Sign-in, sign-out, safe redirects, CSRF, language and number formats."""
import re

import pytest

from tests.conftest import make_app


def test_pages_redirect_to_sign_in(client, world):
    resp = client.get("/communes")
    assert resp.status_code == 302
    assert "/auth/login" in resp.headers["Location"]


def test_sign_in_page_and_static_files_are_public(client):
    assert client.get("/auth/login").status_code == 200
    assert client.get("/static/planner.css").status_code == 200
    assert client.get("/vendor/leaflet/leaflet.js").status_code == 200
    assert client.get("/vendor/bootstrap/css/bootstrap.min.css").status_code == 200
    assert client.get("/vendor/nothing/x.js").status_code == 404


def test_wrong_password_is_refused_in_vietnamese(client, world):
    resp = client.post("/auth/login", data={"username": "leader", "password": "nope"})
    assert resp.status_code == 200
    assert "Tên đăng nhập hoặc mật khẩu không đúng." in resp.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_empty_form_says_what_is_missing(client, world):
    html = client.post("/auth/login", data={}).get_data(as_text=True)
    assert "Hãy nhập tên đăng nhập." in html and "Hãy nhập mật khẩu." in html


def test_sign_in_then_out(client, world, login):
    login("leader")
    assert client.get("/").status_code == 200
    client.post("/auth/logout")
    assert client.get("/").status_code == 302


@pytest.mark.parametrize("target,expected", [
    ("/communes", "/communes"),
    ("https://evil.example/x", "/"),
    ("//evil.example/x", "/"),
])
def test_next_parameter_only_goes_to_this_site(client, world, target, expected):
    resp = client.post("/auth/login?next=" + target, data={"username": "leader", "password": "secret123"})
    assert resp.headers["Location"] == expected


def test_inactive_user_cannot_sign_in(client, session, world):
    user = world["users"]["leader"]
    user.active = False
    session.add(user)
    session.commit()
    resp = client.post("/auth/login", data={"username": "leader", "password": "secret123"})
    assert resp.status_code == 200


def test_csrf_is_enforced_on_forms(database_urls, backend, world):
    app = make_app(database_urls[backend], WTF_CSRF_ENABLED=True)
    client = app.test_client()
    resp = client.post("/auth/login", data={"username": "leader", "password": "secret123"})
    assert resp.status_code == 400
    page = client.get("/auth/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    resp = client.post("/auth/login", data={"username": "leader", "password": "secret123", "csrf_token": token})
    assert resp.status_code == 302
    assert client.post("/auth/logout").status_code == 400  # no token: refused
    app.extensions["planner.engine"].dispose()


def test_vietnamese_by_default_english_as_a_switch(client, world, login):
    login("leader")
    html = client.get("/").get_data(as_text=True)
    assert 'lang="vi"' in html and "Đăng xuất" in html
    assert "46.000" in html  # population in scope (15,000 + 21,000 + 6,000 + 4,000), Vietnamese grouping
    client.get("/auth/lang/en")
    html = client.get("/").get_data(as_text=True)
    assert 'lang="en"' in html and "Sign out" in html
    assert "46,000" in html


def test_password_is_hashed(world):
    assert world["users"]["leader"].password_hash.startswith("pbkdf2:sha256")


def test_pager_shows_a_window_of_pages(app):
    """A country-sized list gets first, last and the pages around the current one, not 200 links."""
    with app.test_request_context("/"):
        macro = app.jinja_env.get_template("_pagination.html").module.pager
        html = str(macro("areas.communes", 50, 212, {"district": "412"}))
    assert html.count('class="page-link"') == 1 + 2 + 5 + 2 + 1  # prev, first/last, 48-52, two gaps, next
    assert "page=212" in html and "page=49" in html and "page=60" not in html and "district=412" in html
