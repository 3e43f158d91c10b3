"""Import commune boundaries from any vector file: read, validate, match, store (all or nothing)."""
import shapely
from sqlalchemy import func, select

from geo.io import BoundaryFileError, read_vector
from geo.matching import detect_fields, match_features
from geo.shapes import validate_geometries
from planner.models import Commune, CommuneBoundary, District, HierarchyVersion
from planner.services.registry import current_version

STORED_DECIMALS = 6  # ~0.1 m: the stored shape is the full-quality one; maps simplify later.


class BoundaryImportError(Exception):
    """The file cannot be used at all (unreadable, no CRS, no hierarchy, ...)."""


def has_boundaries(*, session, version_id):
    return bool(session.execute(
        select(func.count()).select_from(CommuneBoundary)
        .join(Commune, Commune.id == CommuneBoundary.commune_id)
        .where(Commune.version_id == version_id)
    ).scalar())


def _version(session, version_name):
    if version_name:
        version = session.execute(
            select(HierarchyVersion).where(HierarchyVersion.name == version_name)
        ).scalars().first()
        if version is None:
            raise BoundaryImportError(f"No hierarchy version named {version_name!r}.")
        return version
    version = current_version(session=session)
    if version is None:
        raise BoundaryImportError("There are no communes yet: run `planner demo` or import communes first.")
    return version


def _registry(session, version_id):
    rows = session.execute(
        select(Commune.id, Commune.code, Commune.name, District.code, District.name)
        .join(District, District.id == Commune.district_id)
        .where(Commune.version_id == version_id)
    ).all()
    units = [{"code": code, "name": name, "district_code": dcode, "district_name": dname}
             for _id, code, name, dcode, dname in rows]
    ids = {code: cid for cid, code, *_ in rows}
    return units, ids


def import_boundaries(*, session, path, dry_run, version_name=None, max_bytes=None, source=""):
    """Match every feature of the file to a commune; write only if all are matched and valid.

    Returns {"ok", "message", "report"} where report has the lists matched, ambiguous,
    unmatched and invalid. Raises BoundaryImportError for a file it cannot use.
    """
    version = _version(session, version_name)
    try:
        frame = read_vector(path, max_bytes=max_bytes)
    except BoundaryFileError as exc:
        raise BoundaryImportError(str(exc)) from exc
    fields = detect_fields(frame)
    if not fields.get("code") and not fields.get("name"):
        raise BoundaryImportError(
            "The file has no commune code column (ma_xa, code, ...) nor a name column (ten_xa, name, ...)."
        )
    usable, checks = validate_geometries(frame)
    name_col = fields.get("name")

    def feature_name(index):
        return str(frame.loc[index, name_col]) if name_col else None

    invalid = [
        {"index": c["index"], "feature_name": feature_name(c["index"]), "reason": c["reason"]}
        for c in checks if c["status"] == "invalid"
    ]
    repaired = {c["index"]: c["reason"] for c in checks if c["status"] == "repaired"}
    units, ids = _registry(session, version.id)
    report = match_features(usable, units, fields=fields)
    for row in report["matched"]:
        if row["index"] in repaired:
            row["repaired"] = repaired[row["index"]]
    report = {"matched": report["matched"], "ambiguous": report["ambiguous"],
              "unmatched": report["unmatched"], "invalid": invalid}
    ok = not (report["ambiguous"] or report["unmatched"] or report["invalid"]) and report["matched"]
    missing = len(units) - len(report["matched"])
    summary = (f"{len(report['matched'])} of {len(frame)} features matched"
               f" ({len(units)} communes in '{version.name}', {max(missing, 0)} without a feature)")
    if not ok:
        return {"ok": False, "report": report,
                "message": summary + "; nothing written (fix the file or the registry and retry)."}
    if dry_run:
        return {"ok": True, "report": report, "message": summary + "; dry run, nothing written."}
    _store(session, usable, report["matched"], ids, source or str(path))
    return {"ok": True, "report": report, "message": summary + "; boundaries written."}


def _store(session, usable, matched, ids, source):
    geometries = shapely.set_precision(usable.geometry.values, 10 ** -STORED_DECIMALS)
    by_label = dict(zip(usable.index, geometries))
    try:
        existing = {
            b.commune_id: b for b in session.execute(
                select(CommuneBoundary).where(CommuneBoundary.commune_id.in_(ids.values()))
            ).scalars()
        }
        for row in matched:
            commune_id = ids[row["code"]]
            text = shapely.to_geojson(by_label[row["index"]])
            boundary = existing.get(commune_id)
            if boundary is None:
                session.add(CommuneBoundary(commune_id=commune_id, geojson=text, source=source[:255]))
            else:
                boundary.geojson = text
                boundary.source = source[:255]
        session.commit()
    except Exception:
        session.rollback()
        raise
