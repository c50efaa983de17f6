"""The lifecycle analysis on hand-built data, with the expected values written out.

The tiny data root (tests/builders.py), period 2026-10 and T = 2026-11-20: S is i01-i04,
i06, i08-i10 (i05 is invalid, i07 was reported in September). Small frames built here
cover the stage rules and the age boundaries the tiny data does not reach.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from dashboard.closed_loop import lifecycle_charts
from dashboard.closed_loop.lifecycle import (
    AGE_BUCKETS,
    FUNNEL_ROWS,
    TimelineEvent,
    ageing,
    ageing_summary,
    finish_hours_by_category,
    finish_hours_summary,
    funnel,
    level_mix,
    rework_returns,
    timeline,
)
from dashboard.core import schema
from dashboard.core.loading import Dataset, load_dataset
from dashboard.core.periods import parse_period
from dashboard.i18n import Lang
from tests.builders import C1, C2, G1, G2, G3

T = datetime(2026, 11, 20)
OCTOBER = parse_period("2026-10")
H = timedelta(hours=1)
D = timedelta(days=1)


@pytest.fixture
def dataset(tiny: Path) -> Dataset:
    return load_dataset(tiny)


def _frame(dataset: Dataset, rows: list[dict[str, Any]]) -> pl.DataFrame:
    """Issues with the loaded data's columns; unlisted values are empty (rework 0, not urgent)."""
    defaults: dict[str, Any] = {
        "rework_count": 0,
        "urgent": False,
        "located_by_point": False,
        "due_from_limit": False,
    }
    records = [{c: row.get(c, defaults.get(c)) for c in dataset.issues.columns} for row in rows]
    return pl.DataFrame(records, schema=dataset.issues.schema)


def _funnel_frame(rows: list[tuple[str, int, float | None, float | None]]) -> pl.DataFrame:
    return pl.DataFrame(
        rows,
        schema={"stage": pl.String, "count": pl.Int64, "share": pl.Float64, "median_hours": pl.Float64},
        orient="row",
    )


# --- funnel --------------------------------------------------------------------------------


def test_funnel_counts_shares_and_medians_on_the_tiny_data(dataset: Dataset) -> None:
    result = funnel(dataset.issues, OCTOBER, T, dataset.settings)
    expected = _funnel_frame(
        [
            ("reported", 8, 1.0, None),
            # All but i09; accepted after 1, 26, 1, 2, 0.5, 0.5, 1 hours: median 1 h.
            ("accepted", 7, 7 / 8, 1.0),
            # i06 only: dispatched half an hour after it was accepted.
            ("dispatched", 1, 1 / 8, 0.5),
            # i01, i02, i03 (in progress), i06, i08; no clock for the start of handling.
            ("in_progress", 5, 5 / 8, None),
            # i01 5 h after acceptance, i02 94 h, i06 71 h after dispatch, i08 2.5 h: median 38 h.
            ("resolved", 4, 4 / 8, 38.0),
            # i01 closed 18 h after it was resolved, i06 24 h: median 21 h.
            ("closed", 2, 2 / 8, 21.0),
            ("rated", 4, 4 / 8, None),
            # i02 was sent back once.
            ("returned", 1, 1 / 8, None),
        ]
    )
    assert_frame_equal(result, expected)


