"""Trends on hand-built data, with the expected values written out.

The tiny data root (tests/builders.py), T = 2026-11-20: S of October 2026 is i01-i04, i06,
i08-i10 (i05 is invalid, i07 was reported on 30 September). Small frames built here with the
loaded data's columns cover year on year, seasons, the month's topic and spikes.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from dashboard import trends
from dashboard.core.loading import Dataset, load_dataset
from dashboard.core.periods import parse_period
from dashboard.core.settings import default_settings
from dashboard.i18n import Lang
from dashboard.trends import HotTopic
from dashboard.trends import charts as trend_charts
from tests.builders import G1

T = datetime(2026, 11, 20)
OCTOBER = parse_period("2026-10")
SETTINGS = default_settings()


@pytest.fixture
def dataset(tiny: Path) -> Dataset:
    return load_dataset(tiny)


def _frame(dataset: Dataset, rows: list[dict[str, Any]]) -> pl.DataFrame:
    """Issues with the loaded data's columns; unlisted values are empty (accepted in G1, rework 0)."""
    defaults: dict[str, Any] = {
        "status": "accepted",
        "grid_code": G1,
        "rework_count": 0,
        "urgent": False,
        "located_by_point": False,
        "due_from_limit": False,
    }
    records = [{c: row.get(c, defaults.get(c)) for c in dataset.issues.columns} for row in rows]
    return pl.DataFrame(records, schema=dataset.issues.schema)


def _many(category: str, month: str, n: int, status: str = "accepted") -> list[dict[str, Any]]:
    """``n`` issues of one category reported in ``month`` (``2026-10``), one a day from the 1st."""
    year, mon = (int(part) for part in month.split("-"))
    return [
        {
            "issue_id": f"{category}-{month}-{status}-{i}",
            "reported_at": datetime(year, mon, 1 + i % 28, 9),
            "category": category,
            "status": status,
        }
        for i in range(n)
    ]


def _series_frame(
    counts: dict[str | None, list[int]], start: datetime = datetime(2026, 1, 1)
) -> pl.DataFrame:
    """A daily issue_count series as :func:`trends.series` returns it (only what anomalies reads)."""
    rows = [
        {"bucket": start + timedelta(days=i), "group": group, "metric": "issue_count", "value": float(v)}
        for group, values in counts.items()
        for i, v in enumerate(values)
    ]
    return pl.DataFrame(
        rows,
        schema={"bucket": pl.Datetime("us"), "group": pl.String, "metric": pl.String, "value": pl.Float64},
    )


def _expected_series(rows: list[tuple[Any, ...]], metric: str) -> pl.DataFrame:
    columns = ["bucket", "group", "value", "numerator", "denominator", "ma", "partial"]
    frame = pl.DataFrame(
        rows,
        schema={c: trends.SERIES_SCHEMA[c] for c in columns},
        orient="row",
    )
    return frame.with_columns(pl.lit(metric).alias("metric")).select(list(trends.SERIES_SCHEMA))


# --- series --------------------------------------------------------------------------------


def test_weekly_counts_start_on_monday_and_fill_empty_weeks(dataset: Dataset) -> None:
    result = trends.series(
        dataset.issues, OCTOBER.start, OCTOBER.end, "week", T, dataset.settings, ma_window=2
    )
    d = datetime
    expected = _expected_series(
        [
            # Week of Monday 28 Sept: only from 1 October (i01, Fri 2 Oct): cut by the start.
            (d(2026, 9, 28), None, 1.0, 1, None, None, True),
            (d(2026, 10, 5), None, 3.0, 3, None, 2.0, False),  # i02, i03, i04 (i05 invalid)
            (d(2026, 10, 12), None, 1.0, 1, None, 2.0, False),  # i06
            (d(2026, 10, 19), None, 3.0, 3, None, 2.0, False),  # i08, i09, i10
            (d(2026, 10, 26), None, 0.0, 0, None, 1.5, True),  # no issues; runs into November
        ],
        "issue_count",
    )
    assert_frame_equal(result, expected)


