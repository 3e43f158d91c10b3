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
