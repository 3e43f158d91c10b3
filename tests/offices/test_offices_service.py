"""planner.services.offices: rename, move a commune, merge, delete; every refusal changes nothing;
each edit leaves an OfficeAreaChange row and audit events in the same transaction."""
import json
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from planner.models import (
    AuditEvent, Campaign, Commune, District, OfficeAreaChange, Target, TargetRevision, User,
)
from planner import audit
from planner.services import offices
from planner.services.offices import OfficeError
from tests import builders

DAY = date(2026, 12, 1)


def _count(session, model):
    return session.execute(select(func.count()).select_from(model)).scalar()


def _snapshot(session):
    """Everything an office edit may touch, to prove a refusal changed nothing."""
    session.expire_all()
    return {
        "districts": session.execute(select(District.id, District.name).order_by(District.id)).all(),
        "communes": session.execute(select(Commune.id, Commune.district_id).order_by(Commune.id)).all(),
        "users": session.execute(select(User.id, User.district_id).order_by(User.id)).all(),
        "targets": session.execute(select(Target.id, Target.unit_id, Target.people, Target.parent_id,
                                          Target.version).order_by(Target.id)).all(),
        "campaigns": session.execute(select(Campaign.id, Campaign.district_id)).all(),
        "changes": _count(session, OfficeAreaChange),
        "audit": _count(session, AuditEvent),
    }


@pytest.fixture
def refused(session):
    """refused(callable, message part): OfficeError with that message, and nothing changed."""
    def check(call, part):
        before = _snapshot(session)
        with pytest.raises(OfficeError) as caught:
            call()
        assert part in str(caught.value), str(caught.value)
        session.rollback()
        assert _snapshot(session) == before
        return str(caught.value)
    return check


# --- rename -------------------------------------------------------------------------------------

def test_rename_records_a_dated_change_and_an_audit_event(session, ow):
    office, admin = ow["offices"]["418"], ow["users"]["admin"]
    with audit.acting_as(admin.id, admin.username):  # what the signed-in request sets
        change = offices.rename(session=session, office=office, new_name="  BHXH cơ sở  Tương Dương - Kỳ Sơn ",
                                effective_on=DAY, user=admin)
    session.expire_all()
    assert session.get(District, office.id).name == "BHXH cơ sở Tương Dương - Kỳ Sơn"
    stored = session.get(OfficeAreaChange, change.id)
    assert (stored.kind, stored.effective_on, stored.district_id, stored.username, stored.user_id) == \
        ("rename", DAY, office.id, "admin", admin.id)
    assert stored.summary == ("Đổi tên BHXH cơ sở Tương Dương thành BHXH cơ sở Tương Dương - Kỳ Sơn, "
                              "hiệu lực từ 01/12/2026.")
    events = session.execute(select(AuditEvent).where(AuditEvent.entity == "district",
                                                      AuditEvent.entity_id == str(office.id))).scalars().all()
    assert [e.action for e in events] == ["create", "update"]
    assert json.loads(events[1].before)["name"] == "BHXH cơ sở Tương Dương"
    assert (events[1].username, events[1].user_id) == ("admin", admin.id)
    assert session.execute(select(AuditEvent).where(AuditEvent.entity == "office_area_change")).scalars().first()


@pytest.mark.parametrize("name,part", [
    ("   ", "Hãy nhập tên mới"),
    ("bhxh cơ sở vinh", "Đã có đơn vị tên “BHXH cơ sở Vinh” (mã 412)"),
    ("BHXH cơ sở Tương Dương", "Tên mới giống tên hiện tại"),
    ("x" * 121, "Tên tối đa 120 ký tự"),
])
def test_rename_refusals(session, ow, refused, name, part):
    refused(lambda: offices.rename(session=session, office=ow["offices"]["418"], new_name=name, effective_on=DAY,
                                   user=ow["users"]["admin"]), part)


@pytest.mark.parametrize("day,part", [
    (None, "Hãy nhập ngày hiệu lực"),
    (date(2025, 6, 30), "Ngày hiệu lực 30/06/2025 trước ngày phiên bản địa giới Test 2025 có hiệu lực (01/07/2025)"),
    (date.today() + timedelta(days=400), "quá xa: chỉ ghi được đến"),
])
def test_bad_dates_are_refused(session, ow, refused, day, part):
    refused(lambda: offices.rename(session=session, office=ow["offices"]["418"], new_name="BHXH cơ sở Mới",
                                   effective_on=day, user=ow["users"]["admin"]), part)


