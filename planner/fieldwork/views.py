"""The agent's phone pages (/field, the conference and activity forms), the district head's review
(/review), and the installable web app's manifest and service worker.

The forms are sent by planner/static/fieldwork/field.js (IndexedDB first, then the JSON API);
without JS they post here and the same service checks them.
"""
import json
import uuid
from datetime import date
from pathlib import Path

from flask import (Blueprint, abort, current_app, flash, g, jsonify, redirect, render_template, request,
                   url_for)
from flask_babel import gettext as _
from flask_wtf.csrf import generate_csrf
from sqlalchemy import or_, select

from planner.db import get_session
from planner.fieldwork import entries, forms
from planner.models import Campaign, Commune, User, limits
from planner.services import fieldwork, registry, scope
from planner.services.fieldwork import EntryInvalid

bp = Blueprint("fieldwork", __name__)
STATIC = Path(__file__).resolve().parent.parent / "static" / "fieldwork"
REVIEWERS = ("district_head", "leader", "admin")


# --- helpers -------------------------------------------------------------------------------

@bp.context_processor
def field_context():
    return {"fw_messages": js_messages(), "today": date.today().isoformat(),
            "fw_limits": {"count": limits.ENTRY_COUNT.hi, "money": limits.MONEY.hi}}


def _next_url():
    """Back to the page the form came from (a local path only)."""
    target = request.form.get("next", "")
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("fieldwork.review_list")


def _communes(db, user):
    """Communes the user may log entries for, in the current hierarchy version."""
    version = registry.current_version(session=db)
    if version is None:
        return []
    stmt = (select(Commune).where(Commune.version_id == version.id, scope.commune_filter(user))
            .order_by(Commune.name))
    return db.execute(stmt).scalars().all()


def _agents(db, user):
    """Agents a head (or leader) may log an activity for."""
    stmt = select(User).where(User.role == "agent", User.active.is_(True)).order_by(User.username)
    if user.role == "district_head":
        stmt = stmt.where(User.district_id == user.district_id)
    elif not scope.is_province_wide(user):
        return []
    return db.execute(stmt).scalars().all()


def _campaigns(db, user):
    """Campaigns a conference may belong to: the province's and the user's district's, newest first."""
    stmt = select(Campaign).order_by(Campaign.start_date.desc()).limit(30)
    if not scope.is_province_wide(user):
        stmt = stmt.where(or_(Campaign.district_id.is_(None), Campaign.district_id == user.district_id))
    return db.execute(stmt).scalars().all()


