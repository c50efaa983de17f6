"""The registry's issue metrics computed with Polars (docs/domain.md, "Metrics"), for units, periods and groups.

For a unit U and period P, S is the issues of U reported in P whose status is
not ``invalid``. A rate whose denominator is 0 is null, never 0 and never NaN.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import polars as pl

from dashboard.core import schema
from dashboard.core.basis import Basis, is_provisional, measured_at
from dashboard.core.periods import Period
from dashboard.core.settings import Settings
from dashboard.metrics.registry import (
    OUTSIDE,
    PARENT_COLUMNS,
    PERIOD,
    PLACED,
    PLACED_ORDER,
    REGISTRY,
    Metric,
    Unit,
    unit_columns,
)

MEASURED_AT = "measured_at"
PROVISIONAL = "provisional"

# --- per-issue flags -----------------------------------------------------------


def issue_flags(issues: pl.DataFrame, as_of: datetime | pl.Expr, settings: Settings) -> pl.DataFrame:
    """Boolean flags per issue that the registry sums, as things stood at the point in time ``as_of``.

    An issue exists at T when it was reported by T (invalid issues are never in S); it is finished at T
    when its status is resolved or closed and its finish time (the earlier of ``resolved_at`` and
    ``closed_at``) is at or before T; accepted at T when ``accepted_at`` is at or before T; overdue at T
    when not finished at T, not deferred, and ``due_at`` is before T. Statuses without a timestamp
    (deferred, invalid, returned, and a finished status with no finish time) are taken as they stand.
    Ratings, rework and the solving level belong to finished issues only. ``as_of`` may be an expression
    (a column of per-row times, for periods measured at their own cut-off).
    """
    t = as_of if isinstance(as_of, pl.Expr) else pl.lit(as_of, dtype=pl.Datetime("us"))
    finish_at = pl.min_horizontal("resolved_at", "closed_at")
    finished = pl.col("status").is_in(schema.FINISHED_STATUSES) & (finish_at.is_null() | (finish_at <= t))
    deferred = pl.col("status") == "deferred"
    limit_us = int(settings.response_limit_hours * 3600 * 1_000_000)
    response = (pl.col("accepted_at") - pl.col("reported_at")).dt.total_microseconds()
    level = pl.col("resolved_level")
    hours = (finish_at - pl.col("reported_at")).dt.total_seconds(fractional=True) / 3600
    rated = finished & pl.col("satisfaction").is_not_null()
    exists = (pl.col("status") != "invalid") & (pl.col("reported_at") <= t)
    return (
        issues.filter(exists)
        .with_columns(finished.fill_null(False).alias("finished"))
        .with_columns(
            pl.lit(True).alias("in_s"),
            (~deferred).alias("not_deferred"),
            # Past the first step at T: such an issue must have an acceptance time.
            ((pl.col("status") != "reported") & ~(pl.col("accepted_at") > t).fill_null(False)).alias(
                "past_reported"
            ),
            (pl.col("finished") & (finish_at <= pl.col("due_at"))).fill_null(False).alias("on_time"),
            ((response <= limit_us) & (pl.col("accepted_at") <= t)).fill_null(False).alias("responded"),
            rated.fill_null(False).alias("rated"),
            (rated & pl.col("satisfaction").is_in(["satisfied", "basically_satisfied"]))
            .fill_null(False)
            .alias("satisfied"),
            (pl.col("finished") & (pl.col("rework_count") >= 1)).fill_null(False).alias("reworked"),
            (pl.col("finished") & (level == "grid")).fill_null(False).alias("grid_level"),
            (pl.col("finished") & level.is_in(["grid", "community"]))
            .fill_null(False)
            .alias("community_level"),
            (~pl.col("finished") & ~deferred & (pl.col("due_at") < t)).fill_null(False).alias("overdue_open"),
            pl.when(pl.col("finished")).then(hours).otherwise(None).alias("hours_to_finish"),
            finish_at.alias("finish_at"),
        )
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
        if spec.inputs:
            expected = pl.col(spec.inputs_expected)
            present = pl.all_horizontal(pl.col(c).is_not_null() for c in spec.inputs)
            exprs.append(expected.sum().cast(pl.Int64).alias(spec.expected_column))
            exprs.append((expected & present).sum().cast(pl.Int64).alias(spec.inputs_column))
    return exprs


def _missing(spec: Metric, absent: frozenset[str]) -> pl.Expr | None:
    """True where the metric is empty because its inputs are absent (not because nothing happened)."""
    if spec.kind == "per_1000":
        population = pl.col("population")
        return population.is_null() | (population <= 0)
    if not spec.inputs:
        return None
    issues = pl.col("issue_count__num").fill_null(0) > 0
    if absent & set(spec.inputs):
        return issues  # the data has none of them at all
    expected, present = pl.col(spec.expected_column).fill_null(0), pl.col(spec.inputs_column).fill_null(0)
    return issues & (expected > 0) & (present == 0)


def absent_columns(issues: pl.DataFrame) -> frozenset[str]:
    """The registry's input columns that the data lacks or leaves empty on every issue."""
    wanted = {c for spec in REGISTRY for c in spec.inputs}
    return frozenset(
        c for c in wanted if c not in issues.columns or issues.get_column(c).null_count() == issues.height
    )


