"""The JSON API (/api/v1) and the page where users manage their API tokens (/account/tokens)."""


def init_app(app):
    from planner.api.tokens import bp as tokens_bp
    from planner.api.views import bp as api_bp

    app.register_blueprint(api_bp)
    app.register_blueprint(tokens_bp)
