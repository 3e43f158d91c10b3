"""The reforms of December 2024 and July 2025 through the import commands: dated versions that
must not overlap, the two-level structure's office areas, crosswalks named by version and their
bad rows, and links chained across several reforms."""
import os
from datetime import date

import pytest
from sqlalchemy import func, select

from planner.models import Commune, CoverageRecord, CrosswalkLink, Denominator, District, HierarchyVersion
from planner.services import hierarchy

# The test world (2020-2024: 16663, 16666 in district 412; 16738, 16741 in 417), then
# 2024-12: 16666 absorbed into 16663; 2025-07: 16663 became 16681 (office grown from 412),
# 16738 and 16741 became 16750 (office grown from 417).
UNITS_2024_12 = ("ma_xa,ten_xa,loai,ma_huyen,ten_huyen\n"
                 "16663,Phường Đông Vĩnh,Phường,412,Thành phố Vinh\n"
                 "16738,Thị trấn Mường Xén,Thị trấn,417,Huyện Kỳ Sơn\n"
                 "16741,Xã Mỹ Lý,Xã,417,Huyện Kỳ Sơn\n")
CROSSWALK_2024 = ("ma_xa_2020,ten_xa_2020,ma_xa_2024_12,ten_xa_2024_12,ghi_chu\n"
                  "16663,Phường Đông Vĩnh,16663,Phường Đông Vĩnh,giữ nguyên\n"
                  "16666,Phường Hà Huy Tập,16663,Phường Đông Vĩnh,nhập vào Đông Vĩnh\n"
                  "16738,Thị trấn Mường Xén,16738,Thị trấn Mường Xén,giữ nguyên\n"
                  "16741,Xã Mỹ Lý,16741,Xã Mỹ Lý,giữ nguyên\n")
UNITS_2025_07 = ("ma_xa,ten_xa,loai,ma_huyen_cu,ten_huyen_cu,dan_so_2019\n"
                 "16681,Phường Thành Vinh,Phường,412,Thành phố Vinh,40000\n"
                 "16750,Xã Mường Xén,Xã,417,Huyện Kỳ Sơn,11000\n")
CROSSWALK_2025 = ("ma_xa_2024_12,ten_xa_2024_12,ma_xa_2025_07,ten_xa_2025_07\n"
                  "16663,Phường Đông Vĩnh,16681,Phường Thành Vinh\n"
                  "16738,Thị trấn Mường Xén,16750,Xã Mường Xén\n"
                  "16741,Xã Mỹ Lý,16750,Xã Mường Xén\n")


def _write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def _import(runner, path, name, start, end=None, *extra):
    args = ["import", "hierarchy", path, "--name", name, "--valid-from", start, *extra]
    if end:
        args += ["--valid-to", end]
    return runner.invoke(args=args)


@pytest.fixture
def reformed(session, world, runner, tmp_path):
    """The test world's version made open-ended, then the 2024-12 and 2025-07 versions with their
    crosswalks, through the commands."""
    world["version"].valid_to = None
    session.commit()
    result = _import(runner, _write(tmp_path, "u2412.csv", UNITS_2024_12), "T 2024-12", "2024-12-01",
                     "2025-06-30", "--end-previous")
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["import", "crosswalk", _write(tmp_path, "c1.csv", CROSSWALK_2024),
                                 "--from", "Test 2020–2024", "--to", "T 2024-12"])
    assert result.exit_code == 0, result.output
    result = _import(runner, _write(tmp_path, "u2507.csv", UNITS_2025_07), "T 2025-07", "2025-07-01")
    assert result.exit_code == 0, result.output
    assert "2 office areas, 2 communes (current)" in result.output
    result = runner.invoke(args=["import", "crosswalk", _write(tmp_path, "c2.csv", CROSSWALK_2025),
                                 "--from", "T 2024-12", "--to", "T 2025-07"])
    assert result.exit_code == 0, result.output
    session.expire_all()
    return {v.name: v for v in session.execute(select(HierarchyVersion)).scalars()}


