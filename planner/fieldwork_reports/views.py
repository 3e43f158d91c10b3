"""Field-work management pages. The rules live in planner.services.fieldwork_reports; these views
check who may do what, read the filters and draw the pages.

Who may do what: leaders and admins everything, province-wide; a district head their district's
campaigns, agents and cash; a collection agent reads campaigns, their own profile, their own
activity and their own cash row, and changes nothing here.
"""
from datetime import date, timedelta

from flask import Blueprint, Response, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import false, func, or_, select
from werkzeug.datastructures import MultiDict
from wtforms.fields.choices import SelectChoice

from planner.db import get_session
from planner.fieldwork_reports import export, forms
from planner.models import (
    AgentProfile, Campaign, CashHandover, Commune, Conference, District, User, UserCommune,
)
from planner.services import fieldwork_reports as reports
from planner.i18n import current_hierarchy
from planner.services import registry, scope
from planner.services.hierarchy import middle_label

bp = Blueprint("fieldwork_reports", __name__)

MANAGERS = ("leader", "admin", "district_head")


def _require_manager():
    scope.require(g.user.role in MANAGERS)


def _filter_data(defaults):
    """The query string over the defaults: a parameter left blank takes its default."""
    data = dict(defaults)
    data.update({k: v for k, v in request.args.items() if v.strip()})
    return MultiDict(data)


def _districts_in_scope(db):
    """The current version's districts the user may see (a head: theirs), by code."""
    version = registry.current_version(session=db)
    if version is None:
        return []
    return db.execute(select(District).where(District.version_id == version.id, scope.district_filter(g.user))
                      .order_by(District.code)).scalars().all()


def _district_filter_choices(db):
    """Choices of a report's district filter: the whole scope, or one district (from July 2025 one
    grassroots office area) in it."""
    everything = _("Toàn tỉnh") if scope.is_province_wide(g.user) else _("Tất cả trong phạm vi")
    districts = _districts_in_scope(db)
    return [SelectChoice("", everything)] + [SelectChoice(d.code, f"{d.code} – {d.name}") for d in districts], \
        {d.code: d for d in districts}


def _middle_filter(form, db):
    """Fill the report form's district filter and name it after the current middle level."""
    form.district.choices, by_code = _district_filter_choices(db)
    form.district.label.text = middle_label(current_hierarchy())
    return by_code


def _scope_label(district):
    if district is not None:
        return district.name
    if scope.is_province_wide(g.user):
        return _("Toàn tỉnh")
    if g.user.role == "district_head" and g.user.district_id:
        found = get_session().get(District, g.user.district_id)
        return found.name if found else middle_label(current_hierarchy(), "yours")
    return g.user.full_name or g.user.username


def _labels():
    return {"format_labels": forms.format_labels(), "audience_labels": forms.audience_labels(),
            "organisation_labels": forms.organisation_labels()}


def _xlsx(data, filename):
    return Response(data, mimetype=export.MIMETYPE,
                    headers={"Content-Disposition": f"attachment; filename={filename}"})


# --- campaigns ------------------------------------------------------------------------------

def _visible_campaigns():
    """Province-wide campaigns and those of the user's district (leaders: all)."""
    stmt = select(Campaign)
    if not scope.is_province_wide(g.user):
        stmt = stmt.where(or_(Campaign.district_id.is_(None), Campaign.district_id == g.user.district_id))
    return stmt


def _can_edit_campaign(campaign):
    if scope.is_province_wide(g.user):
        return True
    return g.user.role == "district_head" and campaign is not None and campaign.district_id is not None \
        and campaign.district_id == g.user.district_id


@bp.route("/campaigns")
def campaigns():
    db = get_session()
    rows = db.execute(_visible_campaigns().order_by(Campaign.start_date.desc(), Campaign.id.desc())).scalars().all()
    ids = [c.id for c in rows]
    counts = dict(db.execute(
        select(Conference.campaign_id, func.count(Conference.id))
        .where(Conference.campaign_id.in_(ids), Conference.status == "approved")
        .group_by(Conference.campaign_id)).all()) if ids else {}
    districts = dict(db.execute(select(District.id, District.name)).all())
    return render_template("fieldwork_reports/campaigns.html", campaigns=rows, counts=counts, districts=districts,
                           can_create=g.user.role in MANAGERS, can_edit=_can_edit_campaign, **_labels())