def test_funnel_reads_stages_from_status_when_timestamps_are_missing(dataset: Dataset) -> None:
    r = datetime(2026, 10, 5, 8)
    issues = _frame(
        dataset,
        [
            # Resolved by the street with no accepted_at or dispatched_at: accepted and dispatched.
            {"issue_id": "f1", "reported_at": r, "status": "resolved", "resolved_at": r + 10 * H,
             "resolved_level": "street", "due_at": r + 5 * D},
            # Status dispatched, dispatched_at empty: dispatched, not yet handled.
            {"issue_id": "f2", "reported_at": r, "status": "dispatched", "accepted_at": r + 2 * H,
             "due_at": r + 5 * D},
            # Being reworked with a rework count of 0: handled and returned.
            {"issue_id": "f3", "reported_at": r, "status": "returned", "accepted_at": r + 3 * H,
             "due_at": r + 5 * D},
            # Status still reported, but accepted_at set: accepted.
            {"issue_id": "f4", "reported_at": r, "status": "reported", "accepted_at": r + 4 * H,
             "due_at": r + 5 * D},
            # Closed with only closed_at: resolved and closed; no resolved_at, so no closing clock.
            {"issue_id": "f5", "reported_at": r, "status": "closed", "closed_at": r + 20 * H,
             "resolved_level": "grid", "due_at": r + 5 * D},
            # Deferred after dispatch: accepted and dispatched, never handled.
            {"issue_id": "f6", "reported_at": r, "status": "deferred", "accepted_at": r + 1 * H,
             "dispatched_at": r + 6 * H, "due_at": r + 5 * D},
        ],
    )  # fmt: skip
    result = funnel(issues, OCTOBER, T, dataset.settings)
    expected = _funnel_frame(
        [
            ("reported", 6, 1.0, None),
            ("accepted", 6, 1.0, 2.5),  # accepted after 2, 3, 4, 1 hours
            ("dispatched", 3, 3 / 6, 5.0),  # f1, f2, f6; only f6 has both times
            ("in_progress", 3, 3 / 6, None),  # f1, f3, f5
            ("resolved", 2, 2 / 6, 15.0),  # f1 10 h and f5 20 h from their report
            ("closed", 1, 1 / 6, None),
            ("rated", 0, 0.0, None),
            ("returned", 1, 1 / 6, None),
        ]
    )
    assert_frame_equal(result, expected)


def test_funnel_of_an_empty_period_has_zero_counts_and_empty_shares(dataset: Dataset) -> None:
    result = funnel(dataset.issues, parse_period("2025-01"), T, dataset.settings)
    assert result.get_column("stage").to_list() == list(FUNNEL_ROWS)
    assert result.get_column("count").to_list() == [0] * len(FUNNEL_ROWS)
    assert result.get_column("share").null_count() == len(FUNNEL_ROWS)
    assert result.get_column("median_hours").null_count() == len(FUNNEL_ROWS)


def test_rework_returns_counts_issues_and_times_sent_back(dataset: Dataset) -> None:
    r = datetime(2026, 10, 5, 8)
    extra = _frame(
        dataset,
        [
            {"issue_id": "r1", "reported_at": r, "status": "returned", "due_at": r + D},
            {"issue_id": "r2", "reported_at": r, "status": "returned", "rework_count": 2, "due_at": r + D},
            {"issue_id": "r3", "reported_at": r, "status": "closed", "rework_count": 3,
             "resolved_at": r + H, "closed_at": r + 2 * H, "due_at": r + D},
        ],
    )  # fmt: skip
    issues = pl.concat([dataset.issues, extra])
    result = rework_returns(issues, OCTOBER, T, dataset.settings)
    # i02 (once, resolved), r1 (returned now, count 0: once), r2 (twice, now), r3 (three times, closed).
    expected = pl.DataFrame(
        {"reworked": [4], "returned_now": [2], "returns": [1 + 1 + 2 + 3], "reworked_finished": [2]}
    )
    assert_frame_equal(result, expected)


def test_lifecycle_functions_do_not_change_their_input(dataset: Dataset) -> None:
    before = dataset.issues.clone()
    funnel(dataset.issues, OCTOBER, T, dataset.settings)
    level_mix(dataset.issues, OCTOBER, T, dataset.settings)
    finish_hours_by_category(dataset.issues, OCTOBER, T, dataset.settings)
    ageing_summary(ageing(dataset.issues, T, dataset.settings))
    timeline(dataset.issues, "i06")
    assert_frame_equal(dataset.issues, before)


# --- level mix -----------------------------------------------------------------------------


