"""The registry's issue metrics computed with Polars (docs/domain.md, "Metrics"), for units, periods and groups.

For a unit U and period P, S is the issues of U reported in P whose status is
not ``invalid``. A rate whose denominator is 0 is null, never 0 and never NaN.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import polars as pl

from dashboard.core import schema
from dashboard.core.periods import Period
from dashboard.core.settings import Settings
from dashboard.metrics.registry import OUTSIDE, PARENT_COLUMNS, PERIOD, REGISTRY, Unit, unit_columns

# --- per-issue flags -----------------------------------------------------------


def issue_flags(issues: pl.DataFrame, as_of: datetime, settings: Settings) -> pl.DataFrame:
    """Boolean flags per issue that the registry sums. Invalid issues are dropped (not in S)."""
    finished = pl.col("status").is_in(schema.FINISHED_STATUSES)
    deferred = pl.col("status") == "deferred"
    finish_at = pl.min_horizontal("resolved_at", "closed_at")
    limit_us = int(settings.response_limit_hours * 3600 * 1_000_000)
    response = (pl.col("accepted_at") - pl.col("reported_at")).dt.total_microseconds()
    level = pl.col("resolved_level")
    hours = (finish_at - pl.col("reported_at")).dt.total_seconds(fractional=True) / 3600
    return issues.filter(pl.col("status") != "invalid").with_columns(
        pl.lit(True).alias("in_s"),
        finished.alias("finished"),
        (~deferred).alias("not_deferred"),
        (finished & (finish_at <= pl.col("due_at"))).fill_null(False).alias("on_time"),
        (response <= limit_us).fill_null(False).alias("responded"),
        pl.col("satisfaction").is_not_null().alias("rated"),
        pl.col("satisfaction")
        .is_in(["satisfied", "basically_satisfied"])
        .fill_null(False)
        .alias("satisfied"),
        (finished & (pl.col("rework_count") >= 1)).fill_null(False).alias("reworked"),
        (finished & (level == "grid")).fill_null(False).alias("grid_level"),
        (finished & level.is_in(["grid", "community"])).fill_null(False).alias("community_level"),
        (~finished & ~deferred & (pl.col("due_at") < as_of)).fill_null(False).alias("overdue_open"),
        pl.when(finished).then(hours).otherwise(None).alias("hours_to_finish"),
        finish_at.alias("finish_at"),
    )


def in_period(issues: pl.DataFrame, period: Period) -> pl.DataFrame:
    return issues.filter((pl.col("reported_at") >= period.start) & (pl.col("reported_at") < period.end))


# --- aggregation -----------------------------------------------------------------


def _aggregations() -> list[pl.Expr]:
    exprs: list[pl.Expr] = []
    for spec in REGISTRY:
        if spec.kind == "median":
            exprs.append(pl.col(spec.numerator).median().alias(spec.key))
        elif spec.kind == "per_1000":
            continue  # from issue_count and population after the join
        else:
            exprs.append(pl.col(spec.numerator).sum().cast(pl.Int64).alias(spec.num_column))
            if spec.denominator is not None:
                exprs.append(pl.col(spec.denominator).sum().cast(pl.Int64).alias(spec.den_column))
    return exprs


def _finish(frame: pl.DataFrame) -> pl.DataFrame:
    """Turn summed numerators and denominators into the registry's values (null on 0)."""
    exprs: list[pl.Expr] = []
    for spec in REGISTRY:
        if spec.kind == "count":
            exprs.append(pl.col(spec.num_column).fill_null(0).alias(spec.key))
        elif spec.kind == "rate":
            num, den = pl.col(spec.num_column), pl.col(spec.den_column)
            exprs.append(pl.when(den > 0).then(num / den).otherwise(None).alias(spec.key))
        elif spec.kind == "per_1000":
            count, population = pl.col("issue_count__num").fill_null(0), pl.col("population")
            exprs.append(
                pl.when(population > 0).then(count / population * 1000).otherwise(None).alias(spec.key)
            )
    return frame.with_columns(exprs)


def _unit_table(units: pl.DataFrame, by: Unit) -> pl.DataFrame:
    code, name = unit_columns(by)
    if by == "all":
        return units.select(
            pl.lit(None, dtype=pl.String).alias(code),
            pl.lit(None, dtype=pl.String).alias(name),
            pl.col("population").sum().cast(pl.Int64),
        )
    parents = [c for c in PARENT_COLUMNS[by] if c in units.columns]
    return (
        units.group_by(code)
        .agg(
            pl.col(name).first(),
            *(pl.col(c).first() for c in parents),
            pl.col("population").sum().cast(pl.Int64),
        )
        .sort(code)
    )


