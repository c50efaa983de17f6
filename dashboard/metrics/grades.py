"""Colour grades against the target: green at or above it, amber down to the amber floor, red below."""

from __future__ import annotations

import polars as pl

from dashboard.core.settings import Settings
from dashboard.metrics.registry import Grade, Metric


def grade(value: float | None, spec: Metric, settings: Settings) -> Grade:
    """Colour grade of a value: graded rates ≥ target green, ≥ amber floor amber, else red."""
    if value is None or not spec.graded:
        return "none"
    if value >= settings.target:
        return "green"
    if value >= settings.amber_floor:
        return "amber"
    return "red"


def grade_expr(column: str, spec: Metric, settings: Settings) -> pl.Expr:
    """:func:`grade` as a Polars expression over ``column``."""
    value = pl.col(column)
    if not spec.graded:
        return pl.lit("none")
    return (
        pl.when(value.is_null())
        .then(pl.lit("none"))
        .when(value >= settings.target)
        .then(pl.lit("green"))
        .when(value >= settings.amber_floor)
        .then(pl.lit("amber"))
        .otherwise(pl.lit("red"))
    )
