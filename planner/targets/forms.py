"""Forms of the targets pages: a target with its milestones, the pace thresholds, and the
number parsing they share (Vietnamese writes 95,5% and 3.163.500 người)."""
import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field, HiddenField, RadioField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, StopValidation, ValidationError
from wtforms.widgets import TextInput

UNIT_CHOICES = [SelectChoice("percent", _l("Tỷ lệ (%)")), SelectChoice("people", _l("Số người"))]
QUARTERS = (("q1", 3), ("q2", 6), ("q3", 9), ("q4", 12))

_THOUSANDS = re.compile(r"^[0-9]{1,3}([., ][0-9]{3})+$")
_LONGEST = 40  # characters of a number anyone types; longer text is not a number (and int() of
               # thousands of digits is slow, then refused by Python)


class NumberError(ValueError):
    """Text that is not the number asked for; the message is for the user."""


def parse_decimal(text):
    """'95', '95,5', '95.5', '1.234,5' -> float (None for blank); ASCII digits only."""
    text = (text or "").strip().replace("\u00a0", "").replace(" ", "")
    if not text:
        return None
    if len(text) > _LONGEST:
        raise NumberError(_l("Hãy nhập một số (ví dụ 95 hoặc 95,5)."))
    if "," in text and "." in text:
        text = text.replace(".", "").replace(",", ".")
    elif "," in text:
        text = text.replace(",", ".")
    if not re.fullmatch(r"-?[0-9]+(\.[0-9]+)?", text):
        raise NumberError(_l("Hãy nhập một số (ví dụ 95 hoặc 95,5)."))
    return float(text)


def parse_whole(text):
    """'3163500', '3.163.500', '3,163,500' -> int (None for blank); fractions are refused; ASCII
    digits only ("²" and "①" pass str.isdigit(), "٣" passes int(): none is a figure)."""
    text = (text or "").strip().replace("\u00a0", " ")
    if not text:
        return None
    if len(text) > _LONGEST:
        raise NumberError(_l("Hãy nhập một số (ví dụ 95 hoặc 3.163.500)."))
    sign = -1 if text.startswith("-") else 1
    body = text.lstrip("-").strip()
    if _THOUSANDS.fullmatch(body):
        body = re.sub(r"[., ]", "", body)
    if re.fullmatch(r"[0-9]+", body):
        return sign * int(body)
    if re.fullmatch(r"[0-9]+([.,][0-9]+)?", body):
        raise NumberError(_l("Hãy nhập một số nguyên (ví dụ 3163500)."))
    raise NumberError(_l("Hãy nhập một số (ví dụ 95 hoặc 3.163.500)."))


class NumberTextField(Field):
    """A text input holding a number; parsing waits for the form, which knows the unit."""
    widget = TextInput()

    def process_formdata(self, valuelist):
        self.raw = valuelist[0] if valuelist else ""
        self.data = self.raw

    def _value(self):
        if self.data is None:
            return ""
        return str(self.data)


class UnitChoiceField(RadioField):
    """Rate or head count; a form posted without it (a single-unit metric) takes the first choice."""

    def process_formdata(self, valuelist):
        self.data = valuelist[0] if valuelist and valuelist[0] else self.choices[0].value

    def pre_validate(self, form):
        pass  # validate_unit says what is wrong, in Vietnamese


