"""The heat page's maps: complaint density as a heat layer, or each issue as a dot, over the boundaries."""

from __future__ import annotations

from collections.abc import Sequence

import folium
import geopandas as gpd
import polars as pl
from folium.plugins import HeatMap

from dashboard.core.settings import Settings
from dashboard.i18n import Lang, label, t
from dashboard.maps import (
    Legend,
    LegendEntry,
    add_context,
    base_map,
    shift_for_tiles,
    shift_points,
    simplify,
    table_html,
)

# The heat layer's gradient and its legend: the same three colours.
HEAT_COLORS = {0.25: "#2b83ba", 0.6: "#fdae61", 0.9: "#d7191c"}


def _grid_lines(m: folium.Map, grids: gpd.GeoDataFrame, settings: Settings, lang: Lang) -> None:
    """Grid boundaries as thin context lines under a heat or point layer."""
    lines = simplify(shift_for_tiles(grids[["grid_code", "geometry"]], settings))
    folium.GeoJson(
        lines.to_json(drop_id=True),
        name=t("map.layer_grids", lang),
        style_function=lambda f: {"fill": False, "color": "#777", "weight": 0.6},
        interactive=False,
    ).add_to(m)


def _heat_legend(lang: Lang) -> Legend:
    low, mid, high = HEAT_COLORS.values()
    return Legend(
        t("heatmap.legend_title", lang),
        [
            LegendEntry(low, t("heatmap.legend_low", lang)),
            LegendEntry(mid, t("heatmap.legend_mid", lang)),
            LegendEntry(high, t("heatmap.legend_high", lang)),
        ],
    )


def heat_map(
    payload: Sequence[Sequence[float]],
    grids: gpd.GeoDataFrame,
    communities: gpd.GeoDataFrame,
    streets: gpd.GeoDataFrame,
    settings: Settings,
    lang: Lang,
    focus: Sequence[str] = (),
    height: int = 640,
) -> folium.Map:
    """Complaint density: a heat layer of server-side cell counts ([lat, lon, weight 0-1]) over the boundaries.

    Only the aggregated cells travel to the browser, never the raw points.
    """
    m = base_map(settings, height)
    points = [list(p) for p in payload]
    lons, lats = shift_points([p[1] for p in points], [p[0] for p in points], settings)
    points = [[lat, lon, p[2]] for lon, lat, p in zip(lons, lats, points, strict=True)]
    _grid_lines(m, grids, settings, lang)
    heat = HeatMap(  # type: ignore[no-untyped-call]
        points,
        name=t("heatmap.layer_heat", lang),
        radius=18,
        blur=14,
        min_opacity=0.25,
        max_zoom=16,
        gradient=HEAT_COLORS,
    )
    heat.add_to(m)
    add_context(m, grids, communities, streets, settings, lang, focus)
    m.add_child(_heat_legend(lang))
    return m


def points_map(
    points: pl.DataFrame,
    grids: gpd.GeoDataFrame,
    communities: gpd.GeoDataFrame,
    streets: gpd.GeoDataFrame,
    settings: Settings,
    lang: Lang,
    focus: Sequence[str] = (),
    height: int = 640,
) -> folium.Map:
    """Each issue as a dot (for small selections): category and time on hover, no personal data."""
    m = base_map(settings, height)
    _grid_lines(m, grids, settings, lang)
    layer = folium.FeatureGroup(name=t("heatmap.layer_points", lang))
    rows = points.select("lat", "lon", "category", "reported_at", "status").drop_nulls(["lat", "lon"])
    lons, lats = rows.get_column("lon").to_list(), rows.get_column("lat").to_list()
    lons, lats = shift_points(lons, lats, settings)
    for lat, lon, category, reported, status in zip(
        lats,
        lons,
        rows.get_column("category"),
        rows.get_column("reported_at"),
        rows.get_column("status"),
        strict=True,
    ):
        tip = table_html(
            [
                (t("heatmap.reported", lang), f"{reported:%Y-%m-%d %H:%M}"),
                (t("heatmap.status", lang), label("status", status, lang)),
            ],
            label("category", category, lang),
        )
        folium.CircleMarker(
            [lat, lon], radius=4, weight=1, color="#b2182b", fill=True, fill_opacity=0.7, tooltip=tip
        ).add_to(layer)
    layer.add_to(m)
    add_context(m, grids, communities, streets, settings, lang, focus)
    return m
