"""Readable Vietnamese (or English) names for the audit trail: kinds of record, their fields and
their values, and a one-line description of each record.

An audit event stores a record's columns as JSON (planner/audit.py). Here every table and column
gets a name a reader understands ("Lý do trả lại", not review_reason), ids become names (a commune,
a user, an office area), dates dd/mm/yyyy, times in Vietnam's time, counts 1.234.567 and coded
values their labels. tests/audit_page checks that every table and column of the models has a name.
"""
import json
from datetime import date, datetime, time, timedelta, timezone

from babel.numbers import format_decimal
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import select
from sqlmodel import SQLModel

from planner.i18n import fmt_number
from planner.models import (
    Campaign, ClassificationScheme, Commune, District, HierarchyVersion, Province, User,
)

VIETNAM_TIME = timezone(timedelta(hours=7))  # no daylight saving in Vietnam
HIDDEN = "…"  # what planner/audit.py stores instead of a secret or a geometry
NOT_SHOWN = ("id",)  # the record's own number is in its description


def action_labels():
    return {"create": _("Thêm"), "update": _("Sửa"), "delete": _("Xóa")}


def entity_labels():
    """Kinds of record, by table."""
    return {
        "app_user": _("Người dùng"), "user_commune": _("Phân công nhân viên thu"),
        "api_token": _("Mã truy cập API"), "agent_profile": _("Hồ sơ nhân viên thu"),
        "scope_carry_over": _("Chuyển địa bàn nhân viên thu"),
        "cash_handover": _("Nộp tiền thu"), "reconciliation": _("Đối soát thu"),
        "activity": _("Hoạt động của nhân viên thu"), "conference": _("Hội nghị"),
        "campaign": _("Chiến dịch"), "enrolment_day": _("Người tham gia mới theo ngày"),
        "target": _("Chỉ tiêu"), "target_revision": _("Lần sửa chỉ tiêu"),
        "target_milestone": _("Mốc chỉ tiêu"), "pace_setting": _("Ngưỡng đánh giá tiến độ"),
        "commune": _("Xã"), "district": _("Huyện / BHXH cơ sở"), "province": _("Tỉnh"),
        "hierarchy_version": _("Phiên bản địa giới"), "office_area_change": _("Thay đổi BHXH cơ sở"),
        "commune_boundary": _("Ranh giới"), "crosswalk_link": _("Chuyển đổi đơn vị hành chính"),
        "coverage_record": _("Số người tham gia"), "denominator": _("Dân số, lực lượng lao động"),
        "classification_scheme": _("Danh mục phân loại"), "classification_membership": _("Phân loại"),
    }


