"""Time before the data starts is a gap, not 0; periods are compared each at its own cut-off.

Most tests use the three-month data root (tests/builders.py): 20 issues a month in G1 (东湖社区)
and 20 in G3 (西岭社区), August to October 2026, the first reported on 1 August at 09:00. So the
data start is 1 August 2026: July and everything earlier is a gap, and a year earlier has no data.
Resolution: August 35/40 (G1 19, G3 16), September 38/40, October 39/40; every finished issue is
resolved the day it is reported.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from dashboard import closed_loop, heat, overview, trends
from dashboard.core.loading import Dataset, load_dataset
from dashboard.core.periods import parse_period
from dashboard.core.selection import Selection
from dashboard.core.span import DataSpan, before_data, data_span, data_start, reaches_before_data
from dashboard.i18n import t
from dashboard.metrics import METRICS, compute_groups, keys_for
from dashboard.trends import HotTopic
from dashboard.trends import charts as trend_charts
from tests.builders import G1, G3, month_issues, three_months_root, write_grids, write_issues_csv

T = datetime(2026, 11, 20)
START = datetime(2026, 8, 1)
JULY, AUGUST, SEPTEMBER, OCTOBER = (parse_period(f"2026-{m:02d}") for m in (7, 8, 9, 10))


@pytest.fixture
def three(tmp_path: Path) -> Dataset:
    return load_dataset(three_months_root(tmp_path / "three"))


# --- the data's span --------------------------------------------------------------------------


def test_the_data_start_is_the_day_of_the_first_report(three: Dataset) -> None:
    assert data_span(three) == DataSpan(datetime(2026, 8, 1, 9), datetime(2026, 10, 9, 9))
    assert data_start(three) == START
    assert before_data(JULY, START) and not before_data(AUGUST, START)
    assert reaches_before_data(JULY, START) and not reaches_before_data(AUGUST, START)
    # A range from mid-July to mid-August is partly before the data: not a gap, not comparable.
    straddling = parse_period("2026-07-15..2026-08-14")
    assert reaches_before_data(straddling, START) and not before_data(straddling, START)
    assert not before_data(JULY, None) and not reaches_before_data(JULY, None)  # no data start known


# --- trend series -----------------------------------------------------------------------------


def test_a_series_starts_at_the_data_s_first_bucket(three: Dataset) -> None:
    args = (three.issues, datetime(2026, 1, 1), datetime(2026, 11, 1), "month", T, three.settings)
    result = trends.series(*args, data_start=START)
    assert result.select("bucket", "value", "ma", "partial").rows() == [
        (datetime(2026, 8, 1), 40.0, None, False),
        (datetime(2026, 9, 1), 40.0, None, False),
        (datetime(2026, 10, 1), 40.0, 40.0, False),  # the first full 3-month window lies in the data
    ]
    rates = trends.series(*args, metric="resolution_rate", data_start=START)
    assert rates.select("value", "numerator", "denominator").rows() == [
        (0.875, 35, 40),
        (0.95, 38, 40),
        (0.975, 39, 40),
    ]
    # Without a data start, January to July would read as seven months of 0 issues.
    zeros = trends.series(*args)
    assert zeros.height == 10 and zeros.get_column("value").head(7).to_list() == [0.0] * 7


def test_the_bucket_the_data_start_cuts_is_partial(tiny: Path) -> None:
    dataset = load_dataset(tiny)  # the first report: 30 September 2026, 23:00
    result = trends.series(
        dataset.issues,
        datetime(2026, 7, 1),
        datetime(2026, 11, 1),
        "month",
        T,
        dataset.settings,
        data_start=data_start(dataset),
    )
    assert result.select("bucket", "value", "partial").rows() == [
        (datetime(2026, 9, 1), 1.0, True),  # i07 on the 30th: September is covered by one day
        (datetime(2026, 10, 1), 8.0, False),
    ]


def test_no_spike_on_the_first_days_of_the_data(three: Dataset) -> None:
    # 1 and 2 August: 6 issues each, then 4 a day to the 9th. Judged against July's zeros they
    # look like spikes (threshold (1 + 2 × 0.5)² = 4); judged against the data there is no
    # baseline before half a window (14 days) of it.
    args = (three.issues, datetime(2026, 7, 1), datetime(2026, 9, 1), "day", T, three.settings)
    against_zeros = trends.anomalies(trends.series(*args), z=2.0, window=28)
    assert against_zeros.filter(pl.col("flagged")).get_column("bucket").to_list() == [
        datetime(2026, 8, 1),
        datetime(2026, 8, 2),
    ]
    against_data = trends.anomalies(trends.series(*args, data_start=START), z=2.0, window=28)
    assert against_data.get_column("bucket").min() == datetime(2026, 8, 1)
    assert not against_data.get_column("flagged").any()
    assert against_data.get_column("baseline").head(14).null_count() == 14


# --- year on year and the month's topic -------------------------------------------------------


def test_year_on_year_is_empty_without_data_a_year_earlier(three: Dataset) -> None:
    result = trends.year_on_year(three.issues, OCTOBER, T, three.settings, data_start=START)
    assert result.rows(named=True) == [
        {
            "group": None,
            "then": None,
            "now": 40,
            "change": None,
            "change_pct": None,
            "period_then": "2025-10",
            "period_now": "2026-10",
        }
    ]
    assert not trends.year_earlier_has_data(OCTOBER, START)
    # Data from January 2025 would cover October 2025: its 0 is then a real 0.
    covered = trends.year_on_year(three.issues, OCTOBER, T, three.settings, data_start=datetime(2025, 1, 1))
    assert covered.select("then", "now", "change").row(0) == (0, 40, 40)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_year_on_year_chart_without_data_a_year_earlier(three: Dataset, lang: Any) -> None:
    frame = trends.year_on_year(three.issues, OCTOBER, T, three.settings, data_start=START)
    fig = trend_charts.yoy_chart(frame, lang)
    assert [trace.name for trace in fig.data] == [t("trends.yoy_now", lang, period="2026-10")]
    assert list(fig.data[0].customdata) == [t("trends.yoy_change_none", lang)]


def test_no_topic_of_the_month_against_a_month_before_the_data(three: Dataset) -> None:
    assert trends.hot_topic(three.issues, AUGUST, T, three.settings, data_start=START) is None
    assert not trends.previous_has_data(AUGUST, START) and trends.previous_has_data(SEPTEMBER, START)
    # Against July's nothing, all 40 August issues would be a rise.
    assert trends.hot_topic(three.issues, AUGUST, T, three.settings) == HotTopic(
        category="环境卫生", now=40, before=0, rise=40, rise_pct=None, period="2026-08", previous="2026-07"
    )


# --- the overview -----------------------------------------------------------------------------


def test_no_change_against_the_period_before_the_data(three: Dataset) -> None:
    first = Selection(period=AUGUST)
    kpis = {k.key: k for k in overview.headline(overview.scope_totals(three, first), first, three)}
    assert all(k.previous is None and k.delta("en") is None for k in kpis.values())
    # The sparkline leaves out the eleven months before August.
    assert kpis["issue_count"].trend == (40,) and kpis["resolution_rate"].trend == (0.875,)
    second = Selection(period=SEPTEMBER)
    kpis = {k.key: k for k in overview.headline(overview.scope_totals(three, second), second, three)}
    assert (kpis["issue_count"].previous, kpis["issue_count"].delta("en")) == (40, "+0")
    assert (kpis["resolution_rate"].previous, kpis["resolution_rate"].delta("en")) == (0.875, "+7.5 pp")


def test_the_overview_trend_leaves_out_months_before_the_data(three: Dataset) -> None:
    selection = Selection(period=OCTOBER)
    totals = overview.scope_totals(three, selection)
    gaps = dict(totals.select("period", "before_data").iter_rows())
    assert [key for key, gap in gaps.items() if not gap] == ["2026-10", "2026-09", "2026-08"]
    trend = overview.rate_trend(totals, selection, ("resolution_rate",))
    assert trend.select("period", "value").rows() == [
        ("2026-08", 0.875),
        ("2026-09", 0.95),
        ("2026-10", 0.975),
    ]


# --- the closed loop --------------------------------------------------------------------------


def test_closed_loop_months_before_the_data_are_gaps_and_streaks_stop_there(three: Dataset) -> None:
    series = closed_loop.monthly_series(three, Selection(period=OCTOBER), "community", months=4)
    july = series.filter(pl.col("period") == "2026-07")
    assert july.get_column("before_data").to_list() == [True, True]
    assert july.get_column("issue_count").to_list() == [None, None]  # not 0
    assert july.get_column("resolution_rate__den").to_list() == [None, None]
    rates = {
        name: rows.sort("period").get_column("resolution_rate").to_list()
        for (name,), rows in series.group_by("community_name")
    }
    assert rates == {"东湖社区": [None, 0.95, 0.95, 0.95], "西岭社区": [None, 0.8, 0.95, 1.0]}
    target = three.settings.target
    assert {name: closed_loop.streak(values, target) for name, values in rates.items()} == {
        "东湖社区": 3,
        "西岭社区": 2,
    }


# --- emerging hot spots -----------------------------------------------------------------------


def _jump(three: Dataset) -> pl.DataFrame:
    """One issue in G1 in August and in September, then 20 in October."""
    times = [datetime(2026, 8, 5, 9), datetime(2026, 9, 5, 9)] + [
        datetime(2026, 10, 1 + i, 9) for i in range(20)
    ]
    return pl.DataFrame(
        {
            "issue_id": [f"j{i}" for i in range(len(times))],
            "reported_at": times,
            "grid_code": [G1] * len(times),
            "category": ["环境卫生"] * len(times),
            "status": ["closed"] * len(times),
        }
    )


def test_a_two_month_history_flags_no_emerging_hot_spot(three: Dataset) -> None:
    issues, units = _jump(three), three.units
    assert heat.history_months(OCTOBER, START) == 2
    judged = heat.emerging(issues, units, OCTOBER, data_start=START)
    g1 = judged.filter(pl.col("grid_code") == G1).row(0, named=True)
    assert g1["flagged"] and g1["expected"] == pytest.approx(2 * 31 / 61)
    short = heat.emerging(issues, units, OCTOBER, data_start=START, min_history_months=6)
    assert not short.get_column("flagged").any()
    assert short.get_column("p_value").null_count() == short.height == 4
    assert short.get_column("expected").null_count() == 4
    # With data from April, six whole months come before October: the grid is judged again.
    long = heat.emerging(issues, units, OCTOBER, data_start=datetime(2026, 4, 1), min_history_months=6)
    assert heat.history_months(OCTOBER, datetime(2026, 4, 1)) == 6
    assert long.filter(pl.col("flagged")).get_column("grid_code").to_list() == [G1]
    assert long.row(0, named=True)["expected"] == pytest.approx(2 * 31 / 183)


def test_whole_months_of_history() -> None:
    assert heat.history_months(OCTOBER, datetime(2026, 8, 2)) == 1  # August is not whole
    assert heat.history_months(OCTOBER, datetime(2026, 10, 1)) == 0
    assert heat.history_months(OCTOBER, datetime(2026, 12, 1)) == 0
    assert heat.history_months(OCTOBER, datetime(2025, 10, 1)) == 12


# --- the cut-off basis ------------------------------------------------------------------------


def _late_root(root: Path) -> Path:
    """The three months, plus one August issue in G1 that was closed on 15 October (after August's cut-off)."""
    write_grids(root)
    plan = [(G1, "2026-08", 19, 1), (G1, "2026-09", 19, 1), (G3, "2026-08", 16, 4), (G3, "2026-09", 19, 1)]
    issues: list[dict[str, str]] = []
    for grid, month, done, open_ in plan:
        issues += month_issues(grid, month, done, open_, len(issues))
    late = {
        "issue_id": "late",
        "reported_at": "2026-08-20 09:00:00",
        "category": "环境卫生",
        "grid_code": G1,
        "status": "closed",
        "accepted_at": "2026-08-20 10:00:00",
        "resolved_at": "2026-10-15 09:00:00",
        "due_at": "2026-08-25 09:00:00",
        "resolved_level": "grid",
    }
    write_issues_csv(root, [*issues, late])
    return root


@pytest.mark.parametrize("as_of", [datetime(2026, 9, 10), datetime(2026, 10, 20), datetime(2026, 12, 31)])
def test_a_past_month_on_the_cut_off_basis_never_changes(tmp_path: Path, as_of: datetime) -> None:
    dataset = load_dataset(_late_root(tmp_path / "late"))
    args = (dataset.issues, START, datetime(2026, 10, 1), "month", as_of, dataset.settings)
    august = trends.series(*args, metric="resolution_rate", basis="cutoff").row(0, named=True)
    # Measured on 6 September (the end of August + 5 grace days): the late issue was still open.
    assert (august["numerator"], august["denominator"]) == (35, 41)
    live = trends.series(*args, metric="resolution_rate", basis="live").row(0, named=True)
    assert live["numerator"] == (36 if as_of >= datetime(2026, 10, 15, 9) else 35)


@pytest.mark.parametrize("basis", ["live", "cutoff"])
@pytest.mark.parametrize("rated", [True, False])
def test_series_numbers_are_the_registry_s_per_bucket(tiny: Path, basis: Any, rated: bool) -> None:
    """Each bucket of a series is the registry's number for that month at the same point in time
    (the series flags every issue at its own bucket's cut-off in one pass); without any rating in the
    data, the satisfaction rate is empty, never 0."""
    dataset = load_dataset(tiny)
    issues = dataset.issues
    if not rated:
        issues = issues.with_columns(pl.lit(None, dtype=pl.String).alias("satisfaction"))
    months = [parse_period(m) for m in ("2026-09", "2026-10", "2026-11")]
    as_of = datetime(2026, 10, 20)  # October still running; September provisional until 6 October
    registry = compute_groups(
        issues.with_columns(pl.col("category").alias("group")),
        ["group"],
        months,
        as_of,
        dataset.settings,
        basis,
    )
    for key in keys_for("series"):
        spec = METRICS[key]
        frame = trends.series(
            issues,
            months[0].start,
            months[-1].end,
            "month",
            as_of,
            dataset.settings,
            "category",
            key,
            basis=basis,
        ).with_columns(pl.col("bucket").dt.strftime("%Y-%m").alias("period"))
        wanted = [pl.col(key).cast(pl.Float64).alias("value")]
        if spec.kind != "median":
            wanted.append(pl.col(spec.num_column).cast(pl.Int64).alias("numerator"))
        expected = registry.select("period", "group", *wanted)
        got = expected.select("period", "group").join(frame, on=["period", "group"], how="left")
        assert_frame_equal(got.select(expected.columns), expected, check_exact=False)
