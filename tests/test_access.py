"""Every route with every role: allowed or denied, as the scope rules say.

Roles: anonymous, leader, admin, district head of 412 (head), district head of 417 (other_head),
agent of commune 16663 (in 412). Commune 16663 is in 412, 16741 in 417.
A new route fails test_every_route_is_in_the_table until its expectations are written here.
"""
import pytest

ROLES = ["anonymous", "leader", "admin", "head", "other_head", "agent"]
USERNAMES = {"leader": "leader", "admin": "admin", "head": "head-412", "other_head": "head-417",
             "agent": "agent-16663"}
OK, DENIED, HIDDEN, REDIRECT, LOGIN = 200, 403, 404, 302, "login"


def everyone(status):
    return {role: status for role in ROLES if role != "anonymous"}


def only(allowed, status_allowed=OK, denied=DENIED, **overrides):
    table = {role: (status_allowed if role in allowed else denied) for role in ROLES if role != "anonymous"}
    table.update(overrides)
    return table


# (endpoint, method, url, {role: expected}); anonymous is LOGIN unless said otherwise.
CASES = [
    ("home.index", "GET", "/", everyone(OK)),
    ("areas.districts", "GET", "/districts", everyone(OK)),
    ("areas.district", "GET", "/districts/412", only({"leader", "admin", "head", "agent"}, denied=HIDDEN)),
    ("areas.district", "GET", "/districts/417", only({"leader", "admin", "other_head"}, denied=HIDDEN)),
    ("areas.communes", "GET", "/communes", everyone(OK)),
    ("areas.commune", "GET", "/communes/16663", only({"leader", "admin", "head", "agent"}, denied=HIDDEN)),
    ("areas.commune", "GET", "/communes/16741", only({"leader", "admin", "other_head"}, denied=HIDDEN)),
    ("areas.edit_commune", "GET", "/communes/16663/edit", only({"leader", "admin", "head"}, other_head=HIDDEN)),
    ("areas.edit_commune", "GET", "/communes/16741/edit", only({"leader", "admin", "other_head"}, head=HIDDEN, agent=HIDDEN)),
    ("areas.add_denominator", "GET", "/communes/16663/denominators/new", only({"leader", "admin", "head"}, other_head=HIDDEN)),
    ("areas.edit_denominator", "GET", "/communes/16663/denominators/2024/edit", only({"leader", "admin", "head"}, other_head=HIDDEN)),
    ("areas.delete_denominator", "POST", "/communes/16663/denominators/2024/delete",
     only({"leader", "admin", "head"}, REDIRECT, other_head=HIDDEN)),
    ("areas.add_coverage", "GET", "/communes/16663/coverage/new", only({"leader", "admin", "head"}, other_head=HIDDEN)),
    ("areas.edit_coverage", "GET", "/communes/16663/coverage/2024-12/edit", only({"leader", "admin", "head"}, other_head=HIDDEN)),
    ("areas.delete_coverage", "POST", "/communes/16663/coverage/2024-12/delete",
     only({"leader", "admin", "head"}, REDIRECT, other_head=HIDDEN)),
    ("areas.import_data", "GET", "/import", only({"leader", "admin", "head", "other_head"})),
    ("areas.import_template", "GET", "/import/template/coverage.csv", only({"leader", "admin", "head", "other_head"})),
    ("maps.coverage", "GET", "/map/", everyone(OK)),
    ("users.list_users", "GET", "/users", only({"admin"})),
    ("users.create_user", "GET", "/users/new", only({"admin"})),
    ("users.edit_user", "GET", "/users/{leader_id}", only({"admin"})),
    ("users.change_password", "GET", "/account/password", everyone(OK)),
    ("auth.login", "GET", "/auth/login", dict(everyone(OK), anonymous=OK)),
    ("auth.logout", "POST", "/auth/logout", dict(everyone(REDIRECT), anonymous=REDIRECT)),
    ("auth.set_language", "GET", "/auth/lang/en", dict(everyone(REDIRECT), anonymous=REDIRECT)),
    ("static", "GET", "/static/planner.css", dict(everyone(OK), anonymous=OK)),
    ("vendor.file", "GET", "/vendor/leaflet/leaflet.css", dict(everyone(OK), anonymous=OK)),
]


def _feature_cases():
    """Features list their own routes in tests/access_<feature>.py (CASES, same shape)."""
    import importlib
    import pkgutil

    import tests

    extra = []
    for info in pkgutil.iter_modules(tests.__path__):
        if info.name.startswith("access_"):
            extra.extend(importlib.import_module(f"tests.{info.name}").CASES)
    return extra


CASES = CASES + _feature_cases()


def test_every_route_is_in_the_table(app):
    covered = {endpoint for endpoint, *_ in CASES}
    routes = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert routes - covered == set(), "add these routes to tests/test_access.py"


def url_values(world):
    """Ids a case's URL may name: {leader_id}, {province_id}, {district_412_id}, {commune_16663_id}, ..."""
    values = {"leader_id": world["users"]["leader"].id, "agent_id": world["users"]["agent"].id,
              "province_id": world["province"].id, "version_id": world["version"].id}
    values.update({f"district_{code}_id": d.id for code, d in world["districts"].items()})
    values.update({f"commune_{code}_id": c.id for code, c in world["communes"].items()})
    values.update({f"target_{name}_id": t.id for name, t in world.get("targets", {}).items()})
    return values


@pytest.mark.parametrize("role", ROLES)
def test_route_by_role(app, world, role):
    client = app.test_client()
    if role != "anonymous":
        resp = client.post("/auth/login", data={"username": USERNAMES[role], "password": "secret123"})
        assert resp.status_code == 302
    failures = []
    for endpoint, method, url, expected_by_role in CASES:
        expected = expected_by_role.get(role, LOGIN)
        url = url.format(**url_values(world))
        resp = client.open(url, method=method)
        if expected == LOGIN:
            ok = resp.status_code == 302 and "/auth/login" in resp.headers["Location"]
        else:
            ok = resp.status_code == expected
        if not ok:
            failures.append(f"{role} {method} {url}: got {resp.status_code}, expected {expected}")
        if endpoint == "auth.logout" and role != "anonymous":
            client.post("/auth/login", data={"username": USERNAMES[role], "password": "secret123"})
        if endpoint == "auth.set_language":
            client.get("/auth/lang/vi")
    assert failures == []


def test_posts_outside_scope_change_nothing(client, session, world, login):
    """A district head's POSTs to another district's commune are refused and write nothing."""
    from sqlalchemy import select

    from planner.models import Commune, Denominator

    login("head-412")
    target = world["communes"]["16741"]
    assert client.post("/communes/16741/edit", data={"name": "Hacked", "kind": "commune"}).status_code == 404
    assert client.post("/communes/16741/denominators/2024/delete").status_code == 404
    session.expire_all()
    assert session.get(Commune, target.id).name == "Xã Mỹ Lý"
    assert session.execute(select(Denominator).where(Denominator.commune_id == target.id)).scalars().first()
