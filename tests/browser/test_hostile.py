"""Hostile names in the browser: every page and meeting view of a root whose names are HTML, Markdown
images and links, LaTeX and formulas renders them as text.

Nothing is fetched from the beacon host (the page fixture fails on any request off this machine),
no ``<img src=x>``, link to it or KaTeX element exists in the page or in a map's frame, no script
runs (no dialog), and the tables have no toolbar download or copy (``client.disableDataExport``):
those would write ``=HYPERLINK(...)`` cells as they are.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Frame, Page, expect

from tests.browser.conftest import StartApp, open_app, screenshot
from tests.hostile import BEACON, hostile_root

PATHS = (
    "/",  # the overview (the default page has no path of its own in streamlit 1.67)
    "/grid_map",
    "/closed_loop",
    "/heatmap",
    "/trends",
    "/volunteers",
    "/data",
    "/meeting?views=headline",
    "/meeting?views=league",
    "/meeting?views=map",
    "/meeting?views=topics",
)
MARKUP = f"img[src='x'], a[href*='{BEACON}'], img[src*='{BEACON}'], .katex, .katex-display, script[src*='{BEACON}']"


def _markup(frame: Page | Frame) -> int:
    return int(frame.locator(MARKUP).count())


@pytest.fixture(scope="module")
def hostile_url(start_app: StartApp, tmp_path_factory: pytest.TempPathFactory) -> str:
    return start_app(data_dir=hostile_root(tmp_path_factory.mktemp("hostile-browser") / "root"))


@pytest.mark.parametrize("path", PATHS)
def test_hostile_names_render_as_text(page: Page, hostile_url: str, path: str) -> None:
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    sep = "&" if "?" in path else "?"
    open_app(page, hostile_url, f"{path}{sep}period=2026-10")
    page.wait_for_timeout(1500)  # maps and charts draw after the script run
    assert _markup(page) == 0
    for frame in page.frames:
        if frame is not page.main_frame:
            assert _markup(frame) == 0, frame.url
    assert dialogs == []
    name = path.strip("/").replace("?views=", "_").replace("/", "_") or "overview"
    screenshot(page, f"hostile_{name}")


def test_the_names_are_on_screen_as_written(page: Page, hostile_url: str) -> None:
    open_app(page, hostile_url, "/closed_loop?period=2026-10")
    main = page.get_by_test_id("stMain")
    # The warning naming the community furthest below target shows its name, markup and all.
    alert = main.locator("[data-testid='stAlertContainer']").filter(has_text="<img src=x onerror=alert(1)>")
    expect(alert.first).to_be_attached()  # (in the "behind target" tab)


def test_tables_have_no_toolbar_download(page: Page, hostile_url: str, tmp_path: Path) -> None:
    open_app(page, hostile_url, "/?period=2026-10")
    table = page.get_by_test_id("stMain").get_by_test_id("stDataFrame").first
    table.hover()
    toolbar = page.get_by_test_id("stElementToolbar").first
    expect(toolbar).to_be_attached()
    labels = [str(b.get_attribute("aria-label") or "") for b in toolbar.locator("button").all()]
    assert labels  # the toolbar is there (search, full screen) ...
    assert not [label for label in labels if "download" in label.lower() or "csv" in label.lower()]