def test_date_after_the_version_ended_is_refused(session, ow):
    version = ow["version"]
    version.valid_to = date(2026, 6, 30)
    with pytest.raises(OfficeError, match="sau ngày phiên bản địa giới Test 2025 hết hiệu lực"):
        offices.check_effective_on(version=version, effective_on=date(2026, 7, 1), today=date(2026, 12, 2))
    offices.check_effective_on(version=version, effective_on=date(2026, 6, 30), today=date(2026, 12, 2))
    assert offices.latest_effective_day(date(2028, 2, 29)) == date(2029, 2, 28)


def test_districts_are_not_edited_here(session, refused):
    world = builders.small_province(session)
    message = refused(lambda: offices.rename(session=session, office=world["districts"]["412"],
                                             new_name="Thành phố Vinh mới", effective_on=date(2024, 6, 1),
                                             user=world["users"]["admin"]), "chia theo huyện")
    assert "Test 2020–2024" in message
    assert offices.find_office(session=session, office_id=world["districts"]["412"].id) is None


# --- move a commune -----------------------------------------------------------------------------

def test_preview_of_a_move_says_what_changes_and_writes_nothing(session, ow):
    before = _snapshot(session)
    preview = offices.preview_move(session=session, commune=ow["communes"]["16738"], to_office=ow["offices"]["412"],
                                   effective_on=DAY)
    assert _snapshot(session) == before
    shifts = {(s.metric, s.year): s for s in preview.shifts}
    hi = shifts[("hi_coverage", 2026)]
    assert (hi.people, hi.from_sum, hi.from_target, hi.to_sum, hi.to_target) == (7600, 3800, 11400, 36400, 28800)
    assert hi.from_gap == -7600 and hi.to_gap == 7600
    vsi = shifts[("voluntary_si", 2027)]
    assert (vsi.people, vsi.from_sum, vsi.from_target, vsi.to_sum, vsi.to_target) == (300, 0, None, 300, None)
    assert [a.username for a in preview.agents] == ["agent-16738"]
    lines = preview.lines()
    assert lines[0] == "Xã Mường Xén chuyển từ BHXH cơ sở Kỳ Sơn sang BHXH cơ sở Vinh, hiệu lực từ 01/12/2026."
    assert ("Chỉ tiêu 2026 «Tỷ lệ bao phủ BHYT (% dân số)» của xã (7.600 người) chuyển từ BHXH cơ sở Kỳ Sơn sang "
            "BHXH cơ sở Vinh; tổng chỉ tiêu các xã của BHXH cơ sở Kỳ Sơn còn 3.800 người (chỉ tiêu của BHXH cơ sở "
            "Kỳ Sơn: 11.400 người), của BHXH cơ sở Vinh thành 36.400 người (chỉ tiêu của BHXH cơ sở Vinh: "
            "28.800 người).") in lines
    assert any("2027 «Người tham gia BHXH tự nguyện (người)»" in line and "chưa giao" in line for line in lines)


def test_move_keeps_the_communes_targets_and_history_and_records_the_change(session, ow):
    commune, kyson, vinh = ow["communes"]["16738"], ow["offices"]["417"], ow["offices"]["412"]
    plan = ow["plan"]
    before = {t.id: (t.unit_id, t.level, t.value, t.people, t.year) for t in
              session.execute(select(Target)).scalars()}
    revisions = _count(session, TargetRevision)
    change = offices.move_commune(session=session, commune=commune, to_office=vinh, effective_on=DAY,
                                  user=ow["users"]["admin"])
    session.expire_all()
    assert session.get(Commune, commune.id).district_id == vinh.id
    after = {t.id: (t.unit_id, t.level, t.value, t.people, t.year) for t in session.execute(select(Target)).scalars()}
    assert after == before  # no target moved, changed or deleted
    assert _count(session, TargetRevision) == revisions
    # The commune's 2026 target now hangs under Vinh's, so "children sum to the parent" speaks of Vinh's communes.
    assert session.get(Target, plan["16738"].id).parent_id == plan["412"].id
    assert session.get(Target, plan["16738_vsi"].id).parent_id is None
    assert session.get(User, ow["users"]["agent_ks"].id).district_id == vinh.id  # follows its only commune
    assert session.get(User, ow["users"]["other_head"].id).district_id == kyson.id  # the head keeps the office
    stored = session.get(OfficeAreaChange, change.id)
    assert (stored.kind, stored.district_id, stored.other_district_id, stored.commune_id) == \
        ("move", kyson.id, vinh.id, commune.id)
    assert "tổng chỉ tiêu các xã của BHXH cơ sở Kỳ Sơn còn 3.800 người" in stored.summary
    assert "Nhân viên thu của xã chuyển theo sang BHXH cơ sở Vinh: agent-16738." in stored.summary
    update = session.execute(select(AuditEvent).where(AuditEvent.entity == "commune", AuditEvent.action == "update",
                                                      AuditEvent.commune_id == commune.id)).scalars().one()
    assert json.loads(update.before)["district_id"] == kyson.id and json.loads(update.after)["district_id"] == vinh.id
    # the move record is on the commune's own trail too
    assert session.execute(select(AuditEvent).where(AuditEvent.entity == "office_area_change",
                                                    AuditEvent.commune_id == commune.id)).scalars().one()
    assert [c.id for c in offices.history(session=session, office=kyson)] == [change.id]
    assert [c.id for c in offices.history(session=session, office=vinh)] == [change.id]


