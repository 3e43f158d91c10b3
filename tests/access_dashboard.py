"""Routes of the dashboards by role (shape of tests/test_access.py).

The province dashboard is for leaders and admins; a district head is sent to their own
district's dashboard and an agent to /field (302). A district's dashboard, export and report:
leaders and admins every district, a head only their own (another district is 404), agents 403.
A bad query parameter answers 400 (the page says why).
"""
from tests.test_access import DENIED, HIDDEN, REDIRECT, only

INVALID = 400
LEADERS = {"leader", "admin"}


def _district(code_owner):
    return only(LEADERS | {code_owner}, denied=HIDDEN, agent=DENIED)


CASES = [
    ("dashboard.province", "GET", "/dashboard/", only(LEADERS, denied=REDIRECT)),
    ("dashboard.province", "GET", "/dashboard/?year=2024&sort=needed", only(LEADERS, denied=REDIRECT)),
    ("dashboard.province", "GET", "/dashboard/?year=20x4", only(LEADERS, INVALID, denied=REDIRECT)),
    ("dashboard.province_xlsx", "GET", "/dashboard/export.xlsx?year=2024", only(LEADERS)),
    ("dashboard.province_xlsx", "GET", "/dashboard/export.xlsx?sort=nonsense", only(LEADERS, INVALID)),
    ("dashboard.district", "GET", "/dashboard/district/412", _district("head")),
    ("dashboard.district", "GET", "/dashboard/district/417?year=2024&month=2024-11&kind=week", _district("other_head")),
    ("dashboard.district", "GET", "/dashboard/district/412?month=2024-13", only(LEADERS | {"head"}, INVALID,
                                                                                denied=HIDDEN, agent=DENIED)),
    ("dashboard.district", "GET", "/dashboard/district/999", only(set(), denied=HIDDEN, agent=DENIED)),
    ("dashboard.district_xlsx", "GET", "/dashboard/district/412/export.xlsx?year=2024", _district("head")),
    ("dashboard.district_xlsx", "GET", "/dashboard/district/417/export.xlsx", _district("other_head")),
    ("dashboard.report", "GET", "/dashboard/district/412/report?year=2024", _district("head")),
    ("dashboard.report", "GET", "/dashboard/district/417/report", _district("other_head")),
]
