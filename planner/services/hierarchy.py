"""Hierarchy versions beside each other: build one from a file of units, load the official
crosswalk between two versions, and sum a time series through it."""
import csv
import io
import re
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, literal, select, true, union_all
from sqlalchemy.orm import aliased

from geo.io import BoundaryFileError, read_vector
from geo.matching import detect_fields, normalise_code
from geo.names import split_kind
from planner.models import (
    Commune, CommuneBoundary, CoverageRecord, CrosswalkLink, Denominator, District, HierarchyVersion, Province, limits,
)
from planner.models.areas import MIDDLE_LEVELS, OFFICE_KIND

DISTRICT_KIND = {"huyen": "rural_district", "thi_xa": "town", "thanh_pho": "city", "quan": "urban_district"}
COMMUNE_KIND = {"xa": "commune", "phuong": "ward", "thi_tran": "township"}
OFFICE_PREFIX = "BHXH cơ sở "
# Columns of the former district in a file of the two-level structure (no districts since July
# 2025): the default grouping of the communes into grassroots office areas.
FORMER_DISTRICT_COLUMNS = (("ma_huyen_cu", "ten_huyen_cu"), ("ma_huyen_2024_12", "ten_huyen_2024_12"))


# What the middle level of a version is called in the UI: administrative districts until June
# 2025, grassroots social insurance office areas from July 2025 (the two-level structure). Whole
# sentences, not words pasted into sentences, so that each reads right in both languages.
MIDDLE_LABELS = {
    "district": {
        "one": _l("Huyện"), "many": _l("Huyện"), "head": _l("Lãnh đạo BHXH huyện"),
        "lower": _l("huyện"), "code": _l("Mã huyện"), "nav": _l("Các huyện"),
        "list_title": _l("Danh sách huyện, thị xã, thành phố"),
        "empty": _l("Huyện này chưa có xã nào trong phạm vi của bạn."),
        "yours": _l("Huyện của bạn"),
        "ranked_by": _l("Xếp hạng huyện theo"),
        "ranking_title": _l("Xếp hạng huyện theo BHYT, năm %(y)s"),
        "ranking_sheet": _l("Xếp hạng huyện"),
        "ranking_sheet_title": _l("Xếp hạng huyện theo BHYT – năm %(y)s – số liệu tháng %(m)s"),
        "none_with_data": _l("Chưa có huyện nào có số liệu năm %(y)s."),
        "chart_needed": _l("Số người cần thêm để đạt chỉ tiêu BHYT theo huyện, năm %(y)s"),
        "chart_coverage": _l("Tỷ lệ bao phủ BHYT theo huyện, năm %(y)s"),
        "chart_attainment": _l("Mức đạt chỉ tiêu BHYT theo huyện, năm %(y)s"),
        "chart_desc": _l("%(n)s huyện; đứng đầu: %(top)s."),
        "own_target": _l("Chỉ tiêu của huyện"),
        "rate_of": _l("Theo tỷ lệ của huyện"),
        "no_agents": _l("Không có nhân viên thu nào trong huyện."),
        "my_targets": _l("Chỉ tiêu của huyện bạn và phân bổ cho các xã"),
        "children_sum": _l("Tổng các huyện"),
        "children_count": _l("%(n)s/%(total)s huyện"),
        "allocate": _l("Phân bổ cho huyện"),
        "campaign_help": _l("Lãnh đạo BHXH huyện chỉ tạo chiến dịch cho huyện của mình."),
        "unknown_code": _l("Mã huyện “%(code)s” không có trong danh mục hiện hành (%(version)s)."),
        "not_yours": _l("Huyện “%(code)s” không phải huyện bạn phụ trách."),
        "commune_not_yours": _l("Xã “%(code)s” không thuộc huyện bạn phụ trách."),
    },
    "office": {
        "one": _l("BHXH cơ sở"), "many": _l("BHXH cơ sở"), "head": _l("Lãnh đạo BHXH cơ sở"),
        "lower": _l("BHXH cơ sở"), "code": _l("Mã BHXH cơ sở"), "nav": _l("Các BHXH cơ sở"),
        "list_title": _l("Danh sách BHXH cơ sở"),
        "empty": _l("BHXH cơ sở này chưa có xã nào trong phạm vi của bạn."),
        "yours": _l("BHXH cơ sở của bạn"),
        "ranked_by": _l("Xếp hạng BHXH cơ sở theo"),
        "ranking_title": _l("Xếp hạng BHXH cơ sở theo BHYT, năm %(y)s"),
        "ranking_sheet": _l("Xếp hạng BHXH cơ sở"),
        "ranking_sheet_title": _l("Xếp hạng BHXH cơ sở theo BHYT – năm %(y)s – số liệu tháng %(m)s"),
        "none_with_data": _l("Chưa có BHXH cơ sở nào có số liệu năm %(y)s."),
        "chart_needed": _l("Số người cần thêm để đạt chỉ tiêu BHYT theo BHXH cơ sở, năm %(y)s"),
        "chart_coverage": _l("Tỷ lệ bao phủ BHYT theo BHXH cơ sở, năm %(y)s"),
        "chart_attainment": _l("Mức đạt chỉ tiêu BHYT theo BHXH cơ sở, năm %(y)s"),
        "chart_desc": _l("%(n)s BHXH cơ sở; đứng đầu: %(top)s."),
        "own_target": _l("Chỉ tiêu của BHXH cơ sở"),
        "rate_of": _l("Theo tỷ lệ của BHXH cơ sở"),
        "no_agents": _l("Không có nhân viên thu nào trong địa bàn BHXH cơ sở."),
        "my_targets": _l("Chỉ tiêu của BHXH cơ sở bạn phụ trách và phân bổ cho các xã"),
        "children_sum": _l("Tổng các BHXH cơ sở"),
        "children_count": _l("%(n)s/%(total)s BHXH cơ sở"),
        "allocate": _l("Phân bổ cho BHXH cơ sở"),
        "campaign_help": _l("Giám đốc BHXH cơ sở chỉ tạo chiến dịch cho địa bàn của mình."),
        "unknown_code": _l("Mã BHXH cơ sở “%(code)s” không có trong danh mục hiện hành (%(version)s)."),
        "not_yours": _l("BHXH cơ sở “%(code)s” không phải đơn vị bạn phụ trách."),
        "commune_not_yours": _l("Xã “%(code)s” không thuộc BHXH cơ sở bạn phụ trách."),
    },
}