def test_versions_are_dated_and_the_one_in_force_today_is_current(session, world, reformed):
    old, mid, new = reformed["Test 2020–2024"], reformed["T 2024-12"], reformed["T 2025-07"]
    assert old.valid_to == date(2024, 11, 30)  # ended by --end-previous
    assert (mid.valid_from, mid.valid_to, mid.middle_level) == (date(2024, 12, 1), date(2025, 6, 30), "district")
    assert (new.valid_to, new.middle_level, new.is_current) == (None, "office", True)
    assert not old.is_current and not mid.is_current
    for day, version in ((date(2024, 11, 30), old), (date(2024, 12, 1), mid), (date(2025, 7, 1), new)):
        assert hierarchy.version_for(session=session, day=day).id == version.id
    office = session.execute(select(District).where(District.version_id == new.id, District.code == "417")).scalars().one()
    assert (office.name, office.kind) == ("BHXH cơ sở Kỳ Sơn", "si_office")
    assert str(hierarchy.middle_label(new)) == "BHXH cơ sở" and str(hierarchy.middle_label(mid)) == "Huyện"
    population = session.execute(select(Denominator.population).join(Commune)
                                 .where(Commune.version_id == new.id, Commune.code == "16681")).scalar()
    assert population == 40000


def test_links_are_chained_across_two_reforms(session, world, reformed):
    new = reformed["T 2025-07"]
    c2025 = session.execute(select(Commune).where(Commune.version_id == new.id, Commune.code == "16681")).scalars().one()
    chained = session.execute(select(CrosswalkLink).where(CrosswalkLink.to_commune_id == c2025.id,
                                                          CrosswalkLink.hops == 2)).scalars().all()
    sources = {session.get(Commune, link.from_commune_id).code for link in chained}
    assert sources == {"16663", "16666"} and all(link.share == 1 for link in chained)
    # A 2024-06 record on each old unit counts once in the 2025 commune.
    for code, hi in (("16663", 1000), ("16666", 3200)):
        session.add(CoverageRecord(commune_id=world["communes"][code].id, period=date(2024, 6, 1), hi_participants=hi))
    session.add(CoverageRecord(commune_id=c2025.id, period=date(2026, 11, 1), hi_participants=4500))
    session.commit()
    per_unit = hierarchy.coverage_in_version(session=session, version=new,
                                             expression=lambda: CoverageRecord.hi_participants,
                                             periods=[date(2024, 6, 1), date(2026, 11, 1)])
    assert per_unit[(c2025.id, date(2024, 6, 1))] == 4200
    assert per_unit[(c2025.id, date(2026, 11, 1))] == 4500
    # Re-importing a crosswalk rebuilds the chains, never doubles them.
    count = session.execute(select(func.count()).select_from(CrosswalkLink).where(CrosswalkLink.hops == 2)).scalar()
    assert hierarchy.rebuild_chains(session=session) == count


def _version(session, name, start, codes):
    from planner.models import Province
    version = HierarchyVersion(name=name, valid_from=start, valid_to=date(start.year, 12, 31))
    session.add(version)
    session.flush()
    province = Province(version_id=version.id, code="40", name="Tỉnh")
    session.add(province)
    session.flush()
    district = District(version_id=version.id, province_id=province.id, code="999", name="Huyện X", kind="rural_district")
    session.add(district)
    session.flush()
    communes = {code: Commune(version_id=version.id, district_id=district.id, code=code, name=f"Xã {code}",
                              kind="commune") for code in codes}
    session.add_all(communes.values())
    session.flush()
    return {code: c.id for code, c in communes.items()}


