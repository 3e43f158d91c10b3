from flask import Blueprint

bp = Blueprint("maps", __name__, url_prefix="/map")


@bp.route("/")
def coverage():
    return "todo"
