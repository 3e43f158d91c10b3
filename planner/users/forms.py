"""Forms to manage users (admins) and to change one's own password (everyone)."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length, Optional, Regexp

ROLE_CHOICES = [
    SelectChoice("leader", _l("Lãnh đạo BHXH tỉnh")),
    SelectChoice("district_head", _l("Lãnh đạo BHXH huyện")),
    SelectChoice("agent", _l("Nhân viên thu")),
    SelectChoice("admin", _l("Quản trị hệ thống")),
]


class UserForm(FlaskForm):
    username = StringField(_l("Tên đăng nhập"), validators=[
        DataRequired(_l("Hãy nhập tên đăng nhập.")), Length(max=60, message=_l("Tối đa 60 ký tự.")),
        Regexp(r"^[A-Za-z0-9._-]+$", message=_l("Chỉ dùng chữ không dấu, số, dấu chấm, gạch ngang, gạch dưới.")),
    ])
    full_name = StringField(_l("Họ và tên"), validators=[Optional(), Length(max=120, message=_l("Tối đa 120 ký tự."))])
    role = SelectField(_l("Vai trò"), choices=ROLE_CHOICES)
    district = SelectField(_l("Huyện phụ trách"), choices=[], validate_choice=False,
                           description=_l("Bắt buộc với lãnh đạo BHXH huyện."))
    communes = StringField(_l("Mã các xã phụ trách"),
                           description=_l("Bắt buộc với nhân viên thu: mã GSO 5 chữ số, cách nhau bằng dấu phẩy."))
    password = PasswordField(_l("Mật khẩu"), validators=[Optional(), Length(min=8, message=_l("Mật khẩu cần ít nhất 8 ký tự."))],
                             description=_l("Để trống khi sửa nếu không đổi mật khẩu."))
    active = BooleanField(_l("Đang hoạt động"), default=True)


class PasswordForm(FlaskForm):
    current = PasswordField(_l("Mật khẩu hiện tại"), validators=[DataRequired(_l("Hãy nhập mật khẩu hiện tại."))])
    new = PasswordField(_l("Mật khẩu mới"), validators=[
        DataRequired(_l("Hãy nhập mật khẩu mới.")), Length(min=8, message=_l("Mật khẩu cần ít nhất 8 ký tự."))])
    confirm = PasswordField(_l("Nhập lại mật khẩu mới"), validators=[
        EqualTo("new", message=_l("Hai lần nhập mật khẩu không khớp."))])
