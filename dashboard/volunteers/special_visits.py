"""Visits to special groups (elderly living alone, disabled, children), when the data allows."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Final

import polars as pl

from dashboard.core import schema
from dashboard.core.periods import Period, default_month

if TYPE_CHECKING:
    from dashboard.core.loading import Dataset

SPECIAL_GROUPS_STEM: Final = "data/special_groups"
SPECIAL_GROUP_COLUMNS: Final[tuple[str, ...]] = ("person_id", "grid_code", "group")
SPECIAL_GROUP_KINDS: Final[tuple[str, ...]] = ("elderly_alone", "disabled", "child")


@dataclass(frozen=True)
class SpecialGroups:
    """Visits to special groups (elderly living alone, disabled, children), when the data allows.

    ``available`` is False when a file or column is missing: ``missing`` lists what
    would enable it (catalog: ``volunteer.special_missing``). Otherwise
    ``visits`` has one row per person and month (``person_id``, ``grid_code``,
    ``group``, ``month``, ``visits``), ``not_visited`` the people with no visit in
    ``period``, and ``summary`` per group: people, visited, share visited.
    """

    available: bool
    missing: tuple[str, ...]
    period: Period | None = None
    visits: pl.DataFrame | None = None
    not_visited: pl.DataFrame | None = None
    summary: pl.DataFrame | None = None


def _read_table(root: Path, stem: str) -> pl.DataFrame | None:
    for suffix in (".parquet", ".csv"):
        path = root / f"{stem}{suffix}"
        if path.exists():
            if suffix == ".parquet":
                return pl.read_parquet(path)
            return pl.read_csv(path, infer_schema=False)
    return None


def special_groups(dataset: Dataset, period: Period | None = None) -> SpecialGroups:
    """Detect special-group data in the data root and count visits per person and month.

    Needs ``data/special_groups.(parquet|csv)`` with ``person_id``, ``grid_code``,
    ``group`` and service records with a ``person_id`` column (a visit = a record
    for that person). ``period`` defaults to the latest complete month of the data.
    """
    people = _read_table(dataset.root, SPECIAL_GROUPS_STEM)
    records = dataset.service_records
    missing: list[str] = []
    if people is None:
        missing.append(f"{SPECIAL_GROUPS_STEM}.parquet|csv ({', '.join(SPECIAL_GROUP_COLUMNS)})")
    else:
        missing += [f"{SPECIAL_GROUPS_STEM}: {c}" for c in SPECIAL_GROUP_COLUMNS if c not in people.columns]
    if records is None:
        missing.append(f"{schema.SERVICE_RECORDS_STEM}.parquet|csv (person_id)")
    elif "person_id" not in records.columns:
        missing.append(f"{schema.SERVICE_RECORDS_STEM}: person_id")
    if missing or people is None or records is None:
        return SpecialGroups(available=False, missing=tuple(missing))
    chosen = period or default_month(dataset.as_of)
    return visit_summary(people, records, chosen)


def visit_summary(people: pl.DataFrame, records: pl.DataFrame, period: Period) -> SpecialGroups:
    """:class:`SpecialGroups` from a people table and service records carrying ``person_id``."""
    roster = people.select(
        pl.col("person_id").cast(pl.String),
        pl.col("grid_code").cast(pl.String),
        pl.col("group").cast(pl.String),
    ).unique("person_id", keep="first")
    visits = (
        records.filter(pl.col("person_id").is_not_null())
        .select(pl.col("person_id").cast(pl.String), pl.col("served_at"))
        .join(roster, on="person_id", how="inner")
        .with_columns(pl.col("served_at").dt.strftime("%Y-%m").alias("month"))
        .group_by("person_id", "grid_code", "group", "month")
        .agg(pl.len().cast(pl.Int64).alias("visits"))
        .sort("month", "person_id")
    )
    in_period = (
        records.filter(
            pl.col("person_id").is_not_null()
            & (pl.col("served_at") >= period.start)
            & (pl.col("served_at") < period.end)
        )
        .select(pl.col("person_id").cast(pl.String))
        .unique()
    )
    roster = roster.with_columns(pl.col("person_id").is_in(in_period["person_id"].implode()).alias("visited"))
    not_visited = roster.filter(~pl.col("visited")).drop("visited").sort("grid_code", "person_id")
    summary = (
        roster.group_by("group")
        .agg(pl.len().cast(pl.Int64).alias("people"), pl.col("visited").sum().cast(pl.Int64).alias("visited"))
        .with_columns((pl.col("visited") / pl.col("people")).alias("visited_share"))
        .sort("group")
    )
    return SpecialGroups(
        available=True,
        missing=(),
        period=period,
        visits=visits,
        not_visited=not_visited,
        summary=summary,
    )
