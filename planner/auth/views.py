"""Sign in, sign out, language switch."""
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from sqlmodel import select

from planner.auth.forms import LoginForm
from planner.auth.security import verify_password
from planner.db import get_session
from planner.models import User

bp = Blueprint("auth", __name__, url_prefix="/auth")


def _safe_next(target):
    """Only same-site relative paths; anything else goes home."""
    if not target:
        return url_for("home.index")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("home.index")
    return target


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        db = get_session()
        user = db.exec(select(User).where(User.username == form.username.data.strip())).first()
        if verify_password(user, form.password.data):
            lang = session.get("lang")
            session.clear()
            session["user_id"] = user.id
            if lang:
                session["lang"] = lang
            session.permanent = True
            return redirect(_safe_next(request.args.get("next")))
        form.password.errors.append(_("Tên đăng nhập hoặc mật khẩu không đúng."))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout():
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    flash(_("Đã đăng xuất."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/lang/<code>")
def set_language(code):
    if code in current_app.config["LANGUAGES"]:
        session["lang"] = code
    return redirect(_safe_next(request.args.get("next") or request.referrer and urlsplit(request.referrer).path))
