"""Block geometry for demo data: road-like subdivision of a district into nested cells."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from numpy.typing import NDArray
from pyproj import Transformer
from shapely.geometry import LineString, Polygon

# A cut line overshoots its cell by this much (metres) so that global noding
# always meets the cell's boundary; the overshoot is a dangle that polygonize drops.
OVERSHOOT_M = 0.05
FAR_M = 1.0e6
DECIMALS = 6


@dataclass(frozen=True)
class Frame:
    """Local metric frame: metres east/north of an origin, roads rotated by ``angle``."""

    lon0: float
    lat0: float
    angle: float  # radians; the road grid's rotation from east

    def axes(self) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """The road frame's unit vectors ``u`` (along-street) and ``v`` (cross-street)."""
        c, s = math.cos(self.angle), math.sin(self.angle)
        return np.array([c, s]), np.array([-s, c])

    def transformer(self) -> Transformer:
        """A transformer from this frame's metres to WGS-84 lon/lat."""
        proj = (
            f"+proj=tmerc +lat_0={self.lat0} +lon_0={self.lon0} +k=1 +x_0=0 +y_0=0 "
            "+ellps=WGS84 +units=m +no_defs"
        )
        return Transformer.from_crs(proj, "EPSG:4326", always_xy=True)


def wavy(
    start: float, stop: float, level: float, amplitude: float, rng: np.random.Generator
) -> NDArray[np.float64]:
    """Points ``(u, v)`` of a meandering river bank from ``u=start`` to ``u=stop`` at ``v≈level``."""
    u = np.linspace(start, stop, max(int(abs(stop - start) / 70.0), 12))
    span = abs(stop - start)
    v = np.full_like(u, level)
    for k, share in ((1.3, 1.0), (2.7, 0.45), (5.1, 0.15)):
        phase = rng.uniform(0, 2 * math.pi)
        v += amplitude * share * np.sin(2 * math.pi * k * (u - start) / span + phase)
    return np.column_stack([u, v])


def outer_boundary(
    width: float, height: float, area: float, frame: Frame, rng: np.random.Generator
) -> tuple[Polygon, LineString]:
    """A street- or district-shaped outline of ``area`` m² and its river bank (the south edge).

    The east and north edges follow the road grid with a jog each; the north-west corner is cut
    by a diagonal road (a highway or railway), as old outer roads often run.
    """
    w, h = width / 2, height / 2
    jog = rng.uniform(0.04, 0.09)
    cut = rng.uniform(0.18, 0.32)
    south = wavy(-w, w, -h, 0.05 * height, rng)
    east_jog_v = rng.uniform(-0.2, 0.3) * h
    north_jog_u = rng.uniform(-0.3, 0.3) * w
    edges = np.asarray(
        [
            (w, east_jog_v),
            (w * (1 - jog), east_jog_v),
            (w * (1 - jog), h),
            (north_jog_u, h),
            (north_jog_u, h * (1 + jog)),
            (-w * (1 - cut), h * (1 + jog)),
            (-w, h * (1 - cut)),
        ]
    )
    uv = np.vstack([south, edges])
    u_axis, v_axis = frame.axes()
    xy = np.outer(uv[:, 0], u_axis) + np.outer(uv[:, 1], v_axis)
    polygon = Polygon(xy)
    if not polygon.is_valid:
        polygon = max(shapely.get_parts(shapely.make_valid(polygon)), key=lambda p: p.area)
    scale = math.sqrt(area / polygon.area)
    bank = LineString(np.outer(south[:, 0], u_axis) + np.outer(south[:, 1], v_axis))
    return (
        shapely.affinity.scale(polygon, scale, scale, origin=(0, 0)),
        shapely.affinity.scale(bank, scale, scale, origin=(0, 0)),
    )


def _half_plane(normal: NDArray[np.float64], offset: float) -> Polygon:
    """The half-plane ``p·normal <= offset`` as a very large polygon."""
    d = np.array([-normal[1], normal[0]])
    base = normal * offset
    back = base - normal * FAR_M
    return Polygon([base - d * FAR_M, base + d * FAR_M, back + d * FAR_M, back - d * FAR_M])


def _side_area(piece: Polygon, normal: NDArray[np.float64], offset: float) -> float:
    return float(shapely.intersection(piece, _half_plane(normal, offset)).area)


def _compactness(polygon: Polygon) -> float:
    """4πA/P²: 1 for a circle, ~0.785 for a square, small for slivers."""
    return float(4 * math.pi * polygon.area / polygon.length**2)


def clip_with_overshoot(line: LineString, polygon: Polygon) -> list[LineString]:
    """``line`` clipped to ``polygon``, each segment extended by the overshoot at both ends.

    Only straight lines are extended along their end segments; a meandering line keeps its
    shape inside and sticks out by ``OVERSHOOT_M`` at each crossing of the boundary.
    """
    segments: list[LineString] = []
    for part in shapely.get_parts(shapely.intersection(line, polygon)):
        if part.geom_type != "LineString" or part.length < 1.0:
            continue
        coords = np.asarray(part.coords)
        head = (coords[0] - coords[1]) / np.linalg.norm(coords[0] - coords[1])
        tail = (coords[-1] - coords[-2]) / np.linalg.norm(coords[-1] - coords[-2])
        coords[0] = coords[0] + head * OVERSHOOT_M
        coords[-1] = coords[-1] + tail * OVERSHOOT_M
        segments.append(LineString(coords))
    return segments


def _cut_segments(piece: Polygon, normal: NDArray[np.float64], offset: float) -> list[LineString]:
    """The straight cut ``p·normal = offset`` clipped to ``piece`` with overshoot."""
    d = np.array([-normal[1], normal[0]])
    base = normal * offset
    return clip_with_overshoot(LineString([base - d * FAR_M, base + d * FAR_M]), piece)


