"""What the user is looking at: a period, optionally some communities, and the basis of the numbers.

The selection is shared by every page and written to the URL (``?period=2026-10&community=...``)
so that a view can be bookmarked and sent to a colleague.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

import polars as pl

from dashboard.core import schema
from dashboard.core.basis import DEFAULT_BASIS, Basis, as_basis, measured_at
from dashboard.core.loading import Dataset
from dashboard.core.periods import Period, default_month, month, parse_period
from dashboard.i18n import Lang, as_lang


@dataclass(frozen=True)
class Selection:
    """A period, the chosen communities (empty = all), the language and the basis: each period at its
    assessment cut-off (the default, for comparisons that do not drift) or every number as of now."""

    period: Period
    community_codes: tuple[str, ...] = ()
    lang: Lang = "zh"
    basis: Basis = DEFAULT_BASIS
    extra: dict[str, str] = field(default_factory=dict, compare=False)

    @property
    def all_communities(self) -> bool:
        return not self.community_codes

    def as_of(self, dataset: Dataset) -> datetime:
        """When the selected period's numbers are taken: the data's as-of time (live), or the period's
        assessment cut-off, never later than the data's as-of time (cutoff)."""
        return measured_at(self.period, dataset.as_of, dataset.settings, self.basis)

    def issues(self, dataset: Dataset) -> pl.DataFrame:
        """All issues in scope (every period: trends need history). Outside-grid issues only when unfiltered."""
        if self.all_communities:
            return dataset.issues
        return dataset.issues.filter(pl.col("community_code").is_in(list(self.community_codes)))

    def units(self, dataset: Dataset) -> pl.DataFrame:
        if self.all_communities:
            return dataset.units
        return dataset.units.filter(pl.col("community_code").is_in(list(self.community_codes)))

    def to_query(self) -> dict[str, str]:
        """URL query parameters for this selection."""
        query = {"period": self.period.key(), "lang": self.lang}
        if self.community_codes:
            query["community"] = ",".join(self.community_codes)
        if self.basis != DEFAULT_BASIS:
            query["basis"] = self.basis
        return {**query, **self.extra}


def available_months(dataset: Dataset) -> list[Period]:
    """Months that have issues, newest first."""
    bounds = dataset.issues.select(
        pl.col("reported_at").min().alias("a"), pl.col("reported_at").max().alias("b")
    )
    first, last = bounds.row(0)
    if not isinstance(first, datetime) or not isinstance(last, datetime):
        return [default_month(dataset.as_of)]
    months: list[Period] = []
    current = month(last)
    while current.start >= month(first).start:
        months.append(current)
        current = current.previous()
    return months


def selection_from_query(query: Mapping[str, str], dataset: Dataset) -> Selection:
    """Read a selection from URL parameters, falling back to defaults for anything missing or invalid."""
    try:
        period = parse_period(query["period"]) if query.get("period") else default_month(dataset.as_of)
    except ValueError:
        period = default_month(dataset.as_of)
    known = set(dataset.units.get_column("community_code").to_list())
    codes = tuple(c for c in (query.get("community") or "").split(",") if c in known)
    return Selection(
        period=period,
        community_codes=codes,
        lang=as_lang(query.get("lang")),
        basis=as_basis(query.get("basis")),
    )


@dataclass(frozen=True)
class IssueFilter:
    """Which issues a heat map, trend or case list looks at: categories, sources, statuses (empty = all).

    Kept in the URL as ``?category=a,b&source=hotline&status=...`` next to the period.
    """

    categories: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()

    def apply(self, issues: pl.DataFrame) -> pl.DataFrame:
        for column, values in (
            ("category", self.categories),
            ("source", self.sources),
            ("status", self.statuses),
        ):
            if values:
                issues = issues.filter(pl.col(column).is_in(list(values)))
        return issues

    def to_query(self) -> dict[str, str | None]:
        return {
            "category": ",".join(self.categories) or None,
            "source": ",".join(self.sources) or None,
            "status": ",".join(self.statuses) or None,
        }


def filter_options(dataset: Dataset) -> dict[str, list[str]]:
    """The values each filter can take in this data: categories by frequency, the contract's enums."""
    categories = (
        dataset.issues.group_by("category").len().sort(["len", "category"], descending=[True, False])
    ).get_column("category")
    return {
        "category": [c for c in categories.to_list() if c is not None],
        "source": list(schema.SOURCES),
        "status": list(schema.STATUSES),
    }


def issue_filter_from_query(query: Mapping[str, str], options: Mapping[str, list[str]]) -> IssueFilter:
    """Read the filter from URL parameters, keeping only values that exist."""

    def values(key: str) -> tuple[str, ...]:
        allowed = set(options[key])
        return tuple(v for v in (query.get(key) or "").split(",") if v in allowed)

    return IssueFilter(values("category"), values("source"), values("status"))