def test_monthly_resolution_rate_per_community_pools_the_moving_average(dataset: Dataset) -> None:
    result = trends.series(
        dataset.issues,
        datetime(2026, 9, 1),
        datetime(2026, 12, 1),
        "month",
        T,
        dataset.settings,
        by="community_name",
        metric="resolution_rate",
        ma_window=2,
    )
    d = datetime
    expected = _expected_series(
        [
            # 东湖 (G1, G2): September i07 closed 1/1; October i01, i02, i06 finished of
            # i01-i03, i06 (i04 deferred): 3/4; November has no issues: null rate, 0/0.
            (d(2026, 9, 1), "东湖社区", 1.0, 1, 1, None, False),
            (d(2026, 10, 1), "东湖社区", 0.75, 3, 4, 0.8, False),  # (1 + 3) / (1 + 4)
            (d(2026, 11, 1), "东湖社区", None, 0, 0, 0.75, True),  # November runs past T
            # 西岭 (G3): i08 resolved, i10 accepted.
            (d(2026, 9, 1), "西岭社区", None, 0, 0, None, False),
            (d(2026, 10, 1), "西岭社区", 0.5, 1, 2, 0.5, False),
            (d(2026, 11, 1), "西岭社区", None, 0, 0, 0.5, True),
            # Outside every grid (no community): i09, never accepted.
            (d(2026, 9, 1), None, None, 0, 0, None, False),
            (d(2026, 10, 1), None, 0.0, 0, 1, 0.0, False),
            (d(2026, 11, 1), None, None, 0, 0, 0.0, True),
        ],
        "resolution_rate",
    )
    assert_frame_equal(result, expected)


def test_monthly_median_hours_to_finish(dataset: Dataset) -> None:
    result = trends.series(dataset.issues, OCTOBER.start, OCTOBER.end, "month", T, dataset.settings)
    assert result.get_column("value").to_list() == [8.0]
    medians = trends.series(
        dataset.issues,
        OCTOBER.start,
        OCTOBER.end,
        "month",
        T,
        dataset.settings,
        metric="median_hours_to_finish",
    )
    # Finished in October: i08 after 3 h, i01 6 h, i06 72 h, i02 120 h: median (6 + 72) / 2.
    assert medians.select("value", "numerator", "denominator").row(0) == (39.0, None, None)


def test_daily_series_default_moving_average_and_the_future_left_out(dataset: Dataset) -> None:
    noon = T + timedelta(hours=12)
    result = trends.series(
        dataset.issues, datetime(2026, 10, 1), datetime(2026, 12, 31), "day", noon, dataset.settings
    )
    # 1 Oct … 20 Nov: the days after the data's time are not shown as zeros; 20 Nov is under way.
    assert result.height == 51
    assert result.get_column("value").sum() == 8  # S of October; nothing in November
    # The 7-day average on 8 October: i01 (2 Oct) and i02 (5 Oct) over 2-8 October.
    assert result.filter(pl.col("bucket") == datetime(2026, 10, 8)).get_column("ma").item() == 2 / 7
    assert result.get_column("ma").head(6).is_null().all()
    assert result.filter(pl.col("partial")).get_column("bucket").to_list() == [datetime(2026, 11, 20)]


def test_series_does_not_change_its_input_and_rejects_bad_arguments(dataset: Dataset) -> None:
    before = dataset.issues.clone()
    trends.series(dataset.issues, OCTOBER.start, OCTOBER.end, "day", T, dataset.settings, by="category")
    assert_frame_equal(dataset.issues, before)
    with pytest.raises(ValueError, match="issues_per_1000"):
        trends.series(
            dataset.issues, OCTOBER.start, OCTOBER.end, "day", T, SETTINGS, metric="issues_per_1000"
        )
    with pytest.raises(ValueError, match="freq"):
        trends.series(dataset.issues, OCTOBER.start, OCTOBER.end, "hour", T, SETTINGS)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="no such column"):
        trends.series(dataset.issues, OCTOBER.start, OCTOBER.end, "day", T, SETTINGS, by="colour")
    with pytest.raises(ValueError, match="before it starts"):
        trends.series(dataset.issues, OCTOBER.end, OCTOBER.start, "day", T, SETTINGS)