def js_messages():
    """The sentences field.js shows, translated on the server."""
    return {
        "waiting_one": _("%(n)s bản ghi đang chờ gửi", n="{n}"),
        "rejected": _("%(n)s bản ghi bị từ chối, cần sửa", n="{n}"),
        "offline": _("Đang mất kết nối — bản ghi được lưu trên máy và sẽ tự gửi khi có mạng."),
        "online": _("Đang có kết nối."),
        "saved_offline": _("Đã lưu trên máy. Sẽ gửi khi có mạng."),
        "sending": _("Đang gửi…"),
        "sent": _("Đã gửi và máy chủ đã nhận."),
        "duplicate": _("Máy chủ đã có bản ghi này từ trước; không tạo thêm."),
        "resubmitted": _("Đã gửi lại bản ghi đã sửa; chờ duyệt."),
        "rejected_one": _("Máy chủ từ chối bản ghi: hãy sửa các ô được đánh dấu rồi lưu lại."),
        "signin_needed": _("Phiên đăng nhập đã hết: hãy đăng nhập lại để gửi các bản ghi đang chờ."),
        "send_failed": _("Chưa gửi được; sẽ thử lại khi có mạng."),
        "fix_errors": _("Hãy sửa các ô được đánh dấu."),
        "negative": _("Không được âm."),
        "not_integer": _("Phải là số nguyên."),
        "future": _("Ngày không được ở tương lai."),
        "bad_date": _("Ngày không hợp lệ (dd/mm/yyyy)."),
        "need_attendees": _("Hãy nhập số người dự."),
        "reg_over": _("Số đăng ký tại chỗ vượt quá số người dự."),
        "men_women_over": _("Số nam và nữ cộng lại vượt quá số người dự."),
        "minority_over": _("Số người dân tộc thiểu số vượt quá số người dự."),
        "receipts_needed": _("Đã thu tiền thì phải có biên lai."),
        "receipts_over": _("Tiền trên biên lai vượt quá số tiền đã thu."),
        "need_commune": _("Hãy chọn xã."),
        "need_format": _("Hãy chọn hình thức hội nghị."),
        "leave_warning": _("Còn bản ghi chưa gửi. Rời trang hoặc đăng xuất bây giờ thì chúng chỉ nằm trên máy này."),
        "signout_warning": _("Còn %(n)s bản ghi chưa gửi lên máy chủ. Nếu đăng xuất, người khác đăng nhập trên máy "
                             "này sẽ không gửi được chúng. Vẫn đăng xuất?", n="{n}"),
        "persist_granted": _("Trình duyệt đã cho phép giữ dữ liệu trên máy."),
        "persist_denied": _("Trình duyệt chưa cam kết giữ dữ liệu: hãy gửi các bản ghi sớm khi có mạng."),
        "persist_unknown": _("Trình duyệt không hỗ trợ giữ dữ liệu lâu dài."),
        "locating": _("Đang lấy vị trí…"),
        "located": _("Vị trí: %(lat)s, %(lon)s (±%(acc)s m)", lat="{lat}", lon="{lon}", acc="{acc}"),
        "no_location": _("Không lấy được vị trí."),
        "fix": _("Sửa"),
        "needs_fix": _("cần sửa"),
        "discard": _("Bỏ bản ghi"),
        "discard_confirm": _("Bỏ bản ghi “%(what)s”? Bản ghi sẽ bị xóa khỏi máy này và không được gửi.", what="{what}"),
        "server_error": _("Máy chủ gặp lỗi khi lưu bản ghi này (mã %(code)s): hãy kiểm tra, sửa rồi lưu lại, "
                          "hoặc bỏ bản ghi.", code="{code}"),
        "too_large": _("Số quá lớn, tối đa %(max)s.", max="{max}"),
        "conference": _("Hội nghị"),
        "activity": _("Hoạt động thu"),
        "no_storage": _("Trình duyệt này không lưu được bản ghi trên máy; cần có mạng để gửi."),
    }


def _render_form(kind, db, *, values, errors=None, fresh=False, status=200):
    user = g.user
    return render_template(
        f"fieldwork/{kind}_form.html", kind=kind, values=values, errors=errors or {}, fresh=fresh,
        communes=_communes(db, user), agents=_agents(db, user) if kind == "activity" else [],
        campaigns=_campaigns(db, user) if kind == "conference" else [],
        forms=forms,
    ), status


def _defaults(db, kind):
    user = g.user
    communes = _communes(db, user)
    day = "held_on" if kind == "conference" else "done_on"
    values = {"device_id": str(uuid.uuid4()), day: date.today().isoformat(),
              "commune_id": communes[0].id if user.role == "agent" and communes else "",
              "agent_id": user.id if user.role == "agent" else ""}
    if kind == "conference":
        values.update({"format": "propaganda", "audience_groups": []})
    return values


def _returned_entry(db, kind, entry_id):
    """A returned entry the user made, to fix and resend (404 otherwise)."""
    entry = db.get(entries.KINDS[kind], entry_id)
    if entry is None or entry.created_by_id != g.user.id or entry.status != "returned":
        abort(404)
    return entry


