"""Complaint heat: issues counted per H3 hexagon on the server, and small payloads for the map.

The browser never receives raw points: :func:`aggregate` counts the issues that have
coordinates per H3 cell (Uber's hexagonal grid; resolution 9 is a hexagon of about
0.1 km², a few blocks of a street), :func:`heat_payload` turns the counts into at most
``max_points`` ``[lat, lon, weight]`` triples for a heat layer, and
:func:`cell_polygons` gives the hexagons' outlines for a choropleth.

Speed: H3's Python binding converts one point per call (about 0.5 µs each), so
identical coordinates (geocoded addresses, building centroids) are merged first and
each distinct point is converted once; a month of a city (~420,000 points) takes
about 0.3 s.

>>> import polars as pl
>>> issues = pl.DataFrame({"lat": [30.0, 30.0, 30.01, None], "lon": [120.0, 120.0, 120.01, 120.0]})
>>> aggregate(issues, 9).select("cell", "count").rows()
[('894196799d3ffff', 2), ('89419679873ffff', 1)]
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import Final

import h3
import h3.api.numpy_int as h3_int
import polars as pl

__all__ = [
    "DEFAULT_RESOLUTION",
    "aggregate",
    "cell_ids",
    "cell_of",
    "cell_polygons",
    "heat_payload",
    "issues_in_cell",
    "payload_bytes",
    "resolution_for_area",
]

DEFAULT_RESOLUTION: Final = 9  # ~0.105 km² hexagons, ~200 m edge: a few blocks of a street
FINEST: Final = 10  # ~0.015 km², ~76 m edge: finer would point at single households
COARSEST: Final = 5  # ~253 km²
MAX_CELLS_IN_VIEW: Final = 1000  # cells a view may hold before the next coarser resolution is used
COORDINATE_DECIMALS: Final = 5  # ~1 m: plenty for a cell centre, and short in JSON
WEIGHT_DECIMALS: Final = 4
AGGREGATE_SCHEMA: Final = pl.Schema(
    {"cell": pl.String, "lat": pl.Float64, "lon": pl.Float64, "count": pl.Int64}
)


def _check_resolution(resolution: int) -> None:
    if isinstance(resolution, bool) or not isinstance(resolution, int) or not 0 <= resolution <= 15:
        raise ValueError(f"resolution must be an integer from 0 to 15, got {resolution!r}")


def _check_cell(cell: str) -> None:
    if not isinstance(cell, str) or not h3.is_valid_cell(cell):
        raise ValueError(f"not an H3 cell: {cell!r}")


def resolution_for_area(km2: float) -> int:
    """The finest H3 resolution (5 to 10) at which an area of ``km2`` holds at most 1,000 cells.

    A community (1–2 km²) gets 10, a street (~25 km²) 9, a district or a city
    (150–700 km²) 8, a large city 7.

    >>> [resolution_for_area(a) for a in (1.2, 25, 625, 5000)]
    [10, 9, 8, 7]
    """
    if not math.isfinite(km2) or km2 <= 0:
        raise ValueError(f"area must be a positive number of km², got {km2!r}")
    for resolution in range(FINEST, COARSEST, -1):
        if km2 / h3.average_hexagon_area(resolution, unit="km^2") <= MAX_CELLS_IN_VIEW:
            return resolution
    return COARSEST


def _points(issues: pl.DataFrame) -> pl.DataFrame:
    """Distinct (lat, lon) of the issues with usable coordinates, with how many issues share each."""
    for column in ("lat", "lon"):
        if column not in issues.columns:
            raise ValueError(f"issues need a {column!r} column")
    return (
        issues.lazy()
        .select(pl.col("lat").cast(pl.Float64), pl.col("lon").cast(pl.Float64))
        .filter(pl.col("lat").is_finite() & pl.col("lon").is_finite())
        .group_by("lat", "lon")
        .agg(pl.len().alias("n"))
        .collect()
    )


def cell_ids(lat: Sequence[float], lon: Sequence[float], resolution: int) -> list[int]:
    """The H3 cell of each point as a 64-bit integer (no hex string per point: faster).

    ``h3.int_to_str`` gives the usual text form of one.
    """
    to_cell = h3_int.latlng_to_cell
    return [int(to_cell(y, x, resolution)) for y, x in zip(lat, lon, strict=True)]


def aggregate(issues: pl.DataFrame, resolution: int = DEFAULT_RESOLUTION) -> pl.DataFrame:
    """Issues with coordinates counted per H3 cell.

    Pass the issues to count (for a map of a period: the period's issues, without
    ``invalid`` ones); rows without ``lat``/``lon`` are left out, so the counts add up
    to the number of issues with coordinates.

    Returns
    -------
    pl.DataFrame
        ``cell`` (H3 index, str), ``lat``, ``lon`` (the cell's centre), ``count``
        (Int64), sorted by count (descending), then cell.
    """
    _check_resolution(resolution)
    points = _points(issues)
    if points.height == 0:
        return pl.DataFrame(schema=AGGREGATE_SCHEMA)
    cells = cell_ids(points.get_column("lat").to_list(), points.get_column("lon").to_list(), resolution)
    counted = (
        points.select(pl.Series("cell", cells, dtype=pl.UInt64), pl.col("n"))
        .group_by("cell")
        .agg(pl.col("n").sum().cast(pl.Int64).alias("count"))
    )
    names = [h3.int_to_str(c) for c in counted.get_column("cell").to_list()]
    centres = [h3.cell_to_latlng(c) for c in names]
    return pl.DataFrame(
        {
            "cell": names,
            "lat": [c[0] for c in centres],
            "lon": [c[1] for c in centres],
            "count": counted.get_column("count"),
        },
        schema=AGGREGATE_SCHEMA,
    ).sort(["count", "cell"], descending=[True, False])


def cell_of(lat: float, lon: float, resolution: int = DEFAULT_RESOLUTION) -> str:
    """The H3 cell (str) that contains a point, e.g. where the user clicked on the map."""
    _check_resolution(resolution)
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        raise ValueError(f"not a WGS-84 point: lat={lat!r}, lon={lon!r}")
    return str(h3.latlng_to_cell(lat, lon, resolution))


def cell_polygons(cells: Sequence[str]) -> list[list[tuple[float, float]]]:
    """Each cell's outline as an open ring of (lat, lon) vertices (6, or 5 for a pentagon), in order.

    Folium's ``Polygon`` takes (lat, lon) rings and closes them itself.
    """
    rings: list[list[tuple[float, float]]] = []
    for cell in cells:
        _check_cell(cell)
        rings.append([(round(y, 6), round(x, 6)) for y, x in h3.cell_to_boundary(cell)])
    return rings


def issues_in_cell(issues: pl.DataFrame, cell: str, resolution: int) -> pl.DataFrame:
    """The issues whose point lies in ``cell`` (for the drill-down), newest first.

    Only the issues inside the cell's bounding box (with a margin) are converted to
    cells, so this stays fast on a large frame. Columns are those of ``issues``.
    """
    _check_resolution(resolution)
    _check_cell(cell)
    if h3.get_resolution(cell) != resolution:
        raise ValueError(f"cell {cell} is of resolution {h3.get_resolution(cell)}, not {resolution}")
    ring = h3.cell_to_boundary(cell)
    lats, lons = [p[0] for p in ring], [p[1] for p in ring]
    margin_lat = (max(lats) - min(lats)) * 0.1
    margin_lon = (max(lons) - min(lons)) * 0.1
    near = issues.filter(
        pl.col("lat").is_between(min(lats) - margin_lat, max(lats) + margin_lat)
        & pl.col("lon").is_between(min(lons) - margin_lon, max(lons) + margin_lon)
    )
    target = h3.str_to_int(cell)
    inside = [
        c == target
        for c in cell_ids(near.get_column("lat").to_list(), near.get_column("lon").to_list(), resolution)
    ]
    found = near.filter(pl.Series(inside, dtype=pl.Boolean))
    if "reported_at" not in found.columns:
        return found
    keys = ["reported_at", *(["issue_id"] if "issue_id" in found.columns else [])]
    return found.sort(keys, descending=[True, False][: len(keys)])


def heat_payload(agg: pl.DataFrame, max_points: int = 20000) -> list[list[float]]:
    """``[[lat, lon, weight], ...]`` for a heat layer, from :func:`aggregate`'s cells.

    Only the ``max_points`` heaviest cells are kept (ties by cell); weights are counts
    divided by the largest count (the heaviest cell weighs 1.0), rounded to 4 decimals
    but never below 0.0001; coordinates are rounded to 5 decimals (about 1 m).

    >>> import polars as pl
    >>> agg = pl.DataFrame({"cell": ["a", "b"], "lat": [30.0, 30.001], "lon": [120.0, 120.0], "count": [4, 1]})
    >>> heat_payload(agg)
    [[30.0, 120.0, 1.0], [30.001, 120.0, 0.25]]
    """
    if isinstance(max_points, bool) or not isinstance(max_points, int) or max_points < 1:
        raise ValueError(f"max_points must be a positive integer, got {max_points!r}")
    missing = [c for c in AGGREGATE_SCHEMA if c not in agg.columns]
    if missing:
        raise ValueError(f"agg needs the columns of aggregate(); missing {', '.join(missing)}")
    kept = agg.filter(pl.col("count") > 0).sort(["count", "cell"], descending=[True, False]).head(max_points)
    if kept.height == 0:
        return []
    top = float(kept.get_column("count").max())  # type: ignore[arg-type]
    rows = kept.select(
        pl.col("lat").round(COORDINATE_DECIMALS),
        pl.col("lon").round(COORDINATE_DECIMALS),
        (pl.col("count") / top).round(WEIGHT_DECIMALS).clip(lower_bound=10**-WEIGHT_DECIMALS),
    ).rows()
    return [[float(lat), float(lon), float(weight)] for lat, lon, weight in rows]


def payload_bytes(payload: object) -> int:
    """Size in bytes of ``payload`` as JSON (``json.dumps`` defaults, as the map page embeds it)."""
    return len(json.dumps(payload).encode("utf-8"))
