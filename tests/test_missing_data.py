"""No data is not zero: a metric the data cannot give is "—" with its reason, grey, never graded.

Unit tests on literal frames for the table, KPI, score, chart and map helpers, and every page
through AppTest (zh and en) on a data root without acceptance times, solving levels, ratings,
rework counts, residents or service points (tests/builders.py ``bare_root``).
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pandas as pd
import polars as pl
import pypdfium2 as pdfium
import pytest
from pptx import Presentation
from streamlit.testing.v1 import AppTest

from dashboard import overview, volunteers
from dashboard.closed_loop import league, with_score
from dashboard.core.loading import Dataset, load_dataset
from dashboard.core.periods import parse_period
from dashboard.core.selection import Selection
from dashboard.core.settings import default_settings
from dashboard.figures import charts
from dashboard.figures.tables import metric_columns, missing_notes, reason_notes, unit_table
from dashboard.i18n import Lang, t
from dashboard.maps import grid_map
from dashboard.meeting import views as meeting
from dashboard.metrics import METRICS, Kpi, compute, volunteer_metric
from dashboard.outputs.report import render
from dashboard.outputs.report.content import KpiBlock, build_report
from dashboard.volunteers import tables as volunteer_tables
from tests.builders import G1, bare_root, tiny_root
from tests.conftest import REPO

OCTOBER = parse_period("2026-10")
LANGS: tuple[Lang, ...] = ("zh", "en")
RED = default_settings().colors["red"]


@pytest.fixture
def bare(tmp_path: Path) -> Path:
    return bare_root(tmp_path / "bare")


@pytest.fixture
def bare_dataset(bare: Path) -> Dataset:
    return load_dataset(bare)


# --- tables ----------------------------------------------------------------------------------------


def test_a_missing_value_is_a_dash_and_never_graded() -> None:
    frame = pl.DataFrame(
        {
            "response_rate": [0.5, None, None, 0.0],
            # Row 2: no issues (empty, not missing); row 4: flagged missing whatever the value says.
            "response_rate__missing": [False, True, False, True],
            "issue_count": [2, 3, 0, 1],
        }
    )
    table = pd.DataFrame(index=range(4))
    grades = metric_columns(table, frame, ("response_rate", "issue_count"), default_settings(), "en")
    assert list(table["Response rate"]) == ["50.0%", "—", "—", "—"]
    assert list(table["Issues"]) == ["2", "3", "0", "1"]
    assert grades == {"Response rate": ["red", "none", "none", "none"]}


def test_notes_name_the_empty_metrics_by_reason_outside_row_left_out() -> None:
    frame = pl.DataFrame(
        {
            "outside": [False, False, True],
            "response_rate__missing": [True, False, False],
            "grid_level_share__missing": [True, True, False],
            "community_level_share__missing": [False, True, False],
            # Only the "outside every grid" row has no residents: nothing to say.
            "issues_per_1000__missing": [False, False, True],
            "satisfaction_rate__missing": [False, False, False],
        }
    )
    keys = (
        "issues_per_1000",
        "response_rate",
        "satisfaction_rate",
        "grid_level_share",
        "community_level_share",
    )
    assert missing_notes(frame, keys, "en") == [
        "Response rate shown as “—”: no acceptance times in the data.",
        "Solved in the grid, Solved in the community shown as “—”: no solving levels in the data.",
    ]
    assert missing_notes(frame, keys, "zh") == [
        "响应率显示为“—”：无受理时间数据。",
        "网格内解决率、社区内解决率显示为“—”：无办结层级数据。",
    ]
    assert missing_notes(frame, ("issue_count", "resolution_rate"), "en") == []
    assert reason_notes({}, "en") == []


def test_unit_table_on_the_bare_root(bare_dataset: Dataset) -> None:
    frame = compute(
        bare_dataset.issues, bare_dataset.units, "grid", OCTOBER, bare_dataset.as_of, bare_dataset.settings
    )
    keys = ("issue_count", "issues_per_1000", "resolution_rate", "response_rate", "satisfaction_rate")
    display = unit_table(frame, "grid_code", "grid_name", keys, bare_dataset.settings, "en")
    rows = display.frame.set_index("Grid")
    assert list(rows.loc["一网格", ["Issues", "Resolution rate", "Response rate", "Satisfaction rate"]]) == [
        "10",
        "100.0%",
        "—",
        "—",
    ]
    assert set(display.frame["Issues per 1,000 residents"]) == {"—"}
    assert display.grades["Response rate"] == ["none"] * 4
    assert display.grades["Resolution rate"] == ["green", "none", "green", "none"]
    assert display.notes == [
        "Issues per 1,000 residents shown as “—”: no population in the boundary file.",
        "Response rate shown as “—”: no acceptance times in the data.",
        "Satisfaction rate shown as “—”: no ratings in the data.",
    ]


# --- KPI cards: the overview, meeting mode and the report --------------------------------------------


def test_headline_kpis_carry_the_reason(bare_dataset: Dataset) -> None:
    selection = Selection(period=OCTOBER)
    totals = overview.scope_totals(bare_dataset, selection)
    kpis = {k.key: k for k in overview.headline(totals, selection, bare_dataset)}
    response = kpis["response_rate"]
    assert (response.value, response.missing, response.grade) == (None, True, "none")
    assert response.text("en") == "—"
    assert response.reason("en") == "no acceptance times in the data"
    assert response.reason("zh") == "无受理时间数据"
    assert kpis["satisfaction_rate"].reason("en") == "no ratings in the data"
    resolution = kpis["resolution_rate"]
    assert (resolution.value, resolution.missing, resolution.grade, resolution.reason("en")) == (
        1.0,
        False,
        "green",
        None,
    )
    # Neither grid nor community: no bar of 100% "street and departments".
    assert overview.level_shares(totals, selection) == {"grid": None, "community": None, "above": None}


def test_meeting_card_of_a_missing_value_is_grey_with_its_reason() -> None:
    light = meeting.THEMES["light"]
    kpis = [
        Kpi("response_rate", None, None, 0, 14, "none", (), missing=True),
        Kpi("resolution_rate", 1.0, None, 14, 14, "green", ()),
    ]
    cards = meeting.cards(kpis, "en", light)
    assert [(c.value, c.color, c.note) for c in cards] == [
        ("—", light.none, "no acceptance times in the data"),
        ("100.0%", light.green, "On target"),
    ]


@pytest.mark.parametrize("lang", LANGS)
def test_report_kpi_slide_says_why_not_red(bare_dataset: Dataset, lang: Lang) -> None:
    report = build_report(bare_dataset, OCTOBER, lang)
    slide = next(s for s in report.slides if s.key == "kpis")
    items = {item.label: item for item in slide.blocks[0].items}  # type: ignore[union-attr]
    response = items[METRICS["response_rate"].label(lang)]
    assert (response.value, response.grade, response.target) == ("—", "none", None)
    assert response.delta == METRICS["response_rate"].missing_reason(lang)
    assert items[METRICS["satisfaction_rate"].label(lang)].delta == METRICS[
        "satisfaction_rate"
    ].missing_reason(lang)
    assert all(item.grade != "red" for item in items.values())
    assert slide.notes == (
        t(
            "common.missing_note",
            lang,
            metrics=t("common.list_sep", lang).join(
                [METRICS["grid_level_share"].label(lang), METRICS["community_level_share"].label(lang)]
            ),
            reason=METRICS["grid_level_share"].missing_reason(lang),
        ),
    )


def test_bare_report_renders_and_its_volunteer_numbers_say_why(bare_dataset: Dataset) -> None:
    report = build_report(bare_dataset, OCTOBER, "en")
    blocks = [b for s in report.slides for b in s.blocks if isinstance(b, KpiBlock)]
    coverage = next(i for b in blocks for i in b.items if i.label == "Service point coverage")
    assert (coverage.value, coverage.delta) == ("—", "no service points in the data")
    assert len(Presentation(io.BytesIO(render(report, "pptx"))).slides) == len(report.slides)
    assert len(pdfium.PdfDocument(render(report, "pdf"))) == len(report.slides)


# --- the composite score -------------------------------------------------------------------------------


def test_score_is_null_without_a_component_or_without_issues() -> None:
    frame = pl.DataFrame(
        {
            "issue_count": [5, 0, 4, 3],
            "resolution_rate": [1.0, None, 0.5, 1.0],
            "on_time_rate": [1.0, None, 0.5, 1.0],
            # Every rate at 100% but no ratings: no score (it used to be 70).
            "satisfaction_rate": [None, None, 1.0, 1.0],
            "rework_rate": [0.0, None, 0.0, None],
        }
    )
    scores = with_score(frame, default_settings()).get_column("score").to_list()
    # 40 × 50% + 20 × 50% + 30 × 100% + 10 × (1 − 0%) = 70; no issues: none (it used to be 0).
    assert scores == [None, None, 70.0, None]


def test_score_is_null_even_when_the_weighted_rates_are_there_but_there_are_no_issues() -> None:
    frame = pl.DataFrame(
        {
            "issue_count": [0],
            "resolution_rate": [1.0],
            "on_time_rate": [1.0],
            "satisfaction_rate": [1.0],
            "rework_rate": [0.0],
        }
    )
    assert with_score(frame, default_settings()).get_column("score").to_list() == [None]


def test_bare_league_has_no_score(bare_dataset: Dataset) -> None:
    table = league(bare_dataset, Selection(period=OCTOBER), "grid")
    assert table.select("grid_name", "score").rows() == [
        ("一网格", None),
        ("三网格", None),
        ("二网格", None),
        ("公园网格", None),
    ]


# --- the solving-level bar and the map -------------------------------------------------------------------


def test_level_bar_without_levels_shows_a_dash_not_a_bar() -> None:
    # The reason is printed under the chart by the page (a long line would be cut inside the chart).
    empty = {"grid": None, "community": None, "above": None}
    fig = charts.level_share_chart(
        empty, "en", ["Solved in the grid shown as “—”: no solving levels in the data."]
    )
    assert len(fig.data) == 0
    assert [a.text for a in fig.layout.annotations] == ["—"]
    assert [a.text for a in charts.level_share_chart(empty, "en").layout.annotations] == [
        "No data in this period"
    ]
    bars = charts.level_share_chart({"grid": 0.5, "community": 0.25, "above": 0.25}, "en")
    assert [b.x[0] for b in bars.data] == [0.5, 0.25, 0.25]


def test_grid_map_greys_missing_grids_with_the_reason(bare_dataset: Dataset) -> None:
    data = bare_dataset
    values = compute(data.issues, data.units, "grid", OCTOBER, data.as_of, data.settings).filter(
        ~pl.col("outside")
    )
    html = (
        grid_map(
            data.grids, values, METRICS["response_rate"], data.communities, data.streets, data.settings, "en"
        )
        .get_root()
        .render()
    )
    fills = set(re.findall(r'"fill": "(#[0-9a-fA-F]{6})"', html))
    assert fills == {"#e0e0e0"}  # every grid grey: none graded
    # The tooltip and popup of the two grids with issues (the other two have nothing to measure: a
    # plain "—"); they are JSON in the page, where "—" is escaped.
    assert html.count("\\u2014 (no acceptance times in the data)") == 4
    assert "No data: no acceptance times in the data" in html


# --- volunteers -----------------------------------------------------------------------------------------


def test_reach_without_service_points_or_residents_is_empty_with_reasons(bare_dataset: Dataset) -> None:
    assert volunteers.reach_gaps(bare_dataset) == ("service_points", "population")
    frame = volunteers.volunteer_metrics(bare_dataset, "community", OCTOBER)
    assert frame.select("community_name", "volunteer_count", "service_point_coverage_share").rows() == [
        ("东湖社区", 2, None),
        ("西岭社区", 0, None),
    ]
    assert volunteers.missing_reasons(bare_dataset, frame, "en") == {
        "service_point_coverage_share": "no service points in the data",
        "volunteers_per_1000": "no population in the boundary file",
        "active_per_1000": "no population in the boundary file",
    }
    display = volunteer_tables.volunteer_unit_table(
        frame,
        "community",
        ("volunteer_count", "volunteers_per_1000", "service_point_coverage_share"),
        "en",
        volunteers.missing_reasons(bare_dataset, frame, "en"),
    )
    assert display.frame.to_dict("list") == {
        "Community": ["东湖社区", "西岭社区"],
        "Registered volunteers": ["2", "0"],
        "Volunteers per 1,000 residents": ["—", "—"],
        "Service point coverage": ["—", "—"],
    }
    # Only the metrics the table shows are explained (not active volunteers per 1,000).
    assert display.notes == [
        "Service point coverage shown as “—”: no service points in the data.",
        "Volunteers per 1,000 residents shown as “—”: no population in the boundary file.",
    ]


def test_reach_without_service_points_is_empty_not_zero(tmp_path: Path) -> None:
    dataset = load_dataset(tiny_root(tmp_path / "tiny"))
    assert volunteers.reach_gaps(dataset) == ("service_points",)
    frame = volunteers.volunteer_metrics(dataset, "street", OCTOBER)
    assert frame.get_column("service_point_coverage_share").to_list() == [None]
    # An empty service-point file is no service points either (not 0% coverage).
    (tmp_path / "tiny" / "data" / "service_points.csv").write_text("point_id,name,point_type,lon,lat\n")
    dataset = load_dataset(tmp_path / "tiny")
    assert volunteers.reach_gaps(dataset) == ("service_points",)
    frame = volunteers.volunteer_metrics(dataset, "street", OCTOBER)
    assert frame.get_column("service_point_coverage_share").to_list() == [None]


def test_reach_without_residents_is_empty(tmp_path: Path) -> None:
    root = bare_root(tmp_path / "bare")
    (root / "data" / "service_points.csv").write_text(
        "point_id,name,point_type,lon,lat\np1,东湖驿站,red_station,120.005,30.005\n", encoding="utf-8"
    )
    dataset = load_dataset(root)
    assert volunteers.reach_gaps(dataset) == ("population",)
    frame = volunteers.volunteer_metrics(dataset, "grid", OCTOBER)
    assert frame.get_column("service_point_coverage_share").to_list() == [None] * 4
    assert (
        volunteers.missing_reasons(dataset, frame, "zh")["service_point_coverage_share"]
        == "边界文件中无常住人口"
    )
    # Nobody lives there: no site to suggest, and the page must not claim full coverage.
    assert volunteers.suggest_site(dataset.grids, dataset.service_points) is None  # type: ignore[arg-type]


# --- every page, in both languages --------------------------------------------------------------------


@pytest.fixture
def _fresh(fresh_caches: None) -> None:
    """Every page test starts with empty caches."""


def _page(root: Path, monkeypatch: pytest.MonkeyPatch, page: str, lang: str, **query: str) -> AppTest:
    monkeypatch.setenv("DASHBOARD_DATA_DIR", str(root))
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=90)
    for key, value in {"period": "2026-10", "lang": lang, **query}.items():
        at.query_params[key] = value
    at.run()
    if page != "pages/overview.py":
        at.switch_page(page).run()
    assert not at.exception
    return at


def _texts(at: AppTest) -> str:
    """Every caption, info box and metric label and help on the page."""
    parts = [c.value for c in at.caption] + [i.value for i in at.info]
    parts += [f"{m.label} {m.help}" for m in at.metric]
    return "\n".join(str(p) for p in parts)


def _cells(at: AppTest) -> set[str]:
    return {str(v) for df in at.dataframe for column in df.value.columns for v in df.value[column]}


def _no_red(at: AppTest, lang: Lang) -> None:
    """No red grade anywhere: no red badge on a card, no red cell in a table."""
    assert not any(":red-badge" in m.label for m in at.metric)
    assert not any(t("common.grade_red", lang) in m.label for m in at.metric)
    assert not any(RED in df.proto.arrow_data.styler.styles for df in at.dataframe)


def _note(lang: Lang, *keys: str) -> str:
    labels = t("common.list_sep", lang).join(METRICS[k].label(lang) for k in keys)
    return t("common.missing_note", lang, metrics=labels, reason=METRICS[keys[0]].missing_reason(lang))


@pytest.mark.usefixtures("_fresh")
@pytest.mark.parametrize("lang", LANGS)
def test_overview_without_inputs(bare: Path, monkeypatch: pytest.MonkeyPatch, lang: Lang) -> None:
    at = _page(bare, monkeypatch, "pages/overview.py", lang)
    cards = {m.label.split(" :")[0]: m for m in at.metric}
    response = cards[METRICS["response_rate"].label(lang)]
    assert response.value == "—"
    assert f":gray-badge[{METRICS['response_rate'].missing_reason(lang)}]" in response.label
    assert METRICS["response_rate"].missing_reason(lang) in response.help
    assert cards[METRICS["satisfaction_rate"].label(lang)].value == "—"
    assert cards[METRICS["resolution_rate"].label(lang)].value == "100.0%"
    texts = _texts(at)
    assert _note(lang, "grid_level_share", "community_level_share") in texts
    assert _note(lang, "issues_per_1000") in texts
    league = at.dataframe[0].value
    assert set(league[METRICS["satisfaction_rate"].label(lang)]) == {"—"}
    assert set(league[METRICS["grid_level_share"].label(lang)]) == {"—"}
    _no_red(at, lang)


@pytest.mark.usefixtures("_fresh")
@pytest.mark.parametrize("lang", LANGS)
def test_grid_map_without_inputs(bare: Path, monkeypatch: pytest.MonkeyPatch, lang: Lang) -> None:
    at = _page(bare, monkeypatch, "pages/grid_map.py", lang)
    table = at.dataframe[0].value
    assert set(table[METRICS["issues_per_1000"].label(lang)]) == {"—"}
    assert set(table[METRICS["satisfaction_rate"].label(lang)]) == {"—"}
    texts = _texts(at)
    assert _note(lang, "issues_per_1000") in texts
    assert _note(lang, "satisfaction_rate") in texts
    _no_red(at, lang)


@pytest.mark.usefixtures("_fresh")
@pytest.mark.parametrize("lang", LANGS)
def test_closed_loop_without_inputs(bare: Path, monkeypatch: pytest.MonkeyPatch, lang: Lang) -> None:
    at = _page(bare, monkeypatch, "pages/closed_loop.py", lang)
    streak = t("loop.streak", lang)
    league_table = next(df.value for df in at.dataframe if streak in df.value.columns)
    assert list(league_table[METRICS["response_rate"].label(lang)]) == ["—", "—"]
    assert list(league_table[METRICS["satisfaction_rate"].label(lang)]) == ["—", "—"]
    # No ratings: no composite score (never 70 for a unit at 100% everywhere else).
    assert list(league_table[t("loop.score", lang)]) == ["—", "—"]
    texts = _texts(at)
    for key in ("response_rate", "satisfaction_rate"):
        assert _note(lang, key) in texts
    assert _note(lang, "grid_level_share") in texts  # the grid workers' tab
    # The rule is on the page: no score when a part is empty or without issues.
    formula = next(i.value for i in at.info if i.value.startswith(t("loop.score", lang)))
    assert formula.endswith(t("loop.score_formula", lang, parts="X").split("X")[1])
    _no_red(at, lang)


@pytest.mark.usefixtures("_fresh")
@pytest.mark.parametrize("lang", LANGS)
def test_heatmap_without_residents(bare: Path, monkeypatch: pytest.MonkeyPatch, lang: Lang) -> None:
    at = _page(bare, monkeypatch, "pages/heatmap.py", lang)
    top = next(df.value for df in at.dataframe if METRICS["issues_per_1000"].label(lang) in df.value.columns)
    assert set(top[METRICS["issues_per_1000"].label(lang)]) == {"—"}
    assert _note(lang, "issues_per_1000") in _texts(at)
    _no_red(at, lang)


@pytest.mark.usefixtures("_fresh")
@pytest.mark.parametrize("lang", LANGS)
def test_trends_of_a_metric_without_inputs(bare: Path, monkeypatch: pytest.MonkeyPatch, lang: Lang) -> None:
    at = _page(bare, monkeypatch, "pages/trends.py", lang, trend_metric="response_rate")
    assert at.selectbox(key="trend_metric").value == "response_rate"
    assert _note(lang, "response_rate") in _texts(at)
    _no_red(at, lang)


@pytest.mark.usefixtures("_fresh")
@pytest.mark.parametrize("lang", LANGS)
def test_volunteers_without_service_points_or_residents(
    bare: Path, monkeypatch: pytest.MonkeyPatch, lang: Lang
) -> None:
    at = _page(bare, monkeypatch, "pages/volunteers.py", lang)
    cards = {m.label.split(" :")[0]: m for m in at.metric}
    coverage = cards[_volunteer_label("service_point_coverage_share", lang)]
    assert coverage.value == "—"
    assert f":gray-badge[{t('volunteer.missing_service_points', lang)}]" in coverage.label
    per_1000 = cards[_volunteer_label("volunteers_per_1000", lang)]
    assert per_1000.value == "—"
    assert t("volunteer.missing_population", lang) in per_1000.label
    assert cards[_volunteer_label("volunteer_count", lang)].value == "2"
    infos = [i.value for i in at.info]
    assert t("volunteer.no_service_points", lang) in infos
    assert t("volunteer.no_population", lang) in infos
    # Never "every resident is within 800 m" when there are no service points and no residents.
    assert not any(s.value == t("volunteer.suggestion_none", lang, metres=800) for s in at.success)
    by_unit = next(df.value for df in at.dataframe if t("common.unit_community", lang) in df.value.columns)
    assert set(by_unit[_volunteer_label("service_point_coverage_share", lang)]) == {"—"}
    assert "—" in _cells(at)
    _no_red(at, lang)


def _volunteer_label(key: str, lang: Lang) -> str:
    return volunteer_metric(key).label(lang)


def test_bare_root_loads_with_the_inputs_absent(bare_dataset: Dataset) -> None:
    # The loader refuses an empty population, so the bare root says 0 residents in every grid.
    assert bare_dataset.units.get_column("population").to_list() == [0, 0, 0, 0]
    assert bare_dataset.service_points is None
    row = compute(
        bare_dataset.issues, bare_dataset.units, "grid", OCTOBER, bare_dataset.as_of, bare_dataset.settings
    ).filter(pl.col("grid_code") == G1)
    assert row.select(
        "issue_count", "resolution_rate", "response_rate", "satisfaction_rate", "grid_level_share"
    ).row(0) == (10, 1.0, None, None, None)


def test_no_rework_counts_in_the_data_is_no_data_not_zero(bare_dataset: Dataset) -> None:
    frame = compute(
        bare_dataset.issues,
        bare_dataset.units,
        "community",
        OCTOBER,
        bare_dataset.as_of,
        bare_dataset.settings,
    ).filter(~pl.col("outside"))
    assert frame.get_column("rework_rate").to_list() == [None, None]
    assert frame.get_column("rework_rate__missing").to_list() == [True, True]
    assert METRICS["rework_rate"].missing_reason("zh") == "无返工次数数据"