def middle_level(version):
    """"district" or "office": what the version's District rows stand for."""
    return getattr(version, "middle_level", None) or "district"


def middle_label(version, form="one", /, **params):
    """The UI wording of the version's middle level ("Huyện" / "BHXH cơ sở") in one of the forms
    of MIDDLE_LABELS (one, many, head, lower, code, nav, ...); with params, the sentence filled in
    (middle_label(v, "ranking_title", y=2026))."""
    label = str(MIDDLE_LABELS[middle_level(version)][form])  # in the request's language, now
    return label % params if params else label


class HierarchyError(ValueError):
    """A file or request that cannot be used; the message says why."""


def version_by_name(*, session, name):
    version = session.execute(select(HierarchyVersion).where(HierarchyVersion.name == name)).scalars().first()
    if version is None:
        raise HierarchyError(f"No hierarchy version named {name!r}.")
    return version


def version_for(*, session, day):
    """The hierarchy version in force on a day (the current one if none says so)."""
    found = session.execute(
        select(HierarchyVersion).where(HierarchyVersion.valid_from <= day,
                                       (HierarchyVersion.valid_to.is_(None)) | (HierarchyVersion.valid_to >= day))
        .order_by(HierarchyVersion.valid_from.desc())).scalars().first()
    if found is None:
        from planner.services.registry import current_version
        return current_version(session=session)
    return found


def office_name(former_district_name):
    """The default name of a grassroots office area: after the former district it grew from."""
    _kind, bare = split_kind(former_district_name)
    return OFFICE_PREFIX + (bare or str(former_district_name).strip())