def _finish(frame: pl.DataFrame, absent: frozenset[str] = frozenset()) -> pl.DataFrame:
    """Turn summed numerators and denominators into the registry's values (null on 0, null when
    the inputs are absent, with ``<key>__missing`` saying so)."""
    exprs: list[pl.Expr] = []
    for spec in REGISTRY:
        missing = _missing(spec, absent)
        if spec.kind == "count":
            value = pl.col(spec.num_column).fill_null(0)
        elif spec.kind == "rate":
            num, den = pl.col(spec.num_column), pl.col(spec.den_column)
            value = pl.when(den > 0).then(num / den).otherwise(None)
        elif spec.kind == "per_1000":
            count, population = pl.col("issue_count__num").fill_null(0), pl.col("population")
            value = pl.when(population > 0).then(count / population * 1000).otherwise(None)
        else:
            value = pl.col(spec.key)
        if missing is not None:
            value = pl.when(missing).then(None).otherwise(value)
            exprs.append(missing.fill_null(False).alias(spec.missing_column))
        exprs.append(value.alias(spec.key))
    return frame.with_columns(exprs)


def _known_population() -> pl.Expr:
    """A unit's residents: the sum over its grids, unknown (null) when any grid's population is unknown
    (never a total built from only some grids)."""
    population = pl.col("population")
    return (
        pl.when(population.is_null().any())
        .then(None)
        .otherwise(population.sum())
        .cast(pl.Int64)
        .alias("population")
    )


