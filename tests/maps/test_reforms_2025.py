"""The map across the reforms of December 2024 and July 2025, on the real files (skipped without
them): each period is drawn in the version in force, the change layer reaches back across two
reforms with each old unit counted once, scopes follow the office/district code and the
crosswalk chain, labels name the middle level of the period's version, caches are per version.

One database per backend for the module (tests/maps/reforms_data.py): the 460, 412 and 130
versions with boundaries, both crosswalks, coverage for 06/2024 (460), 03/2025 (412), 07/2025
and 11/2026 (130).
"""
import csv
import io
import json
import os
from collections import defaultdict
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from planner.db import new_session
from planner.models import Commune, CoverageRecord, CrosswalkLink, Denominator, User
from planner.services import coverage_map, map_geometry, map_layers
from tests.conftest import BACKENDS, _wipe, make_app
from tests.maps import reforms_data

GEO = Path(os.environ["PLANNER_TEST_BOUNDARIES"]).parent if os.environ.get("PLANNER_TEST_BOUNDARIES") else None
PERIODS = [date(2024, 6, 1), date(2025, 3, 1), date(2025, 7, 1), date(2026, 11, 1)]

pytestmark = pytest.mark.skipif(GEO is None or not reforms_data.files_present(GEO),
                                reason="PLANNER_TEST_BOUNDARIES has no 2024-12/2025-07 files beside it")


def _rows(name):
    with open(GEO / name, encoding="utf-8-sig") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def files():
    """What the files say, read independently of the importers."""
    step1 = {r["ma_xa_2020"]: r["ma_xa_2024_12"] for r in _rows("crosswalk-2020-to-2024-12.csv")}
    step2 = {r["ma_xa_2024_12"]: r["ma_xa_2025_07"] for r in _rows("crosswalk-2024-12-to-2025-07.csv")}
    groups = defaultdict(set)  # 130-unit code -> the 460-unit codes it is made of
    for old, mid in step1.items():
        groups[step2[mid]].add(old)
    units_460 = json.loads((GEO / "communes-2020-2024.geojson").read_text(encoding="utf-8"))["features"]
    units_412 = _rows("communes-2024-12.csv")
    units_130 = _rows("communes-2025-07.csv")
    return {
        "groups": groups,
        "district 417 (460)": {f["properties"]["ma_xa"] for f in units_460 if f["properties"]["ma_huyen"] == "417"},
        "district 417 (412)": {r["ma_xa"] for r in units_412 if r["ma_huyen"] == "417"},
        "office 417": {r["ma_xa"] for r in units_130 if r["ma_huyen_cu"] == "417"},
    }


@pytest.fixture(scope="module", params=BACKENDS)
def reforms(request, database_urls):
    from planner import audit

    app = make_app(database_urls[request.param])
    _wipe(app)
    with app.app_context(), audit.acting_as(None, "test"), new_session(app) as session:
        versions = reforms_data.build(session, GEO, periods=PERIODS)
        reforms_data.add_users(session, versions, "x", agent_code="16681")
        ids = {key: v.id for key, v in versions.items()}
        # Later population figures, as a registry keeps them: 2024 in both versions in force that
        # year (460 until November, 412 from December), 2026 in the 130-unit version. A base in
        # 2024 must use the 460 version's own 2024 figures, never the two versions' summed.
        for key, year, factor in (("460", 2024, 1.05), ("412", 2024, 1.05), ("130", 2026, 1.08)):
            rows = session.execute(select(Denominator.commune_id, Denominator.population)
                                   .join(Commune, Commune.id == Denominator.commune_id)
                                   .where(Commune.version_id == ids[key], Denominator.year == 2019)).all()
            session.add_all(Denominator(commune_id=cid, year=year, population=round(pop * factor),
                                        labour_force=round(pop * factor * 0.55), source="test") for cid, pop in rows)
        session.commit()
    yield app, ids
    _wipe(app)
    app.extensions["planner.engine"].dispose()


def client_of(app, username):
    with app.app_context(), new_session(app) as session:
        user_id = session.execute(select(User.id).where(User.username == username)).scalar_one()
    client = app.test_client()
    with client.session_transaction() as s:
        s["user_id"] = user_id
    return client


