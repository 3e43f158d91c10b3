"""Numbers bounded end to end (issue 10, item 1, and the unicode digits of item 7).

Every case the issue reports answered 500 before: a coverage row of 1.500.000.000 compulsory SI
participants (then the province dashboard, its XLSX and the map values for everyone), an id of
2^31 in a URL, ?year=2147483648, a 3.000.000.000 đ conference (tests/fieldwork/test_batch_partial.py),
"²" and "①" in a count. Each now has one declared range (planner.models.limits) that fits its
column, a clear message naming the field, and aggregates that cannot overflow."""
import io
import re
from datetime import date

import pytest
from sqlalchemy import BigInteger, Integer, select, update
from sqlmodel import SQLModel

import planner.models  # noqa: F401  registers every table
from planner.models import CashHandover, CoverageRecord, Denominator, Target, limits
from tests import builders

ODD_DIGITS = ["²", "①", "٣", "1²", "1_000", "1e3", "0x10"]


# --- the declared ranges ------------------------------------------------------------------

@pytest.mark.parametrize("text, number", [
    ("0", 0), ("15000", 15000), (" 1.234.567 ", 1_234_567), ("1,234,567", 1_234_567), ("1 234 567", 1_234_567),
    ("1\u00a0234", 1234), ("-5", -5), ("+7", 7), (12, 12), (3.0, 3),
])
def test_whole_numbers_are_read_as_people_write_them(text, number):
    assert limits.parse_whole(text, "Dân số") == number


@pytest.mark.parametrize("text", ODD_DIGITS + ["1.5", "1.23", "1.234,567", "", "abc", True, 1.5, float("nan"),
                                               float("inf"), None, [1], "9" * 50])
def test_anything_else_is_refused_with_the_field_named(text):
    with pytest.raises(limits.NumberError) as caught:
        limits.parse_whole(text, "Dân số")
    assert str(caught.value).startswith("Dân số: phải là số nguyên")


def test_unicode_digits_pass_isdigit_but_are_no_figures():
    assert "²".isdigit() and "①".isdigit() and int("٣") == 3  # what the old parsers trusted
    for text in ("²", "①", "٣"):
        assert limits.maybe_int(text, limits.ID) is None
        with pytest.raises(limits.NumberError):
            limits.bounded_int(text, "x", limits.PEOPLE)


def test_range_messages_name_the_field_and_the_bound():
    with pytest.raises(limits.NumberError) as caught:
        limits.bounded_int("1.500.000.000", "Người tham gia BHXH bắt buộc", limits.PEOPLE)
    assert str(caught.value) == "Người tham gia BHXH bắt buộc: số quá lớn, tối đa 100.000.000."
    assert caught.value.short == "Số quá lớn, tối đa 100.000.000."
    with pytest.raises(limits.NumberError) as caught:
        limits.bounded_int(-1, "Kinh phí (đồng)", limits.MONEY)
    assert str(caught.value) == "Kinh phí (đồng): không được âm."
    with pytest.raises(limits.NumberError) as caught:
        limits.bounded_int(1999, "Năm", limits.YEAR)
    assert str(caught.value) == "Năm: phải từ 2.000 đến 2.100."
    assert limits.maybe_int("2147483647", limits.ID) == 2 ** 31 - 1
    assert limits.maybe_int("2147483648", limits.ID) is None and limits.maybe_int(2 ** 63, limits.ID) is None


def _integer_columns():
    for table in SQLModel.metadata.sorted_tables:
        for column in table.columns:
            if isinstance(column.type, (Integer, BigInteger)):
                yield table.name, column


def test_every_integer_column_has_one_declared_range_that_fits_it():
    """Ids and references are 32-bit and bounded by limits.ID (the URL converter, the parameters);
    every other integer column is declared in limits.COLUMNS with a range its type holds, and the
    per-row expressions and sums over it cannot overflow."""
    undeclared, too_wide = [], []
    for table, column in _integer_columns():
        name = f"{table}.{column.name}"
        if name not in limits.COLUMNS:
            if column.primary_key or column.foreign_keys or column.name.endswith("_id"):
                # an id or a reference (with a foreign key, or without: audit rows, targets' units)
                assert isinstance(column.type, Integer) and not isinstance(column.type, BigInteger), name
                continue
            undeclared.append(name)
            continue
        rng = limits.COLUMNS[name]
        wide = isinstance(column.type, BigInteger)
        capacity = limits.INT64_MAX if wide else limits.INT32_MAX
        if rng.hi > capacity or rng.lo < -capacity:
            too_wide.append(name)
        if wide:
            assert rng.hi * 1000 <= limits.INT64_MAX, f"{name}: a sum over a thousand rows must fit 64 bits"
        elif rng in (limits.PEOPLE, limits.ENTRY_COUNT):
            # SQL adds three count columns of a row at most (HI + compulsory SI + voluntary SI) and
            # sums 32-bit columns in 64 bits (PostgreSQL bigint, SQLite's integers)
            assert 3 * rng.hi <= limits.INT32_MAX, f"{name}: a sum of a row's columns must fit 32 bits"
    assert undeclared == [] and too_wide == []
    assert set(limits.COLUMNS) <= {f"{t}.{c.name}" for t, c in _integer_columns()}, "a declared column is gone"
    assert limits.ID.hi == limits.INT32_MAX