def compute(
    issues: pl.DataFrame,
    units: pl.DataFrame,
    by: Unit,
    period: Period,
    as_of: datetime,
    settings: Settings,
) -> pl.DataFrame:
    """Every registry metric for every unit in ``units`` over ``period``.

    Units with no issues get counts of 0 and null rates. Issues outside every
    grid form one extra row with a null code and ``outside = True`` (for
    ``by="all"`` they are part of the single total row). Each rate also has its
    numerator and denominator (``<key>__num``, ``<key>__den``), and
    ``small_sample`` marks units with fewer than ``settings.small_sample`` issues.
    """
    return compute_series(issues, units, by, [period], as_of, settings).drop(PERIOD)


def compute_series(
    issues: pl.DataFrame,
    units: pl.DataFrame,
    by: Unit,
    periods: Sequence[Period],
    as_of: datetime,
    settings: Settings,
) -> pl.DataFrame:
    """:func:`compute` for several periods at once: one row per unit and period (``period`` = key).

    Periods may overlap; each is computed on its own issues.
    """
    code, _name = unit_columns(by)
    selected = _in_periods(issue_flags(issues, as_of, settings), periods)
    if by == "all":
        selected = selected.with_columns(pl.lit(None, dtype=pl.String).alias(code))
    aggregated = selected.group_by(code, PERIOD).agg(_aggregations())

    table = _unit_table(units, by)
    keys = pl.DataFrame({PERIOD: [p.key() for p in periods]}, schema={PERIOD: pl.String})
    grid = table.join(keys, how="cross")
    if by == "all":
        result = grid.join(aggregated.drop(code), on=PERIOD, how="left")
        result = result.with_columns(pl.lit(False).alias(OUTSIDE))
    else:
        inside = grid.join(aggregated, on=[code, PERIOD], how="left", nulls_equal=False)
        outside = aggregated.filter(pl.col(code).is_null())
        missing = [c for c in inside.columns if c not in outside.columns]
        outside_rows = outside.with_columns(
            pl.lit(None, dtype=inside.schema[c]).alias(c) for c in missing
        ).select(inside.columns)
        result = pl.concat(
            [
                inside.with_columns(pl.lit(False).alias(OUTSIDE)),
                outside_rows.with_columns(pl.lit(True).alias(OUTSIDE)),
            ]
        )
    result = _finish(result).with_columns(
        (pl.col("issue_count") < settings.small_sample).alias("small_sample")
    )
    order = {p.key(): i for i, p in enumerate(periods)}
    return (
        result.with_columns(pl.col(PERIOD).replace_strict(order, return_dtype=pl.Int64).alias("_order"))
        .sort("_order", OUTSIDE, code, nulls_last=True)
        .drop("_order")
    )


def _in_periods(flagged: pl.DataFrame, periods: Sequence[Period]) -> pl.DataFrame:
    parts = [in_period(flagged, p).with_columns(pl.lit(p.key()).alias(PERIOD)) for p in periods]
    return pl.concat(parts) if parts else flagged.head(0).with_columns(pl.lit("").alias(PERIOD))


def compute_groups(
    issues: pl.DataFrame,
    keys: Sequence[str],
    periods: Sequence[Period],
    as_of: datetime,
    settings: Settings,
) -> pl.DataFrame:
    """Every registry metric per group of issues (a department, a category, a grid worker...) and period.

    Unlike :func:`compute` there is no table of units: only groups that have issues
    appear, and ``issues_per_1000`` is null (a department has no residents). Rows are
    sorted by period, then by the keys.
    """
    selected = _in_periods(issue_flags(issues, as_of, settings), periods)
    aggregated = selected.group_by(*keys, PERIOD).agg(_aggregations())
    result = _finish(aggregated.with_columns(pl.lit(None, dtype=pl.Int64).alias("population")))
    order = {p.key(): i for i, p in enumerate(periods)}
    return (
        result.with_columns(
            (pl.col("issue_count") < settings.small_sample).alias("small_sample"),
            pl.col(PERIOD).replace_strict(order, return_dtype=pl.Int64).alias("_order"),
        )
        .sort("_order", *keys, nulls_last=True)
        .drop("_order", "population")
    )
