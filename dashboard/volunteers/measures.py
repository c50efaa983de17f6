"""Volunteer measures per unit (docs/domain.md, "Metrics") and demand against supply per grid.

Each volunteer metric is defined once, as a :class:`VolunteerMetric` in
:data:`dashboard.metrics.VOLUNTEER_REGISTRY`; labels, help and formulas live in the i18n catalogs
under ``metric.<key>``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Final, Literal

import polars as pl

from dashboard import metrics
from dashboard.core import schema
from dashboard.core.periods import Period
from dashboard.i18n import Lang, t
from dashboard.metrics import VOLUNTEER_REGISTRY
from dashboard.volunteers.coverage import UnitBy, coverage, coverage_share, known_sum

if TYPE_CHECKING:
    from dashboard.core.loading import Dataset

Kind = Literal["count", "rate", "per_1000", "hours"]
ACTIVE_DAYS: Final = 90
QUADRANTS: Final[tuple[str, ...]] = (
    "high_demand_low_supply",
    "high_demand_high_supply",
    "low_demand_low_supply",
    "low_demand_high_supply",
    "no_residents",
)

Gap = Literal["service_points", "population"]
# The volunteer metrics that need residents, and the one that needs service points too.
PER_RESIDENT: Final = ("volunteers_per_1000", "active_per_1000", "service_point_coverage_share")
REACH: Final = "service_point_coverage_share"


def _empty_volunteers() -> pl.DataFrame:
    return pl.DataFrame(
        schema={
            "volunteer_id": pl.String,
            "grid_code": pl.String,
            "registered_at": pl.Datetime("us"),
            "is_party_member": pl.Boolean,
        }
    )


def _empty_records() -> pl.DataFrame:
    return pl.DataFrame(
        schema={
            "record_id": pl.String,
            "volunteer_id": pl.String,
            "served_at": pl.Datetime("us"),
            "hours": pl.Float64,
            "grid_code": pl.String,
            "beneficiaries": pl.Int64,
        }
    )


PLACE_CODES: Final = ("grid_code", "community_code", "street_code")


def placed_codes(frame: pl.DataFrame, units: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with the grid, community and street codes of each row's place: a grid's parents filled
    from ``units`` (a hand-built frame may carry only ``grid_code``), the codes a row gives kept."""
    parents = units.select(
        "grid_code", pl.col("community_code").alias("_u_community"), pl.col("street_code").alias("_u_street")
    )
    given = frame.with_columns(
        pl.lit(None, dtype=pl.String).alias(c) for c in PLACE_CODES if c not in frame.columns
    )
    return (
        given.join(parents, on="grid_code", how="left")
        .with_columns(
            pl.coalesce("_u_community", "community_code").alias("community_code"),
            pl.coalesce("_u_street", "street_code").alias("street_code"),
        )
        .drop("_u_community", "_u_street")
    )


