"""The volunteer coverage map: grids coloured by a volunteer measure, service points and their walking circles."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import folium
import geopandas as gpd
import polars as pl

from dashboard.core.formatting import format_count
from dashboard.core.settings import Settings
from dashboard.core.text import html_text
from dashboard.i18n import Lang, label, t
from dashboard.maps import (
    NO_DATA,
    Legend,
    LegendEntry,
    add_context,
    base_map,
    number_or_none,
    numbers,
    quantile_classes,
    share_classes,
    shift_for_tiles,
    shift_points,
    simplify,
    table_html,
)

POINT_COLORS = {"party_service_center": "#c8102e", "red_station": "#e8590c", "convenience_station": "#1f4e9c"}
CIRCLE_STYLES = {400: ("#1a9850", 0.18), 800: ("#1a9850", 0.10), 1200: ("#1a9850", 0.05)}
WALK_MINUTES = {400: 5, 800: 10, 1200: 15}
UNCOVERED_COLOR = "#d73027"


def _value_classes(
    values: Sequence[object],
    value_key: str,
    fmt: Callable[[float], str],
    categories: dict[str, tuple[str, str]] | None,
    lang: Lang,
    reason: str | None = None,
) -> tuple[list[str], list[LegendEntry], list[str]]:
    """Each grid's colour, the legend, and each grid's value as text for its tooltip.

    Grids without a value are grey ("no data" in the legend), with ``reason`` when the data lacks
    what the value needs (no service points, no residents).
    """
    if categories is not None:
        # A bivariate (categorical) map: each grid in its class, e.g. demand against supply.
        keys = [v if isinstance(v, str) else None for v in values]
        colors = [categories[k][0] if k in categories else NO_DATA for k in keys]
        legend = [LegendEntry(color, text) for color, text in categories.values()]
        return colors, legend, [categories[k][1] if k in categories else "—" for k in keys]
    raw = numbers(values)
    # Shares pile up at 100%: fixed classes read better than quantiles.
    colors, legend = (
        share_classes(raw, fmt) if value_key.endswith("_share") else quantile_classes(raw, True, fmt)
    )
    empty = "—" if reason is None else t("common.missing_value", lang, reason=reason)
    if any(v is None for v in raw):
        none = t("common.grade_none", lang)
        legend.append(LegendEntry(NO_DATA, none if reason is None else f"{none}: {reason}"))
    return colors, legend, [empty if v is None else fmt(v) for v in raw]


def _value_layer(
    joined: gpd.GeoDataFrame, texts: Sequence[str], value_label: str, settings: Settings, lang: Lang
) -> folium.GeoJson:
    """The coloured grids (``fill``), a tooltip each: community, residents and the value."""
    joined["tip"] = [
        table_html(
            [
                (t("map.community", lang), str(row.community_name)),
                (t("map.population", lang), format_count(number_or_none(row.population), lang)),
                (value_label, text),
            ],
            str(row.grid_name),
        )
        for row, text in zip(joined.itertuples(index=False), texts, strict=True)
    ]
    shown = simplify(shift_for_tiles(joined[["grid_code", "fill", "tip", "geometry"]], settings))
    return folium.GeoJson(
        shown.to_json(drop_id=True),
        name=value_label,
        style_function=lambda f: {
            "fillColor": f["properties"]["fill"],
            "color": "#555",
            "weight": 0.8,
            "fillOpacity": 0.7,
        },
        highlight_function=lambda f: {"weight": 3, "color": "#000"},
        tooltip=folium.GeoJsonTooltip(fields=["tip"], labels=False, sticky=True),
    )


def _uncovered_layer(uncovered: gpd.GeoDataFrame, settings: Settings, lang: Lang) -> folium.GeoJson:
    """The areas beyond every walking circle, shaded red."""
    return folium.GeoJson(
        simplify(shift_for_tiles(uncovered[["geometry"]], settings)).to_json(drop_id=True),
        name=t("volunteer_map.uncovered", lang),
        style_function=lambda f: {
            "fillColor": UNCOVERED_COLOR,
            "fillOpacity": 0.35,
            "color": UNCOVERED_COLOR,
            "weight": 0.5,
        },
        interactive=False,
    )


def _circle_layers(circles: gpd.GeoDataFrame, settings: Settings, lang: Lang) -> list[folium.GeoJson]:
    """One dashed layer per walking radius, the largest first so that smaller circles are drawn on top."""
    layers = []
    for radius in sorted(circles["radius_m"].unique(), reverse=True):
        color, opacity = CIRCLE_STYLES.get(int(radius), ("#1a9850", 0.08))
        ring = circles[circles["radius_m"] == radius]
        layers.append(
            folium.GeoJson(
                shift_for_tiles(ring[["geometry"]], settings).to_json(drop_id=True),
                name=t(
                    "volunteer_map.circle",
                    lang,
                    minutes=WALK_MINUTES.get(int(radius), "?"),
                    metres=int(radius),
                ),
                style_function=lambda f, c=color, o=opacity: {
                    "fillColor": c,
                    "fillOpacity": o,
                    "color": c,
                    "weight": 1,
                    "dashArray": "4 4",
                },
                interactive=False,
            )
        )
    return layers


def _point_layer(points: pl.DataFrame, settings: Settings, lang: Lang) -> folium.FeatureGroup:
    """The service points as dots coloured by type, with name and type on hover."""
    layer = folium.FeatureGroup(name=t("volunteer_map.points", lang))
    rows = points.select("name", "point_type", "lon", "lat").drop_nulls(["lon", "lat"])
    lons, lats = rows.get_column("lon").to_list(), rows.get_column("lat").to_list()
    lons, lats = shift_points(lons, lats, settings)
    for name, kind, lon, lat in zip(
        rows.get_column("name"), rows.get_column("point_type"), lons, lats, strict=True
    ):
        folium.CircleMarker(
            [lat, lon],
            radius=6,
            color="#fff",
            weight=1.5,
            fill=True,
            fill_color=POINT_COLORS.get(kind, "#555"),
            fill_opacity=1,
            tooltip=table_html(
                [(t("volunteer_map.point_type", lang), label("point_type", kind, lang))], str(name)
            ),
        ).add_to(layer)
    return layer


def _suggestion_marker(suggestion: tuple[float, float, str], settings: Settings) -> folium.Marker:
    """A star at the suggested site, its text (escaped) on hover."""
    lon, lat, text = suggestion
    [lon], [lat] = shift_points([lon], [lat], settings)
    return folium.Marker(
        [lat, lon],
        icon=folium.DivIcon(
            html="<div style='font-size:28px;transform:translate(-50%,-90%)'>&#9733;</div>",
            icon_size=(0, 0),
        ),
        tooltip=html_text(text),
    )


def coverage_map(
    grids: gpd.GeoDataFrame,
    values: pl.DataFrame,
    value_key: str,
    value_label: str,
    fmt: Callable[[float], str],
    circles: gpd.GeoDataFrame,
    uncovered: gpd.GeoDataFrame,
    points: pl.DataFrame,
    suggestion: tuple[float, float, str] | None,
    communities: gpd.GeoDataFrame,
    streets: gpd.GeoDataFrame,
    settings: Settings,
    lang: Lang,
    focus: Sequence[str] = (),
    height: int = 640,
    categories: dict[str, tuple[str, str]] | None = None,
    missing_reason: str | None = None,
) -> folium.Map:
    """Grids coloured by a volunteer measure, service points with their walking circles, uncovered areas hatched red.

    ``circles`` has a ``radius_m`` column (400/800/1200 m); ``suggestion`` is (lon, lat, tooltip)
    of the suggested next service point. With ``categories`` (value → (colour, label)) the
    value column holds class names instead of numbers (the demand/supply quadrants).
    ``missing_reason`` says why grids have no value (in their tooltips and the legend).
    """
    joined = grids.merge(values.select("grid_code", value_key).to_pandas(), on="grid_code", how="left")
    colors, legend, texts = _value_classes(
        list(joined[value_key]), value_key, fmt, categories, lang, missing_reason
    )
    joined["fill"] = colors
    m = base_map(settings, height)
    _value_layer(joined, texts, value_label, settings, lang).add_to(m)
    if not uncovered.empty:
        _uncovered_layer(uncovered, settings, lang).add_to(m)
    for layer in _circle_layers(circles, settings, lang):
        layer.add_to(m)
    _point_layer(points, settings, lang).add_to(m)
    if suggestion is not None:
        _suggestion_marker(suggestion, settings).add_to(m)
    add_context(m, grids, communities, streets, settings, lang, focus)
    m.add_child(Legend(value_label, legend))
    return m
