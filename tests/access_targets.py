"""Routes of the targets blueprint (plan, unit pages, edit, allocation, progress, ranking) by role.

The world's plan (tests/builders.small_plan) is for 2024: province 95% (assigned), district 412
96% (assigned), commune 16663 97% (draft). Leaders set province and district targets; a district
head sets and allocates within their district; agents only look.
"""
from tests.test_access import DENIED, HIDDEN, OK, REDIRECT, everyone, only

Y = "?year=2024"

CASES = [
    ("targets.plan", "GET", "/targets" + Y, everyone(OK)),
    ("targets.unit", "GET", "/targets/unit/province/{province_id}" + Y, everyone(OK)),
    ("targets.unit", "GET", "/targets/unit/district/{district_412_id}" + Y,
     only({"leader", "admin", "head", "agent"}, denied=HIDDEN)),
    ("targets.unit", "GET", "/targets/unit/district/{district_417_id}" + Y,
     only({"leader", "admin", "other_head"}, denied=HIDDEN)),
    ("targets.unit", "GET", "/targets/unit/commune/{commune_16663_id}" + Y,
     only({"leader", "admin", "head", "agent"}, denied=HIDDEN)),
    ("targets.unit", "GET", "/targets/unit/commune/{commune_16741_id}" + Y,
     only({"leader", "admin", "other_head"}, denied=HIDDEN)),
    ("targets.unit", "GET", "/targets/unit/agent/{agent_id}" + Y,
     only({"leader", "admin", "head", "agent"}, denied=HIDDEN)),
    ("targets.edit", "GET", "/targets/edit/province/{province_id}/hi_coverage" + Y, only({"leader", "admin"})),
    ("targets.edit", "GET", "/targets/edit/district/{district_412_id}/hi_coverage" + Y,
     only({"leader", "admin"}, other_head=HIDDEN)),
    ("targets.edit", "GET", "/targets/edit/commune/{commune_16663_id}/si_coverage" + Y,
     only({"leader", "admin", "head"}, other_head=HIDDEN)),
    ("targets.edit", "GET", "/targets/edit/commune/{commune_16741_id}/hi_coverage" + Y,
     only({"leader", "admin", "other_head"}, head=HIDDEN, agent=HIDDEN)),
    ("targets.edit", "GET", "/targets/edit/agent/{agent_id}/voluntary_si" + Y,
     only({"leader", "admin", "head"}, other_head=HIDDEN)),
    ("targets.set_status", "POST", "/targets/{target_commune_16663_id}/status",
     only({"leader", "admin", "head"}, REDIRECT, other_head=HIDDEN)),
    ("targets.allocate", "GET", "/targets/{target_province_id}/allocate", only({"leader", "admin"})),
    ("targets.allocate", "GET", "/targets/{target_district_412_id}/allocate",
     only({"leader", "admin", "head"}, other_head=HIDDEN)),
    ("targets.allocate", "GET", "/targets/{target_commune_16663_id}/allocate",
     only({"leader", "admin", "head"}, other_head=HIDDEN)),
    ("targets.accept_allocation", "POST", "/targets/{target_district_412_id}/allocate/accept",
     only({"leader", "admin", "head"}, REDIRECT, other_head=HIDDEN)),
    ("targets.progress_page", "GET", "/progress?year=2024", everyone(OK)),
    ("targets.save_thresholds", "POST", "/progress/thresholds", only({"leader", "admin"}, REDIRECT)),
    ("targets.ranking", "GET", "/targets/ranking" + Y, everyone(OK)),
    ("targets.ranking_xlsx", "GET", "/targets/ranking.xlsx" + Y, everyone(OK)),
]

assert DENIED == 403  # the tables above rely on only()'s default denial
