"""Volunteer metrics, service-point reach in metres, the suggested site and the coverage CLI."""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Iterable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import geopandas as gpd
import polars as pl
import pytest
import shapely
from pyproj import Geod

from dashboard import volunteers as v
from dashboard.cli import main
from dashboard.core.loading import load_dataset
from dashboard.core.periods import parse_period
from dashboard.metrics import VOLUNTEER_REGISTRY, keys_for
from tests.builders import C1, C2, G1, G2, G3, G4
from tests.conftest import REPO

GEOD = Geod(ellps="WGS84")
LON, LAT = 120.2, 30.2  # the demo street's latitude
OCTOBER = parse_period("2026-10")


def _move(lon: float, lat: float, east: float = 0.0, north: float = 0.0) -> tuple[float, float]:
    """The point ``east`` then ``north`` metres away, along geodesics."""
    if east:
        lon, lat, _ = GEOD.fwd(lon, lat, 90 if east > 0 else 270, abs(east))
    if north:
        lon, lat, _ = GEOD.fwd(lon, lat, 0 if north > 0 else 180, abs(north))
    return lon, lat


def _square_m(lon: float, lat: float, west: float, south: float, side: float) -> shapely.Polygon:
    """A square ``side`` metres wide whose south-west corner is (west, south) metres from (lon, lat)."""
    corners = [(west, south), (west + side, south), (west + side, south + side), (west, south + side)]
    return shapely.Polygon([_move(lon, lat, e, n) for e, n in corners])


def _grids(rows: Iterable[Mapping[str, Any]]) -> gpd.GeoDataFrame:
    rows = list(rows)
    return gpd.GeoDataFrame(
        {
            "grid_code": [r["grid_code"] for r in rows],
            "grid_name": [r.get("grid_name", r["grid_code"]) for r in rows],
            "community_code": [r.get("community_code", "c1") for r in rows],
            "community_name": [r.get("community_name", "c1") for r in rows],
            "street_code": ["s1"] * len(rows),
            "street_name": ["s1"] * len(rows),
            "population": [r["population"] for r in rows],
        },
        geometry=[r["geometry"] for r in rows],
        crs="EPSG:4326",
    )


def _points(*lonlat: tuple[float, float]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "point_id": [f"p{i}" for i in range(len(lonlat))],
            "name": [f"point {i}" for i in range(len(lonlat))],
            "point_type": ["red_station"] * len(lonlat),
            "lon": [p[0] for p in lonlat],
            "lat": [p[1] for p in lonlat],
        }
    )


def _half_disc_in_strip(r: float, a: float) -> float:
    """Area of {x >= 0, x^2 + y^2 <= r^2, |y| <= a}: the integral of sqrt(r^2 - y^2) over [-a, a]."""
    return a * math.sqrt(r * r - a * a) + r * r * math.asin(a / r)


# --- coverage in metres -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("case", "west", "south", "side", "expected"),
    [
        # A 2 km square with the point at its centre: the whole circle is inside, pi 0.8^2 / 4 = 50.3%.
        ("circle inside a 2 km grid", -1000, -1000, 2000, math.pi * 800**2 / 2000**2),
        # A 100 m grid whose centre is exactly 800 m east: half inside, less the circle's curvature.
        ("grid astride the edge", 750, -50, 100, (_half_disc_in_strip(800, 50) - 750 * 100) / 100**2),
        # A 1 km grid with the point at the middle of its west edge: 74.4%.
        ("point on the west edge", 0, -500, 1000, _half_disc_in_strip(800, 500) / 1000**2),
        # A 1 km grid with the point at its centre: the corners are 707 m away, all covered.
        ("1 km grid around the point", -500, -500, 1000, 1.0),
    ],
)
def test_share_of_a_grid_within_800_m(
    case: str, west: float, south: float, side: float, expected: float
) -> None:
    grids = _grids(
        [{"grid_code": "g", "population": 1000, "geometry": _square_m(LON, LAT, west, south, side)}]
    )
    frame = v.coverage(grids, _points((LON, LAT)))
    row = frame.row(0, named=True)
    assert row["area_m2"] == pytest.approx(side * side, rel=0.002)
    assert row["area_share"] == pytest.approx(expected, abs=0.01), case
    assert row["covered_residents"] == pytest.approx(1000 * expected, abs=10)
    assert row["coverage_share"] == pytest.approx(row["area_share"])


