"""Hot spots on hand-built data: a planted cluster is found, uniform noise flags nothing,
the busiest grids are ranked, and only a grid whose count jumps is flagged as emerging."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from dashboard.core.loading import load_dataset
from dashboard.core.periods import parse_period
from dashboard.heat import (
    EMERGING_SCHEMA,
    PLACE_SCHEMA,
    TOP_GRIDS_SCHEMA,
    binomial_tail,
    emerging,
    fine_resolution,
    months_before,
    poisson_tail,
    repeat_locations,
    top_grids,
)
from tests.builders import G1, G2, G3

AS_OF = datetime(2026, 11, 1)
OCTOBER = parse_period("2026-10")
METRES_PER_DEGREE = 111_195.0
CLUSTER_X, CLUSTER_Y = 1200.0, 700.0  # metres east and north of (lon 120.0, lat 30.0)


def _lonlat(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return 120.0 + x / (METRES_PER_DEGREE * math.cos(math.radians(30.0))), 30.0 + y / METRES_PER_DEGREE


def noise(n: int, seed: int, width_m: float, height_m: float, days: int = 90) -> pl.DataFrame:
    """``n`` issues spread uniformly over a rectangle and over the ``days`` before AS_OF."""
    rng = np.random.default_rng(seed)
    lon, lat = _lonlat(rng.uniform(0, width_m, n), rng.uniform(0, height_m, n))
    seconds = rng.integers(1, days * 86_400, n)
    return pl.DataFrame(
        {
            "issue_id": [f"n{i:04d}" for i in range(n)],
            "reported_at": [AS_OF - timedelta(seconds=int(s)) for s in seconds],
            "category": rng.choice(["环境卫生", "停车管理", "噪音扰民"], n).tolist(),
            "grid_code": G3,
            "community_name": "西岭社区",
            "lat": lat,
            "lon": lon,
            "status": "closed",
            "address": None,
            "reporter_name": "张三",
            "reporter_phone": "13800000000",
        },
        schema_overrides={"address": pl.String},
    )


def planted(seed: int = 7, count: int = 12, radius_m: float = 15.0) -> pl.DataFrame:
    """``count`` street-vending complaints within ``radius_m`` of one corner over 60 days."""
    rng = np.random.default_rng(seed)
    angle, distance = rng.uniform(0, 2 * math.pi, count), radius_m * np.sqrt(rng.uniform(0, 1, count))
    lon, lat = _lonlat(CLUSTER_X + distance * np.cos(angle), CLUSTER_Y + distance * np.sin(angle))
    return pl.DataFrame(
        {
            "issue_id": [f"p{i:02d}" for i in range(count)],
            "reported_at": [datetime(2026, 9, 2, 8) + timedelta(days=5 * i) for i in range(count)],
            "category": ["占道经营"] * (count - 2) + ["环境卫生"] * 2,
            "grid_code": G1,
            "community_name": "东湖社区",
            "lat": lat,
            "lon": lon,
            "status": "closed",
            "address": ["东湖社区菜场门口"] * (count - 1) + [None],
            "reporter_name": "李四",
            "reporter_phone": "13900000000",
        }
    )


# --- statistics --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("observed", "mean", "expected"),
    [
        (0, 2.0, 1.0),
        (1, 0.0, 0.0),
        (1, 2.0, 1 - math.exp(-2)),
        (3, 1.0, 1 - math.exp(-1) * 2.5),
        (30, 10.0, 2.509951201527908e-07),  # checked with mpmath
        (12, 10.0, 0.30322385369689386),
    ],
)
def test_poisson_tail(observed: int, mean: float, expected: float) -> None:
    assert poisson_tail(observed, mean) == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize(
    ("observed", "trials", "probability", "expected"),
    [
        (0, 5, 0.3, 1.0),
        (6, 5, 0.3, 0.0),
        (2, 3, 0.5, 0.5),
        (5, 5, 0.3, 0.3**5),
        (12, 262, 0.008, 1.842393476911015e-06),  # checked with mpmath
    ],
)
def test_binomial_tail(observed: int, trials: int, probability: float, expected: float) -> None:
    assert binomial_tail(observed, trials, probability) == pytest.approx(expected, rel=1e-9)


def test_fine_resolution_matches_the_radius() -> None:
    # 50 m: resolution 11 (29 m edges), so a hexagon and its neighbours reach about 50 m.
    assert [fine_resolution(r) for r in (20, 50, 150)] == [12, 11, 10]


# --- repeat locations ----------------------------------------------------------------


def test_a_planted_cluster_is_found_among_uniform_noise() -> None:
    # 500 issues over 2 km x 1.5 km in 90 days (~170 per km²) and 12 within 15 m in 60 days.
    issues = pl.concat([noise(500, seed=11, width_m=2000, height_m=1500), planted()])
    before = issues.clone()
    places = repeat_locations(issues, AS_OF)
    assert places.columns == list(PLACE_SCHEMA)
    assert "reporter_name" not in places.columns and "reporter_phone" not in places.columns
    assert places.height == 1
    place = places.row(0, named=True)
    assert place["kind"] == "point"
    assert place["count"] == 13  # the 12 planted issues and one noise issue that fell there
    assert [i for i in place["issue_ids"] if i.startswith("p")] == [f"p{i:02d}" for i in range(12)]
    assert place["top_category"] == "占道经营"
    assert place["first_reported_at"] == datetime(2026, 8, 13, 10, 24, 8)  # the noise issue
    assert place["last_reported_at"] == datetime(2026, 10, 27, 8)
    assert place["grid_code"] == G1
    assert place["community_name"] == "东湖社区"
    assert place["address"] == "东湖社区菜场门口"
    assert place["expected"] == pytest.approx(2.1, abs=0.3)  # ~170 per km² x 0.012 km²
    assert place["p_value"] < 1e-6  # far below 0.01 / the ~500 hexagons with issues
    # Its centre is within 20 m of the planted corner.
    x = (place["lon"] - 120.0) * METRES_PER_DEGREE * math.cos(math.radians(30.0))
    y = (place["lat"] - 30.0) * METRES_PER_DEGREE
    assert math.hypot(x - CLUSTER_X, y - CLUSTER_Y) < 20
    assert_frame_equal(issues, before)


@pytest.mark.parametrize(
    ("n", "seed", "width_m", "height_m", "by_count_alone"),
    [
        (500, 3, 2000, 1500, 78),  # ~170 issues per km² in 90 days
        (2000, 5, 2000, 2000, 296),  # ~500 per km²: the street demo's density
        (6000, 8, 2000, 2000, 498),  # ~1,500 per km²: a dense city centre
        (100, 9, 2000, 2000, 0),  # ~25 per km²: a quiet suburb
    ],
)
def test_uniform_noise_flags_nothing(
    n: int, seed: int, width_m: float, height_m: float, by_count_alone: int
) -> None:
    issues = noise(n, seed, width_m, height_m)
    assert repeat_locations(issues, AS_OF).height == 0
    # Counting alone (3 or more within 50 m) would list chance "places": the density test removes them.
    assert repeat_locations(issues, AS_OF, alpha=None).height == by_count_alone


def test_address_places_group_issues_without_points() -> None:
    rows = [
        ("a1", "2026-10-01 09:00:00", "东湖社区 12幢"),
        ("a2", "2026-10-05 09:00:00", "东湖社区12幢"),
        ("a3", "2026-10-09 09:00:00", "东湖社区１２幢。"),  # full-width digits and a full stop
        ("a4", "2026-10-02 09:00:00", "西岭社区 3幢"),
        ("a5", "2026-10-03 09:00:00", "西岭社区3幢"),
        ("a6", "2026-06-01 09:00:00", "西岭社区3幢"),  # before the 90 days
    ]
    issues = pl.DataFrame(rows, schema=["issue_id", "reported_at", "address"], orient="row").with_columns(
        pl.col("reported_at").str.to_datetime(),
        pl.lit("噪音扰民").alias("category"),
        pl.lit(G1).alias("grid_code"),
        pl.lit(None, dtype=pl.Float64).alias("lat"),
        pl.lit(None, dtype=pl.Float64).alias("lon"),
    )
    places = repeat_locations(issues, AS_OF)
    assert places.select("kind", "count", "issue_ids", "lat", "p_value").rows() == [
        ("address", 3, ["a1", "a2", "a3"], None, None)
    ]
    assert places.get_column("place")[0].startswith("address:")


def test_the_window_leaves_out_old_future_and_invalid_issues() -> None:
    cluster = planted()
    old = cluster.with_columns(pl.col("reported_at") - timedelta(days=120))
    later = cluster.with_columns(pl.col("reported_at") + timedelta(days=90))
    invalid = cluster.with_columns(pl.lit("invalid").alias("status"))
    for issues in (old, later, invalid):
        assert repeat_locations(issues, AS_OF).height == 0
    assert repeat_locations(cluster, AS_OF).get_column("count").to_list() == [12]


def test_repeat_locations_rejects_bad_arguments() -> None:
    with pytest.raises(TypeError, match="as_of"):
        repeat_locations(planted(), "2026-11-01")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="min_count"):
        repeat_locations(planted(), AS_OF, min_count=0)
    with pytest.raises(ValueError, match="radius_m"):
        repeat_locations(planted(), AS_OF, radius_m=0)


# --- top grids ----------------------------------------------------------------------


def test_top_grids_of_the_tiny_root(tiny: Path) -> None:
    dataset = load_dataset(tiny)
    # October: G1 has i01-i04 (i05 is invalid), G3 i08 and i10, G2 i06 (i07 is in September);
    # i09 lies outside every grid and G4 has no issues.
    expected = pl.DataFrame(
        [
            (G1, "一网格", "东湖社区", 4, 1000, 4.0),
            (G3, "三网格", "西岭社区", 2, 2000, 1.0),
            (G2, "二网格", "东湖社区", 1, 500, 2.0),
        ],
        schema=TOP_GRIDS_SCHEMA,
        orient="row",
    )
    assert_frame_equal(top_grids(dataset.issues, dataset.units, OCTOBER), expected)
    by_residents = top_grids(dataset.issues, dataset.units, OCTOBER, n=2, by="issues_per_1000")
    assert by_residents.get_column("grid_code").to_list() == [G1, G2]
    with pytest.raises(ValueError, match="by"):
        top_grids(dataset.issues, dataset.units, OCTOBER, by="rate")  # type: ignore[arg-type]


# --- emerging grids -----------------------------------------------------------------

GRIDS = [f"3301990010010{i:02d}" for i in range(1, 9)]
UNITS = pl.DataFrame(
    {
        "grid_code": GRIDS,
        "grid_name": [f"{i}网格" for i in range(1, 9)],
        "community_name": ["东湖社区"] * 4 + ["西岭社区"] * 4,
        "population": [800] * 8,
    }
)
MONTHS = ["2026-04", "2026-05", "2026-06", "2026-07", "2026-08", "2026-09", "2026-10"]


def monthly_issues(counts: dict[str, list[int]]) -> pl.DataFrame:
    """Issues per grid and month (one list of 7 counts, April to October), spread over each month's days."""
    rows = []
    for grid, per_month in counts.items():
        for month, n in zip(MONTHS, per_month, strict=True):
            start = datetime.strptime(month, "%Y-%m")
            for i in range(n):
                rows.append((f"{grid}-{month}-{i}", start + timedelta(hours=(i * 17) % (28 * 24)), grid))
    return pl.DataFrame(rows, schema=["issue_id", "reported_at", "grid_code"], orient="row").with_columns(
        pl.lit("环境卫生").alias("category"), pl.lit("closed").alias("status")
    )


