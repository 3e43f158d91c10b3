"""The registry pages and the home page on an office version (tests/office_world.py): the middle
level is called "BHXH cơ sở", lists and filters work per office area."""
import re

import pytest

from tests import office_world


@pytest.fixture
def office(session):
    return office_world.four_versions(session)


def test_office_area_list(client, office, login):
    login("leader")
    html = client.get("/districts").get_data(as_text=True)
    assert "<title>Các BHXH cơ sở" in html and '<h1 class="h4">Danh sách BHXH cơ sở</h1>' in html
    assert "Danh sách huyện" not in html
    rows = re.findall(r"<tr>\s*<td>(\d+)</td>\s*<td><a [^>]*>([^<]+)</a></td>\s*<td>([^<]+)</td>", html)
    assert rows == [("412", "BHXH cơ sở Vinh", "BHXH cơ sở"), ("417", "BHXH cơ sở Kỳ Sơn", "BHXH cơ sở")]
    assert "si_office" not in html
    assert ">Các BHXH cơ sở</a>" in html.split("</nav>")[0]  # the menu


def test_office_area_page_and_commune_list_filter(client, office, login):
    login("leader")
    html = client.get("/districts/417").get_data(as_text=True)
    assert '<a href="/districts">Các BHXH cơ sở</a> › BHXH cơ sở Kỳ Sơn' in html
    assert "<th>BHXH cơ sở</th>" in html and "Xã Mường Xén" in html and "Xã Mỹ Lý" in html
    html = client.get("/communes?district=417").get_data(as_text=True)
    assert '<label class="form-label small mb-0" for="district">BHXH cơ sở</label>' in html
    assert re.findall(r'<td><a href="/communes/(\d+)">', html) == ["16737", "16740"]
    assert re.search(r'<option value="417" selected>BHXH cơ sở Kỳ Sơn</option>', html)


def test_an_office_area_with_nothing_in_scope_says_so(client, office, login):
    login("agent-16737")
    html = client.get("/districts/417").get_data(as_text=True)
    assert "Xã Mường Xén" in html and "Xã Mỹ Lý" not in html
    assert client.get("/districts/412").status_code == 404


def test_commune_form_names_the_office_area(client, office, login):
    login("leader")
    html = client.get("/communes/16737/edit").get_data(as_text=True)
    assert re.search(r'<label[^>]*for="district_id"[^>]*>BHXH cơ sở</label>', html)
    assert "417 – BHXH cơ sở Kỳ Sơn" in html


def test_home_counts_office_areas(client, office, login):
    login("head-417")
    html = client.get("/").get_data(as_text=True)
    assert re.search(r'<div class="small text-muted">BHXH cơ sở</div>\s*<div class="fs-5 fw-semibold">1</div>', html)


def test_district_versions_keep_saying_huyen(client, world, login):
    login("leader")
    html = client.get("/districts").get_data(as_text=True)
    assert "Danh sách huyện, thị xã, thành phố" in html and ">Các huyện</a>" in html
    home = client.get("/").get_data(as_text=True)
    assert re.search(r'<div class="small text-muted">Huyện</div>\s*<div class="fs-5 fw-semibold">2</div>', home)
