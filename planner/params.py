"""Whole numbers in URLs: the app-wide <int:...> converter and query-string integers, both held
to the declared ranges of planner.models.limits.

`<int:id>` matches ASCII digits only and at most ID.hi (2^31 - 1, the id columns' range), so
/api/v1/targets/2147483648 is a 404 like any id that names no row, never a database error.
"""
from flask import abort, request
from flask_babel import gettext as _
from werkzeug.routing import IntegerConverter

from planner.models import limits


class BoundedIntConverter(IntegerConverter):
    """Werkzeug's int converter (regex \\d+, which also matches non-ASCII digits; no upper bound)
    made ASCII-only and bounded by the id range. Rules may still pass min= / max=."""
    regex = r"[0-9]+"

    def __init__(self, map, fixed_digits=0, min=None, max=None, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min,
                         max=limits.ID.hi if max is None else max, signed=False)


def init_app(app):
    """Before any blueprint is registered: every rule compiles with this converter."""
    app.url_map.converters["int"] = BoundedIntConverter


class ParamError(ValueError):
    """A query parameter that is not what the page needs; the message names it."""

    def __init__(self, name, message):
        super().__init__(message)
        self.name = name
        self.message = message


def query_int(name, rng, default=None, args=None):
    """The query parameter `name` as an int in rng; blank or absent gives default. Raises
    ParamError (a Vietnamese message naming the parameter) for anything else."""
    raw = (args if args is not None else request.args).get(name, "")
    raw = raw.strip() if isinstance(raw, str) else raw
    if raw in ("", None):
        return default
    try:
        return limits.bounded_int(raw, name, rng)
    except limits.NumberError as exc:
        raise ParamError(name, _("Tham số “%(name)s” không hợp lệ: %(reason)s", name=name,
                                 reason=str(exc.reason))) from None


def query_int_or_400(name, rng, default=None):
    """query_int for pages: a wrong value answers 400 with the message (JSON under /api/)."""
    try:
        return query_int(name, rng, default)
    except ParamError as exc:
        abort(400, description=exc.message)
