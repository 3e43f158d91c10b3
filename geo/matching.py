"""Matching boundary features to the registry of administrative units.

The registry is a list of dicts::

    {"code": "16663", "name": "Phường Đông Vĩnh",
     "district_code": "412", "district_name": "Thành phố Vinh"}

Rules of :func:`match_features`:

* A feature with a code is matched by code only (the code is normalised: trimmed,
  "16663.0" -> "16663", zero-padded to 5 digits). A code the registry does not know
  makes the feature *unmatched* (with name suggestions); it is never matched by name.
* A feature without a code is matched by :func:`geo.names.name_key`, then by
  :func:`geo.names.ascii_key`, among the registry units of its district (found by
  district code, else by district name key; the whole registry when the feature
  gives no district or its district is not in the registry). When several units share the key, the feature's kind prefix
  ("Xã"/"Phường"/"Thị trấn") decides; if it cannot, the feature is *ambiguous*.
* A registry unit claimed by a second feature makes that feature *ambiguous*
  (duplicate), naming the feature that claimed it first.

Report entries carry ``index``, the feature's index label (0..n-1 for a frame from
:func:`geo.io.read_vector`; :func:`geo.shapes.validate_geometries` keeps labels).
"""

from __future__ import annotations

import math
import re
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from .names import ascii_key, name_key, split_kind, suggest

__all__ = ["detect_fields", "match_features", "normalise_code"]

FIELD_CANDIDATES: dict[str, tuple[str, ...]] = {
    "code": ("ma_xa", "maxa", "ma", "code", "commune_code", "gso_code"),
    "name": ("ten_xa", "tenxa", "ten", "name", "commune_name", "name_3"),
    "district_code": ("ma_huyen", "mahuyen", "district_code"),
    "district_name": ("ten_huyen", "tenhuyen", "district", "district_name", "name_2"),
}


def detect_fields(gdf: gpd.GeoDataFrame) -> dict:
    """Find the code, name, district_code and district_name columns of ``gdf``.

    Column names are compared case-insensitively against common names (first
    candidate wins); each value is the actual column name or ``None``."""
    geom_name = gdf.geometry.name if isinstance(gdf, gpd.GeoDataFrame) else None
    by_lower: dict[str, str] = {}
    for col in gdf.columns:
        if col == geom_name or not isinstance(col, str):
            continue
        by_lower.setdefault(col.strip().lower(), col)
    found: dict[str, str | None] = {}
    used: set[str] = set()
    for role, names in FIELD_CANDIDATES.items():
        found[role] = None
        for cand in names:
            col = by_lower.get(cand)
            if col is not None and col not in used:
                found[role] = col
                used.add(col)
                break
    return found


def _is_missing(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, (float, np.floating)):
        return math.isnan(value)
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


_INT_FLOAT = re.compile(r"^\s*[+]?(\d+)(?:\.0*)?\s*$")


def normalise_code(value: Any, width: int = 5) -> str | None:
    """A unit code as a zero-padded digit string, or ``None`` when missing.

    ``16663``, ``16663.0``, ``"16663.0"``, ``" 16663 "`` -> ``"16663"``; ``"412"``
    with ``width=3`` -> ``"412"``; ``7`` -> ``"00007"``. Codes that are not
    digits are returned trimmed (they will simply not be found)."""
    if _is_missing(value):
        return None
    if isinstance(value, (bool, np.bool_)):
        return str(value)
    if isinstance(value, (int, np.integer)):
        return str(int(value)).zfill(width)
    if isinstance(value, (float, np.floating)):
        if not math.isfinite(value):
            return None
        if float(value).is_integer():
            return str(int(value)).zfill(width)
        return str(value)
    text = str(value).strip()
    if not text:
        return None
    m = _INT_FLOAT.match(text)
    if m:
        return m.group(1).zfill(width)
    return text


def _text(value: Any) -> str | None:
    if _is_missing(value):
        return None
    text = str(value).strip()
    return text or None


def _unit_kind(name: str | None) -> str | None:
    return split_kind(name)[0] if name else None


class _Registry:
    def __init__(self, registry: list[dict]):
        self.units: list[dict] = []
        self.by_code: dict[str, dict] = {}
        self.district_by_code: dict[str, list[dict]] = {}
        self.district_codes_by_key: dict[str, set[str]] = {}
        self.district_codes_by_ascii: dict[str, set[str]] = {}
        for i, entry in enumerate(registry):
            code = normalise_code(entry.get("code"))
            name = _text(entry.get("name"))
            if code is None or name is None:
                raise ValueError(f"Registry entry {i} has no code or no name.")
            if code in self.by_code:
                raise ValueError(f"Registry code {code} appears more than once.")
            dcode = normalise_code(entry.get("district_code"), width=3)
            dname = _text(entry.get("district_name"))
            unit = {
                "code": code, "name": name, "district_code": dcode, "district_name": dname,
                "key": name_key(name), "ascii": ascii_key(name), "kind": _unit_kind(name),
            }
            self.units.append(unit)
            self.by_code[code] = unit
            dist_id = dcode or (f"name:{name_key(dname)}" if dname else None)
            unit["district_id"] = dist_id
            if dist_id is not None:
                self.district_by_code.setdefault(dist_id, []).append(unit)
                if dname:
                    self.district_codes_by_key.setdefault(name_key(dname), set()).add(dist_id)
                    self.district_codes_by_ascii.setdefault(ascii_key(dname), set()).add(dist_id)

    def scope(self, dcode: str | None, dname: str | None) -> tuple[list[dict], str]:
        """Units of the feature's district and a description of the scope."""
        if dcode is not None and dcode in self.district_by_code:
            return self.district_by_code[dcode], f"district {dcode}"
        if dname:
            ids = self.district_codes_by_key.get(name_key(dname)) or \
                self.district_codes_by_ascii.get(ascii_key(dname))
            if ids and len(ids) == 1:
                (dist_id,) = ids
                return self.district_by_code[dist_id], f"district {dname}"
            if ids:
                units = [u for d in sorted(ids) for u in self.district_by_code[d]]
                return units, f"districts named {dname}"
        return self.units, "the whole registry"


