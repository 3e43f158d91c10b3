"""The /map/ page view: what it hands the template (B's page) and its empty states."""
import pytest
from flask import template_rendered

from tests.builders import add_user


@pytest.fixture
def rendered(app):
    seen = []

    def record(sender, template, context, **extra):
        seen.append((template.name, context))
    template_rendered.connect(record, app)
    yield seen
    template_rendered.disconnect(record, app)


def page_context(rendered):
    return next(ctx for name, ctx in rendered if name == "maps/coverage.html")


def test_page_context_for_the_browser(mapped, login, rendered):
    resp = login("leader").get("/map/?layer=gap&district=417&method=equal_interval&classes=4")
    assert resp.status_code == 200
    ctx = page_context(rendered)
    assert ctx["empty"] is None
    assert [layer["key"] for layer in ctx["layers"]][:2] == ["hi_coverage", "si_coverage"]
    assert {m["key"] for m in ctx["methods"]} == {"quantiles", "equal_interval", "natural_breaks", "target"}
    assert ctx["periods"] == [{"key": "2024-12", "label": "12/2024"}]
    assert ctx["districts"] == [{"code": "412", "name": "Thành phố Vinh"}, {"code": "417", "name": "Huyện Kỳ Sơn"}]
    assert ctx["initial"] == {"layer": "gap", "period": "2024-12", "level": "commune", "district": "417",
                              "method": "equal_interval", "classes": 4, "base": None}
    config = ctx["map_config"]
    assert config["values_url"] == "/map/values.json" and config["profile_url"] == "/map/profile/"
    assert config["band_zooms"] == [9, 11] and config["initial"] == ctx["initial"]


def test_foreign_or_bad_parameters_open_the_default_view(mapped, login, rendered):
    resp = login("head-412").get("/map/?district=417&layer=nope")
    assert resp.status_code == 200
    ctx = page_context(rendered)
    assert ctx["initial"]["layer"] == "hi_coverage" and ctx["initial"]["district"] is None
    assert ctx["districts"] == [{"code": "412", "name": "Thành phố Vinh"}]


def test_no_boundaries_and_no_registry(world, session, client, login, rendered):
    assert login("leader").get("/map/").status_code == 200
    assert page_context(rendered)["empty"] == "boundaries"
    rendered.clear()
    client.post("/auth/logout")
    add_user(session, "lonely", "leader")
    session.commit()
    session.delete(world["version"])
    session.commit()
    client.post("/auth/login", data={"username": "lonely", "password": "secret123"})
    assert client.get("/map/").status_code == 200
    assert page_context(rendered)["empty"] == "registry"


def test_signed_out_visitor_is_sent_to_sign_in(client):
    resp = client.get("/map/values.json")
    assert resp.status_code == 302 and "/auth/login" in resp.headers["Location"]
