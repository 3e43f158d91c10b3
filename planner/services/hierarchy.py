"""Hierarchy versions beside each other: build one from a file of units, load the official
crosswalk between two versions, and sum a time series through it."""
import csv
import io
import re

from sqlalchemy import func, literal, select, union_all

from geo.io import BoundaryFileError, read_vector
from geo.matching import detect_fields, normalise_code
from geo.names import split_kind
from planner.models import (
    Commune, CommuneBoundary, CoverageRecord, CrosswalkLink, Denominator, District, HierarchyVersion, Province,
)

DISTRICT_KIND = {"huyen": "rural_district", "thi_xa": "town", "thanh_pho": "city", "quan": "urban_district"}
COMMUNE_KIND = {"xa": "commune", "phuong": "ward", "thi_tran": "township"}


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


def import_version(*, session, path, name, valid_from, valid_to=None, province_code=None, province_name=None,
                   with_boundaries=True, population_year=None):
    """Create a hierarchy version from a file of communes (any vector file or a CSV with
    ma_xa, ten_xa, ma_huyen, ten_huyen), with their boundaries and census population if present.
    All or nothing; the current version stays current."""
    if session.execute(select(HierarchyVersion).where(HierarchyVersion.name == name)).first():
        raise HierarchyError(f"A hierarchy version named {name!r} exists already.")
    if valid_to is not None and valid_to < valid_from:
        raise HierarchyError("valid_to is before valid_from.")
    frame = _read_units(path)
    fields = detect_fields(frame)
    missing = [k for k in ("code", "name", "district_code", "district_name") if not fields.get(k)]
    if missing:
        raise HierarchyError(f"Missing columns for: {', '.join(missing)} (ma_xa, ten_xa, ma_huyen, ten_huyen).")
    from planner.services.registry import current_version
    current = current_version(session=session)
    template = current and session.execute(select(Province).where(Province.version_id == current.id)).scalars().first()
    province_code = province_code or (template.code if template else None)
    province_name = province_name or (template.name if template else None)
    if not province_code or not province_name:
        raise HierarchyError("Give the province code and name (no current version to copy them from).")
    pop_col = _population_column(frame, population_year)
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
    if errors:
        raise HierarchyError("; ".join(errors[:20]))
    try:
        version = HierarchyVersion(name=name, valid_from=valid_from, valid_to=valid_to, is_current=False)
        session.add(version)
        session.flush()
        province = Province(version_id=version.id, code=province_code, name=province_name)
        session.add(province)
        session.flush()
        districts = {}
        for _i, _c, _n, dcode, dname in units:
            if dcode not in districts:
                kind, _bare = split_kind(dname)
                districts[dcode] = District(version_id=version.id, province_id=province.id, code=dcode, name=dname,
                                            kind=DISTRICT_KIND.get(kind, "rural_district"))
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
                                            labour_force=0, source=f"{path} ({pop_col})"))
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
        if isinstance(col, str) and re.fullmatch(r"dan_so_\d{4}", col) and (wanted is None or col == wanted):
            return col
    return None