def test_moving_the_last_commune_says_the_office_is_left_empty(session, ow):
    preview = offices.preview_move(session=session, commune=ow["communes"]["16800"], to_office=ow["offices"]["417"],
                                   effective_on=DAY)
    assert preview.left_communes == 0
    assert "BHXH cơ sở Tương Dương sẽ không còn xã nào." in preview.lines()
    assert "Xã chưa được giao chỉ tiêu riêng; chỉ tiêu của hai đơn vị không đổi." in preview.lines()


def test_move_refusals(session, ow, refused):
    admin = ow["users"]["admin"]
    c = ow["communes"]["16738"]
    refused(lambda: offices.move_commune(session=session, commune=c, to_office=ow["offices"]["417"],
                                         effective_on=DAY, user=admin), "Xã Mường Xén đã thuộc BHXH cơ sở Kỳ Sơn")
    refused(lambda: offices.move_commune(session=session, commune=c, to_office=ow["old_district"],
                                         effective_on=DAY, user=admin),
            "Thành phố Vinh không thuộc phiên bản địa giới hiện hành (Test 2025)")
    refused(lambda: offices.move_commune(session=session, commune=ow["old_commune"], to_office=ow["offices"]["412"],
                                         effective_on=DAY, user=admin),
            "Phường Đông Vĩnh không thuộc phiên bản địa giới hiện hành")
    refused(lambda: offices.move_commune(session=session, commune=c, to_office=ow["offices"]["412"],
                                         effective_on=date(2024, 1, 1), user=admin), "trước ngày phiên bản")
    refused(lambda: offices.move_commune(session=session, commune=c, to_office=None, effective_on=DAY, user=admin),
            "Hãy chọn BHXH cơ sở nhận xã")


# --- merge --------------------------------------------------------------------------------------

def test_merge_is_refused_while_the_source_has_targets(session, ow, refused):
    refused(lambda: offices.merge(session=session, source=ow["offices"]["417"], into=ow["offices"]["412"],
                                  effective_on=DAY, user=ow["users"]["admin"]),
            "BHXH cơ sở Kỳ Sơn còn chỉ tiêu của chính đơn vị các năm 2026: hãy phân bổ lại")
    refused(lambda: offices.merge(session=session, source=ow["offices"]["412"], into=ow["offices"]["412"],
                                  effective_on=DAY, user=ow["users"]["admin"]), "chính nó")
    refused(lambda: offices.merge(session=session, source=ow["offices"]["418"], into=ow["old_district"],
                                  effective_on=DAY, user=ow["users"]["admin"]), "không thuộc phiên bản")


