"""The closed loop stage by stage: funnel, solving levels, time to finish, ageing, one issue's timeline.

The period's issues are S exactly as the metrics define it (:func:`dashboard.metrics.issue_flags`
and :func:`dashboard.metrics.in_period`: reported in the period, status not ``invalid``).
An issue has reached a stage when its timestamps *or* its status say so, because the
grid platforms often skip a timestamp:

- ``reported``: every issue in S.
- ``accepted``: ``accepted_at`` is set, or any later time is set, or the status is
  anything but ``reported`` (a resolved, deferred or returned issue was accepted even
  when ``accepted_at`` is empty).
- ``dispatched``: a branch, not a step every issue takes: ``dispatched_at`` is set,
  or the status is ``dispatched``, or the issue was solved at the ``street`` or
  ``department`` level. Issues solved in the grid or the community never pass it.
- ``in_progress``: the issue reached handling: status ``in_progress``, ``returned``,
  ``resolved`` or ``closed``, or ``resolved_at`` is set.
- ``resolved``: finished as the metrics say: status ``resolved`` or ``closed``
  (a ``resolved_at`` on an issue sent back for rework does not count).
- ``closed``: finished and status ``closed`` or ``closed_at`` set.
- ``rated``: ``satisfaction`` is set.
- ``returned``, an extra row after the stages: sent back at least once
  (``rework_count`` ≥ 1) or being reworked now (status ``returned``).

The median hours of a stage are measured from the previous step, over the issues that
have both times: accepted = ``accepted_at`` − ``reported_at``; dispatched =
``dispatched_at`` − ``accepted_at``; resolved = finish time (the earlier of ``resolved_at``
and ``closed_at``) − the last earlier step (``dispatched_at``, else ``accepted_at``, else
``reported_at``); closed = ``closed_at`` − ``resolved_at``. Other stages have no clock
(null), as does a stage no issue has times for.

Statuses are read as they stand in the data; ``as_of`` only measures ages and deadlines.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final

import polars as pl

from dashboard.core import schema
from dashboard.core.periods import Period
from dashboard.core.settings import Settings
from dashboard.metrics import in_period, issue_flags

STAGES: Final[tuple[str, ...]] = (
    "reported",
    "accepted",
    "dispatched",
    "in_progress",
    "resolved",
    "closed",
    "rated",
)
RETURNED: Final = "returned"
FUNNEL_ROWS: Final[tuple[str, ...]] = (*STAGES, RETURNED)
# Timeline stage keys: the funnel's rows plus the two end states that leave the loop.
TIMELINE_STAGES: Final[tuple[str, ...]] = (
    "reported",
    "accepted",
    "dispatched",
    RETURNED,
    "in_progress",
    "resolved",
    "closed",
    "rated",
    "deferred",
    "invalid",
)
UNKNOWN_LEVEL: Final = "unknown"
LEVELS: Final[tuple[str, ...]] = (*schema.LEVELS, UNKNOWN_LEVEL)
AGE_BUCKETS: Final[tuple[str, ...]] = ("0-3", "3-7", "7-30", "30+")
BUCKET_BOUNDS_DAYS: Final[tuple[float, ...]] = (3.0, 7.0, 30.0)
NOT_OPEN_STATUSES: Final[tuple[str, ...]] = ("resolved", "closed", "deferred", "invalid")
UNIT_CODES: Final[tuple[str, ...]] = ("grid_code", "community_code", "street_code")
# What an ageing row shows: no reporter name or phone (schema.PERSONAL_COLUMNS).
AGEING_COLUMNS: Final[tuple[str, ...]] = (
    "issue_id",
    "street_code",
    "street_name",
    "community_code",
    "community_name",
    "grid_code",
    "grid_name",
    "category",
    "status",
    "source",
    "urgent",
    "reported_at",
    "due_at",
    "age_days",
    "age_bucket",
    "overdue",
    "days_overdue",
)
_HANDLING: Final = ("in_progress", "returned", "resolved", "closed")
_DAY_SECONDS: Final = 86_400.0


# --- stage rules as expressions ----------------------------------------------------


def _hours(end: pl.Expr, start: pl.Expr) -> pl.Expr:
    return (end - start).dt.total_seconds(fractional=True) / 3600


def finish_time() -> pl.Expr:
    """The finish time of the metrics: the earlier of ``resolved_at`` and ``closed_at``."""
    return pl.min_horizontal("resolved_at", "closed_at")


def stage_reached() -> dict[str, pl.Expr]:
    """One boolean expression per funnel row (:data:`FUNNEL_ROWS`): has the issue reached it?"""
    status = pl.col("status")
    finished = status.is_in(schema.FINISHED_STATUSES)
    later_time = pl.any_horizontal(
        pl.col(c).is_not_null() for c in ("accepted_at", "dispatched_at", "resolved_at", "closed_at")
    )
    return {
        "reported": pl.col("reported_at").is_not_null(),  # required: every issue
        "accepted": later_time | (status != "reported"),
        "dispatched": (
            pl.col("dispatched_at").is_not_null()
            | (status == "dispatched")
            | pl.col("resolved_level").is_in(["street", "department"]).fill_null(False)
        ),
        "in_progress": status.is_in(_HANDLING) | pl.col("resolved_at").is_not_null(),
        "resolved": finished,
        "closed": finished & ((status == "closed") | pl.col("closed_at").is_not_null()),
        "rated": pl.col("satisfaction").is_not_null(),
        RETURNED: (pl.col("rework_count").fill_null(0) >= 1) | (status == RETURNED),
    }


def stage_hours() -> dict[str, pl.Expr]:
    """Hours from the previous step to each timed stage (null where a time is missing)."""
    start_of_handling = pl.coalesce("dispatched_at", "accepted_at", "reported_at")
    return {
        "accepted": _hours(pl.col("accepted_at"), pl.col("reported_at")),
        "dispatched": _hours(pl.col("dispatched_at"), pl.col("accepted_at")),
        "resolved": _hours(finish_time(), start_of_handling),
        "closed": _hours(pl.col("closed_at"), pl.col("resolved_at")),
    }


def _period_issues(issues: pl.DataFrame, period: Period, as_of: datetime, settings: Settings) -> pl.DataFrame:
    """S: the period's issues that are not invalid, with the metrics' flags."""
    return in_period(issue_flags(issues, as_of, settings), period)


# --- 1. funnel ---------------------------------------------------------------------------


def funnel(issues: pl.DataFrame, period: Period, as_of: datetime, settings: Settings) -> pl.DataFrame:
    """The period's issues through the stages of the loop, one row per :data:`FUNNEL_ROWS` key.

    Columns: ``stage``, ``count`` (issues that reached it), ``share`` (of S; null when S
    is empty) and ``median_hours`` (from the previous step; see the module docstring).

    Examples
    --------
    >>> funnel(dataset.issues, parse_period("2026-10"), dataset.as_of, dataset.settings)  # doctest: +SKIP
    """
    selected = _period_issues(issues, period, as_of, settings)
    reached = stage_reached()
    hours = stage_hours()
    aggregates: list[pl.Expr] = [pl.len().alias("_total")]
    for stage in FUNNEL_ROWS:
        aggregates.append(reached[stage].sum().alias(f"{stage}__count"))
        if stage in hours:
            aggregates.append(hours[stage].filter(reached[stage]).median().alias(f"{stage}__median"))
    row = selected.select(aggregates).row(0, named=True)
    total = int(row["_total"])
    counts = [int(row[f"{stage}__count"] or 0) for stage in FUNNEL_ROWS]
    return pl.DataFrame(
        {
            "stage": list(FUNNEL_ROWS),
            "count": counts,
            "share": [count / total if total else None for count in counts],
            "median_hours": [row.get(f"{stage}__median") for stage in FUNNEL_ROWS],
        },
        schema={"stage": pl.String, "count": pl.Int64, "share": pl.Float64, "median_hours": pl.Float64},
    )


def rework_returns(issues: pl.DataFrame, period: Period, as_of: datetime, settings: Settings) -> pl.DataFrame:
    """Rework in the period's issues, as one row.

    ``reworked``: issues sent back at least once or being reworked now (the funnel's
    ``returned`` row); ``returned_now``: status ``returned``; ``returns``: times sent back
    in all (an issue in status ``returned`` with a rework count of 0 counts once);
    ``reworked_finished``: finished issues that were sent back (the ``rework_rate`` numerator).
    """
    selected = _period_issues(issues, period, as_of, settings)
    returned_now = pl.col("status") == RETURNED
    times = pl.max_horizontal(pl.col("rework_count").fill_null(0), returned_now.cast(pl.Int64))
    return selected.select(
        stage_reached()[RETURNED].sum().cast(pl.Int64).alias("reworked"),
        returned_now.sum().cast(pl.Int64).alias("returned_now"),
        times.sum().cast(pl.Int64).alias("returns"),
        pl.col("reworked").sum().cast(pl.Int64).alias("reworked_finished"),
    )


# --- 2. level mix ------------------------------------------------------------------------


def _unit_columns(by: str) -> tuple[str, str]:
    if by not in UNIT_CODES:
        raise ValueError(f"by must be one of {', '.join(UNIT_CODES)}; got {by!r}")
    return by, by.removesuffix("_code") + "_name"


def _ordered(frame: pl.DataFrame, code: str, column: str, order: tuple[str, ...]) -> pl.DataFrame:
    """Sort by unit code (the 'outside every grid' null code last), then ``column`` in ``order``."""
    rank = {key: i for i, key in enumerate(order)}
    return (
        frame.with_columns(pl.col(column).replace_strict(rank, return_dtype=pl.Int64).alias("_order"))
        .sort(code, "_order", nulls_last=True)
        .drop("_order")
    )


def level_mix(
    issues: pl.DataFrame,
    period: Period,
    as_of: datetime,
    settings: Settings,
    by: str = "community_code",
) -> pl.DataFrame:
    """Per unit, how the finished issues of S were solved: grid, community, street, department, unknown.

    Long format, every level for every unit that has finished issues (zeros included):
    ``<unit>_code``, ``<unit>_name``, ``level``, ``count``, ``total`` (finished issues of
    the unit) and ``share`` = count / total. Issues outside every grid form a unit with a
    null code, sorted last. ``by`` is ``grid_code``, ``community_code`` or ``street_code``.
    """
    code, name = _unit_columns(by)
    finished = _period_issues(issues, period, as_of, settings).filter(pl.col("finished"))
    with_level = finished.with_columns(pl.col("resolved_level").fill_null(UNKNOWN_LEVEL).alias("level"))
    counts = with_level.group_by(code, "level").agg(pl.len().cast(pl.Int64).alias("count"))
    units = with_level.group_by(code).agg(pl.col(name).first(), pl.len().cast(pl.Int64).alias("total"))
    levels = pl.DataFrame({"level": list(LEVELS)}, schema={"level": pl.String})
    mix = (
        units.join(levels, how="cross")
        .join(counts, on=[code, "level"], how="left", nulls_equal=True)
        .with_columns(pl.col("count").fill_null(0))
        .with_columns((pl.col("count") / pl.col("total")).alias("share"))
        .select(code, name, "level", "count", "total", "share")
    )
    return _ordered(mix, code, "level", LEVELS)


# --- 3. time to finish ---------------------------------------------------------------------


def finish_hours_by_category(
    issues: pl.DataFrame, period: Period, as_of: datetime, settings: Settings
) -> pl.DataFrame:
    """Hours from report to finish of every finished issue in S that has a finish time.

    Columns ``issue_id``, ``category``, ``hours_to_finish`` (as the ``median_hours_to_finish``
    metric measures it), sorted by category, hours and id: the input of a box plot.
    """
    return (
        _period_issues(issues, period, as_of, settings)
        .filter(pl.col("finished") & pl.col("hours_to_finish").is_not_null())
        .select("issue_id", "category", "hours_to_finish")
        .sort("category", "hours_to_finish", "issue_id")
    )


def finish_hours_summary(hours: pl.DataFrame) -> pl.DataFrame:
    """Per category of :func:`finish_hours_by_category`: ``count``, ``median_hours``, ``p90_hours``.

    The 90th percentile interpolates linearly between issues. Sorted by median, slowest first.
    """
    return (
        hours.group_by("category")
        .agg(
            pl.len().cast(pl.Int64).alias("count"),
            pl.col("hours_to_finish").median().alias("median_hours"),
            pl.col("hours_to_finish").quantile(0.9, interpolation="linear").alias("p90_hours"),
        )
        .sort(["median_hours", "category"], descending=[True, False], nulls_last=True)
    )


# --- 4. ageing of open issues ----------------------------------------------------------------


def _bucket(age_days: pl.Expr) -> pl.Expr:
    low, mid, high = BUCKET_BOUNDS_DAYS
    return (
        pl.when(age_days < low)
        .then(pl.lit(AGE_BUCKETS[0]))
        .when(age_days < mid)
        .then(pl.lit(AGE_BUCKETS[1]))
        .when(age_days < high)
        .then(pl.lit(AGE_BUCKETS[2]))
        .otherwise(pl.lit(AGE_BUCKETS[3]))
    )


def ageing(issues: pl.DataFrame, as_of: datetime, settings: Settings) -> pl.DataFrame:
    """Every issue still open at ``as_of``, whatever the period, with its age and deadline.

    Open: status not resolved, closed, deferred or invalid, and reported by ``as_of``.
    ``age_days`` = as_of − reported_at in days; ``age_bucket`` one of :data:`AGE_BUCKETS`
    (``[0, 3)``, ``[3, 7)``, ``[7, 30)``, ``[30, ∞)`` days); ``overdue`` = due_at < as_of;
    ``days_overdue`` = days past the deadline (0 when not overdue). Reporter names and
    phones are left out. Sorted overdue first, then oldest first, then by id.
    ``settings`` is taken for symmetry with the other functions: deadlines were filled
    from the category limits when the data was loaded.
    """
    age = (pl.lit(as_of) - pl.col("reported_at")).dt.total_seconds(fractional=True) / _DAY_SECONDS
    late = (pl.lit(as_of) - pl.col("due_at")).dt.total_seconds(fractional=True) / _DAY_SECONDS
    overdue = (pl.col("due_at") < as_of).fill_null(False)
    return (
        issues.filter(~pl.col("status").is_in(NOT_OPEN_STATUSES) & (pl.col("reported_at") <= as_of))
        .with_columns(age.alias("age_days"), overdue.alias("overdue"))
        .with_columns(
            _bucket(pl.col("age_days")).alias("age_bucket"),
            pl.when(pl.col("overdue")).then(late).otherwise(0.0).alias("days_overdue"),
        )
        .select(AGEING_COLUMNS)
        .sort(["overdue", "age_days", "issue_id"], descending=[True, True, False])
    )


def ageing_summary(ageing_frame: pl.DataFrame, by: str = "community_code") -> pl.DataFrame:
    """Open issues per unit and age bucket, with how many of them are overdue.

    Long format, all four buckets for every unit with open issues: ``<unit>_code``,
    ``<unit>_name``, ``age_bucket``, ``count``, ``overdue``; the null code (outside every
    grid) sorts last.
    """
    code, name = _unit_columns(by)
    counts = ageing_frame.group_by(code, "age_bucket").agg(
        pl.len().cast(pl.Int64).alias("count"), pl.col("overdue").sum().cast(pl.Int64).alias("overdue")
    )
    units = ageing_frame.group_by(code).agg(pl.col(name).first())
    buckets = pl.DataFrame({"age_bucket": list(AGE_BUCKETS)}, schema={"age_bucket": pl.String})
    summary = (
        units.join(buckets, how="cross")
        .join(counts, on=[code, "age_bucket"], how="left", nulls_equal=True)
        .with_columns(pl.col("count").fill_null(0), pl.col("overdue").fill_null(0))
        .select(code, name, "age_bucket", "count", "overdue")
    )
    return _ordered(summary, code, "age_bucket", AGE_BUCKETS)


# --- 5. one issue's timeline -------------------------------------------------------------------


@dataclass(frozen=True)
class TimelineEvent:
    """One step in an issue's life.

    ``stage`` is a :data:`TIMELINE_STAGES` key; ``time`` is empty for steps the data does
    not time (returned, in progress, rated, deferred, invalid, or a skipped timestamp).
    ``detail`` is a data value to show with it: the source (reported), the department or
    level (dispatched), the rework count (returned), the level (resolved), the
    satisfaction key (rated); otherwise empty.
    """

    stage: str
    time: datetime | None
    detail: str = ""


def timeline(issues: pl.DataFrame, issue_id: str) -> list[TimelineEvent]:
    """The steps issue ``issue_id`` has gone through, in time order; ``KeyError`` for an unknown id.

    Stages are reached by the module's rules. An untimed step sorts right after every
    timed step before it in stage order; an issue that was sent back shows ``returned``
    with its rework count, one being handled now shows ``in_progress``.
    """
    reached = stage_reached()
    found = issues.filter(pl.col("issue_id") == issue_id).with_columns(
        *(expr.alias(f"_{stage}") for stage, expr in reached.items()),
        finish_time().alias("_finish_at"),
    )
    if found.is_empty():
        raise KeyError(issue_id)
    row = found.row(0, named=True)
    status = str(row["status"])

    def text(value: object) -> str:
        return "" if value is None else str(value)

    level = row["resolved_level"]
    steps: list[TimelineEvent] = [TimelineEvent("reported", row["reported_at"], text(row["source"]))]
    if row["_accepted"]:
        steps.append(TimelineEvent("accepted", row["accepted_at"]))
    if row["_dispatched"]:
        detail = row["department"] or (level if level in ("street", "department") else None)
        steps.append(TimelineEvent("dispatched", row["dispatched_at"], text(detail)))
    if row[f"_{RETURNED}"]:
        steps.append(TimelineEvent(RETURNED, None, str(max(int(row["rework_count"] or 0), 1))))
    if status in ("in_progress", RETURNED):
        steps.append(TimelineEvent("in_progress", None))
    if row["_resolved"]:
        steps.append(TimelineEvent("resolved", row["resolved_at"] or row["_finish_at"], text(level)))
    if row["_closed"]:
        steps.append(TimelineEvent("closed", row["closed_at"]))
    if row["_rated"]:
        steps.append(TimelineEvent("rated", None, text(row["satisfaction"])))
    if status in ("deferred", "invalid"):
        steps.append(TimelineEvent(status, None))
    return _in_time_order(steps)


def _in_time_order(steps: list[TimelineEvent]) -> list[TimelineEvent]:
    """Sort by time; an untimed step sorts right after the latest time of the steps before it."""
    keyed: list[tuple[datetime, int, TimelineEvent]] = []
    last = datetime.min
    for index, step in enumerate(steps):
        if step.time is not None:
            last = max(last, step.time)
        keyed.append((step.time or last, index, step))
    return [step for _, _, step in sorted(keyed, key=lambda item: (item[0], item[1]))]