# --- year on year --------------------------------------------------------------------------


def _yoy_issues(dataset: Dataset) -> pl.DataFrame:
    return _frame(
        dataset,
        _many("环境卫生", "2025-10", 2)
        + _many("环境卫生", "2026-10", 5)
        + _many("停车管理", "2025-10", 3)
        + _many("停车管理", "2026-10", 1)
        + _many("噪音扰民", "2026-10", 2)
        + _many("噪音扰民", "2026-10", 4, status="invalid")  # not in S
        + _many("噪音扰民", "2026-09", 6),  # neither period
    )


def test_year_on_year_per_category(dataset: Dataset) -> None:
    result = trends.year_on_year(_yoy_issues(dataset), OCTOBER, T, SETTINGS, by="category")
    expected = pl.DataFrame(
        {
            "group": ["环境卫生", "噪音扰民", "停车管理"],
            "then": [2, 0, 3],
            "now": [5, 2, 1],
            "change": [3, 2, -2],
            "change_pct": [1.5, None, -2 / 3],  # new from 0: no percentage
            "period_then": ["2025-10"] * 3,
            "period_now": ["2026-10"] * 3,
        },
        schema_overrides={"then": pl.Int64, "now": pl.Int64, "change": pl.Int64},
    )
    assert_frame_equal(result, expected)


def test_year_on_year_without_groups_and_for_a_date_range(dataset: Dataset) -> None:
    issues = _yoy_issues(dataset)
    total = trends.year_on_year(issues, OCTOBER, T, SETTINGS)
    assert total.select("group", "then", "now", "change", "change_pct").row(0) == (None, 5, 8, 3, 0.6)
    # 1-3 October, issues one a day from the 1st: then 2 + 3, now 3 + 1 + 2.
    days = trends.year_on_year(issues, parse_period("2026-10-01..2026-10-03"), T, SETTINGS)
    assert days.select("then", "now", "period_then").row(0) == (5, 6, "2025-10-01..2025-10-03")
    assert trends.year_earlier(parse_period("2028-02-29..2028-03-01")).key() == "2027-02-28..2027-03-01"


# --- weekday × hour ------------------------------------------------------------------------


def test_weekday_hour_counts_every_cell(dataset: Dataset) -> None:
    result = trends.weekday_hour(dataset.issues, OCTOBER)
    assert result.height == 168
    assert result.select("weekday", "hour").rows() == [(d, h) for d in range(7) for h in range(24)]
    nonzero = {(d, h): n for d, h, n in result.filter(pl.col("count") > 0).rows()}
    assert nonzero == {
        (0, 8): 1,  # i02, Monday 5 Oct 08:00 (i05, Monday 12 Oct, is invalid)
        (1, 9): 1,  # i08, Tuesday 20 Oct
        (2, 9): 1,  # i09, Wednesday 21 Oct
        (3, 10): 1,  # i06, Thursday 15 Oct
        (4, 9): 1,  # i01, Friday 2 Oct
        (5, 10): 1,  # i03, Saturday 10 Oct
        (6, 9): 1,  # i10, Sunday 25 Oct
        (6, 10): 1,  # i04, Sunday 11 Oct
    }


# --- seasonality ---------------------------------------------------------------------------


def _season_issues(dataset: Dataset) -> pl.DataFrame:
    return _frame(
        dataset,
        _many("环境卫生", "2025-01", 2)
        + _many("环境卫生", "2025-02", 1)
        + _many("环境卫生", "2026-01", 4)
        + _many("停车管理", "2026-02", 3)
        + _many("停车管理", "2026-03", 5),  # March 2026 is still running at as_of: left out
    )