def grid_volunteer_counts(
    volunteers: pl.DataFrame,
    records: pl.DataFrame,
    period: Period,
    as_of: datetime | None = None,
    units: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Per place (grid, or only community or street): registered, party-member and active volunteers,
    service hours, records and people served.

    The period's end is capped at ``as_of`` when given (a month still under way). Volunteers count where
    they are placed; a record counts where it is placed, else where its volunteer is. With ``units``, the
    community and street of a grid are filled in. One row per ``grid_code``, ``community_code``,
    ``street_code`` with something to count (grid code empty for what was placed only higher up).
    """
    if units is not None:
        volunteers, records = placed_codes(volunteers, units), placed_codes(records, units)
    codes: list[str] = [c for c in PLACE_CODES if c in volunteers.columns]
    end = min(period.end, as_of) if as_of is not None else period.end
    registered = volunteers.filter(pl.col("registered_at") < end)
    active_ids = (
        records.filter(
            (pl.col("served_at") >= end - timedelta(days=ACTIVE_DAYS)) & (pl.col("served_at") < end)
        )
        .select("volunteer_id")
        .unique()
    )
    people = (
        registered.with_columns(
            pl.col("volunteer_id").is_in(active_ids["volunteer_id"].implode()).alias("active")
        )
        .group_by(codes)
        .agg(
            pl.len().cast(pl.Int64).alias("volunteer_count"),
            pl.col("is_party_member").fill_null(False).sum().cast(pl.Int64).alias("party_members"),
            pl.col("active").sum().cast(pl.Int64).alias("active_volunteer_count"),
        )
    )
    service = (
        _record_places(records, volunteers, codes)
        .filter((pl.col("served_at") >= period.start) & (pl.col("served_at") < end))
        .filter(pl.any_horizontal(pl.col(c).is_not_null() for c in codes))
        .group_by(codes)
        .agg(
            pl.col("hours").cast(pl.Float64).sum().alias("service_hours"),
            pl.len().cast(pl.Int64).alias("service_count"),
            pl.col("beneficiaries").cast(pl.Int64).fill_null(0).sum().alias("people_served"),
        )
    )
    joined = people.join(service, on=codes, how="full", coalesce=True, nulls_equal=True)
    return joined.sort(codes, nulls_last=True)


def _record_places(records: pl.DataFrame, volunteers: pl.DataFrame, codes: list[str]) -> pl.DataFrame:
    """Each record with the codes of its own place, or of its volunteer's when it names none (or a point
    in no grid)."""
    home = volunteers.select("volunteer_id", *(pl.col(c).alias(f"_home_{c}") for c in codes))
    own = [pl.col(c) if c in records.columns else pl.lit(None, dtype=pl.String) for c in codes]
    placed = pl.any_horizontal(e.is_not_null() for e in own)
    served = pl.col("beneficiaries") if "beneficiaries" in records.columns else pl.lit(0, dtype=pl.Int64)
    return records.join(home, on="volunteer_id", how="left").select(
        "served_at",
        "hours",
        served.alias("beneficiaries"),
        *(
            pl.when(placed).then(e).otherwise(pl.col(f"_home_{c}")).alias(c)
            for c, e in zip(codes, own, strict=True)
        ),
    )


COUNT_COLUMNS: Final = (
    "volunteer_count",
    "party_members",
    "active_volunteer_count",
    "service_count",
    "people_served",
)


def _summed_counts(units: pl.DataFrame, counts: pl.DataFrame, by: UnitBy, parents: list[str]) -> pl.DataFrame:
    """The counts summed per unit of ``by`` (0 where nothing was counted), with names and population:
    a community's include what was placed in its grids and what was placed only at the community."""
    code, name = schema.UNIT_COLUMNS[by]
    columns = list(dict.fromkeys((code, name, *parents)))
    table = units.group_by(code).agg(
        *(pl.col(c).first() for c in columns if c != code), known_sum("population")
    )
    summed = (
        counts.filter(pl.col(code).is_not_null())
        .group_by(code)
        .agg(
            *(pl.col(c).fill_null(0).sum().cast(pl.Int64) for c in COUNT_COLUMNS),
            pl.col("service_hours").fill_null(0.0).sum().cast(pl.Float64),
        )
    )
    return (
        table.join(summed, on=code, how="left")
        .with_columns(
            *(pl.col(c).fill_null(0) for c in COUNT_COLUMNS), pl.col("service_hours").fill_null(0.0)
        )
        .sort(code)
    )


def placed_above_grids(
    dataset: Dataset, period: Period, as_of: datetime | None = None, communities: Sequence[str] = ()
) -> pl.DataFrame:
    """Volunteers and service hours placed only at community or street level (no grid): one row per
    level with ``volunteer_count`` and ``service_hours``, for a visible note under grid tables and maps.
    With ``communities``, only what was placed in them."""
    volunteers = dataset.volunteers if dataset.volunteers is not None else _empty_volunteers()
    records = dataset.service_records if dataset.service_records is not None else _empty_records()
    counts = grid_volunteer_counts(volunteers, records, period, as_of, dataset.units)
    level = (
        pl.when(pl.col("community_code").is_not_null()).then(pl.lit("community")).otherwise(pl.lit("street"))
    )
    if communities:
        counts = counts.filter(pl.col("community_code").is_in(list(communities)))
    return (
        counts.filter(pl.col("grid_code").is_null())
        .group_by(level.alias("level"))
        .agg(
            pl.col("volunteer_count").fill_null(0).sum().cast(pl.Int64),
            pl.col("service_hours").fill_null(0.0).sum(),
        )
        .sort("level")
    )


