"""Routes of the JSON API and the token page, by role (shape of tests/test_access.py).

API paths answer an anonymous caller with 401 JSON, not the login redirect. PUT without a body
shows the order of the checks: hidden target 404, may not set 403, else the body is checked (400).
"""
from tests.test_access import DENIED, HIDDEN, OK, everyone, only

UNAUTHORIZED, INVALID = 401, 400


def api(table):
    return dict(table, anonymous=UNAUTHORIZED)


CASES = [
    ("api.list_targets", "GET", "/api/v1/targets", api(everyone(OK))),
    ("api.list_targets", "GET", "/api/v1/targets?year=2024&metric=hi_coverage&level=commune", api(everyone(OK))),
    ("api.get_target", "GET", "/api/v1/targets/{target_province_id}", api(everyone(OK))),
    ("api.get_target", "GET", "/api/v1/targets/{target_district_412_id}",
     api(only({"leader", "admin", "head", "agent"}, denied=HIDDEN))),
    ("api.get_target", "GET", "/api/v1/targets/{target_commune_16663_id}",
     api(only({"leader", "admin", "head", "agent"}, denied=HIDDEN))),
    ("api.update_target", "PUT", "/api/v1/targets/{target_province_id}",
     api(only({"leader", "admin"}, INVALID, denied=DENIED))),
    ("api.update_target", "PUT", "/api/v1/targets/{target_district_412_id}",
     api(only({"leader", "admin"}, INVALID, denied=DENIED, other_head=HIDDEN))),
    ("api.update_target", "PUT", "/api/v1/targets/{target_commune_16663_id}",
     api(only({"leader", "admin", "head"}, INVALID, denied=DENIED, other_head=HIDDEN))),
    ("api.progress_rows", "GET", "/api/v1/progress?metric=hi_coverage&level=commune&period=2024", api(everyone(OK))),
    ("api.progress_rows", "GET", "/api/v1/progress?level=district&period=2024", api(everyone(OK))),
    ("tokens.list_tokens", "GET", "/account/tokens", everyone(OK)),
    ("tokens.revoke_token", "POST", "/account/tokens/999999/revoke", everyone(HIDDEN)),
]