def test_seasonality_means_complete_months_only(dataset: Dataset) -> None:
    result = trends.seasonality(_season_issues(dataset), datetime(2026, 3, 15), SETTINGS)
    # January 2025 … February 2026: January and February twice, every other month once (with 0).
    expected = pl.DataFrame(
        {
            "group": [None] * 12,
            "month": list(range(1, 13)),
            "mean": [3.0, 2.0] + [0.0] * 10,
            "years": [2, 2] + [1] * 10,
            "total": [6, 4] + [0] * 10,
        },
        schema={
            "group": pl.String,
            "month": pl.Int64,
            "mean": pl.Float64,
            "years": pl.Int64,
            "total": pl.Int64,
        },
    )
    assert_frame_equal(result, expected)


def test_seasonality_per_category(dataset: Dataset) -> None:
    result = trends.seasonality(_season_issues(dataset), datetime(2026, 3, 15), SETTINGS, by="category")
    assert result.height == 24
    firsts = result.filter(pl.col("month") <= 2).select("group", "month", "mean", "years").rows()
    assert firsts == [
        ("停车管理", 1, 0.0, 2),
        ("停车管理", 2, 1.5, 2),
        ("环境卫生", 1, 3.0, 2),
        ("环境卫生", 2, 0.5, 2),
    ]


# --- top categories and the month's topic --------------------------------------------------


def test_top_categories_on_the_tiny_data(dataset: Dataset) -> None:
    result = trends.top_categories(dataset.issues, OCTOBER, n=3)
    expected = pl.DataFrame(
        # 环境卫生: i01, i08; then one issue each, ties by name (停 < 公 < 其 in code points).
        {
            "category": ["环境卫生", "停车管理", "公共设施维修"],
            "count": [2, 1, 1],
            "share": [2 / 8, 1 / 8, 1 / 8],
        },
        schema_overrides={"count": pl.Int64},
    )
    assert_frame_equal(result, expected)


def _hot_issues(dataset: Dataset) -> pl.DataFrame:
    return _frame(
        dataset,
        _many("环境卫生", "2026-09", 20)
        + _many("环境卫生", "2026-10", 26)  # +6
        + _many("停车管理", "2026-09", 5)
        + _many("停车管理", "2026-10", 14)  # +9: rose most
        + _many("噪音扰民", "2026-09", 1)
        + _many("噪音扰民", "2026-10", 3)  # +2 (+200%), too few issues
        + _many("噪音扰民", "2026-10", 30, status="invalid")  # not in S
        + _many("物业管理", "2026-09", 30)
        + _many("物业管理", "2026-10", 12)  # fell
        + _many("邻里纠纷", "2026-10", 9),  # new, but fewer than 10
    )


def test_the_hot_topic_is_the_category_that_rose_most(dataset: Dataset) -> None:
    hot = trends.hot_topic(_hot_issues(dataset), OCTOBER, T, SETTINGS)
    assert hot == HotTopic(
        "停车管理", now=14, before=5, rise=9, rise_pct=1.8, period="2026-10", previous="2026-09"
    )


def test_hot_topic_ties_go_to_the_larger_relative_rise_and_small_jumps_do_not_win(dataset: Dataset) -> None:
    tie = _frame(
        dataset,
        _many("环境卫生", "2026-09", 10)
        + _many("环境卫生", "2026-10", 19)  # +9, +90%
        + _many("停车管理", "2026-09", 5)
        + _many("停车管理", "2026-10", 14),  # +9, +180%
    )
    hot = trends.hot_topic(tie, OCTOBER, T, SETTINGS)
    assert hot is not None and hot.category == "停车管理"

    small = _frame(
        dataset,
        _many("环境卫生", "2026-09", 20)
        + _many("环境卫生", "2026-10", 22)  # +2
        + _many("噪音扰民", "2026-09", 1)
        + _many("噪音扰民", "2026-10", 4),  # +3 but only 4 issues
    )
    assert trends.hot_topic(small, OCTOBER, T, SETTINGS) == HotTopic(
        "环境卫生", 22, 20, 2, 0.1, "2026-10", "2026-09"
    )
    loose = trends.hot_topic(small, OCTOBER, T, SETTINGS, min_count=1)
    assert loose is not None and loose.category == "噪音扰民"


