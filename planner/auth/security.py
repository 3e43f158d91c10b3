"""Sign-in required everywhere but sign-in and static files; CSRF on every form."""
from flask import g, redirect, request, session, url_for
from flask_wtf.csrf import CSRFProtect
from werkzeug.security import check_password_hash, generate_password_hash

from planner import audit
from planner.db import get_session
from planner.models import User

csrf = CSRFProtect()

PUBLIC_ENDPOINTS = {"auth.login", "auth.set_language", "static", "vendor.file",
                    "fieldwork.manifest", "fieldwork.service_worker"}  # no data in either


def hash_password(password):
    return generate_password_hash(password, method="pbkdf2:sha256:600000")


def verify_password(user, password):
    return bool(user and user.active and check_password_hash(user.password_hash, password))


def bearer_token():
    """The token of an `Authorization: Bearer <token>` header ('' if empty), None without one."""
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" else None


def load_user():
    """Sign the request's user in: a bearer token on /api/ paths, else the session cookie.
    Returns a 401 response for an unknown or revoked token (never falls back to the cookie)."""
    g.user = None
    g.api_token = None  # set when a bearer token signed the request in (the API skips CSRF then)
    audit.set_actor(None, "anonymous")  # never inherit the previous request's author
    raw = bearer_token() if request.path.startswith("/api/") else None
    if raw is not None:
        from planner.services import tokens

        found = tokens.authenticate(session=get_session(), raw=raw)
        if found is None:
            return ({"error": "invalid token"}, 401,
                    {"WWW-Authenticate": 'Bearer error="invalid_token"'})
        g.user, g.api_token = found
        audit.set_actor(g.user.id, g.user.username)
        return None
    user_id = session.get("user_id")
    if user_id is not None:
        user = get_session().get(User, user_id)
        if user is not None and user.active:
            g.user = user
            audit.set_actor(user.id, user.username)


def require_login():
    refused = load_user()
    if refused is not None:
        return refused
    if request.endpoint in PUBLIC_ENDPOINTS or request.endpoint is None:
        return None
    if g.user is None:
        if request.path.startswith("/api/"):
            return {"error": "authentication required"}, 401
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    return None


def init_app(app):
    csrf.init_app(app)
    app.before_request(require_login)
