"""What the field forms show: labels, choices and the order of the fields. Validation is the
service's (planner.services.fieldwork), for the JS path and the plain HTML post alike."""
from flask_babel import lazy_gettext as _l

from planner.services.fieldwork import (  # noqa: F401  (the templates read the *_NUMBERS here)
    ACTIVITY_COUNTS, ACTIVITY_NUMBERS, CONFERENCE_COUNTS, CONFERENCE_NUMBERS,
)

FORMAT_LABELS = {
    "propaganda": _l("Hội nghị tuyên truyền"),
    "policy_dialogue": _l("Đối thoại chính sách"),
    "customer": _l("Hội nghị khách hàng"),
    "small_group": _l("Hội nghị nhóm nhỏ"),
}
AUDIENCE_LABELS = {
    "farmers": _l("Nông dân"),
    "traders": _l("Tiểu thương"),
    "unemployed_workers": _l("Người lao động hưởng trợ cấp thất nghiệp"),
    "returned_workers": _l("Lao động nghỉ việc về địa phương"),
    "students": _l("Học sinh, sinh viên"),
    "ethnic_minority_lost_cards": _l("Hộ DTTS mất thẻ BHYT do NSNN đóng"),
    "employers": _l("Chủ sử dụng lao động"),
    "other": _l("Khác"),
}
STATUS_LABELS = {
    "submitted": _l("Chờ duyệt"),
    "approved": _l("Đã duyệt"),
    "returned": _l("Bị trả lại"),
}
STATUS_BADGES = {"submitted": "bg-warning text-dark", "approved": "bg-success", "returned": "bg-danger"}

CONFERENCE_TEXTS = ("device_id", "commune_id", "hamlet", "held_on", "start_time", "format", "chair",
                    "speakers", "notes", "latitude", "longitude", "accuracy_m", "campaign_id")
ACTIVITY_TEXTS = ("device_id", "commune_id", "agent_id", "done_on", "notes")


def posted_data(form, kind):
    """The service's input from a plain HTML post (request.form)."""
    names = CONFERENCE_TEXTS + CONFERENCE_COUNTS if kind == "conference" else ACTIVITY_TEXTS + ACTIVITY_COUNTS
    data = {name: form.get(name, "") for name in names}
    if kind == "conference":
        data["audience_groups"] = form.getlist("audience_groups")
    return data


def entry_values(entry, kind):
    """A saved entry as form values, to fix and resend a returned entry."""
    values = entry.model_dump()
    day = "held_on" if kind == "conference" else "done_on"
    values[day] = values[day].isoformat() if values.get(day) else ""
    if kind == "conference":
        values["start_time"] = entry.start_time.strftime("%H:%M") if entry.start_time else ""
        values["audience_groups"] = [x for x in (entry.audience_groups or "").split(",") if x]
    return {k: ("" if v is None else v) for k, v in values.items()}