def _per_1000(column: str) -> pl.Expr:
    pop = pl.col("population")
    return pl.when(pop > 0).then(pl.col(column) / pop * 1000).otherwise(None)


def _with_rates(table: pl.DataFrame) -> pl.DataFrame:
    """Volunteers and active volunteers per 1,000 residents, and the party members' share."""
    return table.with_columns(
        _per_1000("volunteer_count").alias("volunteers_per_1000"),
        _per_1000("active_volunteer_count").alias("active_per_1000"),
        pl.when(pl.col("volunteer_count") > 0)
        .then(pl.col("party_members") / pl.col("volunteer_count"))
        .otherwise(None)
        .alias("party_member_share"),
    )


def _with_reach(table: pl.DataFrame, dataset: Dataset, by: UnitBy) -> pl.DataFrame:
    """The residents' share within reach of a service point (null without service points)."""
    points = dataset.service_points
    if points is None or "service_points" in reach_gaps(dataset):
        return table.with_columns(pl.lit(None, dtype=pl.Float64).alias("service_point_coverage_share"))
    code = schema.UNIT_COLUMNS[by][0]
    reach = coverage_share(coverage(dataset.grids, points), by).select(
        code, pl.col("coverage_share").alias("service_point_coverage_share")
    )
    return table.join(reach, on=code, how="left")


def reach_gaps(dataset: Dataset) -> tuple[Gap, ...]:
    """What the data lacks to measure service-point reach: service points (no file, or an empty
    one), residents (every grid's population is 0); empty when reach can be measured."""
    gaps: list[Gap] = []
    if dataset.service_points is None or dataset.service_points.is_empty():
        gaps.append("service_points")
    if not (dataset.units.get_column("population").fill_null(0) > 0).any():
        gaps.append("population")
    return tuple(gaps)


def missing_reasons(dataset: Dataset, frame: pl.DataFrame, lang: Lang) -> dict[str, str]:
    """Why volunteer metrics are empty ("—") on rows of ``frame`` (from :func:`volunteer_metrics`),
    by metric key: no volunteer register, no residents in a unit, no service points.

    A metric empty for another reason (no volunteers yet: no party members' share) is not listed.
    """
    reasons: dict[str, str] = {}
    if "service_points" in reach_gaps(dataset):
        reasons[REACH] = t("volunteer.missing_service_points", lang)
    if dataset.volunteers is None:
        for spec in VOLUNTEER_REGISTRY:
            if spec.key != REACH:
                reasons[spec.key] = t("volunteer.missing_volunteers", lang)
    if (frame.get_column("population").fill_null(0) <= 0).any():
        for key in PER_RESIDENT:
            reasons.setdefault(key, t("volunteer.missing_population", lang))
    return {
        key: why for key, why in reasons.items() if key in frame.columns and frame.get_column(key).has_nulls()
    }