def _unit_table(units: pl.DataFrame, by: Unit) -> pl.DataFrame:
    code, name = unit_columns(by)
    if by == "all":
        return units.select(
            pl.lit(None, dtype=pl.String).alias(code),
            pl.lit(None, dtype=pl.String).alias(name),
            _known_population(),
        )
    parents = [c for c in PARENT_COLUMNS[by] if c in units.columns]
    return (
        units.group_by(code)
        .agg(
            pl.col(name).first(),
            *(pl.col(c).first() for c in parents),
            _known_population(),
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
    basis: Basis = "live",
) -> pl.DataFrame:
    """Every registry metric for every unit in ``units`` over ``period``, as things stood at ``as_of``
    (``basis="live"``) or at the period's assessment cut-off (``basis="cutoff"``, never after ``as_of``).

    Units with no issues get counts of 0 and null rates. Issues not placed at the level of ``by``
    form extra rows with a null code and ``outside = True``, one per level they were placed at
    (``placed`` = ``community``, ``street``, or ``outside`` for a point in no grid): by grid, the issues
    placed only at community level are one such row, never dropped. Each issue is counted once per
    table; community and street rows count everything placed at their level or below, and for
    ``by="all"`` every issue is part of the single total row. Each rate also has its
    numerator and denominator (``<key>__num``, ``<key>__den``); a metric whose inputs
    are absent is null with ``<key>__missing`` true; ``small_sample`` marks units with
    fewer than ``settings.small_sample`` issues; ``measured_at`` is the point in time the
    numbers were taken at and ``provisional`` whether the period's cut-off is still ahead.
    """
    return compute_series(issues, units, by, [period], as_of, settings, basis).drop(PERIOD)


def compute_series(
    issues: pl.DataFrame,
    units: pl.DataFrame,
    by: Unit,
    periods: Sequence[Period],
    as_of: datetime,
    settings: Settings,
    basis: Basis = "live",
) -> pl.DataFrame:
    """:func:`compute` for several periods at once: one row per unit and period (``period`` = key).

    Periods may overlap; each is computed on its own issues, at its own point in time
    (with ``basis="cutoff"``, each at its own cut-off: a past period never changes).
    """
    code, _name = unit_columns(by)
    selected = _in_periods(issues, periods, as_of, settings, basis)
    if by == "all":
        selected = selected.with_columns(pl.lit(None, dtype=pl.String).alias(code))
    unplaced = pl.when(pl.col(code).is_null()).then(placement_level(selected)).otherwise(None)
    placed = pl.lit(None, dtype=pl.String) if by == "all" else unplaced.cast(pl.String)
    selected = selected.with_columns(placed.alias(PLACED))
    aggregated = selected.group_by(code, PLACED, PERIOD).agg(_aggregations())

    table = _unit_table(units, by)
    grid = table.join(_period_table(periods, as_of, settings, basis), how="cross")
    if by == "all":
        result = grid.join(aggregated.drop(code), on=PERIOD, how="left")
        result = result.with_columns(pl.lit(False).alias(OUTSIDE))
        result = result.with_columns(pl.col(PLACED).cast(pl.String))
    else:
        result = _with_outside_rows(grid, aggregated, code)
    result = _finish(result, absent_columns(issues)).with_columns(
        (pl.col("issue_count") < settings.small_sample).alias("small_sample")
    )
    order = {p.key(): i for i, p in enumerate(periods)}
    return (
        result.with_columns(
            pl.col(PERIOD).replace_strict(order, return_dtype=pl.Int64).alias("_order"),
            pl.col(PLACED)
            .replace_strict(PLACED_ORDER, [0, 1, 2], default=3, return_dtype=pl.Int64)
            .alias("_p"),
        )
        .sort("_order", OUTSIDE, code, "_p", nulls_last=True)
        .drop("_order", "_p")
    )


def _period_table(
    periods: Sequence[Period], as_of: datetime, settings: Settings, basis: Basis
) -> pl.DataFrame:
    """One row per period: its key, the time it is measured at, and whether it is still provisional."""
    return pl.DataFrame(
        {
            PERIOD: [p.key() for p in periods],
            MEASURED_AT: [measured_at(p, as_of, settings, basis) for p in periods],
            PROVISIONAL: [basis == "cutoff" and is_provisional(p, as_of, settings) for p in periods],
        },
        schema={PERIOD: pl.String, MEASURED_AT: pl.Datetime("us"), PROVISIONAL: pl.Boolean},
    )


def placement_level(issues: pl.DataFrame) -> pl.Expr:
    """Each issue's ``placed_at`` (grid, community, street, outside); for a frame without that column
    (issues placed by grid code or point only), ``grid`` or ``outside``."""
    if "placed_at" in issues.columns:
        return pl.col("placed_at").fill_null("outside")
    return pl.when(pl.col("grid_code").is_not_null()).then(pl.lit("grid")).otherwise(pl.lit("outside"))


def _with_outside_rows(grid: pl.DataFrame, aggregated: pl.DataFrame, code: str) -> pl.DataFrame:
    """The units joined with their numbers, plus one row per period and placement level for the issues
    not placed at the units' level (``placed``: community, street, outside)."""
    units = aggregated.filter(pl.col(code).is_not_null()).drop(PLACED)
    inside = grid.join(units, on=[code, PERIOD], how="left", nulls_equal=False).with_columns(
        pl.lit(None, dtype=pl.String).alias(PLACED)
    )
    outside = aggregated.filter(pl.col(code).is_null()).join(
        grid.select(PERIOD, MEASURED_AT, PROVISIONAL).unique(PERIOD), on=PERIOD, how="left"
    )
    missing = [c for c in inside.columns if c not in outside.columns]
    outside_rows = outside.with_columns(
        pl.lit(None, dtype=inside.schema[c]).alias(c) for c in missing
    ).select(inside.columns)
    return pl.concat(
        [
            inside.with_columns(pl.lit(False).alias(OUTSIDE)),
            outside_rows.with_columns(pl.lit(True).alias(OUTSIDE)),
        ]
    )


def _in_periods(
    issues: pl.DataFrame, periods: Sequence[Period], as_of: datetime, settings: Settings, basis: Basis
) -> pl.DataFrame:
    """The flagged issues of each period, each period at its own point in time, tagged with its key."""
    parts = [
        issue_flags(in_period(issues, p), measured_at(p, as_of, settings, basis), settings).with_columns(
            pl.lit(p.key()).alias(PERIOD)
        )
        for p in periods
    ]
    if parts:
        return pl.concat(parts)
    return issue_flags(issues.head(0), as_of, settings).with_columns(pl.lit("").alias(PERIOD))


def compute_groups(
    issues: pl.DataFrame,
    keys: Sequence[str],
    periods: Sequence[Period],
    as_of: datetime,
    settings: Settings,
    basis: Basis = "live",
) -> pl.DataFrame:
    """Every registry metric per group of issues (a department, a category, a grid worker...) and period.

    Unlike :func:`compute` there is no table of units: only groups that have issues
    appear, and ``issues_per_1000`` is null (a department has no residents). Rows are
    sorted by period, then by the keys.
    """
    selected = _in_periods(issues, periods, as_of, settings, basis)
    aggregated = selected.group_by(*keys, PERIOD).agg(_aggregations())
    result = _finish(
        aggregated.with_columns(pl.lit(None, dtype=pl.Int64).alias("population")), absent_columns(issues)
    )
    order = {p.key(): i for i, p in enumerate(periods)}
    return (
        result.with_columns(
            (pl.col("issue_count") < settings.small_sample).alias("small_sample"),
            pl.col(PERIOD).replace_strict(order, return_dtype=pl.Int64).alias("_order"),
        )
        .sort("_order", *keys, nulls_last=True)
        .drop("_order", "population")
    )
