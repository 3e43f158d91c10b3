"""Forms and labels of the field-work management pages.

Report filters are GET forms (no CSRF); their parameter names are those of the URL
(`from`, `to`, `days`, `district`, `kind`, `day`), so `from`/`to` are attached with setattr.
"""
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, SelectMultipleField, StringField, TextAreaField, widgets
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, Regexp, StopValidation, ValidationError

from planner.models import limits
from planner.models.fieldwork import AUDIENCE_GROUPS, CONFERENCE_FORMATS, ORGANISATION_TYPES

MAX_WINDOW_DAYS = 365
MAX_AMOUNT_VND = limits.HANDOVER.hi


# --- labels ---------------------------------------------------------------------------------

def format_labels():
    return {"propaganda": _l("Hội nghị tuyên truyền"), "policy_dialogue": _l("Đối thoại chính sách"),
            "customer": _l("Hội nghị khách hàng"), "small_group": _l("Hội nghị nhóm nhỏ")}


def audience_labels():
    return {
        "farmers": _l("Nông dân"), "traders": _l("Tiểu thương"),
        "unemployed_workers": _l("Người lao động hưởng trợ cấp thất nghiệp"),
        "returned_workers": _l("Lao động nghỉ việc về địa phương"),
        "students": _l("Học sinh, sinh viên"),
        "ethnic_minority_lost_cards": _l("Hộ DTTS mất thẻ BHYT do NSNN đóng"),
        "employers": _l("Chủ sử dụng lao động"), "other": _l("Khác"),
    }


def organisation_labels():
    return {
        "post_office": _l("Bưu điện"), "commune_committee": _l("UBND xã"),
        "womens_union": _l("Hội Liên hiệp Phụ nữ"), "farmers_association": _l("Hội Nông dân"),
        "youth_union": _l("Đoàn Thanh niên"), "collection_service": _l("Tổ chức dịch vụ thu"),
        "other": _l("Khác"),
    }


assert set(format_labels()) == set(CONFERENCE_FORMATS)
assert set(audience_labels()) == set(AUDIENCE_GROUPS)
assert set(organisation_labels()) == set(ORGANISATION_TYPES)


# --- fields ---------------------------------------------------------------------------------

def parse_day(text):
    """A date from yyyy-mm-dd (what <input type=date> sends) or dd/mm/yyyy; None if neither."""
    text = (text or "").strip()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


class DayField(StringField):
    """A date typed as dd/mm/yyyy or picked in a date input (yyyy-mm-dd); errors in Vietnamese."""

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("render_kw", {"type": "date"})
        super().__init__(label, validators, **kwargs)

    def process_data(self, value):
        self.data = value

    def process_formdata(self, valuelist):
        text = valuelist[0].strip() if valuelist else ""
        self.data = None
        if not text:
            return
        value = parse_day(text)
        if value is None or value.year < 2000 or value.year > 2100:
            raise ValueError(_l("Ngày không hợp lệ, hãy ghi theo dạng dd/mm/yyyy."))
        self.data = value

    def _value(self):
        if isinstance(self.data, date):
            return self.data.isoformat()
        return self.raw_data[0] if self.raw_data else ""


