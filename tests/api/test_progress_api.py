"""GET /api/v1/progress: rows of progress.progress(...) as JSON, within the user's scope."""
from datetime import date

import pytest

from planner.models import CoverageRecord


@pytest.fixture
def progress_world(session, plan, world):
    """January 2024 figures under December's, so the pace has a base and a projection."""
    for code, hi in {"16663": 14000, "16666": 19000, "16738": 4500}.items():
        session.add(CoverageRecord(commune_id=world["communes"][code].id, period=date(2024, 1, 1),
                                   hi_participants=hi, source="test"))
    session.commit()
    return plan


def test_commune_progress_for_the_leader(client, progress_world, login):
    login("leader")
    resp = client.get("/api/v1/progress?metric=hi_coverage&level=commune&period=2024")
    assert resp.status_code == 200 and resp.is_json
    data = resp.get_json()
    assert data["as_of"] == "2024-12-01" and data["period"] == 2024 and data["level"] == "commune"
    assert data["metric"]["code"] == "hi_coverage" and data["metric"]["kind"] == "rate"
    rows = {r["unit"]["code"]: r for r in data["rows"]}
    assert list(rows) == ["16663", "16666", "16738", "16741"]
    vinh = rows["16663"]
    assert vinh["unit"]["name"] == "Phường Đông Vĩnh"
    assert vinh["denominator"] == 15000
    assert vinh["actual"] == {"people": 14500, "value": pytest.approx(96.6667, abs=1e-4)}
    assert vinh["target"]["people"] == 14550 and vinh["target"]["value"] == 97.0
    assert vinh["target"]["id"] == progress_world["commune_16663"].id and vinh["target"]["version"] == 1
    assert isinstance(vinh["expected"]["people"], int) and isinstance(vinh["projection"]["value"], float)
    assert vinh["flag"] in ("on_track", "at_risk", "off_track")
    assert isinstance(vinh["ratio"], float)
    # No record at all for Mỹ Lý: nulls, never strings.
    assert rows["16741"]["actual"] == {"people": None, "value": None} and rows["16741"]["flag"] is None


def test_district_and_province_levels(client, progress_world, login):
    login("leader")
    data = client.get("/api/v1/progress?level=district&period=2024").get_json()
    rows = {r["unit"]["code"]: r for r in data["rows"]}
    assert set(rows) == {"412", "417"}
    assert rows["412"]["actual"]["people"] == 14500 + 20000
    assert rows["412"]["target"]["value"] == 96.0 and rows["417"]["target"]["value"] == 90.0
    data = client.get("/api/v1/progress?level=province&year=2024").get_json()
    assert [r["unit"]["code"] for r in data["rows"]] == ["40"]
    assert data["rows"][0]["target"]["value"] == 95.0


def test_scope_limits_the_rows(client, progress_world, login):
    login("head-417")
    data = client.get("/api/v1/progress?level=commune&period=2024").get_json()
    assert [r["unit"]["code"] for r in data["rows"]] == ["16738", "16741"]
    assert [r["unit"]["code"] for r in client.get("/api/v1/progress?level=district&period=2024")
            .get_json()["rows"]] == ["417"]


def test_agent_sees_their_commune(client, progress_world, login):
    login("agent-16663")
    data = client.get("/api/v1/progress?level=commune&period=2024").get_json()
    assert [r["unit"]["code"] for r in data["rows"]] == ["16663"]


def test_defaults_to_the_latest_year_with_figures(client, progress_world, login):
    login("leader")
    data = client.get("/api/v1/progress").get_json()
    assert (data["period"], data["level"], data["metric"]["code"]) == (2024, "commune", "hi_coverage")


def test_people_metric(client, progress_world, login):
    login("leader")
    data = client.get("/api/v1/progress?metric=voluntary_si&level=district&period=2024").get_json()
    assert data["metric"]["kind"] == "people"
    row = next(r for r in data["rows"] if r["unit"]["code"] == "412")
    assert row["actual"]["people"] == row["actual"]["value"] == 8000 // 20 + 11000 // 20


@pytest.mark.parametrize("query, field", [
    ("level=hamlet", "level"), ("metric=happiness", "metric"), ("period=20x4", "period"),
    ("period=1800", "period"),
])
def test_bad_parameters_are_400(client, progress_world, login, query, field):
    login("leader")
    resp = client.get(f"/api/v1/progress?{query}")
    assert resp.status_code == 400 and field in resp.get_json()["fields"]


def test_year_without_figures_has_no_as_of(client, progress_world, login):
    login("leader")
    data = client.get("/api/v1/progress?period=2030").get_json()
    assert data["as_of"] is None and len(data["rows"]) == 4
    assert all(r["flag"] is None for r in data["rows"])
