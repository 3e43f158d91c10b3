"""planner.services.imports: every kind, every file shape, and every way a file can be wrong."""
from datetime import date

import pytest
from sqlmodel import func, select

from planner.models import (
    AuditEvent, ClassificationMembership, ClassificationScheme, Commune, CoverageRecord, Denominator,
)
from planner import audit
from planner.services import imports
from tests.areas.conftest import csv_bytes, xlsx_bytes

DENOMINATORS = [
    ["ma_xa", "nam", "dan_so", "lao_dong", "nguon"],
    ["16663", "2025", "15200", "8100", "Thống kê"],
    ["16741", "2025", "4100", "2050", "Thống kê"],
]


def run(session, kind, data, filename="f.csv", dry_run=False, user=None, **kw):
    return imports.run_import(session=session, kind=kind, filename=filename, data=data, dry_run=dry_run,
                              user=user, **kw)


def count(session, model):
    session.expire_all()
    return session.exec(select(func.count()).select_from(model)).one()


@pytest.mark.parametrize("shape", ["csv", "bom", "semicolon", "xlsx"])
def test_denominators_in_every_file_shape(world, session, shape):
    if shape == "xlsx":
        data, name = xlsx_bytes([DENOMINATORS[0]] + [[int(r[0]), int(r[1]), int(r[2]), float(r[3]), r[4]]
                                                     for r in DENOMINATORS[1:]]), "f.xlsx"
    else:
        data, name = csv_bytes(DENOMINATORS, delimiter=";" if shape == "semicolon" else ",",
                               bom=shape == "bom"), "f.csv"
    result = run(session, "denominators", data, filename=name)
    assert result.errors == [] and result.count == 2 and result.created == 2
    d = session.exec(select(Denominator).where(Denominator.year == 2025, Denominator.commune_id ==
                                               world["communes"]["16741"].id)).one()
    assert (d.population, d.labour_force, d.source) == (4100, 2050, "Thống kê")


def test_denominators_upsert_by_commune_and_year(world, session):
    result = run(session, "denominators", csv_bytes([DENOMINATORS[0], ["16663", "2024", "15500", "8000", ""]]))
    assert result.updated == 1 and result.created == 0
    session.expire_all()
    assert session.exec(select(Denominator.population).where(
        Denominator.commune_id == world["communes"]["16663"].id, Denominator.year == 2024)).one() == 15500


def test_communes_create_and_update_with_vietnamese_headers(world, session):
    rows = [["Mã xã", "Tên xã", "Loại", "Mã huyện", "Số người mất thẻ"],
            ["16663", "Phường Đông Vĩnh", "Phường", "412", "15"],
            ["16669", "Phường Mới", "phuong", "412", ""],
            ["16744", "Xã Mới", "Xã", "417", "3"]]
    with audit.acting_as(None, "cli"):
        result = run(session, "communes", csv_bytes(rows))
    assert result.errors == []
    assert (result.created, result.updated) == (2, 1)
    session.expire_all()
    new = session.exec(select(Commune).where(Commune.code == "16744")).one()
    assert (new.kind, new.district_id, new.lost_state_hi_people) == ("commune", world["districts"]["417"].id, 3)
    assert session.exec(select(Commune.lost_state_hi_people).where(Commune.code == "16663")).one() == 15
    assert session.exec(select(AuditEvent).where(AuditEvent.commune_id == new.id,
                                                 AuditEvent.username == "cli")).first()


def test_communes_from_xlsx_pads_integer_codes(world, session):
    data = xlsx_bytes([["ma_xa", "ten_xa", "loai", "ma_huyen"], [16747, "Xã Thử", "Xã", 417]])
    result = run(session, "communes", data, filename="communes.xlsx")
    assert result.errors == [] and result.created == 1


def test_classifications_create_scheme_on_first_use(world, session):
    rows = [["ma_xa", "danh_muc", "phan_loai", "tu_ngay", "den_ngay"],
            ["16741", "coastal_353", "có", "01/01/2022", "2025-12-31"],
            ["16663", "region_861", "II", "2021-01-01", ""],
            ["16741", "region_861", "III", "01/01/2021", "31/12/2025"]]
    result = run(session, "classifications", csv_bytes(rows))
    assert result.errors == [] and (result.created, result.updated) == (2, 1)
    session.expire_all()
    coastal = session.exec(select(ClassificationScheme).where(ClassificationScheme.code == "coastal_353")).one()
    m = session.exec(select(ClassificationMembership).where(ClassificationMembership.scheme_id == coastal.id)).one()
    assert (m.category, m.valid_from, m.valid_to) == ("yes", date(2022, 1, 1), date(2025, 12, 31))


