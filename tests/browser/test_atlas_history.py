"""The thematic map across the 2020 mergers: a 2019 period draws the 480 units in force then, a
2024 period the 460, and hi_change compares 2020 with 2019 through the crosswalk.

Needs the 2019 boundary file and the crosswalk next to PLANNER_TEST_BOUNDARIES (as in
../shared/geo/nghe-an/); serves its own demo database that holds both hierarchies."""
from pathlib import Path

import pytest

from tests.browser.conftest import BOUNDARIES, COMMUNES
from tests.live_server import SECRET_KEY, serving
from tests.browser.test_map_browser import (
    FETCH_VALUES,
    assert_clean,
    click_unit,
    open_atlas,
    rerender,
)

pytestmark = pytest.mark.browser

UNITS_2019 = 480


def _files_2019():
    from planner.services.demo import FILE_2019, FILE_CROSSWALK
    folder = Path(BOUNDARIES).parent if BOUNDARIES else None
    if folder is None or not (folder / FILE_2019).is_file() or not (folder / FILE_CROSSWALK).is_file():
        return None
    return folder / FILE_2019, folder / FILE_CROSSWALK


@pytest.fixture(scope="module")
def history_app(tmp_path_factory):
    files = _files_2019()
    if files is None:
        pytest.skip("no communes-2019.geojson and crosswalk next to PLANNER_TEST_BOUNDARIES")
    from planner import audit, create_app, migrate
    from planner.db import new_session
    from planner.services import demo

    url = "sqlite:///" + str(tmp_path_factory.mktemp("history") / "planner.sqlite")
    migrate.upgrade(url)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": SECRET_KEY})
    with app.app_context(), audit.acting_as(None, "demo"), new_session(app) as session:
        demo.build_demo(session=session, boundaries=BOUNDARIES, boundaries_2019=str(files[0]),
                        crosswalk=str(files[1]))
    with serving(app) as base_url:
        yield base_url, app


def _codes(page):
    return page.eval_on_selector_all("#atlas-map path[data-code]", "ps => ps.map(p => p.dataset.code)")


def test_a_past_period_draws_the_units_in_force_then(history_app, browser):
    base_url, _app = history_app
    context, page = open_atlas(browser, base_url, query="period=2019-06")
    try:
        codes_2019 = _codes(page)
        assert len(codes_2019) == UNITS_2019 == len(set(codes_2019))
        assert page.locator("#atlas-table tbody tr").count() == UNITS_2019
        values = page.evaluate(FETCH_VALUES)
        assert values["period"] == "2019-06" and values["version_name"] in page.inner_text("#atlas-subtitle")
        assert set(values["values"]) == set(codes_2019)
        # A 2019 commune's profile opens for the 2019 period.
        click_unit(page, sorted(codes_2019)[100])
        page.wait_for_selector("#atlas-profile[data-state=ready]")
        assert "06/2019" in page.inner_text("#atlas-profile-body")
        rerender(page, lambda: page.select_option("#atlas-period", "2024-06"))
        codes_2024 = _codes(page)
        assert len(codes_2024) == COMMUNES
        assert set(codes_2019) - set(codes_2024)  # units merged away in 2020
        assert "period=2024-06" in page.url
        assert page.locator("#atlas-table tbody tr").count() == COMMUNES
        assert_clean(context, page)
    finally:
        context.close()


def test_hi_change_compares_across_the_mergers(history_app, browser):
    base_url, _app = history_app
    context, page = open_atlas(browser, base_url, query="layer=hi_change&period=2020-06&base=2019-06")
    try:
        assert page.input_value("#atlas-base") == "2019-06"
        assert len(_codes(page)) == COMMUNES
        values = page.evaluate(FETCH_VALUES)
        assert values["base"] == "2019-06"
        known = [v for v in values["values"].values() if v[0] is not None]
        assert len(known) >= COMMUNES * 0.9  # the crosswalk carries 2019 onto (almost) every 2020 unit
        sample = sorted(values["values"])[::50]
        for code in sample:
            text = page.inner_text(f"#atlas-table tr[data-code='{code}'] .atlas-value")
            assert text == values["values"][code][2]
        assert_clean(context, page)
    finally:
        context.close()
