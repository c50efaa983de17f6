"""Demo grid layout: streets, communities, grids and sub-grids with codes, names and residents."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import polars as pl
import shapely
from numpy.typing import NDArray
from shapely.geometry import LineString, MultiPolygon, Polygon

from dashboard.demo import geometry, names
from dashboard.demo.geometry import Frame
from dashboard.demo.sampling import Triangles

Ints = NDArray[np.int64]


@dataclass(frozen=True)
class CommunityType:
    """How a kind of community looks: density of its housing and how finely it is gridded."""

    density: float  # residents per km² on its residential land
    grids: tuple[int, int]  # first-level grids per community, inclusive
    subgrids: tuple[int, int]  # sub-grids per first-level grid, inclusive
    share: float  # share of communities of this type in a city


# 老旧小区, 商品房小区, 撤村建居 (resettled villages), 商住混合, 产业园区.
COMMUNITY_TYPES: Final = {
    "old": CommunityType(34_000, (7, 9), (3, 4), 0.22),
    "new": CommunityType(21_000, (6, 8), (3, 4), 0.34),
    "resettled": CommunityType(15_000, (5, 7), (2, 4), 0.24),
    "mixed": CommunityType(11_000, (5, 6), (2, 3), 0.12),
    "industrial": CommunityType(3_000, (3, 4), (2, 3), 0.08),
}
# Residents per km² of land that is not housing (dormitories, flats above shops, guards).
LAND_USE_DENSITY: Final = {
    "market": 12_000.0,
    "school": 1_500.0,
    "commercial": 5_000.0,
    "construction": 120.0,
    "park": 30.0,
    "industrial": 700.0,
}
LAND_USES: Final = ("residential", *LAND_USE_DENSITY)
PERSONS_PER_HOUSEHOLD: Final = (2.25, 2.6)
RESIDENTS_PER_KM2: Final = 8_000.0  # a street's average, so a 25 km² street has ~200,000


@dataclass(frozen=True)
class Cells:
    """Finest cells in local metres with their place in the hierarchy (before codes and names)."""

    polygons: list[Polygon]
    street: Ints
    community: Ints  # global community index
    grid: Ints  # global first-level grid index
    community_type: list[str]  # per global community
    riverside: NDArray[np.bool_]
    outer: Polygon


@dataclass(frozen=True)
class Layout:
    """The finest grids: contract properties, internal attributes and WGS-84 polygons, by grid_code."""

    grids: pl.DataFrame
    polygons: NDArray[np.object_]
    frame: Frame


class PartitionError(Exception):
    """A generated partition failed validation; the caller tries the next random stream."""


def _choose_count(bounds: tuple[int, int], rng: np.random.Generator) -> int:
    return int(rng.integers(bounds[0], bounds[1] + 1))


def _uv(polygons: Sequence[Polygon], frame: Frame) -> NDArray[np.float64]:
    u_axis, v_axis = frame.axes()
    xy = shapely.get_coordinates(shapely.centroid(np.array(polygons, dtype=object)))
    return np.column_stack([xy @ u_axis, xy @ v_axis])


def community_types(centres_uv: NDArray[np.float64], rng: np.random.Generator) -> list[str]:
    """Types for one street's communities: an old town core, an industrial edge, villages by the river."""
    n = len(centres_uv)
    lo, hi = centres_uv.min(axis=0), centres_uv.max(axis=0)
    unit = (centres_uv - lo) / np.where(hi > lo, hi - lo, 1.0)
    core = np.array([rng.uniform(0.15, 0.45), rng.uniform(0.45, 0.8)])
    types = ["new"] * n
    free = set(range(n))
    by_core = sorted(free, key=lambda i: float(np.hypot(*(unit[i] - core))))
    n_old = max(2, round(0.22 * n))
    for i in by_core[:n_old]:
        types[i] = "old"
    for i in by_core[n_old : n_old + max(1, round(0.1 * n))]:
        types[i] = "mixed"
    free -= set(by_core[: n_old + max(1, round(0.1 * n))])
    by_east = sorted(free, key=lambda i: -float(unit[i, 0]))
    for i in by_east[: max(1, round(0.08 * n))]:
        types[i] = "industrial"
    free -= set(by_east[: max(1, round(0.08 * n))])
    by_south = sorted(free, key=lambda i: float(unit[i, 1] + 0.4 * abs(unit[i, 0] - 0.5)))
    for i in by_south[: max(1, round(0.24 * n))]:
        types[i] = "resettled"
    return types


