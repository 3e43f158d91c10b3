"""Security headers on every response, no-store on every page and answer with data, cookies
flagged, and templates with no inline script, no on...= handler and no style attribute (the
Content Security Policy would block them)."""
import re
from pathlib import Path

import pytest

from planner.db import new_session
from tests import builders
from tests.conftest import _wipe, make_app

ROOT = Path(__file__).resolve().parents[2]


def _policy(resp):
    return dict(part.strip().split(" ", 1) for part in resp.headers["Content-Security-Policy"].split(";"))


def _common(resp):
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["X-Frame-Options"] == "DENY"
    assert resp.headers["Referrer-Policy"] == "same-origin"


@pytest.mark.parametrize("path", ["/map/", "/dashboard/?year=2024", "/field", "/review", "/targets",
                                  "/communes/16663", "/api/v1/targets?year=2024", "/no-such-page"])
def test_pages_and_answers_carry_the_headers_and_no_store(client, login, world, path):
    login("leader")
    resp = client.get(path)
    assert resp.status_code in (200, 404), (path, resp.status_code)
    _common(resp)
    assert resp.headers["Cache-Control"] == "no-store"
    policy = _policy(resp)
    assert policy["default-src"] == "'self'"
    assert re.fullmatch(r"'self' 'nonce-[\w-]{16,}'", policy["script-src"])
    assert policy["style-src"] == "'self'"
    assert policy["img-src"] == "'self' data: blob:"
    assert policy["connect-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"
    assert policy["base-uri"] == "'self'" and policy["form-action"] == "'self'"


def test_the_sign_in_page_too_and_a_new_nonce_each_time(client):
    first, second = client.get("/auth/login"), client.get("/auth/login")
    _common(first)
    assert first.headers["Cache-Control"] == "no-store"
    assert _policy(first)["script-src"] != _policy(second)["script-src"]


def test_files_and_map_geometry_keep_their_own_caching(client, login, world):
    login("leader")
    css = client.get("/static/planner.css")
    _common(css)
    assert "no-store" not in css.headers.get("Cache-Control", "")
    vendor = client.get("/vendor/bootstrap/css/bootstrap.min.css")
    assert "max-age=86400" in vendor.headers["Cache-Control"]
    version = world["version"].id
    geometry = client.get(f"/map/geometry/{version}/commune/0.geojson")
    assert geometry.status_code == 200
    assert geometry.headers["Cache-Control"] == "private, no-cache" and geometry.headers["ETag"]


def test_data_downloads_are_not_stored(client, login, world):
    login("leader")
    for path in ("/map/values.json?layer=hi_coverage&period=2024-12", "/map/values.xlsx?layer=hi_coverage&period=2024-12",
                 "/targets/ranking.xlsx?metric=hi_coverage&year=2024"):
        resp = client.get(path)
        assert resp.status_code == 200 and resp.headers["Cache-Control"] == "no-store", path


def test_the_offline_map_file_has_its_own_policy(client, login, world):
    login("leader")
    resp = client.get("/map/layer.html?layer=hi_coverage&period=2024-12")
    assert resp.status_code == 200
    _common(resp)
    policy = _policy(resp)
    assert policy["script-src"] == "'unsafe-inline'" and policy["default-src"] == "'none'"
    assert policy["frame-ancestors"] == "'none'" and "connect-src" not in policy  # it fetches nothing
    assert resp.headers["Cache-Control"] == "no-store"


def _login_cookie(url):
    app = make_app(url)
    try:
        resp = app.test_client().post("/auth/login", data={"username": "leader", "password": builders.PASSWORD})
        assert resp.status_code == 302
        return resp.headers["Set-Cookie"]
    finally:
        app.extensions["planner.engine"].dispose()


def test_session_cookie_is_http_only_lax_and_secure_when_asked(database_urls, monkeypatch):
    url = database_urls["sqlite"]
    app = make_app(url)
    _wipe(app)
    with new_session(app) as s:
        builders.small_province(s)
    app.extensions["planner.engine"].dispose()
    monkeypatch.setenv("PLANNER_SESSION_COOKIE_SECURE", "1")
    cookie = _login_cookie(url)
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    monkeypatch.setenv("PLANNER_SESSION_COOKIE_SECURE", "0")
    plain = _login_cookie(url)
    assert "Secure" not in plain and "HttpOnly" in plain and "SameSite=Lax" in plain


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I)
HANDLER = re.compile(r"\son[a-z]+\s*=", re.I)
STYLE = re.compile(r"\sstyle\s*=|<style", re.I)


def test_templates_have_no_inline_script_handler_or_style():
    found = []
    for path in sorted((ROOT / "templates").rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        for name, pattern in (("inline script", INLINE_SCRIPT), ("on...= handler", HANDLER), ("style", STYLE)):
            for match in pattern.finditer(text):
                if name == "inline script" and "csp_nonce()" in text[match.start():match.end()]:
                    continue
                found.append(f"{path.relative_to(ROOT)}: {name}: {match.group(0)}")
    assert found == []


def test_a_tile_server_of_another_host_may_serve_images():
    from planner.headers import page_policy, tile_source

    assert tile_source("https://{s}.tiles.example.vn/{z}/{x}/{y}.png") == "https://*.tiles.example.vn"
    assert tile_source("/tiles/{z}/{x}/{y}.png") is None
    assert tile_source("https://x.example/{z}; script-src *") == "https://x.example"  # only the origin
    assert "img-src 'self' data: blob: https://*.tiles.example.vn;" in page_policy(
        "n", tile_source("https://{s}.tiles.example.vn/{z}/{x}/{y}.png"))
