"""Hot spots: places where complaints repeat, the busiest grids, and grids whose count jumps.

How it works, in plain words (the pages show a translation of this):

**Repeat locations.** We look at the issues of the last 90 days. Issues that have a point
on the map are snapped to small hexagons (about 50 m across) and grouped: starting
from the busiest spot, each place takes the issues within about 50 m of it that no
busier place has taken. A place is listed when it has at least 3 issues *and* that is
far more than its surroundings explain: we take the other issues within about 700 m,
spread them evenly over the part of that area where issues occur, and ask how likely
it is that as many would land in this 50 m circle by chance. Only places with a
chance below 1 in 100, after allowing for the thousands of spots looked at, are
kept. So a busy but evenly busy neighbourhood shows no false spots, while a dozen
calls about one corner stand out. Issues without a point but with an address are
grouped by their address (ignoring spaces, punctuation and full-width characters);
3 or more at one address make a place.

**Top grids.** The grids with the most issues in the period, also per 1,000 residents.

**Emerging grids.** For each grid we compare the period's count with the grid's own
recent past: its average over the previous 6 months, scaled to the period's length,
is the *expected* count. If a grid's issues arrive at random at that usual pace, how
likely is a count at least as high as the one seen? That probability (the p-value of
a one-sided Poisson test) is small when the jump is unusual. Because many grids are
tested at once, a grid is flagged only when its p-value times the number of grids
tested (Bonferroni's correction) is below 0.01, and it has at least 5 issues. So if
every grid kept its usual pace, a false flag would appear in at most 1 month in 100,
however many grids the street has.
"""

from __future__ import annotations

import calendar
import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final, Literal

import h3
import h3.api.numpy_int as h3_int
import numpy as np
import polars as pl
import shapely
from numpy.typing import NDArray

from dashboard.core.periods import Period
from dashboard.heat import cell_ids

__all__ = [
    "EMERGING_SCHEMA",
    "PLACE_SCHEMA",
    "TOP_GRIDS_SCHEMA",
    "binomial_tail",
    "emerging",
    "fine_resolution",
    "months_before",
    "normalise_address",
    "poisson_tail",
    "repeat_locations",
    "top_grids",
]

PLACE_SCHEMA: Final = pl.Schema(
    {
        "place": pl.String(),
        "kind": pl.String(),  # "point" (a cluster of points) or "address" (issues without a point)
        "lat": pl.Float64(),
        "lon": pl.Float64(),
        "count": pl.Int64(),
        "expected": pl.Float64(),  # issues the neighbourhood's density gives a place of this size
        "p_value": pl.Float64(),
        "top_category": pl.String(),
        "first_reported_at": pl.Datetime("us"),
        "last_reported_at": pl.Datetime("us"),
        "grid_code": pl.String(),
        "community_name": pl.String(),
        "address": pl.String(),
        "issue_ids": pl.List(pl.String()),
    }
)
TOP_GRIDS_SCHEMA: Final = pl.Schema(
    {
        "grid_code": pl.String,
        "grid_name": pl.String,
        "community_name": pl.String,
        "issue_count": pl.Int64,
        "population": pl.Int64,
        "issues_per_1000": pl.Float64,
    }
)
EMERGING_SCHEMA: Final = pl.Schema(
    {
        "grid_code": pl.String,
        "grid_name": pl.String,
        "community_name": pl.String,
        "observed": pl.Int64,
        "expected": pl.Float64,
        "ratio": pl.Float64,
        "p_value": pl.Float64,
        "p_adjusted": pl.Float64,
        "flagged": pl.Boolean,
    }
)
BACKGROUND_M: Final = 700.0  # a place's neighbourhood reaches about this far
METRES_PER_DEGREE: Final = 6_371_008.8 * math.pi / 180  # mean Earth radius
OCCUPANCY_LEVELS: Final = 4  # resolutions tried for the neighbourhood's area: fine to 3 coarser
MIN_PER_CELL: Final = 2.0  # mean issues per occupied cell for an area estimate to be trusted
HULL_STRIPS: Final = 2000  # strips each way when finding the points' convex hull
MIN_AREA_SHARE: Final = 0.25  # a neighbourhood's area counts as at least this share of its circle
UNIT_LABELS: Final = ("grid_name", "community_name")


