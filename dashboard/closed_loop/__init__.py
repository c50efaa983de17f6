"""Closed loop: leagues, red and black lists, streaks, shortfalls, lifecycle, departments."""

from dashboard.closed_loop.ranking import (
    RATE,
    RedBlack,
    departments,
    filter_open,
    grid_workers,
    league,
    league_unit,
    league_units,
    monthly_series,
    red_black,
    shortfall,
    streak,
    total_shortfall,
    with_score,
)

__all__ = [
    "RATE",
    "RedBlack",
    "departments",
    "filter_open",
    "grid_workers",
    "league",
    "league_unit",
    "league_units",
    "monthly_series",
    "red_black",
    "shortfall",
    "streak",
    "total_shortfall",
    "with_score",
]
