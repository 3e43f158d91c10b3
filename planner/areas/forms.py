"""Forms of the area registry: a commune, its yearly denominators and monthly coverage, imports."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, IntegerField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Regexp, StopValidation, ValidationError

from planner.models import limits
from planner.services import imports

COMMUNE_KIND_CHOICES = [SelectChoice("commune", _l("Xã")), SelectChoice("ward", _l("Phường")),
                        SelectChoice("township", _l("Thị trấn"))]

IMPORT_KIND_CHOICES = [
    SelectChoice("communes", _l("Danh mục xã, phường, thị trấn")),
    SelectChoice("classifications", _l("Phân loại (khu vực I/II/III, xã ĐBKK vùng bãi ngang ven biển, huyện nghèo)")),
    SelectChoice("denominators", _l("Dân số và lực lượng lao động trong độ tuổi")),
    SelectChoice("coverage", _l("Số người tham gia BHYT, BHXH, BHTN theo tháng")),
]


class WholeNumberField(IntegerField):
    """An integer field that accepts 1.234.567 (ASCII digits only) and says what is wrong in
    Vietnamese; its range is checked by _at_most / NumberRange (planner.models.limits)."""

    def process_formdata(self, valuelist):
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        try:
            self.data = limits.parse_whole(valuelist[0])
        except limits.NumberError:
            self.data = None
            raise ValueError(_l("Hãy nhập một số nguyên (ví dụ 15000).")) from None


class ChoiceField(SelectField):
    """A select whose wrong-choice messages are in Vietnamese."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.type = "SelectField"  # the form macro draws selects by this name

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(_l("Lựa chọn không hợp lệ.")) from None

    def pre_validate(self, form):
        if self.choices is not None and self.data not in {self.coerce(c.value) for c in self.choices}:
            raise ValidationError(_l("Lựa chọn không hợp lệ."))


def _required():
    return DataRequired(_l("Ô này không được để trống."))


def _at_most(rng):
    """The declared range's upper end (the lower one has its own message)."""
    def check(form, field):
        if field.data is not None and field.data > rng.hi:
            raise ValidationError(_l("Số quá lớn, tối đa %(hi)s.", hi=limits.show(rng.hi)))
    return check


def _count(label, description=None):
    return WholeNumberField(label, description=description, validators=[
        _required_number(),
        NumberRange(min=0, message=_l("Không được là số âm.")),
        _at_most(limits.PEOPLE),
    ])


def _required_number(required=True):
    """Stop at a missing or unreadable number (DataRequired would reject 0)."""
    def check(form, field):
        if field.data is None:
            if required and not field.errors:
                raise StopValidation(_l("Ô này không được để trống."))
            raise StopValidation()
    return check


class CommuneForm(FlaskForm):
    code = StringField(_l("Mã xã (mã GSO)"), validators=[
        _required(), Regexp(r"^[0-9]{5}$", message=_l("Mã xã phải gồm đúng 5 chữ số (ví dụ 16663).")),
    ])
    name = StringField(_l("Tên"), validators=[_required(), Length(max=120, message=_l("Tối đa 120 ký tự."))])
    kind = ChoiceField(_l("Loại"), choices=COMMUNE_KIND_CHOICES)
    district_id = ChoiceField(_l("Huyện"), coerce=int)
    lost_state_hi_people = WholeNumberField(
        _l("Số người mất thẻ BHYT do NSNN đóng"),
        description=_l("Người mất thẻ BHYT do ngân sách nhà nước đóng khi xã ra khỏi danh sách."),
        validators=[_required_number(False), NumberRange(min=0, message=_l("Không được là số âm.")),
                    _at_most(limits.PEOPLE)],
    )

    def __init__(self, *args, taken_codes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.taken_codes = set(taken_codes)

    def validate_code(self, field):
        if field.data in self.taken_codes:
            raise ValidationError(_l("Mã xã này đã được dùng cho một xã khác."))


class DenominatorForm(FlaskForm):
    year = WholeNumberField(_l("Năm"), validators=[
        _required_number(),
        NumberRange(min=imports.MIN_YEAR, max=imports.MAX_YEAR, message=_l("Năm phải trong khoảng 2000–2100.")),
    ])
    population = _count(_l("Dân số"))
    labour_force = _count(_l("Lực lượng lao động trong độ tuổi"))
    source = StringField(_l("Nguồn số liệu"), validators=[Length(max=255, message=_l("Tối đa 255 ký tự."))])

    def __init__(self, *args, taken_years=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.taken_years = set(taken_years)

    def validate_year(self, field):
        if field.data in self.taken_years:
            raise ValidationError(_l("Xã đã có số liệu của năm này; hãy sửa dòng năm đó."))

    def validate_labour_force(self, field):
        population = self.population
        if field.data is not None and population.data is not None and not population.errors \
                and field.data > population.data:
            raise ValidationError(_l("Lực lượng lao động trong độ tuổi không được lớn hơn dân số."))


class CoverageForm(FlaskForm):
    period = StringField(_l("Tháng"), description=_l("Ghi dạng mm/yyyy, ví dụ 12/2024."),
                         validators=[_required()])
    hi_participants = _count(_l("Người tham gia BHYT"))
    si_compulsory = _count(_l("Người tham gia BHXH bắt buộc"))
    si_voluntary = _count(_l("Người tham gia BHXH tự nguyện"))
    ui_participants = _count(_l("Người tham gia BHTN"))
    source = StringField(_l("Nguồn số liệu"), validators=[Length(max=255, message=_l("Tối đa 255 ký tự."))])

    def __init__(self, *args, taken_periods=(), population_of=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.taken_periods = set(taken_periods)
        self.population_of = population_of or (lambda year: None)
        self.month = None

    def validate_period(self, field):
        try:
            self.month = imports.parse_month(field.data)
        except imports.CellError as exc:
            raise ValidationError(str(exc)) from None
        if self.month in self.taken_periods:
            raise ValidationError(_l("Xã đã có số liệu của tháng này; hãy sửa dòng tháng đó."))

    def validate_hi_participants(self, field):
        if field.data is None or self.month is None:
            return
        population = self.population_of(self.month.year)
        if population is not None and field.data > population:
            raise ValidationError(_l("Số người tham gia BHYT (%(hi)s) lớn hơn dân số năm %(year)s (%(population)s).",
                                     hi=field.data, year=self.month.year, population=population))


class DeleteForm(FlaskForm):
    """Only the CSRF token: deleting is a POST."""


class ImportForm(FlaskForm):
    kind = ChoiceField(_l("Loại dữ liệu"), choices=IMPORT_KIND_CHOICES)
    file = FileField(_l("Tệp CSV (UTF-8) hoặc Excel (.xlsx)"),
                     validators=[FileRequired(_l("Hãy chọn tệp để tải lên."))],
                     render_kw={"accept": ".csv,.xlsx,text/csv"})
    dry_run = BooleanField(_l("Chạy thử (dry run): chỉ kiểm tra, không ghi"), default=True)
