"""The participant-development campaign planner: a Flask application factory."""
import os
from pathlib import Path

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config=None, *, cli=False):
    """Build the app: config -> db -> i18n -> auth -> blueprints -> cli -> response headers.

    Refuses to start (config.InsecureSecretKey) with the published development key or a short
    PLANNER_SECRET_KEY, except in tests and debugging; the command line (cli=True) defers that to
    `planner serve`, which keeps a generated key in the instance folder when none is set."""
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
    )
    from planner import config, db, i18n, assets, headers, params
    from planner import cli as commands
    from planner.auth import security

    config.load_config(app, test_config)
    config.check_secret_key(app, cli=cli)
    params.init_app(app)  # <int:...> in every route: ASCII digits within the id range
    os.makedirs(app.instance_path, exist_ok=True)
    db.init_app(app)
    i18n.init_app(app)
    assets.init_app(app)
    security.init_app(app)
    register_blueprints(app)
    commands.init_app(app)
    headers.init_app(app)
    return app


def register_blueprints(app):
    from planner.auth.views import bp as auth_bp
    from planner.areas.views import bp as areas_bp
    from planner.maps.views import bp as maps_bp
    from planner.home import bp as home_bp
    from planner.users.views import bp as users_bp
    from planner.targets.views import bp as targets_bp

    for bp in (auth_bp, home_bp, areas_bp, maps_bp, users_bp, targets_bp):
        app.register_blueprint(bp)
    from planner import api  # the JSON API /api/v1 and the /account/tokens page
    api.init_app(app)
    from planner import fieldwork  # /field, /review, the web app's manifest and service worker, /api/v1 entries
    fieldwork.init_app(app)
    from planner.fieldwork_reports.views import bp as fieldwork_reports_bp  # campaigns, agents, conversion, cash
    app.register_blueprint(fieldwork_reports_bp)
    from planner.dashboard.views import bp as dashboard_bp  # province and district dashboards, the district report
    app.register_blueprint(dashboard_bp)
    from planner.offices.views import bp as offices_bp  # grassroots SI office areas, agents' carry-over
    app.register_blueprint(offices_bp)
    from planner.audit_trail.views import bp as audit_trail_bp  # /audit: the audit trail page
    app.register_blueprint(audit_trail_bp)