# --- statistics -------------------------------------------------------------------


def poisson_tail(observed: int, mean: float) -> float:
    """P(X ≥ observed) for X ~ Poisson(mean): the one-sided p-value of a count.

    Computed with ``math.lgamma`` (no scipy): the upper tail is summed term by term
    when ``observed`` exceeds the mean (so tiny p-values keep their precision), and as
    one minus the lower sum otherwise.

    >>> round(poisson_tail(3, 1.0), 6)  # 1 - e^-1 (1 + 1 + 1/2)
    0.080301
    >>> poisson_tail(0, 2.0), poisson_tail(1, 0.0)
    (1.0, 0.0)
    """
    if observed <= 0:
        return 1.0
    if not math.isfinite(mean) or mean < 0:
        raise ValueError(f"mean must be a finite number ≥ 0, got {mean!r}")
    if mean == 0:
        return 0.0
    log_mean = math.log(mean)
    if observed > mean:
        first = observed * log_mean - mean - math.lgamma(observed + 1)
        total, term, i = 0.0, 1.0, observed
        while term > 1e-17 * total:
            total += term
            i += 1
            term *= mean / i
        return min(1.0, math.exp(first) * total)
    lower = math.fsum(math.exp(i * log_mean - mean - math.lgamma(i + 1)) for i in range(observed))
    return min(1.0, max(0.0, 1.0 - lower))


def binomial_tail(observed: int, trials: int, probability: float) -> float:
    """P(X ≥ observed) for X ~ Binomial(trials, probability), with ``math.lgamma``.

    >>> round(binomial_tail(2, 3, 0.5), 6)  # (3 + 1) / 8
    0.5
    >>> binomial_tail(4, 3, 0.5), binomial_tail(0, 3, 0.5)
    (0.0, 1.0)
    """
    if observed <= 0:
        return 1.0
    if observed > trials:
        return 0.0
    if not 0 <= probability <= 1:
        raise ValueError(f"probability must be between 0 and 1, got {probability!r}")
    if probability in (0, 1):
        return float(probability)
    log_p, log_q = math.log(probability), math.log1p(-probability)

    def log_pmf(i: int) -> float:
        return (
            math.lgamma(trials + 1)
            - math.lgamma(i + 1)
            - math.lgamma(trials - i + 1)
            + i * log_p
            + (trials - i) * log_q
        )

    if observed > trials * probability:
        odds = probability / (1 - probability)
        total, term, i = 0.0, 1.0, observed
        while i <= trials and term > 1e-17 * total:
            total += term
            term *= (trials - i) / (i + 1) * odds
            i += 1
        return min(1.0, math.exp(log_pmf(observed)) * total)
    lower = math.fsum(math.exp(log_pmf(i)) for i in range(observed))
    return min(1.0, max(0.0, 1.0 - lower))


# --- repeat locations ---------------------------------------------------------------


def fine_resolution(radius_m: float) -> int:
    """The H3 resolution whose hexagon edge is closest to ``radius_m / 2``.

    A hexagon and its 6 neighbours then reach about ``radius_m`` from the centre
    (50 m gives resolution 11: 29 m edges, the 7 hexagons reach 50–57 m).

    >>> fine_resolution(50), fine_resolution(150), fine_resolution(20)
    (11, 10, 12)
    """
    if not math.isfinite(radius_m) or radius_m <= 0:
        raise ValueError(f"radius_m must be a positive number of metres, got {radius_m!r}")
    return min(
        range(7, 14),
        key=lambda r: abs(h3.average_hexagon_edge_length(r, unit="m") - radius_m / 2),
    )


def normalise_address(column: str = "address") -> pl.Expr:
    """An address for comparison: NFKC (full-width to half-width), lower case, no spaces or punctuation."""
    text = pl.col(column).str.normalize("NFKC").str.to_lowercase().str.replace_all(r"[\s\p{P}\p{S}]", "")
    return pl.when(text == "").then(None).otherwise(text)


