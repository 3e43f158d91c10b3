"""Routes of the field-work management pages by role (shape of tests/test_access.py).

Agents read campaigns, themselves, their own activity and cash row, and change nothing (403);
a district head is refused (404) another district's agent. POSTs without a body show that the
role check comes first (agent 403), then the body is checked (400).
"""
from tests.test_access import DENIED, HIDDEN, OK, everyone, only

INVALID = 400
MANAGERS = {"leader", "admin", "head", "other_head"}

CASES = [
    ("fieldwork_reports.campaigns", "GET", "/campaigns", everyone(OK)),
    ("fieldwork_reports.new_campaign", "GET", "/campaigns/new", only(MANAGERS)),
    ("fieldwork_reports.edit_campaign", "GET", "/campaigns/999999/edit", only(MANAGERS, HIDDEN)),
    ("fieldwork_reports.agents", "GET", "/agents", everyone(OK)),
    ("fieldwork_reports.edit_agent", "GET", "/agents/{agent_id}/edit",
     only({"leader", "admin", "head"}, other_head=HIDDEN)),
    ("fieldwork_reports.edit_agent", "GET", "/agents/{leader_id}/edit", only(MANAGERS, HIDDEN)),
    ("fieldwork_reports.conversion", "GET", "/conversion", everyone(OK)),
    ("fieldwork_reports.conversion", "GET", "/conversion?from=01/11/2024&to=30/11/2024&days=30", everyone(OK)),
    ("fieldwork_reports.conversion_xlsx", "GET", "/conversion.xlsx?from=2024-11-01&to=2024-11-30", everyone(OK)),
    ("fieldwork_reports.activity", "GET", "/agents/activity?kind=week", everyone(OK)),
    ("fieldwork_reports.activity", "GET", "/agents/activity?kind=month&day=2024-11-15", everyone(OK)),
    ("fieldwork_reports.activity_xlsx", "GET", "/agents/activity.xlsx?kind=month&day=2024-11-15", everyone(OK)),
    ("fieldwork_reports.cash", "GET", "/cash", everyone(OK)),
    ("fieldwork_reports.record_handover", "POST", "/cash/handover", only(MANAGERS, INVALID, denied=DENIED)),
    ("fieldwork_reports.close_difference", "POST", "/cash/close", only(MANAGERS, INVALID, denied=DENIED)),
]