def split_once(
    piece: Polygon,
    frame: Frame,
    min_area: float,
    rng: np.random.Generator,
    spread: float = 0.12,
    centre: float = 0.5,
) -> tuple[list[Polygon], list[LineString]] | None:
    """Cut ``piece`` across its longer road axis by a slightly rotated road; None if no fair cut.

    The cut leaves ``centre`` ± ``spread`` of the area on its low side; the parts come low side first.
    """
    u_axis, v_axis = frame.axes()
    coords = np.asarray(piece.exterior.coords)
    extent_u = np.ptp(coords @ u_axis)
    extent_v = np.ptp(coords @ v_axis)
    primary = u_axis if extent_u >= extent_v else v_axis
    secondary = v_axis if extent_u >= extent_v else u_axis
    for attempt in range(8):
        axis = primary if attempt < 5 else secondary
        tilt = float(np.clip(rng.normal(0, math.radians(2.5)), -math.radians(6), math.radians(6)))
        c, s = math.cos(tilt), math.sin(tilt)
        normal = np.array([c * axis[0] - s * axis[1], s * axis[0] + c * axis[1]])
        proj = coords @ normal
        lo, hi = float(proj.min()), float(proj.max())
        share = rng.uniform(centre - spread, centre + spread)
        target = share * piece.area
        for _ in range(18):
            mid = (lo + hi) / 2
            if _side_area(piece, normal, mid) < target:
                lo = mid
            else:
                hi = mid
        offset = (lo + hi) / 2
        below = shapely.intersection(piece, _half_plane(normal, offset))
        above = shapely.difference(piece, _half_plane(normal, offset))
        parts = [
            p for p in (*shapely.get_parts(below), *shapely.get_parts(above)) if p.geom_type == "Polygon"
        ]
        if any(p.area < min_area or _compactness(p) < 0.45 for p in parts):
            continue
        segments = _cut_segments(piece, normal, offset)
        if segments:
            return parts, segments
    return None


def subdivide(
    polygon: Polygon, count: int, frame: Frame, rng: np.random.Generator, spread: float = 0.12
) -> tuple[list[Polygon], list[LineString]]:
    """Split ``polygon`` into about ``count`` block-like pieces by repeatedly cutting the largest.

    Each cut leaves 50% ± ``spread`` of the piece's area on one side.
    """
    pieces = [polygon]
    lines: list[LineString] = []
    min_area = polygon.area / count * 0.4
    stuck: set[int] = set()
    while len(pieces) < count:
        order = sorted(
            (i for i in range(len(pieces)) if id(pieces[i]) not in stuck),
            key=lambda i: -pieces[i].area,
        )
        if not order:
            break
        largest = order[0]
        result = split_once(pieces[largest], frame, min_area, rng, spread)
        if result is None:
            stuck.add(id(pieces[largest]))
            continue
        parts, segments = result
        pieces = pieces[:largest] + pieces[largest + 1 :] + parts
        lines.extend(segments)
    return pieces, lines


def subdivide_evenly(
    polygon: Polygon, count: int, frame: Frame, rng: np.random.Generator
) -> tuple[list[Polygon], list[LineString]]:
    """Split ``polygon`` into exactly ``count`` pieces of nearly equal area (empty if it cannot)."""
    if count <= 1:
        return [polygon], []
    low = count // 2
    result = split_once(polygon, frame, polygon.area / count * 0.5, rng, spread=0.02, centre=low / count)
    if result is None:
        return [], []
    parts, lines = result
    if len(parts) != 2:
        return [], []
    pieces: list[Polygon] = []
    for part, share in zip(parts, (low, count - low), strict=True):
        more, cuts = subdivide_evenly(part, share, frame, rng)
        if not more:
            return [], []
        pieces.extend(more)
        lines = [*lines, *cuts]
    return pieces, lines


def faces(outer: Polygon, lines: Sequence[LineString]) -> list[Polygon]:
    """Polygons of the planar arrangement of ``outer``'s ring and ``lines`` (consistently noded)."""
    rings = [LineString(ring.coords) for ring in (outer.exterior, *outer.interiors)]
    noded = shapely.union_all(np.array([*rings, *lines], dtype=object))
    parts = shapely.get_parts(noded)
    polygons = shapely.get_parts(shapely.polygonize(parts))
    return [p for p in polygons if p.area > 1.0]


def match_faces(cells: Sequence[Polygon], polys: Sequence[Polygon]) -> NDArray[np.int64]:
    """For each face, the index of the cell containing its representative point; -1 if none."""
    tree = shapely.STRtree(np.array(cells, dtype=object))
    points = shapely.point_on_surface(np.array(polys, dtype=object))
    face_idx, cell_idx = tree.query(points, predicate="within")
    found = np.full(len(polys), -1, dtype=np.int64)
    found[face_idx] = cell_idx
    duplicated = np.bincount(face_idx, minlength=len(polys)) > 1
    found[duplicated] = -1
    return found


def to_lonlat(polygons: Sequence[Polygon], frame: Frame) -> NDArray[np.object_]:
    """Local-metre polygons to WGS-84, rounded to ``DECIMALS`` (shared vertices stay shared)."""
    transformer = frame.transformer()

    def project(xy: NDArray[np.float64]) -> NDArray[np.float64]:
        lon, lat = transformer.transform(xy[:, 0], xy[:, 1])
        return np.round(np.column_stack([lon, lat]), DECIMALS)

    return np.asarray(shapely.transform(np.array(polygons, dtype=object), project), dtype=object)