def canal_cut(
    street: Polygon, frame: Frame, rng: np.random.Generator
) -> tuple[list[Polygon], list[LineString]]:
    """Cut a street in two along a meandering canal running roughly west–east."""
    u_axis, v_axis = frame.axes()
    coords = np.asarray(street.exterior.coords)
    u, v = coords @ u_axis, coords @ v_axis
    level = float(v.min() + rng.uniform(0.45, 0.65) * np.ptp(v))
    bank = geometry.wavy(float(u.min()) - 200, float(u.max()) + 200, level, 0.03 * np.ptp(v), rng)
    line = LineString(np.outer(bank[:, 0], u_axis) + np.outer(bank[:, 1], v_axis))
    segments = geometry.clip_with_overshoot(line, street)
    noded = shapely.union_all(np.array([LineString(street.exterior.coords), *segments], dtype=object))
    pieces = shapely.get_parts(shapely.polygonize(shapely.get_parts(noded)))
    parts = [p for p in pieces if p.area > 1.0 and street.contains(p.representative_point())]
    return parts, segments


def _split_count(total: int, pieces: Sequence[Polygon]) -> list[int]:
    areas = np.array([p.area for p in pieces])
    raw = total * areas / areas.sum()
    counts = np.maximum(1, np.floor(raw).astype(int))
    while counts.sum() < total:
        counts[int(np.argmax(raw - counts))] += 1
    return [int(c) for c in counts]


def organic_cells(n_streets: int, street_area: float, frame: Frame, rng: np.random.Generator) -> Cells:
    """Streets of ``street_area`` m² cut from one outline, each cut into road-bounded blocks."""
    width = math.sqrt(street_area * 1.3) * (3 if n_streets > 2 else 1)
    height = math.sqrt(street_area / 1.3) * (2 if n_streets > 2 else 1)
    outer, bank = geometry.outer_boundary(width, height, street_area * n_streets, frame, rng)
    streets, lines = geometry.subdivide_evenly(outer, n_streets, frame, rng)
    if len(streets) != n_streets:
        raise PartitionError(f"{len(streets)} streets instead of {n_streets}")
    leaves: list[Polygon] = []
    street_of: list[int] = []
    community_of: list[int] = []
    grid_of: list[int] = []
    types: list[str] = []
    n_grids = 0
    for s, street in enumerate(streets):
        with_canal = n_streets == 1 or rng.random() < 0.5
        halves, canal = canal_cut(street, frame, rng) if with_canal else ([street], [])
        lines.extend(canal)
        per_km2 = rng.uniform(0.72, 0.82)  # communities per km²: ~19 in a 25 km² street
        total = int(np.clip(round(street.area / 1e6 * per_km2), 15, 25))
        communities: list[Polygon] = []
        for half, count in zip(halves, _split_count(total, halves), strict=True):
            pieces, cuts = geometry.subdivide(half, count, frame, rng)
            communities.extend(pieces)
            lines.extend(cuts)
        street_types = community_types(_uv(communities, frame), rng)
        for community, kind in zip(communities, street_types, strict=True):
            spec = COMMUNITY_TYPES[kind]
            grids, cuts = geometry.subdivide(community, _choose_count(spec.grids, rng), frame, rng)
            lines.extend(cuts)
            for grid in grids:
                subs, cuts = geometry.subdivide(grid, _choose_count(spec.subgrids, rng), frame, rng)
                lines.extend(cuts)
                leaves.extend(subs)
                street_of.extend([s] * len(subs))
                community_of.extend([len(types)] * len(subs))
                grid_of.extend([n_grids] * len(subs))
                n_grids += 1
            types.append(kind)
    faces = geometry.faces(outer, lines)
    match = geometry.match_faces(leaves, faces)
    if (match < 0).any() or len(faces) != len(leaves) or len(set(match.tolist())) != len(leaves):
        raise PartitionError("faces and blocks do not correspond one to one")
    riverside = shapely.dwithin(np.array(faces, dtype=object), bank, 1.0)
    return Cells(
        polygons=faces,
        street=np.asarray(street_of, dtype=np.int64)[match],
        community=np.asarray(community_of, dtype=np.int64)[match],
        grid=np.asarray(grid_of, dtype=np.int64)[match],
        community_type=types,
        riverside=riverside,
        outer=outer,
    )


