"""The thematic map across the reforms of 1 December 2024 and 1 July 2025, in headless Chromium.

One database per module, from the real files next to PLANNER_TEST_BOUNDARIES (as in
../shared/geo/nghe-an/): the 460 units of 2020-01-01..2024-11-30, the 412 of
2024-12-01..2025-06-30 and the 130 communes of July 2025 grouped into 20 grassroots office areas
("BHXH cơ sở"), each with its boundaries, the two crosswalks, and synthetic coverage on the
version in force each month: 06/2024 (460 units), 03/2025 (412), 07/2025 and 11/2026 (130).
"""
from datetime import date
from pathlib import Path

import pytest

from tests.browser.conftest import BOUNDARIES
from tests.browser.test_map_browser import FETCH_VALUES, PHONE, assert_clean, open_atlas, rerender
from tests.live_server import SECRET_KEY, serving

pytestmark = pytest.mark.browser

PERIODS = [date(2024, 6, 1), date(2025, 3, 1), date(2025, 7, 1), date(2026, 11, 1)]
OUTLINES = ".leaflet-atlas-outline-pane path"
UNIT_CODES = "ps => ps.map(p => p.dataset.code)"
UNIT_CLASSES = "ps => ps.map(p => p.dataset.class)"


@pytest.fixture(scope="module")
def reforms_app(tmp_path_factory):
    from tests.maps import reforms_data

    folder = Path(BOUNDARIES).parent if BOUNDARIES else None
    if folder is None or not reforms_data.files_present(folder):
        pytest.skip("no communes-2024-12/2025-07 files and crosswalks next to PLANNER_TEST_BOUNDARIES")
    from sqlalchemy import select

    from planner import audit, create_app, migrate
    from planner.auth.security import hash_password
    from planner.db import new_session
    from planner.models import Commune, District

    url = "sqlite:///" + str(tmp_path_factory.mktemp("reforms") / "planner.sqlite")
    migrate.upgrade(url)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": SECRET_KEY})
    with app.app_context(), audit.acting_as(None, "test"), new_session(app) as session:
        versions = reforms_data.build(session, folder, periods=PERIODS)
        reforms_data.add_users(session, versions, hash_password("demo123"))

        def codes(key, district=None):
            stmt = select(Commune.code).where(Commune.version_id == versions[key].id)
            if district:
                stmt = stmt.join(District, District.id == Commune.district_id).where(District.code == district)
            return set(session.execute(stmt).scalars())

        expected = {key: codes(key) for key in versions}
        expected["office 417"] = codes("130", "417")
        expected["district 417"] = codes("460", "417")
    with serving(app) as base_url:
        yield base_url, expected


def drawn(page):
    return page.eval_on_selector_all("#atlas-map path[data-code]", UNIT_CODES)


def test_opens_on_the_latest_month_with_office_areas(reforms_app, browser):
    base_url, expected = reforms_app
    context, page = open_atlas(browser, base_url)
    try:
        assert page.input_value("#atlas-period") == "2026-11"
        assert "11/2026" in page.inner_text("#atlas-subtitle")
        codes = drawn(page)
        assert len(codes) == 130 and set(codes) == expected["130"]
        # The 20 office areas outlined, named as such in the controls, the table and the legend.
        assert page.locator(OUTLINES).count() == 20
        assert page.inner_text("#atlas-district-label") == "BHXH cơ sở"
        assert page.inner_text("#atlas-level option[value=district]") == "BHXH cơ sở"
        assert page.inner_text("#atlas-col-district") == "BHXH cơ sở"
        assert "Ranh giới: BHXH cơ sở" in page.inner_text("#atlas-legend")
        assert "BHXH cơ sở Kỳ Sơn" in page.inner_text("#atlas-district")
        assert page.locator("#atlas-table tbody tr").count() == 130

        rerender(page, lambda: page.select_option("#atlas-period", "2024-06"))
        codes = drawn(page)
        assert len(codes) == 460 and set(codes) == expected["460"]
        assert page.locator(OUTLINES).count() == 21
        assert page.inner_text("#atlas-district-label") == "Huyện"
        assert page.inner_text("#atlas-level option[value=district]") == "Huyện"
        assert "Ranh giới: Huyện" in page.inner_text("#atlas-legend")
        assert page.locator("#atlas-table tbody tr").count() == 460

        rerender(page, lambda: page.select_option("#atlas-period", "2025-03"))
        codes = drawn(page)
        assert len(codes) == 412 and set(codes) == expected["412"]
        assert page.locator(OUTLINES).count() == 20
        assert page.inner_text("#atlas-col-district") == "Huyện"
        assert "period=2025-03" in page.url
        assert_clean(context, page)
    finally:
        context.close()


