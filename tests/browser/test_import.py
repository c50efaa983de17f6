"""The import page in a real browser: upload a GBK export, read the report, import, see the new version.

AppTest cannot upload files, so the whole flow a data clerk goes through is driven here.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from dashboard import ingest
from dashboard.access.sessions import COOKIE
from dashboard.core.loading import load_dataset
from dashboard.i18n import t
from tests.browser.conftest import NetworkLog, StartApp, open_app, screenshot, wait_for_app
from tests.builders import G1, G2, G3, session_token, tiny_root

UPLOAD = "\n".join(
    [
        "清河湾街道2026年11月诉求工单",
        "工单编号,登记时间,诉求类别,所属网格,办理状态,办结时间,联系电话,上报人",
        f"N1,2026/11/2 9:00,环境卫生,{G1},已办结,2026/11/2 15:00,13812345678,张三",
        f"N2,2026/11/3 9:00,噪音扰民,{G3},处置中,,13900001111,李四",
        f"N3,2026/11/4 9:00,停车管理,{G1},已结案,2026/11/3 9:00,,",  # finished before it was reported
    ]
)


def _as_admin(page: Page, root: Path, base: str) -> None:
    """Only an administrator imports: the browser holds an admin's session cookie, as after signing in."""
    page.context.add_cookies([{"name": COOKIE, "value": session_token(root), "url": base}])


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_upload_check_and_import_a_gbk_export(
    page: Page, start_app: StartApp, network_log: NetworkLog, tmp_path: Path, lang: str
) -> None:
    root = tiny_root(tmp_path / f"root-{lang}")
    before = load_dataset(root).issues.height
    upload = tmp_path / "11月工单.csv"
    upload.write_bytes(UPLOAD.encode("gbk"))
    base = start_app(data_dir=root)
    _as_admin(page, root, base)
    open_app(page, base, f"/data?lang={lang}")
    expect(page.locator("h1").first).to_have_text(t("imports.title", lang))  # type: ignore[arg-type]
    page.locator("input[type=file]").set_input_files(str(upload))
    report = page.get_by_text(
        t("imports.summary", lang, file=upload.name, total=3, good=2, bad=1, superseded=0)
    )  # type: ignore[arg-type]
    expect(report).to_be_visible(timeout=60_000)
    # The problem table is a canvas grid: its cells are in the DOM for screen readers, not "visible".
    expect(page.get_by_text(t("problem.finish_before_report", lang)).first).to_be_attached()  # type: ignore[arg-type]
    # Personal data is masked in the preview.
    page.get_by_text(t("imports.preview", lang, rows=2)).click()  # type: ignore[arg-type]
    screenshot(page, f"import_report_{lang}")
    page.wait_for_timeout(1000)
    html = page.content()
    assert "13812345678" not in html and "张三" not in html  # masked (see test_ingest for the masks)
    page.get_by_role("button", name=t("imports.go", lang, rows="2")).click()  # type: ignore[arg-type]
    page.wait_for_function("() => true")  # let the click reach the server
    for _ in range(120):
        if len(ingest.versions(root)) == 2:
            break
        page.wait_for_timeout(500)
    version = ingest.versions(root)[-1].id
    done = t("imports.done", lang, version=version, added=2, updated=0, total=before + 2)  # type: ignore[arg-type]
    expect(page.get_by_text(done)).to_be_visible(timeout=60_000)
    wait_for_app(page)
    screenshot(page, f"import_done_{lang}")
    history = ingest.versions(root)
    assert [v.action for v in history] == ["baseline", "import"]
    assert history[-1].rows["imported"] == 2
    assert load_dataset(root).issues.height == before + 2
    shutil.rmtree(root, ignore_errors=True)


GAZETTEER = "\n".join(
    [
        "清河湾街道地名库",
        "小区名称,所属社区,网格名称",
        "东湖花园,东湖社区,二网格",
        "西岭苑,西岭社区居委会,三网格",
        "湖,东湖社区,一网格",  # too short: refused
    ]
)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_import_a_gazetteer_of_grid_names_and_issues_follow_it(
    page: Page, start_app: StartApp, network_log: NetworkLog, tmp_path: Path, lang: str
) -> None:
    root = tiny_root(tmp_path / f"places-{lang}")
    upload = tmp_path / "地名库.csv"
    upload.write_bytes(GAZETTEER.encode("gbk"))
    base = start_app(data_dir=root)
    _as_admin(page, root, base)
    open_app(page, base, f"/data?lang={lang}")
    page.get_by_test_id("stSelectbox").filter(has_text=t("imports.kind", lang)).click()  # type: ignore[arg-type]
    page.get_by_role("option", name=t("imports.kind_places", lang)).click()  # type: ignore[arg-type]
    wait_for_app(page)
    page.locator("input[type=file]").set_input_files(str(upload))
    report = page.get_by_text(
        t("imports.summary", lang, file=upload.name, total=3, good=2, bad=1, superseded=0)
    )  # type: ignore[arg-type]
    expect(report).to_be_visible(timeout=60_000)
    expect(page.get_by_text(t("problem.keyword_too_short", lang, detail="湖")).first).to_be_attached()  # type: ignore[arg-type]
    screenshot(page, f"import_places_{lang}")
    page.get_by_role("button", name=t("imports.go", lang, rows="2")).click()  # type: ignore[arg-type]
    for _ in range(120):
        if len(ingest.versions(root)) == 2:
            break
        page.wait_for_timeout(500)
    assert (root / "geo" / "places.csv").read_text(encoding="utf-8").splitlines() == [
        "keyword,grid_code",
        f"东湖花园,{G2}",
        f"西岭苑,{G3}",
    ]
    shutil.rmtree(root, ignore_errors=True)
