"""The heat layer's numbers: issues counted per H3 cell, the payload sent to the browser, drill-down."""

from __future__ import annotations

import json
import math
from pathlib import Path

import polars as pl
import pytest
import shapely
from polars.testing import assert_frame_equal

from dashboard.core.loading import load_dataset
from dashboard.heat import (
    AGGREGATE_SCHEMA,
    aggregate,
    cell_of,
    cell_polygons,
    heat_payload,
    issues_in_cell,
    payload_bytes,
    resolution_for_area,
)

# Three issues on one street corner, two a block away, one further off, one without a point.
POINTS = [
    ("h1", "2026-10-01 09:00:00", 30.0003, 120.0002),
    ("h2", "2026-10-03 09:00:00", 30.0004, 120.0001),
    ("h3", "2026-10-02 09:00:00", 30.0005, 120.0003),
    ("h4", "2026-10-04 09:00:00", 30.0051, 120.0052),
    ("h5", "2026-10-05 09:00:00", 30.0052, 120.0051),
    ("h6", "2026-10-06 09:00:00", 30.0150, 120.0100),
    ("h7", "2026-10-07 09:00:00", None, None),
]
CORNER, BLOCK, FURTHER = "894196799d3ffff", "89419679833ffff", "8941967987bffff"


@pytest.fixture
def issues() -> pl.DataFrame:
    return pl.DataFrame(
        POINTS,
        schema={"issue_id": pl.String, "reported_at": pl.String, "lat": pl.Float64, "lon": pl.Float64},
        orient="row",
    ).with_columns(pl.col("reported_at").str.to_datetime())


def test_aggregate_counts_issues_with_points_per_cell(issues: pl.DataFrame) -> None:
    before = issues.clone()
    result = aggregate(issues, 9)
    expected = pl.DataFrame(
        [
            (CORNER, 30.001077, 119.999475, 3),
            (BLOCK, 30.006256, 120.004696, 2),
            (FURTHER, 30.013958, 120.010974, 1),
        ],
        schema=AGGREGATE_SCHEMA,
        orient="row",
    )
    assert_frame_equal(result, expected, abs_tol=1e-6)
    # Every issue with a point is counted once; the one without a point is left out.
    assert result.get_column("count").sum() == 6
    assert_frame_equal(issues, before)


def test_aggregate_of_the_tiny_root_counts_its_two_points(tiny: Path) -> None:
    dataset = load_dataset(tiny)
    result = aggregate(dataset.issues, 9)
    # i08 (inside G3) and i09 (outside every grid) have points; the others only grid codes.
    assert result.get_column("count").to_list() == [1, 1]
    assert sorted(result.get_column("cell").to_list()) == sorted(
        [cell_of(30.015, 120.01, 9), cell_of(31.0, 121.0, 9)]
    )


def test_aggregate_of_no_points_is_an_empty_frame_with_the_columns() -> None:
    empty = pl.DataFrame(
        {"lat": [None, float("nan")], "lon": [120.0, 120.0]}, schema={"lat": pl.Float64, "lon": pl.Float64}
    )
    assert_frame_equal(aggregate(empty), pl.DataFrame(schema=AGGREGATE_SCHEMA))


def test_coarser_resolution_merges_cells(issues: pl.DataFrame) -> None:
    # At resolution 6 (~36 km²) the six points share one hexagon; at 7 a cell border splits them.
    assert aggregate(issues, 6).get_column("count").to_list() == [6]
    assert aggregate(issues, 7).get_column("count").to_list() == [3, 3]


@pytest.mark.parametrize("resolution", [-1, 16, 9.0, True])
def test_aggregate_rejects_a_bad_resolution(issues: pl.DataFrame, resolution: object) -> None:
    with pytest.raises(ValueError, match="resolution"):
        aggregate(issues, resolution)  # type: ignore[arg-type]


def test_a_points_cell_centre_and_the_point_lie_in_the_cells_polygon(issues: pl.DataFrame) -> None:
    result = aggregate(issues, 9)
    rings = cell_polygons(result.get_column("cell").to_list())
    assert [len(r) for r in rings] == [6, 6, 6]
    for (cell, lat, lon, _count), ring in zip(result.iter_rows(), rings, strict=True):
        polygon = shapely.Polygon([(x, y) for y, x in ring])  # rings are (lat, lon)
        assert polygon.contains(shapely.Point(lon, lat))
        members = [p for p in POINTS if p[2] is not None and cell_of(p[2], p[3], 9) == cell]
        assert members
        assert all(polygon.contains(shapely.Point(p[3], p[2])) for p in members)
    assert rings[0][0] == (30.000321, 120.001195)


def test_cell_of_rejects_a_point_off_the_globe() -> None:
    with pytest.raises(ValueError, match="WGS-84"):
        cell_of(95.0, 120.0, 9)
    with pytest.raises(ValueError, match="H3 cell"):
        cell_polygons(["not-a-cell"])


@pytest.mark.parametrize(
    ("km2", "resolution"),
    [(1.2, 10), (25, 9), (150, 8), (625, 8), (5000, 7), (100_000, 5)],
)
def test_resolution_for_area(km2: float, resolution: int) -> None:
    # A community gets 65 m hexagons, a street 200 m, a district or city 530 m.
    assert resolution_for_area(km2) == resolution


@pytest.mark.parametrize("km2", [0, -3, math.nan, math.inf])
def test_resolution_for_area_rejects_non_areas(km2: float) -> None:
    with pytest.raises(ValueError, match="area"):
        resolution_for_area(km2)


def test_heat_payload_is_normalised_rounded_and_capped(issues: pl.DataFrame) -> None:
    cells = aggregate(issues, 9)
    assert heat_payload(cells) == [
        [30.00108, 119.99947, 1.0],
        [30.00626, 120.0047, 0.6667],
        [30.01396, 120.01097, 0.3333],
    ]
    # Capped to the heaviest cells.
    assert heat_payload(cells, max_points=2) == [[30.00108, 119.99947, 1.0], [30.00626, 120.0047, 0.6667]]
    assert payload_bytes(heat_payload(cells)) == 89


def test_heat_payload_keeps_a_tiny_weight_visible() -> None:
    cells = pl.DataFrame(
        [("a", 30.0, 120.0, 100_000), ("b", 30.1, 120.1, 1)], schema=AGGREGATE_SCHEMA, orient="row"
    )
    assert heat_payload(cells) == [[30.0, 120.0, 1.0], [30.1, 120.1, 0.0001]]
    assert heat_payload(cells.head(0)) == []
    with pytest.raises(ValueError, match="max_points"):
        heat_payload(cells, max_points=0)
    with pytest.raises(ValueError, match="count"):
        heat_payload(cells.drop("count"))


def test_payload_bytes_is_the_json_size() -> None:
    assert payload_bytes([[30.0, 120.0, 1.0]]) == len(json.dumps([[30.0, 120.0, 1.0]])) == 20


def test_issues_in_cell_is_the_drill_down_newest_first(issues: pl.DataFrame) -> None:
    found = issues_in_cell(issues, CORNER, 9)
    assert found.get_column("issue_id").to_list() == ["h2", "h3", "h1"]
    assert found.columns == issues.columns
    assert issues_in_cell(issues, FURTHER, 9).get_column("issue_id").to_list() == ["h6"]
    # A click on the map maps back to the cell of the issues there.
    assert cell_of(30.0004, 120.0002, 9) == CORNER
    with pytest.raises(ValueError, match="resolution 9, not 8"):
        issues_in_cell(issues, CORNER, 8)