def field_labels():
    """Column names, the same for every table unless entity_field_labels says otherwise."""
    return {
        # people and accounts
        "username": _("Tên đăng nhập"), "full_name": _("Họ tên"), "password_hash": _("Mật khẩu"),
        "role": _("Vai trò"), "active": _("Đang hoạt động"), "user_id": _("Người dùng"),
        "agent_id": _("Nhân viên thu"), "token_hash": _("Mã truy cập"), "last_used_at": _("Dùng lần cuối"),
        "revoked": _("Đã thu hồi"), "organisation_type": _("Loại tổ chức"),
        "organisation_name": _("Tên tổ chức"), "phone": _("Điện thoại"), "active_from": _("Hoạt động từ ngày"),
        "active_to": _("Hoạt động đến ngày"),
        # who and when
        "created_at": _("Ngày tạo"), "created_by": _("Người tạo"), "created_by_id": _("Người tạo"),
        "updated_at": _("Cập nhật lúc"), "updated_by": _("Người cập nhật"), "status": _("Trạng thái"),
        "review_reason": _("Lý do trả lại"), "reviewed_by": _("Người duyệt"), "reviewed_at": _("Thời điểm duyệt"),
        "decided_by": _("Người quyết định"), "decided_at": _("Thời điểm quyết định"),
        "changed_by": _("Người sửa"), "changed_at": _("Thời điểm sửa"), "at": _("Thời điểm"),
        "closed_by": _("Người chốt"), "closed_at": _("Thời điểm chốt"),
        # areas
        "code": _("Mã"), "name": _("Tên"), "kind": _("Loại"), "version_id": _("Phiên bản địa giới"),
        "province_id": _("Tỉnh"), "district_id": _("Huyện / BHXH cơ sở"), "commune_id": _("Xã"),
        "other_district_id": _("Đơn vị liên quan"), "lost_state_hi_people": _("Số người mất thẻ BHYT do NSNN đóng"),
        "geojson": _("Ranh giới (hình học)"), "source": _("Nguồn"), "imported_at": _("Thời điểm nhập"),
        "legal_basis": _("Căn cứ pháp lý"), "valid_from": _("Từ ngày"), "valid_to": _("Đến ngày"),
        "is_current": _("Đang áp dụng"), "middle_level": _("Cấp trung gian"), "scheme_id": _("Danh mục phân loại"),
        "category": _("Phân loại"), "from_commune_id": _("Đơn vị cũ"), "to_commune_id": _("Đơn vị mới"),
        "share": _("Tỷ lệ dân số chuyển sang"), "hops": _("Số lần sắp xếp"), "effective_on": _("Ngày hiệu lực"),
        "summary": _("Nội dung"),
        # figures
        "year": _("Năm"), "population": _("Dân số"), "labour_force": _("Lực lượng lao động trong độ tuổi"),
        "period": _("Tháng"), "hi_participants": _("Người tham gia BHYT"), "si_compulsory": _("BHXH bắt buộc"),
        "si_voluntary": _("BHXH tự nguyện"), "ui_participants": _("BHTN"),
        # field work
        "device_id": _("Mã bản ghi trên máy"), "campaign_id": _("Chiến dịch"), "hamlet": _("Thôn, xóm"),
        "held_on": _("Ngày tổ chức"), "start_time": _("Giờ bắt đầu"), "format": _("Hình thức"),
        "audience_groups": _("Nhóm đối tượng"), "target_groups": _("Nhóm đối tượng"), "chair": _("Chủ trì"),
        "speakers": _("Báo cáo viên"), "attendees": _("Số người dự"), "attendees_men": _("Số nam dự"),
        "attendees_women": _("Số nữ dự"), "attendees_ethnic_minority": _("Số người dân tộc thiểu số dự"),
        "reg_voluntary_si": _("Đăng ký BHXH tự nguyện"), "reg_household_hi": _("Đăng ký BHYT hộ gia đình"),
        "prospects": _("Số người có nhu cầu tham gia"), "cost_vnd": _("Kinh phí"), "notes": _("Ghi chú"),
        "note": _("Ghi chú"), "latitude": _("Vĩ độ"), "longitude": _("Kinh độ"), "accuracy_m": _("Độ chính xác vị trí (m)"),
        "start_date": _("Ngày bắt đầu"), "end_date": _("Ngày kết thúc"), "done_on": _("Ngày làm việc"),
        "household_visits": _("Số hộ đã đến"), "new_voluntary_si": _("Người tham gia BHXH tự nguyện mới"),
        "new_household_hi": _("Người tham gia BHYT hộ gia đình mới"),
        "renewed_household_hi": _("Người gia hạn BHYT hộ gia đình"), "amount_collected_vnd": _("Số tiền đã thu"),
        "receipts_issued": _("Số biên lai đã cấp"), "receipts_amount_vnd": _("Số tiền trên biên lai"),
        "day": _("Ngày"), "new_participants": _("Người tham gia mới"),
        # money
        "handed_on": _("Ngày nộp"), "amount_vnd": _("Số tiền"), "received_by": _("Người nhận"),
        "period_start": _("Từ ngày"), "period_end": _("Đến ngày"), "collected_vnd": _("Số tiền đã thu"),
        "receipts_vnd": _("Số tiền trên biên lai"), "handed_vnd": _("Số tiền đã nộp"),
        # targets
        "metric": _("Chỉ tiêu"), "level": _("Cấp"), "unit_id": _("Đơn vị"), "value": _("Giá trị"),
        "people": _("Số người"), "denominator": _("Mẫu số"), "parent_id": _("Chỉ tiêu cấp trên"),
        "allocation_rule": _("Cách phân bổ"), "revision": _("Lần sửa"), "version": _("Phiên bản bản ghi"),
        "target_id": _("Chỉ tiêu"), "reason": _("Lý do"), "on_track_ratio": _("Ngưỡng đạt tiến độ"),
        "at_risk_ratio": _("Ngưỡng có nguy cơ"), "id": _("Số hiệu"),
    }