def test_change_since_before_two_reforms_colours_every_commune(reforms_app, browser):
    base_url, expected = reforms_app
    context, page = open_atlas(browser, base_url, query="layer=hi_change&period=2026-11&base=2024-06")
    try:
        assert page.input_value("#atlas-base") == "2024-06"
        codes = drawn(page)
        assert set(codes) == expected["130"]
        classes = page.eval_on_selector_all("#atlas-map path[data-code]", UNIT_CLASSES)
        assert len(classes) == 130 and "none" not in classes and "" not in classes
        assert page.locator("#atlas-table tbody tr[data-class=none]").count() == 0
        values = page.evaluate(FETCH_VALUES)
        assert values["base"] == "2024-06" and values["version_name"].endswith("(130 xã)")
        assert all(v[0] is not None for v in values["values"].values())
        no_data = [e for e in values["legend"] if e["class"] is None]
        assert no_data[0]["count"] == 0
        assert_clean(context, page)
    finally:
        context.close()


def test_table_names_the_middle_level_of_each_period(reforms_app, browser):
    base_url, _expected = reforms_app
    context, page = open_atlas(browser, base_url, query="level=district")
    try:
        assert page.inner_text("#atlas-col-name") == "BHXH cơ sở"
        assert page.locator("#atlas-table tbody tr").count() == 20
        assert "BHXH cơ sở Kỳ Sơn" in page.inner_text("#atlas-table tbody")
        rerender(page, lambda: page.select_option("#atlas-period", "2024-06"))
        assert page.inner_text("#atlas-col-name") == "Huyện"
        assert page.locator("#atlas-table tbody tr").count() == 21
        assert "Huyện Kỳ Sơn" in page.inner_text("#atlas-table tbody")
        # Back to 2026 and down into one office area: its 12 communes, its name in the title.
        rerender(page, lambda: page.select_option("#atlas-period", "2026-11"))
        rerender(page, lambda: page.click("#atlas-table tbody tr[data-code='417'] button.atlas-unit"))
        assert page.input_value("#atlas-level") == "commune"
        assert "BHXH cơ sở Kỳ Sơn" in page.inner_text("#atlas-title")
        assert page.locator("#atlas-table tbody tr").count() == 12
        assert "district=417" in page.url and not page.is_hidden("#atlas-province")
        # The same code one version back: the district the office grew from.
        rerender(page, lambda: page.select_option("#atlas-period", "2024-06"))
        assert "Huyện Kỳ Sơn" in page.inner_text("#atlas-title")
        assert page.input_value("#atlas-district") == "417"
        assert page.locator("#atlas-table tbody tr").count() == 21
        # And back up to the province.
        rerender(page, lambda: page.click("#atlas-province"))
        assert page.locator("#atlas-table tbody tr").count() == 460
        assert_clean(context, page)
    finally:
        context.close()


def test_head_of_an_office_sees_its_communes_in_every_version(reforms_app, browser):
    base_url, expected = reforms_app
    context, page = open_atlas(browser, base_url, username="head-417", viewport=PHONE)
    try:
        values = page.evaluate(FETCH_VALUES)
        assert set(values["values"]) == expected["office 417"] and len(expected["office 417"]) == 12
        coloured = [c for c, k in zip(drawn(page), page.eval_on_selector_all("#atlas-map path[data-code]",
                                                                              UNIT_CLASSES)) if k]
        assert set(coloured) == expected["office 417"]
        assert page.locator("#atlas-table tbody tr").count() == 12
        rerender(page, lambda: page.select_option("#atlas-period", "2024-06"))
        values = page.evaluate(FETCH_VALUES)
        assert set(values["values"]) == expected["district 417"] and len(expected["district 417"]) == 21
        assert page.locator("#atlas-table tbody tr").count() == 21
        # The page fits the phone: nothing wider than the screen.
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        assert_clean(context, page)
    finally:
        context.close()