def overlapping(*, session, valid_from, valid_to, exclude_id=None):
    """The versions whose validity overlaps [valid_from, valid_to] (open end: None)."""
    stmt = select(HierarchyVersion).where(
        (HierarchyVersion.valid_to.is_(None)) | (HierarchyVersion.valid_to >= valid_from))
    if valid_to is not None:
        stmt = stmt.where(HierarchyVersion.valid_from <= valid_to)
    if exclude_id is not None:
        stmt = stmt.where(HierarchyVersion.id != exclude_id)
    return session.execute(stmt.order_by(HierarchyVersion.valid_from)).scalars().all()


def _fmt_range(version):
    end = version.valid_to.strftime("%d/%m/%Y") if version.valid_to else "…"
    return f"'{version.name}' ({version.valid_from.strftime('%d/%m/%Y')}–{end})"


def refresh_current(*, session, today=None):
    """Mark current the version in force today (the structure every page defaults to). If no
    version is in force today the mark stays where it is."""
    today = today or date.today()
    in_force = session.execute(
        select(HierarchyVersion).where(HierarchyVersion.valid_from <= today,
                                       (HierarchyVersion.valid_to.is_(None)) | (HierarchyVersion.valid_to >= today))
        .order_by(HierarchyVersion.valid_from.desc())).scalars().first()
    if in_force is None:
        return None
    for version in session.execute(select(HierarchyVersion)).scalars():
        version.is_current = version.id == in_force.id
    return in_force