def values(client, query):
    resp = client.get("/map/values.json?" + query)
    assert resp.status_code == 200, resp.get_data(as_text=True)[:300]
    return resp.get_json()


def test_each_period_is_drawn_in_the_version_in_force(reforms):
    app, ids = reforms
    leader = client_of(app, "leader")
    latest = values(leader, "")
    assert latest["period"] == "2026-11" and latest["version_id"] == ids["130"]
    for period, key in (("2024-06", "460"), ("2025-03", "412"), ("2025-07", "130"), ("2026-11", "130")):
        doc = values(leader, f"period={period}")
        assert doc["version_id"] == ids[key] and len(doc["values"]) == int(key)
        assert all(v[0] is not None for v in doc["values"].values())
        features = leader.get(doc["geometry"]["0"]).get_json()["features"]
        assert {f["id"] for f in features} == set(doc["values"])
        outlines = leader.get(doc["outline"]).get_json()["features"]
        assert len(outlines) == {"460": 21, "412": 20, "130": 20}[key]
    assert doc["middle_level"] == "office" and doc["middle_label"] == "BHXH cơ sở"
    offices = {f["properties"]["code"]: f["properties"]["name"] for f in outlines}
    assert offices["417"] == "BHXH cơ sở Kỳ Sơn"
    old = values(leader, "period=2024-06&level=district")
    assert old["middle_level"] == "district" and old["middle_label"] == "Huyện" and old["level_label"] == "Huyện"


def test_change_across_two_reforms_counts_each_old_unit_once(reforms, files):
    app, ids = reforms
    doc = values(client_of(app, "leader"), "layer=hi_change&period=2026-11&base=2024-06")
    assert doc["version_id"] == ids["130"] and len(doc["values"]) == 130
    assert all(v[0] is not None and v[1] is not None for v in doc["values"].values())
    # Recomputed here from the records and the crosswalk files, not through the app's links.
    with app.app_context(), new_session(app) as session:
        def figures(version_id, period, year):
            rows = session.execute(
                select(Commune.code, CoverageRecord.hi_participants, Denominator.population)
                .join(CoverageRecord, CoverageRecord.commune_id == Commune.id)
                .join(Denominator, Denominator.commune_id == Commune.id)
                .where(Commune.version_id == version_id, CoverageRecord.period == period,
                       Denominator.year == year)).all()
            return {code: (hi, pop) for code, hi, pop in rows}

        now, then = figures(ids["130"], date(2026, 11, 1), 2026), figures(ids["460"], date(2024, 6, 1), 2024)
        # Every older unit reaches the 130-unit version by exactly one link (official or derived).
        per_unit = session.execute(
            select(CrosswalkLink.from_commune_id, func.count(), func.sum(CrosswalkLink.share))
            .join(Commune, Commune.id == CrosswalkLink.to_commune_id)
            .where(Commune.version_id == ids["130"]).group_by(CrosswalkLink.from_commune_id)).all()
        assert len(per_unit) == 460 + 412 and all(n == 1 and share == pytest.approx(1) for _c, n, share in per_unit)
    for code, group in files["groups"].items():
        hi_then = sum(then[c][0] for c in group)
        pop_then = sum(then[c][1] for c in group)
        expected = round((now[code][0] / now[code][1] - hi_then / pop_then) * 100, 2)
        assert doc["values"][code][0] == pytest.approx(expected, abs=0.011), code
    # The same from 03/2025 (one reform back) and at the level of the office areas.
    one = values(client_of(app, "leader"), "layer=hi_change&period=2026-11&base=2025-03&level=district")
    assert len(one["values"]) == 20 and all(v[0] is not None for v in one["values"].values())


def test_a_head_of_office_sees_that_office_in_every_version(reforms, files):
    app, _ids = reforms
    head = client_of(app, "head-417")
    assert set(values(head, "")["values"]) == files["office 417"]
    assert set(values(head, "period=2025-03")["values"]) == files["district 417 (412)"]
    assert set(values(head, "period=2024-06")["values"]) == files["district 417 (460)"]
    change = values(head, "layer=hi_change&period=2026-11&base=2024-06")
    assert set(change["values"]) == files["office 417"] and all(v[0] is not None for v in change["values"].values())
    # Drill-down names and geometry stay within the office; another office is not theirs.
    assert values(head, "level=district")["values"].keys() == {"417"}
    assert head.get("/map/values.json?district=412").status_code == 404
    features = head.get(values(head, "")["geometry"]["1"]).get_json()["features"]
    assert {f["id"] for f in features} == files["office 417"]


