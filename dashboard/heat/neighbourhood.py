"""A repeat place's neighbourhood: the other issues within about 700 m and the area they spread over.

The area is where issues occur (H3 cells with issues, corrected for cells empty by chance),
clipped to the points' convex hull, so a park, a river or the land beyond the data's edge
does not dilute the density a place is compared with.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import h3
import h3.api.numpy_int as h3_int
import numpy as np
import polars as pl
import shapely
from numpy.typing import NDArray

from dashboard.heat.tails import binomial_tail

BACKGROUND_M: Final = 700.0  # a place's neighbourhood reaches about this far
METRES_PER_DEGREE: Final = 6_371_008.8 * math.pi / 180  # mean Earth radius
OCCUPANCY_LEVELS: Final = 4  # resolutions tried for the neighbourhood's area: fine to 3 coarser
MIN_PER_CELL: Final = 2.0  # mean issues per occupied cell for an area estimate to be trusted
HULL_STRIPS: Final = 2000  # strips each way when finding the points' convex hull
MIN_AREA_SHARE: Final = 0.25  # a neighbourhood's area counts as at least this share of its circle


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
class Level:
    """Issue counts per H3 cell at one resolution (sorted cells), and the rings that reach ``BACKGROUND_M``."""

    resolution: int
    rings: int
    cells: NDArray[np.uint64]
    counts: NDArray[np.int64]

    def lookup(self, cells: NDArray[np.uint64]) -> NDArray[np.int64]:
        """The counts of the occupied ones among ``cells``."""
        index = np.minimum(np.searchsorted(self.cells, cells), len(self.cells) - 1)
        return np.asarray(self.counts[index[self.cells[index] == cells]], dtype=np.int64)


def count_levels(counts: dict[int, int], resolution: int) -> list[Level]:
    """The fine counts and those of up to ``OCCUPANCY_LEVELS - 1`` coarser resolutions."""
    fine = pl.DataFrame(
        {"cell": list(counts), "n": list(counts.values())}, schema={"cell": pl.UInt64, "n": pl.Int64}
    )
    levels: list[Level] = []
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
            Level(
                level,
                max(1, round(BACKGROUND_M / spacing)),
                table.get_column("cell").to_numpy(),
                table.get_column("n").to_numpy(),
            )
        )
    return levels


@dataclass(frozen=True)
class Background:
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
class Extent:
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
    def of(cls, lat: NDArray[np.float64], lon: NDArray[np.float64]) -> Extent:
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


def place_backgrounds(
    places: Sequence[tuple[int, int]], levels: Sequence[Level], extent: Extent
) -> list[Background]:
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
        result.append(Background(others=max(total - count, 0), share=window / (window + rest)))
    return result
