"""Sign-in in the browser: the login page, a refresh that keeps the session (its cookie), sign-out that
ends it, the idle timeout, and no way to the import page for a non-administrator."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import StartApp, open_app, screenshot, wait_for_app
from tests.builders import TEST_PASSWORD, tiny_root


@pytest.fixture(scope="module")
def accounts_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from dashboard.access import Scope, add_user

    root = tiny_root(tmp_path_factory.mktemp("accounts") / "tiny")
    add_user(root, "li", "staff", Scope.parse("all"), password=TEST_PASSWORD, actor="test")
    return root


def _sign_in(page: Page, name: str = "li", password: str = TEST_PASSWORD) -> None:
    page.get_by_label("账号").fill(name)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录", exact=True).click()
    wait_for_app(page)


def test_sign_in_refresh_and_sign_out(page: Page, start_app: StartApp, accounts_root: Path) -> None:
    url = start_app(data_dir=accounts_root)
    open_app(page, url, "/?period=2026-10")
    main = page.get_by_test_id("stMain")
    expect(main.locator("h1")).to_have_text("登录")
    # Before signing in: no page list, no numbers.
    assert page.get_by_test_id("stSidebarNav").count() == 0
    assert main.get_by_test_id("stMetric").count() == 0
    screenshot(page, "login_zh")
    _sign_in(page, password="wrong password!")
    expect(main.get_by_text("账号或密码不正确。")).to_be_visible()
    _sign_in(page)
    expect(main.locator("h1").first).to_have_text("街道治理总览")
    assert any(c["name"] == "gridgov_session" for c in page.context.cookies())
    # A refresh keeps the session; the data clerk's navigation has no import page.
    page.reload()
    wait_for_app(page)
    expect(main.locator("h1").first).to_have_text("街道治理总览")
    nav = page.get_by_test_id("stSidebarNav")
    expect(nav).to_contain_text("网格地图")
    assert "数据管理" not in nav.inner_text()
    # Typing the import page's address opens nothing of it.
    open_app(page, url, "/data")
    assert page.get_by_test_id("stFileUploader").count() == 0
    # (streamlit says the page does not exist, in a dialog: close it)
    if page.get_by_test_id("stDialog").count():
        page.keyboard.press("Escape")
        expect(page.get_by_test_id("stDialog")).to_have_count(0)
    page.get_by_test_id("stSidebar").get_by_role("button", name="退出登录").click()
    wait_for_app(page)
    expect(main.locator("h1")).to_have_text("登录")
    expect(main.get_by_text("已退出登录。")).to_be_visible()
    page.reload()  # the old cookie opens nothing any more
    wait_for_app(page)
    expect(main.locator("h1")).to_have_text("登录")


def test_an_idle_session_ends(page: Page, start_app: StartApp, tmp_path: Path) -> None:
    from dashboard.access import Scope, add_user

    root = tiny_root(tmp_path / "idle")
    add_user(root, "li", "leader", Scope.parse("all"), password=TEST_PASSWORD, actor="test")
    url = start_app(data_dir=root)
    open_app(page, url, "/?period=2026-10")
    _sign_in(page)
    main = page.get_by_test_id("stMain")
    expect(main.locator("h1").first).to_have_text("街道治理总览")
    # 31 minutes pass without use ([access] idle_minutes = 30): the session's last use moves back.
    path = root / ".access" / "sessions.json"
    kept = json.loads(path.read_text(encoding="utf-8"))
    for session in kept.values():
        session["last"] = (datetime.fromisoformat(session["last"]) - timedelta(minutes=31)).isoformat()
    path.write_text(json.dumps(kept), encoding="utf-8")
    page.reload()
    wait_for_app(page)
    expect(main.locator("h1")).to_have_text("登录")
    expect(main.get_by_text("登录已过期或长时间未操作，请重新登录。")).to_be_visible()
