"""The busiest grids: the most issues in the period, also per 1,000 residents.

Also the grid helpers the emerging grids share: the grid table with its names and
residents, and the issues of a time window that fall in a grid.
"""

from __future__ import annotations

from datetime import datetime
from typing import Final, Literal

import polars as pl

from dashboard.core.periods import Period

TOP_GRIDS_SCHEMA: Final = pl.Schema(
    {
        "grid_code": pl.String,
        "grid_name": pl.String,
        "community_name": pl.String,
        "issue_count": pl.Int64,
        "population": pl.Int64,
        "issues_per_1000": pl.Float64,
    }
)
UNIT_LABELS: Final = ("grid_name", "community_name")


def grid_table(units: pl.DataFrame) -> pl.DataFrame:
    """Each grid's code, grid and community names (null when missing) and population."""
    missing = [c for c in ("grid_code", "population") if c not in units.columns]
    if missing:
        raise ValueError(f"units need the columns {', '.join(missing)}")
    labels = [
        pl.col(c).cast(pl.String) if c in units.columns else pl.lit(None, dtype=pl.String).alias(c)
        for c in UNIT_LABELS
    ]
    return units.select(pl.col("grid_code").cast(pl.String), *labels, pl.col("population").cast(pl.Int64))


def issues_between(issues: pl.DataFrame, start: datetime, end: datetime) -> pl.DataFrame:
    """Issues in a grid reported in ``[start, end)``, ``invalid`` ones left out."""
    selected = issues.filter(
        (pl.col("reported_at") >= start) & (pl.col("reported_at") < end) & pl.col("grid_code").is_not_null()
    )
    if "status" in selected.columns:
        selected = selected.filter(pl.col("status").fill_null("") != "invalid")
    return selected


def top_grids(
    issues: pl.DataFrame,
    units: pl.DataFrame,
    period: Period,
    n: int = 10,
    by: Literal["issue_count", "issues_per_1000"] = "issue_count",
) -> pl.DataFrame:
    """The ``n`` grids with the most issues in ``period`` (``invalid`` ones left out), or the most per 1,000 residents.

    ``units`` is :attr:`Dataset.units` (grid_code, grid_name, community_name, population).
    Only grids with at least one issue are listed; ``issues_per_1000`` is null for a
    grid without residents (it sorts last). Issues outside every grid are not listed.

    Returns
    -------
    pl.DataFrame
        :data:`TOP_GRIDS_SCHEMA`, sorted by ``by`` (descending), then issue_count, then grid_code.
    """
    if by not in ("issue_count", "issues_per_1000"):
        raise ValueError(f"by must be 'issue_count' or 'issues_per_1000', got {by!r}")
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"n must be a positive integer, got {n!r}")
    counts = (
        issues_between(issues, period.start, period.end)
        .group_by("grid_code")
        .agg(pl.len().cast(pl.Int64).alias("issue_count"))
    )
    population = pl.col("population")
    table = (
        grid_table(units)
        .join(counts, on="grid_code", how="inner")
        .with_columns(
            pl.when(population > 0)
            .then(pl.col("issue_count") / population * 1000)
            .otherwise(None)
            .alias("issues_per_1000")
        )
    )
    ordered = table.sort([by, "issue_count", "grid_code"], descending=[True, True, False], nulls_last=True)
    return ordered.head(n).select(list(TOP_GRIDS_SCHEMA)).cast(TOP_GRIDS_SCHEMA)