def import_crosswalk(*, session, data, from_version, to_version, dry_run=False):
    """Load a crosswalk CSV (columns ma_xa_<old year>, ma_xa_<new year>, optional ghi_chu and
    share) linking from_version's communes to to_version's. Every code must exist; all or nothing.
    Returns (links written or checked, list of errors)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return 0, ["The file is not UTF-8."]
    reader = csv.DictReader(io.StringIO(text))
    code_cols = sorted((c for c in (reader.fieldnames or []) if re.fullmatch(r"ma_xa_\d{4}", c or "")),
                       key=lambda c: int(c[-4:]))
    if len(code_cols) != 2:
        return 0, ["Need exactly two columns ma_xa_<year> (the old and the new commune code)."]
    old_col, new_col = code_cols
    old = dict(session.execute(select(Commune.code, Commune.id).where(Commune.version_id == from_version.id)).all())
    new = dict(session.execute(select(Commune.code, Commune.id).where(Commune.version_id == to_version.id)).all())
    errors, links, shares = [], {}, {}
    for number, row in enumerate(reader, start=2):
        a, b = normalise_code(row.get(old_col), 5), normalise_code(row.get(new_col), 5)
        if a not in old:
            errors.append(f"row {number}: {old_col} {row.get(old_col)!r} is not a commune of '{from_version.name}'")
            continue
        if b not in new:
            errors.append(f"row {number}: {new_col} {row.get(new_col)!r} is not a commune of '{to_version.name}'")
            continue
        try:
            share = float(row.get("share") or 1)
        except ValueError:
            errors.append(f"row {number}: share {row.get('share')!r} is not a number")
            continue
        if not 0 < share <= 1:
            errors.append(f"row {number}: share must be in (0, 1]")
            continue
        if (a, b) in links:
            errors.append(f"row {number}: {a} -> {b} repeats an earlier row")
            continue
        links[(a, b)] = (share, (row.get("ghi_chu") or "").strip()[:1000])
        shares[a] = shares.get(a, 0) + share
    over = sorted(code for code, total in shares.items() if total > 1 + 1e-9)
    if over:
        errors.append(f"shares of {', '.join(over[:10])} add up to more than 1")
    unmapped = sorted(set(old) - set(shares))
    if unmapped and not errors:
        errors.append(f"{len(unmapped)} communes of '{from_version.name}' have no row, e.g. {', '.join(unmapped[:5])}")
    if errors or dry_run:
        return len(links), errors
    try:
        session.execute(CrosswalkLink.__table__.delete().where(CrosswalkLink.from_commune_id.in_(list(old.values()))))
        for (a, b), (share, note) in links.items():
            session.add(CrosswalkLink(from_commune_id=old[a], to_commune_id=new[b], share=share, note=note))
        session.commit()
    except Exception:
        session.rollback()
        raise
    return len(links), []


def _through_crosswalk(version, expression, periods):
    """Rows (commune_id, period, value) in this version's communes: its own records, and records
    kept on older units carried over by the crosswalk (times the share)."""
    expr = expression()
    own = (select(CoverageRecord.commune_id.label("commune_id"), CoverageRecord.period.label("period"),
                  expr.label("value"))
           .join(Commune, Commune.id == CoverageRecord.commune_id)
           .where(Commune.version_id == version.id, CoverageRecord.period.in_(periods)))
    mapped = (select(CrosswalkLink.to_commune_id.label("commune_id"), CoverageRecord.period.label("period"),
                     (expr * CrosswalkLink.share).label("value"))
              .join(CrosswalkLink, CrosswalkLink.from_commune_id == CoverageRecord.commune_id)
              .join(Commune, Commune.id == CrosswalkLink.to_commune_id)
              .where(Commune.version_id == version.id, CoverageRecord.period.in_(periods)))
    return union_all(own, mapped).subquery()


def coverage_in_version(*, session, version, expression, periods):
    """{(commune_id of version, period): participants} for the given months, across reforms."""
    both = _through_crosswalk(version, expression, periods)
    rows = session.execute(select(both.c.commune_id, both.c.period, func.sum(both.c.value))
                           .group_by(both.c.commune_id, both.c.period)).all()
    return {(cid, period): round(value) for cid, period, value in rows}


def province_series(*, session, version, expression, periods):
    """{period: participants of the whole province} in this version's units, across reforms."""
    both = _through_crosswalk(version, expression, periods)
    rows = session.execute(select(both.c.period, func.sum(both.c.value)).group_by(both.c.period)).all()
    return {period: round(value) for period, value in rows}


def denominators_in_version(*, session, version, column, up_to_year):
    """({commune_id of version: population or labour force}, year) for the latest year up to
    up_to_year that has figures (or else the earliest year that has), across reforms: a commune's own figures, or else its older
    units' figures carried over by the crosswalk (times the share). column is
    Denominator.population or Denominator.labour_force. ({}, None) when no year has figures."""
    own = (select(Denominator.commune_id.label("commune_id"), Denominator.year.label("year"),
                  column.label("value"), literal(1).label("own"))
           .join(Commune, Commune.id == Denominator.commune_id)
           .where(Commune.version_id == version.id))
    mapped = (select(CrosswalkLink.to_commune_id.label("commune_id"), Denominator.year.label("year"),
                     (column * CrosswalkLink.share).label("value"), literal(0).label("own"))
              .join(CrosswalkLink, CrosswalkLink.from_commune_id == Denominator.commune_id)
              .join(Commune, Commune.id == CrosswalkLink.to_commune_id)
              .where(Commune.version_id == version.id))
    both = union_all(own, mapped).subquery()
    year = session.execute(select(func.max(both.c.year)).where(both.c.year <= up_to_year)).scalar()
    if year is None:  # no figures that old: the earliest year there is
        year = session.execute(select(func.min(both.c.year))).scalar()
    if year is None:
        return {}, None
    rows = session.execute(select(both.c.commune_id, both.c.own, func.sum(both.c.value))
                           .where(both.c.year == year)
                           .group_by(both.c.commune_id, both.c.own)).all()
    result = {}
    for commune_id, is_own, value in sorted(rows, key=lambda r: r[1]):  # own figures win
        result[commune_id] = round(value)
    return result, year