def _campaign_scope_choices(db):
    districts = _districts_in_scope(db)
    choices = [SelectChoice("", _("Toàn tỉnh"))] if scope.is_province_wide(g.user) else []
    return choices + [SelectChoice(str(d.id), f"{d.code} – {d.name}") for d in districts]


@bp.route("/campaigns/new", methods=["GET", "POST"], defaults={"campaign_id": None}, endpoint="new_campaign")
@bp.route("/campaigns/<int:campaign_id>/edit", methods=["GET", "POST"])
def edit_campaign(campaign_id):
    _require_manager()
    db = get_session()
    campaign = None
    if campaign_id is not None:
        campaign = db.execute(_visible_campaigns().where(Campaign.id == campaign_id)).scalars().first()
        if campaign is None:
            abort(404)
        scope.require(_can_edit_campaign(campaign))
    form = forms.CampaignForm(data=None if campaign is None else {
        "name": campaign.name, "start_date": campaign.start_date, "end_date": campaign.end_date,
        "district": str(campaign.district_id or ""),
        "target_groups": [x for x in campaign.target_groups.split(",") if x]})
    form.district.choices = _campaign_scope_choices(db)
    if form.validate_on_submit():
        if campaign is None:
            campaign = Campaign(name="", start_date=form.start_date.data, end_date=form.end_date.data,
                                created_by=g.user.username)
            db.add(campaign)
        campaign.name = form.name.data.strip()
        campaign.start_date, campaign.end_date = form.start_date.data, form.end_date.data
        campaign.district_id = int(form.district.data) if form.district.data else None
        campaign.target_groups = ",".join(form.target_groups.data)
        db.commit()
        flash(_("Đã lưu chiến dịch “%(name)s”.", name=campaign.name), "success")
        return redirect(url_for("fieldwork_reports.campaigns"))
    title = _("Sửa chiến dịch") if campaign else _("Thêm chiến dịch")
    return render_template("fieldwork_reports/campaign_form.html", form=form, title=title,
                           campaign=campaign), 400 if form.errors else 200


# --- agents ---------------------------------------------------------------------------------

def _agents_stmt(district=None):
    """Agents the user may see: leaders all (or one district's), heads their district's, an agent themself."""
    stmt = select(User).where(User.role == "agent")
    if g.user.role == "agent":
        return stmt.where(User.id == g.user.id)
    if not scope.is_province_wide(g.user):
        return stmt.where(User.district_id == g.user.district_id) if g.user.district_id else stmt.where(false())
    if district is not None:
        stmt = stmt.where(User.district_id == district.id)
    return stmt


def _can_edit_agent(agent):
    return scope.is_province_wide(g.user) or (
        g.user.role == "district_head" and g.user.district_id is not None and agent.district_id == g.user.district_id)


@bp.route("/agents")
def agents():
    db = get_session()
    choices, by_code = _district_filter_choices(db)
    district = by_code.get(request.args.get("district", ""))
    people = db.execute(_agents_stmt(district).order_by(User.district_id, User.username)).scalars().all()
    ids = [a.id for a in people]
    profiles, communes = {}, {}
    if ids:
        profiles = {p.user_id: p for p in db.execute(
            select(AgentProfile).where(AgentProfile.user_id.in_(ids))).scalars()}
        for user_id, name in db.execute(
                select(UserCommune.user_id, Commune.name).join(Commune, Commune.id == UserCommune.commune_id)
                .where(UserCommune.user_id.in_(ids)).order_by(Commune.name)):
            communes.setdefault(user_id, []).append(name)
    districts = dict(db.execute(select(District.id, District.name)).all())
    return render_template("fieldwork_reports/agents.html", agents=people, profiles=profiles, communes=communes,
                           districts=districts, choices=choices, district=district, can_edit=_can_edit_agent,
                           today=date.today(), **_labels())