def test_money_and_stored_sums_are_64_bit_columns():
    tables = SQLModel.metadata.tables
    for name, rng in limits.COLUMNS.items():
        table, column = name.split(".")
        if rng in (limits.MONEY, limits.TOTAL, limits.HANDOVER):
            assert isinstance(tables[table].c[column].type, BigInteger), name


# --- the issue's reported cases -------------------------------------------------------------

def test_the_issue_coverage_figure_is_refused_naming_the_field(client, session, world, login):
    login("head-412")
    resp = client.post("/communes/16663/coverage/new", data={
        "period": "11/2024", "hi_participants": "14.000", "si_compulsory": "1.500.000.000",
        "si_voluntary": "400", "ui_participants": "1.300", "source": ""})
    assert resp.status_code == 400
    html = resp.get_data(as_text=True)
    assert "Số quá lớn, tối đa 100.000.000." in html
    assert session.execute(select(CoverageRecord).where(CoverageRecord.period == date(2024, 11, 1))).first() is None


@pytest.mark.parametrize("odd", ["²", "①"])
def test_unicode_digits_in_a_count_get_a_message_on_every_path(client, session, world, login, odd):
    login("head-412")
    resp = client.post("/communes/16663/coverage/new", data={
        "period": "11/2024", "hi_participants": odd, "si_compulsory": "1", "si_voluntary": "1",
        "ui_participants": "1"})
    assert resp.status_code == 400 and "Hãy nhập một số nguyên (ví dụ 15000)." in resp.get_data(as_text=True)
    resp = client.post("/communes/16663/denominators/new", data={"year": "202" + odd, "population": "1",
                                                                 "labour_force": "1"})
    assert resp.status_code == 400 and "Hãy nhập một số nguyên" in resp.get_data(as_text=True)
    resp = client.post("/import", data={"kind": "coverage", "file": (io.BytesIO(
        "ma_xa,thang,bhyt,bhxh_bb,bhxh_tn,bhtn\n16663,11/2024,1,2,3,4{}\n".format(odd).encode()), "c.csv")},
        content_type="multipart/form-data")
    assert resp.status_code == 422 and f"“4{odd}” không phải là số nguyên." in resp.get_data(as_text=True)
    # the phone's plain HTML form (no JS): 422 with the field named
    login("agent-16663")
    resp = client.post("/field/conference/new", data={
        "device_id": "dev-conf-odd1", "commune_id": str(world["communes"]["16663"].id), "held_on": "2024-12-18",
        "format": "propaganda", "attendees": odd})
    assert resp.status_code == 422
    assert "Số người dự: phải là số nguyên (chỉ gồm các chữ số 0–9)." in resp.get_data(as_text=True)
    assert session.execute(select(CoverageRecord).where(CoverageRecord.period == date(2024, 11, 1))).first() is None


