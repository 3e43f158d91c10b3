"""The form that creates an API token."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from planner.services.tokens import NAME_MAX


class TokenForm(FlaskForm):
    name = StringField(_l("Tên mã truy cập"), validators=[
        DataRequired(_l("Hãy đặt tên cho mã truy cập.")),
        Length(max=NAME_MAX, message=_l("Tối đa 80 ký tự.")),
    ], description=_l("Để nhận ra mã sau này, ví dụ: máy tính bảng xã Nghi Phú, báo cáo tự động."))