def _window(issues: pl.DataFrame, as_of: datetime, days: int) -> pl.DataFrame:
    if not isinstance(as_of, datetime):
        raise TypeError(f"as_of must be a datetime, got {type(as_of).__name__}")
    if isinstance(days, bool) or not isinstance(days, int) or days < 1:
        raise ValueError(f"days must be a positive integer, got {days!r}")
    missing = [c for c in ("issue_id", "reported_at", "category") if c not in issues.columns]
    if missing:
        raise ValueError(f"issues need the columns {', '.join(missing)}")
    start = as_of - timedelta(days=days)
    window = issues.filter((pl.col("reported_at") > start) & (pl.col("reported_at") <= as_of))
    if "status" in window.columns:
        window = window.filter(pl.col("status").fill_null("") != "invalid")
    present = set(window.columns)
    optional = [
        pl.col(c) if c in present else pl.lit(None, dtype=pl.String).alias(c)
        for c in ("grid_code", "community_name", "address")
    ]
    points = [
        pl.col(c).cast(pl.Float64) if c in present else pl.lit(None, dtype=pl.Float64).alias(c)
        for c in ("lat", "lon")
    ]
    return window.select(
        pl.col("issue_id").cast(pl.String),
        pl.col("reported_at").cast(pl.Datetime("us")),
        pl.col("category").cast(pl.String),
        *optional,
        *points,
    ).with_columns((pl.col("lat").is_finite() & pl.col("lon").is_finite()).fill_null(False).alias("_point"))


def _mode(column: str) -> pl.Expr:
    """The most frequent non-null value (ties: the smallest), null when there is none."""
    return pl.col(column).drop_nulls().mode().sort().first().alias(column)


def _describe_places(members: pl.DataFrame) -> pl.DataFrame:
    """One row per ``place`` of the member issues: when, what and where."""
    return members.group_by("place").agg(
        pl.len().cast(pl.Int64).alias("count"),
        pl.col("lat").mean(),
        pl.col("lon").mean(),
        _mode("category").alias("top_category"),
        pl.col("reported_at").min().alias("first_reported_at"),
        pl.col("reported_at").max().alias("last_reported_at"),
        _mode("grid_code"),
        _mode("community_name"),
        _mode("address"),
        pl.col("issue_id").sort().alias("issue_ids"),
    )


def _greedy_places(counts: dict[int, int], min_count: int) -> tuple[list[tuple[int, int]], dict[int, int]]:
    """Places as (centre cell, count), busiest first, and the place index of each member cell.

    Every occupied cell is a candidate centre whose window is itself and its 6
    neighbours; the fullest window becomes a place and keeps its cells, and so on.
    """
    disks = {c: [int(x) for x in h3_int.grid_disk(c, 1).tolist()] for c in counts}
    totals = {c: sum(counts.get(x, 0) for x in disk) for c, disk in disks.items()}
    candidates = sorted(
        (c for c, t in totals.items() if t >= min_count), key=lambda c: (-totals[c], -counts[c], c)
    )
    claimed: dict[int, int] = {}
    places: list[tuple[int, int]] = []
    for centre in candidates:
        if centre in claimed:
            continue
        members = [x for x in disks[centre] if x in counts and x not in claimed]
        total = sum(counts[x] for x in members)
        if total < min_count:
            continue
        for cell in members:
            claimed[cell] = len(places)
        places.append((centre, total))
    return places, claimed


def _covered_cells(occupied: int, issues: int, available: int) -> float:
    """How many cells the area with issues spans, counting those empty by chance.

    If ``issues`` fall at random on A cells, about A(1 - exp(-issues/A)) are occupied;
    this solves that for A (between ``occupied`` and ``available``) by bisection. With
    dense data it is simply ``occupied``; with sparse data it adds the cells left empty
    by luck, so a thin spread of issues is not mistaken for a small, dense area.
    """
    if occupied >= issues:
        return float(available)
    low, high = float(occupied), float(available)
    if high * -math.expm1(-issues / high) <= occupied:
        return high
    for _ in range(60):
        middle = (low + high) / 2
        if middle * -math.expm1(-issues / middle) < occupied:
            low = middle
        else:
            high = middle
    return (low + high) / 2