def test_classifications_errors(world, session):
    rows = [["ma_xa", "danh_muc", "phan_loai", "tu_ngay"],
            ["16741", "region_999", "I", "01/01/2022"],
            ["16741", "region_861", "IV", "01/01/2022"],
            ["16741", "poor_district", "có", "32/01/2022"]]
    result = run(session, "classifications", csv_bytes(rows))
    assert [(e.row, e.column) for e in result.errors] == [(2, "danh_muc"), (3, "phan_loai"), (4, "tu_ngay")]
    assert "không xác định" in result.errors[0].message
    assert count(session, ClassificationScheme) == 1


def test_coverage_import_and_month_formats(world, session):
    rows = [["ma_xa", "thang", "bhyt", "bhxh_bb", "bhxh_tn", "bhtn", "nguon"],
            ["16663", "01/2025", "14.600", "1600", "400", "1300", "BHXH tỉnh"],
            ["16663", "2025-02", "14700", "1600", "400", "1300", ""],
            ["16663", "12/2024", "14550", "1600", "400", "1300", ""]]
    result = run(session, "coverage", csv_bytes(rows))
    assert result.errors == [] and (result.created, result.updated) == (2, 1)
    session.expire_all()
    periods = session.exec(select(CoverageRecord.period).where(
        CoverageRecord.commune_id == world["communes"]["16663"].id).order_by(CoverageRecord.period)).all()
    assert periods == [date(2024, 12, 1), date(2025, 1, 1), date(2025, 2, 1)]


def test_coverage_from_xlsx_with_dates(world, session):
    data = xlsx_bytes([["ma_xa", "thang", "bhyt", "bhxh_bb", "bhxh_tn", "bhtn"],
                       [16741, date(2025, 3, 31), 3000, 100, 20, 50]])
    result = run(session, "coverage", data, filename="c.xlsx")
    assert result.errors == [] and result.created == 1


def test_participants_above_population_is_an_error(world, session):
    rows = [["ma_xa", "thang", "bhyt", "bhxh_bb", "bhxh_tn", "bhtn"],
            ["16741", "06/2024", "4001", "0", "0", "0"]]
    result = run(session, "coverage", csv_bytes(rows))
    assert len(result.errors) == 1
    assert result.errors[0].row == 2 and result.errors[0].column == "bhyt"
    assert "lớn hơn dân số năm 2024" in result.errors[0].message


def test_dry_run_writes_nothing(world, session):
    before = count(session, Denominator)
    result = run(session, "denominators", csv_bytes(DENOMINATORS), dry_run=True)
    assert result.errors == [] and result.count == 2 and not result.written
    assert count(session, Denominator) == before


def test_one_bad_row_writes_nothing_and_every_error_is_listed(world, session):
    rows = DENOMINATORS + [["16666", "2025", "-5", "10", ""],
                           ["16738", "2025", "6000", "7000", ""],
                           ["16741", "20x5", "4000", "2000", ""]]
    before = count(session, Denominator)
    result = run(session, "denominators", csv_bytes(rows))
    assert [(e.row, e.column) for e in result.errors] == [(4, "dan_so"), (5, "lao_dong"), (6, "nam")]
    assert "không được nhỏ hơn 0" in result.errors[0].message
    assert "lớn hơn dân số" in result.errors[1].message
    assert result.count == 0
    assert count(session, Denominator) == before


def test_wrong_encoding(world, session):
    rows = [["ma_xa", "ten_xa", "loai", "ma_huyen"], ["16663", "Phường Đông Vĩnh", "Phường", "412"]]
    for encoding in ("cp1258", "latin-1"):
        try:
            data = csv_bytes(rows, encoding=encoding)
        except UnicodeEncodeError:
            data = csv_bytes([rows[0], ["16663", "Phường Hà", "Phường", "412"]]).replace("ờ".encode(), b"\xe0")
        result = run(session, "communes", data)
        assert len(result.errors) == 1
        assert "không phải UTF-8" in result.errors[0].message and "CSV UTF-8" in result.errors[0].message
        assert result.errors[0].row == 2
    assert session.exec(select(Commune.name).where(Commune.code == "16663")).one() == "Phường Đông Vĩnh"