def _entry_form(kind):
    db = get_session()
    saver = fieldwork.save_conference if kind == "conference" else fieldwork.save_activity
    if request.method == "POST":  # the plain HTML path, without JS
        data = forms.posted_data(request.form, kind)
        try:
            entry, outcome = saver(session=db, user=g.user, data=data)
        except EntryInvalid as exc:
            db.rollback()
            values = dict(data)
            return _render_form(kind, db, values=values, errors=exc.errors, status=422)
        messages = {"created": _("Đã lưu. Bản ghi đang chờ duyệt."),
                    "resubmitted": _("Đã gửi lại bản ghi đã sửa; chờ duyệt."),
                    "duplicate": _("Bản ghi này đã được gửi trước đó; không tạo thêm.")}
        flash(messages[outcome], "success" if outcome != "duplicate" else "info")
        return redirect(url_for("fieldwork.home"))
    edit = request.args.get("edit", "")
    if edit:
        entry_id = limits.maybe_int(edit, limits.ID)
        if entry_id is None:
            abort(404)  # names no entry, like an id of nobody's
        entry = _returned_entry(db, kind, entry_id)
        values = forms.entry_values(entry, kind)
        return _render_form(kind, db, values=values, errors={"_returned": entry.review_reason})
    return _render_form(kind, db, values=_defaults(db, kind), fresh=True)


# --- agent pages ---------------------------------------------------------------------------

@bp.route("/field")
def home():
    db = get_session()
    user = g.user
    recent = []
    for kind, model in entries.KINDS.items():
        rows = db.execute(select(model).where(model.created_by_id == user.id)
                          .order_by(model.updated_at.desc(), model.id.desc()).limit(15)).scalars().all()
        recent.extend((kind, r) for r in rows)
    recent.sort(key=lambda pair: pair[1].updated_at, reverse=True)
    recent = recent[:20]
    communes = entries.communes_of(db, [r for _k, r in recent])
    return render_template("fieldwork/home.html", recent=recent, communes=communes, forms=forms)


@bp.route("/field/conference/new", methods=["GET", "POST"])
def conference_form():
    return _entry_form("conference")


@bp.route("/field/activity/new", methods=["GET", "POST"])
def activity_form():
    return _entry_form("activity")


@bp.route("/field/session")
def session_info():
    """Who is signed in and a fresh CSRF token, for field.js before it sends the queue."""
    response = jsonify({"user_id": g.user.id, "username": g.user.username, "csrf_token": generate_csrf()})
    response.headers["Cache-Control"] = "no-store"
    return response


# --- review --------------------------------------------------------------------------------

def _require_reviewer():
    scope.require(g.user.role in REVIEWERS)


@bp.route("/review")
def review_list():
    _require_reviewer()
    db = get_session()
    status = request.args.get("status", "submitted")
    if status not in ("submitted", "returned", "approved"):
        status = "submitted"
    kind = request.args.get("kind", "")
    commune = request.args.get("commune", "").strip() or None
    rows = []
    for k in entries.KINDS:
        if kind and kind != k:
            continue
        found, _total = entries.query(db, g.user, k, status=status, commune_code=commune,
                                      oldest_first=status == "submitted", limit=300)
        rows.extend((k, r) for r in found)
    rows.sort(key=lambda pair: pair[1].created_at, reverse=status != "submitted")
    communes = entries.communes_of(db, [r for _k, r in rows])
    users = entries.users_of(db, [r.created_by_id for _k, r in rows]
                             + [getattr(r, "agent_id", None) for _k, r in rows])
    return render_template("fieldwork/review.html", rows=rows, communes=communes, users=users, status=status,
                           kind=kind, commune=commune or "", forms=forms,
                           scope_communes=_communes(db, g.user))


def _decide(db, kind, entry_id, decision, reason):
    entry = db.get(entries.KINDS[kind], entry_id)
    if entry is None:
        abort(404)
    if not fieldwork.can_review(g.user, session=db, entry=entry):
        abort(403)
    fieldwork.review(session=db, user=g.user, entry=entry, decision=decision, reason=reason)
    return entry


