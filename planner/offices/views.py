"""Grassroots SI office areas (BHXH cơ sở): the list, an office's page with its communes, heads
and dated history, the admin's edits (rename, move a commune with a confirmation page, merge,
delete an empty one) and the agents' carry-over proposals. Leaders look; admins edit."""
from datetime import date, timedelta, timezone

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from planner.db import get_session
from planner.models import Commune, District
from planner.offices import forms
from planner.services import carry_over, offices, registry
from planner.services.offices import OfficeError

bp = Blueprint("offices", __name__, url_prefix="/offices")

HISTORY_PAGE = 20
DECIDED_PAGE = 50
VIETNAM_TIME = timezone(timedelta(hours=7))


def change_kind_labels():
    return {"rename": _("Đổi tên"), "move": _("Chuyển xã"), "merge": _("Gộp đơn vị"), "delete": _("Xóa đơn vị")}


def carry_status_labels():
    return {"pending": _("Chờ duyệt"), "approved": _("Đã duyệt"), "rejected": _("Đã từ chối")}


@bp.app_template_filter("vn_time")
def vn_time(value):
    """A stored UTC time shown in Vietnam's time, dd/mm/yyyy hh:mm."""
    if value is None:
        return "–"
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(VIETNAM_TIME).strftime("%d/%m/%Y %H:%M")


def _require_view():
    if g.user.role not in ("leader", "admin"):
        abort(403)


def _require_admin():
    if g.user.role != "admin":
        abort(403)


def _office_or_404(office_id):
    office = offices.find_office(session=get_session(), office_id=office_id)
    if office is None:
        abort(404)
    return office


# --- the list -----------------------------------------------------------------------------------

@bp.route("/")
def index():
    _require_view()
    db = get_session()
    version = registry.current_version(session=db)
    rows, year, recent = [], None, []
    if offices.is_office_version(version):
        rows, year = offices.office_rows(session=db, version=version)
        recent = offices.history(session=db, version=version, limit=10)
    pending = carry_over.pending_count(session=db) if g.user.role == "admin" else None
    names = {d.id: d.name for d in offices.offices(session=db, version=version)} if version else {}
    return render_template("offices/index.html", version=version, rows=rows, year=year, recent=recent,
                           pending=pending, names=names, kinds=change_kind_labels(),
                           is_office=offices.is_office_version(version))


# --- an office ----------------------------------------------------------------------------------

def _today():
    return date.today()


def _page_forms(office, posted=None):
    """Every form of the office page; only the posted one reads the request."""
    db = get_session()
    version = registry.current_version(session=db)
    areas = offices.offices(session=db, version=version)
    others = [o for o in areas if o.id != office.id]
    names = {o.id: o.name for o in areas}
    all_communes = db.execute(select(Commune).where(Commune.version_id == version.id)
                              .order_by(Commune.name)).scalars().all()

    def make(cls, key):
        prefix = key
        if posted == key:
            return cls(prefix=prefix)
        return cls(prefix=prefix, formdata=None)

    built = {
        "rename": make(forms.RenameForm, "rename"),
        "here": make(forms.MoveHereForm, "here"),
        "away": make(forms.MoveAwayForm, "away"),
        "merge": make(forms.MergeForm, "merge"),
        "delete": make(forms.DeleteOfficeForm, "delete"),
    }
    choose_commune = SelectChoice("", _("— Chọn xã —"))
    choose_office = SelectChoice("", _("— Chọn BHXH cơ sở —"))
    built["here"].commune_id.choices = [choose_commune] + [
        SelectChoice(c.id, f"{c.name} ({c.code}) · {names.get(c.district_id, '')}")
        for c in all_communes if c.district_id != office.id]
    built["away"].commune_id.choices = [choose_commune] + [
        SelectChoice(c.id, f"{c.name} ({c.code})") for c in all_communes if c.district_id == office.id]
    office_choices = [choose_office] + [SelectChoice(o.id, f"{o.name} ({o.code})") for o in others]
    built["away"].to_office_id.choices = office_choices
    built["merge"].into_id.choices = office_choices
    for key, form in built.items():
        if key != posted:
            form.effective_on.data = _today()
            if key == "rename":
                form.name.data = office.name
    return built