def stable_counts(seed: int, tripling: str | None = None) -> dict[str, list[int]]:
    """Poisson(10) a month for every grid; ``tripling`` gets Poisson(30) in October."""
    rng = np.random.default_rng(seed)
    counts = {g: rng.poisson(10, len(MONTHS)).tolist() for g in GRIDS}
    if tripling:
        counts[tripling][-1] = int(rng.poisson(30))
    return counts


def test_only_the_grid_that_triples_is_flagged() -> None:
    counts = stable_counts(seed=21, tripling=GRIDS[4])
    issues = monthly_issues(counts)
    before = issues.clone()
    result = emerging(issues, UNITS, OCTOBER)
    assert result.columns == list(EMERGING_SCHEMA)
    assert result.filter(pl.col("flagged")).get_column("grid_code").to_list() == [GRIDS[4]]
    top = result.row(0, named=True)
    baseline = sum(counts[GRIDS[4]][:6])
    assert top["grid_code"] == GRIDS[4]
    assert top["observed"] == counts[GRIDS[4]][-1] == 33
    # The mean monthly count over April-September, scaled to October's 31 of the 183 days.
    assert top["expected"] == pytest.approx(baseline * 31 / 183) == pytest.approx(10.333333)
    assert top["ratio"] == pytest.approx(33 / top["expected"])
    assert top["p_value"] == pytest.approx(poisson_tail(33, top["expected"]))
    assert top["p_adjusted"] == pytest.approx(8 * top["p_value"])
    assert result.get_column("p_value").is_sorted()
    assert_frame_equal(issues, before)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_stable_grids_are_not_flagged(seed: int) -> None:
    result = emerging(monthly_issues(stable_counts(seed)), UNITS, OCTOBER)
    assert result.height == 8
    assert not result.get_column("flagged").any()