def test_no_hot_topic_when_nothing_rose(dataset: Dataset) -> None:
    fell = _frame(dataset, _many("环境卫生", "2026-09", 20) + _many("环境卫生", "2026-10", 12))
    assert trends.hot_topic(fell, OCTOBER, T, SETTINGS) is None
    new = trends.hot_topic(_frame(dataset, _many("违章搭建", "2026-10", 10)), OCTOBER, T, SETTINGS)
    assert new == HotTopic("违章搭建", 10, 0, 10, None, "2026-10", "2026-09")


# --- anomalies -----------------------------------------------------------------------------


def test_anomaly_baseline_and_threshold_by_hand() -> None:
    frame = _series_frame({"a": [4, 4, 4, 4, 13, 4], "b": [0, 0, 0, 0, 5, 7]})
    result = trends.anomalies(frame, z=3.0, window=4)
    d = [datetime(2026, 1, 1) + timedelta(days=i) for i in range(6)]
    expected = pl.DataFrame(
        {
            "bucket": d + d,
            "group": ["a"] * 6 + ["b"] * 6,
            "count": [4, 4, 4, 4, 13, 4, 0, 0, 0, 0, 5, 7],
            # Half a window (2 buckets) of history is needed before there is a baseline.
            "baseline": [None, None, 4.0, 4.0, 4.0, 4.0, None, None, 0.0, 0.0, 0.0, 0.0],
            # a: (√4 + 3 × 0.5)² with the Poisson spread 0.5 (the MAD is 0);
            # b: the level is at least 1, so a quiet series needs more than 6.25 issues.
            "threshold": [None, None, 12.25, 12.25, 12.25, 12.25, None, None, 6.25, 6.25, 6.25, 6.25],
            "flagged": [False, False, False, False, True, False] + [False] * 5 + [True],
        },
        schema_overrides={"bucket": pl.Datetime("us")},
    )
    assert_frame_equal(result, expected)


def test_anomaly_spread_follows_a_noisy_history() -> None:
    # Before the 40, roots 3, 1, 3, 1: median 2, MAD 1, spread 1.4826: threshold (2 + 3 × 1.4826)² ≈ 41.6.
    result = trends.anomalies(_series_frame({None: [9, 1, 9, 1, 9, 1, 40]}), window=4)
    assert result.get_column("threshold").item(6) == pytest.approx((2 + 3 * 1.4826) ** 2)
    assert not result.get_column("flagged").any()


def _poisson(seed: int, mean: float, days: int) -> list[int]:
    return [int(v) for v in np.random.default_rng(seed).poisson(mean, days)]


def test_a_planted_spike_is_flagged_and_nothing_else() -> None:
    quiet, busy = _poisson(7, 5.0, 365), _poisson(8, 40.0, 365)
    busy[200] = 80  # twice the usual volume, one day
    result = trends.anomalies(_series_frame({"quiet": quiet, "busy": busy}))
    flagged = result.filter(pl.col("flagged")).select("bucket", "group", "count").rows()
    assert flagged == [(datetime(2026, 1, 1) + timedelta(days=200), "busy", 80)]


@pytest.mark.parametrize("mean", [0.3, 3.0, 20.0, 140.0])
def test_a_flat_poisson_series_has_no_spikes(mean: float) -> None:
    result = trends.anomalies(_series_frame({None: _poisson(20261021, mean, 365)}))
    assert result.height == 365
    assert not result.get_column("flagged").any()


def test_pure_noise_flags_about_one_bucket_in_a_thousand() -> None:
    # z = 3 is a one-sided 3-sigma test: a year of daily noise has a chance flag now and then
    # (measured: about 1 per 1000 buckets at 20 issues a day), which is why the seeded series
    # above are one year each. Here 50 years of noise stay under 3 in 1000.
    flagged = sum(
        int(trends.anomalies(_series_frame({None: _poisson(seed, 20.0, 365)})).get_column("flagged").sum())
        for seed in range(50)
    )
    assert flagged < 0.003 * 50 * 365