def entity_field_labels():
    """Where a column means something else in one table."""
    return {
        ("api_token", "name"): _("Tên thiết bị"),
        ("api_token", "user_id"): _("Chủ mã truy cập"),
        ("campaign", "name"): _("Tên chiến dịch"),
        ("campaign", "district_id"): _("Phạm vi"),
        ("target_milestone", "period"): _("Tháng mốc"),
        ("target_milestone", "value"): _("Giá trị mốc"),
        ("office_area_change", "user_id"): _("Người thực hiện"),
        ("office_area_change", "kind"): _("Thay đổi"),
        ("reconciliation", "note"): _("Giải trình"),
        ("scope_carry_over", "user_id"): _("Nhân viên thu"),
        ("scope_carry_over", "from_commune_id"): _("Xã cũ"),
        ("scope_carry_over", "to_commune_id"): _("Xã mới"),
    }


def field_label(entity, key, labels=None, overrides=None):
    labels = field_labels() if labels is None else labels
    overrides = entity_field_labels() if overrides is None else overrides
    return overrides.get((entity, key)) or labels.get(key) or key.replace("_", " ")


# --- values -------------------------------------------------------------------------------

def _value_labels():
    """Coded values, by column name."""
    from planner.areas.views import commune_kind_labels, district_kind_labels
    from planner.fieldwork.forms import STATUS_LABELS
    from planner.fieldwork_reports.forms import audience_labels, format_labels, organisation_labels
    from planner.offices.views import carry_status_labels, change_kind_labels
    from planner.targets.views import level_labels, rule_labels, status_labels
    from planner.users.forms import ROLE_CHOICES

    status = {**status_labels(), **{k: str(v) for k, v in STATUS_LABELS.items()}, **carry_status_labels(),
              "open": _("Chưa xử lý"), "closed": _("Đã xử lý")}
    return {
        "role": {c.value: str(c.label) for c in ROLE_CHOICES},
        "status": status,
        "kind": {**commune_kind_labels(), **district_kind_labels(), "si_office": _("BHXH cơ sở"),
                 **change_kind_labels()},
        "format": {k: str(v) for k, v in format_labels().items()},
        "audience_groups": {k: str(v) for k, v in audience_labels().items()},
        "target_groups": {k: str(v) for k, v in audience_labels().items()},
        "organisation_type": {k: str(v) for k, v in organisation_labels().items()},
        "level": level_labels(),
        "allocation_rule": rule_labels(),
        "middle_level": {"district": _("Huyện"), "office": _("BHXH cơ sở")},
    }


# Column name -> what its id points at.
REFERENCES = {
    "district_id": "district", "other_district_id": "district", "commune_id": "commune",
    "from_commune_id": "commune", "to_commune_id": "commune", "user_id": "user", "agent_id": "user",
    "created_by_id": "user", "scheme_id": "scheme", "version_id": "version", "campaign_id": "campaign",
    "province_id": "province",
}
TARGET_UNIT = {"province": "province", "district": "district", "commune": "commune", "agent": "user"}
PLAIN_NUMBERS = {"year", "revision", "version", "hops", "unit_id", "parent_id", "target_id", "id"}
PERCENTS = {"share", "on_track_ratio", "at_risk_ratio"}
MONTHS = {("coverage_record", "period"), ("target_milestone", "period")}


def column_types():
    """{table: {column: 'date' | 'datetime' | 'time' | 'bool' | 'int' | 'float' | 'text'}} from the models."""
    kinds = {}
    for table in SQLModel.metadata.sorted_tables:
        columns = {}
        for column in table.columns:
            try:
                # a TypeDecorator (SQLModel's UTCDateTime) tells its type through what it wraps
                python_type = getattr(column.type, "impl_instance", column.type).python_type
            except NotImplementedError:
                python_type = str
            kind = {datetime: "datetime", date: "date", time: "time", bool: "bool", int: "int",
                    float: "float"}.get(python_type, "text")
            columns[column.name] = kind
        kinds[table.name] = columns
    return kinds


def vn_time(value):
    """A stored UTC time (aware, naive or ISO text) in Vietnam's time, dd/mm/yyyy HH:MM."""
    if value is None:
        return "–"
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(VIETNAM_TIME).strftime("%d/%m/%Y %H:%M")


def _decimal(value, digits=4):
    return format_decimal(value, format="#,##0." + "#" * digits, locale=str(get_locale() or "vi"))