@dataclass(frozen=True)
class _Level:
    """Issue counts per H3 cell at one resolution (sorted cells), and the rings that reach ``BACKGROUND_M``."""

    resolution: int
    rings: int
    cells: NDArray[np.uint64]
    counts: NDArray[np.int64]

    def lookup(self, cells: NDArray[np.uint64]) -> NDArray[np.int64]:
        """The counts of the occupied ones among ``cells``."""
        index = np.minimum(np.searchsorted(self.cells, cells), len(self.cells) - 1)
        return np.asarray(self.counts[index[self.cells[index] == cells]], dtype=np.int64)


def _levels(counts: dict[int, int], resolution: int) -> list[_Level]:
    """The fine counts and those of up to ``OCCUPANCY_LEVELS - 1`` coarser resolutions."""
    fine = pl.DataFrame(
        {"cell": list(counts), "n": list(counts.values())}, schema={"cell": pl.UInt64, "n": pl.Int64}
    )
    levels: list[_Level] = []
    for level in range(resolution, max(resolution - OCCUPANCY_LEVELS, -1), -1):
        spacing = math.sqrt(3) * h3.average_hexagon_edge_length(level, unit="m")
        if level == resolution:
            table = fine
        else:
            parents = [int(h3_int.cell_to_parent(c, level)) for c in fine.get_column("cell").to_list()]
            table = (
                fine.with_columns(pl.Series("cell", parents, dtype=pl.UInt64))
                .group_by("cell")
                .agg(pl.col("n").sum())
            )
        table = table.sort("cell")
        levels.append(
            _Level(
                level,
                max(1, round(BACKGROUND_M / spacing)),
                table.get_column("cell").to_numpy(),
                table.get_column("n").to_numpy(),
            )
        )
    return levels


@dataclass(frozen=True)
class _Background:
    """A place's neighbourhood: its other issues and the window's share of the area."""

    others: int
    share: float  # window area / (window area + the neighbourhood's area)

    @property
    def expected(self) -> float:
        """Issues the window would hold if the neighbourhood's other issues were spread evenly."""
        return self.others * self.share / (1 - self.share)

    def p_value(self, count: int) -> float:
        """P(at least ``count`` of the ``count + others`` issues fall in the window) at equal density."""
        return binomial_tail(count, count + self.others, self.share)