def test_half_covered_grid_literal() -> None:
    # The analytic value of the "grid astride the edge" case, written out: 49.48%.
    assert (_half_disc_in_strip(800, 50) - 75_000) / 10_000 == pytest.approx(0.4948, abs=1e-4)


def test_the_circle_is_in_metres_not_degrees() -> None:
    grids = _grids(
        [{"grid_code": "g", "population": 4000, "geometry": _square_m(LON, LAT, -1000, -1000, 2000)}]
    )
    row = v.coverage(grids, _points((LON, LAT))).row(0, named=True)
    # pi x 800 m^2, not pi x 0.0083 deg^2 nor an area in square degrees.
    assert row["covered_area_m2"] == pytest.approx(math.pi * 800**2, rel=0.002)
    ring = v.circles(_points((LON, LAT)), radii=(800,)).geometry.iloc[0]
    min_lon, min_lat, max_lon, max_lat = ring.bounds
    # At lat 30.2 a metre east is a smaller angle than a metre north: the circle is wider in degrees.
    assert (max_lon - min_lon) / 2 == pytest.approx(800 / (111_320 * math.cos(math.radians(LAT))), rel=0.01)
    assert (max_lon - min_lon) / 2 == pytest.approx(0.00831, abs=0.00005)
    assert (max_lat - min_lat) / 2 == pytest.approx(0.00721, abs=0.00005)


@pytest.mark.parametrize("azimuth", [0, 45, 90, 135, 180, 225, 270, 315])
def test_a_point_800_m_away_is_on_the_circle(azimuth: int) -> None:
    ring = v.circles(_points((LON, LAT)), radii=(800,)).geometry.iloc[0]
    inside = [GEOD.fwd(LON, LAT, azimuth, d)[:2] for d in (799.0, 801.0)]
    assert ring.contains(shapely.Point(inside[0]))
    assert not ring.contains(shapely.Point(inside[1]))


@pytest.mark.parametrize(("centre_m", "expected"), [(799.0, 1.0), (800.0, 0.5), (801.0, 0.0)])
def test_a_1_m_grid_at_799_800_801_m(centre_m: float, expected: float) -> None:
    grids = _grids(
        [{"grid_code": "g", "population": 10, "geometry": _square_m(LON, LAT, centre_m - 0.5, -0.5, 1.0)}]
    )
    share = v.coverage(grids, _points((LON, LAT)))["area_share"].item()
    assert share == pytest.approx(expected, abs=0.1)


def test_coverage_share_sums_residents_not_shares() -> None:
    grids = _grids(
        [
            {"grid_code": "a", "population": 3000, "geometry": _square_m(LON, LAT, -500, -500, 1000)},
            {"grid_code": "b", "population": 1000, "geometry": _square_m(LON, LAT, 5000, -500, 1000)},
            {"grid_code": "c", "population": 0, "geometry": _square_m(LON, LAT, 7000, -500, 1000)},
        ]
    )
    frame = v.coverage(grids, _points((LON, LAT)))
    assert frame["coverage_share"].to_list()[:2] == pytest.approx([1.0, 0.0])
    assert frame["coverage_share"][2] is None
    community = v.coverage_share(frame, "community").row(0, named=True)
    assert community["coverage_share"] == pytest.approx(0.75)
    assert community["covered_residents"] == pytest.approx(3000)


