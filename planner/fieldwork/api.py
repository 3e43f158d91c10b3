"""JSON API for field entries: POST one entry or a batch (idempotent by the device-made id), GET
lists with filters and pagination, in the same scope as the pages.

Signed in by the session cookie (writes then need the CSRF token in X-CSRFToken) or by a bearer
token (planner.auth.security sets g.api_token; no CSRF then). A batch is validated entry by entry
and written in one flush, so one bad entry never spoils the others; should a concurrent request
have saved one of the device ids meanwhile, each entry is saved in its own SAVEPOINT instead. The
request commits once at the end.
"""
from datetime import date

from flask import Blueprint, current_app, g, jsonify, request
from flask_babel import gettext as _
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from planner.auth.security import csrf
from planner.db import get_session
from planner.fieldwork import entries
from planner.models import User
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
    device_id = str(device_id) if device_id is not None else None
    for attempt in (1, 2):
        savepoint = db.begin_nested()
        try:
            entry, outcome = SAVERS[kind](session=db, user=g.user, data=item, commit=False)
        except EntryInvalid as exc:
            savepoint.rollback()
            return {"device_id": device_id, "status": "rejected", "errors": dict(exc.errors)}
        except IntegrityError:
            savepoint.rollback()
            if attempt == 1:  # another request saved the same device id a moment ago: look again
                continue
            return {"device_id": device_id, "status": "rejected",
                    "errors": {"device_id": _("Không lưu được bản ghi; hãy gửi lại.")}}
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
    except IntegrityError:
        # A concurrent request saved one of these device ids first: go entry by entry.
        db.rollback()
        _begin_real_transaction(db)
        results = [_save_one(db, kind, item) for item in items]
    else:
        results = [_answer(item, outcome, entry, errors) for item, (outcome, entry, errors) in zip(items, answers)]
    db.commit()
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


def _int_arg(name, errors, default, low, high):
    raw = request.args.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        errors[name] = _("Phải là số nguyên từ %(low)s đến %(high)s.", low=low, high=high)
        return default
    return int(raw)


def _agent_arg(db, errors):
    raw = request.args.get("agent", "").strip()
    if not raw:
        return None
    column = User.id if raw.isdigit() else User.username
    agent = db.execute(select(User).where(column == (int(raw) if raw.isdigit() else raw))).scalars().first()
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
    limit = _int_arg("limit", errors, DEFAULT_LIMIT, 1, MAX_LIMIT)
    offset = _int_arg("offset", errors, 0, 0, 10 ** 9)
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
