"""Entries as a phone sends them, and small helpers for the field-work tests."""
from datetime import date, timedelta

from sqlalchemy import func, select

TOMORROW = (date.today() + timedelta(days=1)).isoformat()


def conference(world, device_id="dev-conf-0001", **over):
    data = {"device_id": device_id, "commune_id": world["communes"]["16663"].id, "held_on": "2024-12-18",
            "start_time": "19:30", "format": "propaganda", "audience_groups": ["farmers", "traders"],
            "attendees": "60", "attendees_men": 25, "attendees_women": 35, "attendees_ethnic_minority": 0,
            "reg_voluntary_si": 4, "reg_household_hi": 6, "prospects": 12, "cost_vnd": "1.500.000",
            "hamlet": "Xóm 3", "latitude": 18.68, "longitude": 105.66, "accuracy_m": 12}
    data.update(over)
    return data


def activity(world, device_id="dev-act-0001", **over):
    data = {"device_id": device_id, "commune_id": world["communes"]["16663"].id, "done_on": "19/12/2024",
            "household_visits": 14, "new_voluntary_si": 2, "new_household_hi": 5, "renewed_household_hi": 3,
            "amount_collected_vnd": 9_000_000, "receipts_issued": 10, "receipts_amount_vnd": 9_000_000}
    data.update(over)
    return data


def count(session, model, **where):
    session.expire_all()
    stmt = select(func.count()).select_from(model)
    for key, value in where.items():
        stmt = stmt.where(getattr(model, key) == value)
    return session.execute(stmt).scalar()


# (kind, changes, field, words of the message): every rule of planner.services.fieldwork
CONFERENCE_MESSAGES = [
    ({"reg_voluntary_si": 40, "reg_household_hi": 30}, "reg_household_hi", "Số đăng ký tại chỗ vượt quá số người dự."),
    ({"attendees_men": 40, "attendees_women": 30}, "attendees_women", "Số nam và nữ cộng lại vượt quá số người dự."),
    ({"attendees_ethnic_minority": 61}, "attendees_ethnic_minority", "Số người dân tộc thiểu số vượt quá số người dự."),
    ({"cost_vnd": -5}, "cost_vnd", "Kinh phí (đồng): không được âm."),
    ({"attendees": -3}, "attendees", "Số người dự: không được âm."),
    ({"attendees": "abc"}, "attendees", "Số người dự: phải là số nguyên"),
    ({"prospects": 10 ** 13}, "prospects", "Người có nhu cầu, cần tư vấn thêm: số quá lớn, tối đa 1.000.000."),
    ({"cost_vnd": 10 ** 12 + 1}, "cost_vnd", "Kinh phí (đồng): số quá lớn, tối đa 1.000.000.000.000."),
    ({"attendees": "6²"}, "attendees", "Số người dự: phải là số nguyên (chỉ gồm các chữ số 0–9)."),
    ({"attendees": "①"}, "attendees", "Số người dự: phải là số nguyên (chỉ gồm các chữ số 0–9)."),
    ({"commune_id": "9" * 30}, "commune_id", "Hãy chọn xã."),
    ({"campaign_id": "2147483648"}, "campaign_id", "Không có chiến dịch này."),
    ({"attendees": 0, "attendees_men": 0, "attendees_women": 0, "reg_voluntary_si": 0, "reg_household_hi": 0},
     "attendees", "Hãy nhập số người dự."),
    ({"held_on": TOMORROW}, "held_on", "Ngày không được ở tương lai."),
    ({"held_on": "31/02/2024"}, "held_on", "Ngày không hợp lệ (dd/mm/yyyy)."),
    ({"held_on": "1999-12-31"}, "held_on", "Ngày quá xa trong quá khứ."),
    ({"format": "party"}, "format", "Hãy chọn hình thức hội nghị."),
    ({"audience_groups": ["farmers", "aliens"]}, "audience_groups", "Giá trị không hợp lệ: aliens."),
    ({"start_time": "25:99"}, "start_time", "Giờ không hợp lệ (HH:MM)."),
    ({"latitude": 120}, "latitude", "Ngoài khoảng cho phép"),
    ({"longitude": "east"}, "longitude", "Phải là số."),
    ({"device_id": "x"}, "device_id", "Thiếu mã bản ghi của thiết bị"),
    ({"commune_id": ""}, "commune_id", "Hãy chọn xã."),
    ({"campaign_id": "999999"}, "campaign_id", "Không có chiến dịch này."),
]
ACTIVITY_MESSAGES = [
    ({"amount_collected_vnd": -1}, "amount_collected_vnd", "Số tiền đã thu (đồng): không được âm."),
    ({"household_visits": "mười"}, "household_visits", "Số hộ đến tư vấn: phải là số nguyên"),
    ({"household_visits": "١٢"}, "household_visits", "Số hộ đến tư vấn: phải là số nguyên"),
    ({"receipts_amount_vnd": 2 ** 63}, "receipts_amount_vnd", "Tiền trên biên lai (đồng): số quá lớn"),
    ({"receipts_issued": 0}, "receipts_issued", "Đã thu tiền thì phải có biên lai."),
    ({"receipts_amount_vnd": 9_500_000}, "receipts_amount_vnd", "Tiền trên biên lai vượt quá số tiền đã thu."),
    ({"done_on": TOMORROW}, "done_on", "Ngày không được ở tương lai."),
    ({"done_on": "hôm qua"}, "done_on", "Ngày không hợp lệ (dd/mm/yyyy)."),
    ({"device_id": ""}, "device_id", "Thiếu mã bản ghi của thiết bị"),
]
