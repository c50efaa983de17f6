"""Check an uploaded boundary file (GeoJSON or zipped Shapefile) before it replaces the grids."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Final

import geopandas as gpd
import numpy as np
import polars as pl
import shapely

from dashboard.core import coords, schema
from dashboard.core.boundaries import COUNT_COLUMNS, counts, duplicate_rows
from dashboard.core.conversions import as_text, parse_counts
from dashboard.core.loading import OPTIONAL_TABLES, find_table, read_table
from dashboard.core.problems import DataError, Problem
from dashboard.ingest.findings import Findings, Prepared
from dashboard.ingest.mapping import Mapping, builtin, match_columns
from dashboard.ingest.readers import read_boundaries
from dashboard.ingest.sizing import Limits

OVERLAP_SHARE: Final = 0.001  # overlaps smaller than 0.1% of the smaller grid are digitising noise


def prepare_grids(
    data: bytes,
    file: str,
    mapping: Mapping,
    limits: Limits,
    root: Path,
    region: coords.Box,
    repair: bool = False,
) -> Prepared:
    """Read, map, reproject and check a boundary file (GeoJSON or zipped Shapefile).

    ``region`` is ``[region] bbox``: a grid outside it is noted, not refused.
    """
    prepared = Prepared(kind="grids", file=file)
    try:
        frame = read_boundaries(data, file, limits)
    except DataError as error:
        prepared.blocking += error.problems
        return prepared
    prepared.format = "geo"
    headers = _match_headers(frame, mapping, prepared)
    if headers is None:
        return prepared
    converted = _to_wgs84(gpd.GeoDataFrame(frame), mapping, prepared)
    if converted is None:
        return prepared
    prepared.total_rows = len(converted)
    findings = Findings(file)
    rows = list(range(1, len(converted) + 1))
    records = _records(converted, headers, rows, findings)
    geometries = _geometries(converted.geometry, rows, repair, findings)
    _note_outside_region(geometries, rows, region, findings)
    kept = [g if r not in findings.error_rows else None for r, g in zip(rows, geometries, strict=True)]
    kept = _settle_overlaps(kept, rows, records["grid_code"], repair, findings)
    good = _good_grids(records, kept, rows, findings)
    _check_codes_kept(good, root, prepared)
    return findings.settle(prepared, good)


def _match_headers(frame: gpd.GeoDataFrame, mapping: Mapping, prepared: Prepared) -> dict[str, str] | None:
    """The header read for each contract column; ``None`` (and blocking problems) when one is missing."""
    headers = [c for c in frame.columns if c != frame.geometry.name]
    prepared.headers = headers
    matched = match_columns(headers, "grids", mapping)
    prepared.columns = {headers[i]: c for i, c in matched.items()}
    prepared.ignored = [h for i, h in enumerate(headers) if i not in matched]
    missing = [c for c in schema.GRID_REQUIRED if c not in matched.values()]
    aliases = builtin()["columns"]["grids"]
    for column in missing:
        hint = "/".join(aliases.get(column, [])[:4])
        prepared.blocking.append(Problem(prepared.file, "missing_column", column=f"{column} ({hint})"))
    if missing:
        return None
    return {column: headers[i] for i, column in matched.items()}


def _to_wgs84(frame: gpd.GeoDataFrame, mapping: Mapping, prepared: Prepared) -> gpd.GeoDataFrame | None:
    if frame.crs is None:
        minx, miny, maxx, maxy = frame.total_bounds
        if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
            prepared.blocking.append(Problem(prepared.file, "unknown_crs"))
            return None
        frame = frame.set_crs("EPSG:4326")
    elif frame.crs.to_epsg() not in (4326, 4490):  # CGCS2000 agrees with WGS-84 to within centimetres
        try:
            frame = frame.to_crs("EPSG:4326")
        except Exception as exc:  # pyproj raises several error types
            prepared.blocking.append(Problem(prepared.file, "unknown_crs", detail=str(exc)[:200]))
            return None
    frame = frame.set_crs("EPSG:4326", allow_override=True)
    if mapping.crs != "wgs84":
        frame["geometry"] = [
            coords.convert_geometry(g, mapping.crs, "wgs84") if g is not None else None
            for g in frame.geometry
        ]
    return frame


def _records(
    frame: gpd.GeoDataFrame, headers: dict[str, str], rows: list[int], findings: Findings
) -> dict[str, list[Any]]:
    """The contract's columns: codes and names as text, counts as integers; empty, bad and repeated values."""
    records: dict[str, list[Any]] = {}
    for column, header in headers.items():
        values = frame[header].tolist()
        records[column] = values if column in COUNT_COLUMNS else [as_text(v) for v in values]
    for column in schema.GRID_REQUIRED:
        empty = [r for r, v in zip(rows, records[column], strict=True) if v is None]
        findings.add("error", "missing_value", column, empty)
    for column in COUNT_COLUMNS:
        if column not in records:
            continue
        given = [None if as_text(v) is None else v for v in records[column]]  # NaN: an empty cell
        parsed, bad = parse_counts(given, required=False)  # empty: unknown
        records[column] = parsed
        findings.add("error", "bad_count", column, bad)  # feature numbers, as ``rows``
    # No population (no column, or an empty cell) is unknown: the grid imports, its per-1,000 figures stay empty.
    population = records.get("population", [None] * len(rows))
    unknown = [r for r, v in zip(rows, population, strict=True) if v is None and r not in findings.error_rows]
    findings.add("warning", "population_unknown", "population", unknown)
    findings.add("error", "duplicate_id", "grid_code", duplicate_rows(records["grid_code"]))
    return records


