"""Random points inside polygons, near landmarks, and just outside a boundary (vectorised)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry import MultiPolygon, Polygon

from dashboard.demo.geometry import DECIMALS

Floats = NDArray[np.float64]
Ints = NDArray[np.int64]
METRES_PER_DEGREE_LAT = 110_574.0


@dataclass(frozen=True)
class Triangles:
    """A triangulation of many polygons, for drawing uniform points inside any of them."""

    polygons: NDArray[np.object_]
    corners: Floats  # (T, 3, 2)
    cumulative: Floats  # owner index + cumulative area share within the owner, ending at owner + 1

    @classmethod
    def of(cls, polygons: NDArray[np.object_]) -> Triangles:
        """Triangulate ``polygons`` (constrained Delaunay, so concave blocks work)."""
        parts, owner = shapely.get_parts(shapely.constrained_delaunay_triangles(polygons), return_index=True)
        coords = shapely.get_coordinates(shapely.get_exterior_ring(parts)).reshape(len(parts), 4, 2)[:, :3]
        a, b, c = coords[:, 0], coords[:, 1], coords[:, 2]
        area = 0.5 * np.abs(
            (b[:, 0] - a[:, 0]) * (c[:, 1] - a[:, 1]) - (c[:, 0] - a[:, 0]) * (b[:, 1] - a[:, 1])
        )
        totals = np.bincount(owner, weights=area, minlength=len(polygons))
        within = np.cumsum(area) - np.repeat(
            np.cumsum(totals) - totals, np.bincount(owner, minlength=len(polygons))
        )
        cumulative = owner + within / totals[owner]
        last = np.r_[np.flatnonzero(np.diff(owner)), len(owner) - 1]
        cumulative[last] = owner[last] + 1.0  # no rounding gap between one polygon and the next
        return cls(polygons, coords, cumulative)

    def sample(self, owner: Ints, rng: np.random.Generator) -> tuple[Floats, Floats]:
        """One uniform point inside ``polygons[owner[i]]`` per ``i``, rounded like the grids."""
        lon = np.empty(len(owner))
        lat = np.empty(len(owner))
        todo = np.arange(len(owner))
        while len(todo):
            x, y = self._draw(owner[todo], rng)
            inside = shapely.contains_xy(self.polygons[owner[todo]], x, y)
            lon[todo[inside]] = x[inside]
            lat[todo[inside]] = y[inside]
            todo = todo[~inside]
        return lon, lat

    def _draw(self, owner: Ints, rng: np.random.Generator) -> tuple[Floats, Floats]:
        pick = np.searchsorted(self.cumulative, owner + rng.random(len(owner)) * 0.999999, side="right")
        tri = self.corners[pick]
        r1, r2 = rng.random(len(owner)), rng.random(len(owner))
        flip = r1 + r2 > 1
        r1[flip], r2[flip] = 1 - r1[flip], 1 - r2[flip]
        point = tri[:, 0] + r1[:, None] * (tri[:, 1] - tri[:, 0]) + r2[:, None] * (tri[:, 2] - tri[:, 0])
        centre = tri.mean(axis=1)
        point = centre + 0.97 * (point - centre)
        return np.round(point[:, 0], DECIMALS), np.round(point[:, 1], DECIMALS)


def jitter(
    lon: Floats, lat: Floats, metres: float, polygons: NDArray[np.object_], rng: np.random.Generator
) -> tuple[Floats, Floats]:
    """Points scattered ``metres`` (s.d.) around the given ones, kept where they stay inside ``polygons``."""
    dx = rng.normal(0, metres, len(lon)) / (METRES_PER_DEGREE_LAT * np.cos(np.radians(lat)))
    dy = rng.normal(0, metres, len(lat)) / METRES_PER_DEGREE_LAT
    x, y = np.round(lon + dx, DECIMALS), np.round(lat + dy, DECIMALS)
    inside = shapely.contains_xy(polygons, x, y)
    return np.where(inside, x, lon), np.where(inside, y, lat)


def outside(
    area: Polygon | MultiPolygon,
    count: int,
    rng: np.random.Generator,
    reach: tuple[float, float] = (60.0, 400.0),
) -> tuple[Floats, Floats]:
    """``count`` points 60–400 m outside ``area``'s boundary (lon/lat)."""
    ring = shapely.boundary(area)
    lat0 = float(shapely.centroid(area).y)
    xs: list[Floats] = []
    ys: list[Floats] = []
    found = 0
    shapely.prepare(area)
    while found < count:
        n = 4 * (count - found) + 8
        base = shapely.line_interpolate_point(ring, rng.random(n), normalized=True)
        xy = shapely.get_coordinates(base)
        angle = rng.uniform(0, 2 * math.pi, n)
        dist = rng.uniform(*reach, n)
        x = np.round(
            xy[:, 0] + dist * np.cos(angle) / (METRES_PER_DEGREE_LAT * math.cos(math.radians(lat0))), DECIMALS
        )
        y = np.round(xy[:, 1] + dist * np.sin(angle) / METRES_PER_DEGREE_LAT, DECIMALS)
        keep = ~shapely.intersects_xy(area, x, y)
        xs.append(x[keep])
        ys.append(y[keep])
        found += int(keep.sum())
    return np.concatenate(xs)[:count], np.concatenate(ys)[:count]
