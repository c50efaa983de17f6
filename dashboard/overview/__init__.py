"""Overview: the headline numbers against target, the trend and the community league."""

from dashboard.overview.kpis import (
    HEADLINE_KEYS,
    LEAGUE_KEYS,
    SHARE_KEYS,
    TREND_KEYS,
    Kpi,
    headline,
    league_table,
    level_shares,
    rate_trend,
    scope_totals,
)

__all__ = [
    "HEADLINE_KEYS",
    "LEAGUE_KEYS",
    "SHARE_KEYS",
    "TREND_KEYS",
    "Kpi",
    "headline",
    "league_table",
    "level_shares",
    "rate_trend",
    "scope_totals",
]
