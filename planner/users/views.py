"""User management for admins; password change for everyone."""
from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlmodel import select
from wtforms.fields.choices import SelectChoice

from planner.auth.security import hash_password, verify_password
from planner.db import get_session
from planner.models import Commune, District, User
from planner.services import hierarchy, registry, users as user_service
from planner.users.forms import PasswordForm, UserForm

bp = Blueprint("users", __name__)


def _require_admin():
    if g.user.role != "admin":
        abort(403)


def _districts(db):
    version = registry.current_version(session=db)
    if version is None:
        return []
    return db.exec(select(District).where(District.version_id == version.id).order_by(District.code)).all()


def _check_scope(form, db):
    """Validate the role's scope fields; return (district_id, commune_ids) or None with errors set."""
    district_id, commune_ids = None, []
    version = registry.current_version(session=db)
    if form.role.data == "district_head":
        raw = form.district.data or ""
        district = db.get(District, int(raw)) if raw.isdigit() else None
        if district is None or version is None or district.version_id != version.id:
            # A head always has an area of the structure in force: a district, or from July 2025
            # a grassroots office area (BHXH cơ sở).
            if hierarchy.middle_level(version) == "office":
                form.district.errors.append(_("Hãy chọn BHXH cơ sở cho lãnh đạo BHXH cơ sở."))
            else:
                form.district.errors.append(_("Hãy chọn huyện cho lãnh đạo BHXH huyện."))
            return None
        district_id = district.id
    if form.role.data == "agent":
        codes = [c.strip() for c in (form.communes.data or "").replace(";", ",").split(",") if c.strip()]
        if not codes:
            form.communes.errors.append(_("Nhân viên thu cần ít nhất một xã."))
            return None
        found = db.exec(select(Commune).where(Commune.version_id == version.id, Commune.code.in_(codes))).all() if version else []
        unknown = sorted(set(codes) - {c.code for c in found})
        if unknown:
            form.communes.errors.append(_("Mã xã không có trong danh mục: %(codes)s.", codes=", ".join(unknown)))
            return None
        commune_ids = [c.id for c in found]
        district_id = found[0].district_id
    return district_id, commune_ids


@bp.route("/users")
def list_users():
    _require_admin()
    db = get_session()
    rows = db.exec(select(User).order_by(User.role, User.username)).all()
    districts = {d.id: d for d in _districts(db)}
    return render_template("users/list.html", users=rows, districts=districts,
                           middle=hierarchy.middle_level(registry.current_version(session=db)))


def _fill_choices(form, db):
    form.district.choices = [SelectChoice("", _("— Không —"))] + [
        SelectChoice(str(d.id), f"{d.code} · {d.name}") for d in _districts(db)]
    if hierarchy.middle_level(registry.current_version(session=db)) == "office":
        # From July 2025 a head leads a grassroots office area, not a district.
        form.district.label.text = _("BHXH cơ sở phụ trách")
        form.district.description = _("Bắt buộc với lãnh đạo BHXH cơ sở.")
        form.role.choices = [SelectChoice(c.value, _("Lãnh đạo BHXH cơ sở")) if c.value == "district_head" else c
                             for c in form.role.choices]


@bp.route("/users/new", methods=["GET", "POST"])
def create_user():
    _require_admin()
    db = get_session()
    form = UserForm()
    _fill_choices(form, db)
    if form.validate_on_submit():
        if db.exec(select(User).where(User.username == form.username.data)).first():
            form.username.errors.append(_("Tên đăng nhập này đã có."))
        elif not form.password.data:
            form.password.errors.append(_("Hãy đặt mật khẩu cho người dùng mới."))
        else:
            scope = _check_scope(form, db)
            if scope is not None:
                user = User(username=form.username.data, role=form.role.data,
                            password_hash=hash_password(form.password.data))
                db.add(user)
                db.flush()
                user_service.update_user(session=db, user=user, full_name=form.full_name.data or "",
                                         role=form.role.data, district_id=scope[0], commune_ids=scope[1],
                                         active=form.active.data)
                flash(_("Đã tạo người dùng %(name)s.", name=user.username), "success")
                return redirect(url_for("users.list_users"))
    return render_template("users/edit.html", form=form, user=None)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
def edit_user(user_id):
    _require_admin()
    db = get_session()
    user = db.get(User, user_id) or abort(404)
    form = UserForm(obj=user if request.method == "GET" else None)
    _fill_choices(form, db)
    form.username.render_kw = {"readonly": True}
    if request.method == "GET":
        form.district.data = str(user.district_id or "")
        form.communes.data = ", ".join(user_service.user_commune_codes(session=db, user=user))
    form.username.data = user.username
    if form.validate_on_submit():
        scope = _check_scope(form, db)
        if user.id == g.user.id and (form.role.data != "admin" or not form.active.data):
            form.role.errors.append(_("Bạn không thể tự bỏ quyền quản trị hoặc khóa chính mình."))
        elif scope is not None:
            user_service.update_user(session=db, user=user, full_name=form.full_name.data or "",
                                     role=form.role.data, district_id=scope[0], commune_ids=scope[1],
                                     active=form.active.data, password=form.password.data or None)
            flash(_("Đã lưu người dùng %(name)s.", name=user.username), "success")
            return redirect(url_for("users.list_users"))
    return render_template("users/edit.html", form=form, user=user)


@bp.route("/account/password", methods=["GET", "POST"])
def change_password():
    db = get_session()
    form = PasswordForm()
    if form.validate_on_submit():
        if not verify_password(g.user, form.current.data):
            form.current.errors.append(_("Mật khẩu hiện tại không đúng."))
        else:
            g.user.password_hash = hash_password(form.new.data)
            db.add(g.user)
            db.commit()
            flash(_("Đã đổi mật khẩu."), "success")
            return redirect(url_for("home.index"))
    return render_template("users/password.html", form=form)
