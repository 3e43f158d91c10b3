"""The map's Region layer and profile in a structure made by a reform: a commune takes the class of
most of its people and the profile names the parts (chain.py: X = 62 % Region III, 38 % Region I)."""


def test_region_layer_reads_the_predecessors_classes(client_as):
    client = client_as("leader")
    doc = client.get("/map/values.json?layer=region&period=2025-09&level=commune").get_json()
    values = {code: value for code, (value, _cls, _text) in doc["values"].items()}
    assert values["16737"] == "III"   # Mường Xén: most of its people were in Region III communes
    assert values["16664"] == "II"    # Trường Vinh: its own membership wins
    assert values["16747"] == "none"  # Na Ngoi: no class in any of its parts
    html = client.get("/map/profile/16737?period=2025-09").get_data(as_text=True)
    assert "Khu vực III (62%) · Khu vực I (38%)" in html
    # After the list ended (31/12/2025) no commune has a class in force.
    doc = client.get("/map/values.json?layer=region&period=2026-03&level=commune").get_json()
    assert {value for value, _cls, _text in doc["values"].values()} == {"none"}


def test_dashboard_region_breakdown_counts_people_by_their_parts(db, ids):
    """The province dashboard's table by Region class: X (16737) is counted once, in Region III, and
    its people split 62 % / 38 % between Region III and Region I; the totals stay whole."""
    from datetime import date

    from planner.models import HierarchyVersion, User
    from planner.services import dashboard
    from sqlalchemy import select

    leader = db.execute(select(User).where(User.username == "leader")).scalars().one()
    version = db.get(HierarchyVersion, ids["versions"][2])
    table = dashboard.region_breakdown(session=db, user=leader, version=version, year=2025, as_of=date(2025, 9, 1))
    rows = {r["category"]: r for r in table["rows"]}
    assert rows["III"]["communes"] == 1 and rows["I"]["communes"] == 0 and rows["II"]["communes"] == 1
    x_population = rows["III"]["population"] + rows["I"]["population"]
    assert rows["I"]["population"] == round(0.38 * x_population)
    assert table["total"]["communes"] == 3