def _values(text):
    """A stored snapshot as a dict (None when there is none or it cannot be read)."""
    if not text:
        return None
    try:
        values = json.loads(text)
    except ValueError:
        return None
    return values if isinstance(values, dict) else None


class Names:
    """Names of the ids that a page of events mentions, fetched in one query per kind."""

    def __init__(self, session):
        self.session = session
        self.wanted = {kind: set() for kind in ("district", "commune", "user", "scheme", "version",
                                                "campaign", "province")}
        self.found = {}

    def want(self, kind, value):
        if isinstance(value, int) and not isinstance(value, bool):
            self.wanted[kind].add(value)

    def load(self):
        queries = {
            "district": lambda ids: select(District.id, District.name, District.code).where(District.id.in_(ids)),
            "commune": lambda ids: select(Commune.id, Commune.name, Commune.code).where(Commune.id.in_(ids)),
            "user": lambda ids: select(User.id, User.username, User.full_name).where(User.id.in_(ids)),
            "scheme": lambda ids: select(ClassificationScheme.id, ClassificationScheme.name).where(
                ClassificationScheme.id.in_(ids)),
            "version": lambda ids: select(HierarchyVersion.id, HierarchyVersion.name).where(
                HierarchyVersion.id.in_(ids)),
            "campaign": lambda ids: select(Campaign.id, Campaign.name).where(Campaign.id.in_(ids)),
            "province": lambda ids: select(Province.id, Province.name).where(Province.id.in_(ids)),
        }
        for kind, ids in self.wanted.items():
            if not ids:
                self.found[kind] = {}
                continue
            rows = self.session.execute(queries[kind](sorted(ids))).all()
            if kind in ("district", "commune"):
                self.found[kind] = {r[0]: f"{r[1]} ({r[2]})" for r in rows}
            else:
                self.found[kind] = {r[0]: r[1] for r in rows}

    def get(self, kind, value):
        if value is None:
            return "–"
        name = self.found.get(kind, {}).get(value)
        return name if name is not None else f"#{value}"


