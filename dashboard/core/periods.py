"""Reporting periods: a calendar month (``2026-10``) or an inclusive date range."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from dashboard.i18n import Lang, t

_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_RANGE = re.compile(r"^(\d{4}-\d{1,2}-\d{1,2})\.\.(\d{4}-\d{1,2}-\d{1,2})$")


@dataclass(frozen=True, order=True)
class Period:
    """A half-open interval ``[start, end)`` of local times.

    ``first_day``/``last_day`` are the inclusive calendar days a user chose.
    """

    start: datetime
    end: datetime

    @property
    def is_month(self) -> bool:
        return (
            self.start.day == 1
            and self.start.time() == datetime.min.time()
            and (self.end == _add_months(self.start, 1))
        )

    @property
    def first_day(self) -> date:
        return self.start.date()

    @property
    def last_day(self) -> date:
        return (self.end - timedelta(days=1)).date()

    def key(self) -> str:
        """The text form accepted by :func:`parse_period` (``2026-10`` or ``a..b``)."""
        if self.is_month:
            return f"{self.start:%Y-%m}"
        return f"{self.first_day.isoformat()}..{self.last_day.isoformat()}"

    def previous(self) -> Period:
        """The month before a month; otherwise the range of equal length just before."""
        if self.is_month:
            return month(_add_months(self.start, -1))
        return Period(self.start - (self.end - self.start), self.start)


def _add_months(moment: datetime, months: int) -> datetime:
    index = moment.year * 12 + moment.month - 1 + months
    return datetime(index // 12, index % 12 + 1, 1)


def month(moment: datetime | date) -> Period:
    """The calendar month that contains ``moment``."""
    start = datetime(moment.year, moment.month, 1)
    return Period(start, _add_months(start, 1))


def date_range(first_day: date, last_day: date) -> Period:
    """An inclusive range of days; raises ``ValueError`` when it runs backwards."""
    if last_day < first_day:
        raise ValueError(f"period ends ({last_day}) before it starts ({first_day})")
    start = datetime.combine(first_day, datetime.min.time())
    return Period(start, datetime.combine(last_day, datetime.min.time()) + timedelta(days=1))


def parse_period(text: str) -> Period:
    """Parse ``2026-10`` or ``2026-09-01..2026-10-31``.

    >>> parse_period("2026-10").key()
    '2026-10'
    >>> parse_period("2026-09-01..2026-10-31").last_day.isoformat()
    '2026-10-31'
    """
    text = text.strip()
    if match := _MONTH.match(text):
        year, mon = int(match.group(1)), int(match.group(2))
        if not 1 <= mon <= 12:
            raise ValueError(f"not a month: {text!r}")
        return month(date(year, mon, 1))
    if match := _RANGE.match(text):
        first, last = (date.fromisoformat(_pad(part)) for part in match.groups())
        return date_range(first, last)
    raise ValueError(f"period must look like 2026-10 or 2026-09-01..2026-10-31, got {text!r}")


def _pad(day: str) -> str:
    year, mon, dom = day.split("-")
    return f"{year}-{int(mon):02d}-{int(dom):02d}"


def trailing_months(last: Period, count: int) -> list[Period]:
    """``count`` calendar months ending with the month that contains ``last``'s last day."""
    end_month = month(last.last_day)
    return [month(_add_months(end_month.start, -offset)) for offset in reversed(range(count))]


def default_month(as_of: datetime) -> Period:
    """The month to show first: the latest month that has ended by ``as_of``.

    A data export taken on 20 November is reported for October; on the last day
    of a month (at or after 23:00) that month itself is taken as complete.
    """
    current = month(as_of)
    if as_of >= current.end - timedelta(hours=1):
        return current
    return current.previous()


def steps(period: Period, step: str) -> list[Period]:
    """``period`` cut into calendar months or Monday-based weeks (the first and last clipped to it).

    >>> [p.key() for p in steps(parse_period("2026-10"), "week")][:2]
    ['2026-10-01..2026-10-04', '2026-10-05..2026-10-11']
    """
    if step not in ("month", "week"):
        raise ValueError(f"step must be 'month' or 'week', got {step!r}")
    parts: list[Period] = []
    start = period.start
    while start < period.end:
        if step == "month":
            end = _add_months(datetime(start.year, start.month, 1), 1)
        else:
            end = datetime.combine(start.date(), datetime.min.time()) + timedelta(days=7 - start.weekday())
        end = min(end, period.end)
        parts.append(Period(start, end))
        start = end
    return parts


def bucket_period(start: datetime, freq: str) -> Period:
    """The day, Monday-based week or calendar month that starts at ``start`` (a chart's bucket)."""
    if freq == "day":
        return Period(start, start + timedelta(days=1))
    if freq == "week":
        return Period(start, start + timedelta(days=7))
    if freq == "month":
        return month(start)
    raise ValueError(f"freq must be day, week or month, got {freq!r}")


def period_label(period: Period, lang: Lang) -> str:
    """The month as the catalogs write it (``filters.month_format``: ``Oct 2026`` in English),
    or a range of days (``2026-09-01 – 2026-10-15``).

    >>> period_label(parse_period("2026-10"), "en"), period_label(parse_period("2026-09-01..2026-10-15"), "en")
    ('Oct 2026', '2026-09-01 – 2026-10-15')
    """
    if period.is_month:
        return t(
            "filters.month_format",
            lang,
            year=period.start.year,
            month=period.start.month,
            month_name=f"{period.start:%b}",
        )
    return f"{period.first_day.isoformat()} – {period.last_day.isoformat()}"
