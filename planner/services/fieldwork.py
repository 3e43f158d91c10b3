"""Field work rules: validate and save conferences and activity entries (idempotent by the
device-made id), review them, and keep the audit trail (automatic on every flush)."""
from datetime import date, datetime, time

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from planner.models import Activity, Campaign, Commune, Conference, User, UserCommune, limits
from planner.models.areas import utcnow
from planner.models.fieldwork import AUDIENCE_GROUPS, CONFERENCE_FORMATS
from planner.services import scope

# (name, label, money?) in the order the phone form shows them; a count's range is
# limits.ENTRY_COUNT, an amount's limits.MONEY.
CONFERENCE_NUMBERS = [
    ("attendees", _l("Số người dự"), False),
    ("attendees_men", _l("Trong đó nam"), False),
    ("attendees_women", _l("Trong đó nữ"), False),
    ("attendees_ethnic_minority", _l("Người dân tộc thiểu số"), False),
    ("reg_voluntary_si", _l("Đăng ký BHXH tự nguyện tại chỗ"), False),
    ("reg_household_hi", _l("Đăng ký BHYT hộ gia đình tại chỗ"), False),
    ("prospects", _l("Người có nhu cầu, cần tư vấn thêm"), False),
    ("cost_vnd", _l("Kinh phí (đồng)"), True),
]
ACTIVITY_NUMBERS = [
    ("household_visits", _l("Số hộ đến tư vấn"), False),
    ("new_voluntary_si", _l("Người tham gia BHXH tự nguyện mới"), False),
    ("new_household_hi", _l("Người tham gia BHYT hộ gia đình mới"), False),
    ("renewed_household_hi", _l("Người gia hạn thẻ BHYT hộ gia đình"), False),
    ("amount_collected_vnd", _l("Số tiền đã thu (đồng)"), True),
    ("receipts_issued", _l("Số biên lai đã cấp"), False),
    ("receipts_amount_vnd", _l("Tiền trên biên lai (đồng)"), True),
]
CONFERENCE_COUNTS = tuple(name for name, _label, _money in CONFERENCE_NUMBERS)
ACTIVITY_COUNTS = tuple(name for name, _label, _money in ACTIVITY_NUMBERS)
NUMBER_FIELDS = {name: (label, limits.MONEY if money else limits.ENTRY_COUNT)
                 for name, label, money in CONFERENCE_NUMBERS + ACTIVITY_NUMBERS}


class EntryInvalid(ValueError):
    """The entry breaks a rule; errors maps a field name to a message the agent can act on."""

    def __init__(self, errors):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


# --- parsing -------------------------------------------------------------------------------

def _int(data, key, errors):
    """A count or an amount in its declared range (limits), the message naming the field."""
    raw = data.get(key)
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return 0
    label, rng = NUMBER_FIELDS[key]
    try:
        return limits.bounded_int(raw, label, rng)
    except limits.NumberError as exc:
        errors[key] = str(exc)
        return 0


def _id(raw):
    """An id sent as a number or digits, within the id range; None for anything else."""
    return limits.maybe_int(raw, limits.ID)


def _date(data, key, errors, *, today):
    raw = data.get(key)
    if isinstance(raw, date):
        value = raw
    else:
        text = str(raw or "").strip()
        value = None
        for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
            try:
                value = datetime.strptime(text, fmt).date()
                break
            except ValueError:
                continue
        if value is None:
            errors[key] = _("Ngày không hợp lệ (dd/mm/yyyy).")
            return None
    if value > today:
        errors[key] = _("Ngày không được ở tương lai.")
    elif value.year < 2000:
        errors[key] = _("Ngày quá xa trong quá khứ.")
    return value


def _time(data, key, errors):
    raw = data.get(key)
    if raw in (None, ""):
        return None
    if isinstance(raw, time):
        return raw
    try:
        return datetime.strptime(str(raw).strip()[:5], "%H:%M").time()
    except ValueError:
        errors[key] = _("Giờ không hợp lệ (HH:MM).")
        return None


def _float(data, key, errors, low, high):
    raw = data.get(key)
    if raw in (None, ""):
        return None
    if isinstance(raw, bool):
        errors[key] = _("Phải là số.")
        return None
    try:
        value = float(raw)
    except (TypeError, ValueError, OverflowError):  # OverflowError: an int of hundreds of digits
        errors[key] = _("Phải là số.")
        return None
    if not (low <= value <= high):
        errors[key] = _("Ngoài khoảng cho phép (%(low)s đến %(high)s).", low=low, high=high)
    return value


def _text(data, key, limit):
    return str(data.get(key) or "").strip()[:limit]


def _device_id(data, errors):
    value = str(data.get("device_id") or "").strip()
    if not (8 <= len(value) <= 64) or not all(ch.isascii() and (ch.isalnum() or ch in "-_") for ch in value):
        errors["device_id"] = _("Thiếu mã bản ghi của thiết bị (8–64 ký tự chữ, số, - hoặc _).")
    return value