def test_level_mix_per_community_in_long_format(dataset: Dataset) -> None:
    result = level_mix(dataset.issues, OCTOBER, T, dataset.settings)
    third = 1 / 3
    expected = pl.DataFrame(
        [
            # East Lake: i01 in the grid, i02 by the community, i06 by a department (G2 is in C1).
            (C1, "东湖社区", "grid", 1, 3, third),
            (C1, "东湖社区", "community", 1, 3, third),
            (C1, "东湖社区", "street", 0, 3, 0.0),
            (C1, "东湖社区", "department", 1, 3, third),
            (C1, "东湖社区", "unknown", 0, 3, 0.0),
            # West Ridge: i08, located by its point, solved in the grid.
            (C2, "西岭社区", "grid", 1, 1, 1.0),
            (C2, "西岭社区", "community", 0, 1, 0.0),
            (C2, "西岭社区", "street", 0, 1, 0.0),
            (C2, "西岭社区", "department", 0, 1, 0.0),
            (C2, "西岭社区", "unknown", 0, 1, 0.0),
        ],
        schema={
            "community_code": pl.String,
            "community_name": pl.String,
            "level": pl.String,
            "count": pl.Int64,
            "total": pl.Int64,
            "share": pl.Float64,
        },
        orient="row",
    )
    assert_frame_equal(result, expected)


def test_level_mix_by_grid_counts_missing_levels_as_unknown_and_outside_last(dataset: Dataset) -> None:
    r = datetime(2026, 10, 5, 8)
    extra = _frame(
        dataset,
        [
            {"issue_id": "x1", "reported_at": r, "grid_code": G3, "status": "closed",
             "resolved_at": r + H, "closed_at": r + 2 * H, "due_at": r + D},
            {"issue_id": "x2", "reported_at": r, "status": "resolved", "resolved_at": r + H,
             "resolved_level": "street", "due_at": r + D},
        ],
    )  # fmt: skip
    extra = extra.with_columns(
        pl.when(pl.col("grid_code") == G3).then(pl.lit(C2)).otherwise(None).alias("community_code"),
        pl.when(pl.col("grid_code") == G3).then(pl.lit("三网格")).otherwise(None).alias("grid_name"),
    )
    result = level_mix(pl.concat([dataset.issues, extra]), OCTOBER, T, dataset.settings, by="grid_code")
    shares = {
        (code, level): (count, share)
        for code, level, count, share in result.select("grid_code", "level", "count", "share").iter_rows()
    }
    assert shares[(G1, "grid")] == (1, 0.5)
    assert shares[(G2, "department")] == (1, 1.0)
    assert shares[(G3, "grid")] == (1, 0.5)
    assert shares[(G3, "unknown")] == (1, 0.5)
    assert shares[(None, "street")] == (1, 1.0)
    assert result.get_column("grid_code").to_list()[-5:] == [None] * 5
    assert result.height == 4 * 5


def test_level_mix_rejects_an_unknown_unit(dataset: Dataset) -> None:
    with pytest.raises(ValueError, match="community_code"):
        level_mix(dataset.issues, OCTOBER, T, dataset.settings, by="community")


# --- time to finish ------------------------------------------------------------------------


def test_finish_hours_by_category_lists_every_finished_issue(dataset: Dataset) -> None:
    result = finish_hours_by_category(dataset.issues, OCTOBER, T, dataset.settings)
    expected = pl.DataFrame(
        [
            ("i06", "公共设施维修", 72.0),
            ("i02", "噪音扰民", 120.0),
            ("i08", "环境卫生", 3.0),
            ("i01", "环境卫生", 6.0),
        ],
        schema={"issue_id": pl.String, "category": pl.String, "hours_to_finish": pl.Float64},
        orient="row",
    )
    assert_frame_equal(result, expected)


def test_finish_hours_summary_is_sorted_slowest_first(dataset: Dataset) -> None:
    hours = finish_hours_by_category(dataset.issues, OCTOBER, T, dataset.settings)
    expected = pl.DataFrame(
        [
            ("噪音扰民", 1, 120.0, 120.0),
            ("公共设施维修", 1, 72.0, 72.0),
            # 3 h and 6 h: the median halfway, the 90th percentile at 3 + 0.9 × 3.
            ("环境卫生", 2, 4.5, 5.7),
        ],
        schema={
            "category": pl.String,
            "count": pl.Int64,
            "median_hours": pl.Float64,
            "p90_hours": pl.Float64,
        },
        orient="row",
    )
    assert_frame_equal(finish_hours_summary(hours), expected)


# --- ageing --------------------------------------------------------------------------------