def volunteer_metrics(
    dataset: Dataset, by: UnitBy, period: Period, as_of: datetime | None = None
) -> pl.DataFrame:
    """Every volunteer metric for every unit of ``by`` over ``period`` (docs/domain.md, "Metrics").

    One row per unit, sorted by code, with the unit's code and name columns (and
    its parents', as in :func:`dashboard.metrics.compute`) and ``population``.
    Counts of units without volunteers are 0; a rate or per-1,000 value whose
    denominator is 0 is null. Without a volunteers table the volunteer columns are
    null; without service points (no table, or an empty one) so is
    ``service_point_coverage_share`` (never 0% or 100%: :func:`missing_reasons` says why).
    ``as_of`` caps the period's end (registered and active "by the end").
    """
    if by not in schema.UNIT_COLUMNS:
        raise ValueError(f"by must be grid, community or street, got {by!r}")
    code, name = schema.UNIT_COLUMNS[by]
    volunteers = dataset.volunteers if dataset.volunteers is not None else _empty_volunteers()
    records = dataset.service_records if dataset.service_records is not None else _empty_records()
    counts = grid_volunteer_counts(volunteers, records, period, as_of, dataset.units)
    parents = [c for c in metrics.PARENT_COLUMNS[by] if c in dataset.units.columns]
    table = _with_reach(_with_rates(_summed_counts(dataset.units, counts, by, parents)), dataset, by)
    if dataset.volunteers is None:
        table = table.with_columns(
            pl.lit(None, dtype=table.schema[m.key]).alias(m.key)
            for m in VOLUNTEER_REGISTRY
            if m.key != "service_point_coverage_share"
        )
    keys = [m.key for m in VOLUNTEER_REGISTRY]
    return table.select(code, name, *parents, "population", *keys).sort(code)


# --- demand against supply ------------------------------------------------------------


def gap_table(dataset: Dataset, period: Period, as_of: datetime | None = None) -> pl.DataFrame:
    """Per grid, demand (issues per 1,000) against supply (active volunteers per 1,000, hours, reach).

    ``quadrant`` splits at the medians over grids with residents: demand is high
    above the median, supply is low at or below it (``high_demand_low_supply`` ...);
    grids without residents are ``no_residents``. Sorted by quadrant in
    :data:`QUADRANTS` order, then lowest coverage, then highest demand.
    """
    moment = as_of or dataset.as_of
    demand = metrics.compute(dataset.issues, dataset.units, "grid", period, moment, dataset.settings)
    demand = demand.filter(~pl.col(metrics.OUTSIDE)).select("grid_code", "issue_count", "issues_per_1000")
    supply = volunteer_metrics(dataset, "grid", period, as_of).select(
        "grid_code",
        "grid_name",
        "community_code",
        "community_name",
        "population",
        "active_volunteer_count",
        "active_per_1000",
        "service_hours",
        pl.col("service_point_coverage_share").alias("coverage_share"),
    )
    frame = supply.join(demand, on="grid_code", how="left").with_columns(pl.col("issue_count").fill_null(0))
    lived = frame.filter(pl.col("population").fill_null(0) > 0)
    demand_median = lived["issues_per_1000"].fill_null(0.0).median()
    supply_median = lived["active_per_1000"].fill_null(0.0).median()
    high_demand = pl.col("issues_per_1000").fill_null(0.0) > (demand_median or 0.0)
    low_supply = pl.col("active_per_1000").fill_null(0.0) <= (supply_median or 0.0)
    quadrant = (
        pl.when(pl.col("population").fill_null(0) <= 0)  # unknown: no residents to weigh demand against
        .then(pl.lit("no_residents"))
        .when(high_demand & low_supply)
        .then(pl.lit("high_demand_low_supply"))
        .when(high_demand)
        .then(pl.lit("high_demand_high_supply"))
        .when(low_supply)
        .then(pl.lit("low_demand_low_supply"))
        .otherwise(pl.lit("low_demand_high_supply"))
    )
    order = {q: i for i, q in enumerate(QUADRANTS)}
    return (
        frame.with_columns(quadrant.alias("quadrant"))
        .with_columns(pl.col("quadrant").replace_strict(order, return_dtype=pl.Int64).alias("_order"))
        .sort(
            ["_order", "coverage_share", "issues_per_1000", "grid_code"],
            descending=[False, False, True, False],
            nulls_last=True,
        )
        .drop("_order")
    )


def quadrant_label(quadrant: str, lang: Lang) -> str:
    """The catalog label of a quadrant (``volunteer.quadrant_<name>``)."""
    return t(f"volunteer.quadrant_{quadrant}", lang)
