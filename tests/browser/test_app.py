"""The real app in headless Chromium: every page in both languages, on the demo street.

Fails on any request to a host other than localhost (see conftest), on an exception box,
on Chinese drawn as boxes, and when the map does not draw the grid polygons. Screenshots
are saved to tests/_artifacts/screenshots/.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import polars as pl
import pytest
from playwright.sync_api import Frame, Page, expect

from dashboard.core.loading import load_dataset
from dashboard.core.periods import parse_period
from dashboard.i18n import label, t
from dashboard.metrics import METRICS, compute
from tests.browser.conftest import (
    NetworkLog,
    StartApp,
    folium_frame,
    open_app,
    screenshot,
    wait_for_app,
    wait_for_leaflet_paths,
)
from tests.browser.test_offline_map import cjk_renders_as_glyphs
from tests.builders import TINY_GRIDS, tiny_root, write_grids
from tests.conftest import REPO

PAGES = {
    "overview": ("/", "overview.title"),
    "grid_map": ("/grid_map", "map.title"),
    "closed_loop": ("/closed_loop", "loop.title"),
    "volunteers": ("/volunteers", "volunteer_map.title"),
}


@pytest.fixture(scope="module")
def demo_url(start_app: StartApp) -> str:
    return start_app(data_dir=REPO)


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("name", list(PAGES))
def test_every_page_renders_offline(
    page: Page, demo_url: str, network_log: NetworkLog, name: str, lang: str
) -> None:
    path, title_key = PAGES[name]
    open_app(page, demo_url, f"{path}?lang={lang}")
    title = page.locator("h1").first
    assert title.inner_text().strip() == t(title_key, lang)  # type: ignore[arg-type]
    assert cjk_renders_as_glyphs(page.main_frame, "网格", "h1")
    if lang == "zh":
        assert page.get_by_text("演示数据").first.is_visible()
    if name == "volunteers":
        frame = folium_frame(page)
        # The grids (interactive) and one marker per service point; circles are drawn but not interactive.
        points = load_dataset(REPO).service_points
        assert points is not None
        assert wait_for_leaflet_paths(frame, len(load_dataset(REPO).grids) + points.height) >= points.height
        # 400/800/1,200 m circles: three per service point, drawn as (non-interactive) paths.
        assert frame.locator("path").count() >= len(load_dataset(REPO).grids) + 4 * points.height
    if name == "grid_map":
        frame = folium_frame(page)
        grids = len(load_dataset(REPO).grids)
        # One interactive path per grid; outlines and labels are not interactive.
        assert wait_for_leaflet_paths(frame, grids) == grids
        legend = frame.locator(".grid-legend").inner_text()
        assert t("metric.resolution_rate.label", lang) in legend  # type: ignore[arg-type]
    elif name in ("overview", "volunteers"):
        assert page.get_by_test_id("stMetric").count() == 6
    else:
        assert page.get_by_role("tab").count() == 6
    screenshot(page, f"{name}_{lang}")
    assert network_log.page_errors == []


def test_language_and_month_widgets_update_the_url(page: Page, demo_url: str) -> None:
    open_app(page, demo_url, "/?period=2026-10")
    page.get_by_test_id("stRadio").first.get_by_text("English", exact=True).click()
    expect(page.locator("h1").first).to_have_text("Street overview", timeout=30_000)
    wait_for_app(page)
    assert "lang=en" in page.url
    page.get_by_test_id("stSelectbox").filter(has_text="Month").click()
    page.get_by_role("option", name="Sep 2026").click()
    expect(page).to_have_url(re.compile(r"period=2026-09"), timeout=30_000)
    wait_for_app(page)
    # The page the URL names comes back the same after a reload: a view can be shared.
    page.reload()
    wait_for_app(page)
    assert page.locator("h1").first.inner_text().strip() == "Street overview"
    dataset = load_dataset(REPO)
    # The default basis: September at its assessment cut-off.
    september = compute(
        dataset.issues,
        dataset.units,
        "all",
        parse_period("2026-09"),
        dataset.as_of,
        dataset.settings,
        "cutoff",
    )
    rate = METRICS["resolution_rate"].format(september.row(0, named=True)["resolution_rate"], "en")
    card = page.get_by_test_id("stMetric").filter(has_text="Resolution rate")
    expect(card).to_contain_text(rate)


def test_community_from_the_url_zooms_the_map_and_lists_its_grids(page: Page, demo_url: str) -> None:
    dataset = load_dataset(REPO)
    code = dataset.units.get_column("community_code")[0]
    name = dataset.units.get_column("community_name")[0]
    grids = dataset.units.filter(dataset.units.get_column("community_code") == code).height
    open_app(page, demo_url, f"/grid_map?community={code}&period=2026-10")
    frame = folium_frame(page)
    wait_for_leaflet_paths(frame, 1)
    labels = frame.locator(".leaflet-marker-icon").all_inner_texts()
    assert name in [label.strip() for label in labels]
    # Its grids are labelled too (and only its community's name among the communities).
    assert len(labels) == grids + 1
    screenshot(page, "grid_map_community")


def test_names_are_escaped_in_tooltips_and_labels(page: Page, start_app: StartApp, tmp_path: Path) -> None:
    root = tiny_root(tmp_path / "evil")
    evil = "<img src=x onerror=window.__pwned=1>网格"
    write_grids(
        root, [{**TINY_GRIDS[0], "grid_name": evil, "community_name": "<b>东湖</b>"}, *TINY_GRIDS[1:]]
    )
    url = start_app(data_dir=root)
    open_app(page, url, "/grid_map?period=2026-10")
    frame = folium_frame(page)
    wait_for_leaflet_paths(frame, 4)
    assert frame.evaluate("() => window.__pwned === undefined")
    assert frame.locator("img[src='x']").count() == 0
    assert "<b>东湖</b>" in " ".join(frame.locator(".leaflet-marker-icon").all_inner_texts())
    frame.locator("path.leaflet-interactive").first.hover()
    assert evil in frame.locator(".leaflet-tooltip").inner_text()


def test_bad_data_root_shows_the_problem(page: Page, start_app: StartApp, tmp_path: Path) -> None:
    root = tiny_root(tmp_path / "broken")
    (root / "geo" / "grids.geojson").write_text(json.dumps({"type": "Feature"}), encoding="utf-8")
    url = start_app(data_dir=root)
    page.goto(url)
    page.get_by_test_id("stAlert").first.wait_for()
    text = page.get_by_test_id("stAlert").first.inner_text()
    assert "数据无法加载" in text
    # The list of problems is drawn just after the alert: wait for it rather than read it at once.
    expect(page.get_by_test_id("stMarkdown").last).to_contain_text("geo/grids.geojson", timeout=30_000)
    assert page.get_by_test_id("stException").count() == 0


def test_clicking_a_community_in_the_league_opens_it_on_the_map(page: Page, demo_url: str) -> None:
    open_app(page, demo_url, "/?period=2026-10")
    table = page.get_by_test_id("stDataFrame").first
    table.scroll_into_view_if_needed()
    box = table.bounding_box()
    assert box is not None
    # The row-selection checkbox of the first data row (header and rows are 35 px high).
    page.mouse.click(box["x"] + 14, box["y"] + 35 + 17)
    expect(page).to_have_url(re.compile(r"/grid_map\?.*community=\d+"), timeout=30_000)
    wait_for_app(page)
    assert page.locator("h1").first.inner_text().strip() == "网格地图"
    code = re.search(r"community=(\d+)", page.url).group(1)  # type: ignore[union-attr]
    dataset = load_dataset(REPO)
    name = dataset.units.filter(dataset.units.get_column("community_code") == code).get_column(
        "community_name"
    )[0]
    # The best community of the month (at its assessment cut-off, the default basis) is first in the league.
    league = compute(
        dataset.issues,
        dataset.units,
        "community",
        parse_period("2026-10"),
        dataset.as_of,
        dataset.settings,
        "cutoff",
    )
    best = league.filter(~league.get_column("outside")).sort(
        ["resolution_rate", "issue_count"], descending=True
    )
    assert name == best.get_column("community_name")[0]
    assert name in page.get_by_test_id("stMultiSelect").inner_text()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_closed_loop_tabs_and_an_issue_timeline(
    page: Page, demo_url: str, network_log: NetworkLog, lang: str
) -> None:
    open_app(page, demo_url, f"/closed_loop?period=2026-10&lang={lang}")
    tabs = page.get_by_role("tab")
    names = ["league", "flow", "behind", "departments", "workers", "score"]
    for index, name in enumerate(names):
        tabs.nth(index).click()
        wait_for_app(page)
        # Every tab draws its charts or tables (no empty tab).
        panel = page.get_by_role("tabpanel").first  # hidden panels are not in the accessibility tree
        assert panel.get_by_test_id("stDataFrame").count() + panel.locator(".js-plotly-plot").count() > 0
        screenshot(page, f"closed_loop_{name}_{lang}")
    tabs.nth(2).click()
    wait_for_app(page)
    table = page.get_by_role("tabpanel").first.get_by_test_id("stDataFrame").first
    table.scroll_into_view_if_needed()
    box = table.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + 14, box["y"] + 35 + 17)
    title = t("lifecycle_list.timeline", lang, issue="")  # type: ignore[arg-type]
    expect(page.get_by_text(title.strip(), exact=False).first).to_be_visible(timeout=30_000)
    wait_for_app(page)
    screenshot(page, f"closed_loop_timeline_{lang}")
    assert network_log.page_errors == []


def _painted_heat(frame: Frame) -> int:
    return int(
        frame.evaluate(
            """() => {
                const c = document.querySelector('canvas.leaflet-heatmap-layer');
                if (!c) return -1;
                const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                let n = 0;
                for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
                return n;
            }"""
        )
    )


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_heatmap_draws_offline_and_the_toggles_switch_views(
    page: Page, demo_url: str, network_log: NetworkLog, lang: str
) -> None:
    dataset = load_dataset(REPO)
    october = parse_period("2026-10")
    vending = dataset.issues.filter(
        (pl.col("category") == "占道经营")
        & (pl.col("status") != "invalid")
        & (pl.col("reported_at") >= october.start)
        & (pl.col("reported_at") < october.end)
    ).height
    open_app(page, demo_url, f"/heatmap?period=2026-10&lang={lang}&category=占道经营")
    frame = folium_frame(page)
    frame.wait_for_function("() => document.querySelector('canvas.leaflet-heatmap-layer') !== null")
    page.wait_for_timeout(500)
    assert _painted_heat(frame) > 500
    screenshot(page, f"heatmap_heat_{lang}")

    page.get_by_text(t("heatmap.mode_points", lang), exact=True).click()  # type: ignore[arg-type]
    wait_for_app(page)
    frame = folium_frame(page)
    # One dot per street-vending issue of October; grid lines are not interactive.
    assert wait_for_leaflet_paths(frame, vending) == vending
    assert frame.locator("canvas.leaflet-heatmap-layer").count() == 0
    screenshot(page, f"heatmap_points_{lang}")

    page.get_by_text(t("heatmap.mode_grid", lang), exact=True).click()  # type: ignore[arg-type]
    wait_for_app(page)
    frame = folium_frame(page)
    assert wait_for_leaflet_paths(frame, len(dataset.grids)) == len(dataset.grids)
    assert "mode=grid" in page.url.replace("heat_mode", "mode")
    assert network_log.page_errors == []


def test_clicking_the_heat_map_lists_the_cases_without_personal_data(page: Page, demo_url: str) -> None:
    open_app(page, demo_url, "/heatmap?period=2026-10&category=占道经营&heat_mode=points")
    frame = folium_frame(page)
    wait_for_leaflet_paths(frame, 1)
    dot = frame.locator("path.leaflet-interactive").first.bounding_box()
    assert dot is not None
    page.mouse.click(dot["x"] + dot["width"] / 2, dot["y"] + dot["height"] / 2)
    expect(page.get_by_role("button", name="下载 CSV")).to_be_visible(timeout=30_000)
    wait_for_app(page)
    table = page.get_by_test_id("stDataFrame").first
    assert table.is_visible()
    # Demo data: the full-data box is not even offered.
    assert page.get_by_text("显示完整个人信息").count() == 0
    screenshot(page, "heatmap_cases")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_trends_page_renders_its_charts(
    page: Page, demo_url: str, network_log: NetworkLog, lang: str
) -> None:
    open_app(page, demo_url, f"/trends?period=2026-10&lang={lang}")
    assert page.locator("h1").first.inner_text().strip() == t("trends.title", lang)  # type: ignore[arg-type]
    assert page.locator(".js-plotly-plot").count() == 5
    expect(
        page.get_by_text(t("trends.hot_title", lang, category=label("category", "安全隐患", lang)))
    ).to_be_visible()  # type: ignore[arg-type]
    screenshot(page, f"trends_{lang}")
    assert network_log.page_errors == []