def test_ageing_on_the_tiny_data(dataset: Dataset) -> None:
    result = ageing(dataset.issues, T, dataset.settings)
    expected = pl.DataFrame(
        [
            # i03: in progress since 10 Oct 10:00, due 12 Oct 10:00.
            ("i03", C1, G1, "in_progress", 40 + 14 / 24, "30+", True, 38 + 14 / 24),
            # i09: outside every grid, reported 21 Oct 09:00, due a day later.
            ("i09", None, None, "reported", 29 + 15 / 24, "7-30", True, 28 + 15 / 24),
            # i10: due 1 December: not overdue.
            ("i10", C2, G3, "accepted", 25 + 15 / 24, "7-30", False, 0.0),
        ],
        schema={
            "issue_id": pl.String,
            "community_code": pl.String,
            "grid_code": pl.String,
            "status": pl.String,
            "age_days": pl.Float64,
            "age_bucket": pl.String,
            "overdue": pl.Boolean,
            "days_overdue": pl.Float64,
        },
        orient="row",
    )
    assert_frame_equal(result.select(expected.columns), expected)


def _boundary_issues(dataset: Dataset) -> pl.DataFrame:
    person = {"reporter_name": "张三丰", "reporter_phone": "13812345678"}
    return _frame(
        dataset,
        [
            {"issue_id": "a00", "reported_at": T, "status": "reported", "due_at": T + D, **person},
            {"issue_id": "a03m", "reported_at": T - 3 * D + timedelta(seconds=1), "status": "accepted",
             "due_at": T + D, **person},
            # Due exactly now: not overdue yet.
            {"issue_id": "a03", "reported_at": T - 3 * D, "status": "dispatched", "due_at": T, **person},
            {"issue_id": "a07", "reported_at": T - 7 * D, "status": "in_progress",
             "due_at": T - timedelta(hours=12), **person},
            {"issue_id": "a30", "reported_at": T - 30 * D, "status": "returned", "due_at": T - 2 * D,
             **person},
            # Not open: reported after T, or finished, deferred or invalid.
            {"issue_id": "later", "reported_at": T + H, "status": "reported", "due_at": T + D},
            *(
                {"issue_id": status, "reported_at": T - 40 * D, "status": status, "due_at": T - 39 * D}
                for status in ("resolved", "closed", "deferred", "invalid")
            ),
        ],
    )  # fmt: skip


def test_ageing_buckets_at_their_boundaries_and_overdue_flags(dataset: Dataset) -> None:
    result = ageing(_boundary_issues(dataset), T, dataset.settings)
    expected = pl.DataFrame(
        [
            ("a30", 30.0, "30+", True, 2.0),
            ("a07", 7.0, "7-30", True, 0.5),
            ("a03", 3.0, "3-7", False, 0.0),  # exactly 3 days: 3-7
            ("a03m", 3.0 - 1 / 86_400, "0-3", False, 0.0),
            ("a00", 0.0, "0-3", False, 0.0),
        ],
        schema={
            "issue_id": pl.String,
            "age_days": pl.Float64,
            "age_bucket": pl.String,
            "overdue": pl.Boolean,
            "days_overdue": pl.Float64,
        },
        orient="row",
    )
    assert_frame_equal(result.select(expected.columns), expected)


def test_ageing_leaves_out_personal_data(dataset: Dataset) -> None:
    result = ageing(_boundary_issues(dataset), T, dataset.settings)
    assert result.height == 5
    assert not set(schema.PERSONAL_COLUMNS) & set(result.columns)
    values = {str(v) for column in result.iter_columns() for v in column.to_list()}
    assert "张三丰" not in values
    assert "13812345678" not in values


