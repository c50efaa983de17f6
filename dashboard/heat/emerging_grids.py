"""Emerging grids: grids whose issue count jumps against their own recent months.

How it works, in plain words (the heat page shows a translation of this): for each grid
we compare the period's count with the grid's own recent past: its average over the
previous 6 months, scaled to the period's length, is the *expected* count. If a grid's
issues arrive at random at that usual pace, how likely is a count at least as high as
the one seen? That probability (the p-value of a one-sided Poisson test) is small when
the jump is unusual. Because many grids are tested at once, a grid is flagged only when
its p-value times the number of grids tested (Bonferroni's correction) is below 0.01,
and it has at least 5 issues. So if every grid kept its usual pace, a false flag would
appear in at most 1 month in 100, however many grids the street has. When the data began
less than a minimum history (``[heat] emerging_min_history_months``, 6 by default) before
the period, no grid is tested: a jump against a month or two of the past is no evidence.
"""

from __future__ import annotations

import calendar
from datetime import datetime
from typing import Final

import polars as pl

from dashboard.core.periods import Period
from dashboard.heat.busiest import grid_table, issues_between
from dashboard.heat.tails import poisson_tail

EMERGING_SCHEMA: Final = pl.Schema(
    {
        "grid_code": pl.String,
        "grid_name": pl.String,
        "community_name": pl.String,
        "observed": pl.Int64,
        "expected": pl.Float64,
        "ratio": pl.Float64,
        "p_value": pl.Float64,
        "p_adjusted": pl.Float64,
        "flagged": pl.Boolean,
    }
)


