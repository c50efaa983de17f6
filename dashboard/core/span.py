"""The data's span in time: from the day of its first report to its last report; time before it is a gap, not 0.

A period that lies wholly before the data start has no data (a gap in a series: null, never 0); a
period that reaches before it (starts earlier) is covered only in part, so a comparison with it
(year on year, against the previous period, a hot spot's history) is empty rather than measured
against nothing. The data covers whole days: a first report at 08:00 on 1 November covers 1 November.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import polars as pl

from dashboard.core.loading import Dataset
from dashboard.core.periods import Period


@dataclass(frozen=True)
class DataSpan:
    """The first and last report of the data; ``start`` is the midnight that begins the first day."""

    first: datetime
    last: datetime

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first.date(), datetime.min.time())


def span_of(issues: pl.DataFrame) -> DataSpan | None:
    """The span of ``issues`` by their report times (every status counts: the data was being kept);
    ``None`` without any report time."""
    if "reported_at" not in issues.columns:
        return None
    first, last = issues.select(
        pl.col("reported_at").min().alias("a"), pl.col("reported_at").max().alias("b")
    ).row(0)
    if not isinstance(first, datetime) or not isinstance(last, datetime):
        return None
    return DataSpan(first, last)


def data_span(dataset: Dataset) -> DataSpan | None:
    """The span of the whole data root (every issue, whatever filter a page applies)."""
    return span_of(dataset.issues)


def data_start(dataset: Dataset) -> datetime | None:
    """The start of the data: midnight of the day of its first report (``None`` without issues)."""
    span = data_span(dataset)
    return None if span is None else span.start


def before_data(period: Period, start: datetime | None) -> bool:
    """The period lies wholly before the data start: it has no data at all (a gap).

    >>> from dashboard.core.periods import parse_period
    >>> before_data(parse_period("2026-08"), datetime(2026, 9, 1)), before_data(parse_period("2026-09"), datetime(2026, 9, 15))
    (True, False)
    """
    return start is not None and period.end <= start


def reaches_before_data(period: Period, start: datetime | None) -> bool:
    """The period starts before the data start: it is covered only in part, or not at all.

    >>> from dashboard.core.periods import parse_period
    >>> reaches_before_data(parse_period("2026-09"), datetime(2026, 9, 15)), reaches_before_data(parse_period("2026-09"), datetime(2026, 9, 1))
    (True, False)
    """
    return start is not None and period.start < start
