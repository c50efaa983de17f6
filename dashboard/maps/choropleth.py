"""The grid choropleth: grids coloured by a registry metric, with boundaries, labels and a legend."""

from __future__ import annotations

from collections.abc import Sequence

import folium
import geopandas as gpd
import polars as pl

from dashboard.core.formatting import format_count
from dashboard.core.settings import Settings
from dashboard.i18n import Lang, t
from dashboard.maps.base import add_context, base_map, shift_for_tiles, simplify
from dashboard.maps.colors import metric_classes, number_or_none, numbers
from dashboard.maps.elements import Legend, table_html
from dashboard.metrics import METRICS, Metric

# Metrics the popup always lists; another metric on the map is added after them.
POPUP_METRICS = ("issue_count", "resolution_rate", "overdue_open_count")


def _missing_flags(joined: gpd.GeoDataFrame, spec: Metric) -> list[bool]:
    """Per grid, whether the metric is empty because the data lacks its inputs (``<key>__missing``)."""
    if spec.missing_column not in joined.columns:
        return [False] * len(joined)
    return [bool(v) for v in joined[spec.missing_column].eq(True).tolist()]


def _value_text(value: float | None, missing: bool, spec: Metric, lang: Lang) -> str:
    """The metric as a tooltip shows it: "— (no acceptance times in the data)" when its inputs are absent."""
    if missing:
        return t("common.missing_value", lang, reason=spec.missing_reason(lang))
    return spec.format(value, lang)


def _grid_texts(
    joined: gpd.GeoDataFrame, values: Sequence[float | None], spec: Metric, lang: Lang
) -> tuple[list[str], list[str]]:
    """Each grid's tooltip (community, worker, residents, the metric) and popup (with the issue counts)."""
    tips, popups = [], []
    rows = zip(joined.itertuples(index=False), values, _missing_flags(joined, spec), strict=True)
    for row, value, missing in rows:
        base = [
            (t("map.community", lang), str(row.community_name)),
            (t("map.grid_worker", lang), str(getattr(row, "grid_worker", "") or "—")),
            (t("map.population", lang), format_count(number_or_none(row.population), lang)),
            (spec.label(lang), _value_text(value, missing, spec, lang)),
        ]
        tips.append(table_html(base, str(row.grid_name)))
        detail = [
            *base[:3],
            (t("metric.issue_count.label", lang), format_count(number_or_none(row.issue_count), lang)),
            (
                t("metric.resolution_rate.label", lang),
                METRICS["resolution_rate"].format(number_or_none(row.resolution_rate), lang),
            ),
            (
                t("metric.overdue_open_count.label", lang),
                format_count(number_or_none(row.overdue_open_count), lang),
            ),
        ]
        if spec.key not in POPUP_METRICS:
            detail.append(base[3])
        popups.append(table_html(detail, f"{row.grid_name} · {row.grid_code}"))
    return tips, popups


def _grid_layer(joined: gpd.GeoDataFrame, settings: Settings, lang: Lang) -> folium.GeoJson:
    """The coloured grids (``fill``) with their tooltips and popups, highlighted under the mouse."""
    shown = simplify(
        shift_for_tiles(joined[["grid_code", "fill", "tip", "pop", "community_code", "geometry"]], settings)
    )
    return folium.GeoJson(
        shown.to_json(drop_id=True),
        name=t("map.layer_grids", lang),
        style_function=lambda f: {
            "fillColor": f["properties"]["fill"],
            "color": "#555",
            "weight": 0.8,
            "fillOpacity": 0.75,
        },
        highlight_function=lambda f: {"weight": 3, "color": "#000", "fillOpacity": 0.9},
        tooltip=folium.GeoJsonTooltip(fields=["tip"], labels=False, sticky=True),
        popup=folium.GeoJsonPopup(fields=["pop"], labels=False, max_width=360),
    )


def grid_map(
    grids: gpd.GeoDataFrame,
    values: pl.DataFrame,
    spec: Metric,
    communities: gpd.GeoDataFrame,
    streets: gpd.GeoDataFrame,
    settings: Settings,
    lang: Lang,
    focus: Sequence[str] = (),
    height: int = 640,
) -> folium.Map:
    """Grids coloured by ``spec`` (values per ``grid_code`` in ``values``), with community and street outlines.

    ``values`` carries ``grid_code``, the metric column and ``issue_count``/``resolution_rate``
    for the popup. A grid whose value the data cannot give (``<key>__missing``) is grey, never
    graded, with the reason in its tooltip and in the legend. ``focus`` (community codes) zooms the map to those communities and labels
    their grids; otherwise community names are labelled.
    """
    extra = values.select(["grid_code", *(c for c in values.columns if c not in grids.columns)])
    joined = grids.merge(extra.to_pandas(), on="grid_code", how="left")
    missing = _missing_flags(joined, spec)
    metric_values = [None if m else v for v, m in zip(numbers(joined[spec.key]), missing, strict=True)]
    colors, legend = metric_classes(
        metric_values, spec, settings, lang, spec.missing_reason(lang) if any(missing) else None
    )
    joined["fill"] = colors
    joined["tip"], joined["pop"] = _grid_texts(joined, metric_values, spec, lang)
    m = base_map(settings, height)
    _grid_layer(joined, settings, lang).add_to(m)
    add_context(m, joined, communities, streets, settings, lang, focus)
    m.add_child(Legend(spec.label(lang), legend))
    return m
