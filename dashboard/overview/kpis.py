"""The overview's numbers: headline KPIs against target, the trend and the community league table."""

from __future__ import annotations

import polars as pl

from dashboard.core.loading import Dataset
from dashboard.core.periods import trailing_months
from dashboard.core.selection import Selection
from dashboard.core.span import before_data, data_start, reaches_before_data
from dashboard.metrics import (
    METRICS,
    OUTSIDE,
    PERIOD,
    PLACED,
    Kpi,
    compute,
    compute_series,
    grade,
    grade_expr,
    keys_for,
)

BEFORE_DATA = "before_data"


def scope_totals(dataset: Dataset, selection: Selection, months: int = 12) -> pl.DataFrame:
    """Every metric for the whole selection, for the chosen period, the one before and the trailing months.

    ``before_data`` marks periods that lie wholly before the data start (a gap, not a 0).
    """
    periods = [selection.period, selection.period.previous()]
    periods += [p for p in trailing_months(selection.period, months) if p not in periods]
    start = data_start(dataset)
    gaps = {p.key(): before_data(p, start) for p in periods}
    return compute_series(
        selection.issues(dataset),
        selection.units(dataset),
        "all",
        periods,
        dataset.as_of,
        dataset.settings,
        selection.basis,
    ).with_columns(pl.col(PERIOD).replace_strict(gaps, return_dtype=pl.Boolean).alias(BEFORE_DATA))


def headline(totals: pl.DataFrame, selection: Selection, dataset: Dataset) -> list[Kpi]:
    """The KPI cards: value, change from the previous period, grade and a 12-month sparkline.

    A metric whose inputs the data lacks is empty and ``missing`` (with its reason), never graded.
    The change is empty when the previous period reaches before the data start (it would be a
    change from nothing); the sparkline leaves out months before the data.
    """
    current_key, previous_key = selection.period.key(), selection.period.previous().key()
    rows = {row[PERIOD]: row for row in totals.iter_rows(named=True)}
    start = data_start(dataset)
    comparable = not reaches_before_data(selection.period.previous(), start)
    months = [p.key() for p in trailing_months(selection.period, 12) if not before_data(p, start)]
    kpis = []
    for key in keys_for("headline"):
        spec = METRICS[key]
        current, previous = rows[current_key], rows[previous_key]
        missing = bool(current.get(spec.missing_column))
        kpis.append(
            Kpi(
                key=key,
                value=current[key],
                previous=previous[key] if comparable else None,
                numerator=current.get(spec.num_column),
                denominator=current.get(spec.den_column),
                grade="none" if missing else grade(current[key], spec, dataset.settings),
                trend=tuple(rows[m][key] for m in months if m in rows),
                missing=missing,
            )
        )
    return kpis


def rate_trend(
    totals: pl.DataFrame, selection: Selection, keys: tuple[str, ...] = keys_for("trend")
) -> pl.DataFrame:
    """Long frame (period, metric, value, numerator, denominator) over the trailing 12 months, oldest first;
    months before the data start are left out (gaps)."""
    months = [p.key() for p in trailing_months(selection.period, 12)]
    shown = totals.filter(pl.col(PERIOD).is_in(months))
    if BEFORE_DATA in shown.columns:
        shown = shown.filter(~pl.col(BEFORE_DATA))
    frames = [
        shown.select(
            PERIOD,
            pl.lit(key).alias("metric"),
            pl.col(key).alias("value"),
            pl.col(METRICS[key].num_column).alias("numerator"),
            pl.col(METRICS[key].den_column).alias("denominator"),
        )
        for key in keys
    ]
    return pl.concat(frames).sort("metric", PERIOD)


def league_table(dataset: Dataset, selection: Selection) -> pl.DataFrame:
    """Communities ranked by resolution rate (best first), with grades and small-sample marks.

    Ties share a rank; communities with no issues come last without a rank; the
    "outside every grid" bucket, when there is one, is the last row.
    """
    frame = compute(
        selection.issues(dataset),
        selection.units(dataset),
        "community",
        selection.period,
        selection.as_of(dataset),
        dataset.settings,
    )
    spec = METRICS["resolution_rate"]
    inside = frame.filter(~pl.col(OUTSIDE))
    ranked = inside.with_columns(
        pl.col("resolution_rate").rank(method="min", descending=True).cast(pl.Int64).alias("rank"),
        grade_expr("resolution_rate", spec, dataset.settings).alias("grade"),
    ).sort(["rank", "issue_count", "community_code"], descending=[False, True, False], nulls_last=True)
    outside = frame.filter(pl.col(OUTSIDE)).with_columns(
        pl.lit(None, dtype=pl.Int64).alias("rank"),
        grade_expr("resolution_rate", spec, dataset.settings).alias("grade"),
    )
    columns = [
        "rank",
        "community_code",
        "community_name",
        OUTSIDE,
        PLACED,
        *keys_for("league"),
        *(METRICS[k].missing_column for k in keys_for("league") if METRICS[k].can_be_missing),
        "grade",
        "small_sample",
        spec.num_column,
        spec.den_column,
    ]
    return pl.concat([ranked.select(columns), outside.select(columns)])


def period_row(totals: pl.DataFrame, selection: Selection) -> pl.DataFrame:
    """The row of :func:`scope_totals` for the selected period."""
    return totals.filter(pl.col(PERIOD) == selection.period.key())


LEVEL_KEYS = ("grid_level_share", "community_level_share")


def level_shares(totals: pl.DataFrame, selection: Selection) -> dict[str, float | None]:
    """Small matters stay in the grid, bigger ones in the community: shares solved at each level.

    Every share is None when no issue was finished or the data has no solving levels
    (then nothing is "above the community" either: see :data:`LEVEL_KEYS`' ``__missing``).
    """
    row = period_row(totals, selection).row(0, named=True)
    grid, community = row["grid_level_share"], row["community_level_share"]
    return {
        "grid": grid,
        "community": None if grid is None or community is None else community - grid,
        "above": None if community is None else 1 - community,
    }