def test_anomalies_need_a_count_series(dataset: Dataset) -> None:
    rates = trends.series(
        dataset.issues, OCTOBER.start, OCTOBER.end, "day", T, SETTINGS, metric="response_rate"
    )
    with pytest.raises(ValueError, match="count series"):
        trends.anomalies(rates)


# --- charts --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "first", "ma", "spike"),
    [
        ("zh", "环境卫生", "环境卫生 · 移动平均", "异常峰值"),
        ("en", "Sanitation", "Sanitation · moving average", "Spike"),
    ],
)
def test_trend_chart_lines_moving_averages_and_spikes(
    dataset: Dataset, lang: Lang, first: str, ma: str, spike: str
) -> None:
    frame = trends.series(
        dataset.issues, OCTOBER.start, OCTOBER.end, "week", T, SETTINGS, by="category", ma_window=2
    )
    # Mark 环境卫生's two weeks with an issue as spikes (too few buckets for real ones).
    spikes = trends.anomalies(frame, window=2).with_columns(
        ((pl.col("group") == "环境卫生") & (pl.col("count") > 0)).alias("flagged")
    )
    fig = trend_charts.trend_chart(frame, lang, "issue_count", anomalies=spikes, by="category")
    # Groups sorted by name: 停车管理 first … 环境卫生 (i01 in the week of 28 Sept, i08 of 19 Oct).
    names = [trace.name for trace in fig.data]
    assert names[-1] == spike and first in names and ma in names
    line = next(tr for tr in fig.data if tr.name == first)
    assert list(line.y) == [1.0, 0.0, 0.0, 1.0, 0.0]
    dashed = next(tr for tr in fig.data if tr.name == ma)
    assert dashed.line.dash == "dash" and dashed.line.color == line.line.color
    assert dashed.showlegend is False  # many groups: the dashed twins stay out of the legend
    red = fig.data[-1]
    assert red.marker.color == trend_charts.ANOMALY_COLOR
    assert list(red.x) == [datetime(2026, 9, 28), datetime(2026, 10, 19)]


def test_trend_chart_of_a_rate_shows_numerator_and_denominator(dataset: Dataset) -> None:
    frame = trends.series(
        dataset.issues,
        datetime(2026, 9, 1),
        datetime(2026, 11, 1),
        "month",
        T,
        SETTINGS,
        metric="resolution_rate",
    )
    fig = trend_charts.trend_chart(frame, "en", "resolution_rate")
    assert [tr.name for tr in fig.data] == ["Resolution rate", "Resolution rate · moving average"]
    # September: i07 1/1; October: i01, i02, i06, i08 finished of 7 (i04 deferred).
    assert [tuple(c[:2]) for c in fig.data[0].customdata] == [(1, 1), (4, 7)]
    assert "%{customdata[0]} / %{customdata[1]}" in fig.data[0].hovertemplate
    assert fig.layout.yaxis.tickformat == ".0%"


@pytest.mark.parametrize(
    ("lang", "then", "now", "names"),
    [
        ("zh", "去年同期（2025-10）", "本期（2026-10）", ["环境卫生", "噪音扰民", "停车管理"]),
        (
            "en",
            "Same period last year (2025-10)",
            "This period (2026-10)",
            ["Sanitation", "Noise", "Parking"],
        ),
    ],
)
def test_yoy_chart_bars_then_and_now(
    dataset: Dataset, lang: Lang, then: str, now: str, names: list[str]
) -> None:
    frame = trends.year_on_year(_yoy_issues(dataset), OCTOBER, T, SETTINGS, by="category")
    fig = trend_charts.yoy_chart(frame, lang, by="category")
    assert [tr.name for tr in fig.data] == [then, now]
    assert list(fig.data[0].x) == names
    assert list(fig.data[0].y) == [2, 0, 3] and list(fig.data[1].y) == [5, 2, 1]
    assert fig.data[1].marker.color == trend_charts.NOW_COLOR
    assert fig.layout.barmode == "group"