def test_uncovered_keeps_only_the_parts_outside_every_circle() -> None:
    grids = _grids(
        [
            {"grid_code": "a", "population": 1000, "geometry": _square_m(LON, LAT, -500, -500, 1000)},
            {"grid_code": "b", "population": 1000, "geometry": _square_m(LON, LAT, 0, -500, 1000)},
        ]
    )
    rest = v.uncovered(grids, _points((LON, LAT)))
    assert rest["grid_code"].tolist() == ["b"]  # a is fully covered
    assert rest.crs.to_epsg() == 4326
    assert rest["uncovered_residents"].iloc[0] == pytest.approx(1000 * (1 - 0.7443), abs=10)


def test_circles_one_row_per_point_and_radius_largest_first() -> None:
    frame = v.circles(_points((LON, LAT), _move(LON, LAT, east=3000)))
    assert frame["radius_m"].tolist() == [1200, 1200, 800, 800, 400, 400]
    assert frame["point_id"].tolist()[:2] == ["p0", "p1"]
    assert frame.crs.to_epsg() == 4326


def test_bad_radius_is_a_clear_error() -> None:
    grids = _grids([{"grid_code": "g", "population": 1, "geometry": _square_m(LON, LAT, 0, 0, 10)}])
    with pytest.raises(ValueError, match="metres"):
        v.coverage(grids, _points((LON, LAT)), radius_m=0)


# --- the suggested site ----------------------------------------------------------------


def _two_towns() -> gpd.GeoDataFrame:
    return _grids(
        [
            {"grid_code": "near", "population": 1000, "geometry": _square_m(LON, LAT, -500, -500, 1000)},
            {"grid_code": "park", "population": 0, "geometry": _square_m(LON, LAT, 500, -500, 2500)},
            {"grid_code": "far", "population": 2000, "geometry": _square_m(LON, LAT, 3000, -500, 1000)},
        ]
    )


def test_suggested_site_is_in_the_middle_of_the_uncovered_town() -> None:
    suggestion = v.suggest_site(_two_towns(), _points((LON, LAT)))
    assert suggestion is not None
    assert suggestion.grid_code == "far"
    assert suggestion.added_residents == pytest.approx(2000, rel=0.005)
    centre = _move(LON, LAT, east=3500)
    _, _, off = GEOD.inv(suggestion.lon, suggestion.lat, *centre)
    assert off < 100  # any site within ~90 m of the centre covers the whole 1 km grid


def test_suggested_site_between_two_uncovered_grids() -> None:
    # Two 600 m grids 400 m apart, 1,000 residents each: one circle between them covers both.
    grids = _grids(
        [
            {"grid_code": "w", "population": 1000, "geometry": _square_m(LON, LAT, 0, -300, 600)},
            {"grid_code": "gap", "population": 0, "geometry": _square_m(LON, LAT, 600, -300, 400)},
            {"grid_code": "e", "population": 1000, "geometry": _square_m(LON, LAT, 1000, -300, 600)},
        ]
    )
    suggestion = v.suggest_site(grids, _points((LON - 0.2, LAT)))
    assert suggestion is not None
    assert suggestion.added_residents > 1500  # more than one grid alone
    _, _, east = GEOD.inv(LON, LAT, suggestion.lon, LAT)
    assert suggestion.lon > LON
    assert east == pytest.approx(800, abs=30)  # midway: in the gap between them
    assert suggestion.grid_code == "gap"


def test_no_suggestion_when_everyone_is_covered() -> None:
    grids = _grids(
        [{"grid_code": "a", "population": 1000, "geometry": _square_m(LON, LAT, -500, -500, 1000)}]
    )
    assert v.suggest_site(grids, _points((LON, LAT))) is None


def test_suggestion_is_deterministic_and_works_without_points() -> None:
    none = _points()
    first = v.suggest_site(_two_towns(), none)
    assert first is not None and first == v.suggest_site(_two_towns(), none)
    assert first.grid_code == "far"  # 2,000 residents beat 1,000


# --- volunteer metrics on a hand-built data root ----------------------------------------