def test_a_grid_quiet_until_now_is_flagged_and_too_few_issues_are_not() -> None:
    counts = {GRIDS[0]: [0, 0, 0, 0, 0, 0, 6], GRIDS[1]: [0, 0, 0, 0, 0, 0, 4], GRIDS[2]: [10] * 7}
    result = emerging(monthly_issues(counts), UNITS, OCTOBER)
    rows = {r["grid_code"]: r for r in result.iter_rows(named=True)}
    assert (rows[GRIDS[0]]["expected"], rows[GRIDS[0]]["ratio"], rows[GRIDS[0]]["p_value"]) == (
        0.0,
        None,
        0.0,
    )
    assert rows[GRIDS[0]]["flagged"]
    assert not rows[GRIDS[1]]["flagged"]  # 4 issues: below min_count = 5
    assert rows[GRIDS[7]]["observed"] == 0 and rows[GRIDS[7]]["p_value"] == 1.0


def test_baseline_starts_with_the_data() -> None:
    # Data from August only: a two-month baseline (August-September, 61 days).
    counts = {GRIDS[0]: [0, 0, 0, 0, 20, 20, 20]}
    result = emerging(monthly_issues(counts), UNITS, OCTOBER)
    row = result.filter(pl.col("grid_code") == GRIDS[0]).row(0, named=True)
    assert row["expected"] == pytest.approx(40 * 31 / 61, rel=1e-3)
    # Without any earlier data there is no baseline: nothing is tested or flagged.
    october_only = emerging(monthly_issues({GRIDS[0]: [0, 0, 0, 0, 0, 0, 20]}), UNITS, OCTOBER)
    assert october_only.get_column("p_value").null_count() == 8
    assert not october_only.get_column("flagged").any()


def test_as_of_inside_the_period_compares_the_days_so_far() -> None:
    counts = {GRIDS[0]: [31, 30, 31, 31, 30, 30, 31]}
    result = emerging(monthly_issues(counts), UNITS, OCTOBER, as_of=datetime(2026, 10, 11))
    row = result.filter(pl.col("grid_code") == GRIDS[0]).row(0, named=True)
    assert row["expected"] == pytest.approx(183 * 10 / 183)


def test_months_before_clamps_the_day() -> None:
    assert months_before(datetime(2026, 3, 31, 8), 1) == datetime(2026, 2, 28, 8)
    assert months_before(datetime(2026, 10, 1), 6) == datetime(2026, 4, 1)
    assert months_before(datetime(2026, 1, 15), 13) == datetime(2024, 12, 15)
