"""Every registry metric on hand-built data, with the expected values written out.

The tiny data root (tests/builders.py) has 4 grids in 2 communities and 10 issues:
deferred and invalid issues, one reported in September, one unrated, one located only
by its point, one outside every grid, and a park grid with no issues (zero denominators).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from dashboard.core.loading import Dataset, load_dataset
from dashboard.core.periods import parse_period
from dashboard.core.settings import default_settings
from dashboard.metrics import (
    METRIC_KEYS,
    METRICS,
    REGISTRY,
    VIEWS,
    VOLUNTEER_METRICS,
    compute,
    compute_series,
    grade,
    keys_for,
    volunteer_metric,
)
from tests.builders import C1, C2, G1, G2, G3, G4

T = datetime(2026, 11, 20)
OCTOBER = parse_period("2026-10")
KEYS = list(METRIC_KEYS)


@pytest.fixture
def dataset(tiny: Path) -> Dataset:
    return load_dataset(tiny)


def _by(dataset: Dataset, by: str, period: str = "2026-10", as_of: datetime = T) -> pl.DataFrame:
    return compute(dataset.issues, dataset.units, by, parse_period(period), as_of, dataset.settings)  # type: ignore[arg-type]


def test_grid_metrics_match_hand_computed_values(dataset: Dataset) -> None:
    result = _by(dataset, "grid").select(["grid_code", *KEYS])
    expected = pl.DataFrame(
        [
            # G1: i01-i04 in S (i05 invalid); i04 deferred; i01, i02 finished; i03 overdue.
            (G1, 4, 4.0, 2 / 3, 1 / 3, 3 / 4, 2 / 2, 1 / 2, 1 / 2, 2 / 2, 1, 63.0),
            # G2: i06 only (i07 was reported in September); unsatisfied; due from the category limit.
            (G2, 1, 2.0, 1.0, 1.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0, 72.0),
            # G3: i08 (located by its point) finished; i10 open but not yet due.
            (G3, 2, 1.0, 1 / 2, 1 / 2, 1.0, 1.0, 0.0, 1.0, 1.0, 0, 3.0),
            # G4: a park with no residents and no issues: every rate empty, never 0.
            (G4, 0, None, None, None, None, None, None, None, None, 0, None),
            # Outside every grid: i09, never accepted, overdue; no population.
            (None, 1, None, 0.0, 0.0, 0.0, None, None, None, None, 1, None),
        ],
        schema={
            "grid_code": pl.String,
            **{k: pl.Int64 if METRICS[k].kind == "count" else pl.Float64 for k in KEYS},
        },
        orient="row",
    )
    assert_frame_equal(result, expected)


def test_community_metrics(dataset: Dataset) -> None:
    result = _by(dataset, "community").select(["community_code", "community_name", *KEYS])
    expected = pl.DataFrame(
        [
            (C1, "东湖社区", 5, 5 / 1500 * 1000, 3 / 4, 2 / 4, 4 / 5, 2 / 3, 1 / 3, 1 / 3, 2 / 3, 1, 72.0),
            (C2, "西岭社区", 2, 1.0, 1 / 2, 1 / 2, 1.0, 1.0, 0.0, 1.0, 1.0, 0, 3.0),
            (None, None, 1, None, 0.0, 0.0, 0.0, None, None, None, None, 1, None),
        ],
        schema={
            "community_code": pl.String,
            "community_name": pl.String,
            **{k: pl.Int64 if METRICS[k].kind == "count" else pl.Float64 for k in KEYS},
        },
        orient="row",
    )
    assert_frame_equal(result, expected)


def test_street_total_and_outside_bucket(dataset: Dataset) -> None:
    street = _by(dataset, "street")
    assert street.get_column("street_code").to_list() == ["330199001", None]
    assert street.get_column("issue_count").to_list() == [7, 1]
    everything = _by(dataset, "all").row(0, named=True)
    # The street-wide total keeps the issue outside every grid: 8 issues, 4 of 7 finished.
    assert everything["issue_count"] == 8
    assert everything["resolution_rate"] == pytest.approx(4 / 7)
    assert everything["overdue_open_count"] == 2


def test_numerators_and_denominators_are_kept(dataset: Dataset) -> None:
    row = _by(dataset, "grid").filter(pl.col("grid_code") == G1).row(0, named=True)
    spec = METRICS["resolution_rate"]
    assert (row[spec.num_column], row[spec.den_column]) == (2, 3)
    assert row["small_sample"] is True


def test_september_sees_only_the_issue_reported_then(dataset: Dataset) -> None:
    grids = _by(dataset, "grid", "2026-09").filter(pl.col("issue_count") > 0)
    assert grids.select("grid_code", "issue_count", "resolution_rate").rows() == [(G2, 1, 1.0)]


def test_a_date_range_spanning_two_months(dataset: Dataset) -> None:
    row = _by(dataset, "grid", "2026-09-30..2026-10-05").filter(pl.col("grid_code") == G2).row(0, named=True)
    assert row["issue_count"] == 1  # i07, 30 September 23:00
    row = _by(dataset, "grid", "2026-09-30..2026-10-05").filter(pl.col("grid_code") == G1).row(0, named=True)
    assert row["issue_count"] == 2  # i01 and i02


def test_as_of_decides_what_is_overdue(dataset: Dataset) -> None:
    early = (
        _by(dataset, "grid", as_of=datetime(2026, 10, 11))
        .filter(pl.col("grid_code") == G1)
        .row(0, named=True)
    )
    assert early["overdue_open_count"] == 0  # i03 is due on 12 October
    late = (
        _by(dataset, "grid", as_of=datetime(2026, 10, 13))
        .filter(pl.col("grid_code") == G1)
        .row(0, named=True)
    )
    assert late["overdue_open_count"] == 1


def test_series_gives_one_row_per_unit_and_month(dataset: Dataset) -> None:
    series = compute_series(
        dataset.issues, dataset.units, "community", [parse_period("2026-09"), OCTOBER], T, dataset.settings
    )
    counts = series.filter(pl.col("community_code") == C1).select("period", "issue_count").rows()
    assert counts == [("2026-09", 1), ("2026-10", 5)]


def test_located_by_point_and_outside(dataset: Dataset) -> None:
    issues = dataset.issues.sort("issue_id")
    located = dict(zip(issues.get_column("issue_id"), issues.get_column("grid_code"), strict=True))
    assert located["i08"] == G3
    assert located["i09"] is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [(0.95, "green"), (0.90, "green"), (0.8999, "amber"), (0.80, "amber"), (0.7999, "red"), (None, "none")],
)
def test_grades_against_the_target(value: float | None, expected: str) -> None:
    assert (
        grade(value, METRICS["resolution_rate"], replace(default_settings(), target=0.9, amber_floor=0.8))
        == expected
    )


def test_ungraded_metrics_have_no_grade() -> None:
    assert grade(0.5, METRICS["rework_rate"], default_settings()) == "none"


def test_registry_matches_the_domain_definitions() -> None:
    assert [m.key for m in REGISTRY] == [
        "issue_count",
        "issues_per_1000",
        "resolution_rate",
        "on_time_rate",
        "response_rate",
        "satisfaction_rate",
        "rework_rate",
        "grid_level_share",
        "community_level_share",
        "overdue_open_count",
        "median_hours_to_finish",
    ]
    assert METRICS["resolution_rate"].graded and METRICS["resolution_rate"].higher_is_better
    assert not METRICS["rework_rate"].higher_is_better


@pytest.mark.parametrize("view", sorted(VIEWS))
def test_every_view_lists_known_metrics_once(view: str) -> None:
    keys = keys_for(view)
    known = set(METRICS) | set(VOLUNTEER_METRICS)
    assert keys and len(set(keys)) == len(keys)
    assert set(keys) <= known


def test_issue_and_volunteer_metrics_share_one_format() -> None:
    # One MetricSpec.format for both registries: the same kind reads the same way.
    assert METRICS["resolution_rate"].format(0.9321, "en") == volunteer_metric("party_member_share").format(
        0.9321, "en"
    )
    assert volunteer_metric("service_hours").format(12_345, "zh") == "1.23万 小时"
    assert METRICS["issue_count"].format(12_345, "zh") == "1.23万"
    assert keys_for("series") == tuple(m.key for m in REGISTRY if m.key != "issues_per_1000")