def _commune(session, user, data, errors):
    raw = data.get("commune_id")
    code = str(data.get("commune_code") or "").strip()
    commune = None
    if raw not in (None, ""):
        commune_id = _id(raw)
        commune = session.get(Commune, commune_id) if commune_id is not None else None
    elif code:
        from planner.services.registry import current_version
        version = current_version(session=session)
        commune = version and session.execute(
            select(Commune).where(Commune.version_id == version.id, Commune.code == code)).scalars().first()
    if commune is None:
        errors["commune_id"] = _("Hãy chọn xã.")
        return None
    if not scope.can_view_commune(user, commune, session=session):
        errors["commune_id"] = _("Xã này ngoài địa bàn bạn phụ trách.")
        return None
    return commune


def _choices(raw, allowed, key, errors):
    items = raw if isinstance(raw, (list, tuple)) else [x for x in str(raw or "").split(",")]
    items = [str(x).strip() for x in items if str(x).strip()]
    bad = [x for x in items if x not in allowed]
    if bad:
        errors[key] = _("Giá trị không hợp lệ: %(values)s.", values=", ".join(bad))
    return ",".join(dict.fromkeys(x for x in items if x in allowed))


# --- conferences ---------------------------------------------------------------------------

def parse_conference(*, session, user, data, today=None):
    """Checked field values of a conference, or EntryInvalid with every problem."""
    today = today or date.today()
    errors = {}
    values = {"device_id": _device_id(data, errors)}
    commune = _commune(session, user, data, errors)
    values["commune_id"] = commune.id if commune else None
    values["held_on"] = _date(data, "held_on", errors, today=today)
    values["start_time"] = _time(data, "start_time", errors)
    values["format"] = str(data.get("format") or "").strip()
    if values["format"] not in CONFERENCE_FORMATS:
        errors["format"] = _("Hãy chọn hình thức hội nghị.")
    values["audience_groups"] = _choices(data.get("audience_groups"), AUDIENCE_GROUPS, "audience_groups", errors)
    for key in CONFERENCE_COUNTS:
        values[key] = _int(data, key, errors)
    for key, limit in (("hamlet", 120), ("chair", 200), ("speakers", 500), ("notes", 2000)):
        values[key] = _text(data, key, limit)
    values["latitude"] = _float(data, "latitude", errors, -90, 90)
    values["longitude"] = _float(data, "longitude", errors, -180, 180)
    values["accuracy_m"] = _float(data, "accuracy_m", errors, 0, 100_000)
    campaign_id = data.get("campaign_id")
    values["campaign_id"] = None
    if campaign_id not in (None, ""):
        campaign_id = _id(campaign_id)
        campaign = session.get(Campaign, campaign_id) if campaign_id is not None else None
        if campaign is None:
            errors["campaign_id"] = _("Không có chiến dịch này.")
        else:
            values["campaign_id"] = campaign.id
            if values["held_on"] and not (campaign.start_date <= values["held_on"] <= campaign.end_date):
                errors["held_on"] = _("Ngày hội nghị nằm ngoài thời gian của chiến dịch.")
    attendees = values["attendees"]
    if "attendees" not in errors:
        if attendees == 0:
            errors["attendees"] = _("Hãy nhập số người dự.")
        if values["attendees_men"] + values["attendees_women"] > attendees:
            errors["attendees_women"] = _("Số nam và nữ cộng lại vượt quá số người dự.")
        if values["attendees_ethnic_minority"] > attendees:
            errors["attendees_ethnic_minority"] = _("Số người dân tộc thiểu số vượt quá số người dự.")
        if values["reg_voluntary_si"] + values["reg_household_hi"] > attendees:
            errors["reg_household_hi"] = _("Số đăng ký tại chỗ vượt quá số người dự.")
    if errors:
        raise EntryInvalid(errors)
    return values


def _apply(session, model, user, values, existing):
    """The one rule for an incoming entry, given what is stored under its device id: insert it;
    a resend of a submitted or approved entry changes nothing; a resend of a returned entry
    replaces it and sends it back for review; another user's device id is refused.
    Returns (outcome, entry) with outcome created / duplicate / resubmitted."""
    if existing is None:
        entry = model(**values, created_by_id=user.id, status="submitted")
        session.add(entry)
        return "created", entry
    if existing.created_by_id not in (None, user.id):
        raise EntryInvalid({"device_id": _("Mã bản ghi này đã được người khác dùng.")})
    if existing.status != "returned":
        return "duplicate", existing
    for key, value in values.items():
        setattr(existing, key, value)
    existing.status, existing.updated_at = "submitted", utcnow()
    return "resubmitted", existing


