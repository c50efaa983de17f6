"""Meeting mode in headless Chromium at 1920 x 1080: no scrolling, auto-advance, keys, themes.

Screenshots of every view (zh light, en dark) go to tests/_artifacts/screenshots/.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from dashboard.core.loading import load_dataset
from dashboard.core.periods import parse_period
from dashboard.i18n import t
from dashboard.meeting import VIEWS
from dashboard.metrics import METRICS, compute
from tests.browser.conftest import NetworkLog, StartApp, folium_frame, screenshot, wait_for_app
from tests.conftest import REPO

SCREEN = {"width": 1920, "height": 1080}
TITLE = ".meeting-title"


@pytest.fixture(scope="module")
def demo_url(start_app: StartApp) -> str:
    return start_app(data_dir=REPO)


def open_meeting(page: Page, base_url: str, path: str) -> None:
    """Like ``open_app``, but waits for the meeting screen (its first elements are invisible: styles, keys)."""
    response = page.goto(base_url.rstrip("/") + path, wait_until="domcontentloaded")
    assert response is not None and response.ok
    page.locator(TITLE).first.wait_for(timeout=60_000)
    wait_for_app(page)


def view(page: Page) -> str:
    return str(page.locator(TITLE).first.get_attribute("data-view"))


def overflow(page: Page) -> dict[str, int]:
    """How far the document and Streamlit's scrolling containers reach beyond what they show (px)."""
    return page.evaluate(
        """() => {
            const out = {document: document.documentElement.scrollHeight - window.innerHeight};
            for (const id of ["stApp", "stAppViewContainer", "stMain"]) {
                const e = document.querySelector(`[data-testid="${id}"]`);
                if (e) { out[id] = e.scrollHeight - e.clientHeight; }
            }
            return out;
        }"""
    )


def wait_for_view(page: Page, name: str, timeout_ms: int = 30_000) -> None:
    expect(page.locator(f"{TITLE}[data-view='{name}']")).to_have_count(1, timeout=timeout_ms)
    wait_for_app(page)
    if name == "map":
        folium_frame(page).wait_for_selector("path.leaflet-interactive", timeout=timeout_ms)
    else:
        page.locator(".js-plotly-plot, .meeting-cards").first.wait_for(timeout=timeout_ms)
    page.wait_for_timeout(400)  # let charts reach their final size


@pytest.mark.parametrize(
    ("lang", "theme"), [("zh", "light"), ("en", "dark"), ("zh", "dark"), ("en", "light")]
)
def test_every_view_fits_1920x1080_without_scrolling(
    page: Page, demo_url: str, network_log: NetworkLog, lang: str, theme: str
) -> None:
    page.set_viewport_size(SCREEN)  # type: ignore[arg-type]
    open_meeting(page, demo_url, f"/meeting?period=2026-10&lang={lang}&theme={theme}&interval=600")
    wait_for_view(page, "headline")
    # The sidebar and the toolbar are gone.
    assert not page.get_by_test_id("stSidebar").is_visible()
    # The headline resolution rate is the registry's (October at its assessment cut-off, the default basis).
    dataset = load_dataset(REPO)
    street = compute(
        dataset.issues,
        dataset.units,
        "all",
        parse_period("2026-10"),
        dataset.as_of,
        dataset.settings,
        "cutoff",
    ).row(0, named=True)
    rate = METRICS["resolution_rate"].format(street["resolution_rate"], lang)  # type: ignore[arg-type]
    hero = page.locator(".meeting-hero[data-metric='resolution_rate'] .meeting-value")
    expect(hero).to_have_text(rate)
    assert page.locator(".meeting-demo").inner_text() == t("app.demo_badge", lang)  # type: ignore[arg-type]
    for index, name in enumerate(VIEWS):
        if index:
            page.keyboard.press("ArrowRight")
            wait_for_view(page, name)
        assert page.locator(TITLE).inner_text().startswith(t(f"meeting.view_{name}", lang))  # type: ignore[arg-type]
        assert all(v <= 0 for v in overflow(page).values()), (name, overflow(page))
        # The controls at the bottom are on screen.
        box = page.locator(".st-key-meeting_next").bounding_box()
        assert box is not None and box["y"] + box["height"] <= SCREEN["height"]
        screenshot(page, f"meeting_{name}_{lang}_{theme}")
    background = page.evaluate(
        "() => getComputedStyle(document.querySelector('[data-testid=\"stApp\"]')).backgroundColor"
    )
    assert background == ("rgb(11, 18, 32)" if theme == "dark" else "rgb(255, 255, 255)")
    assert network_log.page_errors == []


def test_auto_advance_keys_and_pause(page: Page, demo_url: str) -> None:
    page.set_viewport_size(SCREEN)  # type: ignore[arg-type]
    open_meeting(page, demo_url, "/meeting?period=2026-10&interval=5")
    wait_for_view(page, "headline")
    # On its own after about 5 s: the league.
    wait_for_view(page, "league", timeout_ms=20_000)
    # PageDown is what a presentation clicker sends: next; PageUp: back.
    page.keyboard.press("PageDown")
    wait_for_view(page, "map")
    page.keyboard.press("PageUp")
    wait_for_view(page, "league")
    page.keyboard.press("ArrowLeft")
    wait_for_view(page, "headline")
    # Space pauses: the view stays well beyond the interval.
    page.keyboard.press(" ")
    expect(page.locator(".meeting-progress").first).to_contain_text("已暂停")
    page.wait_for_timeout(8_000)
    assert view(page) == "headline"
    # And resumes.
    page.keyboard.press(" ")
    expect(page.locator(".meeting-progress").first).to_contain_text("每 5 秒自动切换")
    wait_for_view(page, "league", timeout_ms=20_000)
    assert "interval=5" in page.url