def months_before(moment: datetime, months: int) -> datetime:
    """The same day and time ``months`` calendar months earlier (the day clamped to the month's end)."""
    index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(index, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


TESTED_SCHEMA: Final = pl.Schema(
    {
        "grid_code": pl.String,
        "expected": pl.Float64,
        "ratio": pl.Float64,
        "p_value": pl.Float64,
        "p_adjusted": pl.Float64,
    }
)


def _check_arguments(baseline_months: int, alpha: float, min_count: int) -> None:
    if isinstance(baseline_months, bool) or not isinstance(baseline_months, int) or baseline_months < 1:
        raise ValueError(f"baseline_months must be a positive integer, got {baseline_months!r}")
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be between 0 and 1, got {alpha!r}")
    if isinstance(min_count, bool) or not isinstance(min_count, int) or min_count < 0:
        raise ValueError(f"min_count must be a non-negative integer, got {min_count!r}")


def history_months(period: Period, data_start: datetime) -> int:
    """Whole calendar months of data before ``period`` (0 when the data begins in or after it).

    >>> from dashboard.core.periods import parse_period
    >>> history_months(parse_period("2026-10"), datetime(2026, 8, 1)), history_months(parse_period("2026-10"), datetime(2026, 8, 3))
    (2, 1)
    """
    months = (period.start.year - data_start.year) * 12 + period.start.month - data_start.month
    if months > 0 and months_before(period.start, months) < data_start:
        months -= 1
    return max(months, 0)


def _first_report(issues: pl.DataFrame, data_start: datetime | None) -> datetime | None:
    """When the data begins: ``data_start`` when given, else the first issue of ``issues``."""
    if data_start is not None:
        return data_start
    first = issues.get_column("reported_at").min() if issues.height else None
    return first if isinstance(first, datetime) else None


def _baseline_start(first: datetime | None, period: Period, baseline_months: int) -> datetime:
    """``baseline_months`` before the period, but no earlier than the data's start."""
    start = months_before(period.start, baseline_months)
    return start if first is None else max(start, first)


def _grid_counts(
    issues: pl.DataFrame, units: pl.DataFrame, period: Period, end: datetime, baseline_start: datetime
) -> pl.DataFrame:
    """Every grid of ``units`` with its issues in the period up to ``end`` and in the baseline before it."""
    observed = issues_between(issues, period.start, end).group_by("grid_code").agg(pl.len().alias("observed"))
    baseline = (
        issues_between(issues, baseline_start, period.start)
        .group_by("grid_code")
        .agg(pl.len().alias("baseline"))
    )
    return (
        grid_table(units)
        .join(observed, on="grid_code", how="left")
        .join(baseline, on="grid_code", how="left")
        .with_columns(pl.col("observed", "baseline").fill_null(0).cast(pl.Int64))
        .sort("grid_code")
    )


def _poisson_tests(counts: pl.DataFrame, scale: float | None) -> pl.DataFrame:
    """Per grid: expected count (baseline x ``scale``), ratio, p-value and its Bonferroni adjustment.

    Without a baseline (``scale`` None) every value is null and nothing counts as tested.
    """
    tests = counts.height if scale is not None else 0
    rows: list[tuple[str, float | None, float | None, float | None, float | None]] = []
    for code, seen, before in counts.select("grid_code", "observed", "baseline").iter_rows():
        if scale is None:
            rows.append((code, None, None, None, None))
            continue
        expected = before * scale
        p_value = poisson_tail(seen, expected)
        ratio = seen / expected if expected > 0 else None
        rows.append((code, expected, ratio, p_value, min(1.0, p_value * tests)))
    return pl.DataFrame(rows, schema=TESTED_SCHEMA, orient="row")


def emerging(
    issues: pl.DataFrame,
    units: pl.DataFrame,
    period: Period,
    baseline_months: int = 6,
    alpha: float = 0.01,
    min_count: int = 5,
    as_of: datetime | None = None,
    *,
    data_start: datetime | None = None,
    min_history_months: int = 0,
) -> pl.DataFrame:
    """Grids whose issue count in ``period`` is unusually high against their own recent months.

    ``observed``: the grid's issues in the period (``invalid`` ones left out).
    ``expected``: its issues in the ``baseline_months`` calendar months before the
    period, times the period's length over the baseline's length (the mean monthly
    count, scaled to the period). The baseline starts no earlier than ``data_start``
    (:func:`dashboard.core.span.data_start`; by default the first issue in ``issues``):
    data that begins later gives a shorter baseline. Without any baseline, or with fewer
    than ``min_history_months`` whole months of data before the period
    (:func:`history_months`), nothing is tested: expected, ratio and p-values are
    null and nothing is flagged. With
    ``as_of`` inside the period (the current month), only the part up to ``as_of``
    is compared. ``p_value``: P(X ≥ observed) for X ~ Poisson(expected)
    (:func:`poisson_tail`); ``p_adjusted``: Bonferroni, p times the number of grids
    tested (all grids of ``units``), at most 1. ``flagged``: p_adjusted < ``alpha``
    and observed ≥ ``min_count``. A grid with no issue in the baseline and
    ``min_count`` in the period is flagged (its p-value is 0; ratio is null).

    Returns
    -------
    pl.DataFrame
        :data:`EMERGING_SCHEMA`, one row per grid of ``units``, sorted by p_value
        (nulls last), then grid_code.
    """
    _check_arguments(baseline_months, alpha, min_count)
    end = period.end if as_of is None else max(period.start, min(period.end, as_of))
    first = _first_report(issues, data_start)
    baseline_start = _baseline_start(first, period, baseline_months)
    baseline_seconds = (period.start - baseline_start).total_seconds()
    scale = (end - period.start).total_seconds() / baseline_seconds if baseline_seconds > 0 else None
    if (0 if first is None else history_months(period, first)) < min_history_months:
        scale = None  # too little history to judge a jump by
    counts = _grid_counts(issues, units, period, end, baseline_start)
    return (
        counts.join(_poisson_tests(counts, scale), on="grid_code", how="left")
        .with_columns(
            ((pl.col("p_adjusted") < alpha) & (pl.col("observed") >= min_count))
            .fill_null(False)
            .alias("flagged")
        )
        .select(list(EMERGING_SCHEMA))
        .cast(EMERGING_SCHEMA)
        .sort(["p_value", "grid_code"], nulls_last=True)
    )
