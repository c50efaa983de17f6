"""Demo mode in the browser: the switch, the mark on the page, the presenter's names, the URL."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.browser.conftest import StartApp, open_app, wait_for_app
from tests.test_demo_mode import personal_root


def test_switching_demo_mode_on_marks_the_page_and_renames_communities(
    page: Page, start_app: StartApp, tmp_path: Path
) -> None:
    url = start_app(data_dir=personal_root(tmp_path / "personal"))
    # On a server's very first session streamlit 1.67 drops the first click on a widget drawn
    # before st.navigation (the language switch too): warm the server with another session.
    warm = page.context.new_page()
    open_app(warm, url, "/?period=2026-10")
    warm.close()
    open_app(page, url, "/?period=2026-10")
    sidebar = page.get_by_test_id("stSidebar")
    header = page.get_by_test_id("stMain").locator("[data-testid='stMarkdown']").first
    assert "演示数据" not in header.inner_text()
    sidebar.locator(".st-key-demo label").first.click()
    expect(page).to_have_url(re.compile(r"demo=1"), timeout=30_000)
    wait_for_app(page)
    expect(header).to_contain_text("演示数据")
    sidebar.get_by_text("演示用名称").click()
    alias = sidebar.get_by_label("东湖社区")
    alias.fill("春风社区")
    alias.press("Enter")
    wait_for_app(page)
    expect(page.get_by_test_id("stMain").get_by_test_id("stDataFrame").first).to_contain_text("春风社区")
    # The names are for this session only: they are not in the URL.
    assert "%E6%98%A5" not in page.url and "春风" not in page.url
    # The filters still work in demo mode (the masked, renamed data is cached per session view).
    sidebar.get_by_test_id("stSelectbox").filter(has_text="月份").click()
    page.get_by_role("option", name="2026年9月").click()
    expect(page).to_have_url(re.compile(r"period=2026-09"), timeout=30_000)
    wait_for_app(page)
    expect(page.get_by_test_id("stMain").get_by_test_id("stDataFrame").first).to_contain_text("春风社区")
    # A reload keeps demo mode (from the URL).
    page.reload()
    wait_for_app(page)
    expect(page.get_by_test_id("stSidebar").get_by_role("switch")).to_be_checked()
