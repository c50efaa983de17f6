"""The closed loop's rankings, lists, streaks and attributions on hand-built data."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from dashboard import closed_loop
from dashboard.core.loading import Dataset, load_dataset
from dashboard.core.periods import parse_period
from dashboard.core.selection import Selection
from tests.builders import C1, C2, G1, G2, TINY_GRIDS, three_months_root, write_grids, write_issues_csv

OCTOBER = parse_period("2026-10")


@pytest.fixture
def tiny_dataset(tiny: Path) -> Dataset:
    return load_dataset(tiny)


@pytest.fixture
def three_months(tmp_path: Path) -> Dataset:
    """C1 (G1) at 95%, 95%, 95%; C2 (G3) at 80%, 95%, 100% from August to October 2026."""
    return load_dataset(three_months_root(tmp_path))


@pytest.mark.parametrize(
    ("values", "expected"),
    [([0.95, 0.85, 0.91, 0.93], 2), ([0.95, None], 0), ([0.9, 0.9, 0.9], 3), ([], 0), ([0.89], 0)],
)
def test_streak(values: list[float | None], expected: int) -> None:
    assert closed_loop.streak(values, 0.9) == expected


def test_league_with_rank_change_and_streaks(three_months: Dataset) -> None:
    league = closed_loop.league(three_months, Selection(period=OCTOBER), "community")
    rows = league.select(
        "community_code", "rank", "previous_rank", "rank_change", "streak", "resolution_rate"
    ).rows()
    # October: C2 100% first (was 2nd at 95% ... tie broken by rank method "min": both 95% in September share rank 1).
    assert rows == [(C2, 1, 1, 0, 2, 1.0), (C1, 2, 1, -1, 3, 0.95)]


def test_league_ranks_grids_and_gives_the_score(tiny_dataset: Dataset) -> None:
    league = closed_loop.league(tiny_dataset, Selection(period=OCTOBER), "community")
    first = league.row(0, named=True)
    assert first["community_code"] == C1
    # 40 × 75% + 20 × 50% + 30 × 2/3 + 10 × (1 − 1/3)
    assert first["score"] == pytest.approx(30 + 10 + 20 + 20 / 3)
    assert league.get_column("grade").to_list() == ["red", "red"]


def test_red_black_lists_leave_small_samples_out_and_never_overlap() -> None:
    table = pl.DataFrame(
        {
            "community_code": [f"c{i}" for i in range(8)],
            "rank": [1, 2, 3, 4, 5, 6, 7, 8],
            "issue_count": [50, 50, 5, 50, 50, 50, 50, 50],
            "small_sample": [False, False, True, False, False, False, False, False],
            "resolution_rate": [0.99, 0.98, 0.97, 0.96, 0.95, 0.94, 0.93, 0.80],
        }
    )
    lists = closed_loop.red_black(table, n=3)
    assert lists.red.get_column("community_code").to_list() == ["c0", "c1", "c3"]
    assert lists.black.get_column("community_code").to_list() == ["c7", "c6", "c5"]
    assert lists.left_out == 1
    short = closed_loop.red_black(table.head(4), n=3)
    assert short.red.get_column("community_code").to_list() == ["c0", "c1", "c3"]
    assert short.black.height == 0


def test_shortfall_by_category_adds_up_to_the_gap(tiny_dataset: Dataset) -> None:
    issues = tiny_dataset.issues.filter(pl.col("community_code") == C1)
    frame = closed_loop.shortfall(issues, OCTOBER, "category", tiny_dataset)
    rows = {
        r["category"]: (r["eligible"], r["unfinished"], r["contribution"])
        for r in frame.iter_rows(named=True)
    }
    assert rows["停车管理"] == (1, 1, pytest.approx(0.9))
    assert rows["环境卫生"] == (1, 0, pytest.approx(-0.1))
    assert rows["违章搭建"] == (0, 0, 0.0)  # deferred: does not count
    assert frame.get_column("category")[0] == "停车管理"
    # 90% of 4 issues that count is 3.6; 3 are finished: 0.6 short.
    assert closed_loop.total_shortfall(frame) == pytest.approx(0.6)


def test_shortfall_by_grid(tiny_dataset: Dataset) -> None:
    frame = closed_loop.shortfall(tiny_dataset.issues, OCTOBER, "grid_code", tiny_dataset, codes=[C1])
    assert frame.select("grid_code", "grid_name", "eligible", "unfinished").rows() == [
        (G1, "一网格", 3, 1),
        (G2, "二网格", 1, 0),
    ]


def test_departments_ranked_by_on_time(tiny_dataset: Dataset) -> None:
    frame = closed_loop.departments(tiny_dataset, Selection(period=OCTOBER))
    assert frame.select("rank", "department", "issue_count", "on_time_rate").rows() == [(1, "住建", 1, 1.0)]


def test_grid_workers_patrol_per_week(tiny_dataset: Dataset) -> None:
    frame = closed_loop.grid_workers(tiny_dataset, Selection(period=OCTOBER))
    first = frame.row(0, named=True)
    # G1: i01 and i04 were found on patrol in October (31 days = 4.43 weeks).
    assert (first["grid_code"], first["grid_worker"], first["patrol_issues"]) == (G1, "王建国", 2)
    assert first["patrol_per_week"] == pytest.approx(2 / (31 / 7))
    assert first["grid_level_share"] == pytest.approx(0.5)
    assert frame.height == 4


def test_streets_are_ranked_when_there_are_several(tiny_dataset: Dataset, tmp_path: Path) -> None:
    assert closed_loop.league_units(tiny_dataset) == ["community", "grid"]
    grids = [dict(g) for g in TINY_GRIDS]
    for grid in grids[2:]:
        grid.update(street_code="330199002", street_name="东岸街道")
    write_grids(tmp_path, grids)
    write_issues_csv(tmp_path)
    district = load_dataset(tmp_path)
    assert closed_loop.league_units(district) == ["street", "community", "grid"]
    league = closed_loop.league(district, Selection(period=OCTOBER), "street")
    assert league.select("street_name", "issue_count").rows() == [("清河湾街道", 5), ("东岸街道", 2)]
