"""The overview's report buttons in the real app: a click downloads a PowerPoint and a PDF that reopen."""

from __future__ import annotations

from pathlib import Path

import pypdfium2 as pdfium
import pytest
from playwright.sync_api import Page
from pptx import Presentation

from tests.browser.conftest import StartApp, open_app
from tests.conftest import REPO


@pytest.fixture(scope="module")
def demo_url(start_app: StartApp) -> str:
    return start_app(data_dir=REPO)


def test_overview_downloads_the_monthly_report(page: Page, demo_url: str, tmp_path: Path) -> None:
    open_app(page, demo_url, "/?period=2026-10")
    button = page.get_by_role("button", name="下载 PPT")
    button.scroll_into_view_if_needed()
    with page.expect_download(timeout=90_000) as info:
        button.click()
    download = info.value
    assert download.suggested_filename == "report_2026-10.pptx"
    pptx = tmp_path / download.suggested_filename
    download.save_as(pptx)
    titles = [slide.shapes.title.text for slide in Presentation(str(pptx)).slides]
    assert titles[0] == "清河湾街道网格化治理月度通报" and titles[1] == "核心指标：对照目标与上月"

    with page.expect_download(timeout=90_000) as info:
        page.get_by_role("button", name="下载 PDF").click()
    pdf = tmp_path / info.value.suggested_filename
    info.value.save_as(pdf)
    assert pdf.name == "report_2026-10.pdf"
    assert len(pdfium.PdfDocument(pdf)) == len(titles)
