"""Routes of the office-area blueprint (grassroots SI offices, agents' carry-over) by role.

Leaders look, admins edit; district heads and agents are refused. The shared world is a district
version, so an office page is not found (404) for those who may look: tests/offices/ covers the
pages on an office version.
"""
from tests.test_access import HIDDEN, only

CASES = [
    ("offices.index", "GET", "/offices/", only({"leader", "admin"})),
    ("offices.office", "GET", "/offices/{district_412_id}", only({"leader", "admin"}, HIDDEN)),
    ("offices.rename", "POST", "/offices/{district_412_id}/rename", only({"admin"}, HIDDEN)),
    ("offices.move_here", "POST", "/offices/{district_412_id}/move-here", only({"admin"}, HIDDEN)),
    ("offices.move_away", "POST", "/offices/{district_412_id}/move-away", only({"admin"}, HIDDEN)),
    ("offices.merge", "POST", "/offices/{district_412_id}/merge", only({"admin"}, HIDDEN)),
    ("offices.delete", "POST", "/offices/{district_412_id}/delete", only({"admin"}, HIDDEN)),
    ("offices.carry_over_page", "GET", "/offices/carry-over", only({"admin"})),
]