@dataclass(frozen=True)
class _Extent:
    """Where the issues are: the convex hull of their points, in metres.

    A local equirectangular projection around the points' mean (x = east, y = north);
    its scale error is under 0.3% within 30 km, far below what the estimate needs.
    The hull is that of the extreme points of ``HULL_STRIPS`` strips each way (a 30 km
    city: 15 m strips), which moves it by less than a strip and is quick for millions
    of points.
    """

    lat0: float
    lon0: float
    hull: shapely.Geometry

    @classmethod
    def of(cls, lat: NDArray[np.float64], lon: NDArray[np.float64]) -> _Extent:
        extent = cls(float(lat.mean()), float(lon.mean()), shapely.Point())
        x, y = extent.xy(lat, lon)
        frame = pl.DataFrame({"x": x, "y": y})
        extremes = []
        for across, along in (("x", "y"), ("y", "x")):
            low, high = frame.get_column(across).min(), frame.get_column(across).max()
            width = max((float(high) - float(low)) / HULL_STRIPS, 1e-9)  # type: ignore[arg-type]
            strips = frame.group_by((pl.col(across) - low) // width).agg(
                pl.col(across).get(pl.col(along).arg_min()).alias("a0"),
                pl.col(along).min().alias("b0"),
                pl.col(across).get(pl.col(along).arg_max()).alias("a1"),
                pl.col(along).max().alias("b1"),
            )
            for first, second in (("a0", "b0"), ("a1", "b1")):
                pair = strips.select(first, second).to_numpy()
                extremes.append(pair if across == "x" else pair[:, ::-1])
        corners = np.vstack(extremes)
        return cls(extent.lat0, extent.lon0, shapely.convex_hull(shapely.multipoints(corners)))

    def xy(
        self, lat: NDArray[np.float64], lon: NDArray[np.float64]
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        x = (lon - self.lon0) * math.cos(math.radians(self.lat0)) * METRES_PER_DEGREE
        return x, (lat - self.lat0) * METRES_PER_DEGREE

    def areas_within(
        self, lat: NDArray[np.float64], lon: NDArray[np.float64], radius_km: NDArray[np.float64]
    ) -> NDArray[np.float64]:
        """km² of the hull within ``radius_km`` of each point."""
        x, y = self.xy(lat, lon)
        circles = shapely.buffer(shapely.points(x, y), radius_km * 1000, quad_segs=16)
        return np.asarray(shapely.area(shapely.intersection(circles, self.hull)), dtype=np.float64) / 1e6


def _backgrounds(
    places: Sequence[tuple[int, int]], levels: Sequence[_Level], extent: _Extent
) -> list[_Background]:
    """The other issues within about ``BACKGROUND_M`` of each place, and the area they spread over.

    The area is that of the cells with issues, corrected for cells empty by chance
    (:func:`_covered_cells`), so a park, a river or the land beyond the data's edge
    does not dilute the density; at most the part of the neighbourhood inside the
    points' convex hull (which follows the data's edge where cells are coarse); and
    at least ``MIN_AREA_SHARE`` of the neighbourhood, so a lone cluster in an empty
    neighbourhood still stands out. The cells are the finest of ``levels`` that hold
    ``MIN_PER_CELL`` issues each on average: fine cells follow the data's edge
    closely, coarser ones keep the correction small where issues are sparse.
    """
    windows, issues, covered, disk_areas, lats, lons = [], [], [], [], [], []
    for centre, _count in places:
        windows.append(math.fsum(h3_int.cell_area(int(c), unit="km^2") for c in h3_int.grid_disk(centre, 1)))
        for level in levels:
            parent = centre if level is levels[0] else int(h3_int.cell_to_parent(centre, level.resolution))
            disk = h3_int.grid_disk(parent, level.rings)
            occupied = level.lookup(disk)
            total = int(occupied.sum())
            if total >= MIN_PER_CELL * len(occupied):
                break
        disk_area = len(disk) * h3_int.cell_area(parent, unit="km^2")
        covered.append(_covered_cells(len(occupied), total, len(disk)) / len(disk) * disk_area)
        issues.append(total)
        disk_areas.append(disk_area)
        lat, lon = h3_int.cell_to_latlng(centre)
        lats.append(lat)
        lons.append(lon)
    areas = np.array(disk_areas)
    inside = extent.areas_within(np.array(lats), np.array(lons), np.sqrt(areas / math.pi))
    result = []
    for (_centre, count), window, total, cover, within, disk_area in zip(
        places, windows, issues, covered, inside.tolist(), disk_areas, strict=True
    ):
        area = max(min(cover, within), MIN_AREA_SHARE * disk_area)
        rest = max(area - window, window)
        result.append(_Background(others=max(total - count, 0), share=window / (window + rest)))
    return result


def _point_places(points: pl.DataFrame, radius_m: float, min_count: int, alpha: float | None) -> pl.DataFrame:
    resolution = fine_resolution(radius_m)
    cells = cell_ids(points.get_column("lat").to_list(), points.get_column("lon").to_list(), resolution)
    cell_column = pl.Series("_cell", cells, dtype=pl.UInt64)
    counted = pl.DataFrame([cell_column]).group_by("_cell").len()
    counts = dict(
        zip(counted.get_column("_cell").to_list(), counted.get_column("len").to_list(), strict=True)
    )
    places, claimed = _greedy_places(counts, min_count)
    if not places:
        return pl.DataFrame(schema=PLACE_SCHEMA)

    levels = _levels(counts, resolution)
    extent = _Extent.of(points.get_column("lat").to_numpy(), points.get_column("lon").to_numpy())
    tests = len(counts)  # every occupied cell was a candidate centre
    rows = []
    backgrounds = _backgrounds(places, levels, extent)
    for index, ((centre, count), background) in enumerate(zip(places, backgrounds, strict=True)):
        p_value = background.p_value(count)
        if alpha is None or p_value * tests < alpha:
            rows.append((index, f"point:{h3.int_to_str(centre)}", background.expected, p_value))
    if not rows:
        return pl.DataFrame(schema=PLACE_SCHEMA)

    kept = pl.DataFrame(
        rows,
        schema={"_index": pl.Int64, "place": pl.String, "expected": pl.Float64, "p_value": pl.Float64},
        orient="row",
    )
    membership = pl.DataFrame(
        {"_cell": list(claimed), "_index": list(claimed.values())},
        schema={"_cell": pl.UInt64, "_index": pl.Int64},
    )
    members = (
        points.with_columns(cell_column)
        .join(membership, on="_cell", how="inner")
        .join(kept, on="_index", how="inner")
    )
    return (
        _describe_places(members)
        .join(kept.drop("_index"), on="place", how="left")
        .with_columns(pl.lit("point").alias("kind"))
        .select(list(PLACE_SCHEMA))
        .cast(PLACE_SCHEMA)
    )


def _address_places(no_point: pl.DataFrame, min_count: int) -> pl.DataFrame:
    keyed = no_point.with_columns(normalise_address().alias("_key")).filter(pl.col("_key").is_not_null())
    if keyed.height == 0:
        return pl.DataFrame(schema=PLACE_SCHEMA)
    keys = keyed.get_column("_key").unique().to_list()
    ids = {k: "address:" + hashlib.sha1(k.encode("utf-8")).hexdigest()[:12] for k in keys}
    members = keyed.with_columns(pl.col("_key").replace_strict(ids, return_dtype=pl.String).alias("place"))
    return (
        _describe_places(members)
        .filter(pl.col("count") >= min_count)
        .with_columns(
            pl.lit("address").alias("kind"),
            pl.lit(None, dtype=pl.Float64).alias("expected"),
            pl.lit(None, dtype=pl.Float64).alias("p_value"),
        )
        .select(list(PLACE_SCHEMA))
        .cast(PLACE_SCHEMA)
    )


def repeat_locations(
    issues: pl.DataFrame,
    as_of: datetime,
    days: int = 90,
    radius_m: float = 50,
    min_count: int = 3,
    alpha: float | None = 0.01,
) -> pl.DataFrame:
    """Places with ``min_count`` or more issues in the ``days`` before ``as_of`` (``invalid`` ones left out).

    Method. Issues with a point are snapped to H3 hexagons of resolution
    :func:`fine_resolution` (``radius_m`` 50 → resolution 11, 29 m edges). Each
    occupied hexagon with its 6 neighbours is a window reaching about ``radius_m``;
    greedily, the fullest window becomes a place and keeps its hexagons' issues, then
    the next fullest among the rest, and so on (so a cluster on a hexagon border stays
    one place). A place is kept when its count is at least ``min_count`` and, unless
    ``alpha`` is None, when it is unusual for its surroundings: the other issues within
    about 700 m are compared with the place's count as two Poisson rates over their
    areas (the exact conditional test: :func:`binomial_tail` of the count among all
    of them, with the window's share of the area), the area being where issues occur
    (occupied hexagons, corrected for those empty by chance, clipped to the points'
    convex hull); the p-value must be below ``alpha`` divided by the number of
    occupied hexagons (Bonferroni). ``expected`` is the count the surroundings'
    density gives the window. Without that test any busy street is full of chance
    "places": in simulations of uniform noise from 25 to 1,500 issues per km², 1–3%
    of runs showed one chance place, and a planted cluster of 12 issues within 15 m
    among 500 was found in every run. Issues without a point are grouped by
    :func:`normalise_address` (count only: there is no area to compare with).

    Returns
    -------
    pl.DataFrame
        :data:`PLACE_SCHEMA`: ``place`` (``point:<H3 cell>`` or ``address:<hash>``),
        ``kind``, ``lat``/``lon`` (mean of the points; null for addresses), ``count``,
        ``expected``, ``p_value``, ``top_category``, first and last ``reported_at``,
        the most frequent ``grid_code``, ``community_name`` and ``address``, and the
        ``issue_ids`` for the drill-down. No reporter names or phones. Sorted by count
        (descending), then place.
    """
    if isinstance(min_count, bool) or not isinstance(min_count, int) or min_count < 1:
        raise ValueError(f"min_count must be a positive integer, got {min_count!r}")
    if alpha is not None and not 0 < alpha < 1:
        raise ValueError(f"alpha must be between 0 and 1, got {alpha!r}")
    window = _window(issues, as_of, days)
    points = window.filter(pl.col("_point"))
    parts = [
        _point_places(points, radius_m, min_count, alpha)
        if points.height
        else pl.DataFrame(schema=PLACE_SCHEMA),
        _address_places(window.filter(~pl.col("_point")), min_count),
    ]
    return pl.concat(parts).sort(["count", "place"], descending=[True, False])


# --- top grids ----------------------------------------------------------------------


def _grid_table(units: pl.DataFrame) -> pl.DataFrame:
    missing = [c for c in ("grid_code", "population") if c not in units.columns]
    if missing:
        raise ValueError(f"units need the columns {', '.join(missing)}")
    labels = [
        pl.col(c).cast(pl.String) if c in units.columns else pl.lit(None, dtype=pl.String).alias(c)
        for c in UNIT_LABELS
    ]
    return units.select(pl.col("grid_code").cast(pl.String), *labels, pl.col("population").cast(pl.Int64))


def _issues_in_s(issues: pl.DataFrame, start: datetime, end: datetime) -> pl.DataFrame:
    """Issues in a grid reported in ``[start, end)``, ``invalid`` ones left out."""
    selected = issues.filter(
        (pl.col("reported_at") >= start) & (pl.col("reported_at") < end) & pl.col("grid_code").is_not_null()
    )
    if "status" in selected.columns:
        selected = selected.filter(pl.col("status").fill_null("") != "invalid")
    return selected


def top_grids(
    issues: pl.DataFrame,
    units: pl.DataFrame,
    period: Period,
    n: int = 10,
    by: Literal["issue_count", "issues_per_1000"] = "issue_count",
) -> pl.DataFrame:
    """The ``n`` grids with the most issues in ``period`` (``invalid`` ones left out), or the most per 1,000 residents.

    ``units`` is :attr:`Dataset.units` (grid_code, grid_name, community_name, population).
    Only grids with at least one issue are listed; ``issues_per_1000`` is null for a
    grid without residents (it sorts last). Issues outside every grid are not listed.

    Returns
    -------
    pl.DataFrame
        :data:`TOP_GRIDS_SCHEMA`, sorted by ``by`` (descending), then issue_count, then grid_code.
    """
    if by not in ("issue_count", "issues_per_1000"):
        raise ValueError(f"by must be 'issue_count' or 'issues_per_1000', got {by!r}")
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"n must be a positive integer, got {n!r}")
    counts = (
        _issues_in_s(issues, period.start, period.end)
        .group_by("grid_code")
        .agg(pl.len().cast(pl.Int64).alias("issue_count"))
    )
    population = pl.col("population")
    table = (
        _grid_table(units)
        .join(counts, on="grid_code", how="inner")
        .with_columns(
            pl.when(population > 0)
            .then(pl.col("issue_count") / population * 1000)
            .otherwise(None)
            .alias("issues_per_1000")
        )
    )
    ordered = table.sort([by, "issue_count", "grid_code"], descending=[True, True, False], nulls_last=True)
    return ordered.head(n).select(list(TOP_GRIDS_SCHEMA)).cast(TOP_GRIDS_SCHEMA)


