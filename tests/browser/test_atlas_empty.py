"""The thematic map on the small province of tests/builders.py: before any boundary import it
says so (in Vietnamese) instead of drawing an empty map; with boundaries, a commune without
figures is drawn in the legend's grey "Không có số liệu" class and counted there."""
import json

import pytest
from shapely.geometry import box, mapping

from tests import builders
from tests.browser.test_map_browser import FETCH_VALUES, assert_clean, open_atlas
from tests.live_server import SECRET_KEY, serving

pytestmark = pytest.mark.browser

# Four squares side by side, one per commune of the small province (Vinh's two, Kỳ Sơn's two).
BOXES = {"16663": box(105.60, 18.60, 105.70, 18.70), "16666": box(105.70, 18.60, 105.80, 18.70),
         "16738": box(104.10, 19.30, 104.30, 19.50), "16741": box(104.30, 19.30, 104.50, 19.50)}


def _serve(tmp_path, with_boundaries):
    """The app over a fresh SQLite database holding the small province."""
    from planner import create_app, migrate
    from planner.db import new_session
    from planner.models import CommuneBoundary

    url = "sqlite:///" + str(tmp_path / "small.sqlite")
    migrate.upgrade(url)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": SECRET_KEY})
    with app.app_context(), new_session(app) as session:
        world = builders.small_province(session)
        if with_boundaries:
            for code, shape in BOXES.items():
                session.add(CommuneBoundary(commune_id=world["communes"][code].id,
                                            geojson=json.dumps(mapping(shape)), source="test"))
            session.commit()
    return app


@pytest.fixture
def small_app(request, tmp_path):
    with serving(_serve(tmp_path, with_boundaries=request.param)) as base_url:
        yield base_url


@pytest.mark.parametrize("small_app", [False], indirect=True)
def test_without_boundaries_the_page_says_so(small_app, browser):
    context, page = open_atlas(browser, small_app, password=builders.PASSWORD)
    try:
        assert page.get_attribute("#atlas-map", "data-state") == "empty"
        assert "Chưa có ranh giới xã" in page.inner_text("#atlas-message")
        assert page.locator("#atlas-map path[data-code]").count() == 0
        assert page.locator("#atlas-dl-xlsx").is_visible()
        assert_clean(context, page)
    finally:
        context.close()


@pytest.mark.parametrize("small_app", [True], indirect=True)
def test_a_commune_without_figures_is_in_the_no_data_class(small_app, browser):
    context, page = open_atlas(browser, small_app, password=builders.PASSWORD)
    try:
        assert page.get_attribute("#atlas-map", "data-state") == "ready"
        assert page.locator("#atlas-map path[data-code]").count() == 4
        values = page.evaluate(FETCH_VALUES)
        assert values["values"]["16741"][:2] == [None, None]  # Mỹ Lý has no HI figure for 12/2024
        no_data = next(e for e in values["legend"] if e["class"] is None)
        assert no_data["label"] == "Không có số liệu" and no_data["count"] == 1
        path = page.locator("#atlas-map path[data-code='16741']")
        assert path.get_attribute("data-class") == "none"
        assert path.get_attribute("fill").lower() == no_data["color"].lower()
        item = page.locator("#atlas-legend .atlas-legend-item[data-class='none']")
        assert "Không có số liệu" in item.inner_text() and item.locator(".atlas-legend-count").inner_text() == "1"
        row = page.locator("#atlas-table tr[data-code='16741']")
        assert row.locator(".atlas-value").inner_text() == values["values"]["16741"][2]
        # Sorted worst first, the commune without figures comes last.
        assert page.locator("#atlas-table tbody tr").last.get_attribute("data-code") == "16741"
        assert_clean(context, page)
    finally:
        context.close()
