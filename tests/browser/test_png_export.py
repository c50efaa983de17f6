"""PNG export in the browser: the map's picture button and the charts' modebar, with no outside request.

The network fixture fails a test on any request to a host other than localhost, so these
also prove that drawing and saving the pictures stays on the machine.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import Page

from dashboard.i18n import t
from tests.browser.conftest import (
    NetworkLog,
    StartApp,
    artifact_dir,
    folium_frame,
    open_app,
    wait_for_leaflet_paths,
)
from tests.conftest import REPO

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def demo_url(start_app: StartApp) -> str:
    return start_app(data_dir=REPO)


def _hex(color: str) -> tuple[int, int, int]:
    return int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16)


def _has_color(image: Image.Image, color: str, box: tuple[int, int, int, int], tolerance: int = 6) -> bool:
    want = _hex(color)
    region = image.convert("RGB").crop(box)
    colors = region.getcolors(maxcolors=region.width * region.height) or []
    return any(all(abs(a - b) <= tolerance for a, b in zip(rgb, want, strict=True)) for _, rgb in colors)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_map_png_button_downloads_the_view_with_its_legend(
    page: Page, demo_url: str, network_log: NetworkLog, lang: str
) -> None:
    open_app(page, demo_url, f"/grid_map?period=2026-10&lang={lang}")
    frame = folium_frame(page)
    wait_for_leaflet_paths(frame, 10)
    button = frame.locator(".leaflet-control-simpleMapScreenshoter a")
    assert button.get_attribute("title") == t("png.map_button", lang)  # type: ignore[arg-type]
    # The legend is inside Leaflet's container, so the picture has it.
    assert frame.evaluate(
        "() => document.querySelector('.grid-legend').parentElement.classList.contains('leaflet-container')"
    )
    with page.expect_download(timeout=60_000) as info:
        button.click()
    download = info.value
    assert download.suggested_filename == "grid_map_resolution_rate_2026-10.png"
    path = artifact_dir("downloads") / f"grid_map_{lang}.png"
    download.save_as(path)
    data = Path(path).read_bytes()
    assert data.startswith(PNG_MAGIC)
    image = Image.open(io.BytesIO(data))
    box = frame.evaluate(
        "() => [document.querySelector('.leaflet-container').clientWidth, document.querySelector('.leaflet-container').clientHeight]"
    )
    # The whole view (the plugin trims a 2-3 px border), plus the caption line under it.
    assert box[0] - 8 <= image.width <= box[0] and image.height > box[1] + 20
    # The legend's swatches (bottom right) are in the picture: the green, amber and red of the grades.
    legend = (image.width - 420, box[1] - 260, image.width, box[1])
    for color in ("#1a9850", "#f29e1f", "#d73027"):
        assert _has_color(image, color, legend), color
    assert network_log.page_errors == []


def test_chart_modebar_downloads_a_named_png(page: Page, demo_url: str, network_log: NetworkLog) -> None:
    open_app(page, demo_url, "/?period=2026-10")
    chart = page.locator(".js-plotly-plot").nth(2)  # trend, solving levels, then the league
    chart.scroll_into_view_if_needed()
    chart.hover()
    button = chart.locator(
        ".modebar-btn[data-title='Download plot as a PNG'], .modebar-btn[data-title='Download plot as a png']"
    )
    with page.expect_download(timeout=60_000) as info:
        button.first.click()
    download = info.value
    assert download.suggested_filename == "community_league_2026-10.png"
    path = artifact_dir("downloads") / "community_league.png"
    download.save_as(path)
    image = Image.open(path)
    # Scale 2: twice the chart's size on screen.
    width = chart.bounding_box()["width"]  # type: ignore[index]
    assert abs(image.width - 2 * width) <= 4
    assert network_log.page_errors == []
