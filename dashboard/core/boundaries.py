"""Grid boundaries: read and check ``geo/grids.geojson``, and find the grid at a point."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import shape

from dashboard.core import schema
from dashboard.core.conversions import as_text, parse_counts
from dashboard.core.problems import Problem, rows_problem

COUNT_COLUMNS = ("population", "households")


def read_grids(root: Path) -> tuple[gpd.GeoDataFrame | None, list[Problem]]:
    """Read ``geo/grids.geojson``: one Polygon/MultiPolygon feature per finest grid."""
    file = schema.GRIDS_FILE
    features, problems = _read_features(root / file, file)
    if features is None:
        return None, problems
    records = [_properties(feature) for feature in features]
    geometries, bad_geometry = _geometries(features)
    if problem := rows_problem(file, "invalid_geometry", "geometry", bad_geometry):
        problems.append(problem)
    present = set().union(*(r.keys() for r in records))
    missing = [c for c in schema.GRID_REQUIRED if c not in present]
    problems += [Problem(file, "missing_column", column=c) for c in missing]
    if missing:
        return None, problems
    columns, column_problems = _columns(records, present, file)
    problems += column_problems
    if problem := rows_problem(file, "duplicate_id", "grid_code", duplicate_rows(columns["grid_code"])):
        problems.append(problem)
    if problems:
        return None, problems
    return gpd.GeoDataFrame(columns, geometry=geometries, crs="EPSG:4326"), problems


def _read_features(path: Path, file: str) -> tuple[list[Any] | None, list[Problem]]:
    """The file's features, or the one problem that stops reading it."""
    if not path.is_file():
        return None, [Problem(file, "missing_file")]
    try:
        document = json.loads(path.read_bytes())
    except (ValueError, UnicodeDecodeError) as exc:
        return None, [Problem(file, "unreadable", detail=str(exc)[:200])]
    features = document.get("features") if isinstance(document, dict) else None
    if not isinstance(features, list) or not features:
        return None, [Problem(file, "not_feature_collection")]
    return features, []


def _properties(feature: Any) -> dict[str, Any]:
    properties = feature.get("properties") if isinstance(feature, dict) else None
    return properties if isinstance(properties, dict) else {}


def _geometries(features: list[Any]) -> tuple[list[Any], list[int]]:
    """Each feature's polygon (repaired when invalid), and the feature numbers without one."""
    bad: list[int] = []
    geometries: list[Any] = []
    for number, feature in enumerate(features, start=1):
        try:
            geometry = shape(feature["geometry"])
        except (KeyError, TypeError, ValueError, AttributeError, shapely.errors.GEOSException):
            geometry = None
        if geometry is None or geometry.geom_type not in ("Polygon", "MultiPolygon") or geometry.is_empty:
            bad.append(number)
            geometry = None
        elif not geometry.is_valid:
            geometry = shapely.make_valid(geometry)
        geometries.append(geometry)
    return geometries, bad


def _columns(
    records: list[dict[str, Any]], present: set[str], file: str
) -> tuple[dict[str, Any], list[Problem]]:
    """The contract's columns: codes and names as text, counts as integers, with their problems."""
    problems: list[Problem] = []
    columns: dict[str, Any] = {}
    for column in (*schema.GRID_REQUIRED, *schema.GRID_OPTIONAL):
        if column not in COUNT_COLUMNS and column in present:
            columns[column] = [as_text(r.get(column)) for r in records]
    for column in schema.GRID_REQUIRED:
        empty = [i for i, v in enumerate(columns[column], start=1) if v is None]
        if problem := rows_problem(file, "missing_value", column, empty):
            problems.append(problem)
    for column in COUNT_COLUMNS:
        if column not in present and column != "population":
            continue
        values, bad = parse_counts([_blank(r.get(column)) for r in records], required=False)
        columns[column] = counts(values)
        if problem := rows_problem(file, "bad_count", column, bad):
            problems.append(problem)
    return columns, problems


def _blank(value: Any) -> Any:
    """An empty count (missing, ``null``, blank text) as ``None``: unknown, not bad."""
    return None if isinstance(value, str) and not value.strip() else value


def counts(values: list[int | None]) -> pd.Series:
    """Whole numbers that may be unknown, as a nullable integer column (population: every grid has the column)."""
    return pd.Series(pd.array(values, dtype="Int64"))


def duplicate_rows(codes: list[str | None]) -> list[int]:
    """Feature numbers repeating an earlier grid code."""
    seen: set[str] = set()
    duplicates: list[int] = []
    for number, code in enumerate(codes, start=1):
        if code is None:
            continue
        if code in seen:
            duplicates.append(number)
        seen.add(code)
    return duplicates


def grid_at(grids: gpd.GeoDataFrame, lons: Any, lats: Any) -> list[str | None]:
    """The grid code at each point (lon, lat arrays), ``None`` where a point is in no grid.

    A point on a shared edge touches two grids: the first grid in file order wins.
    """
    points = shapely.points(np.asarray(lons, dtype=float), np.asarray(lats, dtype=float))
    tree = shapely.STRtree(grids.geometry.values)
    point_index, grid_index = tree.query(points, predicate="intersects")
    codes = np.full(len(points), None, dtype=object)
    order = np.lexsort((grid_index, point_index))
    first = np.unique(point_index[order], return_index=True)[1]
    grid_codes = grids["grid_code"].to_numpy()
    codes[point_index[order][first]] = grid_codes[grid_index[order][first]]
    return list(codes)