def import_version(*, session, path, name, valid_from, valid_to=None, province_code=None, province_name=None,
                   with_boundaries=True, population_year=None, with_population=True, middle_level=None,
                   end_previous=False):
    """Create a hierarchy version from a file of communes (any vector file or a CSV with
    ma_xa, ten_xa and either ma_huyen, ten_huyen (districts) or ma_huyen_cu, ten_huyen_cu (the
    two-level structure of July 2025: communes grouped into grassroots office areas named after
    the former district)), with their boundaries and census population if present.

    The validity must not overlap another version's; with end_previous, an open-ended version
    that began earlier is ended the day before valid_from instead. All or nothing; afterwards
    the version in force today is marked current."""
    if session.execute(select(HierarchyVersion).where(HierarchyVersion.name == name)).first():
        raise HierarchyError(f"A hierarchy version named {name!r} exists already.")
    if valid_to is not None and valid_to < valid_from:
        raise HierarchyError("valid_to is before valid_from.")
    if middle_level is not None and middle_level not in MIDDLE_LEVELS:
        raise HierarchyError(f"middle_level must be one of {', '.join(MIDDLE_LEVELS)}.")
    ended = []
    for other in overlapping(session=session, valid_from=valid_from, valid_to=valid_to):
        if end_previous and other.valid_to is None and other.valid_from < valid_from:
            ended.append(other)
            continue
        hint = " (add --end-previous to end it the day before)" if other.valid_to is None else ""
        raise HierarchyError(f"The dates overlap the hierarchy version {_fmt_range(other)}{hint}.")
    frame = _read_units(path)
    fields = detect_fields(frame)
    columns = {c.strip().lower(): c for c in frame.columns if isinstance(c, str)}
    if middle_level is None:
        middle_level = "district" if fields.get("district_code") else "office"
    if middle_level == "office" and not fields.get("district_code"):
        for code_col, name_col in FORMER_DISTRICT_COLUMNS:
            if code_col in columns and name_col in columns:
                fields["district_code"], fields["district_name"] = columns[code_col], columns[name_col]
                break
    missing = [k for k in ("code", "name", "district_code", "district_name") if not fields.get(k)]
    if missing:
        raise HierarchyError(f"Missing columns for: {', '.join(missing)} (ma_xa, ten_xa, and ma_huyen, ten_huyen "
                             f"or ma_huyen_cu, ten_huyen_cu).")
    from planner.services.registry import current_version
    current = current_version(session=session)
    template = current and session.execute(select(Province).where(Province.version_id == current.id)).scalars().first()
    province_code = province_code or (template.code if template else None)
    province_name = province_name or (template.name if template else None)
    if not province_code or not province_name:
        raise HierarchyError("Give the province code and name (no current version to copy them from).")
    pop_col = _population_column(frame, population_year) if with_population else None
    units, errors, seen = [], [], {}
    for index, row in frame.iterrows():
        code = normalise_code(row[fields["code"]], 5)
        dcode = normalise_code(row[fields["district_code"]], 3)
        if not code or not dcode:
            errors.append(f"row {index + 1}: missing commune or district code")
            continue
        if code in seen:
            errors.append(f"row {index + 1}: commune code {code} repeats row {seen[code] + 1}")
            continue
        seen[code] = index
        units.append((index, code, str(row[fields["name"]]).strip(), dcode, str(row[fields["district_name"]]).strip()))
        if pop_col:
            value = row[pop_col]
            value = value.item() if hasattr(value, "item") else value  # numpy scalars
            if value is not None and value == value:
                try:
                    limits.bounded_int(value, pop_col, limits.PEOPLE)
                except limits.NumberError as exc:
                    errors.append(f"row {index + 1}: {exc}")
    if errors:
        raise HierarchyError("; ".join(errors[:20]))
    try:
        for other in ended:
            other.valid_to = valid_from - timedelta(days=1)
        version = HierarchyVersion(name=name, valid_from=valid_from, valid_to=valid_to, is_current=False,
                                   middle_level=middle_level)
        session.add(version)
        session.flush()
        province = Province(version_id=version.id, code=province_code, name=province_name)
        session.add(province)
        session.flush()
        districts = {}
        for _i, _c, _n, dcode, dname in units:
            if dcode not in districts:
                if middle_level == "office":
                    districts[dcode] = District(version_id=version.id, province_id=province.id, code=dcode,
                                                name=office_name(dname), kind=OFFICE_KIND)
                else:
                    kind, _bare = split_kind(dname)
                    districts[dcode] = District(version_id=version.id, province_id=province.id, code=dcode,
                                                name=dname, kind=DISTRICT_KIND.get(kind, "rural_district"))
                session.add(districts[dcode])
        session.flush()
        communes = {}
        for index, code, cname, dcode, _d in units:
            kind, _bare = split_kind(cname)
            communes[index] = Commune(version_id=version.id, district_id=districts[dcode].id, code=code, name=cname,
                                      kind=COMMUNE_KIND.get(kind, "commune"))
            session.add(communes[index])
        session.flush()
        if pop_col:
            year = int(pop_col.rsplit("_", 1)[-1])
            for index, commune in communes.items():
                value = frame.loc[index, pop_col]
                if value is not None and value == value:
                    session.add(Denominator(commune_id=commune.id, year=year, population=int(value),
                                            labour_force=0, source=f"{path} ({pop_col})"[:255]))
        if with_boundaries and "geometry" in frame.columns:
            import shapely
            from geo.shapes import validate_geometries
            usable, report = validate_geometries(frame)
            bad = [r for r in report if r["status"] == "invalid"]
            if bad:
                raise HierarchyError(f"{len(bad)} invalid geometries, e.g. row {bad[0]['index'] + 1}: {bad[0]['reason']}")
            for index, geom in zip(usable.index, shapely.set_precision(usable.geometry.values, 1e-6)):
                session.add(CommuneBoundary(commune_id=communes[index].id, geojson=shapely.to_geojson(geom),
                                            source=str(path)[:255]))
        session.flush()
        refresh_current(session=session)
        session.commit()
    except Exception:
        session.rollback()
        raise
    return version, len(districts), len(communes)


def _read_units(path):
    import pandas as pd
    text_path = str(path)
    if text_path.lower().endswith(".csv"):
        try:
            with open(path, encoding="utf-8-sig") as fh:
                return pd.read_csv(fh, dtype=str)
        except UnicodeDecodeError as exc:
            raise HierarchyError("The CSV file is not UTF-8.") from exc
        except OSError as exc:
            raise HierarchyError(str(exc)) from exc
    try:
        return read_vector(path)
    except BoundaryFileError as exc:
        raise HierarchyError(str(exc)) from exc