class TargetForm(FlaskForm):
    """A target's value (as a rate or a head count), quarterly milestones and the reason."""
    unit = UnitChoiceField(_l("Nhập theo"), choices=UNIT_CHOICES, default="percent")
    value = NumberTextField(_l("Giá trị chỉ tiêu"))
    q1 = NumberTextField(_l("Mốc quý I (đến tháng 3)"))
    q2 = NumberTextField(_l("Mốc quý II (đến tháng 6)"))
    q3 = NumberTextField(_l("Mốc quý III (đến tháng 9)"))
    q4 = NumberTextField(_l("Mốc quý IV (đến tháng 12)"))
    reason = TextAreaField(_l("Lý do thay đổi"), validators=[Length(max=500, message=_l("Tối đa 500 ký tự."))])
    version = HiddenField()

    def __init__(self, *args, metric, denominator=None, target=None, current_milestones=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.metric = metric
        self.denominator = denominator
        self.target = target
        self.current_milestones = current_milestones or {}
        # Filled by validate(): the value in the metric's own unit and/or the head count.
        self.parsed_value = None
        self.parsed_people = None
        self.parsed_milestones = {}
        if not metric.is_rate:
            self.unit.choices = [SelectChoice("people", _l("Số người") if metric.kind == "people"
                                              else _l("Số tiền (đồng)"))]
            self.unit.data = "people"

    @property
    def by_people(self):
        return not self.metric.is_rate or self.unit.data == "people"

    def validate_unit(self, field):
        if field.data not in {c.value for c in field.choices}:
            raise StopValidation(_l("Lựa chọn không hợp lệ."))
        if self.metric.is_rate and field.data == "people" and not self.denominator:
            raise StopValidation(_l("Chưa có mẫu số (dân số / lực lượng lao động) để quy đổi số người ra tỷ lệ: "
                                    "hãy nhập theo tỷ lệ."))

    def validate_value(self, field):
        try:
            number = parse_whole(field.data) if self.by_people else parse_decimal(field.data)
        except NumberError as exc:
            raise StopValidation(str(exc)) from None
        if number is None:
            raise StopValidation(_l("Hãy nhập giá trị chỉ tiêu."))
        if number < 0:
            raise StopValidation(_l("Chỉ tiêu không được âm."))
        if self.metric.is_rate and not self.by_people and number > 100:
            raise StopValidation(_l("Tỷ lệ không được vượt quá 100%."))
        if self.metric.is_rate and self.by_people and self.denominator and number > self.denominator:
            raise StopValidation(_l("Số người (%(people)s) vượt quá mẫu số (%(denominator)s).",
                                    people=f"{number:,}".replace(",", "."),
                                    denominator=f"{self.denominator:,}".replace(",", ".")))
        if self.by_people:
            self.parsed_people = number
            self.parsed_value = None if self.metric.is_rate else float(number)
        else:
            self.parsed_value = number

    def _milestone(self, field):
        try:
            number = parse_decimal(field.data) if self.metric.is_rate else parse_whole(field.data)
        except NumberError as exc:
            raise ValidationError(str(exc)) from None
        if number is not None and number < 0:
            raise ValidationError(_l("Mốc không được âm."))
        if number is not None and self.metric.is_rate and number > 100:
            raise ValidationError(_l("Tỷ lệ không được vượt quá 100%."))
        return number

    def validate_q1(self, field):
        self.parsed_milestones["q1"] = self._milestone(field)

    def validate_q2(self, field):
        self.parsed_milestones["q2"] = self._milestone(field)

    def validate_q3(self, field):
        self.parsed_milestones["q3"] = self._milestone(field)

    def validate_q4(self, field):
        self.parsed_milestones["q4"] = self._milestone(field)

    def milestone_values(self, year):
        """{date(year, 3|6|9|12, 1): value or None} for set_target."""
        from datetime import date
        return {date(year, month, 1): self.parsed_milestones.get(name) for name, month in QUARTERS}

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        if not ok or self.target is None or self.target.status != "accepted":
            return ok
        if not (self.reason.data or "").strip() and self._changes_target():
            self.reason.errors = list(self.reason.errors) + [
                _l("Chỉ tiêu đã được chấp nhận: hãy ghi lý do điều chỉnh.")]
            return False
        return True

    def _changes_target(self):
        t = self.target
        if self.parsed_people is not None and self.metric.is_rate:
            if self.parsed_people != t.people:
                return True
        elif self.parsed_value is not None and abs(self.parsed_value - (t.value or 0)) > 1e-9:
            return True
        for name, month in QUARTERS:
            new = self.parsed_milestones.get(name)
            old = self.current_milestones.get(month)
            if (new is None) != (old is None) or (new is not None and abs(new - old) > 1e-9):
                return True
        return False


class ThresholdForm(FlaskForm):
    """The on-track and at-risk thresholds, in percent of the expected progress."""
    on_track = NumberTextField(_l("Đạt tiến độ khi đạt ít nhất (% mức kỳ vọng)"))
    at_risk = NumberTextField(_l("Có nguy cơ khi đạt ít nhất (% mức kỳ vọng)"))

    def _percent(self, field):
        try:
            number = parse_decimal(field.data)
        except NumberError as exc:
            raise StopValidation(str(exc)) from None
        if number is None:
            raise StopValidation(_l("Ô này không được để trống."))
        if not 0 < number <= 150:
            raise StopValidation(_l("Ngưỡng phải lớn hơn 0 và không quá 150%."))
        return number

    def validate_on_track(self, field):
        field.parsed = self._percent(field)

    def validate_at_risk(self, field):
        field.parsed = self._percent(field)
        on_track = getattr(self.on_track, "parsed", None)
        if on_track is not None and field.parsed >= on_track:
            raise ValidationError(_l("Ngưỡng “có nguy cơ” phải nhỏ hơn ngưỡng “đạt tiến độ”."))