def _save(session, model, user, values, *, commit):
    """Save one entry by its device id (see _apply). Returns (entry, outcome)."""
    existing = session.execute(select(model).where(model.device_id == values["device_id"])).scalars().first()
    outcome, entry = _apply(session, model, user, values, existing)
    session.flush()
    if commit:
        session.commit()
    return entry, outcome


def save_conference(*, session, user, data, today=None, commit=True):
    values = parse_conference(session=session, user=user, data=data, today=today)
    return _save(session, Conference, user, values, commit=commit)


# --- activities ----------------------------------------------------------------------------

def parse_activity(*, session, user, data, today=None):
    today = today or date.today()
    errors = {}
    values = {"device_id": _device_id(data, errors)}
    commune = _commune(session, user, data, errors)
    values["commune_id"] = commune.id if commune else None
    values["done_on"] = _date(data, "done_on", errors, today=today)
    for key in ACTIVITY_COUNTS:
        values[key] = _int(data, key, errors)
    values["notes"] = _text(data, "notes", 2000)
    agent_id = data.get("agent_id")
    if user.role == "agent":
        values["agent_id"] = user.id
    else:
        agent_id = _id(agent_id)
        agent = session.get(User, agent_id) if agent_id is not None else None
        if agent is None or agent.role != "agent":
            errors["agent_id"] = _("Hãy chọn nhân viên thu.")
        elif commune is not None and session.get(UserCommune, (agent.id, commune.id)) is None:
            errors["agent_id"] = _("Nhân viên thu này không phụ trách xã đã chọn.")
        values["agent_id"] = agent.id if agent else None
    if not errors:
        if values["receipts_issued"] == 0 and values["amount_collected_vnd"] > 0:
            errors["receipts_issued"] = _("Đã thu tiền thì phải có biên lai.")
        if values["receipts_amount_vnd"] > values["amount_collected_vnd"]:
            errors["receipts_amount_vnd"] = _("Tiền trên biên lai vượt quá số tiền đã thu.")
    if errors:
        raise EntryInvalid(errors)
    return values


def save_activity(*, session, user, data, today=None, commit=True):
    values = parse_activity(session=session, user=user, data=data, today=today)
    return _save(session, Activity, user, values, commit=commit)


# --- review --------------------------------------------------------------------------------

def can_review(user, *, session, entry):
    if user.role in ("leader", "admin"):
        return True
    if user.role != "district_head":
        return False
    commune = session.get(Commune, entry.commune_id)
    return commune is not None and commune.district_id == user.district_id


def review(*, session, user, entry, decision, reason=""):
    """Approve an entry, or return it to its agent with a reason to fix and resend."""
    if decision not in ("approved", "returned"):
        raise EntryInvalid({"decision": _("Quyết định không hợp lệ.")})
    if not can_review(user, session=session, entry=entry):
        raise EntryInvalid({"decision": _("Bạn không có quyền duyệt bản ghi này.")})
    if decision == "returned" and not (reason or "").strip():
        raise EntryInvalid({"reason": _("Hãy ghi lý do trả lại để người nhập sửa.")})
    entry.status = decision
    entry.review_reason = (reason or "").strip()[:500]
    entry.reviewed_by, entry.reviewed_at = user.username, utcnow()
    session.add(entry)
    session.commit()
    return entry


PARSERS = {"conference": (Conference, parse_conference), "activity": (Activity, parse_activity)}


def save_batch(*, session, user, kind, items, today=None):
    """Validate every entry, then write all the new and resubmitted ones in a single flush.

    Returns one answer per item, in order: (outcome, entry or None, errors or None) with outcome
    created / duplicate / resubmitted / rejected. Does not commit. A device id saved by a
    concurrent request between our read and our flush raises IntegrityError: the caller then
    falls back to saving entry by entry."""
    model, parse = PARSERS[kind]
    answers = [None] * len(items)
    parsed = []
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            answers[i] = ("rejected", None, {"entry": _("Mỗi bản ghi phải là một đối tượng JSON.")})
            continue
        try:
            parsed.append((i, parse(session=session, user=user, data=item, today=today)))
        except EntryInvalid as exc:
            answers[i] = ("rejected", None, dict(exc.errors))
    device_ids = [values["device_id"] for _i, values in parsed]
    existing = {e.device_id: e for e in session.execute(
        select(model).where(model.device_id.in_(device_ids))).scalars()} if device_ids else {}
    for i, values in parsed:
        try:
            outcome, entry = _apply(session, model, user, values, existing.get(values["device_id"]))
        except EntryInvalid as exc:
            answers[i] = ("rejected", None, dict(exc.errors))
            continue
        existing[values["device_id"]] = entry  # a repeat within the batch is a duplicate of this one
        answers[i] = (outcome, entry, None)
    session.flush()
    return answers