@bp.route("/agents/<int:user_id>/edit", methods=["GET", "POST"])
def edit_agent(user_id):
    _require_manager()
    db = get_session()
    agent = db.execute(_agents_stmt().where(User.id == user_id)).scalars().first()
    if agent is None:
        abort(404)
    scope.require(_can_edit_agent(agent))
    profile = db.get(AgentProfile, agent.id)
    form = forms.AgentProfileForm(obj=profile)
    if form.validate_on_submit():
        if profile is None:
            profile = AgentProfile(user_id=agent.id)
            db.add(profile)
        profile.organisation_type = form.organisation_type.data
        profile.organisation_name = (form.organisation_name.data or "").strip()
        profile.phone = (form.phone.data or "").strip()
        profile.active_from, profile.active_to = form.active_from.data, form.active_to.data
        db.commit()
        flash(_("Đã lưu thông tin nhân viên thu %(name)s.", name=agent.full_name or agent.username), "success")
        return redirect(url_for("fieldwork_reports.agents"))
    communes = db.execute(select(Commune.name).join(UserCommune, UserCommune.commune_id == Commune.id)
                          .where(UserCommune.user_id == agent.id).order_by(Commune.name)).scalars().all()
    return render_template("fieldwork_reports/agent_form.html", form=form, agent=agent, communes=communes), \
        400 if form.errors else 200


# --- conversion of conferences --------------------------------------------------------------

def _conversion():
    """(form, report or None, district) from the query string."""
    db = get_session()
    today = reports.reference_day(session=db)
    form = forms.ConversionFilter(_filter_data({
        "from": date(today.year, 1, 1).isoformat(), "to": today.isoformat(),
        "days": str(reports.DEFAULT_WINDOW_DAYS), "district": ""}))
    by_code = _middle_filter(form, db)
    if not form.validate():
        return form, None, None
    district = by_code.get(form.district.data)
    report = reports.conversion_report(session=db, user=g.user, date_from=form["from"].data,
                                       date_to=form["to"].data, window_days=form.days.data,
                                       district_id=district.id if district else None)
    return form, report, district


@bp.route("/conversion")
def conversion():
    form, report, district = _conversion()
    return render_template("fieldwork_reports/conversion.html", form=form, report=report,
                           scope_label=_scope_label(district), **_labels()), 200 if report else 400


@bp.route("/conversion.xlsx")
def conversion_xlsx():
    form, report, district = _conversion()
    if report is None:
        return render_template("fieldwork_reports/conversion.html", form=form, report=None,
                               scope_label=_scope_label(None), **_labels()), 400
    data = export.conversion_workbook(report, format_labels=forms.format_labels(),
                                      audience_labels=forms.audience_labels(), scope_label=_scope_label(district))
    return _xlsx(data, f"hieu-qua-hoi-nghi-{report['date_from']:%Y%m%d}-{report['date_to']:%Y%m%d}.xlsx")


# --- agents' activity -----------------------------------------------------------------------

def _activity():
    db = get_session()
    form = forms.ActivityFilter(_filter_data({"kind": "week", "day": reports.reference_day(session=get_session()).isoformat(),
                                              "district": ""}))
    by_code = _middle_filter(form, db)
    if not form.validate():
        return form, None, None
    district = by_code.get(form.district.data)
    report = reports.agent_summary(session=db, user=g.user, kind=form.kind.data, day=form.day.data,
                                   district_id=district.id if district else None)
    return form, report, district


def _kind_label(kind):
    return _("Tuần") if kind == "week" else _("Tháng")


@bp.route("/agents/activity")
def activity():
    form, report, district = _activity()
    nav = {}
    if report:
        args = {"kind": report["kind"], "district": form.district.data or None}
        before, after = report["start"] - timedelta(days=1), report["end"] + timedelta(days=1)
        nav = {"prev": url_for("fieldwork_reports.activity", day=before.isoformat(), **args),
               "next": url_for("fieldwork_reports.activity", day=after.isoformat(), **args)}
    return render_template("fieldwork_reports/activity.html", form=form, report=report, nav=nav,
                           scope_label=_scope_label(district),
                           kind_label=_kind_label(report["kind"]) if report else ""), 200 if report else 400


