"""The thematic map's controls in the browser: drill-down to a district and back, the table's
search and sort, a shared URL, errors in Vietnamese, the base period of hi_change, a district
head's scope, and the leader's question (the ten communes of Kỳ Sơn furthest behind their HI
target, with their last conference) answered from the page alone."""
import pytest

from tests.browser.conftest import COMMUNES
from tests.browser.test_map_browser import (
    FETCH_VALUES,
    PHONE,
    POINT_IN_UNIT,
    assert_clean,
    click_unit,
    current_codes,
    open_atlas,
    rerender,
)

pytestmark = pytest.mark.browser

KY_SON = "417"
VINH = "412"

VISIBLE_ROWS = """() => Array.from(document.querySelectorAll('#atlas-table tbody tr'))
    .filter(tr => !tr.hidden).map(tr => ({
        code: tr.dataset.code,
        name: tr.querySelector('.atlas-unit').textContent,
        district: tr.querySelector('.atlas-col-district').textContent,
        value: tr.querySelector('.atlas-value').textContent,
        conference: tr.querySelector('.atlas-conference').textContent,
    }))"""


def fold(text):
    import unicodedata
    plain = unicodedata.normalize("NFD", text).replace("đ", "d").replace("Đ", "D")
    return "".join(c for c in plain if unicodedata.category(c) != "Mn").lower()


def test_drill_down_to_a_district_and_back(live_app, browser):
    base_url, app = live_app
    ky_son = current_codes(app, KY_SON)
    context, page = open_atlas(browser, base_url)
    try:
        zoom_province = page.evaluate("atlas.map.getZoom()")
        rerender(page, lambda: page.select_option("#atlas-district", KY_SON))
        assert "district=417" in page.url
        rows = page.evaluate(VISIBLE_ROWS)
        assert {r["code"] for r in rows} == ky_son
        assert "Kỳ Sơn" in page.inner_text("#atlas-title")
        # The district's communes are coloured; the others stay as grey context.
        assert page.locator("#atlas-map path.atlas-context").count() == COMMUNES - len(ky_son)
        assert page.evaluate("atlas.map.getZoom()") > zoom_province
        legend_total = sum(page.eval_on_selector_all(
            "#atlas-legend .atlas-legend-count", "cs => cs.map(c => +c.textContent.replace(/\\D/g, ''))"))
        assert legend_total == len(ky_son)
        rerender(page, lambda: page.click("#atlas-province"))
        assert "district=" not in page.url
        assert page.locator("#atlas-table tbody tr").count() == COMMUNES
        assert page.locator("#atlas-map path.atlas-context").count() == 0
        # From a commune's profile, "Xem <district>" drills into its district.
        click_unit(page, "16663")
        page.wait_for_selector("#atlas-profile[data-state=ready]")
        rerender(page, lambda: page.click("#atlas-profile-district"))
        assert f"district={VINH}" in page.url
        assert {r["code"] for r in page.evaluate(VISIBLE_ROWS)} == current_codes(app, VINH)
        assert_clean(context, page)
    finally:
        context.close()


def test_double_click_on_a_commune_opens_its_district(live_app, browser):
    base_url, app = live_app
    context, page = open_atlas(browser, base_url)
    try:
        code = min(current_codes(app, KY_SON))
        point = page.evaluate(POINT_IN_UNIT, code)
        rerender(page, lambda: page.mouse.dblclick(point["x"], point["y"]))
        assert f"district={KY_SON}" in page.url
        assert_clean(context, page)
    finally:
        context.close()


def test_table_search_ignores_diacritics(live_app, browser):
    base_url, _app = live_app
    context, page = open_atlas(browser, base_url)
    try:
        page.fill("#atlas-filter", "ky son")
        rows = page.evaluate(VISIBLE_ROWS)
        assert rows and len(rows) < COMMUNES
        assert all("ky son" in fold(r["name"] + " " + r["district"]) for r in rows)
        assert any(r["district"] == "Huyện Kỳ Sơn" for r in rows)
        page.fill("#atlas-filter", "Kỳ Sơn")
        assert page.evaluate(VISIBLE_ROWS) == rows
        page.fill("#atlas-filter", "zzzz")
        assert page.evaluate(VISIBLE_ROWS) == []
        assert page.inner_text("#atlas-table-count") == "Không có xã nào khớp với tìm kiếm."
        page.fill("#atlas-filter", "")
        assert len(page.evaluate(VISIBLE_ROWS)) == COMMUNES
        # A legend class limits the table to that class.
        page.click("#atlas-legend .atlas-legend-item[data-class='0']")
        shown = page.evaluate(VISIBLE_ROWS)
        values = page.evaluate(FETCH_VALUES)
        assert {r["code"] for r in shown} == {c for c, v in values["values"].items() if v[1] == 0}
        assert_clean(context, page)
    finally:
        context.close()


