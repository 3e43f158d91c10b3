"""The /import page, its templates, the 413 page and the `planner import` command."""
import io

from sqlmodel import func, select

from planner.models import Denominator
from tests.areas.conftest import csv_bytes, xlsx_bytes
from tests.conftest import make_app

DENOMINATORS = [["ma_xa", "nam", "dan_so", "lao_dong", "nguon"],
                ["16663", "2025", "15200", "8100", "Thống kê"]]


def _count(session):
    session.expire_all()
    return session.exec(select(func.count()).select_from(Denominator)).one()


def test_import_page_has_dry_run_on_by_default(world, login):
    html = login("leader").get("/import").get_data(as_text=True)
    assert "Chạy thử (dry run)" in html
    assert 'name="dry_run"' in html and "checked" in html
    assert "/import/template/coverage.csv" in html


def test_dry_run_then_write(world, login, session, upload):
    login("leader")
    before = _count(session)
    resp = upload("denominators", csv_bytes(DENOMINATORS), dry_run=True)
    assert resp.status_code == 200
    assert "1 dòng hợp lệ" in resp.get_data(as_text=True)
    assert _count(session) == before
    resp = upload("denominators", csv_bytes(DENOMINATORS, bom=True))
    assert "Đã ghi 1 dòng" in resp.get_data(as_text=True)
    assert _count(session) == before + 1


def test_bad_rows_are_listed_and_nothing_written(world, login, session, upload):
    login("leader")
    before = _count(session)
    rows = DENOMINATORS + [["16666", "2025", "100", "200", ""]]
    resp = upload("denominators", xlsx_bytes(rows), filename="d.xlsx")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert "không dòng nào được ghi" in html
    assert "<td>3</td><td>lao_dong</td>" in html
    assert _count(session) == before


def test_wrong_encoding_message_on_the_page(world, login, upload):
    login("leader")
    data = "ma_xa;ten_xa;loai;ma_huyen\r\n16663;Phường Đông Vĩnh;Phường;412\r\n".encode("utf-8")
    data = data.replace("Đông".encode(), b"\xd0\xf4ng")
    html = upload("communes", data).get_data(as_text=True)
    assert "Tệp không phải UTF-8" in html and "CSV UTF-8" in html


def test_missing_file_message_next_to_field(world, login, client):
    login("leader")
    resp = client.post("/import", data={"kind": "coverage"}, content_type="multipart/form-data")
    assert resp.status_code == 400
    assert "Hãy chọn tệp để tải lên." in resp.get_data(as_text=True)


def test_district_head_import_rejects_other_district_rows(world, login, session, upload):
    login("head-412")
    before = _count(session)
    rows = DENOMINATORS + [["16741", "2025", "4100", "2000", ""]]
    html = upload("denominators", csv_bytes(rows)).get_data(as_text=True)
    assert "không thuộc huyện bạn phụ trách" in html
    assert _count(session) == before


def test_agent_cannot_post_import(world, login, session, upload):
    login("agent-16663")
    before = _count(session)
    assert upload("denominators", csv_bytes(DENOMINATORS)).status_code == 403
    assert _count(session) == before


def test_templates_download(world, login):
    client = login("leader")
    resp = client.get("/import/template/denominators.csv")
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    assert resp.data.startswith(b"\xef\xbb\xbfma_xa,nam,dan_so,lao_dong,nguon")
    assert client.get("/import/template/nothing.csv").status_code == 404


def test_oversize_upload_explicit_check_and_413_page(world, session, database_urls, backend):
    app = make_app(database_urls[backend], MAX_UPLOAD_BYTES=1000)
    try:
        client = app.test_client()
        client.post("/auth/login", data={"username": "leader", "password": "secret123"})
        before = _count(session)
        # Above MAX_UPLOAD_BYTES but below MAX_CONTENT_LENGTH: the form says so next to the field.
        big = csv_bytes(DENOMINATORS + [["16663", "2025", "15200", "8100", "x" * 50]] * 30)
        assert 1000 < len(big) < app.config["MAX_CONTENT_LENGTH"]
        resp = client.post("/import", data={"kind": "denominators", "file": (io.BytesIO(big), "d.csv")},
                           content_type="multipart/form-data")
        assert resp.status_code == 413
        html = resp.get_data(as_text=True)
        assert "Tệp quá lớn" in html and "invalid-feedback" in html
        # Above MAX_CONTENT_LENGTH: Flask refuses the body; the 413 page explains in Vietnamese.
        huge = b"x" * (app.config["MAX_CONTENT_LENGTH"] + 10)
        resp = client.post("/import", data={"kind": "denominators", "file": (io.BytesIO(huge), "d.csv")},
                           content_type="multipart/form-data")
        assert resp.status_code == 413
        assert "vượt quá giới hạn" in resp.get_data(as_text=True)
        assert _count(session) == before
    finally:
        app.extensions["planner.engine"].dispose()


def test_cli_import_dry_run_and_write(world, app, session, tmp_path):
    path = tmp_path / "denominators.csv"
    path.write_bytes(csv_bytes(DENOMINATORS))
    runner = app.test_cli_runner()
    before = _count(session)
    result = runner.invoke(args=["import", "denominators", str(path), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "1 rows checked" in result.output
    assert _count(session) == before
    result = runner.invoke(args=["import", "denominators", str(path)])
    assert result.exit_code == 0 and "1 rows written" in result.output
    assert _count(session) == before + 1


def test_cli_import_reports_bad_rows(world, app, session, tmp_path):
    path = tmp_path / "denominators.csv"
    path.write_bytes(csv_bytes(DENOMINATORS + [["99999", "2025", "1", "1", ""]]))
    result = app.test_cli_runner().invoke(args=["import", "denominators", str(path)])
    assert result.exit_code == 1
    assert "row 3, ma_xa: Mã xã “99999” không có" in result.output