def test_every_count_at_its_maximum_keeps_every_page_up(client, session, world, login):
    """Every commune at the largest figure it may hold, in every column: the province's sums
    (4 x 10^8 people, 8 x 10^8 SI participants) overflow 32 bits, so SQL must sum in 64 bits."""
    session.add(CoverageRecord(commune_id=world["communes"]["16741"].id, period=date(2024, 12, 1)))
    session.flush()
    top = limits.PEOPLE.hi
    session.execute(update(CoverageRecord).values(hi_participants=top, si_compulsory=top, si_voluntary=top,
                                                  ui_participants=top))
    session.execute(update(Denominator).values(population=top, labour_force=top))
    session.commit()
    login("leader")
    for url in ["/dashboard/", "/dashboard/district/412", "/dashboard/district/412/report",
                "/map/values.json", "/map/values.json?level=district&layer=si_coverage",
                "/map/values.json?layer=gap", "/map/values.json?layer=attainment", "/progress",
                "/targets/ranking", "/communes", "/progress?metric=new_participants"]:
        assert client.get(url).status_code == 200, url
    assert "800.000.000" in client.get("/dashboard/").get_data(as_text=True)  # SI: 4 x (10^8 + 10^8)
    from openpyxl import load_workbook

    for url in ("/dashboard/export.xlsx", "/map/values.xlsx?level=district"):
        resp = client.get(url)
        assert resp.status_code == 200, url
        load_workbook(io.BytesIO(resp.data))  # a whole workbook, not an error page
    cells = [v for ws in load_workbook(io.BytesIO(client.get("/dashboard/export.xlsx").data))
             for row in ws.iter_rows(values_only=True) for v in row]
    assert 4 * top in cells and 8 * top in cells
    province = client.get("/api/v1/progress?level=province&period=2024").get_json()["rows"][0]
    assert province["actual"]["people"] == 4 * top and province["denominator"] == 4 * top
    new = client.get("/api/v1/progress?level=province&metric=new_participants&period=2024").get_json()
    assert new["rows"][0]["actual"]["people"] == 12 * top  # HI + compulsory + voluntary SI, 4 communes


def _int_rules(app):
    for rule in app.url_map.iter_rules():
        ints = [name for name, conv in rule._converters.items() if type(conv).__name__ == "BoundedIntConverter"]
        if ints:
            yield rule, ints


def _url(rule, value):
    url = rule.rule
    for name, conv in rule._converters.items():
        fill = value if type(conv).__name__ == "BoundedIntConverter" else \
            {"code": "16663", "level": "commune", "metric": "hi_coverage", "kind": "conference"}.get(name, "x")
        url = re.sub(r"<(?:[^:<>]+:)?%s>" % name, fill, url)
    return url


@pytest.mark.parametrize("value", ["2147483648", "9223372036854775808", "9" * 30, "²", "①"])
def test_ids_beyond_their_range_are_404_on_every_route(app, client, world, login, value):
    login("admin")
    rules = list(_int_rules(app))
    assert len(rules) >= 15  # every <int:...> of the app uses the bounded converter
    for rule, _names in rules:
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            resp = client.open(_url(rule, value), method=method)
            assert resp.status_code == 404, (rule.rule, method, resp.status_code)
    assert client.get("/api/v1/targets/2147483648").get_json()["error"] == "not_found"
    assert client.get("/api/v1/targets/2147483647").status_code == 404  # in range, names no target: the same


@pytest.mark.parametrize("url, name", [
    ("/api/v1/targets?year=2147483648", "year"), ("/api/v1/targets?year=²", "year"),
    ("/api/v1/targets?unit_id=9223372036854775808", "unit_id"), ("/api/v1/progress?period=①", "period"),
    ("/api/v1/progress?year=2147483648", "year"), ("/api/v1/conferences?limit=²", "limit"),
    ("/api/v1/activities?offset=99999999999999999999", "offset"), ("/api/v1/conferences?agent=2147483648", "agent"),
    ("/api/v1/activities?agent=²", "agent"),
])
def test_api_parameters_out_of_range_are_400_naming_them(client, world, login, url, name):
    login("leader")
    resp = client.get(url)
    assert resp.status_code == 400
    message = resp.get_json()["fields"][name]
    assert message and (name in message or name == "agent")


@pytest.mark.parametrize("url", [
    "/targets?year=2147483648", "/targets?year=²", "/progress?district=2147483648", "/targets/ranking?district=²",
    "/targets/ranking.xlsx?year=9223372036854775808", "/communes/16663?version=2147483648",
    "/dashboard/?year=²", "/dashboard/export.xlsx?year=①", "/dashboard/district/412?year=2147483648",
])
def test_page_parameters_out_of_range_are_400(client, world, login, url):
    login("leader")
    resp = client.get(url)
    assert resp.status_code == 400, url
    name = re.search(r"\?(\w+)=", url).group(1)
    if not url.startswith("/dashboard"):
        assert f"Tham số “{name}” không hợp lệ" in resp.get_data(as_text=True)


@pytest.mark.parametrize("url", ["/communes?page=9223372036854775808", "/communes?page=²",
                                 "/communes/16663?history_page=①", "/progress?page=99999999999999999999",
                                 "/targets/ranking?page=-1"])
def test_page_numbers_are_a_convenience_never_an_error(client, world, login, url):
    login("leader")
    assert client.get(url).status_code == 200