def test_ageing_summary_fills_every_bucket_per_community(dataset: Dataset) -> None:
    summary = ageing_summary(ageing(dataset.issues, T, dataset.settings))
    expected = pl.DataFrame(
        [
            (C1, "东湖社区", "0-3", 0, 0),
            (C1, "东湖社区", "3-7", 0, 0),
            (C1, "东湖社区", "7-30", 0, 0),
            (C1, "东湖社区", "30+", 1, 1),
            (C2, "西岭社区", "0-3", 0, 0),
            (C2, "西岭社区", "3-7", 0, 0),
            (C2, "西岭社区", "7-30", 1, 0),
            (C2, "西岭社区", "30+", 0, 0),
            (None, None, "0-3", 0, 0),
            (None, None, "3-7", 0, 0),
            (None, None, "7-30", 1, 1),
            (None, None, "30+", 0, 0),
        ],
        schema={
            "community_code": pl.String,
            "community_name": pl.String,
            "age_bucket": pl.String,
            "count": pl.Int64,
            "overdue": pl.Int64,
        },
        orient="row",
    )
    assert_frame_equal(summary, expected)


def test_ageing_summary_by_street(dataset: Dataset) -> None:
    summary = ageing_summary(ageing(_boundary_issues(dataset), T, dataset.settings), by="street_code")
    assert summary.get_column("age_bucket").to_list() == list(AGE_BUCKETS)
    assert summary.get_column("count").to_list() == [2, 1, 1, 1]
    assert summary.get_column("overdue").to_list() == [0, 0, 1, 1]


# --- timeline ------------------------------------------------------------------------------


def test_timeline_of_a_dispatched_issue(dataset: Dataset) -> None:
    assert timeline(dataset.issues, "i06") == [
        TimelineEvent("reported", datetime(2026, 10, 15, 10), "hotline"),
        TimelineEvent("accepted", datetime(2026, 10, 15, 10, 30)),
        TimelineEvent("dispatched", datetime(2026, 10, 15, 11), "住建"),
        TimelineEvent("resolved", datetime(2026, 10, 18, 10), "department"),
        TimelineEvent("closed", datetime(2026, 10, 19, 10)),
        TimelineEvent("rated", None, "unsatisfied"),
    ]


def test_timeline_notes_rework_and_open_states(dataset: Dataset) -> None:
    assert timeline(dataset.issues, "i02") == [
        TimelineEvent("reported", datetime(2026, 10, 5, 8), "hotline"),
        TimelineEvent("accepted", datetime(2026, 10, 6, 10)),
        TimelineEvent("returned", None, "1"),
        TimelineEvent("resolved", datetime(2026, 10, 10, 8), "community"),
        TimelineEvent("rated", None, "basically_satisfied"),
    ]
    assert [e.stage for e in timeline(dataset.issues, "i03")] == ["reported", "accepted", "in_progress"]
    assert [e.stage for e in timeline(dataset.issues, "i04")] == ["reported", "accepted", "deferred"]
    assert timeline(dataset.issues, "i09") == [
        TimelineEvent("reported", datetime(2026, 10, 21, 9), "hotline")
    ]


def test_timeline_is_in_time_order_even_when_the_data_is_not(dataset: Dataset) -> None:
    r = datetime(2026, 10, 5, 8)
    issues = _frame(
        dataset,
        [
            # Dispatched (to the street) before the acceptance was typed in; closed_at empty.
            {"issue_id": "t1", "reported_at": r, "status": "closed", "accepted_at": r + 3 * H,
             "dispatched_at": r + 2 * H, "resolved_at": r + 9 * H, "resolved_level": "street",
             "rework_count": 2, "satisfaction": "satisfied", "due_at": r + D},
        ],
    )  # fmt: skip
    assert timeline(issues, "t1") == [
        TimelineEvent("reported", r, ""),
        TimelineEvent("dispatched", r + 2 * H, "street"),
        TimelineEvent("accepted", r + 3 * H),
        TimelineEvent("returned", None, "2"),
        TimelineEvent("resolved", r + 9 * H, "street"),
        TimelineEvent("closed", None),
        TimelineEvent("rated", None, "satisfied"),
    ]


def test_timeline_of_an_unknown_issue_names_it(dataset: Dataset) -> None:
    with pytest.raises(KeyError, match="no-such-issue"):
        timeline(dataset.issues, "no-such-issue")


