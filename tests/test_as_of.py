"""Numbers a leader can stand behind: as-of is a point in time, and a period's assessment cut-off freezes it.

Hand-built data (tests/builders.py, grid G1 in October 2026) with the expected values written out:
i01 reported 2 Oct 09:00, accepted after 1 h, finished 2 Oct 15:00 (grid level, satisfied);
i02 reported 5 Oct 08:00, accepted after 26 h, finished 10 Oct 08:00 after its deadline of 8 Oct
(community level, reworked once, basically satisfied); i03 reported 10 Oct 10:00, open, due 12 Oct 10:00;
i04 reported 11 Oct, deferred; i05 invalid.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import polars as pl
import pytest

from dashboard.core.basis import cutoff, is_provisional, measured_at
from dashboard.core.loading import Dataset, load_dataset
from dashboard.core.periods import parse_period
from dashboard.core.settings import default_settings
from dashboard.metrics import compute, compute_series
from tests.builders import G1, G2, TINY_ISSUES, tiny_root, write_issues_csv
from tests.conftest import REPO

OCTOBER, SEPTEMBER = parse_period("2026-10"), parse_period("2026-09")
COMMAND = (sys.executable, "-m", "dashboard", "metrics")


def _g1(dataset: Dataset, as_of: datetime) -> dict[str, object]:
    frame = compute(dataset.issues, dataset.units, "grid", OCTOBER, as_of, dataset.settings)
    return frame.filter(pl.col("grid_code") == G1).row(0, named=True)


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        # 9 Oct: i01 and i02 exist; i02 is not finished yet and past its deadline: overdue.
        (
            datetime(2026, 10, 9),
            {
                "issue_count": 2,
                "resolution_rate": 1 / 2,
                "on_time_rate": 1 / 2,
                "response_rate": 1 / 2,
                "satisfaction_rate": 1.0,
                "rework_rate": 0.0,
                "grid_level_share": 1.0,
                "overdue_open_count": 1,
                "median_hours_to_finish": 6.0,
            },
        ),
        # 12 Oct noon: i03 and i04 exist too; i02 finished late; i03 is past its deadline.
        (
            datetime(2026, 10, 12, 12),
            {
                "issue_count": 4,
                "resolution_rate": 2 / 3,
                "on_time_rate": 1 / 3,
                "response_rate": 3 / 4,
                "satisfaction_rate": 1.0,
                "rework_rate": 1 / 2,
                "grid_level_share": 1 / 2,
                "overdue_open_count": 1,
                "median_hours_to_finish": 63.0,
            },
        ),
        # 12 Oct 09:00: i03 is not yet due, nothing is overdue.
        (
            datetime(2026, 10, 12, 9),
            {"issue_count": 4, "resolution_rate": 2 / 3, "overdue_open_count": 0},
        ),
        # 5 Oct 12:00: only i01 and i02 (reported that morning, not yet accepted: a true 0, not missing).
        (
            datetime(2026, 10, 5, 12),
            {"issue_count": 2, "resolution_rate": 1 / 2, "response_rate": 1 / 2, "overdue_open_count": 0},
        ),
    ],
)
def test_as_of_is_a_point_in_time(tiny: Path, as_of: datetime, expected: dict[str, object]) -> None:
    row = _g1(load_dataset(tiny), as_of)
    assert {k: row[k] for k in expected} == pytest.approx(expected)


def test_metrics_cli_as_of_is_a_point_in_time(tiny: Path) -> None:
    def run(as_of: str) -> dict[str, object]:
        result = subprocess.run(
            [*COMMAND, "--data", str(tiny), "--period", "2026-10", "--by", "grid", "--as-of", as_of],
            capture_output=True,
            text=True,
            cwd=REPO,
            check=True,
        )
        return next(r for r in json.loads(result.stdout) if r["grid_code"] == G1)

    early, later = run("2026-10-09 00:00:00"), run("2026-11-20 00:00:00")
    assert (early["issue_count"], early["overdue_open_count"], early["resolution_rate"]) == (2, 1, 0.5)
    assert (later["issue_count"], later["overdue_open_count"]) == (4, 1)
    assert later["resolution_rate"] == pytest.approx(2 / 3)


def test_cutoff_is_the_period_end_plus_grace_days() -> None:
    settings = default_settings()
    assert cutoff(SEPTEMBER, settings) == datetime(2026, 10, 6)
    assert measured_at(SEPTEMBER, datetime(2026, 11, 20), settings, "cutoff") == datetime(2026, 10, 6)
    assert measured_at(SEPTEMBER, datetime(2026, 10, 3), settings, "cutoff") == datetime(2026, 10, 3)
    assert measured_at(SEPTEMBER, datetime(2026, 11, 20), settings, "live") == datetime(2026, 11, 20)
    assert is_provisional(OCTOBER, datetime(2026, 11, 5, 23), settings)
    assert not is_provisional(OCTOBER, datetime(2026, 11, 6), settings)


def _september_root(tmp_path: Path) -> Path:
    """G2 in September: i07 (finished 1 Oct), s1 finished 3 Oct, s2 finished 20 Oct (after the cut-off)."""
    root = tiny_root(tmp_path / "root")
    extra = [
        {
            "issue_id": "s1",
            "reported_at": "2026-09-20 09:00:00",
            "category": "环境卫生",
            "grid_code": G2,
            "status": "closed",
            "accepted_at": "2026-09-20 10:00:00",
            "resolved_at": "2026-10-03 09:00:00",
            "closed_at": "2026-10-03 10:00:00",
        },
        {
            "issue_id": "s2",
            "reported_at": "2026-09-25 09:00:00",
            "category": "环境卫生",
            "grid_code": G2,
            "status": "closed",
            "accepted_at": "2026-09-25 10:00:00",
            "resolved_at": "2026-10-20 09:00:00",
            "closed_at": "2026-10-20 10:00:00",
        },
    ]
    write_issues_csv(root, [*TINY_ISSUES, *extra])
    return root


@pytest.mark.parametrize("as_of", [datetime(2026, 10, 6), datetime(2026, 10, 21), datetime(2026, 11, 20)])
def test_a_month_at_its_cutoff_never_changes(tmp_path: Path, as_of: datetime) -> None:
    dataset = load_dataset(_september_root(tmp_path))
    frame = compute(dataset.issues, dataset.units, "grid", SEPTEMBER, as_of, dataset.settings, "cutoff")
    row = frame.filter(pl.col("grid_code") == G2).row(0, named=True)
    # At the cut-off (6 Oct): i07 and s1 finished, s2 still open: 2 of 3, whatever the as-of after it.
    assert row["issue_count"] == 3
    assert row["resolution_rate"] == pytest.approx(2 / 3)
    assert row["measured_at"] == datetime(2026, 10, 6)
    assert row["provisional"] is False


def test_live_basis_keeps_rising_and_cutoff_compares_at_equal_lags(tmp_path: Path) -> None:
    dataset = load_dataset(_september_root(tmp_path))
    as_of = datetime(2026, 11, 3)
    live = compute(dataset.issues, dataset.units, "grid", SEPTEMBER, as_of, dataset.settings, "live")
    assert live.filter(pl.col("grid_code") == G2).item(0, "resolution_rate") == 1.0
    series = compute_series(
        dataset.issues, dataset.units, "grid", [SEPTEMBER, OCTOBER], as_of, dataset.settings, "cutoff"
    ).filter(pl.col("grid_code") == G2)
    assert series.get_column("measured_at").to_list() == [datetime(2026, 10, 6), as_of]
    assert series.get_column("provisional").to_list() == [False, True]
    assert series.get_column("resolution_rate").to_list() == pytest.approx([2 / 3, 1.0])


def test_a_month_before_its_cutoff_is_provisional(tiny: Path) -> None:
    dataset = load_dataset(tiny)
    frame = compute(
        dataset.issues, dataset.units, "all", OCTOBER, datetime(2026, 11, 2), dataset.settings, "cutoff"
    )
    assert frame.item(0, "provisional") is True
    assert frame.item(0, "measured_at") == datetime(2026, 11, 2)


def test_grace_days_are_a_setting(tmp_path: Path) -> None:
    root = _september_root(tmp_path)
    (root / "dashboard.toml").write_text("[metrics]\nassessment_grace_days = 0\n", encoding="utf-8")
    dataset = load_dataset(root)
    frame = compute(
        dataset.issues, dataset.units, "grid", SEPTEMBER, datetime(2026, 11, 20), dataset.settings, "cutoff"
    )
    row = frame.filter(pl.col("grid_code") == G2).row(0, named=True)
    # Measured at 1 Oct 00:00: i07 (finished 1 Oct 12:00) was still open too: 0 of 3.
    assert (row["measured_at"], row["resolution_rate"]) == (datetime(2026, 10, 1), 0.0)


# --- the bundled demo: October against September, each at its own cut-off ------------------


@pytest.fixture(scope="module")
def demo() -> Dataset:
    return load_dataset(REPO)


def test_demo_october_change_is_computed_at_equal_lags(demo: Dataset) -> None:
    """The overview's change since September, the report's and meeting mode's (all from the same KPIs).

    Live, September (measured 50 days after its end) looks better than October (20 days): -0.8 points.
    At the cut-off both are measured 5 days after their end: 94.70% against 94.74%, a change of
    -0.04 points, read as "+0.0" (no change to one decimal).
    """
    from dashboard import overview
    from dashboard.core.selection import Selection
    from dashboard.meeting import cards, theme
    from dashboard.outputs.report import build_report

    selection = Selection(period=OCTOBER)
    kpis = overview.headline(overview.scope_totals(demo, selection), selection, demo)
    rate = next(k for k in kpis if k.key == "resolution_rate")
    assert (rate.value, rate.previous) == pytest.approx((0.946981, 0.947356), abs=1e-6)
    assert rate.delta("zh") == "+0.0 个百分点"
    live = Selection(period=OCTOBER, basis="live")
    live_rate = next(
        k
        for k in overview.headline(overview.scope_totals(demo, live), live, demo)
        if k.key == "resolution_rate"
    )
    assert live_rate.delta("en") == "-0.8 pp"

    meeting_card = next(c for c in cards(kpis, "zh", theme("light")) if c.key == "resolution_rate")
    assert meeting_card.delta is not None and rate.delta("zh") in meeting_card.delta
    report = build_report(demo, OCTOBER, "zh")
    kpi_block = next(s for s in report.slides if s.key == "kpis").blocks[0]
    item = next(i for i in kpi_block.items if i.label == "办结率")
    assert (item.value, rate.delta("zh")) == ("94.7%", "+0.0 个百分点")
    assert rate.delta("zh") in (item.delta or "")


def test_demo_october_rank_changes_at_the_cutoff(demo: Dataset) -> None:
    from dashboard import closed_loop
    from dashboard.core.selection import Selection

    league = closed_loop.league(demo, Selection(period=OCTOBER), "community")
    top = league.select("community_name", "rank", "rank_change").head(2).rows()
    assert top == [("兰亭社区", 1, 2), ("映月社区", 2, 7)]
    live = closed_loop.league(demo, Selection(period=OCTOBER, basis="live"), "community")
    assert live.select("community_name", "rank", "rank_change").head(1).rows() == [("怡景社区", 1, 0)]