def test_a_collection_target_in_dong_is_stored_in_64_bits(client, session, world, login):
    """The province's yearly collection is some 20.000 tỷ đồng: 2 x 10^13, beyond 32 bits."""
    login("leader")
    url = f"/targets/edit/province/{world['province'].id}/collection?year=2025"
    resp = client.post(url, data={"unit": "people", "value": "20.000.000.000.000", "reason": ""})
    assert resp.status_code == 302, resp.get_data(as_text=True)[:300]
    target = session.execute(select(Target).where(Target.metric == "collection")).scalar_one()
    assert target.people == 20_000_000_000_000 and target.value == 2e13
    resp = client.post(url, data={"unit": "people", "value": "9" * 20, "reason": "x", "version": str(target.version)})
    assert resp.status_code == 400 and "Chỉ tiêu quá lớn: tối đa 1.000.000.000.000.000 đồng." in resp.get_data(
        as_text=True)
    target = client.get(f"/api/v1/targets?metric=collection&year=2025").get_json()["targets"][0]
    assert target["people"] == 20_000_000_000_000
    resp = client.put(f"/api/v1/targets/{target['id']}", json={"people": 10 ** 16, "version": target["version"]})
    assert resp.status_code == 400 and "people" in resp.get_json()["fields"]
    for body, field in (({"value": 10 ** 400, "version": 1}, "value"), ({"value": 5, "version": 2 ** 63}, "version")):
        resp = client.put(f"/api/v1/targets/{target['id']}", json=body)
        assert resp.status_code == 400 and field in resp.get_json()["fields"]
    assert client.get(f"/api/v1/targets/{target['id']}").get_json()["people"] == 20_000_000_000_000


def test_a_cash_handover_of_three_billion_dong_is_stored(client, session, world, login):
    agent = world["users"]["agent"]
    login("head-412")
    resp = client.post("/cash/handover", data={"agent": str(agent.id), "handed_on": "10/11/2024",
                                               "amount": "3.000.000.000"})
    assert resp.status_code == 302
    assert session.execute(select(CashHandover.amount_vnd)).scalar_one() == 3_000_000_000
    assert client.get("/cash?from=2024-11-01&to=2024-11-30").status_code == 200
    resp = client.post("/cash/handover", data={"agent": str(agent.id), "handed_on": "10/11/2024", "amount": "2²"})
    assert resp.status_code == 400 and "Số tiền phải là số nguyên" in resp.get_data(as_text=True)


def test_money_at_its_maximum_keeps_the_money_pages_up(client, session, world, login):
    """Three entries of 10^12 đồng each: their sums (3 x 10^12) need 64 bits in SQL and in the pages."""
    from planner.models import Activity, Conference

    agent, c16663 = world["users"]["agent"], world["communes"]["16663"]
    top = limits.MONEY.hi
    for n in range(3):
        session.add(Conference(device_id=f"conf-top-{n}", commune_id=c16663.id, held_on=date(2024, 11, 4 + n),
                               format="propaganda", attendees=limits.ENTRY_COUNT.hi, cost_vnd=top,
                               reg_voluntary_si=1, status="approved"))
        session.add(Activity(device_id=f"act-top-{n}", agent_id=agent.id, commune_id=c16663.id,
                             done_on=date(2024, 11, 5 + n), new_voluntary_si=limits.ENTRY_COUNT.hi // 2,
                             new_household_hi=limits.ENTRY_COUNT.hi // 2, household_visits=limits.ENTRY_COUNT.hi,
                             amount_collected_vnd=top, receipts_issued=limits.ENTRY_COUNT.hi,
                             receipts_amount_vnd=top, status="approved"))
        session.add(CashHandover(agent_id=agent.id, handed_on=date(2024, 11, 10 + n), amount_vnd=top))
    session.commit()
    login("leader")
    for url in ["/conversion?from=01/11/2024&to=30/11/2024", "/conversion.xlsx?from=01/11/2024&to=30/11/2024",
                "/agents/activity?kind=month&day=15/11/2024", "/agents/activity.xlsx?kind=month&day=15/11/2024",
                "/dashboard/", "/dashboard/district/412", "/progress?metric=collection&year=2024",
                "/api/v1/progress?metric=collection&level=province&period=2024", "/api/v1/activities"]:
        assert client.get(url).status_code == 200, url
    html = client.get("/cash?from=01/11/2024&to=30/11/2024").get_data(as_text=True)
    assert "3.000.000.000.000" in html  # collected, receipted and handed over
    collection = client.get("/api/v1/progress?metric=collection&level=province&period=2024").get_json()
    assert collection["rows"][0]["actual"]["people"] == 3 * top
