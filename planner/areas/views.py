"""The area registry: district and commune lists, a commune's page, edit forms and imports."""
from datetime import date, timedelta, timezone

from flask import (
    Blueprint, Response, abort, current_app, flash, g, redirect, render_template, request, url_for,
)
from flask_babel import gettext as _
from sqlmodel import select

from planner.areas import forms
from planner.db import get_session
from planner.i18n import fmt_date, fmt_month, fmt_number
from planner.models import ClassificationScheme, Commune, CoverageRecord, Denominator, District, HierarchyVersion, User
from planner.models.areas import OFFICE_KIND
from planner.services import imports, registry, scope
from planner.services.hierarchy import middle_label, middle_level

bp = Blueprint("areas", __name__)


def commune_kind_labels():
    return {"commune": _("Xã"), "ward": _("Phường"), "township": _("Thị trấn")}


def district_kind_labels():
    return {"city": _("Thành phố"), "town": _("Thị xã"), "rural_district": _("Huyện"),
            "urban_district": _("Quận"), OFFICE_KIND: _("BHXH cơ sở")}


@bp.app_template_filter("commune_kind")
def commune_kind_label(kind):
    return commune_kind_labels().get(kind, kind)


@bp.app_template_filter("district_kind")
def district_kind_label(kind):
    return district_kind_labels().get(kind, kind)


def scheme_label(scheme, membership):
    """'Khu vực III', 'Xã ĐBKK vùng bãi ngang ven biển', 'Huyện nghèo' or the scheme's own name."""
    if scheme.code == "region_861":
        return _("Khu vực %(category)s", category=membership.category)
    if scheme.code == "coastal_353":
        return _("Xã ĐBKK vùng bãi ngang ven biển")
    if scheme.code == "poor_district":
        return _("Huyện nghèo")
    return scheme.name if membership.category == "yes" else f"{scheme.name}: {membership.category}"


def audit_labels():
    """Readable names of the actions, tables and columns in the audit trail."""
    return {
        "action_labels": {"create": _("Thêm"), "update": _("Sửa"), "delete": _("Xóa")},
        "entity_labels": {
            "commune": _("Xã"), "denominator": _("Dân số, lực lượng lao động"),
            "coverage_record": _("Số người tham gia"), "classification_membership": _("Phân loại"),
            "user_commune": _("Phân công nhân viên thu"), "commune_boundary": _("Ranh giới"),
        },
        "field_labels": {
            "code": _("Mã"), "name": _("Tên"), "kind": _("Loại"), "district_id": _("Huyện (id)"),
            "version_id": _("Phiên bản địa giới"), "commune_id": _("Xã (id)"),
            "lost_state_hi_people": _("Số người mất thẻ BHYT do NSNN đóng"),
            "year": _("Năm"), "population": _("Dân số"),
            "labour_force": _("Lực lượng lao động trong độ tuổi"), "source": _("Nguồn"),
            "period": _("Tháng"), "hi_participants": _("Người tham gia BHYT"),
            "si_compulsory": _("BHXH bắt buộc"), "si_voluntary": _("BHXH tự nguyện"),
            "ui_participants": _("BHTN"), "scheme_id": _("Danh mục (id)"), "category": _("Phân loại"),
            "valid_from": _("Từ ngày"), "valid_to": _("Đến ngày"), "user_id": _("Người dùng (id)"),
        },
    }


@bp.app_errorhandler(413)
def upload_too_large(_error):
    limit = current_app.config["MAX_UPLOAD_BYTES"]
    return render_template("areas/too_large.html", limit=limit), 413


# --- fetch-or-404 helpers -----------------------------------------------------------------

def _version():
    version = registry.current_version(session=get_session())
    if version is None:
        abort(404)
    return version


def _visible_commune(code):
    """The commune with this code in the current version, if the user may see it (else 404)."""
    db = get_session()
    commune = registry.find_commune(session=db, version=_version(), code=code)
    if commune is None or not scope.can_view_commune(g.user, commune, session=db):
        abort(404)
    return commune


def _editable_commune(code):
    """A visible commune the user may edit (403 when they may only look)."""
    commune = _visible_commune(code)
    scope.require(scope.can_edit_commune(g.user, commune))
    return commune


# --- lists --------------------------------------------------------------------------------

