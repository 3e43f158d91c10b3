"""Every XLSX and CSV export writes user text as text: a name that starts like a formula is a
string cell (never a formula), and a control character in a name (data saved before they were
stripped) no longer makes an export fail."""
import csv
import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import update

from planner import safetext
from planner.models import Commune, Conference, District, User

FORMULA = '=HYPERLINK("http://x","y")'
OFFICE = "+Kỳ Sơn@1"
HAMLET = "-Xóm 2"
AGENT = "@Lò Thị Mai"

# (who, url, a cell's whole text): every XLSX export of the app.
EXPORTS = [
    ("leader", "/dashboard/export.xlsx?year=2024", OFFICE),
    ("leader", "/dashboard/district/412/export.xlsx?year=2024&month=2024-11", FORMULA),
    ("leader", "/dashboard/district/412/export.xlsx?year=2024&month=2024-11", HAMLET),
    ("leader", "/dashboard/district/417/export.xlsx?year=2024&month=2024-12", "Xã MỹLý"),
    ("leader", "/targets/ranking.xlsx?metric=hi_coverage&year=2024", FORMULA),
    ("leader", "/map/values.xlsx?layer=hi_coverage&period=2024-12", FORMULA),
    ("leader", "/map/values.xlsx?layer=hi_coverage&period=2024-12&level=district", OFFICE),
    ("leader", "/map/values.xlsx?layer=region&period=2024-12", FORMULA),
    ("head-417", "/conversion.xlsx?from=01/11/2024&to=31/12/2024", None),  # the office's name in the title
    ("leader", "/agents/activity.xlsx?kind=month&day=2024-11-15", AGENT),
]


@pytest.fixture
def hostile(session, fieldwork, backend):
    """Names as a careless or hostile import left them, written past the ORM (as old data was)."""
    ids = fieldwork["communes"]
    with session.begin():
        session.execute(update(Commune).where(Commune.id == ids["16663"].id).values(name=FORMULA))
        session.execute(update(Commune).where(Commune.id == ids["16741"].id).values(name="Xã Mỹ\x0bLý"))
        session.execute(update(District).where(District.id == fieldwork["districts"]["417"].id)
                        .values(name=OFFICE + "\x01"))
        session.execute(update(Conference).where(Conference.device_id == "conf-000001").values(hamlet=HAMLET))
        session.execute(update(User).where(User.username == "agent-16741").values(full_name=AGENT + "\x0b"))
    return fieldwork


def _cells(data):
    wb = load_workbook(io.BytesIO(data))
    return [cell for ws in wb.worksheets for row in ws.iter_rows() for cell in row if cell.value is not None]


@pytest.mark.parametrize("who, url, expected", EXPORTS)
def test_every_xlsx_export_writes_names_as_text(client, login, hostile, who, url, expected):
    login(who)
    resp = client.get(url)
    assert resp.status_code == 200, resp.get_data(as_text=True)[:300]
    cells = _cells(resp.data)
    assert [c.coordinate for c in cells if c.data_type == "f"] == []  # no formula anywhere
    texts = [c.value for c in cells if isinstance(c.value, str)]
    assert not any(safetext.has_control(t) for t in texts)
    if expected is None:
        assert any(OFFICE in t for t in texts)
    else:
        shown = [c for c in cells if c.value == expected]
        assert shown, f"{expected!r} is not a cell of the export"
        assert all(c.data_type == "s" for c in shown)
    risky = [c for c in cells if isinstance(c.value, str) and c.value.startswith(("=", "+", "-", "@"))]
    assert all(c.data_type == "s" and c.quotePrefix for c in risky)


def test_the_formula_name_is_the_cell_text(client, login, hostile):
    login("leader")
    cells = _cells(client.get("/targets/ranking.xlsx?metric=hi_coverage&year=2024").data)
    found = [c for c in cells if c.value == FORMULA]
    assert len(found) == 1 and found[0].data_type == "s"
    assert any(c.value == "Xã MỹLý" for c in cells)


def test_csv_fields_are_neutralised():
    assert safetext.csv_row(["=1+2", "+1", "-1", "@x", "\tx", "\rx", "Xã\x0b Mỹ Lý", 5, None, "ok"]) == [
        "'=1+2", "'+1", "'-1", "'@x", "'\tx", "'\rx", "Xã Mỹ Lý", 5, None, "ok"]


def test_csv_template_download(client, login, world):
    login("leader")
    resp = client.get("/import/template/communes.csv")
    assert resp.status_code == 200
    rows = list(csv.reader(io.StringIO(resp.data.decode("utf-8-sig"))))
    assert rows[0][:2] == ["ma_xa", "ten_xa"]
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)


# --- text is saved without control characters, whatever writes it ---------------------------

def test_a_form_saves_no_control_character(client, login, session, world):
    login("leader")
    commune = world["communes"]["16741"]
    resp = client.post("/communes/16741/edit", data={
        "code": "16741", "name": "Xã\x0b Mỹ\x00 Lý", "kind": "commune",
        "district_id": str(commune.district_id), "lost_state_hi_people": "0"})
    assert resp.status_code == 302, resp.get_data(as_text=True)[:500]
    session.expire_all()
    assert session.get(Commune, commune.id).name == "Xã Mỹ Lý"


def test_an_import_saves_no_control_character(client, login, session, world):
    login("leader")
    data = "ma_xa,ten_xa,loai,ma_huyen\r\n16741,Xã Mỹ\x0bLý,xa,417\r\n".encode("utf-8")
    resp = client.post("/import", data={"kind": "communes", "file": (io.BytesIO(data), "c.csv")},
                       content_type="multipart/form-data")
    assert resp.status_code == 200, resp.get_data(as_text=True)[:2000]
    session.expire_all()
    assert session.get(Commune, world["communes"]["16741"].id).name == "Xã MỹLý"


def test_the_api_saves_no_control_character(client, login, session, world):
    from tests.fieldwork.payloads import conference

    login("agent-16663")
    resp = client.post("/api/v1/conferences", json=conference(world, hamlet="Xóm\x0b 3", notes="a\x1fb\nc"))
    result = resp.get_json()["results"][0]
    assert result["status"] == "accepted", result
    saved = session.get(Conference, result["id"])
    assert (saved.hamlet, saved.notes) == ("Xóm 3", "ab\nc")  # a line break is text, kept