def test_sorting_the_table(live_app, browser):
    base_url, _app = live_app
    context, page = open_atlas(browser, base_url)
    try:
        values = page.evaluate(FETCH_VALUES)
        raws = {c: v[0] for c, v in values["values"].items() if v[0] is not None}
        # Default: worst first, i.e. lowest coverage first, no data last.
        first = page.evaluate(VISIBLE_ROWS)
        assert first[0]["code"] in {c for c, r in raws.items() if r == min(raws.values())}
        assert page.get_attribute("th[data-sort=value]", "aria-sort") == "ascending"
        page.click("th[data-sort=value] button")
        assert page.get_attribute("th[data-sort=value]", "aria-sort") == "descending"
        top = page.evaluate(VISIBLE_ROWS)[0]["code"]
        assert raws[top] == max(raws.values())
        page.click("th[data-sort=name] button")
        assert page.get_attribute("th[data-sort=name]", "aria-sort") == "ascending"
        names = [r["name"] for r in page.evaluate(VISIBLE_ROWS)]
        assert fold(names[0]) < fold(names[-1])
        page.click("th[data-sort=name] button")
        assert [r["name"] for r in page.evaluate(VISIBLE_ROWS)] == names[::-1]
        page.click("th[data-sort=conference] button")
        page.click("th[data-sort=conference] button")  # newest first
        dates = [r["conference"] for r in page.evaluate(VISIBLE_ROWS) if r["conference"] != "–"]
        keys = [d[6:] + d[3:5] + d[:2] for d in dates]
        assert dates and keys == sorted(keys, reverse=True)
        assert_clean(context, page)
    finally:
        context.close()


def _furthest_behind(page, n=10):
    """The table's first n rows (its default order for layer=gap) checked against values.json."""
    values = page.evaluate(FETCH_VALUES)
    assert values["layer"] == "gap"
    gaps = {c: v[0] for c, v in values["values"].items()}
    top = page.evaluate(VISIBLE_ROWS)[:n]
    largest = sorted((g for g in gaps.values() if g is not None), reverse=True)[:n]
    assert [gaps[r["code"]] for r in top] == largest
    for r in top:
        assert r["value"] == values["values"][r["code"]][2]
        assert r["conference"] == values.get("last_conference", {}).get(r["code"], "–")
    return values, top


def test_the_leaders_question_from_the_map_alone(live_app, browser):
    """Which ten communes of Kỳ Sơn are furthest behind their HI target, and when was the
    last conference in each? layer=gap, district=417, the table's default order."""
    base_url, app = live_app
    context, page = open_atlas(browser, base_url)
    try:
        rerender(page, lambda: page.select_option("#atlas-layer", "gap"))
        # Province-wide first, where the gaps differ: the table lists the largest first.
        values, top = _furthest_behind(page)
        assert len({v[0] for v in values["values"].values() if v[0] is not None}) > 1
        rerender(page, lambda: page.select_option("#atlas-district", KY_SON))
        values, top = _furthest_behind(page)
        assert values["district"] == KY_SON and len(top) == 10
        assert {r["code"] for r in top} <= current_codes(app, KY_SON)
        assert_clean(context, page)
    finally:
        context.close()


def test_a_shared_url_reopens_the_same_view(live_app, browser):
    base_url, app = live_app
    query = f"layer=conferences&period=2025-06&method=equal_interval&classes=4&district={KY_SON}"
    context, page = open_atlas(browser, base_url, query=query)
    try:
        assert page.input_value("#atlas-layer") == "conferences"
        assert page.input_value("#atlas-period") == "2025-06"
        assert page.input_value("#atlas-method") == "equal_interval"
        assert page.input_value("#atlas-classes") == "4"
        assert page.input_value("#atlas-district") == KY_SON
        assert len(page.evaluate(VISIBLE_ROWS)) == len(current_codes(app, KY_SON))
        values = page.evaluate(FETCH_VALUES)
        assert values["method"] == "equal_interval" and values["district"] == KY_SON
        assert page.locator("#atlas-legend .atlas-legend-item").count() == len(values["legend"])
        for link in ("#atlas-dl-xlsx", "#atlas-dl-geojson", "#atlas-dl-png", "#atlas-dl-html"):
            href = page.get_attribute(link, "href")
            assert "layer=conferences" in href and "period=2025-06" in href and f"district={KY_SON}" in href
        # The XLSX download answers with a spreadsheet.
        href = page.get_attribute("#atlas-dl-xlsx", "href")
        status = page.evaluate("async u => (await fetch(u)).status", href)
        assert status == 200
        page.reload()
        page.wait_for_function("() => document.getElementById('atlas-map').dataset.state === 'ready'")
        assert page.input_value("#atlas-district") == KY_SON and page.input_value("#atlas-layer") == "conferences"
        assert_clean(context, page)
    finally:
        context.close()


def test_bad_parameters_show_a_vietnamese_error(live_app, browser):
    base_url, _app = live_app
    context, page = open_atlas(browser, base_url, query="layer=hi_coverage&period=2024-13")
    try:
        assert page.get_attribute("#atlas-map", "data-state") == "error"
        message = page.inner_text("#atlas-message")
        assert message and "Thử lại" in message and "Về mặc định" in message
        page.click("#atlas-message a")  # back to the defaults
        page.wait_for_function("() => document.getElementById('atlas-map').dataset.state === 'ready'")
        assert page.locator("#atlas-map path[data-code]").count() == COMMUNES
        assert page.locator("#atlas-message").count() == 0
    finally:
        context.close()


