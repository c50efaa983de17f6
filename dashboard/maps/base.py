"""The offline base map and its context: street and community boundaries, name labels, the fitted view.

Maps load nothing from the internet (see :mod:`dashboard.maps.assets`): no tiles unless a
tile server is configured, boundaries as context. On AMap/Gaode tiles (GCJ-02) every
geometry and point is shifted from WGS-84 to line up with them.
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlsplit

import folium
import geopandas as gpd
import shapely
from branca.element import Element

from dashboard.core.coords import convert, convert_geometry
from dashboard.core.settings import Settings
from dashboard.core.text import html_text
from dashboard.i18n import Lang, t
from dashboard.maps.assets import offline_map
from dashboard.maps.elements import TOOLTIP_CSS, FitBounds, MetricScale, label_icon

PRECISION = 1e-5  # about a metre: boundaries need no more, and the page stays small


def shift_for_tiles(frame: gpd.GeoDataFrame, settings: Settings) -> gpd.GeoDataFrame:
    """AMap/Gaode tiles are drawn in GCJ-02: shift WGS-84 boundaries to line up with them."""
    if settings.tiles.enabled and settings.tiles.crs == "gcj02":
        frame = frame.copy()
        frame = frame.set_geometry(convert_geometry(frame.geometry.values, "wgs84", "gcj02"))
    return frame


def shift_points(lons: list[float], lats: list[float], settings: Settings) -> tuple[list[float], list[float]]:
    """Point coordinates for display: shifted to GCJ-02 on AMap/Gaode tiles, as they are otherwise."""
    if settings.tiles.enabled and settings.tiles.crs == "gcj02" and lons:
        shifted_lon, shifted_lat = convert(lons, lats, "wgs84", "gcj02")
        return shifted_lon.tolist(), shifted_lat.tolist()
    return lons, lats


def simplify(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Geometries rounded to :data:`PRECISION` (about a metre), so the page stays small."""
    frame = frame.copy()
    frame["geometry"] = shapely.set_precision(frame.geometry.values, PRECISION)
    return frame


def base_map(settings: Settings, height: int) -> folium.Map:
    """An offline map: no tiles unless a tile server is configured, a metric scale, tooltip styles."""
    tiles = settings.tiles
    m = offline_map(
        tiles=tiles.url if tiles.enabled else None,
        # Leaflet requires a credit for custom tiles: the server's host when none is configured.
        attr=html_text(tiles.attribution or urlsplit(tiles.url).netloc or tiles.url)
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


def _outline(frame: gpd.GeoDataFrame, code: str, name: str, color: str, weight: float) -> folium.GeoJson:
    """Boundaries drawn as lines that let the mouse through to the grids below."""
    return folium.GeoJson(
        frame[[code, "geometry"]].to_json(drop_id=True),
        name=name,
        style_function=lambda f: {"fill": False, "color": color, "weight": weight},
        interactive=False,
    )


def _labels(
    grids: gpd.GeoDataFrame,
    communities: gpd.GeoDataFrame,
    settings: Settings,
    lang: Lang,
    focus: Sequence[str],
) -> folium.FeatureGroup:
    """Names on the map: the focused communities' grids and names, else every community's name."""
    labels = folium.FeatureGroup(name=t("map.layer_labels", lang))
    if focus:
        chosen = grids[grids["community_code"].isin(list(focus))]
        for row in shift_for_tiles(chosen, settings).itertuples(index=False):
            point = row.geometry.representative_point()
            # A grid named after its community ("<community>1-1") is labelled "1-1": the community is labelled once.
            short = str(row.grid_name).removeprefix(str(row.community_name)) or str(row.grid_name)
            label = label_icon(short, 12, "normal")
            folium.Marker([point.y, point.x], icon=label, interactive=False).add_to(labels)
    for row in shift_for_tiles(communities, settings).itertuples(index=False):
        if focus and row.community_code not in focus:
            continue
        point = row.geometry.representative_point()
        label = label_icon(str(row.community_name), 15)
        folium.Marker([point.y, point.x], icon=label, interactive=False).add_to(labels)
    return labels


def add_context(
    m: folium.Map,
    grids: gpd.GeoDataFrame,
    communities: gpd.GeoDataFrame,
    streets: gpd.GeoDataFrame,
    settings: Settings,
    lang: Lang,
    focus: Sequence[str],
) -> None:
    """Community and street outlines, name labels, the layer control, and the view fitted to the focus."""
    outlines = simplify(shift_for_tiles(communities, settings))
    street_lines = simplify(shift_for_tiles(streets, settings))
    _outline(outlines, "community_code", t("map.layer_communities", lang), "#1d3557", 2.5).add_to(m)
    _outline(street_lines, "street_code", t("map.layer_street", lang), "#c8102e", 4).add_to(m)
    _labels(grids, communities, settings, lang, focus).add_to(m)
    folium.LayerControl(collapsed=True).add_to(m)

    bounds_frame = outlines[outlines["community_code"].isin(list(focus))] if focus else street_lines
    if bounds_frame.empty:
        bounds_frame = street_lines
    minx, miny, maxx, maxy = bounds_frame.total_bounds
    m.add_child(FitBounds([[miny, minx], [maxy, maxx]]))