def _population_column(frame, year):
    wanted = f"dan_so_{year}" if year else None
    for col in frame.columns:
        if isinstance(col, str) and re.fullmatch(r"dan_so_[0-9]{4}", col) and (wanted is None or col == wanted):
            return col
    return None


CODE_COLUMN = re.compile(r"ma_xa_([0-9]{4})(?:_([0-9]{1,2}))?")


def _code_columns(fieldnames, old_column=None, new_column=None):
    """(old column, new column) of a crosswalk file: as given, else the two columns named
    ma_xa_<year> or ma_xa_<year>_<month>, the older first. Raises HierarchyError."""
    names = [c for c in (fieldnames or []) if c]
    for given in (old_column, new_column):
        if given is not None and given not in names:
            raise HierarchyError(f"The file has no column {given!r} (it has {', '.join(names)}).")
    if old_column and new_column:
        if old_column == new_column:
            raise HierarchyError("The old and the new code column are the same.")
        return old_column, new_column
    found = []
    for c in names:
        m = CODE_COLUMN.fullmatch(c.strip())
        if m:
            found.append(((int(m.group(1)), int(m.group(2) or 0)), c))
    found = [c for _key, c in sorted(found)]
    if old_column:
        found = [c for c in found if c != old_column]
        return (old_column, found[-1]) if len(found) == 1 else _ambiguous(names)
    if new_column:
        found = [c for c in found if c != new_column]
        return (found[0], new_column) if len(found) == 1 else _ambiguous(names)
    if len(found) != 2:
        _ambiguous(names)
    return found[0], found[1]


def _ambiguous(names):
    raise HierarchyError("Need exactly two commune code columns, ma_xa_<year> or ma_xa_<year>_<month> (the old "
                         "and the new code), or name them with --old-column and --new-column; the file has "
                         f"{', '.join(names) or 'no columns'}.")


def _rows_text(rows):
    return ", ".join(str(r) for r in rows[:8]) + (" …" if len(rows) > 8 else "")


