"""JSON API for field entries: POST one entry or a batch (idempotent by the device-made id), GET
lists with filters and pagination, in the same scope as the pages.

Signed in by the session cookie (writes then need the CSRF token in X-CSRFToken) or by a bearer
token (planner.auth.security sets g.api_token; no CSRF then). A batch never fails whole: every
entry is answered accepted, duplicate, resubmitted or rejected with its reasons. The batch is
validated entry by entry and written in one flush; should that flush fail (a concurrent request
saved one of the device ids meanwhile, or the database refuses a value), each entry is saved in its
own SAVEPOINT instead, and an entry the database refuses is rejected alone while the others are
saved. The request commits once at the end; if the commit itself fails nothing is saved and the
answer is 503 (try again later), never a 500 the phone would retry forever.
"""
from datetime import date

from flask import Blueprint, current_app, g, jsonify, request
from flask_babel import gettext as _
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from planner.auth.security import csrf
from planner.db import get_session
from planner.fieldwork import entries
from planner.params import ParamError, query_int
from planner.models import User, limits
from planner.models.fieldwork import REVIEW_STATUSES
from planner.services import fieldwork
from planner.services.fieldwork import EntryInvalid

bp = Blueprint("fieldwork_api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)

MAX_BATCH = 1000
MAX_LIMIT = 500
DEFAULT_LIMIT = 100
OUTCOMES = {"created": "accepted", "duplicate": "duplicate", "resubmitted": "resubmitted"}
SAVERS = {"conference": fieldwork.save_conference, "activity": fieldwork.save_activity}
# What the database may raise on one entry: its own errors (SQLAlchemy wraps them) and a Python int
# the SQLite driver cannot bind (not wrapped).
DATABASE_ERRORS = (SQLAlchemyError, OverflowError)


@bp.before_request
def csrf_for_session_writes():
    """Cookie-authenticated writes need the CSRF token (header X-CSRFToken); bearer tokens don't."""
    if g.get("api_token") is None and current_app.config.get("WTF_CSRF_ENABLED", True):
        csrf.protect()  # returns at once for GET/HEAD/OPTIONS


def _error(status, code, message, **extra):
    body = {"error": code, "message": message}
    body.update(extra)
    return jsonify(body), status


def _begin_real_transaction(db):
    """SQLite's Python driver opens a transaction only before a write, so a SAVEPOINT would
    open (and its RELEASE commit) one of its own: begin explicitly so the request commits once.
    (Switching the whole engine to SQLAlchemy's explicit-BEGIN recipe was tried: every read then
    holds a SHARED lock for its transaction and concurrent writers hit "database is locked".)"""
    connection = db.connection()
    if connection.dialect.name == "sqlite" and not connection.connection.driver_connection.in_transaction:
        connection.execute(text("BEGIN"))


def _save_one(db, kind, item):
    """One entry's answer: {"device_id", "status", "id"} or {"device_id", "status": "rejected", "errors"}."""
    if not isinstance(item, dict):
        return {"device_id": None, "status": "rejected",
                "errors": {"entry": _("Mỗi bản ghi phải là một đối tượng JSON.")}}
    device_id = item.get("device_id")
    device_id = str(device_id)[:64] if device_id is not None else None
    for attempt in (1, 2):
        savepoint = db.begin_nested()
        try:
            entry, outcome = SAVERS[kind](session=db, user=g.user, data=item, commit=False)
        except EntryInvalid as exc:
            savepoint.rollback()
            return {"device_id": device_id, "status": "rejected", "errors": dict(exc.errors)}
        except DATABASE_ERRORS as exc:
            savepoint.rollback()  # this entry only; the others of the batch are kept
            if attempt == 1 and isinstance(exc, IntegrityError):
                continue  # another request saved the same device id a moment ago: look again
            current_app.logger.warning("%s %s refused by the database: %s", kind, device_id,
                                       (str(getattr(exc, "orig", exc)).splitlines() or [""])[0])
            return {"device_id": device_id, "status": "rejected",
                    "errors": {"entry": _("Máy chủ không lưu được bản ghi này. Hãy kiểm tra lại các số liệu "
                                          "rồi gửi lại, hoặc bỏ bản ghi.")}}
        savepoint.commit()
        return {"device_id": entry.device_id, "status": OUTCOMES[outcome], "id": entry.id}


def _post(kind):
    body = request.get_json(silent=True)
    if isinstance(body, dict) and isinstance(body.get("entries"), list):
        body = body["entries"]
    if isinstance(body, dict):
        items = [body]
    elif isinstance(body, list):
        items = body
    else:
        return _error(400, "invalid", _("Nội dung gửi lên phải là một bản ghi JSON hoặc một danh sách bản ghi."))
    if not items:
        return _error(400, "invalid", _("Danh sách bản ghi trống."))
    if len(items) > MAX_BATCH:
        return _error(413, "too_large", _("Mỗi lần gửi tối đa %(n)s bản ghi.", n=MAX_BATCH), max_batch=MAX_BATCH)
    db = get_session()
    _begin_real_transaction(db)
    try:
        # The fast path: validate all, write every new entry in one flush (one INSERT batch and
        # one batch of audit rows instead of a savepoint and two INSERTs per entry).
        answers = fieldwork.save_batch(session=db, user=g.user, kind=kind, items=items)
    except DATABASE_ERRORS:
        # A concurrent request saved one of these device ids first, or the database refused an
        # entry: go entry by entry, each in its own savepoint.
        db.rollback()
        _begin_real_transaction(db)
        results = [_save_one(db, kind, item) for item in items]
    else:
        results = [_answer(item, outcome, entry, errors) for item, (outcome, entry, errors) in zip(items, answers)]
    try:
        db.commit()
    except DATABASE_ERRORS as exc:
        db.rollback()
        current_app.logger.warning("a batch of %s entries could not be committed: %s", kind,
                                   (str(getattr(exc, "orig", exc)).splitlines() or [""])[0])
        return _error(503, "unavailable", _("Máy chủ đang bận, chưa lưu được bản ghi nào; máy sẽ gửi lại sau."))
    return jsonify({"results": results})


def _answer(item, outcome, entry, errors):
    if outcome == "rejected":
        device_id = item.get("device_id") if isinstance(item, dict) else None
        return {"device_id": str(device_id) if device_id is not None else None, "status": "rejected",
                "errors": errors}
    return {"device_id": entry.device_id, "status": OUTCOMES[outcome], "id": entry.id}


@bp.post("/conferences")
def post_conferences():
    return _post("conference")


@bp.post("/activities")
def post_activities():
    return _post("activity")


# --- lists ---------------------------------------------------------------------------------

def _date_arg(name, errors):
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        errors[name] = _("Ngày không hợp lệ (yyyy-mm-dd).")
        return None


def _int_arg(name, errors, default, rng):
    try:
        return query_int(name, rng, default)
    except ParamError as exc:
        errors[name] = exc.message
        return default


def _agent_arg(db, errors):
    """?agent= an id or a username."""
    raw = request.args.get("agent", "").strip()
    if not raw:
        return None
    agent_id = limits.maybe_int(raw, limits.ID) if raw.isascii() and raw.isdigit() else None
    if agent_id is not None:
        agent = db.get(User, agent_id)
    elif len(raw) <= 60:
        agent = db.execute(select(User).where(User.username == raw)).scalars().first()
    else:
        agent = None
    if agent is None:
        errors["agent"] = _("Không có người dùng này.")
        return None
    return agent.id


def _list(kind):
    db = get_session()
    errors = {}
    status = request.args.get("status", "").strip() or None
    if status and status not in REVIEW_STATUSES:
        errors["status"] = _("Trạng thái không hợp lệ; chọn một trong: %(values)s.", values=", ".join(REVIEW_STATUSES))
    date_from, date_to = _date_arg("date_from", errors), _date_arg("date_to", errors)
    limit = _int_arg("limit", errors, DEFAULT_LIMIT, limits.Range(1, MAX_LIMIT))
    offset = _int_arg("offset", errors, 0, limits.OFFSET)
    agent_id = _agent_arg(db, errors)
    if errors:
        return _error(400, "invalid", _("Bộ lọc không hợp lệ."), fields=errors)
    rows, total = entries.query(db, g.user, kind, commune_code=request.args.get("commune", "").strip() or None,
                                date_from=date_from, date_to=date_to, status=status, agent_id=agent_id,
                                limit=limit, offset=offset)
    communes = entries.communes_of(db, rows)
    users = entries.users_of(db, [r.created_by_id for r in rows] + [getattr(r, "agent_id", None) for r in rows])
    return jsonify({"count": total, "limit": limit, "offset": offset,
                    "items": [entries.as_json(r, kind, communes, users) for r in rows]})


@bp.get("/conferences")
def list_conferences():
    return _list("conference")


@bp.get("/activities")
def list_activities():
    return _list("activity")