# --- emerging grids -------------------------------------------------------------------


def months_before(moment: datetime, months: int) -> datetime:
    """The same day and time ``months`` calendar months earlier (the day clamped to the month's end)."""
    index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(index, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


def emerging(
    issues: pl.DataFrame,
    units: pl.DataFrame,
    period: Period,
    baseline_months: int = 6,
    alpha: float = 0.01,
    min_count: int = 5,
    as_of: datetime | None = None,
) -> pl.DataFrame:
    """Grids whose issue count in ``period`` is unusually high against their own recent months.

    ``observed``: the grid's issues in the period (``invalid`` ones left out).
    ``expected``: its issues in the ``baseline_months`` calendar months before the
    period, times the period's length over the baseline's length (the mean monthly
    count, scaled to the period). The baseline starts no earlier than the first issue
    in ``issues`` (data that begins later gives a shorter baseline); without any
    baseline, expected, ratio and p-values are null and nothing is flagged. With
    ``as_of`` inside the period (the current month), only the part up to ``as_of``
    is compared. ``p_value``: P(X ≥ observed) for X ~ Poisson(expected)
    (:func:`poisson_tail`); ``p_adjusted``: Bonferroni, p times the number of grids
    tested (all grids of ``units``), at most 1. ``flagged``: p_adjusted < ``alpha``
    and observed ≥ ``min_count``. A grid with no issue in the baseline and
    ``min_count`` in the period is flagged (its p-value is 0; ratio is null).

    Returns
    -------
    pl.DataFrame
        :data:`EMERGING_SCHEMA`, one row per grid of ``units``, sorted by p_value
        (nulls last), then grid_code.
    """
    if isinstance(baseline_months, bool) or not isinstance(baseline_months, int) or baseline_months < 1:
        raise ValueError(f"baseline_months must be a positive integer, got {baseline_months!r}")
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be between 0 and 1, got {alpha!r}")
    if isinstance(min_count, bool) or not isinstance(min_count, int) or min_count < 0:
        raise ValueError(f"min_count must be a non-negative integer, got {min_count!r}")
    end = period.end if as_of is None else max(period.start, min(period.end, as_of))
    first = issues.get_column("reported_at").min() if issues.height else None
    baseline_start = months_before(period.start, baseline_months)
    if isinstance(first, datetime):
        baseline_start = max(baseline_start, first)
    baseline_seconds = (period.start - baseline_start).total_seconds()
    scale = (end - period.start).total_seconds() / baseline_seconds if baseline_seconds > 0 else None

    observed = _issues_in_s(issues, period.start, end).group_by("grid_code").agg(pl.len().alias("observed"))
    baseline = (
        _issues_in_s(issues, baseline_start, period.start)
        .group_by("grid_code")
        .agg(pl.len().alias("baseline"))
    )
    table = (
        _grid_table(units)
        .join(observed, on="grid_code", how="left")
        .join(baseline, on="grid_code", how="left")
        .with_columns(pl.col("observed", "baseline").fill_null(0).cast(pl.Int64))
        .sort("grid_code")
    )
    tests = table.height if scale is not None else 0
    rows: list[tuple[str, float | None, float | None, float | None, float | None]] = []
    for code, seen, before in table.select("grid_code", "observed", "baseline").iter_rows():
        if scale is None:
            rows.append((code, None, None, None, None))
            continue
        expected = before * scale
        p_value = poisson_tail(seen, expected)
        ratio = seen / expected if expected > 0 else None
        rows.append((code, expected, ratio, p_value, min(1.0, p_value * tests)))
    tested = pl.DataFrame(
        rows,
        schema={
            "grid_code": pl.String,
            "expected": pl.Float64,
            "ratio": pl.Float64,
            "p_value": pl.Float64,
            "p_adjusted": pl.Float64,
        },
        orient="row",
    )
    return (
        table.join(tested, on="grid_code", how="left")
        .with_columns(
            ((pl.col("p_adjusted") < alpha) & (pl.col("observed") >= min_count))
            .fill_null(False)
            .alias("flagged")
        )
        .select(list(EMERGING_SCHEMA))
        .cast(EMERGING_SCHEMA)
        .sort(["p_value", "grid_code"], nulls_last=True)
    )
