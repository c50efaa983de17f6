"""Folium map builders: grids coloured by a registry metric, with boundaries, labels and a legend.

Maps load nothing from the internet (see :mod:`dashboard.map_assets`): no tiles unless a
tile server is configured, boundaries as context. Every name shown in a tooltip, popup
or label is HTML-escaped here, because Leaflet inserts them as HTML.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import folium
import geopandas as gpd
import numpy as np
import polars as pl
import shapely
from branca.element import Element, MacroElement
from folium.plugins import HeatMap
from jinja2 import Template

from dashboard.core.coords import convert, convert_geometry
from dashboard.core.formatting import format_count
from dashboard.core.settings import Settings
from dashboard.i18n import Lang, label, t
from dashboard.maps.assets import offline_map
from dashboard.metrics import METRICS, Metric, grade

# Sequential palettes (light → dark) for metrics without a target: more issues, darker red;
# higher shares, darker blue.
LOWER_IS_BETTER_PALETTE = ("#fff5eb", "#fdd0a2", "#fd8d3c", "#e6550d", "#a63603")
HIGHER_IS_BETTER_PALETTE = ("#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c")
NO_DATA = "#e0e0e0"
PRECISION = 1e-5  # about a metre: boundaries need no more, and the page stays small


@dataclass(frozen=True)
class LegendEntry:
    color: str
    label: str


def _color_classes(
    values: Sequence[float | None], spec: Metric, settings: Settings, lang: Lang
) -> tuple[list[str], list[LegendEntry]]:
    """A colour per value and the legend: target grades for graded rates, quantile classes otherwise."""
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
    legend.append(LegendEntry(NO_DATA, t("common.grade_none", lang)))
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


SHARE_EDGES = (0.0, 0.5, 0.8, 0.95, 1.0)


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


class MetricScale(MacroElement):  # type: ignore[misc]
    """A scale bar in metres only (Leaflet's default also shows feet)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        L.control.scale({imperial: false, position: "bottomleft"}).addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._name = "MetricScale"


class FitBounds(MacroElement):  # type: ignore[misc]
    """Fit the view to bounds, again whenever the map's frame is resized, until the user pans.

    st_folium sizes its iframe after the map script has run, so a one-off ``fitBounds``
    fits a frame of the wrong size (the street came out too small, a community too large).
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function (map, bounds) {
            var moved = false;
            map.on("dragstart", function () { moved = true; });
            var fit = function () {
                var box = map.getContainer();
                // A frame being hidden or rebuilt has no size: fitting then gives NaN coordinates.
                if (moved || box.clientWidth === 0 || box.clientHeight === 0) { return; }
                map.invalidateSize();
                map.fitBounds(bounds, {padding: [12, 12]});
            };
            fit();
            if (window.ResizeObserver) { new ResizeObserver(fit).observe(map.getContainer()); }
        })({{ this._parent.get_name() }}, {{ this.bounds|tojson }});
        {% endmacro %}
        """
    )

    def __init__(self, bounds: list[list[float]]) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._name = "FitBounds"
        self.bounds = [[float(v) for v in corner] for corner in bounds]


class Legend(MacroElement):  # type: ignore[misc]
    """A plain-HTML legend in the map's corner (branca colormaps need d3 from a CDN)."""

    _template = Template(
        """
        {% macro html(this, kwargs) %}
        <div class="grid-legend" style="position:absolute; bottom:24px; right:10px; z-index:9999;
             background:rgba(255,255,255,.93); padding:8px 12px; border-radius:6px;
             box-shadow:0 1px 4px rgba(0,0,0,.3); font-size:14px; line-height:1.6;
             font-family:'Noto Sans CJK SC','Microsoft YaHei',sans-serif;">
          <div style="font-weight:bold; margin-bottom:2px;">{{ this.title }}</div>
          {% for entry in this.entries %}
          <div><span style="display:inline-block; width:14px; height:14px; margin-right:6px;
               vertical-align:-2px; background:{{ entry.color }}; border:1px solid #888;"></span>{{ entry.label }}</div>
          {% endfor %}
        </div>
        {% endmacro %}
        """
    )

    def __init__(self, title: str, entries: Sequence[LegendEntry]) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._name = "Legend"
        self.title = html.escape(title)
        self.entries = [LegendEntry(e.color, html.escape(e.label)) for e in entries]


TOOLTIP_CSS = """
<style>
.gt{font-size:14px}.gt table{border-collapse:collapse}
.gt th{text-align:left;padding-right:8px;font-weight:normal;color:#555}.gt td{text-align:right;font-weight:bold}
</style>
"""


