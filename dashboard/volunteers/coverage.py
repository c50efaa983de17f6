"""Service-point reach (docs/domain.md, "Metrics"): the share of each grid within walking distance, circles, uncovered areas."""

from __future__ import annotations

from typing import Final, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import polars as pl
import shapely

from dashboard.core import schema
from dashboard.volunteers.projection import (
    QUAD_SEGS,
    WGS84,
    check_points,
    check_radius,
    crs_for,
    metric_crs,
    projected_points,
    walking_reach,
)

UnitBy = Literal["grid", "community", "street"]
RADIUS_M: Final = 800.0  # the 10-minute life circle
WALK_RADII: Final[tuple[float, ...]] = (400.0, 800.0, 1200.0)
_GRID_LABELS: Final = (
    "grid_code",
    "grid_name",
    "community_code",
    "community_name",
    "street_code",
    "street_name",
)


def coverage(grids: gpd.GeoDataFrame, points: pl.DataFrame, radius_m: float = RADIUS_M) -> pl.DataFrame:
    """Per grid, the share of its area within ``radius_m`` of a service point and the residents there.

    Residents are spread evenly over their grid, so ``covered_residents`` =
    ``population`` x ``area_share``. Returns the grid's code and name columns,
    ``population``, ``area_m2``, ``covered_area_m2``, ``area_share`` (null for an
    empty grid), ``covered_residents`` and ``coverage_share`` (covered residents /
    population, null when nobody lives there), sorted by ``grid_code``.
    """
    check_points(points)
    check_radius(radius_m)
    crs = crs_for(grids.total_bounds)
    shapes = np.asarray(grids.to_crs(crs).geometry.values)
    reach = walking_reach(projected_points(points, crs), radius_m)
    shapely.prepare(reach)
    area = shapely.area(shapes)
    covered = shapely.area(shapely.intersection(shapes, reach))
    labels = {c: grids[c].astype("string").to_numpy().tolist() for c in _GRID_LABELS if c in grids.columns}
    frame = pl.DataFrame(
        {
            **labels,
            "population": pl.Series(
                grids["population"].astype("Float64").to_numpy(dtype=np.float64, na_value=np.nan)
            )
            .fill_nan(None)
            .cast(pl.Int64),  # empty where unknown
            "area_m2": np.asarray(area, dtype=np.float64),
            "covered_area_m2": np.minimum(np.asarray(covered, dtype=np.float64), area),
        }
    )
    share = pl.when(pl.col("area_m2") > 0).then(pl.col("covered_area_m2") / pl.col("area_m2"))
    return (
        frame.with_columns(share.otherwise(None).alias("area_share"))
        .with_columns((pl.col("population") * pl.col("area_share").fill_null(0.0)).alias("covered_residents"))
        .with_columns(
            pl.when(pl.col("population") > 0)
            .then(pl.col("covered_residents") / pl.col("population"))
            .otherwise(None)
            .alias("coverage_share")
        )
        .sort("grid_code")
    )


def known_sum(column: str) -> pl.Expr:
    """A population summed over a unit's grids: unknown (null) when any grid's is (never a part sum)."""
    return (
        pl.when(pl.col(column).is_null().any())
        .then(None)
        .otherwise(pl.col(column).sum())
        .cast(pl.Int64)
        .alias(column)
    )


def coverage_share(frame: pl.DataFrame, by: UnitBy) -> pl.DataFrame:
    """:func:`coverage` summed to ``by``: code, name, population, covered_residents, coverage_share."""
    code, name = schema.UNIT_COLUMNS[by]
    summed = (
        frame.group_by(code)
        .agg(
            pl.col(name).first(),
            known_sum("population"),
            pl.col("covered_residents").sum(),
        )
        .with_columns(
            pl.when(pl.col("population") > 0)
            .then(pl.col("covered_residents") / pl.col("population"))
            .otherwise(None)
            .alias("coverage_share")
        )
    )
    return summed.sort(code)


def circles(
    points: pl.DataFrame, radii: tuple[float, ...] = WALK_RADII, *, quad_segs: int = QUAD_SEGS
) -> gpd.GeoDataFrame:
    """Walking circles around each service point, buffered in metres, returned in WGS-84 for drawing.

    One row per point and radius (``radius_m``), largest radius first so that
    smaller circles are drawn on top; the point's other columns are carried along.
    """
    check_points(points)
    for radius in radii:
        check_radius(radius)
    located = points.filter(pl.col("lon").is_not_null() & pl.col("lat").is_not_null()).drop(
        "_row", strict=False
    )
    if located.height == 0:
        return gpd.GeoDataFrame({"radius_m": []}, geometry=[], crs=WGS84)
    lon, lat = located["lon"].to_numpy(), located["lat"].to_numpy()
    crs = metric_crs(float((lon.min() + lon.max()) / 2), float((lat.min() + lat.max()) / 2))
    xy = projected_points(located, crs)
    parts = []
    for radius in sorted(radii, reverse=True):
        part = located.to_pandas()
        part["radius_m"] = float(radius)
        part = gpd.GeoDataFrame(part, geometry=shapely.buffer(xy, radius, quad_segs=quad_segs), crs=crs)
        parts.append(part.to_crs(WGS84))
    return gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), geometry="geometry", crs=WGS84).reset_index(
        drop=True
    )


def uncovered(grids: gpd.GeoDataFrame, points: pl.DataFrame, radius_m: float = RADIUS_M) -> gpd.GeoDataFrame:
    """The parts of each grid farther than ``radius_m`` from every service point (WGS-84).

    Grids fully covered are left out. Columns: the grid's code and name columns,
    ``population``, ``uncovered_residents`` (population x uncovered area share), geometry.
    """
    check_points(points)
    check_radius(radius_m)
    crs = crs_for(grids.total_bounds)
    projected = grids.to_crs(crs)
    shapes = np.asarray(projected.geometry.values)
    reach = walking_reach(projected_points(points, crs), radius_m)
    rest = shapely.difference(shapes, reach)
    area = shapely.area(shapes)
    rest_area = shapely.area(rest)
    keep = rest_area > 1e-6 * np.maximum(area, 1.0)
    columns = [c for c in (*_GRID_LABELS, "population") if c in grids.columns]
    frame = projected.loc[keep, columns].copy()
    share = np.divide(rest_area[keep], area[keep], out=np.zeros(int(keep.sum())), where=area[keep] > 0)
    population = frame["population"].astype("Float64").to_numpy(dtype=np.float64, na_value=np.nan)
    frame["uncovered_residents"] = population * share  # unknown (NaN) where the population is
    result = gpd.GeoDataFrame(frame, geometry=rest[keep], crs=crs).to_crs(WGS84)
    return result.sort_values("grid_code").reset_index(drop=True)
