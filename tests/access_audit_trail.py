"""The audit trail page (/audit) by role: admins and leaders read everything, each district head
their own area's events (tests/audit_page checks which), agents are refused."""
from tests.test_access import only

CASES = [
    ("audit_trail.index", "GET", "/audit", only({"leader", "admin", "head", "other_head"})),
    ("audit_trail.index", "GET", "/audit?area=412", only({"leader", "admin", "head"}, other_head=400)),
]