def _write(path: Path, rows: list[dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


VOLUNTEERS = [
    {
        "volunteer_id": "v1",
        "grid_code": G1,
        "registered_at": "2025-01-01 09:00:00",
        "is_party_member": "true",
    },
    {
        "volunteer_id": "v2",
        "grid_code": G1,
        "registered_at": "2026-10-15 09:00:00",
        "is_party_member": "false",
    },
    # Registered after October: not counted for October.
    {
        "volunteer_id": "v3",
        "grid_code": G1,
        "registered_at": "2026-11-05 09:00:00",
        "is_party_member": "true",
    },
    {
        "volunteer_id": "v4",
        "grid_code": G2,
        "registered_at": "2024-06-01 09:00:00",
        "is_party_member": "true",
    },
    {
        "volunteer_id": "v5",
        "grid_code": G3,
        "registered_at": "2026-01-01 09:00:00",
        "is_party_member": "false",
    },
]
RECORDS = [
    {"record_id": "r1", "volunteer_id": "v1", "served_at": "2026-10-03 09:00:00", "service_type": "elderly_care", "hours": "2.0", "grid_code": G1, "beneficiaries": "5", "person_id": "p1"},
    # No grid on the record: counted in the volunteer's grid (G1).
    {"record_id": "r2", "volunteer_id": "v1", "served_at": "2026-10-20 09:00:00", "service_type": "elderly_care", "hours": "1.5", "grid_code": "", "beneficiaries": "3", "person_id": "p1"},
    # August 10 is within the 90 days before 1 November (from 3 August): v4 is active, with no October hours.
    {"record_id": "r3", "volunteer_id": "v4", "served_at": "2026-08-10 09:00:00", "service_type": "elderly_care", "hours": "3.0", "grid_code": G2, "beneficiaries": "10", "person_id": "p2"},
    # July 1 is more than 90 days before: v5 is not active.
    {"record_id": "r4", "volunteer_id": "v5", "served_at": "2026-07-01 09:00:00", "service_type": "elderly_care", "hours": "4.0", "grid_code": G3, "beneficiaries": "1", "person_id": ""},
    # v2 (of G1) served in G3: the hours go to G3, the active volunteer stays in G1.
    {"record_id": "r5", "volunteer_id": "v2", "served_at": "2026-10-30 09:00:00", "service_type": "elderly_care", "hours": "2.0", "grid_code": G3, "beneficiaries": "4", "person_id": ""},
    {"record_id": "r6", "volunteer_id": "v3", "served_at": "2026-11-10 09:00:00", "service_type": "elderly_care", "hours": "1.0", "grid_code": G1, "beneficiaries": "2", "person_id": ""},
]  # fmt: skip


@pytest.fixture
def served(tiny: Path) -> Path:
    _write(tiny / "data" / "volunteers.csv", VOLUNTEERS)
    _write(tiny / "data" / "service_records.csv", RECORDS)
    # One red station in the middle of G1 (0.01 deg square): its corners are 734 m away, all covered.
    _write(
        tiny / "data" / "service_points.csv",
        [
            {
                "point_id": "sp1",
                "name": "red station",
                "point_type": "red_station",
                "lon": "120.005",
                "lat": "30.005",
            }
        ],
    )
    return tiny


def test_volunteer_metrics_by_grid(served: Path) -> None:
    frame = v.volunteer_metrics(load_dataset(served), "grid", OCTOBER)
    got = frame.select(
        "grid_code",
        "volunteer_count",
        "volunteers_per_1000",
        "active_volunteer_count",
        "service_hours",
        "service_count",
        "people_served",
        "party_member_share",
    )
    expected = pl.DataFrame(
        {
            "grid_code": [G1, G2, G3, G4],
            "volunteer_count": [2, 1, 1, 0],
            "volunteers_per_1000": [2.0, 2.0, 0.5, None],
            "active_volunteer_count": [2, 1, 0, 0],
            "service_hours": [3.5, 0.0, 2.0, 0.0],
            "service_count": [2, 0, 1, 0],
            "people_served": [8, 0, 4, 0],
            "party_member_share": [0.5, 1.0, 0.0, None],
        }
    )
    assert got.to_dicts() == expected.to_dicts()
    coverage = frame["service_point_coverage_share"].to_list()
    assert coverage[0] == pytest.approx(1.0)
    assert 0 < coverage[1] < 1 and coverage[3] is None  # the park has no residents
    assert list(frame.columns[:6]) == [
        "grid_code",
        "grid_name",
        "community_code",
        "community_name",
        "street_code",
        "street_name",
    ]


def test_volunteer_metrics_by_community_and_street(served: Path) -> None:
    dataset = load_dataset(served)
    community = v.volunteer_metrics(dataset, "community", OCTOBER)
    assert community["community_code"].to_list() == [C1, C2]
    assert community["community_name"].to_list() == ["东湖社区", "西岭社区"]
    assert community["volunteer_count"].to_list() == [3, 1]
    assert community["volunteers_per_1000"].to_list() == pytest.approx([2.0, 0.5])
    assert community["active_volunteer_count"].to_list() == [3, 0]
    assert community["service_hours"].to_list() == pytest.approx([3.5, 2.0])
    assert community["party_member_share"].to_list() == pytest.approx([2 / 3, 0.0])
    grid = v.volunteer_metrics(dataset, "grid", OCTOBER)
    g1, g2 = grid["service_point_coverage_share"].to_list()[:2]
    assert community["service_point_coverage_share"][0] == pytest.approx((1000 * g1 + 500 * g2) / 1500)
    street = v.volunteer_metrics(dataset, "street", OCTOBER).row(0, named=True)
    assert street["volunteer_count"] == 4 and street["active_volunteer_count"] == 3
    assert street["volunteers_per_1000"] == pytest.approx(4 / 3.5)
    assert street["service_hours"] == pytest.approx(5.5)
    assert street["party_member_share"] == pytest.approx(0.5)


def test_as_of_caps_the_end_of_a_month_under_way(served: Path) -> None:
    frame = v.volunteer_metrics(load_dataset(served), "community", OCTOBER, as_of=datetime(2026, 10, 16))
    # v2 registered on 15 October counts; only r1 (3 October) was served by the 16th.
    assert frame["volunteer_count"].to_list() == [3, 1]
    assert frame["service_hours"].to_list() == pytest.approx([2.0, 0.0])
    # Active from 18 July: v1 (r1) and v4 (r3, 10 August).
    assert frame["active_volunteer_count"].to_list() == [2, 0]


def test_without_volunteer_tables_the_metrics_are_empty(tiny: Path) -> None:
    frame = v.volunteer_metrics(load_dataset(tiny), "community", OCTOBER)
    assert frame.height == 2
    assert frame["volunteer_count"].to_list() == [None, None]
    assert frame["service_point_coverage_share"].to_list() == [None, None]


def test_gap_table_puts_high_demand_low_supply_first(served: Path) -> None:
    gaps = v.gap_table(load_dataset(served), OCTOBER)
    # Issues per 1,000: G1 4.0, G2 2.0, G3 1.0 (median 2.0); active per 1,000: 2.0, 2.0, 0.0 (median 2.0).
    rows = {r["grid_code"]: r for r in gaps.iter_rows(named=True)}
    assert rows[G1]["issues_per_1000"] == pytest.approx(4.0)
    assert rows[G1]["quadrant"] == "high_demand_low_supply"
    assert rows[G2]["quadrant"] == "low_demand_low_supply"
    assert rows[G3]["quadrant"] == "low_demand_low_supply"
    assert rows[G4]["quadrant"] == "no_residents"
    assert gaps["grid_code"][0] == G1 and gaps["grid_code"][-1] == G4
    low = gaps.filter(pl.col("quadrant") == "low_demand_low_supply")["coverage_share"].to_list()
    assert low == sorted(low)  # the less covered first


# --- special groups ---------------------------------------------------------------------


def test_special_groups_missing_says_what_would_enable_them(tiny: Path) -> None:
    result = v.special_groups(load_dataset(tiny))
    assert not result.available
    assert any("data/special_groups" in m for m in result.missing)
    assert any("person_id" in m for m in result.missing)


def test_special_groups_visits_and_who_was_not_visited(served: Path) -> None:
    _write(
        served / "data" / "special_groups.csv",
        [
            {"person_id": "p1", "grid_code": G1, "group": "elderly_alone"},
            {"person_id": "p2", "grid_code": G2, "group": "disabled"},
            {"person_id": "p3", "grid_code": G3, "group": "child"},
        ],
    )
    result = v.special_groups(load_dataset(served), OCTOBER)
    assert result.available and result.missing == ()
    assert result.visits is not None and result.not_visited is not None and result.summary is not None
    assert result.visits.select("person_id", "month", "visits").rows() == [
        ("p2", "2026-08", 1),
        ("p1", "2026-10", 2),
    ]
    assert result.not_visited["person_id"].to_list() == ["p2", "p3"]
    assert result.summary.select("group", "people", "visited").rows() == [
        ("child", 1, 0),
        ("disabled", 1, 0),
        ("elderly_alone", 1, 1),
    ]


def test_quadrant_labels_in_both_languages() -> None:
    for quadrant in v.QUADRANTS:
        assert v.quadrant_label(quadrant, "zh") != f"volunteer.quadrant_{quadrant}"
        assert v.quadrant_label(quadrant, "en") != f"volunteer.quadrant_{quadrant}"
    assert v.quadrant_label("high_demand_low_supply", "en") == "Many issues, little service"


@pytest.mark.parametrize("spec", VOLUNTEER_REGISTRY, ids=lambda s: s.key)
def test_every_volunteer_metric_is_documented(spec: v.VolunteerMetric) -> None:
    for lang in ("zh", "en"):
        assert spec.label(lang) != f"metric.{spec.key}.label"
        assert spec.help(lang) != f"metric.{spec.key}.help"
        assert spec.formula(lang) != f"metric.{spec.key}.formula"


# --- the CLI ----------------------------------------------------------------------------


def _run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def test_coverage_cli_prints_the_six_keys_per_unit(served: Path) -> None:
    code, out, _ = _run("coverage", "--data", str(served), "--period", "2026-10", "--by", "community")
    assert code == 0
    records = json.loads(out)
    assert [r["community_code"] for r in records] == [C1, C2]
    assert list(records[0]) == ["community_code", "community_name", *keys_for("volunteer_headline")]
    assert records[0]["volunteer_count"] == 3 and records[1]["party_member_share"] == 0.0
    assert records[0]["service_hours"] == pytest.approx(3.5)


def test_coverage_cli_table_and_errors(served: Path) -> None:
    code, out, _ = _run(
        "coverage",
        "--data",
        str(served),
        "--period",
        "2026-10",
        "--by",
        "grid",
        "--format",
        "table",
        "--lang",
        "en",
    )
    assert code == 0
    assert "Registered volunteers" in out and "Service point coverage" in out and "100.0%" in out
    code, _, err = _run("coverage", "--data", str(served), "--period", "October")
    assert code == 2 and "2026-10" in err
    code, _, err = _run("coverage", "--data", str(served / "none"), "--period", "2026-10")
    assert code == 2 and "does not exist" in err


# --- the street demo --------------------------------------------------------------------


def test_street_demo_reach_and_suggestion() -> None:
    # Its speed is measured in tests/benchmarks (a timing assert here would be flaky on a loaded machine).
    dataset = load_dataset(REPO)
    if dataset.service_points is None:
        pytest.skip("no service points in the repository's data")
    suggestion = v.suggest_site(dataset.grids, dataset.service_points)
    assert suggestion is not None and suggestion.added_residents > 0
    street = v.coverage_share(v.coverage(dataset.grids, dataset.service_points), "street")
    assert 0 < street["coverage_share"][0] < 1
