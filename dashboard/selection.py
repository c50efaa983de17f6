"""What the user is looking at: a period and, optionally, some communities.

The selection is shared by every page and written to the URL (``?period=2026-10&community=...``)
so that a view can be bookmarked and sent to a colleague.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

import polars as pl

from dashboard.i18n import Lang, as_lang
from dashboard.loading import Dataset
from dashboard.periods import Period, default_month, month, parse_period


@dataclass(frozen=True)
class Selection:
    """A period, the chosen communities (empty = all) and the language."""

    period: Period
    community_codes: tuple[str, ...] = ()
    lang: Lang = "zh"
    extra: dict[str, str] = field(default_factory=dict, compare=False)

    @property
    def all_communities(self) -> bool:
        return not self.community_codes

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
    return Selection(period=period, community_codes=codes, lang=as_lang(query.get("lang")))