@bp.route("/agents/activity.xlsx")
def activity_xlsx():
    form, report, district = _activity()
    if report is None:
        return render_template("fieldwork_reports/activity.html", form=form, report=None, nav={},
                               scope_label=_scope_label(None), kind_label=""), 400
    data = export.activity_workbook(report, kind_label=_kind_label(report["kind"]), scope_label=_scope_label(district))
    return _xlsx(data, f"hoat-dong-nhan-vien-thu-{report['kind']}-{report['start']:%Y%m%d}.xlsx")


# --- cash reconciliation --------------------------------------------------------------------

def _can_record_cash():
    return g.user.role in MANAGERS


def _cash_filter():
    db = get_session()
    today = reports.reference_day(session=db)
    first, last = reports.period_bounds("month", today)
    form = forms.CashFilter(_filter_data({"from": first.isoformat(), "to": last.isoformat(), "district": ""}))
    by_code = _middle_filter(form, db)
    return form, by_code


def _handover_form(formdata=None):
    """The handover form, filled from formdata, or empty (dated today) when formdata is None."""
    form = forms.HandoverForm(formdata=formdata)
    if formdata is None:
        form.handed_on.data = date.today()
    people = get_session().execute(_agents_stmt().where(User.active == True)  # noqa: E712
                                   .order_by(User.username)).scalars().all()
    form.agent.choices = [SelectChoice("", _("— Chọn nhân viên thu —"))] + [
        SelectChoice(str(a.id), f"{a.full_name or a.username} ({a.username})") for a in people]
    return form


def _cash_page(*, handover=None, close=None, status=200):
    """The reconciliation page; forms with errors come back filled in, with status 400."""
    form, by_code = _cash_filter()
    report = None
    district = None
    if form.validate():
        district = by_code.get(form.district.data)
        report = reports.reconciliation(session=get_session(), user=g.user, date_from=form["from"].data,
                                        date_to=form["to"].data, district_id=district.id if district else None)
    elif status == 200:
        status = 400
    can_record = _can_record_cash()
    return render_template(
        "fieldwork_reports/cash.html", form=form, report=report, can_record=can_record,
        handover=handover or (_handover_form() if can_record else None),
        close=close, scope_label=_scope_label(district),
        period_args={"from": form["from"]._value(), "to": form["to"]._value(), "district": form.district.data or None},
    ), status


@bp.route("/cash")
def cash():
    return _cash_page()


@bp.route("/cash/handover", methods=["POST"])
def record_handover():
    scope.require(_can_record_cash())
    form = _handover_form(request.form)
    if not form.validate():
        return _cash_page(handover=form, status=400)
    agent = get_session().get(User, int(form.agent.data))
    db = get_session()
    db.add(CashHandover(agent_id=agent.id, handed_on=form.handed_on.data, amount_vnd=form.amount.data,
                        received_by=g.user.username, note=(form.note.data or "").strip()))
    db.commit()
    flash(_("Đã ghi nhận %(name)s nộp %(amount)s đồng ngày %(day)s.", name=agent.full_name or agent.username,
            amount=f"{form.amount.data:,}".replace(",", "."), day=form.handed_on.data.strftime("%d/%m/%Y")),
          "success")
    return redirect(url_for("fieldwork_reports.cash", **{k: v for k, v in request.args.items() if v}))


@bp.route("/cash/close", methods=["POST"])
def close_difference():
    scope.require(_can_record_cash())
    form = forms.CloseDifferenceForm()
    agent_id = int(form.agent_id.data) if (form.agent_id.data or "").isdigit() else None
    start, end = forms.parse_day(form.period_from.data), forms.parse_day(form.period_to.data)
    if agent_id is None or start is None or end is None or start > end:
        abort(400)
    if not form.validate():
        return _cash_page(close={"agent_id": agent_id, "form": form}, status=400)
    try:
        reports.close_difference(session=get_session(), user=g.user, agent_id=agent_id, date_from=start,
                                 date_to=end, note=form.note.data)
    except ValueError:
        abort(404)  # no figures for an agent in the user's scope and this period
    flash(_("Đã đóng chênh lệch với ghi chú."), "success")
    return redirect(url_for("fieldwork_reports.cash", **{"from": start.isoformat(), "to": end.isoformat()}))
