"""Where to put the next service point: the site that brings the most uncovered residents within reach."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

import geopandas as gpd
import numpy as np
import polars as pl
import shapely
from pyproj import CRS, Transformer

from dashboard.volunteers.coverage import RADIUS_M
from dashboard.volunteers.projection import (
    QUAD_SEGS,
    WGS84,
    check_points,
    check_radius,
    crs_for,
    projected_points,
    walking_reach,
)

LATTICE_M: Final = 200.0


@dataclass(frozen=True)
class Suggestion:
    """A new service point site and the residents it would add within the radius."""

    lon: float
    lat: float
    added_residents: float
    grid_code: str | None
    grid_name: str | None


def _lattice(area: shapely.Geometry, spacing: float) -> np.ndarray[Any, Any]:
    """Points every ``spacing`` metres over the bounds of ``area``, on multiples of the spacing."""
    min_x, min_y, max_x, max_y = shapely.bounds(area)
    xs = np.arange(np.floor(min_x / spacing) * spacing, max_x + spacing, spacing)
    ys = np.arange(np.floor(min_y / spacing) * spacing, max_y + spacing, spacing)
    gx, gy = np.meshgrid(xs, ys)
    return np.asarray(shapely.points(gx.ravel(), gy.ravel()))


@dataclass(frozen=True)
class _Gap:
    """The uncovered parts of the populated grids, their residents per m², and a search tree over them."""

    pieces: np.ndarray[Any, Any]
    density: np.ndarray[Any, Any]
    tree: shapely.STRtree

    def gains(self, sites: np.ndarray[Any, Any], radius_m: float, quad_segs: int) -> np.ndarray[Any, Any]:
        """Residents newly covered by a circle at each site: density x area(circle and uncovered piece)."""
        gains = np.zeros(len(sites))
        if len(sites) == 0 or len(self.pieces) == 0:
            return gains
        site_idx, piece_idx = self.tree.query(sites, predicate="dwithin", distance=radius_m)
        if len(site_idx) == 0:
            return gains
        discs = shapely.buffer(sites, radius_m, quad_segs=quad_segs)
        overlap = shapely.area(shapely.intersection(discs[site_idx], self.pieces[piece_idx]))
        return np.bincount(site_idx, weights=overlap * self.density[piece_idx], minlength=len(sites))


def _best(gains: np.ndarray[Any, Any]) -> int:
    # Rounded so that float noise does not decide between equal sites: the first one wins.
    return int(np.argmax(np.round(gains, 3)))


def _uncovered_gap(
    shapes: np.ndarray[Any, Any], population: np.ndarray[Any, Any], reach: shapely.Geometry
) -> _Gap | None:
    """The parts of populated grids beyond ``reach``; None when every resident is covered."""
    area = shapely.area(shapes)
    rest = shapely.difference(shapes, reach)
    rest_area = shapely.area(rest)
    live = (population > 0) & (area > 0) & (rest_area > 1e-6 * np.maximum(area, 1.0))
    if not live.any():
        return None
    pieces = rest[live]
    return _Gap(pieces, population[live] / area[live], shapely.STRtree(pieces))


def _candidate_sites(
    gap: _Gap, shapes: np.ndarray[Any, Any], radius_m: float, candidates: int | None
) -> tuple[np.ndarray[Any, Any], float]:
    """The gap's representative points, then lattice points on land near the gap; and the lattice's spacing."""
    seeds = shapely.point_on_surface(gap.pieces)
    area = shapely.buffer(shapely.union_all(gap.pieces), radius_m, quad_segs=8)
    spacing = LATTICE_M
    lattice = _lattice(area, spacing)
    if candidates is not None and len(lattice) > candidates > 0:
        spacing *= float(np.sqrt(len(lattice) / candidates))
        lattice = _lattice(area, spacing)
    land = shapely.union_all(shapes)
    shapely.prepare(land)
    near = gap.tree.query(lattice, predicate="dwithin", distance=radius_m)[0]
    lattice = lattice[np.unique(near)]
    lattice = lattice[shapely.intersects(land, lattice)]
    return np.concatenate([seeds, lattice]), spacing


def _refine(best: shapely.Point, spacing: float, gap: _Gap, radius_m: float) -> tuple[shapely.Point, float]:
    """The best site on a lattice 8 times finer around ``best`` (the centre first), and its gain."""
    bx, by = shapely.get_x(best), shapely.get_y(best)
    offsets = np.arange(-4, 5) * (spacing / 8)
    ox, oy = np.meshgrid(offsets, offsets)
    order = np.argsort(np.hypot(ox, oy).ravel(), kind="stable")  # the centre first
    refined = np.asarray(shapely.points(bx + ox.ravel()[order], by + oy.ravel()[order]))
    gains = gap.gains(refined, radius_m, QUAD_SEGS)
    pick = _best(gains)
    return refined[pick], float(gains[pick])


def _suggestion(site: shapely.Point, added: float, projected: gpd.GeoDataFrame, crs: CRS) -> Suggestion:
    """The site in WGS-84 with the grid it lies in (else the nearest grid)."""
    shapes = np.asarray(projected.geometry.values)
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
    check_points(points)
    check_radius(radius_m)
    crs = crs_for(grids.total_bounds)
    projected = grids.to_crs(crs).sort_values("grid_code").reset_index(drop=True)
    shapes = np.asarray(projected.geometry.values)
    # An unknown population (NaN) counts as nobody: no site is suggested for residents nobody counted.
    population = projected["population"].astype("Float64").to_numpy(dtype=np.float64, na_value=0.0)
    gap = _uncovered_gap(shapes, population, walking_reach(projected_points(points, crs), radius_m))
    if gap is None:
        return None
    sites, spacing = _candidate_sites(gap, shapes, radius_m, candidates)
    # Coarse circles (64-gon) rank the candidates; the finest circles score the winner.
    best = sites[_best(gap.gains(sites, radius_m, 16))]
    site, added = _refine(best, spacing, gap, radius_m)
    if added <= 0:
        return None
    return _suggestion(site, added, projected, crs)
