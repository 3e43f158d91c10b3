"""Configuration: defaults, then the instance folder's config.py, then PLANNER_* variables."""
import os
import secrets

# The key everyone can read in this file: never accepted outside tests and debugging.
DEV_SECRET_KEY = "dev-only-change-me"
MIN_SECRET_KEY_LENGTH = 32
SECRET_KEY_FILE = "secret_key"  # in the instance folder, made by the development server only

DEFAULTS = {
    "SECRET_KEY": DEV_SECRET_KEY,
    "DATABASE_URL": None,  # None -> sqlite file in the instance folder
    "MAX_UPLOAD_BYTES": 10 * 1024 * 1024,
    "MAX_BOUNDARY_BYTES": 200 * 1024 * 1024,
    "BABEL_DEFAULT_LOCALE": "vi",
    "BABEL_DEFAULT_TIMEZONE": "Asia/Ho_Chi_Minh",
    "LANGUAGES": ["vi", "en"],
    "WTF_CSRF_TIME_LIMIT": None,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SECURE": False,  # PLANNER_SESSION_COOKIE_SECURE=1 behind TLS: the cookie is sent over HTTPS only
    "BABEL_TRANSLATION_DIRECTORIES": "translations",
    "PAGE_SIZE": 50,
}

# Variables whose value is not a plain string.
_INT_KEYS = {"MAX_UPLOAD_BYTES", "MAX_BOUNDARY_BYTES", "PAGE_SIZE"}
_BOOL_KEYS = {"SESSION_COOKIE_SECURE", "TESTING", "DEBUG"}


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


# --- the secret key -----------------------------------------------------------------------

SECRET_KEY_HELP = (
    "Set PLANNER_SECRET_KEY to a random value of at least {n} characters before starting the app, e.g.\n"
    "    export PLANNER_SECRET_KEY=$(python3 -c 'import secrets; print(secrets.token_hex(32))')\n"
    "and keep it: it signs the session cookies and CSRF tokens (changing it signs everyone out)."
).format(n=MIN_SECRET_KEY_LENGTH)


class InsecureSecretKey(RuntimeError):
    """The app would sign sessions with a key someone can guess: it refuses to start."""


def _unset(key):
    return not key or key in (DEV_SECRET_KEY, DEV_SECRET_KEY.encode())


def secret_key_problem(key):
    """Why key may not sign sessions in production (None when it may)."""
    if _unset(key):
        return ("PLANNER_SECRET_KEY is not set: sessions would be signed with the development key "
                "published in the source, so anyone could sign themselves in as an admin.")
    if len(key) < MIN_SECRET_KEY_LENGTH:
        return (f"PLANNER_SECRET_KEY is too short ({len(key)} characters, at least "
                f"{MIN_SECRET_KEY_LENGTH}): it could be guessed.")
    return None


def check_secret_key(app, *, cli=False):
    """Refuse (InsecureSecretKey) the default or a short key, except in tests and debugging.

    For the command line (cli=True) nothing is refused yet: an unset key is replaced by a random
    one for this process (commands other than `serve` sign nothing), and the problem is kept in
    app.extensions["planner.secret_key_problem"] for `planner serve` (see serving_key)."""
    key = app.config.get("SECRET_KEY")
    problem = secret_key_problem(key)
    app.extensions["planner.secret_key_problem"] = problem
    app.extensions["planner.secret_key_unset"] = _unset(key)
    if problem is None or ((app.testing or app.debug) and key):
        return
    if not cli:
        raise InsecureSecretKey(problem + "\n" + SECRET_KEY_HELP)
    app.config["SECRET_KEY"] = secrets.token_hex(32)  # never the published key, even by mistake


def serving_key(app, folder=None):
    """Make the key `planner serve` (the development server) runs with. Returns a note to print,
    or None when the configured key is used. With no key set, a random key is kept in the instance
    folder (file secret_key, mode 600) and reused on the next start; a key that is set but too
    short is refused (InsecureSecretKey), except in tests and debugging."""
    problem = app.extensions.get("planner.secret_key_problem")
    if problem is None:
        return None
    if not app.extensions.get("planner.secret_key_unset"):
        if app.testing or app.debug:
            return None
        raise InsecureSecretKey(problem + "\n" + SECRET_KEY_HELP)
    path = os.path.join(folder or app.instance_path, SECRET_KEY_FILE)
    key = _read_key_file(path)
    if key is None:
        key = secrets.token_hex(32)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as f:
            f.write(key + "\n")
        os.chmod(path, 0o600)  # an existing file (unreadable key) keeps its old mode otherwise
        made = "generated a random key and stored it"
    else:
        made = "using the random key stored"
    app.config["SECRET_KEY"] = key
    app.extensions["planner.secret_key_problem"] = None
    return (f"PLANNER_SECRET_KEY is not set: {made} in {path} (development server only; "
            f"production, gunicorn 'planner:create_app()', refuses to start without PLANNER_SECRET_KEY).")


def _read_key_file(path):
    try:
        with open(path, encoding="ascii") as f:
            key = f.read().strip()
    except (FileNotFoundError, UnicodeDecodeError):
        return None
    return key if secret_key_problem(key) is None else None
