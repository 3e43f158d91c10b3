"""District and commune lists: content, search, filters, pagination, empty state."""
import pytest

from tests.conftest import make_app


def test_districts_list_shows_counts_population_and_coverage(world, login):
    html = login("leader").get("/districts").get_data(as_text=True)
    assert "Thành phố Vinh" in html and "Huyện Kỳ Sơn" in html
    assert "36.000" in html  # population of 412: 15.000 + 21.000
    assert "34.500" in html  # HI participants of 412
    assert "95,8%" in html   # 34.500 / 36.000


def test_commune_list_columns(world, login):
    html = login("leader").get("/communes").get_data(as_text=True)
    for text in ("16663", "Phường Đông Vĩnh", "Thành phố Vinh", "15.000", "96,7%", "Thị trấn Mường Xén", "120"):
        assert text in html
    assert "4 kết quả" in html


@pytest.mark.parametrize("query, found, not_found", [
    ("dong vinh", "Phường Đông Vĩnh", "Xã Mỹ Lý"),
    ("ĐÔNG VĨNH", "Phường Đông Vĩnh", "Xã Mỹ Lý"),
    ("16741", "Xã Mỹ Lý", "Phường Đông Vĩnh"),
    ("my ly", "Xã Mỹ Lý", "Phường Hà Huy Tập"),
])
def test_search_is_diacritic_insensitive(world, login, query, found, not_found):
    html = login("leader").get("/communes", query_string={"q": query}).get_data(as_text=True)
    assert found in html
    assert not_found not in html


def test_filters_by_district_kind_and_region(world, login):
    client = login("leader")
    html = client.get("/communes?district=417").get_data(as_text=True)
    assert "Xã Mỹ Lý" in html and "Phường Đông Vĩnh" not in html
    html = client.get("/communes?kind=ward").get_data(as_text=True)
    assert "Phường Hà Huy Tập" in html and "Xã Mỹ Lý" not in html
    html = client.get("/communes?region=III").get_data(as_text=True)
    assert "Xã Mỹ Lý" in html and "Thị trấn Mường Xén" not in html
    html = client.get("/communes?region=none").get_data(as_text=True)
    assert "Phường Đông Vĩnh" in html and "Xã Mỹ Lý" not in html
    html = client.get("/communes?q=zzz").get_data(as_text=True)
    assert "Không có xã nào khớp" in html


def test_pagination_keeps_filters(world, database_urls, backend):
    app = make_app(database_urls[backend], PAGE_SIZE=1)
    try:
        client = app.test_client()
        client.post("/auth/login", data={"username": "leader", "password": "secret123"})
        html = client.get("/communes?district=412").get_data(as_text=True)
        assert "Phường Đông Vĩnh" in html and "Phường Hà Huy Tập" not in html
        assert "/communes?page=2&amp;district=412" in html or "/communes?district=412&amp;page=2" in html
        html = client.get("/communes?district=412&page=2").get_data(as_text=True)
        assert "Phường Hà Huy Tập" in html and "Phường Đông Vĩnh" not in html
    finally:
        app.extensions["planner.engine"].dispose()


def test_empty_state_says_how_to_load(session, client):
    from tests import builders
    builders.add_user(session, "leader", "leader")
    session.commit()
    client.post("/auth/login", data={"username": "leader", "password": builders.PASSWORD})
    for url in ("/communes", "/districts"):
        html = client.get(url).get_data(as_text=True)
        assert "planner demo" in html


def test_agent_sees_only_own_commune(world, login):
    client = login("agent-16663")
    html = client.get("/communes").get_data(as_text=True)
    assert "Phường Đông Vĩnh" in html and "Phường Hà Huy Tập" not in html
    html = client.get("/districts").get_data(as_text=True)
    assert "Thành phố Vinh" in html and "Huyện Kỳ Sơn" not in html


def test_district_page_and_scope(world, login):
    client = login("head-412")
    html = client.get("/districts/412").get_data(as_text=True)
    assert "Phường Hà Huy Tập" in html
    assert client.get("/districts/417").status_code == 404
    assert client.get("/districts/999").status_code == 404