@pytest.mark.parametrize(
    ("lang", "days"),
    [
        ("zh", ["周一", "周二", "周三", "周四", "周五", "周六", "周日"]),
        ("en", ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]),
    ],
)
def test_weekday_hour_chart_heat_table(dataset: Dataset, lang: Lang, days: list[str]) -> None:
    fig = trend_charts.weekday_hour_chart(trends.weekday_hour(dataset.issues, OCTOBER), lang)
    heat = fig.data[0]
    assert list(heat.y) == days
    z = [list(row) for row in heat.z]
    assert len(z) == 7 and all(len(row) == 24 for row in z)
    assert sum(map(sum, z)) == 8
    assert z[0][8] == 1 and z[6][9] == 1 and z[6][10] == 1 and z[0][10] == 0  # i05 (Mon 10:00) is invalid
    assert fig.layout.yaxis.autorange == "reversed"  # Monday on top


def test_seasonality_chart_months_from_the_catalogs(dataset: Dataset) -> None:
    frame = trends.seasonality(_season_issues(dataset), datetime(2026, 3, 15), SETTINGS, by="category")
    zh = trend_charts.seasonality_chart(frame, "zh", by="category")
    en = trend_charts.seasonality_chart(frame, "en", by="category")
    assert [tr.name for tr in zh.data] == ["停车管理", "环境卫生"]
    assert [tr.name for tr in en.data] == ["Parking", "Sanitation"]
    assert list(zh.layout.xaxis.ticktext[:2]) == ["1月", "2月"] and en.layout.xaxis.ticktext[11] == "Dec"
    assert list(zh.data[1].y[:3]) == [3.0, 0.5, 0.0]


@pytest.mark.parametrize(("lang", "hot_name"), [("zh", "停车管理"), ("en", "Parking")])
def test_top_categories_chart_highlights_the_hot_topic(dataset: Dataset, lang: Lang, hot_name: str) -> None:
    issues = _hot_issues(dataset)
    hot = trends.hot_topic(issues, OCTOBER, T, SETTINGS)
    fig = trend_charts.top_categories_chart(trends.top_categories(issues, OCTOBER), lang, hot)
    bars = fig.data[0]
    # Largest on top: plotly draws the first bar at the bottom.
    assert list(bars.x) == [3, 9, 12, 14, 26]
    colors = dict(zip(bars.y, bars.marker.color, strict=True))
    assert colors[hot_name] == trend_charts.HOT_COLOR
    assert list(bars.marker.color).count(trend_charts.BAR_COLOR) == 4
    marker = "每月一题" if lang == "zh" else "Topic of the month"
    assert list(bars.text).count(f"14 · {marker}") == 1


def test_hot_topic_text_in_both_languages(dataset: Dataset) -> None:
    hot = HotTopic("停车管理", 14, 5, 9, 1.8, "2026-10", "2026-09")
    assert trend_charts.hot_topic_title(hot, "zh") == "每月一题：停车管理"
    assert trend_charts.hot_topic_text(hot, "zh") == (
        "2026-10 停车管理诉求 14 件，较上期（2026-09）的 5 件增加 9 件（+180.0%）。"
    )
    assert trend_charts.hot_topic_text(hot, "en") == (
        "2026-10: 14 Parking issues, 9 more than the 5 of the previous period (2026-09), +180.0%."
    )
    assert trend_charts.hot_topic_text(None, "en") == "No category rose clearly this period."


def test_group_labels() -> None:
    assert trend_charts.group_label(None, "community_name", "zh") == "不在网格内"
    assert trend_charts.group_label("hotline", "source", "en") == "12345 hotline"
    assert trend_charts.group_label("环境卫生", "category", "en") == "Sanitation"
    assert trend_charts.group_label("东湖社区", "community_name", "en") == "东湖社区"
    assert trend_charts.group_label(None, None, "en") == "All issues"
