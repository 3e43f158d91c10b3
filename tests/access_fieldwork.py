"""Routes of field work by role (shape of tests/test_access.py).

Agents log entries but never review (403). The manifest and the service worker hold no data and
are public (the browser fetches them without the session). API paths answer anonymous callers
with 401 JSON; a POST without a body is refused as invalid (400) after sign-in.
"""
from tests.test_access import HIDDEN, OK, REDIRECT, everyone, only

UNAUTHORIZED, INVALID = 401, 400
REVIEWERS = {"leader", "admin", "head", "other_head"}


def api(table):
    return dict(table, anonymous=UNAUTHORIZED)


CASES = [
    ("fieldwork.home", "GET", "/field", everyone(OK)),
    ("fieldwork.conference_form", "GET", "/field/conference/new", everyone(OK)),
    ("fieldwork.conference_form", "GET", "/field/conference/new?edit=999999", everyone(HIDDEN)),
    ("fieldwork.activity_form", "GET", "/field/activity/new", everyone(OK)),
    ("fieldwork.session_info", "GET", "/field/session", everyone(OK)),
    ("fieldwork.review_list", "GET", "/review", only(REVIEWERS)),
    ("fieldwork.review_list", "GET", "/review?status=returned&kind=activity", only(REVIEWERS)),
    ("fieldwork.review_entry", "POST", "/review/conference/999999", only(REVIEWERS, HIDDEN)),
    ("fieldwork.review_entry", "POST", "/review/activity/999999", only(REVIEWERS, HIDDEN)),
    ("fieldwork.review_bulk", "POST", "/review/bulk", only(REVIEWERS, REDIRECT)),
    ("fieldwork.manifest", "GET", "/manifest.webmanifest", dict(everyone(OK), anonymous=OK)),
    ("fieldwork.service_worker", "GET", "/sw.js", dict(everyone(OK), anonymous=OK)),
    ("fieldwork_api.post_conferences", "POST", "/api/v1/conferences", api(everyone(INVALID))),
    ("fieldwork_api.post_activities", "POST", "/api/v1/activities", api(everyone(INVALID))),
    ("fieldwork_api.list_conferences", "GET", "/api/v1/conferences", api(everyone(OK))),
    ("fieldwork_api.list_conferences", "GET", "/api/v1/conferences?commune=16663&status=submitted", api(everyone(OK))),
    ("fieldwork_api.list_activities", "GET", "/api/v1/activities", api(everyone(OK))),
    ("fieldwork_api.list_activities", "GET", "/api/v1/activities?limit=501", api(everyone(INVALID))),
]