def _candidates(units: list[dict], fname: str) -> list[dict]:
    key = name_key(fname)
    found = [u for u in units if u["key"] == key] if key else []
    if not found:
        akey = ascii_key(fname)
        found = [u for u in units if u["ascii"] == akey] if akey else []
    if len(found) > 1:
        kind = split_kind(fname)[0]
        if kind is not None:
            same_kind = [u for u in found if u["kind"] == kind]
            if same_kind:
                found = same_kind
    return found


def _suggestions(units: list[dict], fname: str | None, n: int = 3) -> list[dict]:
    if not fname:
        return []
    names = [u["name"] for u in units]
    out = []
    seen = set()
    for name in suggest(fname, names, n=n):
        for u in units:
            if u["name"] == name and u["code"] not in seen:
                out.append({"code": u["code"], "name": u["name"]})
                seen.add(u["code"])
    return out[:n]


def _label(value):
    return value.item() if isinstance(value, np.generic) else value


def match_features(gdf: gpd.GeoDataFrame, registry: list[dict], *,
                   fields: dict | None = None) -> dict:
    """Match every feature of ``gdf`` to a registry unit; see the module docstring.

    ``fields`` overrides :func:`detect_fields` (same keys; missing keys are detected).
    Returns plain JSON-serialisable values::

        {"matched":   [{"index", "feature_name", "code", "name", "by": "code"|"name"}],
         "ambiguous": [{"index", "feature_name", "candidates": [codes], "reason"}],
         "unmatched": [{"index", "feature_name", "feature_code", "reason",
                        "suggestions": [{"code", "name"}]}]}
    """
    detected = detect_fields(gdf)
    if fields:
        detected.update({k: v for k, v in fields.items() if k in detected})
    f = detected
    for role, col in f.items():
        if col is not None and col not in gdf.columns:
            raise ValueError(f"The column {col!r} given for {role} is not in the data.")
    reg = _Registry(registry)
    claimed: dict[str, Any] = {}
    matched: list[dict] = []
    ambiguous: list[dict] = []
    unmatched: list[dict] = []

    def col_values(role):
        col = f.get(role)
        return list(gdf[col]) if col is not None else [None] * len(gdf)

    codes = col_values("code")
    names = col_values("name")
    dcodes = col_values("district_code")
    dnames = col_values("district_name")

    for label, raw_code, raw_name, raw_dcode, raw_dname in zip(
            gdf.index, codes, names, dcodes, dnames):
        idx = _label(label)
        fname = _text(raw_name)
        code = normalise_code(raw_code)
        dcode = normalise_code(raw_dcode, width=3)
        dname = _text(raw_dname)

        def claim(unit: dict, by: str) -> None:
            first = claimed.get(unit["code"])
            if first is not None:
                ambiguous.append({
                    "index": idx, "feature_name": fname, "candidates": [unit["code"]],
                    "reason": (f"Duplicate: registry unit {unit['code']} ({unit['name']}) "
                               f"is already matched to feature {first}."),
                })
                return
            claimed[unit["code"]] = idx
            matched.append({"index": idx, "feature_name": fname, "code": unit["code"],
                            "name": unit["name"], "by": by})

        if code is not None:
            unit = reg.by_code.get(code)
            if unit is not None:
                claim(unit, "code")
            else:
                scope, _where = reg.scope(dcode, dname)
                unmatched.append({
                    "index": idx, "feature_name": fname, "feature_code": code,
                    "reason": f"The code {code} is not in the registry.",
                    "suggestions": _suggestions(scope, fname) or _suggestions(reg.units, fname),
                })
            continue

        if not fname:
            unmatched.append({"index": idx, "feature_name": None, "feature_code": None,
                              "reason": "The feature has neither a code nor a name.",
                              "suggestions": []})
            continue

        scope, where = reg.scope(dcode, dname)
        found = _candidates(scope, fname)
        if len(found) == 1:
            claim(found[0], "name")
        elif len(found) > 1:
            ambiguous.append({
                "index": idx, "feature_name": fname,
                "candidates": [u["code"] for u in found],
                "reason": (f"The name {fname} fits {len(found)} units in {where}; "
                           f"the kind of unit does not tell them apart."),
            })
        else:
            unmatched.append({
                "index": idx, "feature_name": fname, "feature_code": None,
                "reason": f"No unit named {fname} in {where}.",
                "suggestions": _suggestions(scope, fname),
            })
    return {"matched": matched, "ambiguous": ambiguous, "unmatched": unmatched}