def lattice_cells(
    shape: tuple[int, int], blocks: Sequence[tuple[int, int]], frame: Frame, rng: np.random.Generator
) -> Cells:
    """A jittered, rotated lattice of blocks for large benchmarks (fast, plainer than organic).

    ``shape`` is cells (columns, rows); ``blocks`` gives cells per first-level grid, community and
    street as (columns, rows), each a multiple of the previous.
    """
    nx, ny = shape
    widths = rng.uniform(170, 250, nx)
    heights = rng.uniform(160, 230, ny)
    gx = np.concatenate([[0.0], np.cumsum(widths)]) - widths.sum() / 2
    gy = np.concatenate([[0.0], np.cumsum(heights)]) - heights.sum() / 2
    u = gx[:, None] + rng.normal(0, 6.0, (nx + 1, ny + 1))
    v = gy[None, :] + rng.normal(0, 6.0, (nx + 1, ny + 1))
    u_axis, v_axis = frame.axes()
    x = u * u_axis[0] + v * v_axis[0]
    y = u * u_axis[1] + v * v_axis[1]
    mesh_i, mesh_j = np.meshgrid(np.arange(nx), np.arange(ny), indexing="ij")
    i, j = mesh_i.ravel(), mesh_j.ravel()
    ring_i = np.stack([i, i + 1, i + 1, i, i], axis=1)
    ring_j = np.stack([j, j, j + 1, j + 1, j], axis=1)
    rings = np.stack([x[ring_i, ring_j], y[ring_i, ring_j]], axis=2)
    polygons = shapely.polygons(rings)

    def block_index(cols: int, rows: int) -> Ints:
        per_row = math.ceil(nx / cols)
        return ((j // rows) * per_row + i // cols).astype(np.int64)

    grid = block_index(*blocks[0])
    community = block_index(*blocks[1])
    street = block_index(*blocks[2])
    n_communities = int(community.max()) + 1
    kinds = list(COMMUNITY_TYPES)
    shares = np.array([COMMUNITY_TYPES[k].share for k in kinds])
    types = [kinds[k] for k in rng.choice(len(kinds), n_communities, p=shares / shares.sum())]
    outer = Polygon(
        shapely.get_coordinates(
            shapely.convex_hull(shapely.multipoints(np.column_stack([x.ravel(), y.ravel()])))
        )
    )
    return Cells(
        polygons=list(polygons),
        street=street,
        community=community,
        grid=grid,
        community_type=types,
        riverside=np.zeros(len(polygons), dtype=bool),
        outer=outer,
    )


def reading_order(x: NDArray[np.float64], y: NDArray[np.float64], row_height: float) -> Ints:
    """Positions sorted north→south in rows ``row_height`` tall, west→east within a row."""
    by_north = np.argsort(-y, kind="stable")
    rows = np.empty(len(x), dtype=np.int64)
    row, top = 0, y[by_north[0]] if len(x) else 0.0
    for k in by_north:
        if top - y[k] > row_height:
            row, top = row + 1, y[k]
        rows[k] = row
    return np.lexsort((x, rows)).astype(np.int64)


def _rank_within(
    parent: Ints, x: NDArray[np.float64], y: NDArray[np.float64], area: NDArray[np.float64]
) -> Ints:
    """1-based number of each unit within its parent, in reading order."""
    rank = np.zeros(len(parent), dtype=np.int64)
    order = np.argsort(parent, kind="stable")
    bounds = np.flatnonzero(np.diff(parent[order])) + 1
    for members in np.split(order, bounds):
        row_height = 0.7 * math.sqrt(float(area[members].mean()))
        within = reading_order(x[members], y[members], row_height)
        rank[members[within]] = np.arange(1, len(members) + 1)
    return rank


def _unit_centres(
    index: Ints, x: NDArray[np.float64], y: NDArray[np.float64], area: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Area-weighted centres and total areas of the units ``index`` groups cells into."""
    total = np.bincount(index, weights=area).astype(np.float64)
    return np.bincount(index, weights=x * area) / total, np.bincount(index, weights=y * area) / total, total


def _parent_of(child: Ints, parent: Ints) -> Ints:
    """For each unit in ``child``'s numbering, its parent unit (cells carry both)."""
    out = np.zeros(int(child.max()) + 1, dtype=np.int64)
    out[child] = parent
    return out


def land_use(cells: Cells, area: NDArray[np.float64], rng: np.random.Generator) -> list[str]:
    """A land use per cell: mostly housing; a market, building sites, schools, parks, shops, industry."""
    n = len(cells.polygons)
    uses = np.array(["residential"] * n, dtype=object)
    kind = np.array([cells.community_type[c] for c in cells.community], dtype=object)
    uses[(kind == "industrial") & (rng.random(n) < 0.75)] = "industrial"
    uses[(kind == "mixed") & (rng.random(n) < 0.4)] = "commercial"
    uses[(kind != "industrial") & (kind != "mixed") & (rng.random(n) < 0.04)] = "commercial"
    for street in np.unique(cells.street):
        here = cells.street == street
        river = np.flatnonzero(here & cells.riverside & (uses == "residential"))
        if len(river):
            uses[rng.choice(river, min(len(river), int(rng.integers(2, 4))), replace=False)] = "park"
        housing = np.flatnonzero(here & (uses == "residential"))
        uses[rng.choice(housing, 1 + len(housing) // 120, replace=False)] = "park"
        old = np.flatnonzero(here & (kind == "old") & (uses == "residential"))
        if len(old):
            uses[rng.choice(old, max(1, len(old) // 90), replace=False)] = "market"
        new = np.flatnonzero(here & (kind == "new") & (uses == "residential"))
        if len(new):
            uses[rng.choice(new, min(len(new), 1 + len(new) // 60), replace=False)] = "construction"
        housing = np.flatnonzero(here & (uses == "residential"))
        uses[rng.choice(housing, max(1, len(housing) // 45), replace=False)] = "school"
    return [str(u) for u in uses]


def populations(
    uses: Sequence[str],
    kinds: Sequence[str],
    street: Ints,
    area: NDArray[np.float64],
    rng: np.random.Generator,
) -> tuple[Ints, Ints]:
    """Residents and households per cell; each street has about 8,000 residents per km²."""
    density = np.array(
        [
            COMMUNITY_TYPES[k].density if u == "residential" else LAND_USE_DENSITY[u]
            for u, k in zip(uses, kinds, strict=True)
        ]
    )
    raw = density * area / 1e6 * rng.lognormal(0.0, 0.3, len(area))
    target = (
        np.bincount(street, weights=area)
        / 1e6
        * RESIDENTS_PER_KM2
        * rng.uniform(0.97, 1.05, int(street.max()) + 1)
    )
    scale = target / np.bincount(street, weights=raw)
    population = np.round(raw * scale[street]).astype(np.int64)
    households = np.round(population / rng.uniform(*PERSONS_PER_HOUSEHOLD, len(area))).astype(np.int64)
    return population, households


def build_layout(
    cells: Cells,
    frame: Frame,
    districts: Sequence[tuple[str, str]],
    streets_per_district: int,
    rng: np.random.Generator,
) -> Layout:
    """Codes, names, land use and residents for ``cells``; polygons in WGS-84, sorted by grid_code."""
    polygons = geometry.to_lonlat(cells.polygons, frame)
    local = np.array(cells.polygons, dtype=object)
    area = shapely.area(local)
    numbers = number_units(cells, local, area, streets_per_district)
    street_name, community_name, grid_name = name_units(cells, numbers, rng)
    kinds = [cells.community_type[c] for c in cells.community]
    uses = land_use(cells, area, rng)
    population, households = populations(uses, kinds, cells.street, area, rng)
    centre = shapely.get_coordinates(shapely.point_on_surface(polygons))
    district_code = np.array([districts[d][0] for d in numbers.district], dtype=object)
    street_code = [f"{dc}{n:03d}" for dc, n in zip(district_code, numbers.street, strict=True)]
    community_code = [f"{sc}{n:03d}" for sc, n in zip(street_code, numbers.community, strict=True)]
    parent_code = [f"{cc}{n:03d}" for cc, n in zip(community_code, numbers.grid, strict=True)]
    grids = pl.DataFrame(
        {
            "grid_code": [f"{pc}{n:02d}" for pc, n in zip(parent_code, numbers.subgrid, strict=True)],
            "grid_name": grid_name,
            "community_code": community_code,
            "community_name": community_name,
            "street_code": street_code,
            "street_name": street_name,
            "population": population,
            "households": households,
            "parent_grid_code": parent_code,
            "grid_worker": names.staff_names(len(local), rng),
            "district_code": district_code.tolist(),
            "district_name": [districts[d][1] for d in numbers.district],
            "community_type": kinds,
            "land_use": uses,
            "area_m2": area,
            "centre_lon": centre[:, 0],
            "centre_lat": centre[:, 1],
        },
        schema_overrides={"population": pl.Int64, "households": pl.Int64},
    )
    order = np.asarray(grids.select(pl.arg_sort_by("grid_code")).to_series().to_numpy())
    return Layout(grids=grids[order], polygons=polygons[order], frame=frame)


@dataclass(frozen=True)
class Numbers:
    """Per cell: its district and the number of its street, community, grid and sub-grid within the parent."""

    district: Ints  # index into the districts
    street: Ints  # 1-based within the district
    community: Ints  # within the street
    grid: Ints  # first-level grid within the community
    subgrid: Ints  # within the first-level grid
    streets: int  # how many streets and communities there are
    communities: int


def number_units(
    cells: Cells, local: NDArray[np.object_], area: NDArray[np.float64], streets_per_district: int
) -> Numbers:
    """Number every unit within its parent in reading order (north to south, west to east)."""
    xy = shapely.get_coordinates(shapely.centroid(local))
    x, y = xy[:, 0], xy[:, 1]
    sx, sy, sa = _unit_centres(cells.street, x, y, area)
    street_rank = _rank_within(np.zeros(len(sx), dtype=np.int64), sx, sy, sa)
    street_order = np.argsort(street_rank)
    district_of_street = np.zeros(len(sx), dtype=np.int64)
    district_of_street[street_order] = np.arange(len(sx)) // streets_per_district
    street_number = np.zeros(len(sx), dtype=np.int64)
    street_number[street_order] = np.arange(len(sx)) % streets_per_district + 1
    cx, cy, ca = _unit_centres(cells.community, x, y, area)
    community_rank = _rank_within(_parent_of(cells.community, cells.street), cx, cy, ca)
    gx, gy, ga = _unit_centres(cells.grid, x, y, area)
    grid_rank = _rank_within(_parent_of(cells.grid, cells.community), gx, gy, ga)
    return Numbers(
        district=district_of_street[cells.street],
        street=street_number[cells.street],
        community=community_rank[cells.community],
        grid=grid_rank[cells.grid],
        subgrid=_rank_within(cells.grid, x, y, area),
        streets=len(sx),
        communities=len(cx),
    )


def name_units(
    cells: Cells, numbers: Numbers, rng: np.random.Generator
) -> tuple[list[str], list[str], list[str]]:
    """Per cell: its street's name, its community's name (…社区) and its grid's name (…社区3-2网格)."""
    street_names = names.street_names(numbers.streets, rng)
    community_names = [n + "社区" for n in names.place_names(names.COMMUNITY_NAMES, numbers.communities, rng)]
    grid_name = [
        f"{community_names[c]}{g}-{r}网格"
        for c, g, r in zip(cells.community, numbers.grid, numbers.subgrid, strict=True)
    ]
    return [street_names[s] for s in cells.street], [community_names[c] for c in cells.community], grid_name


def boundary(layout: Layout) -> Polygon | MultiPolygon:
    """The union of all grids (WGS-84): outside it a point is in no grid."""
    merged = shapely.union_all(layout.polygons)
    if isinstance(merged, Polygon | MultiPolygon):
        return merged
    raise TypeError(f"union of grids is a {merged.geom_type}")


@dataclass(frozen=True)
class Buildings:
    """Buildings (楼栋) numbered through each community, placed inside their grid (WGS-84)."""

    grid: Ints  # row of the grid in ``Layout.grids``
    number: Ints  # 幢 number within the community
    lon: NDArray[np.float64]
    lat: NDArray[np.float64]
    first: Ints  # per grid: index of its first building
    count: Ints  # per grid: how many buildings it has


def place_buildings(layout: Layout, triangles: Triangles, rng: np.random.Generator) -> Buildings:
    """About one building per 50 households (2–40 per grid); landmark grids get two gates."""
    households = layout.grids.get_column("households").to_numpy()
    residential = layout.grids.get_column("land_use").to_numpy() == "residential"
    count = np.where(residential, np.clip(np.round(households / 50), 2, 40), 2).astype(np.int64)
    grid = np.repeat(np.arange(len(count), dtype=np.int64), count)
    first = (np.cumsum(count) - count).astype(np.int64)
    community = np.unique(layout.grids.get_column("community_code").to_numpy(), return_inverse=True)[1]
    # Number buildings through the community in grid-code order (rows are sorted by grid_code).
    cumulative = np.cumsum(count) - count
    community_first = np.full(int(community.max()) + 1, np.iinfo(np.int64).max)
    np.minimum.at(community_first, community, cumulative)
    number = np.arange(len(grid), dtype=np.int64) - community_first[community[grid]] + 1
    lon, lat = triangles.sample(grid, rng)
    return Buildings(grid=grid, number=number, lon=lon, lat=lat, first=first, count=count)
