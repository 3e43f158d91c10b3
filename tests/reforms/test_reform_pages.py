"""The commune page of a merged commune and of an old unit, and the target split of communes made
by a reform, on the chain of chain.py (read only)."""
import re
from datetime import date


from sqlmodel import select

from planner.models import Target


def _text(html):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _section(html, anchor):
    start = html.index(f'id="{anchor}"')
    end = html.find("<h2", html.index("</h2>", start) + 5)
    return _text(html[start:end if end > 0 else None])


def test_merged_commune_page_shows_parts_classifications_lost_cards_and_2024(client_as, ids):
    html = client_as("leader").get("/communes/16737").get_data(as_text=True)
    preds = _section(html, "predecessors")
    assert "Hình thành từ" in preds
    assert "Địa giới “T412” (01/12/2024–30/06/2025)" in preds and "Địa giới “T460” (01/01/2020–30/11/2024)" in preds
    assert preds.index("T412") < preds.index("T460")  # newest first
    assert "16741 Xã Mỹ Lý Huyện Kỳ Sơn 4.000 40,0%" in preds
    assert "16738 Thị trấn Mường Xén Huyện Kỳ Sơn 7.500 75,0%" in preds
    assert f'href="/communes/16741?version={ids["versions"][0]}"' in html
    region = _text(html[html.index('data-scheme="region_861"'):])
    assert region.startswith('data-scheme="region_861"> Khu vực III (62%) · Khu vực I (38%)')
    assert "Quyết định 861/QĐ-TTg · từ 01/01/2021 đến 31/12/2025" in region
    assert "Danh sách đã hết hiệu lực" in html  # the 2021-2025 lists ended before today
    assert "Xã ĐBKK vùng bãi ngang ven biển (40%) · ngoài danh sách (60%)" in _text(html)
    assert "Số người mất thẻ BHYT do NSNN đóng 400 (mang theo từ các xã trước sáp nhập)" in _text(html)
    this = date.today().year
    comparison = _section(html, "comparison")
    assert f"Đạt 2024 (các xã trước sáp nhập) Chỉ tiêu {this} Chỉ tiêu {this + 1}" in comparison
    hi = _text(html[html.index('data-metric="hi_coverage"'):html.index('data-metric="si_coverage"')])
    assert "91,5% 9.150 người · 12/2024" in hi
    assert "93,0% 9.393 người" in hi and "94,5% 9.544 người" in hi
    assert "14,3% 760 người" in comparison
    assert "BHXH cơ sở Kỳ Sơn (417)" in _text(html)
    assert "Đã sáp nhập vào" not in html


def test_merged_commune_page_in_english(client_as, app_context_en):
    html = client_as("leader", lang="en").get("/communes/16737").get_data(as_text=True)
    text = _text(html)
    for msgid in ("Hình thành từ", "Danh sách đã hết hiệu lực (theo ngày cuối cùng):"):
        assert app_context_en(msgid) in text
    assert app_context_en("Đạt %(year)s (các xã trước sáp nhập)", year=2024) in text
    assert "Region III (62%) · Region I (38%)" in text
    assert "Extremely disadvantaged coastal commune (40%)" in text
    assert "91.5% 9,150 people · 12/2024" in text
    assert "16741 Xã Mỹ Lý Huyện Kỳ Sơn 4,000 40.0%" in text


def test_units_kept_whole_are_named_once(client_as):
    html = client_as("leader").get("/communes/16747").get_data(as_text=True)
    preds = _section(html, "predecessors")
    assert html.count('class="table table-sm align-middle mb-1 predecessor-table"') == 1
    assert "Cùng các đơn vị như trên: Xã Na Ngoi" in preds
    assert "16747 Xã Na Ngoi Huyện Kỳ Sơn 2.900 100,0%" in preds


def test_old_unit_page_says_where_it_went(client_as, ids):
    client = client_as("leader")
    v460 = ids["versions"][0]
    html = client.get(f"/communes/16666?version={v460}").get_data(as_text=True)
    went = _section(html, "successors")
    assert "Đã sáp nhập vào" in went
    assert "Địa giới “T412” (01/12/2024–30/06/2025): Phường Đông Vĩnh" in went
    assert "60,0% số dân của xã" in went and "40,0% số dân của xã" in went
    assert f'href="/communes/16663?version={ids["versions"][1]}"' in html
    assert 'href="/communes/16664"' in html  # today's commune, without a version
    assert "không còn trong địa giới hiện hành" in html
    assert "Sửa thông tin xã" not in html and "Thêm năm" not in html
    assert "Huyện Thành phố Vinh (412)" in _text(html)  # the middle level of its own version
    # a 2024-12 unit both came from older units and went into a newer one
    both = client.get(f"/communes/16738?version={ids['versions'][1]}").get_data(as_text=True)
    assert 'id="predecessors"' in both and 'id="successors"' in both
    assert "Khu vực III (51%) · Khu vực I (49%)" in _text(both)  # 4.000 / 7.800 on 30/06/2025
    assert client.get("/communes/16666?version=9999").status_code == 404
    assert client.get(f"/communes/99999?version={v460}").status_code == 404


def test_old_units_are_seen_by_those_who_see_their_successors(client_as, ids):
    v460 = ids["versions"][0]
    assert client_as("head-417").get(f"/communes/16741?version={v460}").status_code == 200
    assert client_as("head-412").get(f"/communes/16741?version={v460}").status_code == 404
    agent = client_as("agent-16737")
    assert agent.get(f"/communes/16741?version={v460}").status_code == 200
    assert agent.get(f"/communes/16666?version={v460}").status_code == 404
    assert agent.get("/communes/16664").status_code == 404


def test_allocate_page_shows_what_the_predecessors_reached(client_as, db, ids):
    office = db.exec(select(Target).where(Target.level == "district",
                                          Target.unit_id == ids["districts"][2]["417"])).one()
    html = client_as("head-417").get(f"/targets/{office.id}/allocate").get_data(as_text=True)
    assert "Đạt 2024 (các xã trước sáp nhập)" in html
    rows = {m.group(1): _text(m.group(2)) for m in re.finditer(
        r'<tr class="alloc-row" data-unit="(\d+)">(.*?)</tr>', html, re.S)}
    x, z = str(ids["communes"][2]["16737"]), str(ids["communes"][2]["16747"])
    assert re.search(r"91,50% 9\.150", rows[x]) and re.search(r"91,67% 2\.750", rows[z])
    assert _text(html).count("BHXH cơ sở: BHXH cơ sở Kỳ Sơn") == 1  # the nav names the office level
    english = client_as("head-417", lang="en").get(f"/targets/{office.id}/allocate").get_data(as_text=True)
    assert "91.50%" in english and "2,750" in english
