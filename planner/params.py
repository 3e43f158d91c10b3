"""Whole numbers in URLs: the app-wide <int:...> converter and query-string integers, both held
to the declared ranges of planner.models.limits.

`<int:id>` matches ASCII digits only and at most ID.hi (2^31 - 1, the id columns' range), so
/api/v1/targets/2147483648 is a 404 like any id that names no row, never a database error.
"""
from flask import abort, request
from flask_babel import gettext as _
from werkzeug.routing import IntegerConverter

from planner.models import limits


def digits_at_most(n):
    """A regular expression matching the ASCII decimal numbers 0..n (no leading zeros beyond
    n's length): 'at most 2147483647' said digit by digit."""
    text = str(n)
    parts = [f"[0-9]{{1,{len(text) - 1}}}"] if len(text) > 1 else []
    for i, digit in enumerate(text):
        if digit != "0":
            rest = len(text) - i - 1
            parts.append(text[:i] + f"[0-{int(digit) - 1}]" + (f"[0-9]{{{rest}}}" if rest else ""))
    parts.append(text)
    return "(?:" + "|".join(parts) + ")"


class BoundedIntConverter(IntegerConverter):
    """Werkzeug's int converter (regex \\d+, which also matches non-ASCII digits; no upper bound)
    made ASCII-only and bounded by the id range in its regex: a larger number matches no rule at
    all, so it is a 404 like any id that names no row (a bound checked after matching would turn
    into a 405 where the same path has another method). Rules may still pass min= / max=."""

    def __init__(self, map, fixed_digits=0, min=None, max=None, signed=False):
        max = limits.ID.hi if max is None else max
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=False)
        self.regex = digits_at_most(max)


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


def page_arg(name="page"):
    """A page number of a list: unreadable text is the first page and a number past the end is
    clamped by the caller (a list's pages are a convenience, never an error), but it is read as
    ASCII digits within limits.PAGE, so no value can reach the database as an offset it refuses."""
    number = limits.maybe_int(request.args.get(name, ""), limits.Range(0, limits.INT64_MAX))
    if number is None:
        return 1
    return min(max(number, limits.PAGE.lo), limits.PAGE.hi)