def import_crosswalk(*, session, data, from_version, to_version, dry_run=False, old_column=None, new_column=None):
    """Load a crosswalk CSV linking from_version's communes to to_version's: two code columns
    (ma_xa_<year>[_<month>], or named by old_column/new_column), optional ghi_chu and share.

    Every old unit must have a row; an old unit sent to several new ones needs a share on each
    row and its shares must sum to 1; every code must be a unit of its version. All or nothing:
    returns (links written or checked, list of errors naming the rows). Afterwards the links
    chained across several reforms are rebuilt (rebuild_chains)."""
    if from_version.id == to_version.id:
        return 0, ["The old and the new hierarchy version are the same."]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return 0, ["The file is not UTF-8."]
    reader = csv.DictReader(io.StringIO(text))
    try:
        old_col, new_col = _code_columns(reader.fieldnames, old_column, new_column)
    except HierarchyError as exc:
        return 0, [str(exc)]
    old = dict(session.execute(select(Commune.code, Commune.id).where(Commune.version_id == from_version.id)).all())
    new = dict(session.execute(select(Commune.code, Commune.id).where(Commune.version_id == to_version.id)).all())
    errors, links, by_old = [], {}, {}
    for number, row in enumerate(reader, start=2):
        raw_a, raw_b = row.get(old_col), row.get(new_col)
        a, b = normalise_code(raw_a, 5), normalise_code(raw_b, 5)
        if a not in old:
            where = f"a unit of '{to_version.name}', not of '{from_version.name}'" if a in new else \
                f"a unit of neither '{from_version.name}' nor '{to_version.name}'"
            errors.append(f"row {number}: {old_col} {raw_a!r} is {where}")
            continue
        if b not in new:
            where = f"a unit of '{from_version.name}', not of '{to_version.name}'" if b in old else \
                f"a unit of neither '{from_version.name}' nor '{to_version.name}'"
            errors.append(f"row {number}: {new_col} {raw_b!r} is {where}")
            continue
        raw_share = (row.get("share") or "").strip()
        try:
            share = float(raw_share.replace(",", ".")) if raw_share else None
        except ValueError:
            errors.append(f"row {number}: share {raw_share!r} is not a number")
            continue
        if share is not None and not 0 < share <= 1:
            errors.append(f"row {number}: share must be more than 0 and at most 1")
            continue
        if (a, b) in links:
            errors.append(f"row {number}: {a} -> {b} repeats an earlier row")
            continue
        links[(a, b)] = (share, (row.get("ghi_chu") or "").strip()[:1000], number)
        by_old.setdefault(a, []).append((number, share))
    for a, rows in sorted(by_old.items()):
        numbers = [n for n, _s in rows]
        if len(rows) > 1 and any(s is None for _n, s in rows):
            errors.append(f"{old_col} {a} goes to {len(rows)} new units without a share on each row "
                          f"(rows {_rows_text(numbers)})")
        elif abs(sum(s if s is not None else 1.0 for _n, s in rows) - 1) > 1e-6:
            total = sum(s if s is not None else 1.0 for _n, s in rows)
            errors.append(f"the shares of {old_col} {a} add up to {total:g}, not 1 (rows {_rows_text(numbers)})")
    unmapped = sorted(set(old) - set(by_old))
    if unmapped:
        errors.append(f"{len(unmapped)} units of '{from_version.name}' have no row: {_rows_text(unmapped)}")
    if errors or dry_run:
        return len(links), errors
    try:
        session.execute(CrosswalkLink.__table__.delete().where(CrosswalkLink.from_commune_id.in_(list(old.values()))))
        for (a, b), (share, note, _n) in links.items():
            session.add(CrosswalkLink(from_commune_id=old[a], to_commune_id=new[b], share=share or 1.0, note=note))
        session.flush()
        rebuild_chains(session=session)
        session.commit()
    except Exception:
        session.rollback()
        raise
    return len(links), []


def rebuild_chains(*, session):
    """Derive the links across several reforms from the official ones (hops = 1): a unit of 2019
    reaches its 2025 commune through 2020 and 2024-12, with the product of the shares (summed when
    several paths lead to the same unit). Replaces every derived link; returns how many there are."""
    session.execute(CrosswalkLink.__table__.delete().where(CrosswalkLink.hops > 1))
    official = session.execute(select(CrosswalkLink.from_commune_id, CrosswalkLink.to_commune_id,
                                      CrosswalkLink.share).where(CrosswalkLink.hops == 1)).all()
    onward = {}
    for a, b, share in official:
        onward.setdefault(a, []).append((b, share))
    direct = {(a, b) for a, b, _s in official}
    derived = {}

    def walk(start, node, share, hops, seen):
        for nxt, part in onward.get(node, ()):
            if nxt in seen:
                continue  # a cycle in bad data: never loop
            total = share * part
            if hops >= 2 and (start, nxt) not in direct:
                key = (start, nxt)
                old_share, old_hops = derived.get(key, (0.0, hops))
                derived[key] = (old_share + total, max(old_hops, hops))
            walk(start, nxt, total, hops + 1, seen | {nxt})

    for start in onward:
        walk(start, start, 1.0, 1, {start})
    rows = [dict(from_commune_id=a, to_commune_id=b, share=min(1.0, share), hops=hops, note="")
            for (a, b), (share, hops) in derived.items()]
    if rows:
        from sqlalchemy import insert
        session.execute(insert(CrosswalkLink.__table__), rows)
    return len(rows)