def test_an_agent_reaches_back_across_two_reforms(reforms, files):
    app, _ids = reforms
    agent = client_of(app, "agent-16681")
    assert set(values(agent, "")["values"]) == {"16681"}
    assert set(values(agent, "period=2024-06")["values"]) == files["groups"]["16681"]
    assert len(files["groups"]["16681"]) > 1
    change = values(agent, "layer=hi_change&period=2026-11&base=2024-06")
    assert set(change["values"]) == {"16681"} and change["values"]["16681"][0] is not None


def test_caches_and_etags_are_per_version(reforms):
    app, ids = reforms
    leader = client_of(app, "leader")
    etags = {}
    for period, key in (("2026-11", "130"), ("2024-06", "460"), ("2025-03", "412")):
        url = values(leader, f"period={period}")["geometry"]["0"]
        assert url == f"/map/geometry/{ids[key]}/commune/0.geojson"
        etags[key] = leader.get(url).headers["ETag"]
    assert len(set(etags.values())) == 3
    assert all(etags[key].startswith(f'"g{ids[key]}-') for key in etags)
    # Every version's prepared bands stay cached side by side: a revalidation of the first is a 304.
    assert len(coverage_map.GEOMETRY_CACHE) >= 3
    again = leader.get(f"/map/geometry/{ids['130']}/commune/0.geojson", headers={"If-None-Match": etags["130"]})
    assert again.status_code == 304
    # Values of one period never carry another version's units.
    with app.app_context(), new_session(app) as session:
        user = session.execute(select(User).where(User.username == "leader")).scalar_one()
        a = map_layers.layer_values(session=session, user=user, layer="hi_coverage", period="2025-03")
        b = map_layers.layer_values(session=session, user=user, layer="hi_coverage", period="2025-07")
        assert a["version"].id == ids["412"] and b["version"].id == ids["130"]
        assert len(a["rows"]) == 412 and len(b["rows"]) == 130
        units = map_geometry.units_in_scope(session=session, user=user, version=b["version"], level="district")
        assert len(units) == 20


def test_exports_name_the_middle_level(reforms):
    app, _ids = reforms
    leader = client_of(app, "leader")
    for period, label in (("2026-11", "BHXH cơ sở"), ("2024-06", "Huyện")):
        book = load_workbook(io.BytesIO(leader.get(f"/map/values.xlsx?period={period}&level=district").data))
        rows = [list(r) for r in book.active.iter_rows(values_only=True)]
        header = next(r for r in rows if r and r[0] == "Mã")
        assert header[:2] == ["Mã", label]
        assert f"Đơn vị: {label}" in rows[1][0]
        book = load_workbook(io.BytesIO(leader.get(f"/map/values.xlsx?period={period}").data))
        header = next(r for r in book.active.iter_rows(values_only=True) if r and r[0] == "Mã xã")
        assert list(header[:3]) == ["Mã xã", "Xã, phường, thị trấn", label]
    page = leader.get("/map/layer.html?period=2026-11&level=district").get_data(as_text=True)
    assert "Đơn vị: BHXH cơ sở" in page
    png = leader.get("/map/map.png?period=2026-11")
    assert png.status_code == 200 and png.data[:4] == b"\x89PNG"
    profile = leader.get("/map/profile/16681?period=2026-11").get_data(as_text=True)
    assert 'title="BHXH cơ sở"' in profile and "BHXH cơ sở Vinh" in profile
    page = leader.get("/map/?period=2024-06").get_data(as_text=True)
    assert 'id="atlas-district-label">Huyện<' in page
    page = leader.get("/map/").get_data(as_text=True)
    assert 'id="atlas-district-label">BHXH cơ sở<' in page
    config = json.loads(page.split('<script type="application/json" id="atlas-config">')[1].split("</script>")[0])
    assert config["middle_label"] == "BHXH cơ sở"
