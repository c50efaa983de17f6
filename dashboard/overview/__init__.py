"""Overview: the headline numbers against target, the trend and the community league."""

from dashboard.overview.kpis import (
    headline,
    league_table,
    level_shares,
    rate_trend,
    scope_totals,
)

__all__ = [
    "headline",
    "league_table",
    "level_shares",
    "rate_trend",
    "scope_totals",
]
