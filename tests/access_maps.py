"""Routes of the thematic map by role (shape of tests/test_access.py).

Everyone signed in sees the map of their own scope; a district head or agent asking for
another district's values or another district's commune profile gets 404.
"""
from tests.test_access import HIDDEN, OK, everyone, only

CASES = [
    ("maps.values", "GET", "/map/values.json", everyone(OK)),
    ("maps.values", "GET", "/map/values.json?layer=gap&district=417", only({"leader", "admin", "other_head"}, denied=HIDDEN)),
    ("maps.values", "GET", "/map/values.json?district=412&level=district", only({"leader", "admin", "head", "agent"}, denied=HIDDEN)),
    ("maps.geometry", "GET", "/map/geometry/{version_id}/commune/0.geojson", everyone(OK)),
    ("maps.geometry", "GET", "/map/geometry/{version_id}/district/2.geojson", everyone(OK)),
    ("maps.profile", "GET", "/map/profile/16663", only({"leader", "admin", "head", "agent"}, denied=HIDDEN)),
    ("maps.profile", "GET", "/map/profile/16741?period=2024-12", only({"leader", "admin", "other_head"}, denied=HIDDEN)),
    ("maps.values_xlsx", "GET", "/map/values.xlsx?layer=hi_coverage", everyone(OK)),
    ("maps.values_xlsx", "GET", "/map/values.xlsx?district=417", only({"leader", "admin", "other_head"}, denied=HIDDEN)),
    ("maps.layer_geojson", "GET", "/map/layer.geojson?layer=gap", everyone(OK)),
    ("maps.layer_html", "GET", "/map/layer.html?layer=hi_coverage", everyone(OK)),
    ("maps.layer_html", "GET", "/map/layer.html?layer=gap&district=417", only({"leader", "admin", "other_head"}, denied=HIDDEN)),
    ("maps.map_png", "GET", "/map/map.png?layer=region", everyone(OK)),
    ("maps.map_png", "GET", "/map/map.png?district=412", only({"leader", "admin", "head", "agent"}, denied=HIDDEN)),
]
