"""Where no reform made the communes, the pages stay as they were: no predecessors section, no
2024 column in the target split, "Huyện" as the middle level (the small province of builders)."""


def test_allocate_page_has_no_history_column_without_predecessors(world, login):
    client = login("head-412")
    html = client.get(f"/targets/{world['targets']['district_412'].id}/allocate").get_data(as_text=True)
    assert "alloc-row" in html
    assert "các xã trước sáp nhập" not in html and 'id="history-head"' not in html
    assert "Huyện: Thành phố Vinh" in html


def test_commune_page_without_reforms(world, login):
    html = login("leader").get("/communes/16741").get_data(as_text=True)
    assert 'id="predecessors"' not in html and 'id="successors"' not in html and 'id="comparison"' not in html
    assert "Khu vực III" in html and "(100%)" not in html  # its own membership: no parts
    assert "Huyện Kỳ Sơn (417)" in html
