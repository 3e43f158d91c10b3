"""The hardening tests (issue 10: secret key, safe exports, security headers) reuse the
dashboard's field-work world."""
from tests.dashboard.conftest import fieldwork  # noqa: F401 (a fixture)
