"""Tests for dashboard.map_assets: rendered maps load nothing from the internet."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import folium
import folium.plugins
import pytest

from dashboard.maps.assets import (
    ASSETS,
    STATIC_DIR,
    STATIC_URL,
    OfflineAssetError,
    OfflineMap,
    linked_urls,
    local_url,
    localize,
    offline_map,
    render_html,
)

# Stops at a backslash too: attribution HTML sits in JavaScript strings as \".
URL = re.compile(r"https?://[^\s\"'<>)\\]+")

GRIDS = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "properties": {"grid_name": "东华门第一网格", "issues": 12},
            "geometry": {
                "type": "Polygon",
                "coordinates": [
                    [[116.39, 39.90], [116.40, 39.90], [116.40, 39.91], [116.39, 39.91], [116.39, 39.90]]
                ],
            },
        },
        {
            "type": "Feature",
            "properties": {"grid_name": "景山第二网格", "issues": 3},
            "geometry": {
                "type": "Polygon",
                "coordinates": [
                    [[116.40, 39.90], [116.41, 39.90], [116.41, 39.91], [116.40, 39.91], [116.40, 39.90]]
                ],
            },
        },
    ],
}


def grid_map(m: folium.Map) -> folium.Map:
    """The layers a dashboard map uses: grids with tooltip and popup, heat, layer control."""
    folium.GeoJson(
        GRIDS,
        name="网格",
        tooltip=folium.GeoJsonTooltip(["grid_name", "issues"], aliases=["网格", "事件数"]),
        popup=folium.GeoJsonPopup(["grid_name"]),
    ).add_to(m)
    folium.plugins.HeatMap([[39.905, 116.395, 3.0], [39.906, 116.405, 1.0]], name="事件热力").add_to(m)
    folium.LayerControl().add_to(m)
    return m


def test_rendered_map_links_only_local_files_and_has_no_url_at_all() -> None:
    page = render_html(grid_map(offline_map(location=[39.905, 116.40], zoom_start=14)))
    links = linked_urls(page)
    assert links, "expected script and stylesheet links"
    assert all(url.startswith(f"{STATIC_URL}/") for url in links), links
    assert "/app/static/leaflet-heat/leaflet_heat.min.js" in links
    assert links[0] == "/app/static/leaflet/leaflet.js"
    for url in links:
        assert (STATIC_DIR / url.removeprefix(f"{STATIC_URL}/")).is_file(), url
    # No tiles and no attribution were configured, so no URL may appear anywhere.
    assert URL.findall(page) == []
    assert json.dumps("东华门第一网格")[1:-1] in page  # GeoJSON is embedded as escaped JSON


def test_only_the_configured_attribution_mentions_a_url() -> None:
    m = offline_map(
        location=[39.905, 116.40],
        zoom_start=14,
        tiles="http://tiles.intranet.example/{z}/{x}/{y}.png",
        attr='<a href="https://gis.intranet.example/about">区政务底图</a>',
    )
    page = render_html(grid_map(m))
    assert sorted(set(URL.findall(page))) == [
        "http://tiles.intranet.example/{z}/{x}/{y}.png",
        "https://gis.intranet.example/about",
    ]
    assert all(url.startswith(f"{STATIC_URL}/") for url in linked_urls(page))


def test_folium_class_defaults_are_left_alone() -> None:
    # folium's add_js_link edits the class-level list; localize must not.
    offline_map()
    assert folium.Map.default_js[0][1].startswith("https://")
    assert folium.plugins.HeatMap.default_js[0][1].startswith("https://")


def test_layers_added_after_construction_are_localized_when_rendered() -> None:
    m = offline_map()
    heat = folium.plugins.HeatMap([[39.9, 116.4]]).add_to(m)
    assert heat.default_js[0][1].startswith("https://")  # not yet
    m.get_root().render()
    assert heat.default_js == [("leaflet-heat.js", "/app/static/leaflet-heat/leaflet_heat.min.js")]


@pytest.mark.parametrize(
    "make",
    [
        lambda: folium.plugins.HeatMap([[39.9, 116.4]]),
        folium.plugins.MarkerCluster,
        lambda: folium.plugins.FastMarkerCluster([[39.9, 116.4]]),
        folium.plugins.Fullscreen,
        lambda: folium.plugins.MiniMap(tile_layer=None),
    ],
    ids=["HeatMap", "MarkerCluster", "FastMarkerCluster", "Fullscreen", "MiniMap"],
)
def test_supported_plugins_resolve_to_vendored_files(make: Any) -> None:
    element = make()
    localize(folium.Map(tiles=None).add_child(element))
    links = [url for _, url in element.default_js + element.default_css]
    assert links
    for url in links:
        assert url.startswith(f"{STATIC_URL}/")
        assert (STATIC_DIR / url.removeprefix(f"{STATIC_URL}/")).is_file()


def test_plain_folium_map_can_be_localized_in_place() -> None:
    m = grid_map(folium.Map(location=[39.9, 116.4], tiles=None))
    assert localize(m) is m
    links = linked_urls(render_html(m))
    assert all(url.startswith("/app/static/") for url in links)


def test_dropped_icon_fonts_are_not_linked() -> None:
    links = linked_urls(render_html(offline_map()))
    assert not any("glyphicons" in u or "fontawesome" in u or "rotate" in u for u in links)
    assert (
        local_url("https://cdn.jsdelivr.net/npm/@fortawesome/fontawesome-free@6.2.0/css/all.min.css") is None
    )


def test_unvendored_plugin_fails_loudly_with_its_url() -> None:
    m = offline_map()
    folium.plugins.Draw().add_to(m)
    with pytest.raises(OfflineAssetError, match=r"leaflet\.draw"):
        render_html(m)


def test_colormap_legend_is_refused_or_dropped() -> None:
    def choropleth_map(**kwargs: Any) -> OfflineMap:
        m = offline_map(**kwargs)
        folium.Choropleth(
            GRIDS,
            data={"东华门第一网格": 12, "景山第二网格": 3},
            key_on="feature.properties.grid_name",
            fill_color="YlOrRd",
            legend_name="事件数",
        ).add_to(m)
        return m

    with pytest.raises(OfflineAssetError, match="d3"):
        render_html(choropleth_map())
    page = render_html(choropleth_map(colormaps="drop"))
    assert all(url.startswith("/app/static/") for url in linked_urls(page))
    assert "d3" not in " ".join(linked_urls(page))
    assert "fillColor" in page  # the choropleth colours stay


def test_standalone_html_relative_and_inline(tmp_path: Path) -> None:
    m = grid_map(offline_map(location=[39.905, 116.40], zoom_start=14))
    relative = render_html(m, base_url="static")
    assert all(url.startswith("static/") for url in linked_urls(relative))

    inline = render_html(m, inline=True)
    assert linked_urls(inline) == []
    assert "L.heatLayer" in inline
    assert "data:image/png;base64," in inline  # Leaflet's layer-control icon
    assert URL.findall(inline.split("</head>")[-1]) == []
    # The map keeps its own base URL for st_folium afterwards.
    assert m.default_js[0] == ("leaflet", "/app/static/leaflet/leaflet.js")


def test_st_folium_receives_only_local_asset_urls(monkeypatch: pytest.MonkeyPatch) -> None:
    import streamlit_folium

    captured: dict[str, Any] = {}

    def fake_component(**kwargs: Any) -> Any:
        captured.update(kwargs)
        return kwargs["default"]

    monkeypatch.setattr(streamlit_folium, "_component_func", fake_component)
    m = grid_map(offline_map(location=[39.905, 116.40], zoom_start=14))
    streamlit_folium.st_folium(
        m, key="grid_map", height=500, returned_objects=["last_object_clicked_tooltip"]
    )
    assert captured["js_links"][0] == "/app/static/leaflet/leaflet.js"
    assert "/app/static/leaflet-heat/leaflet_heat.min.js" in captured["js_links"]
    assert all(u.startswith("/app/static/") for u in captured["js_links"] + captured["css_links"])


def test_every_asset_file_exists_and_is_documented() -> None:
    readme = (STATIC_DIR / "README.md").read_text("utf-8")
    for asset in ASSETS:
        if asset.path is None:
            assert asset.why_dropped
            continue
        assert (STATIC_DIR / asset.path).is_file(), asset.path
    vendored = [
        p.relative_to(STATIC_DIR).as_posix()
        for p in STATIC_DIR.rglob("*")
        if p.is_file() and p.name not in {"README.md", "fetch_assets.sh"}
    ]
    undocumented = [path for path in vendored if f"`{path}`" not in readme]
    assert undocumented == []


def test_css_references_resolve_to_vendored_files() -> None:
    for css in STATIC_DIR.rglob("*.css"):
        for ref in re.findall(r"url\(\s*['\"]?([^'\")]+)['\"]?\s*\)", css.read_text("utf-8")):
            if ref.startswith(("data:", "#")):
                continue
            assert not URL.match(ref), (css, ref)
            assert (css.parent / ref).is_file(), (css, ref)


def test_leaflet_prefix_is_plain_text_unless_kept() -> None:
    page = render_html(offline_map())
    assert 'attributionControl.setPrefix("Leaflet")' in page
    assert "setPrefix" not in render_html(offline_map(attribution_prefix=None))


def test_every_offline_map_has_the_png_button_with_a_local_script() -> None:
    from dashboard.maps.assets import PngControl, png_control

    m = offline_map(location=[30.0, 120.0], zoom_start=13)
    control = png_control(m)
    assert isinstance(control, PngControl)
    control.name, control.caption, control.title = "grid_map_2026-10", "East Lake · Oct 2026", "PNG"
    page = render_html(m)
    assert "/app/static/screenshoter/leaflet-simple-map-screenshoter.js" in linked_urls(page)
    assert '"grid_map_2026-10"' in page and '"East Lake \\u00b7 Oct 2026"' in page
    assert png_control(offline_map(location=[30.0, 120.0], zoom_start=13, png=False)) is None
