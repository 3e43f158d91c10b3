"""Imports on an office version (tests/office_world.py): ma_huyen holds the office area's code
(the former district's), ma_bhxh_co_so and ma_huyen_cu are accepted for it, and every message
names the office area; on a district version those two headers are refused with a reason."""
from datetime import date

import pytest
from sqlmodel import select

from planner.models import Commune, CoverageRecord, Denominator
from planner.services import imports
from tests import office_world
from tests.areas.conftest import csv_bytes, xlsx_bytes


@pytest.fixture
def office(session):
    return office_world.four_versions(session)


def run(session, kind, data, filename="f.csv", dry_run=False, user=None):
    return imports.run_import(session=session, kind=kind, filename=filename, data=data, dry_run=dry_run, user=user)


@pytest.mark.parametrize("header", ["ma_huyen", "ma_bhxh_co_so", "Mã BHXH cơ sở", "ma_huyen_cu"])
def test_communes_by_office_code(session, office, header):
    rows = [["ma_xa", "ten_xa", "loai", header, "ten_bhxh_co_so"],
            ["16737", "Xã Mường Xén", "Xã", "417", "BHXH cơ sở Kỳ Sơn"],
            ["16790", "Xã Mới", "Xã", "417", "BHXH cơ sở Kỳ Sơn"]]
    result = run(session, "communes", csv_bytes(rows))
    assert result.errors == [] and (result.created, result.updated) == (1, 1)
    session.expire_all()
    new = session.exec(select(Commune).where(Commune.version_id == office["version"].id,
                                             Commune.code == "16790")).one()
    assert new.district_id == office["office"]["417"].id


def test_office_messages(session, office):
    rows = [["ma_xa", "ten_xa", "loai", "ma_bhxh_co_so"],
            ["16791", "Xã A", "Xã", "414"],
            ["16678", "Phường Thành Vinh", "Phường", "412"],
            ["16740", "Xã Mỹ Lý", "Xã", "417"]]
    result = run(session, "communes", xlsx_bytes(rows), filename="c.xlsx", user=office["users"]["head"])
    messages = [(e.row, e.column, e.message) for e in result.errors]
    assert messages == [
        (2, "ma_bhxh_co_so", "Mã BHXH cơ sở “414” không có trong danh mục hiện hành (Thử 2025-07)."),
        (3, "ma_bhxh_co_so", "BHXH cơ sở “412” không phải đơn vị bạn phụ trách."),
        (3, "ma_xa", "Xã “16678” không thuộc BHXH cơ sở bạn phụ trách."),
    ]
    session.expire_all()
    assert session.exec(select(Commune).where(Commune.code == "16791")).first() is None


def test_figures_of_another_office_area_are_refused_for_a_head(session, office):
    rows = [["ma_xa", "nam", "dan_so", "lao_dong"], ["16737", "2026", "6100", "3000"],
            ["16678", "2026", "32500", "16000"]]
    result = run(session, "denominators", csv_bytes(rows), user=office["users"]["head"])
    assert [e.message for e in result.errors] == ["Xã “16678” không thuộc BHXH cơ sở bạn phụ trách."]
    result = run(session, "denominators", csv_bytes(rows[:2]), user=office["users"]["head"])
    assert result.errors == [] and result.created == 1


def test_coverage_and_denominators_on_the_office_communes(session, office):
    rows = [["ma_xa", "thang", "bhyt", "bhxh_bb", "bhxh_tn", "bhtn"],
            ["16737", "12/2026", "4950", "700", "75", "300"], ["16740", "12/2026", "5400", "800", "90", "350"]]
    result = run(session, "coverage", csv_bytes(rows))
    assert result.errors == [] and result.created == 2
    session.expire_all()
    record = session.exec(select(CoverageRecord).where(
        CoverageRecord.commune_id == office["communes"]["2025-07"]["16740"].id,
        CoverageRecord.period == date(2026, 12, 1))).one()
    assert record.hi_participants == 5400
    bad = run(session, "coverage", csv_bytes([rows[0], ["16741", "12/2026", "1", "1", "1", "1"]]))
    assert bad.errors[0].message == "Mã xã “16741” không có trong danh mục hiện hành (Thử 2025-07)."
    assert run(session, "denominators", csv_bytes([["ma_xa", "nam", "dan_so", "lao_dong"],
                                                   ["16678", "2026", "32500", "16000"]])).created == 1
    assert session.exec(select(Denominator).where(Denominator.year == 2026)).one().population == 32500


def test_office_headers_are_refused_on_a_district_version(session, world):
    rows = [["ma_xa", "ten_xa", "loai", "ma_bhxh_co_so"], ["16663", "Phường Đông Vĩnh", "Phường", "412"]]
    result = run(session, "communes", csv_bytes(rows))
    assert [(e.row, e.column) for e in result.errors] == [(1, "ma_bhxh_co_so")]
    assert "chỉ dùng khi danh mục hiện hành chia theo BHXH cơ sở" in result.errors[0].message
    assert "“ma_huyen”" in result.errors[0].message
    result = run(session, "communes", csv_bytes([["ma_xa", "ten_xa", "loai", "ma_huyen"],
                                                 ["16663", "Phường Đông Vĩnh", "Phường", "999"]]))
    assert result.errors[0].message == "Mã huyện “999” không có trong danh mục hiện hành (Test 2020–2024)."


def test_import_page_explains_the_office_code_column(client, office, login, upload):
    login("leader")
    html = client.get("/import").get_data(as_text=True)
    assert 'id="office-columns"' in html and "ma_bhxh_co_so" in html and "Thử 2025-07" in html
    resp = upload("communes", csv_bytes([["ma_xa", "ten_xa", "loai", "ma_huyen_cu"],
                                         ["16792", "Xã B", "Xã", "999"]]))
    assert resp.status_code == 422
    assert "Mã BHXH cơ sở “999” không có trong danh mục hiện hành" in resp.get_data(as_text=True)


def test_import_page_on_a_district_version_has_no_office_note(client, world, login):
    login("leader")
    assert 'id="office-columns"' not in client.get("/import").get_data(as_text=True)
