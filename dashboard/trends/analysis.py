"""Trends over time for data staff: series with moving averages, year on year, weekday × hour, seasons, hot topics, spikes.

Every count and rate is a registry metric (:mod:`dashboard.metrics`) over S: issues reported in
the time window whose status is not ``invalid``. Time buckets are calendar days, weeks starting
on Monday, or calendar months, in local time. Functions return new, sorted frames and never
change their inputs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime
from typing import Final, Literal

import polars as pl

from dashboard.core.periods import Period, default_month, month
from dashboard.core.settings import Settings
from dashboard.core.span import reaches_before_data
from dashboard.metrics import METRICS, Basis, Metric, compute_groups, in_period, issue_flags, keys_for
from dashboard.metrics.compute import absent_columns

Freq = Literal["day", "week", "month"]
FREQS: Final[tuple[Freq, ...]] = ("day", "week", "month")
# Polars duration strings of one bucket (``1w`` truncates to Monday).
INTERVALS: Final[dict[Freq, str]] = {"day": "1d", "week": "1w", "month": "1mo"}
# Trailing moving average, in buckets: a week of days, four weeks, a quarter of months.
MA_WINDOWS: Final[dict[Freq, int]] = {"day": 7, "week": 4, "month": 3}
MAD_TO_SD: Final = 1.4826  # a normal distribution's standard deviation is 1.4826 × its MAD
POISSON_ROOT_SD: Final = 0.5  # the standard deviation of √X for a Poisson count X (of any size)
BUCKET = "bucket"
GROUP = "group"

SERIES_SCHEMA: Final[dict[str, pl.DataType]] = {
    BUCKET: pl.Datetime("us"),
    GROUP: pl.String(),
    "metric": pl.String(),
    "value": pl.Float64(),
    "numerator": pl.Int64(),
    "denominator": pl.Int64(),
    "ma": pl.Float64(),
    "partial": pl.Boolean(),
}


@dataclass(frozen=True)
class HotTopic:
    """The month's topic (meiyue yiti): the category that rose most against the previous period.

    ``rise_pct`` is ``rise / before`` (0.5 = +50%), null when the category had no issues before.
    ``period`` and ``previous`` are the periods' keys (``2026-10``, ``2026-09``).
    """

    category: str
    now: int
    before: int
    rise: int
    rise_pct: float | None
    period: str
    previous: str


# --- helpers -------------------------------------------------------------------------------


def _check_by(issues: pl.DataFrame, by: str | None) -> None:
    if by is not None and by not in issues.columns:
        raise ValueError(f"cannot group by {by!r}: the issues have no such column")


def _group_expr(by: str | None) -> pl.Expr:
    """The grouping column as text (``group``); a single null group when ``by`` is None."""
    if by is None:
        return pl.lit(None, dtype=pl.String).alias(GROUP)
    return pl.col(by).cast(pl.String).alias(GROUP)


def _reported_in(issues: pl.DataFrame, period: Period) -> pl.DataFrame:
    """S of ``period`` as the metrics define it (status not ``invalid``), for counts that need no flags."""
    return in_period(issues.filter(pl.col("status") != "invalid"), period)


def _counts(
    issues: pl.DataFrame, periods: list[Period], as_of: datetime, settings: Settings, by: str | None
) -> pl.DataFrame:
    """``issue_count`` per group and period key, from the registry (groups with no issues are absent)."""
    grouped = compute_groups(issues.with_columns(_group_expr(by)), [GROUP], periods, as_of, settings)
    return grouped.select("period", GROUP, pl.col("issue_count").cast(pl.Int64))


def year_earlier(period: Period) -> Period:
    """The same period one year before: ``2026-10`` → ``2025-10``; 29 February falls back to the 28th."""
    if period.is_month:
        return month(date(period.start.year - 1, period.start.month, 1))
    return Period(_minus_year(period.start), _minus_year(period.end))


def _minus_year(moment: datetime) -> datetime:
    try:
        return moment.replace(year=moment.year - 1)
    except ValueError:  # 29 February
        return moment.replace(year=moment.year - 1, day=28)


# --- series --------------------------------------------------------------------------------


def series(
    issues: pl.DataFrame,
    start: datetime,
    end: datetime,
    freq: Freq,
    as_of: datetime,
    settings: Settings,
    by: str | None = None,
    metric: str = "issue_count",
    ma_window: int | None = None,
    *,
    basis: Basis = "live",
    data_start: datetime | None = None,
) -> pl.DataFrame:
    """A registry metric per time bucket of ``[start, end)``, optionally per group, with a moving average.

    Parameters
    ----------
    freq
        ``day``, ``week`` (starting Monday) or ``month``.
    by
        An issue column to split by (``category``, ``source``, ``community_name``...);
        ``None`` gives one series with a null ``group``.
    metric
        A key of ``keys_for("series")`` (every metric but issues_per_1000: a bucket of categories has no residents).
    ma_window
        Buckets in the trailing moving average; by default 7 days, 4 weeks or 3 months.
    basis
        ``live``: every bucket as things stand at ``as_of``; ``cutoff``: each at its own cut-off
        (its end, or ``end``, plus the grace days; never after ``as_of``): a past bucket never changes.
    data_start
        When the data begins (:func:`dashboard.core.span.data_start`): earlier buckets are gaps,
        left out (no line, no zeros).

    Returns
    -------
    pl.DataFrame
        ``bucket`` (its start), ``group``, ``metric``, ``value``, ``numerator``, ``denominator``,
        ``ma``, ``partial``; a row per bucket for every group with issues in the window, by group
        (nulls last) then bucket. A bucket with no issues has count 0 and a null rate. Counts
        carry the count as ``numerator`` (null ``denominator``); medians carry neither. ``ma``
        is null until the window is full of buckets of data; for rates the pooled rate of the
        window, else the mean of its values. ``partial`` marks buckets cut by ``start``, ``end``,
        ``as_of`` (a month still running) or the data start; buckets after ``as_of`` are left out.
    """
    window = _checked_window(issues, start, end, freq, by, metric, ma_window)
    spec = METRICS[metric]
    interval = INTERVALS[freq]
    numbers = _bucket_numbers(
        *_flagged(issues, Period(start, end), interval, by, as_of, settings, basis), spec
    )
    bucket_end = pl.col(BUCKET).dt.offset_by(interval)
    first = start if data_start is None else max(start, data_start)
    # Buckets that start after the data's time are the future, those before the data a gap: left out.
    frame = _every_bucket(numbers, _truncate(first, interval), min(end, as_of), interval, by, spec)
    partial = (pl.col(BUCKET) < first) | (bucket_end > end) | (bucket_end > as_of)
    return frame.with_columns(
        pl.lit(metric).alias("metric"), _moving_average(spec, window).alias("ma"), partial.alias("partial")
    ).select(list(SERIES_SCHEMA))


def _flagged(
    issues: pl.DataFrame,
    window: Period,
    interval: str,
    by: str | None,
    as_of: datetime,
    settings: Settings,
    basis: Basis,
) -> tuple[pl.DataFrame, frozenset[str]]:
    """The window's issues with their bucket and group, flagged each at the point in time its bucket is
    measured at (``as_of``, or the bucket's cut-off), and the metric inputs the data lacks."""
    selected = in_period(issues, window).with_columns(
        pl.col("reported_at").dt.truncate(interval).alias(BUCKET), _group_expr(by)
    )
    at = pl.lit(as_of, dtype=pl.Datetime("us"))
    if basis == "cutoff":
        closes = pl.min_horizontal(
            pl.col(BUCKET).dt.offset_by(interval), pl.lit(window.end, dtype=pl.Datetime("us"))
        )
        at = pl.min_horizontal(closes + pl.duration(days=settings.assessment_grace_days), at)
    return issue_flags(selected, at, settings), absent_columns(selected)


def _checked_window(
    issues: pl.DataFrame,
    start: datetime,
    end: datetime,
    freq: Freq,
    by: str | None,
    metric: str,
    ma_window: int | None,
) -> int:
    """The moving average's window in buckets, once the arguments of :func:`series` are checked."""
    if freq not in FREQS:
        raise ValueError(f"freq must be one of {', '.join(FREQS)}, got {freq!r}")
    if metric not in keys_for("series"):
        raise ValueError(f"metric {metric!r} has no time series; choose from {', '.join(keys_for('series'))}")
    if end <= start:
        raise ValueError(f"the window ends ({end}) before it starts ({start})")
    _check_by(issues, by)
    window = MA_WINDOWS[freq] if ma_window is None else ma_window
    if window < 1:
        raise ValueError(f"ma_window must be at least 1, got {window}")
    return window


def _bucket_numbers(flagged: pl.DataFrame, absent: frozenset[str], spec: Metric) -> pl.DataFrame:
    """``value``, ``numerator`` and ``denominator`` per bucket and group from issues flagged each at its
    bucket's point in time, as :func:`dashboard.metrics.compute_groups` defines them (medians carry neither
    count; a metric whose inputs are absent is null, never 0)."""
    none = pl.lit(None, dtype=pl.Int64)
    if spec.kind == "median":
        parts = [
            pl.col(spec.numerator).median().alias("value"),
            none.alias("numerator"),
            none.alias("denominator"),
        ]
    else:
        denominator = pl.col(spec.denominator).sum() if spec.is_rate and spec.denominator else none
        parts = [pl.col(spec.numerator).sum().alias("numerator"), denominator.alias("denominator")]
    expected = pl.col(spec.inputs_expected)
    present = pl.all_horizontal(pl.col(c).is_not_null() for c in spec.inputs) if spec.inputs else pl.lit(True)
    grouped = flagged.group_by(BUCKET, GROUP).agg(
        *parts,
        pl.len().alias("_issues"),
        (expected.sum() if spec.inputs else pl.lit(0)).alias("_expected"),
        ((expected & present).sum() if spec.inputs else pl.lit(0)).alias("_present"),
    )
    num, den = pl.col("numerator"), pl.col("denominator")
    if spec.kind == "count":
        value = num.cast(pl.Float64)
    elif spec.is_rate:
        value = pl.when(den > 0).then(num / den).otherwise(None)
    else:
        value = pl.col("value")
    missing = pl.lit(False)
    if spec.inputs:
        missing = pl.col("_issues") > 0
        if not absent & set(spec.inputs):
            missing = missing & (pl.col("_expected") > 0) & (pl.col("_present") == 0)
    return grouped.select(
        BUCKET,
        GROUP,
        pl.when(missing).then(None).otherwise(value).cast(pl.Float64).alias("value"),
        num.cast(pl.Int64).alias("numerator"),
        den.cast(pl.Int64).alias("denominator"),
    )


def _every_bucket(
    numbers: pl.DataFrame, first: datetime, last: datetime, interval: str, by: str | None, spec: Metric
) -> pl.DataFrame:
    """Every bucket from ``first`` until ``last`` for every group, empty ones counted 0, by group then bucket."""
    buckets = pl.DataFrame(
        {BUCKET: pl.datetime_range(first, last, interval, closed="left", eager=True, time_unit="us")}
    )
    groups = numbers.select(GROUP).unique()
    if groups.height == 0 and by is None:
        groups = pl.DataFrame({GROUP: [None]}, schema={GROUP: pl.String})
    frame = buckets.join(groups, how="cross").join(numbers, on=[BUCKET, GROUP], how="left", nulls_equal=True)
    if spec.kind == "count":
        frame = frame.with_columns(pl.col("value", "numerator").fill_null(0))
    elif spec.is_rate:
        frame = frame.with_columns(pl.col("numerator", "denominator").fill_null(0))
    return frame.sort(GROUP, BUCKET, nulls_last=True)


def _moving_average(spec: Metric, window: int) -> pl.Expr:
    """The trailing average per group: a rate pooled over the window, else the mean of its values."""
    if spec.is_rate:
        num = pl.col("numerator").rolling_sum(window, min_samples=window).over(GROUP)
        den = pl.col("denominator").rolling_sum(window, min_samples=window).over(GROUP)
        return pl.when(den > 0).then(num / den).otherwise(None)
    return pl.col("value").rolling_mean(window, min_samples=window).over(GROUP)


def _truncate(moment: datetime, interval: str) -> datetime:
    value = pl.select(pl.lit(moment, dtype=pl.Datetime("us")).dt.truncate(interval)).item()
    assert isinstance(value, datetime)
    return value


# --- year on year --------------------------------------------------------------------------


def year_on_year(
    issues: pl.DataFrame,
    period: Period,
    as_of: datetime,
    settings: Settings,
    by: str | None = None,
    *,
    data_start: datetime | None = None,
) -> pl.DataFrame:
    """Issue counts in ``period`` against the same period a year earlier, per group.

    Returns ``group``, ``then``, ``now``, ``change`` (now − then), ``change_pct`` (change / then,
    null when then is 0), ``period_then``, ``period_now`` (period keys); one row per group with
    issues in either period (a single null group when ``by`` is None), largest ``now`` first.
    When the year-earlier period reaches before ``data_start`` (:func:`year_earlier_has_data`),
    there is nothing to compare with: ``then``, ``change`` and ``change_pct`` are null, never 0.
    """
    _check_by(issues, by)
    earlier = year_earlier(period)
    counts = _counts(issues, [earlier, period], as_of, settings, by)
    then = counts.filter(pl.col("period") == earlier.key()).select(GROUP, pl.col("issue_count").alias("then"))
    now = counts.filter(pl.col("period") == period.key()).select(GROUP, pl.col("issue_count").alias("now"))
    groups = pl.concat([then.select(GROUP), now.select(GROUP)]).unique()
    if groups.height == 0 and by is None:
        groups = pl.DataFrame({GROUP: [None]}, schema={GROUP: pl.String})
    joined = (
        groups.join(then, on=GROUP, how="left", nulls_equal=True)
        .join(now, on=GROUP, how="left", nulls_equal=True)
        .with_columns(pl.col("then", "now").fill_null(0))
    )
    if not year_earlier_has_data(period, data_start):
        joined = joined.with_columns(pl.lit(None, dtype=pl.Int64).alias("then"))
    change = pl.col("now") - pl.col("then")
    return joined.with_columns(
        change.alias("change"),
        pl.when(pl.col("then") > 0).then(change / pl.col("then")).otherwise(None).alias("change_pct"),
        pl.lit(earlier.key()).alias("period_then"),
        pl.lit(period.key()).alias("period_now"),
    ).sort(["now", GROUP], descending=[True, False], nulls_last=True)


def year_earlier_has_data(period: Period, data_start: datetime | None) -> bool:
    """Whether the data covers the same period a year earlier (all of it: it does not reach before the start)."""
    return not reaches_before_data(year_earlier(period), data_start)


def previous_has_data(period: Period, data_start: datetime | None) -> bool:
    """Whether the data covers the period before ``period`` (all of it)."""
    return not reaches_before_data(period.previous(), data_start)


# --- weekday × hour ------------------------------------------------------------------------


def weekday_hour(issues: pl.DataFrame, period: Period) -> pl.DataFrame:
    """Issues of ``period`` by weekday (0 = Monday … 6 = Sunday) and hour of report (0–23).

    Always 168 rows ``weekday``, ``hour``, ``count`` sorted by weekday then hour, zeros included.
    """
    counts = (
        _reported_in(issues, period)
        .group_by(
            (pl.col("reported_at").dt.weekday().cast(pl.Int64) - 1).alias("weekday"),
            pl.col("reported_at").dt.hour().cast(pl.Int64).alias("hour"),
        )
        .agg(pl.len().cast(pl.Int64).alias("count"))
    )
    cells = pl.DataFrame({"weekday": list(range(7))}, schema={"weekday": pl.Int64}).join(
        pl.DataFrame({"hour": list(range(24))}, schema={"hour": pl.Int64}), how="cross"
    )
    return (
        cells.join(counts, on=["weekday", "hour"], how="left")
        .with_columns(pl.col("count").fill_null(0))
        .sort("weekday", "hour")
    )


# --- seasonality ---------------------------------------------------------------------------


def seasonality(
    issues: pl.DataFrame, as_of: datetime, settings: Settings, by: str | None = None
) -> pl.DataFrame:
    """Mean issues per calendar month (1–12) over the whole history, optionally per group.

    Only complete months count: from the month of the first report to the last month that
    has ended by ``as_of`` (a month still running would drag its mean down). A month of that
    span without issues counts as 0. Returns ``group``, ``month``, ``mean``, ``years`` (how many
    times the calendar month occurs in the span), ``total``; 12 rows per group, sorted by group
    then month; ``mean`` is null for a month the span does not reach.
    """
    _check_by(issues, by)
    valid = issues.filter(pl.col("status") != "invalid")
    first = valid.get_column("reported_at").min()
    last = default_month(as_of)
    rows = pl.DataFrame(schema={GROUP: pl.String, "month": pl.Int64, "total": pl.Int64, "years": pl.Int64})
    if isinstance(first, datetime) and month(first).start < last.end:
        monthly = series(issues, month(first).start, last.end, "month", as_of, settings, by=by)
        rows = monthly.group_by(GROUP, pl.col(BUCKET).dt.month().cast(pl.Int64).alias("month")).agg(
            pl.col("value").sum().cast(pl.Int64).alias("total"), pl.len().cast(pl.Int64).alias("years")
        )
    groups = rows.select(GROUP).unique()
    if groups.height == 0 and by is None:
        groups = pl.DataFrame({GROUP: [None]}, schema={GROUP: pl.String})
    months = pl.DataFrame({"month": list(range(1, 13))}, schema={"month": pl.Int64})
    return (
        groups.join(months, how="cross")
        .join(rows, on=[GROUP, "month"], how="left", nulls_equal=True)
        .with_columns(pl.col("years", "total").fill_null(0))
        .with_columns(
            pl.when(pl.col("years") > 0).then(pl.col("total") / pl.col("years")).otherwise(None).alias("mean")
        )
        .select(GROUP, "month", "mean", "years", "total")
        .sort(GROUP, "month", nulls_last=True)
    )


# --- top categories and the hot topic ------------------------------------------------------


def top_categories(issues: pl.DataFrame, period: Period, n: int = 10) -> pl.DataFrame:
    """The ``n`` categories with most issues in ``period``: ``category``, ``count``, ``share`` of the period's issues.

    Largest first; ties by category name.
    """
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    counts = _reported_in(issues, period).group_by("category").agg(pl.len().cast(pl.Int64).alias("count"))
    total = counts.get_column("count").sum()
    return (
        counts.with_columns((pl.col("count") / total).alias("share"))
        .sort(["count", "category"], descending=[True, False], nulls_last=True)
        .head(n)
    )


def hot_topic(
    issues: pl.DataFrame,
    period: Period,
    as_of: datetime,
    settings: Settings,
    min_count: int = 10,
    *,
    data_start: datetime | None = None,
) -> HotTopic | None:
    """The month's topic: the category whose issue count rose most from the previous period to ``period``.

    The largest absolute rise wins; equal rises go to the larger relative rise (a category
    new from 0 counts as the largest), then to the category name. A category needs at least
    ``min_count`` issues now, so a jump from 1 to 3 does not win. ``None`` when no category
    with enough issues rose, and when the previous period reaches before ``data_start``
    (:func:`previous_has_data`: a rise from before the data would be a rise from nothing).
    """
    previous = period.previous()
    if not previous_has_data(period, data_start):
        return None
    counts = _counts(issues, [previous, period], as_of, settings, "category")
    before = dict(counts.filter(pl.col("period") == previous.key()).select(GROUP, "issue_count").iter_rows())
    candidates: list[tuple[int, float, str, int, int]] = []
    for category, now in (
        counts.filter(pl.col("period") == period.key()).select(GROUP, "issue_count").iter_rows()
    ):
        then = int(before.get(category, 0))
        if category is None or now < min_count or now <= then:
            continue
        relative = (now - then) / then if then else math.inf
        candidates.append((now - then, relative, category, now, then))
    if not candidates:
        return None
    rise, relative, category, now, then = min(candidates, key=lambda c: (-c[0], -c[1], c[2]))
    return HotTopic(
        category=category,
        now=now,
        before=then,
        rise=rise,
        rise_pct=None if math.isinf(relative) else relative,
        period=period.key(),
        previous=previous.key(),
    )


# --- spikes --------------------------------------------------------------------------------


def anomalies(series_frame: pl.DataFrame, z: float = 3.0, window: int = 28) -> pl.DataFrame:
    """Flag spikes in a count series from :func:`series` (``issue_count`` or ``overdue_open_count``).

    Counts are compared on a square-root scale, where the chance noise of a count of
    independent reports (Poisson) is about 0.5 whatever its size, so 3 issues on a quiet day
    and 160 on a busy one are judged alike. For each bucket:

    - the baseline is the median of the previous ``window`` buckets of its group (the bucket
      itself left out), so one earlier spike does not raise it;
    - the spread is the median absolute deviation (MAD) of their square roots × 1.4826 (the
      standard deviation a normal distribution with that MAD has), and at least 0.5;
    - the bucket is flagged when its count is above ``threshold = (√m + z × spread)²``, where
      m is the median of the square roots squared, taken as at least 1 so that a nearly empty
      series does not flag two or three issues.

    Buckets with less than half a window of history have no baseline and are never flagged.
    History is data only: a series made with a ``data_start`` (:func:`series`) has no buckets
    before the data begins, so the first half window of the data is never flagged, rather than
    judged against zeros from before the data. On the trends page that is 14 days, 6 weeks or
    6 months, longer than the moving average's 7 days, 4 weeks or 3 months, so no bucket whose
    moving average reaches before the data start is flagged.
    Many series tested at once (every category, every day) flag a few buckets by chance:
    raise ``z`` there.

    Returns ``bucket``, ``group``, ``count``, ``baseline`` (the median count), ``threshold``,
    ``flagged`` for every row of the series, sorted by group then bucket.
    """
    if window < 2:
        raise ValueError(f"window must be at least 2 buckets, got {window}")
    keys = series_frame.get_column("metric").unique().to_list()
    if any(key not in METRICS or METRICS[key].kind != "count" for key in keys):
        raise ValueError("anomalies are defined on count series (issue_count, overdue_open_count)")
    frame = (
        series_frame.select(BUCKET, GROUP, pl.col("value").cast(pl.Int64).alias("count"))
        .sort(GROUP, BUCKET, nulls_last=True)
        .with_columns(pl.int_range(pl.len(), dtype=pl.Int64).over(GROUP).alias("_i"))
    )
    root = pl.col("count").sqrt()
    history = frame.rolling(
        index_column="_i", period=f"{window}i", offset=f"-{window + 1}i", group_by=GROUP
    ).agg(
        pl.col("count").median().alias("_median"),
        root.median().alias("_root"),
        (root - root.median()).abs().median().alias("_mad"),
        pl.len().alias("_n"),
    )
    enough = pl.col("_n") >= math.ceil(window / 2)
    spread = pl.max_horizontal(pl.col("_mad") * MAD_TO_SD, pl.lit(POISSON_ROOT_SD))
    level = pl.max_horizontal(pl.col("_root"), pl.lit(1.0))
    return (
        frame.join(history, on=[GROUP, "_i"], how="left", nulls_equal=True)
        .with_columns(
            pl.when(enough).then(pl.col("_median")).otherwise(None).alias("baseline"),
            pl.when(enough).then((level + z * spread) ** 2).otherwise(None).alias("threshold"),
        )
        .with_columns((pl.col("count") > pl.col("threshold")).fill_null(False).alias("flagged"))
        .select(BUCKET, GROUP, "count", "baseline", "threshold", "flagged")
        .sort(GROUP, BUCKET, nulls_last=True)
    )
