"""The monthly report: its content on hand-built data, the PPTX and PDF of the demo street, and privacy."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import polars as pl
import pypdfium2 as pdfium
import pytest
from lxml import etree
from pptx import Presentation
from pptx.enum.shapes import MSO_SHAPE_TYPE

from dashboard.cli import main
from dashboard.core.loading import load_dataset
from dashboard.core.periods import parse_period
from dashboard.metrics import METRICS, compute
from dashboard.outputs.report import render
from dashboard.outputs.report.content import (
    SLIDE_KEYS,
    ChartBlock,
    KpiBlock,
    Report,
    TableBlock,
    TextBlock,
    build_report,
)
from dashboard.outputs.report.fonts import PPTX_FONT
from dashboard.outputs.report.pdf_writer import wrap
from tests.builders import TINY_ISSUES, tiny_root_kept_since_august
from tests.conftest import REPO

ZH_TITLES = [
    "清河湾街道网格化治理月度通报",
    "核心指标：对照目标与上月",
    "社区办结率排行（2026年10月）",
    "红黑榜",
    "近 12 个月办结率趋势",
    "网格办结率分布",
    "诉求热力分布",
    "问题类别与每月一题",
    "志愿服务与服务阵地覆盖",
    "超期未办结案件",
]
EN_TITLES = [
    "清河湾街道: grid governance monthly report",
    "Key figures against target and last month",
    "Community league by resolution rate (Oct 2026)",
    "Red and black lists",
    "Resolution over the last 12 months",
    "Resolution rate by grid",
    "Where complaints cluster",
    "Top categories and the topic of the month",
    "Volunteers and service-point reach",
    "Overdue open cases",
]
A_NS = "{http://schemas.openxmlformats.org/drawingml/2006/main}"


def _run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def _slide(report: Report, key: str):  # type: ignore[no-untyped-def]
    return next(s for s in report.slides if s.key == key)


# --- content on the tiny data root (expected values worked out by hand) ----------------------------


@pytest.fixture
def tiny_report(tiny: Path) -> Report:
    return build_report(load_dataset(tiny), parse_period("2026-10"), "zh")


def test_tiny_report_has_every_slide_in_order(tiny_report: Report) -> None:
    assert [s.key for s in tiny_report.slides] == list(SLIDE_KEYS)
    assert tiny_report.title == "清河湾街道网格化治理月度通报"
    title = tiny_report.slides[0]
    assert "2026年10月" in title.subtitle and "数据截至 2026-10-25 10:00" in title.subtitle


def test_kpi_slide_shows_the_registry_values_against_target_and_last_month(tmp_path: Path) -> None:
    dataset = load_dataset(tiny_root_kept_since_august(tmp_path / "tiny"))
    report = build_report(dataset, parse_period("2026-10"), "zh")
    kpis = _slide(report, "kpis").blocks[0]
    assert isinstance(kpis, KpiBlock)
    items = {item.label: item for item in kpis.items}
    # October: 8 issues in S (i05 invalid, i07 in September), 7 not deferred, 4 finished: 4/7.
    rate = items["办结率"]
    assert rate.value == "57.1%"
    registry = compute(
        dataset.issues, dataset.units, "all", parse_period("2026-10"), dataset.as_of, dataset.settings
    ).get_column("resolution_rate")[0]
    assert rate.value == METRICS["resolution_rate"].format(registry, "zh")
    assert rate.target == "目标 90%" and rate.grade == "red"
    # September: only i07, finished: 100% → a fall of 42.9 points, bad news.
    assert rate.delta == "较上月 -42.9 个百分点" and rate.delta_good is False
    assert items["诉求量"].value == "8" and items["诉求量"].target is None
    assert items["诉求量"].delta == "较上月 +7"


def test_no_change_against_a_month_the_data_only_reach_on_its_last_day(tiny: Path) -> None:
    # The tiny data begin on 30 September (i07): no change against September, not 100% → 57.1%.
    report = build_report(load_dataset(tiny), parse_period("2026-10"), "zh")
    kpis = _slide(report, "kpis").blocks[0]
    assert isinstance(kpis, KpiBlock)
    items = {item.label: item for item in kpis.items}
    assert items["办结率"].delta == items["诉求量"].delta == "上期无数据"
    assert items["办结率"].delta_good is None


def test_league_rows_grades_and_empty_red_black_lists(tiny_report: Report) -> None:
    league = _slide(tiny_report, "league").blocks[0]
    assert isinstance(league, TableBlock)
    rate_column = league.columns.index("办结率")
    unit_column = league.columns.index("社区")
    assert [(r[0], r[unit_column], r[rate_column]) for r in league.rows] == [
        ("1", "东湖社区", "75.0%"),  # 3 of 4 (i04 deferred)
        ("2", "西岭社区", "50.0%"),  # 1 of 2
    ]
    assert [g[rate_column] for g in league.grades] == ["red", "red"]
    # Both communities have fewer than 20 issues: nobody makes the red or black list.
    red, black, chart = _slide(tiny_report, "red_black").blocks
    assert isinstance(red, TextBlock) and red.title == "红榜（前 5 名）" and red.lines == ("本期无数据",)
    assert isinstance(black, TextBlock)
    assert isinstance(chart, ChartBlock) and chart.categories == ("东湖社区", "西岭社区")
    assert chart.series[0].values == pytest.approx((0.75, 0.5))
    assert "共 2 个" in _slide(tiny_report, "red_black").notes[0]


def test_overdue_slide_lists_cases_without_personal_data(tiny_report: Report) -> None:
    slide = _slide(tiny_report, "overdue")
    units, cases = slide.blocks
    assert isinstance(cases, TableBlock)
    assert cases.columns == ("编号", "类别", "社区 / 网格", "超期天数")
    # As of 2026-10-25 10:00: i03 due 10-12 10:00 (13 days late), i09 due 10-22 09:00 (3 days).
    assert cases.rows == (("i03", "停车管理", "东湖社区 / 一网格", "13"), ("i09", "其他", "不在网格内", "3"))
    assert "共有 2 件" in slide.notes[0]
    assert isinstance(units, TableBlock)
    assert [r[0] for r in units.rows] == ["东湖社区", "不在网格内"]


def test_english_report_uses_the_english_catalog(tmp_path: Path) -> None:
    report = build_report(
        load_dataset(tiny_root_kept_since_august(tmp_path / "tiny")), parse_period("2026-10"), "en"
    )
    assert report.slides[1].title == "Key figures against target and last month"
    kpis = report.slides[1].blocks[0]
    assert isinstance(kpis, KpiBlock) and kpis.items[0].label == "Resolution rate"
    assert kpis.items[0].delta == "-42.9 pp vs last month"


def test_community_filter_limits_the_report(tiny: Path) -> None:
    report = build_report(load_dataset(tiny), parse_period("2026-10"), "zh", ["330199001001"])
    assert report.title == "东湖社区网格化治理月度通报"
    kpis = report.slides[1].blocks[0]
    assert isinstance(kpis, KpiBlock) and kpis.items[0].value == "75.0%"


def test_empty_month_still_renders(tiny: Path) -> None:
    report = build_report(load_dataset(tiny), parse_period("2030-01"), "zh")
    assert len(Presentation(io.BytesIO(render(report, "pptx"))).slides) == len(SLIDE_KEYS)
    assert len(pdfium.PdfDocument(render(report, "pdf"))) == len(SLIDE_KEYS)


def test_wrap_breaks_chinese_but_not_numbers() -> None:
    lines = wrap("较上期（2026-09）的 341 件增加 110 件（+32.3%）。", 2.5, 16)
    assert "".join(lines).replace(" ", "") == "较上期（2026-09）的341件增加110件（+32.3%）。"
    assert all("2026-09" in line or "2026" not in line for line in lines)
    assert not any(line.startswith(("）", "。", "，")) or line.endswith("（") for line in lines)


# --- personal data ------------------------------------------------------------------------------------


def _pptx_text(path: Path) -> str:
    with zipfile.ZipFile(path) as archive:
        return "\n".join(
            archive.read(name).decode("utf-8") for name in archive.namelist() if name.endswith(".xml")
        )


def _pdf_text(path: Path) -> str:
    document = pdfium.PdfDocument(path)
    return "\n".join(document[i].get_textpage().get_text_range() for i in range(len(document)))


def test_tiny_report_never_shows_names_or_phones(tiny: Path, tmp_path: Path) -> None:
    secrets = [i[c] for i in TINY_ISSUES for c in ("reporter_name", "reporter_phone") if c in i]
    assert len(secrets) == 4
    for suffix in ("pptx", "pdf"):
        out = tmp_path / f"tiny.{suffix}"
        code, _, err = _run("report", "--data", str(tiny), "--period", "2026-10", "--out", str(out))
        assert code == 0, err
        text = _pptx_text(out) if suffix == "pptx" else _pdf_text(out)
        assert "东湖社区" in text
        assert [s for s in secrets if s in text] == []


# --- the demo street through the command line ------------------------------------------------------


@pytest.fixture(scope="module")
def demo_files(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Path]]:
    folder = tmp_path_factory.mktemp("report")
    files = {
        "zh.pptx": folder / "report.pptx",
        "zh.pdf": folder / "report.pdf",
        "en.pptx": folder / "report_en.pptx",
    }
    for key, path in files.items():
        lang = key.split(".")[0]
        code, out, err = _run(
            "report", "--data", str(REPO), "--period", "2026-10", "--out", str(path), "--lang", lang
        )
        assert code == 0, err
        assert str(path) in out
    yield files


def _titles(path: Path) -> list[str]:
    return [slide.shapes.title.text for slide in Presentation(str(path)).slides]


def test_demo_pptx_reopens_with_chinese_titles_charts_tables_and_pictures(
    demo_files: dict[str, Path],
) -> None:
    presentation = Presentation(str(demo_files["zh.pptx"]))
    assert presentation.slide_width / presentation.slide_height == pytest.approx(16 / 9, rel=0.01)
    assert _titles(demo_files["zh.pptx"]) == ZH_TITLES
    shapes = [shape for slide in presentation.slides for shape in slide.shapes]
    pictures = [s for s in shapes if s.shape_type == MSO_SHAPE_TYPE.PICTURE]
    charts = [s for s in shapes if s.has_chart]
    assert len(pictures) == 3  # grid map, heat map, coverage map
    assert len(charts) == 3  # league bars, trend lines, category bars
    plots = [type(c.chart.plots[0]).__name__ for c in charts]
    assert sorted(plots) == ["BarPlot", "BarPlot", "LinePlot"]
    assert sum(1 for s in shapes if s.has_table) == 5  # league, red, black, overdue by unit and cases
    trend = next(c.chart for c in charts if type(c.chart.plots[0]).__name__ == "LinePlot")
    assert [s.name for s in trend.plots[0].series] == ["办结率", "按期办结率", "满意率", "目标 90%"]
    assert len(trend.plots[0].categories) == 12


def test_every_pptx_run_names_the_east_asian_font(demo_files: dict[str, Path]) -> None:
    with zipfile.ZipFile(demo_files["zh.pptx"]) as archive:
        slides = [
            n for n in archive.namelist() if re.fullmatch(r"ppt/(slides/slide|charts/chart)\d+\.xml", n)
        ]
        runs = 0
        for name in slides:
            root = etree.fromstring(archive.read(name))
            for run in root.iter(f"{A_NS}r"):
                properties = run.find(f"{A_NS}rPr")
                assert properties is not None, name
                ea = properties.find(f"{A_NS}ea")
                assert ea is not None and ea.get("typeface") == PPTX_FONT, name
                runs += 1
            if "charts/" in name:
                defaults = list(root.iter(f"{A_NS}defRPr"))
                assert any(d.find(f"{A_NS}ea") is not None for d in defaults), name
    assert runs > 200


def test_demo_pdf_pages_render_with_chinese_text(demo_files: dict[str, Path]) -> None:
    document = pdfium.PdfDocument(demo_files["zh.pdf"])
    assert len(document) == len(ZH_TITLES)
    for index, title in enumerate(ZH_TITLES):
        page = document[index]
        assert page.get_width() / page.get_height() == pytest.approx(16 / 9, rel=0.01)
        text = page.get_textpage().get_text_range()
        assert title in text.replace("\r", "").replace("\n", ""), index
        pixels = np.asarray(page.render(scale=0.5).to_pil().convert("L"), dtype=float)
        assert pixels.std() > 10, f"page {index + 1} looks blank"
        # Ink on the title line (the title page's is lower): the Chinese title was drawn.
        top, bottom = (0.35, 0.55) if index == 0 else (0.0, 0.15)
        band = pixels[int(pixels.shape[0] * top) : int(pixels.shape[0] * bottom)]
        assert (band < 128).sum() > 200, index


def test_english_run_has_english_titles(demo_files: dict[str, Path]) -> None:
    assert _titles(demo_files["en.pptx"]) == EN_TITLES


def _windows(text: str, sizes: tuple[int, ...] = (2, 3, 4)) -> set[str]:
    found: set[str] = set()
    for run in re.findall(r"[\u4e00-\u9fff]+", text):
        for size in sizes:
            found.update(run[i : i + size] for i in range(len(run) - size + 1))
    return found


def test_demo_report_never_shows_resident_names_or_phones(demo_files: dict[str, Path]) -> None:
    issues = pl.read_parquet(REPO / "data" / "issues.parquet", columns=["reporter_name", "reporter_phone"])
    volunteers = pl.read_parquet(REPO / "data" / "volunteers.parquet")
    names = set(issues.get_column("reporter_name").drop_nulls().to_list())
    phones = set(issues.get_column("reporter_phone").drop_nulls().to_list())
    for column, bucket in (("name", names), ("phone", phones)):
        if column in volunteers.columns:
            bucket.update(volunteers.get_column(column).drop_nulls().to_list())
    assert len(names) > 1000 and len(phones) > 1000
    long_names = {n for n in names if len(n) >= 3}  # two-character names could be ordinary words
    for text in (_pptx_text(demo_files["zh.pptx"]), _pdf_text(demo_files["zh.pdf"])):
        assert _windows(text) & long_names == set()
        assert set(re.findall(r"\d{11}", text)) & phones == set()


# --- errors ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (("--period", "2026-10", "--out", "x.docx"), ("结尾", "must end in")),
        (("--period", "October", "--out", "x.pptx"), ("统计期", "must look like")),
        (("--period", "2026-10", "--out", "x.pptx", "--community", "999"), ("社区代码", "No such community")),
    ],
)
def test_bad_arguments_are_bilingual_errors(
    tiny: Path, tmp_path: Path, argv: tuple[str, ...], expected: tuple[str, str]
) -> None:
    args = [a if not a.startswith("x.") else str(tmp_path / a) for a in argv]
    code, out, err = _run("report", "--data", str(tiny), *args)
    assert code == 2 and out == ""
    assert all(e in err for e in expected)
    assert not list(tmp_path.glob("x.*"))


def test_unloadable_data_is_a_bilingual_error(tmp_path: Path) -> None:
    code, _, err = _run(
        "report", "--data", str(tmp_path / "none"), "--period", "2026-10", "--out", str(tmp_path / "r.pdf")
    )
    assert code == 2
    assert "数据目录不存在" in err and "does not exist" in err


# --- the app -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "labels"), [("zh", ["下载 PPT", "下载 PDF"]), ("en", ["Download PPT", "Download PDF"])]
)
def test_overview_offers_the_report_downloads(
    tiny: Path, monkeypatch: pytest.MonkeyPatch, fresh_caches: None, lang: str, labels: list[str]
) -> None:
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("DASHBOARD_DATA_DIR", str(tiny))
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60)
    at.query_params["period"] = "2026-10"
    at.query_params["lang"] = lang
    at.run()
    assert not at.exception
    buttons = at.get("download_button")
    assert [b.proto.label for b in buttons] == labels
    assert all(b.proto.deferred_file_id for b in buttons)  # made on click, not on every run


def test_report_bytes_are_cached_per_language_and_format(tiny: Path) -> None:
    from dashboard.core.selection import Selection
    from dashboard.ui import cache

    dataset = load_dataset(tiny)
    selection = Selection(parse_period("2026-10"), lang="en")
    first = cache.report_bytes(dataset, selection, "pptx")
    assert cache.report_bytes(dataset, selection, "pptx") is first
    titles = [s.shapes.title.text for s in Presentation(io.BytesIO(first)).slides]
    assert titles[1] == "Key figures against target and last month"
    pdf = cache.report_bytes(dataset, selection, "pdf")
    assert pdf.startswith(b"%PDF") and pdf is not first


def test_every_pptx_shape_stays_on_its_slide(demo_files: dict[str, Path]) -> None:
    presentation = Presentation(str(demo_files["zh.pptx"]))
    width, height = presentation.slide_width, presentation.slide_height
    for number, slide in enumerate(presentation.slides, start=1):
        for shape in slide.shapes:
            assert shape.left >= 0 and shape.top >= 0, (number, shape.name)
            assert shape.left + shape.width <= width, (number, shape.name)
            assert shape.top + shape.height <= height, (number, shape.name)


def test_a_date_range_is_compared_with_the_period_before(tmp_path: Path) -> None:
    dataset = load_dataset(tiny_root_kept_since_august(tmp_path / "tiny"))
    report = build_report(dataset, parse_period("2026-10-01..2026-10-15"), "zh")
    assert "2026-10-01 – 2026-10-15" in report.slides[0].subtitle
    kpis = report.slides[1].blocks[0]
    assert isinstance(kpis, KpiBlock)
    # 1-15 October: i01, i02, i03, i04, i06 in S, i04 deferred, i01, i02, i06 finished; before: i07 finished.
    assert kpis.items[0].value == "75.0%" and kpis.items[0].delta == "较上期 -25.0 个百分点"


def test_reports_drawn_at_the_same_time_are_both_whole(tiny: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    dataset = load_dataset(tiny)

    def make(lang: str) -> bytes:
        return render(build_report(dataset, parse_period("2026-10"), lang), "pdf")  # type: ignore[arg-type]

    with ThreadPoolExecutor(max_workers=2) as pool:
        zh, en = pool.map(make, ["zh", "en"])
    assert "核心指标" in pdfium.PdfDocument(zh)[1].get_textpage().get_text_range()
    assert "Key figures" in pdfium.PdfDocument(en)[1].get_textpage().get_text_range()


def test_without_a_chinese_font_the_command_says_how_to_install_one(
    tiny: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dashboard.outputs.report import fonts

    monkeypatch.setattr(fonts, "CANDIDATE_FILES", ())
    monkeypatch.setattr(fonts, "CANDIDATE_FAMILIES", ("No Such Font",))
    fonts.cjk_font.cache_clear()
    try:
        out = tmp_path / "r.pdf"
        code, _, err = _run("report", "--data", str(tiny), "--period", "2026-10", "--out", str(out))
    finally:
        monkeypatch.undo()
        fonts.cjk_font.cache_clear()
    assert code == 2
    assert "找不到中文字体" in err and "No Chinese font found" in err and "fonts-noto-cjk" in err
    assert "Traceback" not in err