def test_split_shares_multiply_along_the_chain(session, world):
    """One old unit split 0.6/0.4 and both parts merged again: the chain sums both paths."""
    a = _version(session, "A", date(2000, 1, 1), ["10001"])
    b = _version(session, "B", date(2001, 1, 1), ["20001", "20002"])
    c = _version(session, "C", date(2002, 1, 1), ["30001"])
    session.add_all([CrosswalkLink(from_commune_id=a["10001"], to_commune_id=b["20001"], share=0.6),
                     CrosswalkLink(from_commune_id=a["10001"], to_commune_id=b["20002"], share=0.4),
                     CrosswalkLink(from_commune_id=b["20001"], to_commune_id=c["30001"], share=1.0),
                     CrosswalkLink(from_commune_id=b["20002"], to_commune_id=c["30001"], share=1.0)])
    session.flush()
    assert hierarchy.rebuild_chains(session=session) == 1
    link = session.execute(select(CrosswalkLink).where(CrosswalkLink.hops == 2)).scalars().one()
    assert (link.from_commune_id, link.to_commune_id, round(link.share, 9)) == (a["10001"], c["30001"], 1.0)


def test_overlapping_dates_are_refused_naming_the_version(session, world, runner, tmp_path):
    path = _write(tmp_path, "u.csv", UNITS_2024_12)
    result = _import(runner, path, "Overlap", "2024-06-01", "2025-06-30")
    assert result.exit_code == 2
    assert "overlap the hierarchy version 'Test 2020–2024' (01/01/2020–31/12/2024)" in result.output
    world["version"].valid_to = None
    session.commit()
    result = _import(runner, path, "Overlap", "2024-12-01", "2025-06-30")
    assert result.exit_code == 2 and "--end-previous" in result.output
    result = _import(runner, path, "Before", "2019-01-01")  # open-ended, into the existing one
    assert result.exit_code == 2 and "'Test 2020–2024'" in result.output
    assert session.execute(select(func.count()).select_from(HierarchyVersion)).scalar() == 1
    assert world["version"].valid_to is None


def test_crosswalk_columns_named_explicitly(session, world, reformed, runner, tmp_path):
    path = _write(tmp_path, "named.csv", "old,new\n16663,16681\n16738,16750\n16741,16750\n")
    auto = runner.invoke(args=["import", "crosswalk", path, "--from", "T 2024-12", "--to", "T 2025-07", "--dry-run"])
    assert auto.exit_code == 1 and "--old-column" in auto.output
    missing = runner.invoke(args=["import", "crosswalk", path, "--from", "T 2024-12", "--to", "T 2025-07",
                                  "--old-column", "ma_cu", "--new-column", "new"])
    assert missing.exit_code == 1 and "no column 'ma_cu'" in missing.output
    named = runner.invoke(args=["import", "crosswalk", path, "--from", "T 2024-12", "--to", "T 2025-07",
                                "--old-column", "old", "--new-column", "new", "--dry-run"])
    assert named.exit_code == 0 and "3 links checked" in named.output, named.output
    wrong_way = runner.invoke(args=["import", "crosswalk", path, "--from", "T 2024-12", "--to", "T 2025-07",
                                    "--old-column", "new", "--new-column", "old"])
    assert wrong_way.exit_code == 1 and "is a unit of 'T 2025-07', not of 'T 2024-12'" in wrong_way.output


REAL = os.environ.get("PLANNER_TEST_BOUNDARIES")


