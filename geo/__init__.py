"""Boundary data handling for the planner: reading files, cleaning geometries,
preparing them for web maps, and matching features to administrative units.

Pure Python on geopandas/shapely/pyogrio/pyproj; never imports flask or planner.
"""

from .io import BoundaryFileError, read_vector
from .matching import detect_fields, match_features, normalise_code
from .names import ascii_key, name_key, split_kind, suggest
from .shapes import (
    dissolve_outlines,
    prepare_bands,
    prepare_for_web,
    round_coordinates,
    simplify_coverage,
    validate_geometries,
)

__all__ = [
    "BoundaryFileError",
    "ascii_key",
    "detect_fields",
    "dissolve_outlines",
    "match_features",
    "name_key",
    "prepare_bands",
    "normalise_code",
    "prepare_for_web",
    "read_vector",
    "round_coordinates",
    "simplify_coverage",
    "split_kind",
    "suggest",
    "validate_geometries",
]
