from flask import Blueprint

bp = Blueprint("areas", __name__)


@bp.route("/districts")
def districts():
    return "todo"


@bp.route("/communes")
def communes():
    return "todo"


@bp.route("/import", methods=["GET", "POST"])
def import_data():
    return "todo"