def _ranked(rows, key):
    """Keep, per (commune, key), only the figures of one source: the commune's own, or else those
    of the newest older structure that has any. So a month (or year) recorded on two older
    structures is never counted twice in a newer one. rows: a union with columns commune_id,
    <key>, value, own (1/0) and src_from (the source version's valid_from)."""
    rank = func.rank().over(partition_by=(rows.c.commune_id, rows.c[key]),
                            order_by=(rows.c.own.desc(), rows.c.src_from.desc())).label("rank")
    ranked = select(rows.c.commune_id, rows.c[key], rows.c.value, rank).subquery()
    return select(ranked.c.commune_id, ranked.c[key], ranked.c.value).where(ranked.c.rank == 1).subquery()


def _with_sources(version, model, key_column, value, where_key):
    """A union of this version's own figures and older units' figures carried over by the
    crosswalk (times the share), each row with its source's rank columns (own, src_from)."""
    source = aliased(Commune)
    own = (select(model.commune_id.label("commune_id"), key_column.label("key"), value.label("value"),
                  literal(1).label("own"), HierarchyVersion.valid_from.label("src_from"))
           .join(source, source.id == model.commune_id)
           .join(HierarchyVersion, HierarchyVersion.id == source.version_id)
           .where(source.version_id == version.id, where_key))
    target = aliased(Commune)
    mapped = (select(CrosswalkLink.to_commune_id.label("commune_id"), key_column.label("key"),
                     (value * CrosswalkLink.share).label("value"), literal(0).label("own"),
                     HierarchyVersion.valid_from.label("src_from"))
              .join(CrosswalkLink, CrosswalkLink.from_commune_id == model.commune_id)
              .join(target, target.id == CrosswalkLink.to_commune_id)
              .join(source, source.id == model.commune_id)
              .join(HierarchyVersion, HierarchyVersion.id == source.version_id)
              .where(target.version_id == version.id, where_key))
    return _ranked(union_all(own, mapped).subquery(), "key")


def _through_crosswalk(version, expression, periods):
    """Rows (commune_id, key = period, value) in this version's communes: its own records, or
    else records kept on older units carried over by the crosswalk (times the share)."""
    return _with_sources(version, CoverageRecord, CoverageRecord.period, expression(),
                         CoverageRecord.period.in_(periods))


def coverage_rows(*, version, expression, periods):
    """A subquery of (commune_id, period, value) in this version's communes across reforms (each
    month from one source, as _through_crosswalk ranks them), for callers that group it their own
    way (progress by district or commune, with their filters)."""
    both = _through_crosswalk(version, expression, periods)
    return select(both.c.commune_id, both.c.key.label("period"), both.c.value).subquery()


def coverage_in_version(*, session, version, expression, periods):
    """{(commune_id of version, period): participants} for the given months, across reforms."""
    both = _through_crosswalk(version, expression, periods)
    rows = session.execute(select(both.c.commune_id, both.c.key, func.sum(both.c.value))
                           .group_by(both.c.commune_id, both.c.key)).all()
    return {(cid, period): round(value) for cid, period, value in rows}


def province_series(*, session, version, expression, periods):
    """{period: participants of the whole province} in this version's units, across reforms."""
    both = _through_crosswalk(version, expression, periods)
    rows = session.execute(select(both.c.key, func.sum(both.c.value)).group_by(both.c.key)).all()
    return {period: round(value) for period, value in rows}


def denominators_in_version(*, session, version, column, up_to_year):
    """({commune_id of version: population or labour force}, year) for the latest year up to
    up_to_year that has figures (or else the earliest year that has), across reforms: a commune's
    own figures, or else its older units' figures carried over by the crosswalk (times the share),
    from the newest older structure that has figures that year. column is Denominator.population
    or Denominator.labour_force. ({}, None) when no year has figures."""
    both = _with_sources(version, Denominator, Denominator.year, column, true())
    year = session.execute(select(func.max(both.c.key)).where(both.c.key <= up_to_year)).scalar()
    if year is None:  # no figures that old: the earliest year there is
        year = session.execute(select(func.min(both.c.key))).scalar()
    if year is None:
        return {}, None
    rows = session.execute(select(both.c.commune_id, func.sum(both.c.value))
                           .where(both.c.key == year).group_by(both.c.commune_id)).all()
    return {commune_id: round(value) for commune_id, value in rows}, year
