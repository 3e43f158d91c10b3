"""Field work: the agent's phone pages (/field), the district head's review (/review), the
installable web app (manifest, service worker) and the JSON API for entries (/api/v1)."""


def init_app(app):
    from planner.fieldwork.api import bp as api_bp
    from planner.fieldwork.views import bp as views_bp

    app.register_blueprint(views_bp)
    app.register_blueprint(api_bp)
