"""Configuration: defaults, then the instance folder's config.py, then PLANNER_* variables."""
import os

DEFAULTS = {
    "SECRET_KEY": "dev-only-change-me",
    "DATABASE_URL": None,  # None -> sqlite file in the instance folder
    "MAX_UPLOAD_BYTES": 10 * 1024 * 1024,
    "MAX_BOUNDARY_BYTES": 200 * 1024 * 1024,
    "BABEL_DEFAULT_LOCALE": "vi",
    "BABEL_DEFAULT_TIMEZONE": "Asia/Ho_Chi_Minh",
    "LANGUAGES": ["vi", "en"],
    "WTF_CSRF_TIME_LIMIT": None,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_HTTPONLY": True,
    "BABEL_TRANSLATION_DIRECTORIES": "translations",
    "PAGE_SIZE": 50,
}

# Variables whose value is not a plain string.
_INT_KEYS = {"MAX_UPLOAD_BYTES", "MAX_BOUNDARY_BYTES", "PAGE_SIZE"}
_BOOL_KEYS = {"SESSION_COOKIE_SECURE", "TESTING"}


def load_config(app, test_config=None):
    """Fill app.config from defaults, instance config, environment, then test_config."""
    app.config.from_mapping(DEFAULTS)
    app.config.from_pyfile("config.py", silent=True)
    for name, raw in os.environ.items():
        if not name.startswith("PLANNER_") or name.startswith("PLANNER_TEST_"):
            continue
        key = name[len("PLANNER_"):]
        if key in _INT_KEYS:
            value = int(raw)
        elif key in _BOOL_KEYS:
            value = raw.lower() in {"1", "true", "yes", "on"}
        else:
            value = raw
        app.config[key] = value
    if test_config:
        app.config.update(test_config)
    if not app.config.get("DATABASE_URL"):
        app.config["DATABASE_URL"] = "sqlite:///" + os.path.join(app.instance_path, "planner.sqlite")
    app.config["MAX_CONTENT_LENGTH"] = app.config["MAX_UPLOAD_BYTES"] + 64 * 1024