def test_misspelled_and_missing_columns_suggest_the_right_name(world, session):
    result = run(session, "denominators", csv_bytes([["ma_xa", "namm", "dan_so"], ["16663", "2025", "1"]]))
    messages = {e.column: e.message for e in result.errors}
    assert all(e.row == 1 for e in result.errors)
    assert "Có phải là “nam”" in messages["namm"]
    assert "Thiếu cột bắt buộc “lao_dong”" in messages["lao_dong"]


def test_unknown_column_lists_valid_ones(world, session):
    result = run(session, "coverage", csv_bytes([["ma_xa", "thang", "bhyt", "bhxh_bb", "bhxh_tn", "bhtn", "xyz"],
                                                ["16663", "01/2025", "1", "1", "1", "1", "1"]]))
    assert len(result.errors) == 1 and "Các cột hợp lệ" in result.errors[0].message


def test_duplicate_codes_name_the_first_row(world, session):
    rows = [["ma_xa", "ten_xa", "loai", "ma_huyen"],
            ["16669", "Phường A", "phuong", "412"],
            ["16670", "Phường B", "phuong", "412"],
            ["16669", "Phường C", "phuong", "412"]]
    result = run(session, "communes", csv_bytes(rows))
    assert len(result.errors) == 1
    assert result.errors[0].row == 4 and "dòng 2" in result.errors[0].message
    assert count(session, Commune) == 4


def test_duplicate_year_in_denominators(world, session):
    result = run(session, "denominators", csv_bytes(DENOMINATORS + [["16663", "2025", "1", "1", ""]]))
    assert [(e.row, e.column) for e in result.errors] == [(4, "ma_xa")]
    assert "dòng 2" in result.errors[0].message


def test_unknown_district_and_commune_codes(world, session):
    result = run(session, "communes", csv_bytes([["ma_xa", "ten_xa", "loai", "ma_huyen"],
                                                ["16669", "Phường A", "phuong", "999"],
                                                ["1666", "Phường B", "làng", "412"]]))
    assert [(e.row, e.column) for e in result.errors] == [(2, "ma_huyen"), (3, "ma_xa"), (3, "loai")]
    assert "Mã huyện “999” không có" in result.errors[0].message
    result = run(session, "denominators", csv_bytes([DENOMINATORS[0], ["99999", "2025", "1", "1", ""]]))
    assert "Mã xã “99999” không có" in result.errors[0].message


def test_district_head_imports_only_own_district(world, session):
    head = world["users"]["head"]
    result = run(session, "denominators", csv_bytes(DENOMINATORS), user=head)
    assert [(e.row, e.column) for e in result.errors] == [(3, "ma_xa")]
    assert "không thuộc huyện bạn phụ trách" in result.errors[0].message
    result = run(session, "communes", csv_bytes([["ma_xa", "ten_xa", "loai", "ma_huyen"],
                                                ["16749", "Xã Mới", "xa", "417"]]), user=head)
    assert "không phải huyện bạn phụ trách" in result.errors[0].message
    result = run(session, "denominators", csv_bytes(DENOMINATORS[:2]), user=head)
    assert result.errors == [] and result.count == 1


def test_agent_cannot_import(world, session):
    result = run(session, "denominators", csv_bytes(DENOMINATORS), user=world["users"]["agent"])
    assert "không có quyền" in result.errors[0].message


def test_size_limit_and_empty_and_bad_xlsx(world, session):
    assert "Tệp quá lớn" in run(session, "denominators", csv_bytes(DENOMINATORS), max_bytes=10).errors[0].message
    assert "Tệp trống" in run(session, "denominators", b"").errors[0].message
    assert "không có dòng dữ liệu" in run(session, "denominators", csv_bytes(DENOMINATORS[:1])).errors[0].message
    assert "Không đọc được tệp Excel" in run(session, "denominators", b"PK\x03\x04junk", filename="x.xlsx").errors[0].message


def test_template_csv_round_trips(world, session):
    for kind in imports.KINDS:
        result = run(session, kind, imports.template_csv(kind), dry_run=True)
        assert result.errors == [], (kind, result.errors)
        assert result.count == 1
