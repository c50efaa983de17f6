"""The harness and the offline map stack, proven on a throwaway Streamlit script.

The script shows an ``offline_map`` with two grid polygons (tooltips, popups and Chinese
name labels), a heat layer and a layer control through ``st_folium``, and echoes the tooltip of the
last clicked polygon. Nothing may be fetched from outside localhost.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from playwright.sync_api import Frame, Page

from tests.browser.conftest import (
    NetworkLog,
    StartApp,
    folium_frame,
    open_app,
    screenshot,
    wait_for_app,
    wait_for_leaflet_paths,
)

SCRIPT = textwrap.dedent(
    '''
    """Throwaway app for tests/browser/test_offline_map.py."""

    import folium
    import streamlit as st
    from folium.plugins import HeatMap
    from streamlit_folium import st_folium

    from dashboard.maps.assets import offline_map


    def square(lng: float, lat: float, size: float) -> list[list[list[float]]]:
        return [[[lng, lat], [lng + size, lat], [lng + size, lat + size], [lng, lat + size], [lng, lat]]]


    GRIDS = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": {"grid_name": "东华门第一网格", "issues": 12},
             "geometry": {"type": "Polygon", "coordinates": square(116.390, 39.900, 0.01)}},
            {"type": "Feature", "properties": {"grid_name": "景山第二网格", "issues": 3},
             "geometry": {"type": "Polygon", "coordinates": square(116.402, 39.900, 0.01)}},
        ],
    }

    st.set_page_config(page_title="离线地图", layout="wide")
    st.title("离线地图测试")

    m = offline_map(location=[39.905, 116.401], zoom_start=15)
    folium.GeoJson(
        GRIDS,
        name="网格边界",
        style_function=lambda f: {"color": "#C8102E", "weight": 2, "fillOpacity": 0.15},
        tooltip=folium.GeoJsonTooltip(["grid_name"], labels=False),
        popup=folium.GeoJsonPopup(["grid_name", "issues"], aliases=["网格", "事件数"]),
    ).add_to(m)
    labels = folium.FeatureGroup(name="网格名称")
    for feature in GRIDS["features"]:
        (lng, lat), _, (lng2, lat2) = feature["geometry"]["coordinates"][0][:3]
        folium.Marker(
            [(lat + lat2) / 2, (lng + lng2) / 2],
            icon=folium.DivIcon(
                html=f'<div class="grid-label">{feature["properties"]["grid_name"]}</div>',
                icon_size=(120, 20),
                icon_anchor=(60, 10),
                class_name="grid-label-icon",
            ),
        ).add_to(labels)
    labels.add_to(m)
    HeatMap(
        [[39.905, 116.395, 1.0], [39.9052, 116.3952, 1.0], [39.905, 116.407, 0.6]],
        name="事件热力",
        radius=30,
    ).add_to(m)
    folium.LayerControl(collapsed=False).add_to(m)

    clicked = st_folium(
        m,
        key="offline-map",
        height=520,
        use_container_width=True,
        returned_objects=["last_object_clicked_tooltip", "last_active_drawing"],
    )
    clicked = clicked or {}
    feature = clicked.get("last_active_drawing") or {}
    tooltip = (clicked.get("last_object_clicked_tooltip") or "").strip()
    st.markdown(f"已选择：{feature.get('properties', {}).get('grid_name', '无')}")
    st.markdown(f"提示框：{tooltip or '无'}")
    '''
)

GRID_LABELS = ("东华门第一网格", "景山第二网格")


@pytest.fixture(scope="module")
def offline_app(start_app: StartApp, tmp_path_factory: pytest.TempPathFactory) -> str:
    script = tmp_path_factory.mktemp("offline_app") / "offline_app.py"
    script.write_text(SCRIPT, encoding="utf-8")
    return start_app(script=script)


def cjk_renders_as_glyphs(frame: Frame, text: str, selector: str) -> bool:
    """Whether ``text`` draws differently from a character no font has (tofu boxes).

    Both are drawn on a canvas in the font of ``selector``; without a CJK font every
    character falls back to the same .notdef box.
    """
    return bool(
        frame.evaluate(
            """([text, selector]) => {
                const font = getComputedStyle(document.querySelector(selector)).font;
                const draw = (s) => {
                    const c = document.createElement('canvas');
                    c.width = 200; c.height = 60;
                    const ctx = c.getContext('2d');
                    ctx.font = font.replace(/\\d+(\\.\\d+)?px/, '40px');
                    ctx.fillText(s, 5, 45);
                    return Array.from(ctx.getImageData(0, 0, 200, 60).data).join(',');
                };
                const missing = '\\u{10FFFD}';
                return draw(text[0]) !== draw(missing) && draw(text[0]) !== draw(text[1]);
            }""",
            [text, selector],
        )
    )


def test_offline_map_draws_polygons_heat_and_chinese_labels(
    page: Page, offline_app: str, network_log: NetworkLog
) -> None:
    open_app(page, offline_app)
    frame = folium_frame(page)

    assert wait_for_leaflet_paths(frame, 2) == 2
    # Leaflet's stylesheet came from /app/static and applies (served as text/css).
    assert (
        frame.evaluate("getComputedStyle(document.querySelector('.leaflet-container')).overflow") == "hidden"
    )
    # The heat layer's canvas exists and has painted pixels.
    painted = frame.evaluate(
        """() => {
            const c = document.querySelector('canvas.leaflet-heatmap-layer');
            if (!c) return -1;
            const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
            let n = 0;
            for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
            return n;
        }"""
    )
    assert painted > 100
    # Labels show the Chinese grid names, drawn with a real CJK font.
    labels = frame.locator(".grid-label").all_inner_texts()
    assert sorted(label.strip() for label in labels) == sorted(GRID_LABELS)
    assert cjk_renders_as_glyphs(frame, "东华", ".grid-label")
    # The layer control lists the overlays by their Chinese names.
    control = frame.locator(".leaflet-control-layers").inner_text()
    assert all(name in control for name in ("网格边界", "事件热力", "网格名称"))
    # Leaflet's credit is plain text: no link out, no flag.
    assert frame.locator(".leaflet-control-attribution").inner_text().strip() == "Leaflet"
    assert frame.locator(".leaflet-control-attribution a, .leaflet-control-attribution svg").count() == 0

    shot = screenshot(page, "offline_map")
    assert shot.stat().st_size > 20_000

    # Assets were served locally, all of them successfully.
    static = network_log.static_requests()
    assert any(url.endswith("/app/static/leaflet/leaflet.js") for url in static)
    assert any(url.endswith("/app/static/leaflet-heat/leaflet_heat.min.js") for url in static)
    assert network_log.failed == []
    assert network_log.page_errors == []
    # The component iframe lives at /component/...; /app/static is reached by absolute path.
    assert frame.url.startswith(f"{offline_app}/component/streamlit_folium.st_folium/")


def test_clicking_a_grid_returns_its_tooltip(page: Page, offline_app: str, network_log: NetworkLog) -> None:
    open_app(page, offline_app)
    frame = folium_frame(page)
    wait_for_leaflet_paths(frame, 2)
    assert page.get_by_text("已选择：无").is_visible()

    # Click the first polygon away from its centred label and from the heat spot. Frame
    # locators report boxes in page coordinates, which page.mouse expects.
    box = frame.locator("path.leaflet-interactive").first.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + box["width"] * 0.85, box["y"] + box["height"] * 0.2)
    # last_active_drawing carries the clicked feature's GeoJSON, properties included.
    page.get_by_text("已选择：东华门第一网格").wait_for(timeout=20_000)
    wait_for_app(page)
    assert page.get_by_text("提示框：东华门第一网格").is_visible()
    # The popup opened with its Chinese aliases.
    assert "事件数" in frame.locator(".leaflet-popup-content").inner_text()
    screenshot(page, "offline_map_clicked")
    assert network_log.failed == []


def test_outside_requests_are_blocked_and_reported(
    page: Page, offline_app: str, network_log: NetworkLog
) -> None:
    """The guard itself: a request to another host is aborted and recorded."""
    open_app(page, offline_app)
    status = page.evaluate(
        "() => fetch('https://cdn.jsdelivr.net/npm/leaflet@1.9.4/dist/leaflet.js').then(() => 'ok', () => 'blocked')"
    )
    assert status == "blocked"
    assert network_log.outside == ["GET https://cdn.jsdelivr.net/npm/leaflet@1.9.4/dist/leaflet.js (fetch)"]
    network_log.outside.clear()  # expected here; any other test would fail at teardown


def test_static_dir_is_linked_next_to_the_script(
    offline_app: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    del offline_app
    linked = [p for p in tmp_path_factory.getbasetemp().rglob("static") if p.is_symlink()]
    assert linked and all(p.resolve() == Path(__file__).resolve().parents[2] / "static" for p in linked)