@bp.route("/districts")
def districts():
    db = get_session()
    version = registry.current_version(session=db)
    data = registry.district_rows(session=db, user=g.user, version=version) if version else None
    return render_template("areas/districts.html", version=version, data=data)


@bp.route("/districts/<code>")
def district(code):
    db = get_session()
    version = _version()
    found = registry.find_district(session=db, version=version, code=code)
    if found is None or db.execute(
        select(District.id).where(District.id == found.id, scope.district_filter(g.user))
    ).first() is None:
        abort(404)
    data = registry.commune_rows(session=db, user=g.user, version=version, district_code=code,
                                 page_size=10_000)
    return render_template("areas/district.html", district=found, version=version, data=data)


def _filters():
    return {key: request.args.get(key, "").strip() for key in ("q", "district", "kind", "region")}


@bp.route("/communes")
def communes():
    db = get_session()
    version = registry.current_version(session=db)
    filters = _filters()
    page = request.args.get("page", 1, type=int) or 1
    data, district_choices = None, []
    if version is not None:
        data = registry.commune_rows(
            session=db, user=g.user, version=version, q=filters["q"], district_code=filters["district"],
            kind=filters["kind"], region=filters["region"], page=page,
            page_size=current_app.config.get("PAGE_SIZE", 50),
        )
        district_choices = db.execute(
            select(District).where(District.version_id == version.id, scope.district_filter(g.user))
            .order_by(District.code)
        ).scalars().all()
    return render_template("areas/communes.html", version=version, data=data, filters=filters,
                           district_choices=district_choices, kind_labels=commune_kind_labels())


# --- a commune ----------------------------------------------------------------------------

HISTORY_PAGE = 20  # audit events per page on a commune's page