@pytest.mark.realdata
@pytest.mark.skipif(not REAL, reason="PLANNER_TEST_BOUNDARIES not set")
def test_real_files_of_both_reforms_import_as_they_are(runner, session):
    folder = os.path.dirname(REAL)
    assert runner.invoke(args=["demo", "--no-reforms"]).exit_code == 0  # the 460 units, ended 2024-11-30
    result = runner.invoke(args=["import", "hierarchy", os.path.join(folder, "communes-2024-12.csv"),
                                 "--name", "412", "--valid-from", "2024-12-01", "--valid-to", "2025-06-30"])
    assert result.exit_code == 0 and "20 districts, 412 communes" in result.output, result.output
    result = runner.invoke(args=["import", "hierarchy", os.path.join(folder, "communes-2025-07.csv"),
                                 "--name", "130", "--valid-from", "2025-07-01", "--no-boundaries"])
    assert result.exit_code == 0 and "20 office areas, 130 communes (current)" in result.output, result.output
    result = runner.invoke(args=["import", "crosswalk", os.path.join(folder, "crosswalk-2020-to-2024-12.csv"),
                                 "--from", "Nghệ An 2020–2024 (460 xã)", "--to", "412"])
    assert result.exit_code == 0 and "460 links written" in result.output, result.output
    result = runner.invoke(args=["import", "crosswalk", os.path.join(folder, "crosswalk-2024-12-to-2025-07.csv"),
                                 "--from", "412", "--to", "130"])
    assert result.exit_code == 0 and "412 links written" in result.output, result.output
    # Every 460-unit reaches exactly one of the 130 communes, in one derived link.
    v130 = hierarchy.version_by_name(session=session, name="130")
    reach = session.execute(select(CrosswalkLink.from_commune_id, func.count())
                            .join(Commune, Commune.id == CrosswalkLink.to_commune_id)
                            .where(Commune.version_id == v130.id, CrosswalkLink.hops == 2)
                            .group_by(CrosswalkLink.from_commune_id)).all()
    assert len(reach) == 460 and all(n == 1 for _c, n in reach)
    # The wrong pair of versions is refused, naming rows and writing nothing.
    before = session.execute(select(func.count()).select_from(CrosswalkLink)).scalar()
    result = runner.invoke(args=["import", "crosswalk", os.path.join(folder, "crosswalk-2024-12-to-2025-07.csv"),
                                 "--from", "Nghệ An 2020–2024 (460 xã)", "--to", "130"])
    assert result.exit_code == 1 and "1 problem; nothing written" in result.output
    assert "48 units of 'Nghệ An 2020–2024 (460 xã)' have no row: 16684, 16687" in result.output
    assert session.execute(select(func.count()).select_from(CrosswalkLink)).scalar() == before


def test_a_month_kept_on_two_older_structures_counts_once(session, world, reformed):
    """Figures of one month (or year) on units of two older structures: the newest structure's
    count in today's commune, never both; the commune's own figures win over both."""
    mid, new = reformed["T 2024-12"], reformed["T 2025-07"]
    units = {(c.version_id, c.code): c.id for c in session.execute(select(Commune)).scalars()}
    june = date(2024, 6, 1)
    for code, hi in (("16663", 1000), ("16666", 3200)):
        session.add(CoverageRecord(commune_id=world["communes"][code].id, period=june, hi_participants=hi))
        session.add(Denominator(commune_id=world["communes"][code].id, year=2023, population=hi * 2,
                                labour_force=hi))
    session.add(CoverageRecord(commune_id=units[(mid.id, "16663")], period=june, hi_participants=4300))
    session.add(Denominator(commune_id=units[(mid.id, "16663")], year=2023, population=8700, labour_force=4400))
    session.commit()
    c2025 = units[(new.id, "16681")]
    hi = lambda: CoverageRecord.hi_participants  # noqa: E731
    assert hierarchy.coverage_in_version(session=session, version=new, expression=hi, periods=[june])[
        (c2025, june)] == 4300
    population, year = hierarchy.denominators_in_version(session=session, version=new,
                                                         column=Denominator.population, up_to_year=2023)
    assert (population[c2025], year) == (8700, 2023)
    session.add(CoverageRecord(commune_id=c2025, period=june, hi_participants=4444))
    session.commit()
    # Only 16681 has June figures among today's communes: its own 4,444, not 4,300 or 8,500 more.
    assert hierarchy.province_series(session=session, version=new, expression=hi, periods=[june])[june] == 4444
