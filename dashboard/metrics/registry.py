"""The metric registry (docs/domain.md, "Metrics") and its computation with Polars.

Each metric is defined once, as a :class:`Metric` in :data:`REGISTRY`: pages,
charts, the CLI, exports and the README's table all read it. Labels, help and
formulas live in the i18n catalogs under ``metric.<key>``.

For a unit U and period P, S is the issues of U reported in P whose status is
not ``invalid``. A rate whose denominator is 0 is null, never 0 and never NaN.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final, Literal

import polars as pl

from dashboard.core import schema
from dashboard.core.periods import Period
from dashboard.core.settings import Settings
from dashboard.i18n import Lang, t

Kind = Literal["count", "rate", "per_1000", "median"]
Unit = Literal["grid", "community", "street", "all"]
Grade = Literal["green", "amber", "red", "none"]
UNITS: Final[tuple[Unit, ...]] = ("grid", "community", "street")
OUTSIDE = "outside"  # the "outside every grid" bucket (common.outside in the catalogs)
PERIOD = "period"
# Columns of the units a unit sits in, carried along for labels and filters.
PARENT_COLUMNS: Final[dict[str, tuple[str, ...]]] = {
    "grid": ("community_code", "community_name", "street_code", "street_name"),
    "community": ("street_code", "street_name"),
    "street": (),
}


class MetricText:
    """What every metric (issue or volunteer) says about itself: label, help and formula from the catalogs."""

    key: str
    kind: str

    @property
    def is_rate(self) -> bool:
        return self.kind == "rate"

    def label(self, lang: Lang) -> str:
        return t(f"metric.{self.key}.label", lang)

    def help(self, lang: Lang) -> str:
        return t(f"metric.{self.key}.help", lang)

    def formula(self, lang: Lang) -> str:
        return t(f"metric.{self.key}.formula", lang)


@dataclass(frozen=True)
class Metric(MetricText):
    """One metric: how it is computed and how it is read.

    ``numerator``/``denominator`` name the per-issue flag columns made by
    :func:`issue_flags` that are summed (``None`` denominator for counts).
    ``graded`` metrics are coloured against the target (green/amber/red).
    """

    key: str
    kind: Kind
    numerator: str
    denominator: str | None
    higher_is_better: bool
    graded: bool = False

    @property
    def num_column(self) -> str:
        return f"{self.key}__num"

    @property
    def den_column(self) -> str:
        return f"{self.key}__den"


REGISTRY: Final[tuple[Metric, ...]] = (
    Metric("issue_count", "count", "in_s", None, higher_is_better=False),
    Metric("issues_per_1000", "per_1000", "in_s", "population", higher_is_better=False),
    Metric("resolution_rate", "rate", "finished", "not_deferred", higher_is_better=True, graded=True),
    Metric("on_time_rate", "rate", "on_time", "not_deferred", higher_is_better=True, graded=True),
    Metric("response_rate", "rate", "responded", "in_s", higher_is_better=True, graded=True),
    Metric("satisfaction_rate", "rate", "satisfied", "rated", higher_is_better=True, graded=True),
    Metric("rework_rate", "rate", "reworked", "finished", higher_is_better=False),
    Metric("grid_level_share", "rate", "grid_level", "finished", higher_is_better=True),
    Metric("community_level_share", "rate", "community_level", "finished", higher_is_better=True),
    Metric("overdue_open_count", "count", "overdue_open", None, higher_is_better=False),
    Metric("median_hours_to_finish", "median", "hours_to_finish", None, higher_is_better=False),
)
METRICS: Final[dict[str, Metric]] = {m.key: m for m in REGISTRY}
METRIC_KEYS: Final[tuple[str, ...]] = tuple(METRICS)


def metric(key: str) -> Metric:
    """The registry entry for ``key``; ``KeyError`` names the known keys."""
    try:
        return METRICS[key]
    except KeyError:
        raise KeyError(f"unknown metric {key!r}; known: {', '.join(METRIC_KEYS)}") from None


def unit_columns(by: Unit) -> tuple[str, str]:
    """The contract's code and name columns of a unit (``community_code``, ``community_name``)."""
    if by == "all":
        return ("street_code", "street_name")
    return schema.UNIT_COLUMNS[by]


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


# --- grades -------------------------------------------------------------------------


def grade(value: float | None, spec: Metric, settings: Settings) -> Grade:
    """Colour grade of a value: graded rates ≥ target green, ≥ amber floor amber, else red."""
    if value is None or not spec.graded:
        return "none"
    if value >= settings.target:
        return "green"
    if value >= settings.amber_floor:
        return "amber"
    return "red"


def grade_expr(column: str, spec: Metric, settings: Settings) -> pl.Expr:
    """:func:`grade` as a Polars expression over ``column``."""
    value = pl.col(column)
    if not spec.graded:
        return pl.lit("none")
    return (
        pl.when(value.is_null())
        .then(pl.lit("none"))
        .when(value >= settings.target)
        .then(pl.lit("green"))
        .when(value >= settings.amber_floor)
        .then(pl.lit("amber"))
        .otherwise(pl.lit("red"))
    )