def _office_page(office, page_forms, status=200):
    db = get_session()
    version = registry.current_version(session=db)
    communes = offices.communes_of(session=db, office=office)
    pops, year = offices.populations(session=db, version=version)
    heads = offices.heads_by_office(session=db, office_ids=[office.id])[office.id]
    total = offices.history_count(session=db, office=office)
    pages = max(1, -(-total // HISTORY_PAGE))
    page = min(max(1, request.args.get("history_page", 1, type=int) or 1), pages)
    changes = offices.history(session=db, office=office, limit=HISTORY_PAGE, offset=(page - 1) * HISTORY_PAGE)
    names = {d.id: d.name for d in db.execute(select(District)).scalars()}
    population = sum(pops.get(c.id, 0) for c in communes) if pops else None
    return render_template(
        "offices/office.html", office=office, version=version, communes=communes, pops=pops, year=year,
        population=population, heads=heads, changes=changes, history_page=page, history_pages=pages,
        history_total=total, names=names, kinds=change_kind_labels(), forms=page_forms,
        can_edit=g.user.role == "admin"), status


@bp.route("/<int:office_id>")
def office(office_id):
    _require_view()
    found = _office_or_404(office_id)
    return _office_page(found, _page_forms(found))


def _fail(found, page_forms, form, exc=None):
    if exc is not None:
        form.form_errors.append(str(exc))
    return _office_page(found, page_forms, status=422 if exc is not None else 400)


@bp.route("/<int:office_id>/rename", methods=["POST"])
def rename(office_id):
    _require_admin()
    found = _office_or_404(office_id)
    page_forms = _page_forms(found, posted="rename")
    form = page_forms["rename"]
    if form.validate_on_submit():
        old = found.name
        try:
            offices.rename(session=get_session(), office=found, new_name=form.name.data,
                           effective_on=form.effective_on.data, user=g.user)
        except OfficeError as exc:
            return _fail(found, page_forms, form, exc)
        flash(_("Đã đổi tên %(old)s thành %(new)s.", old=old, new=found.name), "success")
        return redirect(url_for("offices.office", office_id=found.id))
    return _fail(found, page_forms, form)


def _move(found, key):
    db = get_session()
    page_forms = _page_forms(found, posted=key)
    form = page_forms[key]
    if not form.validate_on_submit():
        return _fail(found, page_forms, form)
    commune = db.get(Commune, form.commune_id.data)
    to_office = found if key == "here" else offices.find_office(session=db, office_id=form.to_office_id.data)
    try:
        if form.confirm.data == "1":
            offices.move_commune(session=db, commune=commune, to_office=to_office,
                                 effective_on=form.effective_on.data, user=g.user)
            flash(_("Đã chuyển %(commune)s sang %(office)s.", commune=commune.name, office=to_office.name), "success")
            return redirect(url_for("offices.office", office_id=found.id) + "#history")
        version = offices.office_version(session=db)
        preview = offices.preview_move(session=db, commune=commune, to_office=to_office,
                                       effective_on=form.effective_on.data)
        offices.check_effective_on(version=version, effective_on=form.effective_on.data)
    except OfficeError as exc:
        return _fail(found, page_forms, form, exc)
    return render_template("offices/confirm.html", office=found, form=form, kind="move", preview=preview,
                           metric_label=offices.metric_label, amount_text=offices.amount_text,
                           action=url_for(f"offices.move_{key}", office_id=found.id),
                           title=_("Chuyển %(commune)s sang %(office)s?", commune=commune.name, office=to_office.name))


@bp.route("/<int:office_id>/move-here", methods=["POST"])
def move_here(office_id):
    _require_admin()
    return _move(_office_or_404(office_id), "here")


@bp.route("/<int:office_id>/move-away", methods=["POST"])
def move_away(office_id):
    _require_admin()
    return _move(_office_or_404(office_id), "away")


@bp.route("/<int:office_id>/merge", methods=["POST"])
def merge(office_id):
    _require_admin()
    db = get_session()
    found = _office_or_404(office_id)
    page_forms = _page_forms(found, posted="merge")
    form = page_forms["merge"]
    if not form.validate_on_submit():
        return _fail(found, page_forms, form)
    into = offices.find_office(session=db, office_id=form.into_id.data)
    try:
        if form.confirm.data == "1":
            source_name = found.name
            offices.merge(session=db, source=found, into=into, effective_on=form.effective_on.data, user=g.user)
            flash(_("Đã gộp %(source)s vào %(into)s.", source=source_name, into=into.name), "success")
            return redirect(url_for("offices.office", office_id=into.id) + "#history")
        version = offices.office_version(session=db)
        preview = offices.preview_merge(session=db, source=found, into=into, effective_on=form.effective_on.data)
        offices.check_effective_on(version=version, effective_on=form.effective_on.data)
    except OfficeError as exc:
        return _fail(found, page_forms, form, exc)
    return render_template("offices/confirm.html", office=found, form=form, kind="merge", preview=preview,
                           metric_label=offices.metric_label, amount_text=offices.amount_text,
                           action=url_for("offices.merge", office_id=found.id),
                           title=_("Gộp %(source)s vào %(into)s?", source=found.name, into=into.name))


@bp.route("/<int:office_id>/delete", methods=["POST"])
def delete(office_id):
    _require_admin()
    found = _office_or_404(office_id)
    page_forms = _page_forms(found, posted="delete")
    form = page_forms["delete"]
    if not form.validate_on_submit():
        return _fail(found, page_forms, form)
    name = found.name
    try:
        offices.delete_office(session=get_session(), office=found, effective_on=form.effective_on.data, user=g.user)
    except OfficeError as exc:
        return _fail(found, page_forms, form, exc)
    flash(_("Đã xóa %(name)s.", name=name), "success")
    return redirect(url_for("offices.index"))


# --- agents carried across a reform ------------------------------------------------------------

@bp.route("/carry-over", methods=["GET", "POST"])
def carry_over_page():
    _require_admin()
    db = get_session()
    form = forms.DecideForm()
    status = 200
    if request.method == "POST":
        action = request.form.get("action")
        if not form.validate_on_submit() or action not in ("approve", "reject"):
            abort(400)
        ids = request.form.getlist("ids")
        try:
            decide = carry_over.approve if action == "approve" else carry_over.reject
            result = decide(session=db, ids=ids, admin=g.user)
        except carry_over.CarryOverError as exc:
            flash(str(exc), "error")
            status = 422
        else:
            if result["done"]:
                message = (_("Đã duyệt %(n)s đề xuất.", n=len(result["done"])) if action == "approve"
                           else _("Đã từ chối %(n)s đề xuất.", n=len(result["done"])))
                flash(message, "success")
            if result["already"]:
                flash(_("%(n)s đề xuất đã được quyết định trước đó, không làm lại.", n=len(result["already"])),
                      "warning")
            if result["missing"]:
                flash(_("%(n)s đề xuất không còn tồn tại.", n=len(result["missing"])), "warning")
            return redirect(url_for("offices.carry_over_page"))
    total = carry_over.decided_count(session=db)
    pages = max(1, -(-total // DECIDED_PAGE))
    page = min(max(1, request.args.get("page", 1, type=int) or 1), pages)
    return render_template(
        "offices/carry_over.html", form=form, pending=carry_over.pending_by_agent(session=db),
        pending_total=carry_over.pending_count(session=db),
        decided=carry_over.decided(session=db, limit=DECIDED_PAGE, offset=(page - 1) * DECIDED_PAGE),
        decided_total=total, page=page, pages=pages, statuses=carry_status_labels()), status
