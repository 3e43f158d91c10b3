"""Vietnamese by default, English as a switch; Vietnamese number and date formats."""
from datetime import date, datetime

from babel.numbers import format_decimal
from flask import current_app, g, has_request_context, session
from flask_babel import Babel, get_locale

babel = Babel()


def select_locale():
    if not has_request_context():  # CLI and background work speak the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    lang = session.get("lang")
    if lang in current_app.config["LANGUAGES"]:
        return lang
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def fmt_number(value, digits=0):
    """1234567 -> '1.234.567' in Vietnamese, '1,234,567' in English; None -> '–'."""
    if value is None or value == "":
        return "–"
    fmt = "#,##0" if digits == 0 else "#,##0." + "0" * digits
    return format_decimal(value, format=fmt, locale=str(get_locale() or "vi"))


def fmt_percent(value, digits=1):
    """A ratio 0.94 -> '94,0%' (vi) / '94.0%' (en)."""
    if value is None:
        return "–"
    return fmt_number(value * 100, digits) + "%"


def fmt_date(value):
    """dd/mm/yyyy in both languages (the agency's own convention)."""
    if value is None:
        return "–"
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    return value.strftime("%d/%m/%Y")


def fmt_datetime(value):
    if value is None:
        return "–"
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.strftime("%d/%m/%Y %H:%M")


def fmt_month(value):
    if value is None:
        return "–"
    return value.strftime("%m/%Y")


def current_hierarchy():
    """The current hierarchy version, read once per request: what the base layout and pages
    without a version of their own call the middle level (middle_label(current_hierarchy()))."""
    if not has_request_context():
        return None
    if "_current_hierarchy" not in g:
        from planner.db import get_session
        from planner.services.registry import current_version
        g._current_hierarchy = current_version(session=get_session())
    return g._current_hierarchy


def init_app(app):
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", "translations")
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.filters.update(
        number=fmt_number, percent=fmt_percent, ddmmyyyy=fmt_date,
        datetime_vn=fmt_datetime, month=fmt_month,
    )
    app.jinja_env.globals["current_locale"] = lambda: str(get_locale())
    from planner.services.hierarchy import middle_label
    app.jinja_env.globals["middle_label"] = middle_label
    app.jinja_env.globals["current_hierarchy"] = current_hierarchy
    app.jinja_env.add_extension("jinja2.ext.do")
