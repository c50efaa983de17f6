"""Volunteer service over time, by type and by team (the volunteer page's charts and tables).

No personal data leaves here: teams are counted, volunteers are never named.
"""

from __future__ import annotations

from datetime import timedelta

import polars as pl

from dashboard.core.periods import Period, trailing_months

ACTIVE_DAYS = 90


def _served_in(records: pl.DataFrame, period: Period) -> pl.DataFrame:
    return records.filter((pl.col("served_at") >= period.start) & (pl.col("served_at") < period.end))


def monthly_hours(records: pl.DataFrame, last: Period, months: int = 12) -> pl.DataFrame:
    """Service hours, records and people served per month over the trailing ``months`` (zeros included)."""
    periods = trailing_months(last, months)
    people = pl.col("beneficiaries").sum() if "beneficiaries" in records.columns else pl.lit(0)
    rows = []
    for period in periods:
        part = _served_in(records, period)
        hours, served = part.select(pl.col("hours").sum(), people).row(0)
        rows.append((period.key(), float(hours or 0.0), part.height, int(served or 0)))
    return pl.DataFrame(
        rows,
        schema={"period": pl.String, "hours": pl.Float64, "records": pl.Int64, "people_served": pl.Int64},
        orient="row",
    )


def by_type(records: pl.DataFrame, period: Period) -> pl.DataFrame:
    """Hours and records per service type in the period, most hours first."""
    return (
        _served_in(records, period)
        .group_by("service_type")
        .agg(pl.col("hours").sum().alias("hours"), pl.len().cast(pl.Int64).alias("records"))
        .sort(["hours", "service_type"], descending=[True, False])
    )


def teams(volunteers: pl.DataFrame, records: pl.DataFrame, period: Period) -> pl.DataFrame:
    """Teams ranked by service hours in the period: members, active members (served in the last 90 days), hours."""
    if "team" not in volunteers.columns:
        return pl.DataFrame(
            schema={"team": pl.String, "members": pl.Int64, "active": pl.Int64, "hours": pl.Float64}
        )
    members = volunteers.filter(pl.col("registered_at") < period.end).select("volunteer_id", "team")
    window = Period(period.end - timedelta(days=ACTIVE_DAYS), period.end)
    active_ids = _served_in(records, window).get_column("volunteer_id").unique()
    hours = _served_in(records, period).group_by("volunteer_id").agg(pl.col("hours").sum())
    return (
        members.join(hours, on="volunteer_id", how="left")
        .with_columns(pl.col("volunteer_id").is_in(active_ids.implode()).alias("_active"))
        .group_by("team")
        .agg(
            pl.len().cast(pl.Int64).alias("members"),
            pl.col("_active").sum().cast(pl.Int64).alias("active"),
            pl.col("hours").sum().fill_null(0.0).alias("hours"),
        )
        .filter(pl.col("team").is_not_null())
        .sort(["hours", "team"], descending=[True, False])
    )


def totals(frame: pl.DataFrame) -> dict[str, float | None]:
    """Add up per-unit volunteer metrics: counts summed, per-1,000 and shares re-weighted (never averaged)."""
    residents = frame.get_column("population")
    # An unknown population anywhere leaves the whole unknown: no per-1,000 figure from a part.
    population = 0.0 if residents.has_nulls() else float(residents.sum() or 0)
    volunteers = float(frame.get_column("volunteer_count").fill_null(0).sum() or 0)
    active = float(frame.get_column("active_volunteer_count").fill_null(0).sum() or 0)

    def weighted(share: str, weight: str) -> float | None:
        rows = frame.drop_nulls(share)
        total = float(rows.get_column(weight).sum() or 0)
        if not total:
            return None
        return float((rows.get_column(share) * rows.get_column(weight)).sum()) / total

    return {
        "volunteer_count": float(volunteers),
        "volunteers_per_1000": volunteers / population * 1000 if population else None,
        "active_volunteer_count": float(active),
        "active_per_1000": active / population * 1000 if population else None,
        "service_hours": float(frame.get_column("service_hours").fill_null(0).sum() or 0),
        "party_member_share": weighted("party_member_share", "volunteer_count"),
        "service_point_coverage_share": weighted("service_point_coverage_share", "population"),
    }
