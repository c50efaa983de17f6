"""Overview: the headline numbers against target, the trend and the community league."""

from dashboard.overview.kpis import (
    LEVEL_KEYS,
    headline,
    league_table,
    level_shares,
    period_row,
    rate_trend,
    scope_totals,
)

__all__ = [
    "LEVEL_KEYS",
    "headline",
    "league_table",
    "level_shares",
    "period_row",
    "rate_trend",
    "scope_totals",
]