def test_merge_moves_everything_and_deletes_the_empty_source(session, ow):
    source, into = ow["offices"]["418"], ow["offices"]["417"]
    zero_target = ow["plan"]["418"]
    preview = offices.preview_merge(session=session, source=source, into=into, effective_on=DAY)
    assert [c.code for c in preview.communes] == ["16800"] and [u.username for u in preview.heads] == ["head-418"]
    assert preview.campaigns == 1 and [t.id for t in preview.zero_targets] == [zero_target.id]
    change = offices.merge(session=session, source=source, into=into, effective_on=DAY, user=ow["users"]["admin"])
    session.expire_all()
    assert session.get(District, source.id) is None
    assert session.get(Commune, ow["communes"]["16800"].id).district_id == into.id
    assert session.get(User, ow["users"]["head_418"].id).district_id == into.id  # the head keeps an area
    assert session.get(Campaign, ow["campaign"].id).district_id == into.id  # not deleted with the office
    assert session.get(Target, zero_target.id) is None
    assert session.get(Target, ow["plan"]["417"].id) is not None
    stored = session.get(OfficeAreaChange, change.id)
    assert (stored.kind, stored.district_id, stored.other_district_id) == ("merge", into.id, None)
    assert stored.summary.startswith("Gộp BHXH cơ sở Tương Dương vào BHXH cơ sở Kỳ Sơn, hiệu lực từ 01/12/2026.")
    assert "1 xã chuyển sang BHXH cơ sở Kỳ Sơn: Xã Tam Quang." in stored.summary
    assert "Lãnh đạo của BHXH cơ sở Tương Dương chuyển sang BHXH cơ sở Kỳ Sơn: head-418." in stored.summary
    assert "Các chỉ tiêu bằng 0 của BHXH cơ sở Tương Dương (năm 2026) được xóa cùng đơn vị." in stored.summary
    deleted = session.execute(select(AuditEvent).where(AuditEvent.entity == "district", AuditEvent.action == "delete",
                                                       AuditEvent.entity_id == str(source.id))).scalars().one()
    assert json.loads(deleted.before)["name"] == "BHXH cơ sở Tương Dương"
    assert [c.id for c in offices.history(session=session, office=into)] == [change.id]


def test_merge_carries_commune_targets_into_the_new_sums(session, ow):
    """Once Kỳ Sơn's own target is 0 (re-split), it merges into Vinh and its communes' targets follow."""
    from planner.services import targets

    targets.set_target(session=session, user=ow["users"]["leader"], metric="hi_coverage", level="district",
                       unit_id=ow["offices"]["417"].id, year=2026, value=0.0, reason="Gộp vào Vinh")
    preview = offices.preview_merge(session=session, source=ow["offices"]["417"], into=ow["offices"]["412"],
                                    effective_on=DAY)
    hi = [s for s in preview.shifts if s.metric == "hi_coverage"][0]
    assert (hi.people, hi.to_sum, hi.to_target) == (11400, 40200, 28800)
    offices.merge(session=session, source=ow["offices"]["417"], into=ow["offices"]["412"], effective_on=DAY,
                  user=ow["users"]["admin"])
    session.expire_all()
    assert session.get(Target, ow["plan"]["16750"].id).parent_id == ow["plan"]["412"].id
    assert session.get(Target, ow["plan"]["16750"].id).people == 3800


# --- delete, and the rules that keep every commune and head in an office ------------------------

def test_delete_refusals_and_deleting_an_empty_office(session, ow, refused):
    admin, tuongduong = ow["users"]["admin"], ow["offices"]["418"]
    refused(lambda: offices.delete_office(session=session, office=tuongduong, effective_on=DAY, user=admin),
            "BHXH cơ sở Tương Dương còn 1 xã")
    offices.move_commune(session=session, commune=ow["communes"]["16800"], to_office=ow["offices"]["417"],
                         effective_on=DAY, user=admin)
    refused(lambda: offices.delete_office(session=session, office=tuongduong, effective_on=DAY, user=admin),
            "còn người dùng phụ trách (head-418)")
    head = session.get(User, ow["users"]["head_418"].id)
    head.district_id = ow["offices"]["417"].id
    session.commit()
    refused(lambda: offices.delete_office(session=session, office=tuongduong, effective_on=DAY, user=admin),
            "còn chỉ tiêu các năm 2026")
    session.delete(session.get(Target, ow["plan"]["418"].id))
    session.commit()
    refused(lambda: offices.delete_office(session=session, office=tuongduong, effective_on=DAY, user=admin),
            "còn 1 chiến dịch")
    session.delete(session.get(Campaign, ow["campaign"].id))
    session.commit()
    change = offices.delete_office(session=session, office=tuongduong, effective_on=DAY, user=admin)
    session.expire_all()
    assert session.get(District, tuongduong.id) is None
    stored = session.get(OfficeAreaChange, change.id)
    assert stored.kind == "delete" and stored.district_id is None
    assert stored.summary == "Xóa BHXH cơ sở Tương Dương (mã 418), hiệu lực từ 01/12/2026."
    assert [c.kind for c in offices.history(session=session, version=ow["version"])] == ["delete", "move"]


def test_office_rows_count_communes_population_and_heads(session, ow):
    rows, year = offices.office_rows(session=session, version=ow["version"])
    assert year == 2025
    got = {r["office"].code: (r["communes"], r["population"], [u.username for u in r["heads"]]) for r in rows}
    assert got == {"412": (2, 30000, ["head-412"]), "417": (2, 12000, ["head-417"]), "418": (1, 6000, ["head-418"])}
