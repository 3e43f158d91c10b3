"""/account/tokens: every signed-in user lists, creates and revokes their own API tokens.

A new token is shown once, in the response to the POST that made it (never stored in the
session cookie or a flash message); only its SHA-256 hash is kept.
"""
from flask import Blueprint, abort, flash, g, make_response, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import to_user_timezone

from planner.api.forms import TokenForm
from planner.db import get_session
from planner.i18n import fmt_datetime
from planner.services import tokens as token_service

bp = Blueprint("tokens", __name__)


@bp.app_template_filter("local_datetime")
def local_datetime(value):
    """A stored UTC time shown in the agency's time zone (Asia/Ho_Chi_Minh), dd/mm/yyyy hh:mm."""
    return fmt_datetime(to_user_timezone(value)) if value is not None else "–"


@bp.route("/account/tokens", methods=["GET", "POST"])
def list_tokens():
    db = get_session()
    form = TokenForm()
    new_token = None
    if form.validate_on_submit():
        try:
            _token, new_token = token_service.create_token(session=db, user=g.user, name=form.name.data)
        except token_service.TokenError as exc:
            form.name.errors.append(str(exc))
        else:
            form = TokenForm(formdata=None)
    rows = token_service.user_tokens(session=db, user=g.user)
    response = make_response(render_template("api/tokens.html", form=form, tokens=rows, new_token=new_token))
    if new_token:
        response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/account/tokens/<int:token_id>/revoke", methods=["POST"])
def revoke_token(token_id):
    if not token_service.revoke_token(session=get_session(), user=g.user, token_id=token_id):
        abort(404)
    flash(_("Đã thu hồi mã truy cập."), "success")
    return redirect(url_for("tokens.list_tokens"))