@bp.route("/review/<any(conference, activity):kind>/<int:entry_id>", methods=["POST"])
def review_entry(kind, entry_id):
    _require_reviewer()
    db = get_session()
    decision = request.form.get("decision", "")
    try:
        _decide(db, kind, entry_id, decision, request.form.get("reason", ""))
    except EntryInvalid as exc:
        db.rollback()
        for message in exc.errors.values():
            flash(message, "error")
    else:
        flash(_("Đã duyệt bản ghi.") if decision == "approved" else _("Đã trả lại bản ghi cho người nhập."),
              "success")
    return redirect(_next_url())


@bp.route("/review/bulk", methods=["POST"])
def review_bulk():
    """Approve every selected row (values "conference:12", "activity:7")."""
    _require_reviewer()
    db = get_session()
    chosen = []
    for value in request.form.getlist("selected"):
        kind, _sep, raw = value.partition(":")
        entry_id = limits.maybe_int(raw, limits.ID)
        if kind not in entries.KINDS or entry_id is None:
            continue
        entry = db.get(entries.KINDS[kind], entry_id)
        if entry is None or entry.status != "submitted":
            continue
        if not fieldwork.can_review(g.user, session=db, entry=entry):
            abort(403)  # before any decision: all or nothing
        chosen.append(entry)
    for entry in chosen:
        fieldwork.review(session=db, user=g.user, entry=entry, decision="approved")
    approved = len(chosen)
    if approved:
        flash(_("Đã duyệt %(n)s bản ghi.", n=approved), "success")
    else:
        flash(_("Chưa chọn bản ghi nào để duyệt."), "info")
    return redirect(_next_url())


# --- installable web app -------------------------------------------------------------------

@bp.route("/manifest.webmanifest")
def manifest():
    body = {
        "name": _("BHXH – Ghi nhận thực địa"),
        "short_name": _("BHXH thực địa"),
        "start_url": url_for("fieldwork.home"),
        "scope": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#0d6efd",
        "lang": "vi",
        "icons": [
            {"src": url_for("static", filename="fieldwork/icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": url_for("static", filename="fieldwork/icon-512.png"), "sizes": "512x512", "type": "image/png"},
            {"src": url_for("static", filename="fieldwork/icon.svg"), "sizes": "any", "type": "image/svg+xml"},
        ],
    }
    response = current_app.response_class(json.dumps(body, ensure_ascii=False),
                                          mimetype="application/manifest+json")
    return response


def _shell():
    """What the service worker keeps for offline use: the field pages and their CSS/JS."""
    return [
        url_for("fieldwork.home"),
        url_for("fieldwork.conference_form"),
        url_for("fieldwork.activity_form"),
        url_for("vendor.file", name="bootstrap", filename="css/bootstrap.min.css"),
        url_for("vendor.file", name="bootstrap", filename="js/bootstrap.min.js"),
        url_for("static", filename="planner.css"),
        url_for("static", filename="planner.js"),
        url_for("static", filename="fieldwork/field.css"),
        url_for("static", filename="fieldwork/field.js"),
        url_for("static", filename="fieldwork/icon-192.png"),
        url_for("fieldwork.manifest"),
    ]


@bp.route("/sw.js")
def service_worker():
    """The service worker, served from the root so it may control /field pages."""
    source = (STATIC / "sw.js").read_text(encoding="utf-8")
    stamp = max(int(p.stat().st_mtime) for p in STATIC.iterdir() if p.is_file())
    offline = _("Không có kết nối mạng và trang này chưa được lưu trên máy. Hãy mở lại khi có mạng.")
    source = (source.replace("__SHELL__", json.dumps(_shell()))
              .replace("__OFFLINE__", json.dumps(offline, ensure_ascii=False))
              .replace("__VERSION__", str(stamp)))
    response = current_app.response_class(source, mimetype="text/javascript")
    response.headers["Service-Worker-Allowed"] = "/"
    response.headers["Cache-Control"] = "no-cache"
    return response