def _geometries(given: Any, rows: list[int], repair: bool, findings: Findings) -> list[Any]:
    """Each row's polygon, ``None`` where it is missing or invalid (repaired instead when ``repair``)."""
    geometries: list[Any] = []
    broken: list[int] = []
    repaired: list[int] = []
    invalid: list[int] = []
    for row, read in zip(rows, given, strict=True):
        geometry = read
        if geometry is None or geometry.is_empty or geometry.geom_type not in ("Polygon", "MultiPolygon"):
            broken.append(row)
            geometries.append(None)
            continue
        if not geometry.is_valid:
            if not repair:
                invalid.append(row)
                geometries.append(None)
                continue
            geometry = _polygonal(shapely.make_valid(geometry))
            (repaired if geometry is not None else broken).append(row)
        geometries.append(geometry)
    findings.add("error", "invalid_geometry", "geometry", broken)
    findings.add("error", "invalid_polygon", "geometry", invalid)
    findings.add("warning", "polygon_repaired", "geometry", repaired)
    return geometries


def _note_outside_region(
    geometries: list[Any], rows: list[int], region: coords.Box, findings: Findings
) -> None:
    """Note the grids whose inside point lies outside the region (a boundary, never called a point)."""
    outside = []
    for row, geometry in zip(rows, geometries, strict=True):
        if geometry is None:
            continue
        point = geometry.representative_point()
        if not coords.in_box([point.x], [point.y], region)[0]:
            outside.append(row)
    findings.add("warning", "polygon_outside_region", "geometry", outside)


def _polygonal(geometry: Any) -> Any:
    """The polygon parts of a repaired geometry (make_valid may return a collection)."""
    if geometry is None or geometry.is_empty:
        return None
    if geometry.geom_type in ("Polygon", "MultiPolygon"):
        return geometry
    parts = [g for g in getattr(geometry, "geoms", []) if g.geom_type in ("Polygon", "MultiPolygon")]
    if not parts:
        return None
    merged = shapely.union_all(parts)
    return merged if merged.geom_type in ("Polygon", "MultiPolygon") else None


def _settle_overlaps(
    geometries: list[Any], rows: list[int], codes: list[Any], repair: bool, findings: Findings
) -> list[Any]:
    """Warn about overlapping grids; when ``repair``, the later grid gives up the shared area."""
    pairs = _overlaps(geometries, rows)
    if not pairs:
        return geometries
    code_of = dict(zip(rows, codes, strict=True))
    detail = ", ".join(f"{code_of[a]}/{code_of[b]}" for a, b in pairs[:5])
    if not repair:
        overlapping = sorted({r for pair in pairs for r in pair})
        findings.add("warning", "overlapping_grids", "geometry", overlapping, detail)
        return geometries
    by_row = dict(zip(rows, geometries, strict=True))
    for a, b in pairs:
        first, second = by_row[a], by_row[b]
        if first is not None and second is not None:
            by_row[b] = _polygonal(second.difference(first))
    findings.add("warning", "overlap_repaired", "geometry", sorted({b for _, b in pairs}), detail)
    return [by_row[r] for r in rows]


def _overlaps(geometries: list[Any], rows: list[int]) -> list[tuple[int, int]]:
    """Pairs of rows whose grids overlap by more than digitising noise."""
    valid = [(r, g) for r, g in zip(rows, geometries, strict=True) if g is not None]
    if len(valid) < 2:
        return []
    shapes = np.array([g for _, g in valid], dtype=object)
    tree = shapely.STRtree(shapes)
    left, right = tree.query(shapes, predicate="overlaps")
    pairs: list[tuple[int, int]] = []
    for i, j in zip(left.tolist(), right.tolist(), strict=True):
        if i >= j:
            continue
        shared = shapes[i].intersection(shapes[j]).area
        if shared > OVERLAP_SHARE * min(shapes[i].area, shapes[j].area):
            pairs.append((valid[i][0], valid[j][0]))
    return pairs


def _good_grids(
    records: dict[str, list[Any]], geometries: list[Any], rows: list[int], findings: Findings
) -> gpd.GeoDataFrame:
    """The rows without errors that still have a polygon."""
    keep = [i for i, r in enumerate(rows) if r not in findings.error_rows and geometries[i] is not None]
    columns: dict[str, Any] = {column: [values[i] for i in keep] for column, values in records.items()}
    for column in COUNT_COLUMNS:
        if column in columns:
            columns[column] = counts(columns[column])  # whole numbers, empty where unknown
    return gpd.GeoDataFrame(columns, geometry=[geometries[i] for i in keep], crs="EPSG:4326")


def _check_codes_kept(good: gpd.GeoDataFrame, root: Path, prepared: Prepared) -> None:
    """Block a boundary file that drops grid codes the current tables use."""
    codes = set(good["grid_code"]) if len(good) else set()
    lost = sorted(referenced_grid_codes(root) - codes)
    if lost:
        prepared.blocking.append(
            Problem(prepared.file, "grids_missing_codes", count=len(lost), detail=", ".join(lost[:8]))
        )


def referenced_grid_codes(root: Path) -> set[str]:
    """Grid codes the current tables use: a new boundary file must still have them all."""
    codes: set[str] = set()
    stems = [schema.ISSUES_STEM, *(stem for stem, _ in OPTIONAL_TABLES.values())]
    for stem in stems:
        path = find_table(root, stem)
        if path is None:
            continue
        frame, problems = read_table(path, stem)
        if frame is None or problems or "grid_code" not in frame.columns:
            continue
        values = frame.get_column("grid_code")
        if values.dtype.is_float():
            values = values.cast(pl.Int64, strict=False)
        codes |= {str(v).strip() for v in values.drop_nulls().to_list() if str(v).strip()}
    return codes
