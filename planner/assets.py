"""Serve third-party JS/CSS from installed packages: no CDN, offices run on intranets."""
from pathlib import Path

from flask import Blueprint, send_from_directory


def _leaflet_dir():
    import xstatic.pkg.leaflet as leaflet
    return Path(leaflet.BASE_DIR)


def _bootstrap_dir():
    import flask_bootstrap
    return Path(flask_bootstrap.__file__).parent / "static" / "bootstrap5"


VENDORS = {"leaflet": _leaflet_dir, "bootstrap": _bootstrap_dir}


def init_app(app):
    bp = Blueprint("vendor", __name__, url_prefix="/vendor")

    @bp.route("/<name>/<path:filename>")
    def file(name, filename):
        from flask import abort
        if name not in VENDORS:
            abort(404)
        return send_from_directory(VENDORS[name](), filename, max_age=86400)

    app.register_blueprint(bp)