# --- charts --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "labels", "second_text"),
    [
        ("zh", ["上报", "受理", "派遣", "处置", "办结", "结案", "回访评价", "返工"], "7（87.5%） · 中位 1.0 小时"),
        (
            "en",
            ["Reported", "Accepted", "Dispatched", "Handling", "Resolved", "Closed", "Rated by resident",
             "Sent back for rework"],
            "7 (87.5%) · median 1.0 h",
        ),
    ],
)  # fmt: skip
def test_funnel_chart_shows_counts_shares_and_medians(
    dataset: Dataset, lang: Lang, labels: list[str], second_text: str
) -> None:
    fig = lifecycle_charts.funnel_chart(funnel(dataset.issues, OCTOBER, T, dataset.settings), lang)
    (bar,) = fig.data
    assert list(bar.y) == labels
    assert list(bar.x) == [8, 7, 1, 5, 4, 2, 4, 1]
    assert bar.text[1] == second_text
    assert bar.text[0] in ("8（100.0%）", "8 (100.0%)")
    colors = list(bar.marker.color)
    assert colors[2] == lifecycle_charts.BRANCH_COLOR
    assert colors[7] == lifecycle_charts.RETURNED_COLOR
    assert set(colors[:2] + colors[3:7]) == {lifecycle_charts.STAGE_COLOR}
    assert fig.layout.yaxis.autorange == "reversed"


def test_funnel_chart_hover_explains_the_clock(dataset: Dataset) -> None:
    fig = lifecycle_charts.funnel_chart(funnel(dataset.issues, OCTOBER, T, dataset.settings), "zh")
    hover = fig.data[0].hovertext
    assert "用时中位数：38.0 小时（从派遣到办结，未派遣的从受理算起）" in hover[4]
    assert "分支环节" in hover[2]
    assert "占本期诉求：12.5%" in hover[7]
    en = lifecycle_charts.funnel_chart(funnel(dataset.issues, OCTOBER, T, dataset.settings), "en")
    assert "Median time: 21.0 h (from resolution to closing)" in en.data[0].hovertext[5]


@pytest.mark.parametrize(
    ("lang", "names", "hover"),
    [
        ("zh", ["网格", "社区", "街道", "部门", "未填层级"], "东湖社区<br>网格：1 / 3 件（33.3%）"),
        ("en", ["Grid", "Community", "Street", "Department", "Level not recorded"], None),
    ],
)
def test_level_mix_chart_stacks_levels_in_their_colours(
    dataset: Dataset, lang: Lang, names: list[str], hover: str | None
) -> None:
    mix = level_mix(dataset.issues, OCTOBER, T, dataset.settings)
    fig = lifecycle_charts.level_mix_chart(mix, lang)
    assert [trace.name for trace in fig.data] == names
    assert [trace.marker.color for trace in fig.data] == [
        "#1a9850",
        "#91cf60",
        "#fdae61",
        "#f46d43",
        "#bdbdbd",
    ]
    grid = fig.data[0]
    # West Ridge (all in the grid) above East Lake (a third).
    assert list(grid.y) == ["西岭社区", "东湖社区"]
    assert list(grid.x) == pytest.approx([1.0, 1 / 3])
    assert list(fig.data[3].x) == pytest.approx([0.0, 1 / 3])
    assert fig.layout.barmode == "stack"
    if hover:
        assert grid.hovertext[1] == hover


def test_level_mix_chart_puts_issues_outside_every_grid_last(dataset: Dataset) -> None:
    r = datetime(2026, 10, 5, 8)
    outside = _frame(
        dataset,
        [{"issue_id": "o1", "reported_at": r, "status": "resolved", "resolved_at": r + H,
          "resolved_level": "grid", "due_at": r + D}],
    )  # fmt: skip
    mix = level_mix(pl.concat([dataset.issues, outside]), OCTOBER, T, dataset.settings)
    fig = lifecycle_charts.level_mix_chart(mix, "en")
    assert list(fig.data[0].y) == ["西岭社区", "东湖社区", "Outside every grid"]
    assert list(fig.data[0].x) == pytest.approx([1.0, 1 / 3, 1.0])


