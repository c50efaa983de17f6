"""Deterministic demo data: a fictional street (or district, or city) of grids, issues and volunteers.

``generate(out, scale, seed)`` writes a complete data root (the README's data contract) into ``out``:
``geo/grids.geojson``, ``data/issues.parquet``, ``data/volunteers.parquet``,
``data/service_records.parquet``, ``data/service_points.parquet`` and ``data/meta.json``.
The same scale and seed always give byte-for-byte the same files.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import numpy as np
import polars as pl
import shapely

from dashboard.core import schema
from dashboard.demo import layout, names, profiles, sampling, volunteers
from dashboard.demo.geometry import Frame
from dashboard.demo.issues import generate_issues

__all__ = ["SCALES", "Scale", "build", "generate"]


@dataclass(frozen=True)
class Scale:
    """The size of a demo: how many streets, how they are drawn, how many issues per 200,000 residents."""

    streets: int
    issues_per_200k: int  # issues over the whole period per 200,000 residents
    lattice: bool  # plain jittered blocks (fast) instead of road-like subdivision
    with_text: bool  # descriptions, addresses, reporter names and phones
    street_area_m2: float = 25.0e6


SCALES: Final = {
    "street": Scale(streets=1, issues_per_200k=100_000, lattice=False, with_text=True),
    "district": Scale(streets=6, issues_per_200k=30_000, lattice=False, with_text=True),
    # 25 streets of 720 grids (18,000 grids), ~5.9 million residents and ~10 million issues.
    "city": Scale(streets=25, issues_per_200k=340_000, lattice=True, with_text=True),
}
CITY_LATTICE: Final = ((150, 120), ((2, 2), (6, 6), (30, 24)))
ORIGIN: Final = (120.20, 30.20)  # lon, lat of the demo's centre (fictional place, plausible latitude)
ROAD_ANGLE_DEG: Final = 12.0
STREAMS: Final = {
    "geometry": 1,
    "layout": 2,
    "buildings": 3,
    "profiles": 4,
    "issues": 5,
    "volunteers": 6,
    "points": 7,
}
MAX_ATTEMPTS: Final = 25


@dataclass(frozen=True)
class Demo:
    """Everything ``generate`` writes, in memory."""

    layout: layout.Layout
    issues: pl.DataFrame
    volunteers: pl.DataFrame
    service_records: pl.DataFrame
    service_points: pl.DataFrame


def stream(seed: int, name: str, *keys: int) -> np.random.Generator:
    """An independent random stream for one part of the demo (PCG64 seeded from ``seed``)."""
    return np.random.Generator(
        np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(STREAMS[name], *keys)))
    )


def _plausible(grids: pl.DataFrame, spec: Scale) -> bool:
    per_street = grids.group_by("street_code").agg(
        pl.col("community_code").n_unique().alias("communities"), pl.len().alias("grids")
    )
    if per_street.height != spec.streets:
        return False
    if spec.lattice:
        return True
    return bool(
        per_street.select(
            pl.col("communities").is_between(15, 25).all() & pl.col("grids").is_between(300, 600).all()
        ).item()
    )


def build_layout(spec: Scale, seed: int) -> layout.Layout:
    """The grids of a demo: retried with the next random stream until the partition is clean."""
    frame = Frame(ORIGIN[0], ORIGIN[1], math.radians(ROAD_ANGLE_DEG))
    if spec.lattice:
        cells = layout.lattice_cells(CITY_LATTICE[0], CITY_LATTICE[1], frame, stream(seed, "geometry"))
        districts = list(names.CITY_DISTRICTS)
        per_district = math.ceil(spec.streets / len(districts))
        return layout.build_layout(cells, frame, districts, per_district, stream(seed, "layout"))
    for attempt in range(MAX_ATTEMPTS):
        try:
            area = spec.street_area_m2 * stream(seed, "geometry", attempt, 1).uniform(0.92, 1.08)
            cells = layout.organic_cells(spec.streets, area, frame, stream(seed, "geometry", attempt))
        except layout.PartitionError:
            continue
        result = layout.build_layout(
            cells,
            frame,
            [(names.DISTRICT_CODE, names.DISTRICT_NAME)],
            spec.streets,
            stream(seed, "layout", attempt),
        )
        if shapely.is_valid(result.polygons).all() and _plausible(result.grids, spec):
            return result
    raise RuntimeError(f"no clean demo geometry for seed {seed} after {MAX_ATTEMPTS} attempts")


def build(scale: str = "street", seed: int = 42) -> Demo:
    """All demo tables for ``scale`` and ``seed``, without writing anything."""
    if scale not in SCALES:
        raise ValueError(f"scale must be one of {', '.join(SCALES)}, got {scale!r}")
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    spec = SCALES[scale]
    plan = build_layout(spec, seed)
    triangles = sampling.Triangles.of(plan.polygons)
    buildings = layout.place_buildings(plan, triangles, stream(seed, "buildings"))
    communities = (
        plan.grids.group_by("community_code")
        .agg(pl.col("community_type", "street_code").first(), pl.col("population").sum())
        .sort("community_code")
    )
    community_profiles = profiles.build_profiles(communities, stream(seed, "profiles"))
    population = int(plan.grids.get_column("population").sum())
    n_issues = round(spec.issues_per_200k * population / 200_000)
    issues = generate_issues(
        n_issues,
        plan,
        buildings,
        community_profiles,
        layout.boundary(plan),
        stream(seed, "issues"),
        with_text=spec.with_text,
    )
    people, records = volunteers.generate_volunteers(plan, buildings, stream(seed, "volunteers"))
    points = volunteers.generate_service_points(plan, buildings, stream(seed, "points"))
    return Demo(plan, issues, people, records, points)


def grids_geojson(plan: layout.Layout) -> str:
    """The grids as compact GeoJSON text, one feature per line, counter-clockwise outer rings."""
    properties = plan.grids.select(*schema.GRID_REQUIRED, *schema.GRID_OPTIONAL)
    polygons = shapely.orient_polygons(plan.polygons)
    lines = []
    for row, polygon in zip(properties.iter_rows(named=True), polygons, strict=True):
        rings = [shapely.get_coordinates(polygon.exterior).tolist()]
        rings += [shapely.get_coordinates(ring).tolist() for ring in polygon.interiors]
        feature = {
            "type": "Feature",
            "properties": row,
            "geometry": {"type": "Polygon", "coordinates": rings},
        }
        lines.append(json.dumps(feature, ensure_ascii=False, separators=(",", ":")))
    return '{"type":"FeatureCollection","features":[\n' + ",\n".join(lines) + "\n]}\n"


def write(demo: Demo, out: Path, scale: str, seed: int) -> None:
    """Write ``demo`` as a data root in ``out`` (folders are created; files are replaced)."""
    (out / "geo").mkdir(parents=True, exist_ok=True)
    (out / "data").mkdir(parents=True, exist_ok=True)
    (out / schema.GRIDS_FILE).write_text(grids_geojson(demo.layout), encoding="utf-8")
    tables = {
        schema.ISSUES_STEM: demo.issues,
        schema.VOLUNTEERS_STEM: demo.volunteers,
        schema.SERVICE_RECORDS_STEM: demo.service_records,
        schema.SERVICE_POINTS_STEM: demo.service_points,
    }
    for stem, table in tables.items():
        table.write_parquet(out / f"{stem}.parquet", compression="zstd", compression_level=9, statistics=True)
    meta = {"demo": True, "scale": scale, "seed": seed}
    (out / schema.META_FILE).write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")


def generate(out: Path, scale: str = "street", seed: int = 42) -> None:
    """Write a deterministic demo data root for ``scale`` (street, district or city) into ``out``."""
    write(build(scale, seed), Path(out), scale, seed)
