"""The dashboard routes of tests/access_dashboard.py by role, on their own (test_access.py runs
them together with every other route)."""
import pytest

from tests.test_access import CASES, LOGIN, ROLES, USERNAMES

DASHBOARD_CASES = [case for case in CASES if case[0].startswith("dashboard.")]  # tests/access_dashboard.py


@pytest.mark.parametrize("role", ROLES)
def test_dashboard_routes_by_role(app, world, role):
    client = app.test_client()
    if role != "anonymous":
        assert client.post("/auth/login", data={"username": USERNAMES[role], "password": "secret123"}).status_code == 302
    failures = []
    assert DASHBOARD_CASES
    for _endpoint, method, url, expected_by_role in DASHBOARD_CASES:
        expected = expected_by_role.get(role, LOGIN)
        resp = client.open(url, method=method)
        ok = (resp.status_code == 302 and "/auth/login" in resp.headers["Location"]) if expected == LOGIN \
            else resp.status_code == expected
        if not ok:
            failures.append(f"{role} {method} {url}: got {resp.status_code}, expected {expected}")
    assert failures == []


def test_redirects_go_where_they_should(client, world, login):
    login("head-417")
    assert client.get("/dashboard/?year=2024").headers["Location"].endswith("/dashboard/district/417?year=2024")
    client.post("/auth/logout")
    login("agent-16663")
    assert client.get("/dashboard/").headers["Location"].endswith("/field")