class Reader:
    """Turns a page of AuditEvents into what the page shows."""

    def __init__(self, session):
        self.session = session
        self.types = column_types()
        self.labels = field_labels()
        self.overrides = entity_field_labels()
        self.entities = entity_labels()
        self.actions = action_labels()
        self.values = _value_labels()
        self.yes, self.no = _("Có"), _("Không")
        self.hidden = _("(không hiển thị)")
        self.hidden_changed = _("đã thay đổi (không hiển thị)")
        self.names = Names(session)

    # -- one value
    def _reference(self, entity, key, record):
        if entity == "target" and key == "unit_id":
            return TARGET_UNIT.get((record or {}).get("level"))
        if entity == "app_user" and key == "user_id":
            return None
        return REFERENCES.get(key)

    def show(self, entity, key, value, record=None):
        if value is None or value == "":
            return "–"
        if value == HIDDEN:
            return self.hidden
        ref = self._reference(entity, key, record)
        if ref is not None:
            return self.names.get(ref, value)
        if key in self.values:
            labels = self.values[key]
            if key in ("audience_groups", "target_groups"):
                return ", ".join(str(labels.get(part, part)) for part in str(value).split(",") if part)
            return str(labels.get(value, value))
        if key == "metric":
            from planner.services.offices import metric_label
            return metric_label(value)
        kind = self.types.get(entity, {}).get(key, "text")
        try:
            if kind == "datetime":
                return vn_time(value)
            if kind == "date":
                day = date.fromisoformat(str(value)[:10])
                return day.strftime("%m/%Y") if (entity, key) in MONTHS else day.strftime("%d/%m/%Y")
            if kind == "time":
                return time.fromisoformat(str(value)).strftime("%H:%M")
        except ValueError:
            return str(value)
        if isinstance(value, bool) or kind == "bool":
            return self.yes if value else self.no
        if isinstance(value, (int, float)):
            if key in PLAIN_NUMBERS:
                return str(value)
            if key in PERCENTS:
                return _decimal(value * 100, 2) + "%"
            if key.endswith("_vnd"):
                return _("%(n)s đồng", n=fmt_number(value))
            if isinstance(value, float):
                return _decimal(value)
            return fmt_number(value)
        return str(value)

    # -- one record
    def describe(self, entity, record, entity_id):
        r = record or {}
        show = lambda key: self.show(entity, key, r.get(key), r)  # noqa: E731
        if entity in ("commune", "district"):
            return f"{r.get('name', '')} ({r.get('code', '')})"
        if entity == "app_user":
            return r.get("username") or f"#{entity_id}"
        if entity == "api_token":
            return f"{r.get('name', '')} · {show('user_id')}"
        if entity == "cash_handover":
            return f"{show('agent_id')} · {show('handed_on')} · {show('amount_vnd')}"
        if entity == "reconciliation":
            return f"{show('agent_id')} · {show('period_start')} – {show('period_end')}"
        if entity == "agent_profile":
            return show("user_id")
        if entity == "user_commune":
            return f"{show('user_id')} · {show('commune_id')}"
        if entity == "scope_carry_over":
            return f"{show('user_id')} · {show('from_commune_id')} → {show('to_commune_id')}"
        if entity == "target":
            return f"{show('metric')} · {show('level')} {show('unit_id')} · {r.get('year', '')}"
        if entity in ("target_revision", "target_milestone"):
            return f"{self.entities['target']} #{r.get('target_id', '')}"
        if entity == "coverage_record":
            return f"{show('commune_id')} · {show('period')}"
        if entity == "denominator":
            return f"{show('commune_id')} · {r.get('year', '')}"
        if entity == "classification_membership":
            return f"{show('commune_id')} · {show('scheme_id')}"
        if entity == "commune_boundary":
            return show("commune_id")
        if entity == "conference":
            return f"{show('commune_id')} · {show('held_on')}"
        if entity == "activity":
            return f"{show('agent_id')} · {show('commune_id')} · {show('done_on')}"
        if entity == "crosswalk_link":
            return f"{show('from_commune_id')} → {show('to_commune_id')}"
        if entity == "office_area_change":
            return f"{show('kind')} · {show('district_id')}"
        if entity in ("campaign", "hierarchy_version", "classification_scheme", "province"):
            return r.get("name") or f"#{entity_id}"
        return f"#{entity_id}"

    # -- a page
    def _ask_names(self, entity, record):
        for key, value in (record or {}).items():
            ref = self._reference(entity, key, record)
            if ref is not None:
                self.names.want(ref, value)

    def read(self, events):
        parsed = []
        for e in events:
            before, after = _values(e.before), _values(e.after)
            self._ask_names(e.entity, before)
            self._ask_names(e.entity, after)
            if e.user_id is not None:
                self.names.want("user", e.user_id)
            parsed.append((e, before, after))
        self.names.load()
        full_names = {}
        ids = [e.user_id for e in events if e.user_id is not None]
        if ids:
            full_names = dict(self.session.execute(
                select(User.id, User.full_name).where(User.id.in_(sorted(set(ids))))).all())
        return [self._item(e, before, after, full_names) for e, before, after in parsed]

    def _item(self, e, before, after, full_names):
        entity = e.entity
        record = after if after is not None else before
        changes = []
        if e.action == "update":
            keys = [k for k in (after or {}) if k not in NOT_SHOWN]
            for key in keys:
                old, new = (before or {}).get(key), (after or {}).get(key)
                if old != new:
                    changes.append((field_label(entity, key, self.labels, self.overrides),
                                    self.show(entity, key, old, before), self.show(entity, key, new, after)))
            if not changes:
                # The event was written because something changed: a hidden column (a password,
                # a token, a boundary's geometry) is all it can be.
                for key, value in (after or {}).items():
                    if value == HIDDEN:
                        changes.append((field_label(entity, key, self.labels, self.overrides), None,
                                        self.hidden_changed))
        else:
            for key, value in (record or {}).items():
                if key in NOT_SHOWN or value is None or value == "":
                    continue
                shown = self.show(entity, key, value, record)
                changes.append((field_label(entity, key, self.labels, self.overrides),
                                shown if e.action == "delete" else None,
                                shown if e.action == "create" else None))
        full_name = full_names.get(e.user_id) or ""
        return {
            "event": e,
            "at": vn_time(e.at),
            "who": e.username,
            "who_name": full_name if full_name and full_name != e.username else "",
            "action": self.actions.get(e.action, e.action),
            "entity": self.entities.get(entity, entity),
            "record": self.describe(entity, record, e.entity_id),
            "changes": changes,
        }
