"""The start page: what the signed-in user is responsible for, in figures."""
from flask import Blueprint, g, render_template

from planner.db import get_session
from planner.services import registry

bp = Blueprint("home", __name__)


@bp.route("/")
def index():
    summary = registry.scope_summary(session=get_session(), user=g.user)
    return render_template("home.html", summary=summary)