class WholeField(StringField):
    """A whole number typed as 1500000 or 1.500.000 (dots or spaces as thousand separators)."""

    def __init__(self, label=None, validators=None, message=None, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.message = message or _l("Phải là số nguyên.")

    def process_data(self, value):
        self.data = value

    def process_formdata(self, valuelist):
        text = valuelist[0].strip() if valuelist else ""
        self.data = None
        if not text:
            return
        plain = text.replace(".", "").replace(" ", "").replace("\u00a0", "")
        if plain.endswith("đ"):
            plain = plain[:-1]
        try:  # ASCII digits only: "²" passes str.isdigit() but is no figure
            number = limits.parse_whole(plain)
        except limits.NumberError:
            raise ValueError(self.message) from None
        if len(plain.lstrip("-")) > 16:
            raise ValueError(self.message)
        self.data = number

    def _value(self):
        if self.data is not None and not isinstance(self.data, str):
            return str(self.data)
        return self.raw_data[0] if self.raw_data else ""


class ChoiceField(SelectField):
    """A select whose wrong-choice message is in Vietnamese."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.type = "SelectField"  # the form macro draws selects by this name

    def pre_validate(self, form):
        if self.choices is not None and self.data not in {c.value for c in self.choices}:
            raise ValidationError(_l("Lựa chọn không hợp lệ."))


class CheckboxesField(SelectMultipleField):
    """Several choices shown as checkboxes."""
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()

    def pre_validate(self, form):
        allowed = {c.value for c in self.choices}
        if any(value not in allowed for value in self.data or ()):
            raise ValidationError(_l("Lựa chọn không hợp lệ."))


def _required(message=None):
    return DataRequired(message or _l("Ô này không được để trống."))


def _present(message):
    """Stop with message when the field was left empty (its own parse error wins)."""
    def check(form, field):
        if field.data is None:
            if not field.errors:
                raise StopValidation(message)
            raise StopValidation()
    return check


def add_years(day, years):
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _check_period(form, start, end, *, max_years=None):
    """from <= to, and (for reports) no longer than max_years."""
    if start.data is None or end.data is None or start.errors or end.errors:
        return
    if start.data > end.data:
        end.errors.append(_l("Ngày bắt đầu phải trước hoặc bằng ngày kết thúc."))
        return False
    if max_years and end.data > add_years(start.data, max_years):
        end.errors.append(_l("Khoảng thời gian dài nhất là %(years)s năm.", years=max_years))
        return False
    return True


# --- report filters (GET) -------------------------------------------------------------------

class _ReportFilter(FlaskForm):
    class Meta:
        csrf = False

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        return _check_period(self, self["from"], self["to"], max_years=2) is not False and ok


class ConversionFilter(_ReportFilter):
    days = WholeField(_l("Số ngày tính kết quả sau hội nghị"), message=_l("Số ngày phải là số nguyên."),
                      validators=[_present(_l("Hãy nhập số ngày."))])
    district = ChoiceField(_l("Huyện"), choices=[])

    def validate_days(self, field):
        if field.data is not None and not (1 <= field.data <= MAX_WINDOW_DAYS):
            raise ValidationError(_l("Số ngày phải từ 1 đến %(max)s.", max=MAX_WINDOW_DAYS))


class CashFilter(_ReportFilter):
    district = ChoiceField(_l("Huyện"), choices=[])


for _form in (ConversionFilter, CashFilter):
    setattr(_form, "from", DayField(_l("Từ ngày"), validators=[_present(_l("Hãy nhập ngày bắt đầu."))]))
    setattr(_form, "to", DayField(_l("Đến ngày"), validators=[_present(_l("Hãy nhập ngày kết thúc."))]))


class ActivityFilter(FlaskForm):
    class Meta:
        csrf = False

    kind = ChoiceField(_l("Kỳ"), choices=[SelectChoice("week", _l("Tuần")), SelectChoice("month", _l("Tháng"))])
    day = DayField(_l("Ngày trong kỳ"), validators=[_present(_l("Hãy nhập một ngày trong kỳ."))])
    district = ChoiceField(_l("Huyện"), choices=[])


# --- campaigns ------------------------------------------------------------------------------

class CampaignForm(FlaskForm):
    name = StringField(_l("Tên chiến dịch"), validators=[
        _required(_l("Hãy nhập tên chiến dịch.")), Length(max=200, message=_l("Tối đa 200 ký tự."))],
        render_kw={"placeholder": _l("ví dụ: Tháng vận động triển khai BHXH toàn dân")})
    start_date = DayField(_l("Từ ngày"), validators=[_present(_l("Hãy nhập ngày bắt đầu."))])
    end_date = DayField(_l("Đến ngày"), validators=[_present(_l("Hãy nhập ngày kết thúc."))])
    district = ChoiceField(_l("Phạm vi"), choices=[])
    target_groups = CheckboxesField(_l("Nhóm đối tượng"), choices=[])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.target_groups.choices = [SelectChoice(k, v) for k, v in audience_labels().items()]

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        if not self.target_groups.data and not self.target_groups.errors:
            self.target_groups.errors = [_l("Hãy chọn ít nhất một nhóm đối tượng.")]
            ok = False
        return _check_period(self, self.start_date, self.end_date) is not False and ok


# --- agents ---------------------------------------------------------------------------------

class AgentProfileForm(FlaskForm):
    organisation_type = ChoiceField(_l("Loại tổ chức"), choices=[])
    organisation_name = StringField(_l("Tên tổ chức"), validators=[
        Length(max=200, message=_l("Tối đa 200 ký tự."))],
        render_kw={"placeholder": _l("ví dụ: Bưu điện huyện Kỳ Sơn")})
    phone = StringField(_l("Số điện thoại"), validators=[
        Optional(), Length(max=30, message=_l("Tối đa 30 ký tự.")),
        Regexp(r"^\+?[0-9 .]{9,20}$", message=_l("Số điện thoại chỉ gồm chữ số (ví dụ 0912 345 678)."))],
        render_kw={"type": "tel", "inputmode": "tel"})
    active_from = DayField(_l("Hoạt động từ ngày"))
    active_to = DayField(_l("Hoạt động đến ngày"), description=_l("Để trống nếu vẫn đang làm."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.organisation_type.choices = [SelectChoice(k, v) for k, v in organisation_labels().items()]

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        return _check_period(self, self.active_from, self.active_to) is not False and ok


# --- cash -----------------------------------------------------------------------------------

class HandoverForm(FlaskForm):
    agent = ChoiceField(_l("Nhân viên thu"), choices=[])
    handed_on = DayField(_l("Ngày nộp tiền"), validators=[_present(_l("Hãy nhập ngày nộp tiền."))])
    amount = WholeField(_l("Số tiền nộp (đồng)"), message=_l("Số tiền phải là số nguyên, ví dụ 1.500.000."),
                        validators=[_present(_l("Hãy nhập số tiền."))], render_kw={"inputmode": "numeric"})
    note = StringField(_l("Ghi chú"), validators=[Length(max=500, message=_l("Tối đa 500 ký tự."))])

    def validate_agent(self, field):
        if not field.data:
            raise ValidationError(_l("Hãy chọn nhân viên thu."))

    def validate_amount(self, field):
        if field.data is not None and field.data <= 0:
            raise ValidationError(_l("Số tiền phải lớn hơn 0."))
        if field.data is not None and field.data > MAX_AMOUNT_VND:
            raise ValidationError(_l("Số tiền quá lớn, tối đa %(hi)s đồng.", hi=limits.show(MAX_AMOUNT_VND)))

    def validate_handed_on(self, field):
        if field.data is not None and field.data > date.today():
            raise ValidationError(_l("Ngày nộp tiền không được ở tương lai."))


class CloseDifferenceForm(FlaskForm):
    agent_id = HiddenField()
    period_from = HiddenField()
    period_to = HiddenField()
    note = TextAreaField(_l("Cách xử lý chênh lệch"), validators=[
        _required(_l("Hãy ghi cách đã xử lý chênh lệch.")), Length(max=500, message=_l("Tối đa 500 ký tự."))],
        render_kw={"rows": 2})
