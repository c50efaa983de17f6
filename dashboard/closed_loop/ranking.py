"""The closed loop's numbers: monthly league tables, red and black lists, streaks, shortfalls,
departments, grid workers and the composite score.

Everything is computed from the metric registry (:mod:`dashboard.metrics`); this module only
ranks, compares and attributes. Inputs are never mutated.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import polars as pl

from dashboard.core.loading import Dataset
from dashboard.core.periods import Period, trailing_months
from dashboard.core.selection import Selection
from dashboard.core.settings import Settings
from dashboard.core.span import before_data, data_start
from dashboard.metrics import (
    METRICS,
    OUTSIDE,
    PERIOD,
    TARGET_METRIC,
    Unit,
    compute_groups,
    compute_series,
    grade_expr,
    in_period,
    issue_flags,
    unit_columns,
)

RATE = TARGET_METRIC


def league_unit(dataset: Dataset) -> Unit:
    """Streets are ranked when the data holds several (a district); otherwise communities."""
    return "street" if dataset.units.get_column("street_code").n_unique() > 1 else "community"


def league_units(dataset: Dataset) -> list[Unit]:
    """The units a league can rank, the default first: streets (in a district), communities, grids."""
    units: list[Unit] = ["community", "grid"]
    return ["street", *units] if league_unit(dataset) == "street" else units


def streak(values: Sequence[float | None], target: float) -> int:
    """Consecutive periods at or above ``target``, counted back from the last one.

    An empty value (no issues, or a month before the data start: a gap) ends the streak, so
    a streak never counts months the data does not cover.

    >>> streak([0.95, 0.85, 0.91, 0.93], 0.9)
    2
    >>> streak([0.95, None], 0.9)
    0
    >>> streak([None, None, 0.95, 0.92], 0.9)
    2
    """
    count = 0
    for value in reversed(values):
        if value is None or value < target:
            break
        count += 1
    return count


def monthly_series(dataset: Dataset, selection: Selection, by: Unit, months: int = 24) -> pl.DataFrame:
    """Every metric per unit for each of the trailing ``months`` ending with the selected period.

    Months that lie wholly before the data start are gaps: every metric there is null (not 0),
    and ``before_data`` is true.
    """
    periods = trailing_months(selection.period, months)
    frame = compute_series(
        selection.issues(dataset),
        selection.units(dataset),
        by,
        periods,
        dataset.as_of,
        dataset.settings,
        selection.basis,
    )
    start = data_start(dataset)
    gaps = [p.key() for p in periods if before_data(p, start)]
    gap = pl.col(PERIOD).is_in(gaps)
    numbers = [c for c in frame.columns if c in METRICS or c.endswith(("__num", "__den"))]
    return frame.filter(~pl.col(OUTSIDE)).with_columns(
        *(pl.when(gap).then(None).otherwise(pl.col(c)).alias(c) for c in numbers),
        gap.alias("before_data"),
    )


def _ranked(frame: pl.DataFrame) -> pl.DataFrame:
    """Rank by resolution rate within each period (ties share a rank; empty rates have none)."""
    return frame.with_columns(
        pl.col(RATE).rank(method="min", descending=True).over(PERIOD).cast(pl.Int64).alias("rank")
    )


def league(dataset: Dataset, selection: Selection, by: Unit, months: int = 24) -> pl.DataFrame:
    """The league table of the selected period with rank, change of rank since the previous month,
    grade against target, the streak of months at or above target, and the composite score.

    Best first; units without issues last. ``rank_change`` > 0 means the unit climbed.
    """
    code, _name = unit_columns(by)
    series = _ranked(monthly_series(dataset, selection, by, months))
    current_key = selection.period.key()
    current = (
        compute_series(
            selection.issues(dataset),
            selection.units(dataset),
            by,
            [selection.period],
            dataset.as_of,
            dataset.settings,
            selection.basis,
        )
        .filter(~pl.col(OUTSIDE))
        .pipe(_ranked)
    )
    previous_key = selection.period.previous().key()
    previous = series.filter(pl.col(PERIOD) == previous_key).select(
        code, pl.col("rank").alias("previous_rank")
    )
    streaks = {
        unit: streak(rows.sort(PERIOD).get_column(RATE).to_list(), dataset.settings.target)
        for (unit,), rows in series.filter(pl.col(PERIOD) <= current_key).group_by(code)
    }
    spec = METRICS[RATE]
    table = current.join(previous, on=code, how="left").with_columns(
        (pl.col("previous_rank") - pl.col("rank")).alias("rank_change"),
        pl.col(code).replace_strict(streaks, default=0, return_dtype=pl.Int64).alias("streak"),
        grade_expr(RATE, spec, dataset.settings).alias("grade"),
    )
    table = with_score(table, dataset.settings)
    return table.sort(["rank", "issue_count", code], descending=[False, True, False], nulls_last=True)


@dataclass(frozen=True)
class RedBlack:
    """The red and black lists: the best and the worst units of a period (small samples left out)."""

    red: pl.DataFrame
    black: pl.DataFrame
    left_out: int


def red_black(table: pl.DataFrame, n: int = 5) -> RedBlack:
    """Top ``n`` (the red list) and bottom ``n`` (the black list) by resolution rate.

    Units with a small sample or no rate are left out, so a grid with two issues cannot
    top or sink a list; a unit is never on both lists (the black list takes what is left).
    """
    eligible = table.filter(~pl.col("small_sample") & pl.col(RATE).is_not_null())
    ordered = eligible.sort(["rank", "issue_count"], descending=[False, True])
    red = ordered.head(n)
    rest = ordered.slice(red.height)
    black = rest.sort(["rank", "issue_count"], descending=[True, True]).head(n)
    return RedBlack(red=red, black=black, left_out=table.height - eligible.height)


def with_score(frame: pl.DataFrame, settings: Settings) -> pl.DataFrame:
    """Add ``score``: the weighted 100-point assessment of :data:`Settings.score_weights`.

    score = Σ weight × rate, with a lower-is-better rate (the rework rate) counted as
    (1 − rate). The score is null ("—") when any weighted component is null (its inputs
    are absent, such as no ratings, or nothing to measure, such as no finished issue),
    and for a unit without issues: a missing part is never counted as 0, and the weights
    are not rescaled over the parts present. The number is never shown without its parts.

    >>> from dashboard.core.settings import default_settings
    >>> frame = pl.DataFrame(
    ...     {"issue_count": [4, 4], "resolution_rate": [0.5, 1.0], "on_time_rate": [0.5, 1.0],
    ...      "satisfaction_rate": [1.0, None], "rework_rate": [0.0, 0.0]}
    ... )
    >>> with_score(frame, default_settings()).get_column("score").to_list()
    [70.0, None]
    """
    parts = []
    for key, weight in settings.score_weights.items():
        value = 1 - pl.col(key) if not METRICS[key].higher_is_better else pl.col(key)
        parts.append(value * weight)
    if not parts:
        return frame.with_columns(pl.lit(None, dtype=pl.Float64).alias("score"))
    empty = pl.any_horizontal(pl.col(key).is_null() for key in settings.score_weights)
    if "issue_count" in frame.columns:
        empty = empty | (pl.col("issue_count").fill_null(0) == 0)
    score = pl.when(empty).then(None).otherwise(pl.sum_horizontal(parts))
    return frame.with_columns(score.cast(pl.Float64).alias("score"))


def shortfall(
    issues: pl.DataFrame,
    period: Period,
    key: str,
    dataset: Dataset,
    codes: Sequence[str] = (),
    as_of: datetime | None = None,
) -> pl.DataFrame:
    """What pulls a unit below target, by ``key`` (``category`` or ``grid_code``).

    With E issues that count (|S| − deferred) and F finished, the shortfall is
    target × E − F (issues that would have to be finished to reach target). It splits
    exactly over the groups: each group contributes (E_g − F_g) − (1 − target) × E_g,
    its unfinished issues beyond what the target tolerates. Positive = pulls down.
    ``codes`` limits the issues to those communities; ``as_of`` is the point in time (the data's by default).
    """
    target = dataset.settings.target
    flagged = in_period(issue_flags(issues, as_of or dataset.as_of, dataset.settings), period)
    if codes:
        flagged = flagged.filter(pl.col("community_code").is_in(list(codes)))
    names = [pl.col("grid_name").first()] if key == "grid_code" else []
    grouped = flagged.group_by(key).agg(
        pl.col("not_deferred").sum().cast(pl.Int64).alias("eligible"),
        pl.col("finished").sum().cast(pl.Int64).alias("finished"),
        *names,
    )
    contribution = (pl.col("eligible") - pl.col("finished")) - (1 - target) * pl.col("eligible")
    return grouped.with_columns(
        (pl.col("eligible") - pl.col("finished")).alias("unfinished"),
        pl.when(pl.col("eligible") > 0).then(pl.col("finished") / pl.col("eligible")).alias(RATE),
        contribution.round(6).alias("contribution"),
    ).sort(["contribution", key], descending=[True, False], nulls_last=True)


def total_shortfall(contributions: pl.DataFrame) -> float:
    """The issues that would have to be finished to reach target (≤ 0: on target)."""
    value = contributions.get_column("contribution").sum()
    return float(value) if value is not None and not math.isnan(value) else 0.0


def departments(dataset: Dataset, selection: Selection) -> pl.DataFrame:
    """Per department, the period's dispatched issues and how they were handled, best on-time first."""
    issues = selection.issues(dataset).filter(pl.col("department").is_not_null())
    frame = compute_groups(
        issues, ["department"], [selection.period], dataset.as_of, dataset.settings, selection.basis
    )
    return (
        frame.drop(PERIOD)
        .with_columns(pl.col("on_time_rate").rank(method="min", descending=True).cast(pl.Int64).alias("rank"))
        .sort(["rank", "issue_count", "department"], descending=[False, True, False], nulls_last=True)
    )


def grid_workers(dataset: Dataset, selection: Selection) -> pl.DataFrame:
    """Per grid worker: issues found on patrol per week, and how much of the grid's work stays in the grid.

    A worker looking after several grids gets one row per grid (the grid is the unit that is judged).
    """
    weeks = max((selection.period.end - selection.period.start).days / 7, 1 / 7)
    units = selection.units(dataset)
    flagged = in_period(
        issue_flags(selection.issues(dataset), selection.as_of(dataset), dataset.settings), selection.period
    )
    patrol = flagged.group_by("grid_code").agg(
        (pl.col("source") == "grid_patrol").sum().cast(pl.Int64).alias("patrol_issues"),
    )
    metrics = compute_groups(
        selection.issues(dataset),
        ["grid_code"],
        [selection.period],
        dataset.as_of,
        dataset.settings,
        selection.basis,
    ).drop(PERIOD)
    worker = units.select(
        "grid_code",
        "grid_name",
        "community_name",
        (pl.col("grid_worker") if "grid_worker" in units.columns else pl.lit(None, dtype=pl.String)).alias(
            "grid_worker"
        ),
    )
    return (
        worker.join(patrol, on="grid_code", how="left")
        .join(
            metrics.select("grid_code", "issue_count", "grid_level_share", RATE), on="grid_code", how="left"
        )
        .with_columns(
            pl.col("patrol_issues").fill_null(0),
            pl.col("issue_count").fill_null(0),
            (pl.col("patrol_issues").fill_null(0) / weeks).alias("patrol_per_week"),
        )
        .sort(["patrol_per_week", "grid_code"], descending=[True, False])
    )


def filter_open(
    ageing: pl.DataFrame, buckets: Sequence[str] = (), overdue_only: bool = False
) -> pl.DataFrame:
    """The open-issue list narrowed to some age buckets and/or to overdue issues."""
    if buckets:
        ageing = ageing.filter(pl.col("age_bucket").is_in(list(buckets)))
    if overdue_only:
        ageing = ageing.filter(pl.col("overdue"))
    return ageing