@bp.route("/communes/<code>")
def commune(code):
    """A commune's page; ?version=<id> shows a unit of an older version (what it was merged into),
    to province-wide users and to those who see one of its communes of today."""
    from types import SimpleNamespace

    from planner.models import CrosswalkLink
    from planner.services import reforms

    db = get_session()
    current = _version()
    version = current
    wanted = request.args.get("version", type=int)
    if wanted is not None and wanted != current.id:
        version = db.get(HierarchyVersion, wanted)
        found = registry.find_commune(session=db, version=version, code=code) if version else None
        if found is None:
            abort(404)
        if not scope.is_province_wide(g.user) and db.execute(
            select(Commune.id).join(CrosswalkLink, CrosswalkLink.to_commune_id == Commune.id)
            .where(CrosswalkLink.from_commune_id == found.id, Commune.version_id == current.id,
                   scope.commune_filter(g.user)).limit(1)).first() is None:
            abort(404)
    else:
        found = _visible_commune(code)
    is_current = version.id == current.id
    history_pages = max(1, -(-registry.audit_history_count(session=db, commune=found) // HISTORY_PAGE))
    history_page = min(max(1, request.args.get("history_page", 1, type=int)), history_pages)
    on = registry.reference_date(version)
    this_year = date.today().year
    target_years = (this_year, this_year + 1)
    comparison_year, comparison = reforms.targets_beside_history(
        session=db, commune=found, years=target_years) if is_current else (None, [])
    classifications = [
        {"scheme": p.scheme, "day": p.day, "in_force": p.in_force, "inherited": p.inherited,
         "parts": [(_("ngoài danh sách") if cat == reforms.NONE else
                    scheme_label(p.scheme, SimpleNamespace(category=cat)), share) for cat, share in p.shares.items()]}
        for p in reforms.schemes_with_parts(session=db, commune=found, on=on)]
    return render_template(
        "areas/commune.html",
        commune=found,
        version=version,
        is_current=is_current,
        district=db.get(District, found.district_id),
        figures=registry.commune_figures(session=db, commune=found),
        classifications=classifications,
        predecessors=reforms.predecessors(session=db, commune=found),
        successors=reforms.successors(session=db, commune=found),
        lost_people=reforms.lost_card_people(session=db, version=version, commune_ids=[found.id]).get(found.id, 0),
        comparison_year=comparison_year,
        comparison=comparison,
        target_years=target_years,
        history=_readable_history(registry.audit_history(
            session=db, commune=found, limit=HISTORY_PAGE, offset=(history_page - 1) * HISTORY_PAGE)),
        history_page=history_page,
        history_pages=history_pages,
        can_edit=is_current and scope.can_edit_commune(g.user, found),
        delete_form=forms.DeleteForm(),
        today=on,
        scheme_label=scheme_label,
        **audit_labels(),
    )


# Columns the reader does not need in the trail: the row's own keys.
_HIDDEN_IN_HISTORY = {"id", "commune_id", "version_id"}
VIETNAM_TIME = timezone(timedelta(hours=7))  # no daylight saving in Vietnam


def _readable_history(history):
    """Turn ids, dates, counts and kinds in audit values into what a reader understands."""
    db = get_session()
    names = {
        "district_id": dict(db.execute(select(District.id, District.name)).all()),
        "scheme_id": dict(db.execute(select(ClassificationScheme.id, ClassificationScheme.name)).all()),
        "user_id": dict(db.execute(select(User.id, User.username)).all()),
    }

    def show(key, value):
        if value is None or value == "":
            return "–"
        if key in names:
            return names[key].get(value, value)
        if key == "kind":
            return commune_kind_label(value)
        if key == "period":
            return fmt_month(date.fromisoformat(value))
        if key in ("valid_from", "valid_to"):
            return fmt_date(value)
        if isinstance(value, int) and not isinstance(value, bool) and key != "year":
            return fmt_number(value)
        return value

    for item in history:
        at = item["event"].at
        if at.tzinfo is None:
            at = at.replace(tzinfo=timezone.utc)
        item["at"] = at.astimezone(VIETNAM_TIME)
        item["changes"] = [(key, show(key, old), show(key, new)) for key, old, new in item["changes"]
                           if key not in _HIDDEN_IN_HISTORY]
    return history


def _district_choices(version):
    stmt = select(District).where(District.version_id == version.id).order_by(District.code)
    if not scope.is_province_wide(g.user):
        stmt = stmt.where(District.id == g.user.district_id)
    return [forms.SelectChoice(d.id, f"{d.code} – {d.name}") for d in get_session().execute(stmt).scalars()]


@bp.route("/communes/<code>/edit", methods=["GET", "POST"])
def edit_commune(code):
    db = get_session()
    found = _editable_commune(code)
    taken = db.execute(
        select(Commune.code).where(Commune.version_id == found.version_id, Commune.id != found.id)
    ).scalars().all()
    form = forms.CommuneForm(obj=found, taken_codes=taken)
    version = _version()
    form.district_id.choices = _district_choices(version)
    form.district_id.label.text = middle_label(version)
    if form.validate_on_submit():
        form.populate_obj(found)
        if found.lost_state_hi_people is None:
            found.lost_state_hi_people = 0
        db.commit()
        flash(_("Đã lưu thông tin xã."), "success")
        return redirect(url_for("areas.commune", code=found.code))
    return _form_page(form, found, _("Sửa thông tin %(name)s", name=found.name))


def _form_page(form, commune, title):
    status = 400 if form.errors else 200
    return render_template("areas/form.html", form=form, commune=commune, title=title), status


# --- denominators (population, labour force) per year ------------------------------------

def _denominator(commune, year):
    record = get_session().execute(
        select(Denominator).where(Denominator.commune_id == commune.id, Denominator.year == year)
    ).scalars().first()
    if record is None:
        abort(404)
    return record


@bp.route("/communes/<code>/denominators/new", methods=["GET", "POST"],
          defaults={"year": None}, endpoint="add_denominator")
@bp.route("/communes/<code>/denominators/<int:year>/edit", methods=["GET", "POST"])
def edit_denominator(code, year):
    db = get_session()
    found = _editable_commune(code)
    record = _denominator(found, year) if year is not None else None
    taken = db.execute(select(Denominator.year).where(
        Denominator.commune_id == found.id, Denominator.year != (year or -1))).scalars().all()
    form = forms.DenominatorForm(obj=record, taken_years=taken)
    if form.validate_on_submit():
        if record is None:
            record = Denominator(commune_id=found.id, year=form.year.data, population=0, labour_force=0)
            db.add(record)
        form.populate_obj(record)
        db.commit()
        flash(_("Đã lưu dân số và lực lượng lao động năm %(year)s.", year=record.year), "success")
        return redirect(url_for("areas.commune", code=found.code) + "#figures")
    title = (_("Sửa dân số năm %(year)s – %(name)s", year=year, name=found.name) if record
             else _("Thêm dân số, lực lượng lao động – %(name)s", name=found.name))
    return _form_page(form, found, title)


@bp.route("/communes/<code>/denominators/<int:year>/delete", methods=["POST"])
def delete_denominator(code, year):
    db = get_session()
    found = _editable_commune(code)
    record = _denominator(found, year)
    return _delete_row(db, found, record, _("Đã xóa số liệu năm %(year)s.", year=year), "#figures")


def _delete_row(db, commune, record, message, anchor):
    """Delete a figures row when the (CSRF-checked) delete form was posted, then go back."""
    if forms.DeleteForm().validate_on_submit():
        db.delete(record)
        db.commit()
        flash(message, "success")
    return redirect(url_for("areas.commune", code=commune.code) + anchor)


# --- coverage records per month -----------------------------------------------------------

def _coverage(commune, month):
    period = _period_or_404(month)
    record = get_session().execute(
        select(CoverageRecord).where(CoverageRecord.commune_id == commune.id, CoverageRecord.period == period)
    ).scalars().first()
    if record is None:
        abort(404)
    return record


def _period_or_404(month):
    try:
        return imports.parse_month(month)
    except imports.CellError:
        abort(404)


@bp.route("/communes/<code>/coverage/new", methods=["GET", "POST"],
          defaults={"month": None}, endpoint="add_coverage")
@bp.route("/communes/<code>/coverage/<month>/edit", methods=["GET", "POST"])
def edit_coverage(code, month):
    db = get_session()
    found = _editable_commune(code)
    record = _coverage(found, month) if month is not None else None
    taken = db.execute(select(CoverageRecord.period).where(
        CoverageRecord.commune_id == found.id,
        CoverageRecord.id != (record.id if record else -1))).scalars().all()
    form = forms.CoverageForm(
        obj=record, taken_periods=taken,
        population_of=lambda year: registry.population_of(session=db, commune_id=found.id, year=year),
    )
    if request.method == "GET" and record is not None:
        form.period.data = record.period.strftime("%m/%Y")
    if form.validate_on_submit():
        if record is None:
            record = CoverageRecord(commune_id=found.id, period=form.month)
            db.add(record)
        form.populate_obj(record)
        record.period = form.month
        db.commit()
        flash(_("Đã lưu số người tham gia tháng %(month)s.", month=record.period.strftime("%m/%Y")), "success")
        return redirect(url_for("areas.commune", code=found.code) + "#coverage")
    title = (_("Sửa số người tham gia tháng %(month)s – %(name)s", month=record.period.strftime("%m/%Y"),
               name=found.name) if record
             else _("Thêm số người tham gia theo tháng – %(name)s", name=found.name))
    return _form_page(form, found, title)


@bp.route("/communes/<code>/coverage/<month>/delete", methods=["POST"])
def delete_coverage(code, month):
    db = get_session()
    found = _editable_commune(code)
    record = _coverage(found, month)
    return _delete_row(db, found, record, _("Đã xóa số liệu tháng %(month)s.", month=record.period.strftime("%m/%Y")),
                       "#coverage")


# --- imports ------------------------------------------------------------------------------

@bp.route("/import", methods=["GET", "POST"])
def import_data():
    scope.require(scope.can_import(g.user))
    form = forms.ImportForm()
    result, status = None, 200
    limit = current_app.config["MAX_UPLOAD_BYTES"]
    if form.validate_on_submit():
        upload = form.file.data
        data = upload.read(limit + 1)
        if len(data) > limit:
            form.file.errors.append(_("Tệp quá lớn: giới hạn là %(limit)s byte (%(mb)s MB). Hãy chia nhỏ tệp.",
                                      limit=f"{limit:,}".replace(",", "."), mb=round(limit / 1048576, 1)))
            status = 413
        else:
            result = imports.run_import(session=get_session(), kind=form.kind.data,
                                        filename=upload.filename or "", data=data,
                                        dry_run=form.dry_run.data, user=g.user, max_bytes=limit)
            status = 200 if result.ok else 422
    elif form.errors:
        status = 400
    version = registry.current_version(session=get_session())
    return render_template("areas/import.html", form=form, result=result, kinds=forms.IMPORT_KIND_CHOICES,
                           columns=imports.COLUMNS, version=version,
                           office=middle_level(version) == "office"), status


@bp.route("/import/template/<kind>.csv")
def import_template(kind):
    scope.require(scope.can_import(g.user))
    if kind not in imports.KINDS:
        abort(404)
    return Response(imports.template_csv(kind), mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename=mau-{kind}.csv"})