def _table_html(rows: Sequence[tuple[str, str]], title: str) -> str:
    """A small name/value table for tooltips and popups (styled by TOOLTIP_CSS), escaped."""
    body = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in rows)
    return f"<div class='gt'><b>{html.escape(title)}</b><table>{body}</table></div>"


def _shift_for_tiles(frame: gpd.GeoDataFrame, settings: Settings) -> gpd.GeoDataFrame:
    """AMap/Gaode tiles are drawn in GCJ-02: shift WGS-84 boundaries to line up with them."""
    if settings.tiles.enabled and settings.tiles.crs == "gcj02":
        frame = frame.copy()
        frame = frame.set_geometry(convert_geometry(frame.geometry.values, "wgs84", "gcj02"))
    return frame


def _shift_points(
    lons: list[float], lats: list[float], settings: Settings
) -> tuple[list[float], list[float]]:
    """Point coordinates for display: shifted to GCJ-02 on AMap/Gaode tiles, as they are otherwise."""
    if settings.tiles.enabled and settings.tiles.crs == "gcj02" and lons:
        shifted_lon, shifted_lat = convert(lons, lats, "wgs84", "gcj02")
        return shifted_lon.tolist(), shifted_lat.tolist()
    return lons, lats


def _simplify(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    frame = frame.copy()
    frame["geometry"] = shapely.set_precision(frame.geometry.values, PRECISION)
    return frame


def _label_icon(text: str, size: int, weight: str = "bold") -> folium.DivIcon:
    style = (
        f"font-size:{size}px;font-weight:{weight};color:#222;white-space:nowrap;"
        "text-shadow:-1px -1px 0 #fff,1px -1px 0 #fff,-1px 1px 0 #fff,1px 1px 0 #fff;"
        "transform:translate(-50%,-50%);display:inline-block;pointer-events:none;"
    )
    return folium.DivIcon(html=f"<div style='{style}'>{html.escape(text)}</div>", icon_size=(0, 0))


def _outline(frame: gpd.GeoDataFrame, code: str, name: str, color: str, weight: float) -> folium.GeoJson:
    """Boundaries drawn as lines that let the mouse through to the grids below."""
    return folium.GeoJson(
        frame[[code, "geometry"]].to_json(drop_id=True),
        name=name,
        style_function=lambda f: {"fill": False, "color": color, "weight": weight},
        interactive=False,
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
    for the popup. ``focus`` (community codes) zooms the map to those communities and labels
    their grids; otherwise community names are labelled.
    """
    extra = values.select(["grid_code", *(c for c in values.columns if c not in grids.columns)])
    joined = grids.merge(extra.to_pandas(), on="grid_code", how="left")
    metric_values = [
        None if v is None or (isinstance(v, float) and math.isnan(v)) else float(v) for v in joined[spec.key]
    ]
    colors, legend = _color_classes(metric_values, spec, settings, lang)
    joined["fill"] = colors
    tips, popups = [], []
    for row, value in zip(joined.itertuples(index=False), metric_values, strict=True):
        base = [
            (t("map.community", lang), str(row.community_name)),
            (t("map.grid_worker", lang), str(getattr(row, "grid_worker", "") or "—")),
            (t("map.population", lang), format_count(row.population, lang)),
            (spec.label(lang), spec.format(value, lang)),
        ]
        tips.append(_table_html(base, str(row.grid_name)))
        detail = [
            *base[:3],
            (t("metric.issue_count.label", lang), format_count(_num(row.issue_count), lang)),
            (
                t("metric.resolution_rate.label", lang),
                METRICS["resolution_rate"].format(_num(row.resolution_rate), lang),
            ),
            (t("metric.overdue_open_count.label", lang), format_count(_num(row.overdue_open_count), lang)),
        ]
        if spec.key not in ("issue_count", "resolution_rate", "overdue_open_count"):
            detail.append(base[3])
        popups.append(_table_html(detail, f"{row.grid_name} · {row.grid_code}"))
    joined["tip"] = tips
    joined["pop"] = popups

    shown = _simplify(
        _shift_for_tiles(joined[["grid_code", "fill", "tip", "pop", "community_code", "geometry"]], settings)
    )
    m = _base_map(settings, height)
    folium.GeoJson(
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
    ).add_to(m)
    _context(m, joined, communities, streets, settings, lang, focus)
    m.add_child(Legend(spec.label(lang), legend))
    return m


def _base_map(settings: Settings, height: int) -> folium.Map:
    """An offline map: no tiles unless a tile server is configured, a metric scale, tooltip styles."""
    tiles = settings.tiles
    m = offline_map(
        tiles=tiles.url if tiles.enabled else None,
        # Leaflet requires a credit for custom tiles: the server's host when none is configured.
        attr=html.escape(tiles.attribution or urlsplit(tiles.url).netloc or tiles.url)
        if tiles.enabled
        else None,
        max_zoom=tiles.max_zoom,
        zoom_control=True,
        control_scale=False,
        prefer_canvas=False,
        zoom_snap=0.25,
        height=height,
    )
    m.add_child(MetricScale())
    m.get_root().header.add_child(Element(TOOLTIP_CSS))  # type: ignore[attr-defined]
    return m


def _context(
    m: folium.Map,
    grids: gpd.GeoDataFrame,
    communities: gpd.GeoDataFrame,
    streets: gpd.GeoDataFrame,
    settings: Settings,
    lang: Lang,
    focus: Sequence[str],
) -> None:
    """Community and street outlines, name labels, the layer control, and the view fitted to the focus."""
    outlines = _simplify(_shift_for_tiles(communities, settings))
    street_lines = _simplify(_shift_for_tiles(streets, settings))
    _outline(outlines, "community_code", t("map.layer_communities", lang), "#1d3557", 2.5).add_to(m)
    _outline(street_lines, "street_code", t("map.layer_street", lang), "#c8102e", 4).add_to(m)

    labels = folium.FeatureGroup(name=t("map.layer_labels", lang))
    if focus:
        chosen = grids[grids["community_code"].isin(list(focus))]
        for row in _shift_for_tiles(chosen, settings).itertuples(index=False):
            point = row.geometry.representative_point()
            # A grid named after its community ("<community>1-1") is labelled "1-1": the community is labelled once.
            short = str(row.grid_name).removeprefix(str(row.community_name)) or str(row.grid_name)
            label = _label_icon(short, 12, "normal")
            folium.Marker([point.y, point.x], icon=label, interactive=False).add_to(labels)
    for row in _shift_for_tiles(communities, settings).itertuples(index=False):
        if focus and row.community_code not in focus:
            continue
        point = row.geometry.representative_point()
        label = _label_icon(str(row.community_name), 15)
        folium.Marker([point.y, point.x], icon=label, interactive=False).add_to(labels)
    labels.add_to(m)
    folium.LayerControl(collapsed=True).add_to(m)

    bounds_frame = outlines[outlines["community_code"].isin(list(focus))] if focus else street_lines
    if bounds_frame.empty:
        bounds_frame = street_lines
    minx, miny, maxx, maxy = bounds_frame.total_bounds
    m.add_child(FitBounds([[miny, minx], [maxy, maxx]]))


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
    m = _base_map(settings, height)
    points = [list(p) for p in payload]
    lons, lats = _shift_points([p[1] for p in points], [p[0] for p in points], settings)
    points = [[lat, lon, p[2]] for lon, lat, p in zip(lons, lats, points, strict=True)]
    _grid_lines(m, grids, settings, lang)
    heat = HeatMap(  # type: ignore[no-untyped-call]
        points,
        name=t("heatmap.layer_heat", lang),
        radius=18,
        blur=14,
        min_opacity=0.25,
        max_zoom=16,
        # The same three colours as the legend.
        gradient={0.25: "#2b83ba", 0.6: "#fdae61", 0.9: "#d7191c"},
    )
    heat.add_to(m)
    _context(m, grids, communities, streets, settings, lang, focus)
    m.add_child(
        Legend(
            t("heatmap.legend_title", lang),
            [
                LegendEntry("#2b83ba", t("heatmap.legend_low", lang)),
                LegendEntry("#fdae61", t("heatmap.legend_mid", lang)),
                LegendEntry("#d7191c", t("heatmap.legend_high", lang)),
            ],
        )
    )
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
    m = _base_map(settings, height)
    _grid_lines(m, grids, settings, lang)
    layer = folium.FeatureGroup(name=t("heatmap.layer_points", lang))
    rows = points.select("lat", "lon", "category", "reported_at", "status").drop_nulls(["lat", "lon"])
    lons, lats = rows.get_column("lon").to_list(), rows.get_column("lat").to_list()
    lons, lats = _shift_points(lons, lats, settings)
    for lat, lon, category, reported, status in zip(
        lats,
        lons,
        rows.get_column("category"),
        rows.get_column("reported_at"),
        rows.get_column("status"),
        strict=True,
    ):
        tip = _table_html(
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
    _context(m, grids, communities, streets, settings, lang, focus)
    return m


def _grid_lines(m: folium.Map, grids: gpd.GeoDataFrame, settings: Settings, lang: Lang) -> None:
    """Grid boundaries as thin context lines under a heat or point layer."""
    lines = _simplify(_shift_for_tiles(grids[["grid_code", "geometry"]], settings))
    folium.GeoJson(
        lines.to_json(drop_id=True),
        name=t("map.layer_grids", lang),
        style_function=lambda f: {"fill": False, "color": "#777", "weight": 0.6},
        interactive=False,
    ).add_to(m)


def _num(value: Any) -> float | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return float(value)


POINT_COLORS = {"party_service_center": "#c8102e", "red_station": "#e8590c", "convenience_station": "#1f4e9c"}
CIRCLE_STYLES = {400: ("#1a9850", 0.18), 800: ("#1a9850", 0.10), 1200: ("#1a9850", 0.05)}


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
) -> folium.Map:
    """Grids coloured by a volunteer measure, service points with their walking circles, uncovered areas hatched red.

    ``circles`` has a ``radius_m`` column (400/800/1200 m); ``suggestion`` is (lon, lat, tooltip)
    of the suggested next service point. With ``categories`` (value → (colour, label)) the
    value column holds class names instead of numbers (the demand/supply quadrants).
    """
    joined = grids.merge(values.select("grid_code", value_key).to_pandas(), on="grid_code", how="left")
    if categories is not None:
        # A bivariate (categorical) map: each grid in its class, e.g. demand against supply.
        keys = [v if isinstance(v, str) else None for v in joined[value_key]]
        colors = [categories[k][0] if k in categories else NO_DATA for k in keys]
        legend = [LegendEntry(color, text) for color, text in categories.values()]
        texts = [categories[k][1] if k in categories else "—" for k in keys]
    else:
        raw = [
            None if v is None or (isinstance(v, float) and math.isnan(v)) else float(v)
            for v in joined[value_key]
        ]
        # Shares pile up at 100%: fixed classes read better than quantiles.
        colors, legend = (
            share_classes(raw, fmt) if value_key.endswith("_share") else quantile_classes(raw, True, fmt)
        )
        texts = ["—" if v is None else fmt(v) for v in raw]
    joined["fill"] = colors
    joined["tip"] = [
        _table_html(
            [
                (t("map.community", lang), str(row.community_name)),
                (t("map.population", lang), format_count(row.population, lang)),
                (value_label, text),
            ],
            str(row.grid_name),
        )
        for row, text in zip(joined.itertuples(index=False), texts, strict=True)
    ]
    m = _base_map(settings, height)
    shown = _simplify(_shift_for_tiles(joined[["grid_code", "fill", "tip", "geometry"]], settings))
    folium.GeoJson(
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
    ).add_to(m)
    if not uncovered.empty:
        folium.GeoJson(
            _simplify(_shift_for_tiles(uncovered[["geometry"]], settings)).to_json(drop_id=True),
            name=t("volunteer_map.uncovered", lang),
            style_function=lambda f: {
                "fillColor": "#d73027",
                "fillOpacity": 0.35,
                "color": "#d73027",
                "weight": 0.5,
            },
            interactive=False,
        ).add_to(m)
    for radius in sorted(circles["radius_m"].unique(), reverse=True):
        color, opacity = CIRCLE_STYLES.get(int(radius), ("#1a9850", 0.08))
        ring = circles[circles["radius_m"] == radius]
        folium.GeoJson(
            _shift_for_tiles(ring[["geometry"]], settings).to_json(drop_id=True),
            name=t(
                "volunteer_map.circle",
                lang,
                minutes={400: 5, 800: 10, 1200: 15}.get(int(radius), "?"),
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
        ).add_to(m)
    layer = folium.FeatureGroup(name=t("volunteer_map.points", lang))
    rows = points.select("name", "point_type", "lon", "lat").drop_nulls(["lon", "lat"])
    lons, lats = rows.get_column("lon").to_list(), rows.get_column("lat").to_list()
    lons, lats = _shift_points(lons, lats, settings)
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
            tooltip=_table_html(
                [(t("volunteer_map.point_type", lang), label("point_type", kind, lang))], str(name)
            ),
        ).add_to(layer)
    layer.add_to(m)
    if suggestion is not None:
        lon, lat, text = suggestion
        [lon], [lat] = _shift_points([lon], [lat], settings)
        folium.Marker(
            [lat, lon],
            icon=folium.DivIcon(
                html="<div style='font-size:28px;transform:translate(-50%,-90%)'>&#9733;</div>",
                icon_size=(0, 0),
            ),
            tooltip=html.escape(text),
        ).add_to(m)
    _context(m, grids, communities, streets, settings, lang, focus)
    m.add_child(Legend(value_label, legend))
    return m
