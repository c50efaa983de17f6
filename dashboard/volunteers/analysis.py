"""Volunteer metrics, service-point reach and gaps (docs/domain.md, "Metrics"), computed in metres.

Each volunteer metric is defined once, as a :class:`VolunteerMetric` in
:data:`dashboard.metrics.VOLUNTEER_REGISTRY`; labels, help and formulas live in the i18n catalogs
under ``metric.<key>``. Distances and areas are computed in a transverse
Mercator projection centred on the data (scale 1 at the centre, so a metre is a
metre to well under 1 m over a city), never in degrees.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import polars as pl
import shapely
from pyproj import CRS, Transformer

from dashboard import metrics
from dashboard.core import schema
from dashboard.core.periods import Period, default_month
from dashboard.i18n import Lang, t
from dashboard.metrics import VOLUNTEER_REGISTRY

if TYPE_CHECKING:
    from dashboard.core.loading import Dataset

Kind = Literal["count", "rate", "per_1000", "hours"]
UnitBy = Literal["grid", "community", "street"]
WGS84: Final = "EPSG:4326"
ACTIVE_DAYS: Final = 90
RADIUS_M: Final = 800.0  # the 10-minute life circle
WALK_RADII: Final[tuple[float, ...]] = (400.0, 800.0, 1200.0)
LATTICE_M: Final = 200.0
QUAD_SEGS: Final = 64  # 256-gon circles: the edge is within 0.07 m of the true 800 m circle
QUADRANTS: Final[tuple[str, ...]] = (
    "high_demand_low_supply",
    "high_demand_high_supply",
    "low_demand_low_supply",
    "low_demand_high_supply",
    "no_residents",
)
SPECIAL_GROUPS_STEM: Final = "data/special_groups"
SPECIAL_GROUP_COLUMNS: Final[tuple[str, ...]] = ("person_id", "grid_code", "group")
SPECIAL_GROUP_KINDS: Final[tuple[str, ...]] = ("elderly_alone", "disabled", "child")


# --- projection ---------------------------------------------------------------------


def metric_crs(lon: float, lat: float) -> CRS:
    """A transverse Mercator in metres centred on (lon, lat), scale 1 on its meridian.

    Like the UTM zone ``estimate_utm_crs`` would pick, but centred on the data, so
    the scale error stays below 1e-6 within 10 km (UTM reaches 1e-3 at a zone edge).
    """
    return CRS.from_proj4(
        f"+proj=tmerc +lat_0={lat:.4f} +lon_0={lon:.4f} +k=1 +x_0=0 +y_0=0 +ellps=WGS84 +units=m +no_defs"
    )


def _crs_for(bounds: np.ndarray[Any, Any]) -> CRS:
    min_x, min_y, max_x, max_y = (float(v) for v in bounds)
    if not np.all(np.isfinite([min_x, min_y, max_x, max_y])):
        return metric_crs(0.0, 0.0)
    return metric_crs((min_x + max_x) / 2, (min_y + max_y) / 2)


def _projected_points(points: pl.DataFrame, crs: CRS) -> np.ndarray[Any, Any]:
    """Service points as shapely points in ``crs`` (rows without a location dropped)."""
    located = points.filter(pl.col("lon").is_not_null() & pl.col("lat").is_not_null())
    if located.height == 0:
        return np.array([], dtype=object)
    to_metric = Transformer.from_crs(WGS84, crs, always_xy=True)
    x, y = to_metric.transform(located["lon"].to_numpy(), located["lat"].to_numpy())
    return np.asarray(shapely.points(np.asarray(x), np.asarray(y)))


def _reach(points_xy: np.ndarray[Any, Any], radius_m: float) -> shapely.Geometry:
    """The union of the circles of ``radius_m`` around the points (empty without points)."""
    if len(points_xy) == 0:
        return shapely.Polygon()
    return shapely.union_all(shapely.buffer(points_xy, radius_m, quad_segs=QUAD_SEGS))


def _check_points(points: pl.DataFrame) -> None:
    missing = [c for c in ("lon", "lat") if c not in points.columns]
    if missing:
        raise ValueError(f"service points need lon and lat columns; missing: {', '.join(missing)}")


def _check_radius(radius_m: float) -> None:
    if not radius_m > 0:
        raise ValueError(f"radius_m must be positive (metres), got {radius_m!r}")


# --- coverage -----------------------------------------------------------------------

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
    _check_points(points)
    _check_radius(radius_m)
    crs = _crs_for(grids.total_bounds)
    shapes = np.asarray(grids.to_crs(crs).geometry.values)
    reach = _reach(_projected_points(points, crs), radius_m)
    shapely.prepare(reach)
    area = shapely.area(shapes)
    covered = shapely.area(shapely.intersection(shapes, reach))
    labels = {c: grids[c].astype("string").to_numpy().tolist() for c in _GRID_LABELS if c in grids.columns}
    frame = pl.DataFrame(
        {
            **labels,
            "population": np.asarray(grids["population"], dtype=np.int64),
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


def coverage_share(frame: pl.DataFrame, by: UnitBy) -> pl.DataFrame:
    """:func:`coverage` summed to ``by``: code, name, population, covered_residents, coverage_share."""
    code, name = schema.UNIT_COLUMNS[by]
    summed = (
        frame.group_by(code)
        .agg(
            pl.col(name).first(),
            pl.col("population").sum().cast(pl.Int64),
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
    _check_points(points)
    for radius in radii:
        _check_radius(radius)
    located = points.filter(pl.col("lon").is_not_null() & pl.col("lat").is_not_null()).drop(
        "_row", strict=False
    )
    if located.height == 0:
        return gpd.GeoDataFrame({"radius_m": []}, geometry=[], crs=WGS84)
    lon, lat = located["lon"].to_numpy(), located["lat"].to_numpy()
    crs = metric_crs(float((lon.min() + lon.max()) / 2), float((lat.min() + lat.max()) / 2))
    xy = _projected_points(located, crs)
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
    _check_points(points)
    _check_radius(radius_m)
    crs = _crs_for(grids.total_bounds)
    projected = grids.to_crs(crs)
    shapes = np.asarray(projected.geometry.values)
    reach = _reach(_projected_points(points, crs), radius_m)
    rest = shapely.difference(shapes, reach)
    area = shapely.area(shapes)
    rest_area = shapely.area(rest)
    keep = rest_area > 1e-6 * np.maximum(area, 1.0)
    columns = [c for c in (*_GRID_LABELS, "population") if c in grids.columns]
    frame = projected.loc[keep, columns].copy()
    share = np.divide(rest_area[keep], area[keep], out=np.zeros(int(keep.sum())), where=area[keep] > 0)
    frame["uncovered_residents"] = np.asarray(frame["population"], dtype=np.float64) * share
    result = gpd.GeoDataFrame(frame, geometry=rest[keep], crs=crs).to_crs(WGS84)
    return result.sort_values("grid_code").reset_index(drop=True)


# --- where to put the next service point -----------------------------------------------


@dataclass(frozen=True)
class Suggestion:
    """A new service point site and the residents it would add within the radius."""

    lon: float
    lat: float
    added_residents: float
    grid_code: str | None
    grid_name: str | None


def _lattice(area: shapely.Geometry, spacing: float) -> np.ndarray[Any, Any]:
    min_x, min_y, max_x, max_y = shapely.bounds(area)
    xs = np.arange(np.floor(min_x / spacing) * spacing, max_x + spacing, spacing)
    ys = np.arange(np.floor(min_y / spacing) * spacing, max_y + spacing, spacing)
    gx, gy = np.meshgrid(xs, ys)
    return np.asarray(shapely.points(gx.ravel(), gy.ravel()))


def _gains(
    sites: np.ndarray[Any, Any],
    pieces: np.ndarray[Any, Any],
    density: np.ndarray[Any, Any],
    tree: shapely.STRtree,
    radius_m: float,
    quad_segs: int,
) -> np.ndarray[Any, Any]:
    """Residents newly covered by a circle at each site: density x area(circle and uncovered piece)."""
    gains = np.zeros(len(sites))
    if len(sites) == 0 or len(pieces) == 0:
        return gains
    site_idx, piece_idx = tree.query(sites, predicate="dwithin", distance=radius_m)
    if len(site_idx) == 0:
        return gains
    discs = shapely.buffer(sites, radius_m, quad_segs=quad_segs)
    overlap = shapely.area(shapely.intersection(discs[site_idx], pieces[piece_idx]))
    return np.bincount(site_idx, weights=overlap * density[piece_idx], minlength=len(sites))


def _best(gains: np.ndarray[Any, Any]) -> int:
    # Rounded so that float noise does not decide between equal sites: the first one wins.
    return int(np.argmax(np.round(gains, 3)))


def suggest_site(
    grids: gpd.GeoDataFrame,
    points: pl.DataFrame,
    radius_m: float = RADIUS_M,
    candidates: int | None = None,
) -> Suggestion | None:
    """The site for a new service point that would bring the most residents within ``radius_m``.

    Candidates are the representative points of the grids with uncovered residents
    (in ``grid_code`` order) and a square lattice every 200 m over the land within
    ``radius_m`` of an uncovered populated area (``candidates`` caps the lattice's size:
    the spacing grows to fit). Each is scored by the residents it newly covers
    (population density of each grid x area of the new circle inside the grid's
    uncovered part); the best is then refined on a 25 m lattice around it. Equal
    scores go to the earlier candidate, so the result is deterministic. ``None``
    when every resident is already covered.
    """
    _check_points(points)
    _check_radius(radius_m)
    crs = _crs_for(grids.total_bounds)
    projected = grids.to_crs(crs).sort_values("grid_code").reset_index(drop=True)
    shapes = np.asarray(projected.geometry.values)
    population = np.asarray(projected["population"], dtype=np.float64)
    area = shapely.area(shapes)
    reach = _reach(_projected_points(points, crs), radius_m)
    rest = shapely.difference(shapes, reach)
    rest_area = shapely.area(rest)
    live = (population > 0) & (area > 0) & (rest_area > 1e-6 * np.maximum(area, 1.0))
    if not live.any():
        return None
    pieces = rest[live]
    density = population[live] / area[live]
    tree = shapely.STRtree(pieces)

    seeds = shapely.point_on_surface(pieces)
    gap = shapely.union_all(pieces)
    lattice_spacing = LATTICE_M
    lattice = _lattice(shapely.buffer(gap, radius_m, quad_segs=8), lattice_spacing)
    if candidates is not None and len(lattice) > candidates > 0:
        lattice_spacing *= float(np.sqrt(len(lattice) / candidates))
        lattice = _lattice(shapely.buffer(gap, radius_m, quad_segs=8), lattice_spacing)
    land = shapely.union_all(shapes)
    shapely.prepare(land)
    near = tree.query(lattice, predicate="dwithin", distance=radius_m)[0]
    lattice = lattice[np.unique(near)]
    lattice = lattice[shapely.intersects(land, lattice)]
    sites = np.concatenate([seeds, lattice])
    # Coarse circles (64-gon) rank the candidates; the finest circles score the winner.
    best = sites[_best(_gains(sites, pieces, density, tree, radius_m, 16))]
    bx, by = shapely.get_x(best), shapely.get_y(best)
    step = lattice_spacing / 8
    offsets = np.arange(-4, 5) * step
    ox, oy = np.meshgrid(offsets, offsets)
    order = np.argsort(np.hypot(ox, oy).ravel(), kind="stable")  # the centre first
    refined = np.asarray(shapely.points(bx + ox.ravel()[order], by + oy.ravel()[order]))
    gains = _gains(refined, pieces, density, tree, radius_m, QUAD_SEGS)
    pick = _best(gains)
    site = refined[pick]
    added = float(gains[pick])
    if added <= 0:
        return None
    to_wgs = Transformer.from_crs(crs, WGS84, always_xy=True)
    lon, lat = to_wgs.transform(shapely.get_x(site), shapely.get_y(site))
    inside = np.flatnonzero(shapely.covers(shapes, site))
    index = int(inside[0]) if len(inside) else int(np.argmin(shapely.distance(shapes, site)))
    row = projected.iloc[index]
    return Suggestion(
        lon=float(lon),
        lat=float(lat),
        added_residents=added,
        grid_code=str(row["grid_code"]),
        grid_name=str(row["grid_name"]) if "grid_name" in projected.columns else None,
    )


# --- volunteer metrics ----------------------------------------------------------------


def _empty_volunteers() -> pl.DataFrame:
    return pl.DataFrame(
        schema={
            "volunteer_id": pl.String,
            "grid_code": pl.String,
            "registered_at": pl.Datetime("us"),
            "is_party_member": pl.Boolean,
        }
    )


def _empty_records() -> pl.DataFrame:
    return pl.DataFrame(
        schema={
            "record_id": pl.String,
            "volunteer_id": pl.String,
            "served_at": pl.Datetime("us"),
            "hours": pl.Float64,
            "grid_code": pl.String,
            "beneficiaries": pl.Int64,
        }
    )


def grid_volunteer_counts(
    volunteers: pl.DataFrame, records: pl.DataFrame, period: Period, as_of: datetime | None = None
) -> pl.DataFrame:
    """Per grid: registered, party-member and active volunteers, service hours, records and people served.

    The period's end is capped at ``as_of`` when given (a month still under way).
    Volunteers count in their own grid; a record counts in its ``grid_code``,
    else in its volunteer's grid. Only grids with something to count appear.
    """
    end = min(period.end, as_of) if as_of is not None else period.end
    registered = volunteers.filter(pl.col("registered_at") < end)
    active_ids = (
        records.filter(
            (pl.col("served_at") >= end - timedelta(days=ACTIVE_DAYS)) & (pl.col("served_at") < end)
        )
        .select("volunteer_id")
        .unique()
    )
    people = (
        registered.with_columns(
            pl.col("volunteer_id").is_in(active_ids["volunteer_id"].implode()).alias("active")
        )
        .group_by("grid_code")
        .agg(
            pl.len().cast(pl.Int64).alias("volunteer_count"),
            pl.col("is_party_member").fill_null(False).sum().cast(pl.Int64).alias("party_members"),
            pl.col("active").sum().cast(pl.Int64).alias("active_volunteer_count"),
        )
    )
    home = volunteers.select("volunteer_id", pl.col("grid_code").alias("_home"))
    record_grid = pl.col("grid_code") if "grid_code" in records.columns else pl.lit(None, dtype=pl.String)
    served = pl.col("beneficiaries") if "beneficiaries" in records.columns else pl.lit(0, dtype=pl.Int64)
    service = (
        records.filter((pl.col("served_at") >= period.start) & (pl.col("served_at") < end))
        .join(home, on="volunteer_id", how="left")
        .select(
            pl.coalesce(record_grid, pl.col("_home")).alias("grid_code"),
            pl.col("hours").cast(pl.Float64),
            served.cast(pl.Int64).alias("beneficiaries"),
        )
        .filter(pl.col("grid_code").is_not_null())
        .group_by("grid_code")
        .agg(
            pl.col("hours").sum().alias("service_hours"),
            pl.len().cast(pl.Int64).alias("service_count"),
            pl.col("beneficiaries").fill_null(0).sum().cast(pl.Int64).alias("people_served"),
        )
    )
    return people.join(service, on="grid_code", how="full", coalesce=True).sort("grid_code")


def volunteer_metrics(
    dataset: Dataset, by: UnitBy, period: Period, as_of: datetime | None = None
) -> pl.DataFrame:
    """Every volunteer metric for every unit of ``by`` over ``period`` (docs/domain.md, "Metrics").

    One row per unit, sorted by code, with the unit's code and name columns (and
    its parents', as in :func:`dashboard.metrics.compute`) and ``population``.
    Counts of units without volunteers are 0; a rate or per-1,000 value whose
    denominator is 0 is null. Without a volunteers table the volunteer columns are
    null; without a service points table so is ``service_point_coverage_share``.
    ``as_of`` caps the period's end (registered and active "by the end").
    """
    if by not in schema.UNIT_COLUMNS:
        raise ValueError(f"by must be grid, community or street, got {by!r}")
    code, name = schema.UNIT_COLUMNS[by]
    volunteers = dataset.volunteers if dataset.volunteers is not None else _empty_volunteers()
    records = dataset.service_records if dataset.service_records is not None else _empty_records()
    counts = grid_volunteer_counts(volunteers, records, period, as_of)
    units = dataset.units
    parents = [c for c in metrics.PARENT_COLUMNS[by] if c in units.columns]
    count_columns = (
        "volunteer_count",
        "party_members",
        "active_volunteer_count",
        "service_count",
        "people_served",
    )
    columns = list(dict.fromkeys(("grid_code", code, name, *parents, "population")))
    per_grid = units.select(columns).join(counts, on="grid_code", how="left")
    if by != "grid":
        per_grid = per_grid.drop("grid_code")
    table = (
        per_grid.group_by(code)
        .agg(
            pl.col(name).first(),
            *(pl.col(c).first() for c in parents),
            pl.col("population").sum().cast(pl.Int64),
            *(pl.col(c).fill_null(0).sum().cast(pl.Int64) for c in count_columns),
            pl.col("service_hours").fill_null(0.0).sum().cast(pl.Float64),
        )
        .sort(code)
    )

    def per_1000(column: str) -> pl.Expr:
        pop = pl.col("population")
        return pl.when(pop > 0).then(pl.col(column) / pop * 1000).otherwise(None)

    table = table.with_columns(
        per_1000("volunteer_count").alias("volunteers_per_1000"),
        per_1000("active_volunteer_count").alias("active_per_1000"),
        pl.when(pl.col("volunteer_count") > 0)
        .then(pl.col("party_members") / pl.col("volunteer_count"))
        .otherwise(None)
        .alias("party_member_share"),
    )
    if dataset.service_points is not None:
        reach = coverage_share(coverage(dataset.grids, dataset.service_points), by).select(
            code, pl.col("coverage_share").alias("service_point_coverage_share")
        )
        table = table.join(reach, on=code, how="left")
    else:
        table = table.with_columns(pl.lit(None, dtype=pl.Float64).alias("service_point_coverage_share"))
    if dataset.volunteers is None:
        table = table.with_columns(
            pl.lit(None, dtype=table.schema[m.key]).alias(m.key)
            for m in VOLUNTEER_REGISTRY
            if m.key != "service_point_coverage_share"
        )
    keys = [m.key for m in VOLUNTEER_REGISTRY]
    return table.select(code, name, *parents, "population", *keys).sort(code)


# --- demand against supply ------------------------------------------------------------


def gap_table(dataset: Dataset, period: Period, as_of: datetime | None = None) -> pl.DataFrame:
    """Per grid, demand (issues per 1,000) against supply (active volunteers per 1,000, hours, reach).

    ``quadrant`` splits at the medians over grids with residents: demand is high
    above the median, supply is low at or below it (``high_demand_low_supply`` ...);
    grids without residents are ``no_residents``. Sorted by quadrant in
    :data:`QUADRANTS` order, then lowest coverage, then highest demand.
    """
    moment = as_of or dataset.as_of
    demand = metrics.compute(dataset.issues, dataset.units, "grid", period, moment, dataset.settings)
    demand = demand.filter(~pl.col(metrics.OUTSIDE)).select("grid_code", "issue_count", "issues_per_1000")
    supply = volunteer_metrics(dataset, "grid", period, as_of).select(
        "grid_code",
        "grid_name",
        "community_code",
        "community_name",
        "population",
        "active_volunteer_count",
        "active_per_1000",
        "service_hours",
        pl.col("service_point_coverage_share").alias("coverage_share"),
    )
    frame = supply.join(demand, on="grid_code", how="left").with_columns(pl.col("issue_count").fill_null(0))
    lived = frame.filter(pl.col("population") > 0)
    demand_median = lived["issues_per_1000"].fill_null(0.0).median()
    supply_median = lived["active_per_1000"].fill_null(0.0).median()
    high_demand = pl.col("issues_per_1000").fill_null(0.0) > (demand_median or 0.0)
    low_supply = pl.col("active_per_1000").fill_null(0.0) <= (supply_median or 0.0)
    quadrant = (
        pl.when(pl.col("population") <= 0)
        .then(pl.lit("no_residents"))
        .when(high_demand & low_supply)
        .then(pl.lit("high_demand_low_supply"))
        .when(high_demand)
        .then(pl.lit("high_demand_high_supply"))
        .when(low_supply)
        .then(pl.lit("low_demand_low_supply"))
        .otherwise(pl.lit("low_demand_high_supply"))
    )
    order = {q: i for i, q in enumerate(QUADRANTS)}
    return (
        frame.with_columns(quadrant.alias("quadrant"))
        .with_columns(pl.col("quadrant").replace_strict(order, return_dtype=pl.Int64).alias("_order"))
        .sort(
            ["_order", "coverage_share", "issues_per_1000", "grid_code"],
            descending=[False, False, True, False],
            nulls_last=True,
        )
        .drop("_order")
    )


def quadrant_label(quadrant: str, lang: Lang) -> str:
    """The catalog label of a quadrant (``volunteer.quadrant_<name>``)."""
    return t(f"volunteer.quadrant_{quadrant}", lang)


# --- special groups -------------------------------------------------------------------


@dataclass(frozen=True)
class SpecialGroups:
    """Visits to special groups (elderly living alone, disabled, children), when the data allows.

    ``available`` is False when a file or column is missing: ``missing`` lists what
    would enable it (catalog: ``volunteer.special_missing``). Otherwise
    ``visits`` has one row per person and month (``person_id``, ``grid_code``,
    ``group``, ``month``, ``visits``), ``not_visited`` the people with no visit in
    ``period``, and ``summary`` per group: people, visited, share visited.
    """

    available: bool
    missing: tuple[str, ...]
    period: Period | None = None
    visits: pl.DataFrame | None = None
    not_visited: pl.DataFrame | None = None
    summary: pl.DataFrame | None = None


def _read_table(root: Path, stem: str) -> pl.DataFrame | None:
    for suffix in (".parquet", ".csv"):
        path = root / f"{stem}{suffix}"
        if path.exists():
            if suffix == ".parquet":
                return pl.read_parquet(path)
            return pl.read_csv(path, infer_schema=False)
    return None


def special_groups(dataset: Dataset, period: Period | None = None) -> SpecialGroups:
    """Detect special-group data in the data root and count visits per person and month.

    Needs ``data/special_groups.(parquet|csv)`` with ``person_id``, ``grid_code``,
    ``group`` and service records with a ``person_id`` column (a visit = a record
    for that person). ``period`` defaults to the latest complete month of the data.
    """
    people = _read_table(dataset.root, SPECIAL_GROUPS_STEM)
    records = dataset.service_records
    missing: list[str] = []
    if people is None:
        missing.append(f"{SPECIAL_GROUPS_STEM}.parquet|csv ({', '.join(SPECIAL_GROUP_COLUMNS)})")
    else:
        missing += [f"{SPECIAL_GROUPS_STEM}: {c}" for c in SPECIAL_GROUP_COLUMNS if c not in people.columns]
    if records is None:
        missing.append(f"{schema.SERVICE_RECORDS_STEM}.parquet|csv (person_id)")
    elif "person_id" not in records.columns:
        missing.append(f"{schema.SERVICE_RECORDS_STEM}: person_id")
    if missing or people is None or records is None:
        return SpecialGroups(available=False, missing=tuple(missing))
    chosen = period or default_month(dataset.as_of)
    return visit_summary(people, records, chosen)


def visit_summary(people: pl.DataFrame, records: pl.DataFrame, period: Period) -> SpecialGroups:
    """:class:`SpecialGroups` from a people table and service records carrying ``person_id``."""
    roster = people.select(
        pl.col("person_id").cast(pl.String),
        pl.col("grid_code").cast(pl.String),
        pl.col("group").cast(pl.String),
    ).unique("person_id", keep="first")
    visits = (
        records.filter(pl.col("person_id").is_not_null())
        .select(pl.col("person_id").cast(pl.String), pl.col("served_at"))
        .join(roster, on="person_id", how="inner")
        .with_columns(pl.col("served_at").dt.strftime("%Y-%m").alias("month"))
        .group_by("person_id", "grid_code", "group", "month")
        .agg(pl.len().cast(pl.Int64).alias("visits"))
        .sort("month", "person_id")
    )
    in_period = (
        records.filter(
            pl.col("person_id").is_not_null()
            & (pl.col("served_at") >= period.start)
            & (pl.col("served_at") < period.end)
        )
        .select(pl.col("person_id").cast(pl.String))
        .unique()
    )
    roster = roster.with_columns(pl.col("person_id").is_in(in_period["person_id"].implode()).alias("visited"))
    not_visited = roster.filter(~pl.col("visited")).drop("visited").sort("grid_code", "person_id")
    summary = (
        roster.group_by("group")
        .agg(pl.len().cast(pl.Int64).alias("people"), pl.col("visited").sum().cast(pl.Int64).alias("visited"))
        .with_columns((pl.col("visited") / pl.col("people")).alias("visited_share"))
        .sort("group")
    )
    return SpecialGroups(
        available=True,
        missing=(),
        period=period,
        visits=visits,
        not_visited=not_visited,
        summary=summary,
    )
