"""Forms of the office-area pages: rename, move a commune, merge, delete, decide carry-overs.

Every form on the office page has its own prefix, so one page holds them all and a posted form
never fills another."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField
from wtforms.validators import DataRequired, Length, StopValidation, ValidationError

from planner.fieldwork_reports.forms import DayField
from planner.services.offices import NAME_MAX


def _day_required(form, field):
    if field.data is None:
        if not field.errors:
            raise StopValidation(_l("Hãy nhập ngày hiệu lực."))
        raise StopValidation()


class IdChoiceField(SelectField):
    """A select of ids with a "— choose —" first option; messages in Vietnamese."""

    def __init__(self, label=None, validators=None, required_message=None, **kwargs):
        super().__init__(label, validators, coerce=self._coerce, **kwargs)
        self.type = "SelectField"  # the form macro draws selects by this name
        self.required_message = required_message or _l("Hãy chọn một mục.")

    @staticmethod
    def _coerce(value):
        if value is None or value == "":
            return None
        return int(value)

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = None
            raise ValueError(_l("Lựa chọn không hợp lệ.")) from None

    def pre_validate(self, form):
        if self.data is None:
            if not self.errors:
                raise StopValidation(self.required_message)
            raise StopValidation()
        if self.data not in {c.value for c in self.choices if c.value not in (None, "")}:
            raise ValidationError(_l("Lựa chọn không hợp lệ."))


class RenameForm(FlaskForm):
    name = StringField(_l("Tên mới"), validators=[
        DataRequired(_l("Hãy nhập tên mới.")),
        Length(max=NAME_MAX, message=_l("Tối đa 120 ký tự.")),
    ])
    effective_on = DayField(_l("Ngày hiệu lực"), validators=[_day_required])


class MoveHereForm(FlaskForm):
    """Bring a commune of another office into this one."""
    commune_id = IdChoiceField(_l("Xã"), required_message=_l("Hãy chọn xã."))
    effective_on = DayField(_l("Ngày hiệu lực"), validators=[_day_required])
    confirm = HiddenField()


class MoveAwayForm(MoveHereForm):
    """Send a commune of this office to another one."""
    to_office_id = IdChoiceField(_l("Chuyển sang"), required_message=_l("Hãy chọn BHXH cơ sở nhận xã."))


class MergeForm(FlaskForm):
    into_id = IdChoiceField(_l("Gộp vào"), required_message=_l("Hãy chọn BHXH cơ sở để gộp vào."))
    effective_on = DayField(_l("Ngày hiệu lực"), validators=[_day_required])
    confirm = HiddenField()


class DeleteOfficeForm(FlaskForm):
    effective_on = DayField(_l("Ngày hiệu lực"), validators=[_day_required])


class DecideForm(FlaskForm):
    """Only the CSRF token: the chosen proposals come as the list `ids`, the button as `action`."""