def test_hi_change_shows_the_base_period(live_app, browser):
    base_url, _app = live_app
    context, page = open_atlas(browser, base_url)
    try:
        assert page.locator("#atlas-base").is_hidden()
        rerender(page, lambda: page.select_option("#atlas-layer", "hi_change"))
        assert page.locator("#atlas-base").is_visible()
        base = page.input_value("#atlas-base")
        assert base and base < page.input_value("#atlas-period")
        assert f"base={base}" in page.url
        options = page.eval_on_selector_all("#atlas-base option", "os => os.map(o => o.value)")
        other = next(o for o in options if o != base)
        rerender(page, lambda: page.select_option("#atlas-base", other))
        assert f"base={other}" in page.url
        assert page.evaluate(FETCH_VALUES)["layer"] == "hi_change"
        rerender(page, lambda: page.select_option("#atlas-layer", "region"))
        assert page.locator("#atlas-base").is_hidden() and "base=" not in page.url
        # Categories: no classification method to choose.
        assert page.locator("#atlas-method").is_hidden()
        assert_clean(context, page)
    finally:
        context.close()


def test_a_district_head_sees_only_their_district(live_app, browser):
    base_url, app = live_app
    ky_son = current_codes(app, KY_SON)
    context, page = open_atlas(browser, base_url, username="head-417", viewport=PHONE)
    try:
        codes = page.eval_on_selector_all("#atlas-map path[data-code]", "ps => ps.map(p => p.dataset.code)")
        assert set(codes) == ky_son
        assert {r["code"] for r in page.evaluate(VISIBLE_ROWS)} == ky_son
        assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"] + 1
        assert_clean(context, page)
    finally:
        context.close()


def test_loading_and_a_lost_connection_are_shown_in_vietnamese(live_app, browser):
    base_url, _app = live_app
    context, page = open_atlas(browser, base_url)
    try:
        held = []
        page.route("**/map/values.json*", lambda route: held.append(route))  # hold the answer back
        page.select_option("#atlas-layer", "gap")
        while not held:
            page.wait_for_timeout(50)
        assert page.get_attribute("#atlas-map", "data-state") == "loading"
        assert page.locator("#atlas-overlay").is_visible()
        assert page.inner_text("#atlas-overlay") == "Đang tải số liệu…"
        assert page.get_attribute("#atlas", "aria-busy") == "true"
        held[0].abort("internetdisconnected")
        page.wait_for_function("() => document.getElementById('atlas-map').dataset.state === 'error'")
        assert "Mất kết nối tới máy chủ" in page.inner_text("#atlas-message")
        assert page.locator("#atlas-overlay").is_hidden()
        page.unroute("**/map/values.json*")
        rerender(page, lambda: page.click("#atlas-message button"))  # Thử lại
        assert page.get_attribute("#atlas-map", "data-state") == "ready"
        assert page.evaluate(FETCH_VALUES)["layer"] == "gap" and "layer=gap" in page.url
        assert page.locator("#atlas-message").count() == 0
        assert_clean(context, page)
    finally:
        context.close()


def test_districts_coloured_then_a_click_drills_into_one(live_app, browser):
    base_url, app = live_app
    context, page = open_atlas(browser, base_url)
    try:
        rerender(page, lambda: page.select_option("#atlas-level", "district"))
        assert "level=district" in page.url
        values = page.evaluate(FETCH_VALUES)
        assert values["level"] == "district"
        codes = page.eval_on_selector_all("#atlas-map path[data-code]", "ps => ps.map(p => p.dataset.code)")
        assert set(codes) == set(values["values"]) and KY_SON in codes and len(codes) == 21
        assert page.inner_text("#atlas-col-name") == "Huyện"
        assert len(page.evaluate(VISIBLE_ROWS)) == 21
        rerender(page, lambda: page.click(f"#atlas-table tr[data-code='{KY_SON}'] .atlas-unit"))
        assert f"district={KY_SON}" in page.url and "level=" not in page.url
        assert {r["code"] for r in page.evaluate(VISIBLE_ROWS)} == current_codes(app, KY_SON)
        assert page.inner_text("#atlas-col-name") == "Xã"
        assert_clean(context, page)
    finally:
        context.close()


def test_a_shared_url_with_a_commune_opens_its_profile(live_app, browser):
    base_url, _app = live_app
    context, page = open_atlas(browser, base_url, query="layer=region&commune=16741")
    try:
        page.wait_for_selector("#atlas-profile[data-state=ready]")
        assert page.get_attribute("#map-profile", "data-code") == "16741"
        assert "table-active" in page.get_attribute("#atlas-table tr[data-code='16741']", "class")
        page.keyboard.press("Escape")
        assert page.locator("#atlas-profile").is_hidden() and "commune=" not in page.url
        assert_clean(context, page)
    finally:
        context.close()
