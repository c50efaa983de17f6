"""Colour classes for map values and their legends: target grades, quantile classes, fixed share classes."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from dashboard.core.settings import Settings
from dashboard.i18n import Lang, t
from dashboard.maps.elements import LegendEntry
from dashboard.metrics import Metric, grade

# Sequential palettes (light → dark) for metrics without a target: more issues, darker red;
# higher shares, darker blue.
LOWER_IS_BETTER_PALETTE = ("#fff5eb", "#fdd0a2", "#fd8d3c", "#e6550d", "#a63603")
HIGHER_IS_BETTER_PALETTE = ("#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c")
NO_DATA = "#e0e0e0"
SHARE_EDGES = (0.0, 0.5, 0.8, 0.95, 1.0)


def number_or_none(value: Any) -> float | None:
    """A value as a float, ``None`` when it is missing (None, NaN as pandas gives after a left join, or
    ``pd.NA``: an unknown population)."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    return float(value)


def numbers(values: Iterable[Any]) -> list[float | None]:
    """:func:`number_or_none` of each value."""
    return [number_or_none(v) for v in values]


def metric_classes(
    values: Sequence[float | None], spec: Metric, settings: Settings, lang: Lang, reason: str | None = None
) -> tuple[list[str], list[LegendEntry]]:
    """A colour per value and the legend: target grades for graded rates, quantile classes otherwise.

    Empty values are grey ("no data", with ``reason`` when the data lacks the metric's inputs).
    """
    if spec.graded:
        colors = [settings.colors[grade(v, spec, settings)] if v is not None else NO_DATA for v in values]
        target, amber = (
            spec.format(settings.target, lang),
            spec.format(settings.amber_floor, lang),
        )
        legend = [
            LegendEntry(settings.colors["green"], f"≥ {target} {t('common.grade_green', lang)}"),
            LegendEntry(settings.colors["amber"], f"{amber} – {target} {t('common.grade_amber', lang)}"),
            LegendEntry(settings.colors["red"], f"< {amber} {t('common.grade_red', lang)}"),
        ]
    else:
        colors, legend = quantile_classes(values, spec.higher_is_better, lambda v: spec.format(v, lang))
    none = t("common.grade_none", lang)
    legend.append(LegendEntry(NO_DATA, none if reason is None else f"{none}: {reason}"))
    return colors, legend


def quantile_classes(
    values: Sequence[float | None], higher_is_better: bool, fmt: Callable[[float], str]
) -> tuple[list[str], list[LegendEntry]]:
    """Five quantile classes on a sequential palette (blue when higher is better, orange-red when lower)."""
    palette = HIGHER_IS_BETTER_PALETTE if higher_is_better else LOWER_IS_BETTER_PALETTE
    present = np.array([v for v in values if v is not None], dtype=float)
    edges = (
        np.unique(np.quantile(present, np.linspace(0, 1, len(palette) + 1)))
        if present.size
        else np.array([0.0, 1.0])
    )
    if edges.size < 2:
        edges = np.array([edges[0], edges[0]])
    bins = max(1, edges.size - 1)
    colors = []
    for v in values:
        if v is None:
            colors.append(NO_DATA)
            continue
        index = int(np.searchsorted(edges[1:-1], v, side="right")) if bins > 1 else 0
        colors.append(palette[min(index, len(palette) - 1)])
    legend = [
        LegendEntry(palette[min(i, len(palette) - 1)], f"{fmt(float(edges[i]))} – {fmt(float(edges[i + 1]))}")
        for i in range(bins)
    ]
    return colors, legend


def share_classes(
    values: Sequence[float | None], fmt: Callable[[float], str]
) -> tuple[list[str], list[LegendEntry]]:
    """Shares (0-1) in fixed classes: < 50%, 50-80%, 80-95%, >= 95%, on the higher-is-better palette."""
    palette = HIGHER_IS_BETTER_PALETTE[1:]
    colors = []
    for v in values:
        if v is None:
            colors.append(NO_DATA)
            continue
        index = sum(1 for edge in SHARE_EDGES[1:-1] if v >= edge)
        colors.append(palette[index])
    legend = [
        LegendEntry(palette[i], f"{fmt(SHARE_EDGES[i])} – {fmt(SHARE_EDGES[i + 1])}")
        for i in range(len(SHARE_EDGES) - 1)
    ]
    return colors, legend