def test_finish_time_chart_boxes_translated_categories_on_a_log_axis(dataset: Dataset) -> None:
    hours = finish_hours_by_category(dataset.issues, OCTOBER, T, dataset.settings)
    fig = lifecycle_charts.finish_time_chart(hours, "en")
    boxes = [trace for trace in fig.data if trace.type == "box"]
    assert [box.name for box in boxes] == ["Noise", "Public facility repair", "Sanitation"]
    assert [list(box.y) for box in boxes] == [[120.0], [72.0], [3.0, 6.0]]
    (medians,) = [trace for trace in fig.data if trace.type == "scatter"]
    assert medians.name == "Median"
    assert list(medians.y) == [120.0, 72.0, 4.5]
    assert medians.hovertext[2] == "Sanitation<br>median 4.5 h; 90% resolved within 5.7 h<br>2 issues"
    assert fig.layout.yaxis.type == "log"
    zh = lifecycle_charts.finish_time_chart(hours, "zh")
    assert [trace.name for trace in zh.data] == ["噪音扰民", "公共设施维修", "环境卫生", "中位数"]
    assert zh.layout.yaxis.title.text == "办结用时（小时，对数坐标）"


@pytest.mark.parametrize(
    ("lang", "names", "outside", "overdue"),
    [
        ("zh", ["0–3 天", "3–7 天", "7–30 天", "30 天以上", "超期"], "不在网格内", "超期 1"),
        ("en", ["0–3 days", "3–7 days", "7–30 days", "30 days or more", "Overdue"], "Outside every grid", "1 overdue"),
    ],
)  # fmt: skip
def test_ageing_chart_stacks_buckets_and_marks_overdue(
    dataset: Dataset, lang: Lang, names: list[str], outside: str, overdue: str
) -> None:
    summary = ageing_summary(ageing(dataset.issues, T, dataset.settings))
    fig = lifecycle_charts.ageing_chart(summary, lang)
    assert [trace.name for trace in fig.data] == names
    units = ["东湖社区", "西岭社区", outside]
    assert all(list(trace.y) == units for trace in fig.data[:4])
    assert [list(trace.x) for trace in fig.data[:4]] == [[0, 0, 0], [0, 0, 0], [0, 1, 1], [1, 0, 0]]
    assert [trace.marker.color for trace in fig.data[:4]] == list(lifecycle_charts.BUCKET_COLORS.values())
    marks = fig.data[4]
    assert list(marks.y) == ["东湖社区", outside]
    assert list(marks.x) == [1, 1]
    assert list(marks.text) == [overdue, overdue]
    assert marks.textfont.color == lifecycle_charts.OVERDUE_COLOR


@pytest.mark.parametrize(
    ("issue_id", "lang", "details"),
    [
        ("i06", "zh", ["12345热线", "", "住建", "部门", "", "不满意"]),
        ("i06", "en", ["12345 hotline", "", "Housing & construction", "Department", "", "Unsatisfied"]),
        ("i02", "zh", ["12345热线", "", "返工 1 次", "社区", "基本满意"]),
    ],
)
def test_event_detail_translates_each_kind_of_detail(
    dataset: Dataset, issue_id: str, lang: Lang, details: list[str]
) -> None:
    events = timeline(dataset.issues, issue_id)
    assert [lifecycle_charts.event_detail(e, lang) for e in events] == details


def test_charts_of_an_empty_period_draw_nothing(dataset: Dataset) -> None:
    january = parse_period("2025-01")
    settings = dataset.settings
    fig = lifecycle_charts.funnel_chart(funnel(dataset.issues, january, T, settings), "zh")
    assert list(fig.data[0].x) == [0] * len(FUNNEL_ROWS)
    mix = lifecycle_charts.level_mix_chart(level_mix(dataset.issues, january, T, settings), "zh")
    assert all(len(trace.x) == 0 for trace in mix.data)
    hours = lifecycle_charts.finish_time_chart(
        finish_hours_by_category(dataset.issues, january, T, settings), "zh"
    )
    assert [trace.type for trace in hours.data] == ["scatter"]
    assert len(hours.data[0].y) == 0
    empty = ageing(dataset.issues, datetime(2026, 9, 1), settings)
    assert empty.height == 0
    aged = lifecycle_charts.ageing_chart(ageing_summary(empty), "zh")
    assert all(len(trace.x) == 0 for trace in aged.data)
