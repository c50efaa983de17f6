"""Every page through Streamlit's AppTest, in Chinese and English, checking real numbers.

The numbers on screen are compared with the registry computed on the same tiny data root,
so a page that drifts from the metric definitions fails here.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from dashboard.core.loading import load_dataset
from dashboard.core.periods import parse_period
from dashboard.i18n import label, t
from dashboard.metrics import METRICS, compute
from tests.builders import (
    C1,
    G1,
    G3,
    TINY_ISSUES,
    month_issues,
    shown,
    sign_in,
    three_months_root,
    write_grids,
    write_issues_csv,
)
from tests.conftest import REPO

LANGS = ("zh", "en")


@pytest.fixture(autouse=True)
def _fresh_caches(fresh_caches: None) -> None:
    """Every page test starts with empty caches."""


def _app(root: Path, monkeypatch: pytest.MonkeyPatch, **query: str) -> AppTest:
    monkeypatch.setenv("DASHBOARD_DATA_DIR", str(root))
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60)
    for key, value in query.items():
        at.query_params[key] = value
    return at


def _expected(root: Path, by: str, key: str, code: str | None) -> float | None:
    dataset = load_dataset(root)
    frame = compute(
        dataset.issues, dataset.units, by, parse_period("2026-10"), dataset.as_of, dataset.settings
    )  # type: ignore[arg-type]
    column = "street_code" if by == "all" else f"{by}_code"
    for row in frame.iter_rows(named=True):
        if row[column] == code and not row["outside"]:
            return row[key]  # type: ignore[no-any-return]
    raise AssertionError(f"no row {code}")


@pytest.mark.parametrize("lang", LANGS)
def test_overview_shows_registry_numbers(tiny: Path, monkeypatch: pytest.MonkeyPatch, lang: str) -> None:
    at = _app(tiny, monkeypatch, period="2026-10", lang=lang).run()
    assert not at.exception
    assert at.title[0].value == t("overview.title", lang)  # type: ignore[arg-type]
    cards = {m.label.split(" :")[0]: m for m in at.metric}
    resolution = cards[t("metric.resolution_rate.label", lang)]  # type: ignore[arg-type]
    # Street-wide October: 4 of 7 finished (the issue outside every grid counts).
    assert resolution.value == "57.1%"
    assert t("common.grade_red", lang) in resolution.label  # type: ignore[arg-type]
    assert cards[t("metric.issue_count.label", lang)].value == "8"  # type: ignore[arg-type]
    assert cards[t("metric.overdue_open_count.label", lang)].value == "2"  # type: ignore[arg-type]
    # The data begin on 30 September: September is covered by one day only, so there is no
    # change against it (not 8 - 1 = +7).
    assert not cards[t("metric.issue_count.label", lang)].delta  # type: ignore[arg-type]

    league = at.dataframe[0].value
    community = t("common.unit_community", lang)  # type: ignore[arg-type]
    rate = t("metric.resolution_rate.label", lang)  # type: ignore[arg-type]
    rows = dict(zip(league[community], league[rate], strict=True))
    expected = _expected(tiny, "community", "resolution_rate", C1)
    assert rows["东湖社区"] == METRICS["resolution_rate"].format(expected, lang) == "75.0%"  # type: ignore[arg-type]
    assert rows[t("common.outside", lang)] == "0.0%"  # type: ignore[arg-type]
    assert list(league[t("common.rank", lang)]) == ["1", "2", ""]  # type: ignore[arg-type]


@pytest.mark.parametrize("lang", LANGS)
def test_grid_map_lists_grids_of_the_chosen_community(
    tiny: Path, monkeypatch: pytest.MonkeyPatch, lang: str
) -> None:
    at = _app(tiny, monkeypatch, period="2026-10", lang=lang, community=C1)
    at.run()
    at.switch_page("pages/grid_map.py").run()
    assert not at.exception
    assert at.title[0].value == t("map.title", lang)  # type: ignore[arg-type]
    table = at.dataframe[0].value
    grid = t("common.unit_grid", lang)  # type: ignore[arg-type]
    count = t("metric.issue_count.label", lang)  # type: ignore[arg-type]
    # Only the chosen community's two grids, worst resolution rate first (66.7%, then 100%).
    assert list(table[grid]) == ["一网格", "二网格"]
    assert list(table[count]) == ["4", "1"]
    assert list(table[t("metric.resolution_rate.label", lang)]) == ["66.7%", "100.0%"]  # type: ignore[arg-type]
    assert list(table[t("common.unit_community", lang)]) == ["东湖社区", "东湖社区"]  # type: ignore[arg-type]
    assert at.selectbox(key="metric").value == "resolution_rate"


# AppTest (1.67) re-runs only the page script after a widget changes when the app uses
# st.navigation, so the frame's filters are tested here through the URL, which is how a
# shared view arrives; the browser tests drive the widgets themselves.


def test_community_filter_from_the_url_changes_the_headline(
    tiny: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = _app(tiny, monkeypatch, period="2026-10", community=C1).run()
    cards = {m.label.split(" :")[0]: m.value for m in at.metric}
    assert cards["办结率"] == "75.0%"
    assert cards["诉求量"] == "5"
    assert at.multiselect(key="communities").value == [C1]
    assert at.query_params["community"] == C1


def test_default_month_and_url(tiny: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = _app(tiny, monkeypatch).run()
    # The data end on 25 October: the default month is September, the last complete one.
    assert at.selectbox(key="month").value == "2026-09"
    assert at.query_params["period"] == "2026-09"
    assert {m.label.split(" :")[0]: m.value for m in at.metric}["诉求量"] == "1"


def test_a_date_range_from_the_url(tiny: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = _app(tiny, monkeypatch, period="2026-09-30..2026-10-05").run()
    assert at.radio(key="period_mode").value == "range"
    # i07 (30 September), i01 and i02.
    assert {m.label.split(" :")[0]: m.value for m in at.metric}["诉求量"] == "3"


def test_unknown_url_values_fall_back_to_defaults(tiny: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = _app(tiny, monkeypatch, period="someday", community="nowhere", lang="xx").run()
    assert not at.exception
    assert at.title[0].value == "街道治理总览"
    assert at.selectbox(key="month").value == "2026-09"


@pytest.mark.parametrize("lang", LANGS)
def test_bad_data_root_shows_the_problem_not_a_traceback(
    tiny: Path, monkeypatch: pytest.MonkeyPatch, lang: str
) -> None:
    issues = [dict(i) for i in TINY_ISSUES]
    issues[3]["status"] = "done"
    write_issues_csv(tiny, issues)
    at = _app(tiny, monkeypatch, lang=lang).run()
    assert not at.exception
    assert t("problem.title", lang) in at.error[0].value  # type: ignore[arg-type]
    report = " ".join(shown(m.value) for m in at.markdown)
    if lang == "zh":
        assert "文件 data/issues.csv，第 5 行，列 status: 取值不在允许范围内：done" in report
    else:
        assert "File data/issues.csv, row 5, column status: value not allowed: done" in report


def test_demo_badge_only_for_demo_data(tiny: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = _app(tiny, monkeypatch, period="2026-10").run()
    assert not any("演示数据" in m.value for m in at.markdown)
    (tiny / "data" / "meta.json").write_text('{"demo": true}', encoding="utf-8")
    st.cache_resource.clear()
    at = _app(tiny, monkeypatch, period="2026-10").run()
    assert any("演示数据" in m.value for m in at.markdown)


@pytest.mark.parametrize("lang", LANGS)
def test_closed_loop_page_league_equals_the_registry(
    tiny: Path, monkeypatch: pytest.MonkeyPatch, lang: str
) -> None:
    at = _app(tiny, monkeypatch, period="2026-10", lang=lang)
    at.run()
    at.switch_page("pages/closed_loop.py").run()
    assert not at.exception
    assert at.title[0].value == t("loop.title", lang)  # type: ignore[arg-type]
    tables = {tuple(df.value.columns): df.value for df in at.dataframe}
    rank = t("common.rank", lang)  # type: ignore[arg-type]
    community = t("common.unit_community", lang)  # type: ignore[arg-type]
    rate = t("metric.resolution_rate.label", lang)  # type: ignore[arg-type]
    streak = t("loop.streak", lang)  # type: ignore[arg-type]
    league = next(df for columns, df in tables.items() if streak in columns)
    dataset = load_dataset(tiny)
    registry = compute(
        dataset.issues, dataset.units, "community", parse_period("2026-10"), dataset.as_of, dataset.settings
    )
    expected = {
        row["community_name"]: METRICS["resolution_rate"].format(row["resolution_rate"], lang)  # type: ignore[arg-type]
        for row in registry.iter_rows(named=True)
        if not row["outside"]
    }
    assert (
        dict(zip(league[community], league[rate], strict=True))
        == expected
        == {"东湖社区": "75.0%", "西岭社区": "50.0%"}
    )
    assert list(league[rank]) == ["1", "2"]
    # 40 × 50% + 20 × 50% + 30 × 100% + 10 × (1 − 0%) = 70 for 西岭社区.
    assert list(league[t("loop.score", lang)]) == ["66.7", "70.0"]  # type: ignore[arg-type]
    # Both communities are small samples: the red and black lists stay empty and say why.
    assert any(t("loop.red_black_note", lang, n=20, left=2) in c.value for c in at.caption)  # type: ignore[arg-type]
    # The departments tab: 住建 took the one dispatched issue, on time.
    department = next(df for columns, df in tables.items() if t("loop.dispatched", lang) in columns)  # type: ignore[arg-type]
    assert list(department[t("metric.on_time_rate.label", lang)]) == ["100.0%"]  # type: ignore[arg-type]
    # The shortfall of the worst community (西岭社区: 1 of 2 finished, target 90%: 0.8 short).
    assert t("loop.shortfall", lang, unit="西岭社区", gap="0.8") in at.warning[0].value  # type: ignore[arg-type]


@pytest.mark.parametrize("lang", LANGS)
def test_closed_loop_red_black_and_streaks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, lang: str
) -> None:
    root = three_months_root(tmp_path / "three")
    at = _app(root, monkeypatch, period="2026-10", lang=lang)
    at.run()
    at.switch_page("pages/closed_loop.py").run()
    assert not at.exception
    community = t("common.unit_community", lang)  # type: ignore[arg-type]
    streak = t("loop.streak", lang)  # type: ignore[arg-type]
    frames = [df.value for df in at.dataframe]
    league = next(df for df in frames if streak in df.columns)
    assert dict(zip(league[community], league[streak], strict=True)) == {
        "西岭社区": t("loop.streak_months", lang, n=2),  # type: ignore[arg-type]
        "东湖社区": t("loop.streak_months", lang, n=3),  # type: ignore[arg-type]
    }
    assert list(league[t("loop.rank_change", lang)]) == ["–", "↓1"]  # type: ignore[arg-type]
    # Red list: both (20 issues each, no small samples); the black list takes what is left: nothing.
    red, black = frames[0], frames[1]
    assert list(red[community]) == ["西岭社区", "东湖社区"]
    assert list(black[community]) == []


def _page(root: Path, monkeypatch: pytest.MonkeyPatch, page: str, **query: str) -> AppTest:
    at = _app(root, monkeypatch, **query)
    if page == "pages/data.py":
        sign_in(at, root)  # only an administrator imports
    at.run()
    at.switch_page(page).run()
    assert not at.exception
    return at


@pytest.mark.parametrize("lang", LANGS)
def test_heatmap_page_counts_and_hot_spots(tiny: Path, monkeypatch: pytest.MonkeyPatch, lang: str) -> None:
    at = _page(tiny, monkeypatch, "pages/heatmap.py", period="2026-10", lang=lang)
    assert at.title[0].value == t("heatmap.title", lang)  # type: ignore[arg-type]
    # October: 8 issues that count (i05 is invalid); only i08 and i09 carry coordinates, in 2 cells.
    summary = t("heatmap.summary", lang, period="PERIOD", n="8", located="2", cells="2").split("PERIOD")[1]  # type: ignore[arg-type]
    assert any(summary in c.value for c in at.caption)
    top = next(df.value for df in at.dataframe if t("metric.issues_per_1000.label", lang) in df.value.columns)  # type: ignore[arg-type]
    grid = t("common.unit_grid", lang)  # type: ignore[arg-type]
    count = t("metric.issue_count.label", lang)  # type: ignore[arg-type]
    assert dict(zip(top[grid], top[count], strict=True)) == {"一网格": "4", "三网格": "2", "二网格": "1"}
    # The data begin on 30 September: no whole month of history before October, so no grid is
    # judged, and the page says why.
    short = t("heatmap.emerging_short", lang, date="2026-09-30", months=0, min=6)  # type: ignore[arg-type]
    assert [i.value for i in at.info] == [short]


def test_heatmap_filters_come_from_the_url(tiny: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = _page(tiny, monkeypatch, "pages/heatmap.py", period="2026-10", category="环境卫生", source="app")
    assert at.multiselect(key="filter_category").value == ["环境卫生"]
    # Sanitation from the photo app in October: i08 only.
    assert any("1 件诉求（有坐标 1 件），聚合为 1 个" in c.value for c in at.caption)


@pytest.mark.parametrize("lang", LANGS)
def test_trends_page_hot_topic_is_the_category_that_rose_most(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, lang: str
) -> None:
    write_grids(tmp_path)
    issues = [
        *[{**i, "category": "停车管理"} for i in month_issues(G1, "2026-09", 5, 0, 0)],
        *[{**i, "category": "噪音扰民"} for i in month_issues(G1, "2026-09", 10, 0, 100)],
        *[{**i, "category": "停车管理"} for i in month_issues(G1, "2026-10", 20, 0, 200)],
        *[{**i, "category": "噪音扰民"} for i in month_issues(G3, "2026-10", 12, 0, 300)],
    ]
    write_issues_csv(tmp_path, issues)
    at = _page(tmp_path, monkeypatch, "pages/trends.py", period="2026-10", lang=lang)
    assert at.title[0].value == t("trends.title", lang)  # type: ignore[arg-type]
    card = at.warning[0].value
    assert label("category", "停车管理", lang) in card  # type: ignore[arg-type]
    # 5 in September, 20 in October: +15 (+300.0%).
    assert "20" in card and "5" in card and "15" in card and "+300.0%" in card


@pytest.mark.parametrize("lang", LANGS)
def test_volunteer_page_headline_numbers(tiny: Path, monkeypatch: pytest.MonkeyPatch, lang: str) -> None:
    data = tiny / "data"
    (data / "volunteers.csv").write_text(
        "volunteer_id,grid_code,registered_at,is_party_member,name,phone,team\n"
        f"v1,{G1},2025-01-01,true,张三,13800000001,东湖先锋队\n"
        f"v2,{G1},2025-06-01,false,李四,13800000002,东湖先锋队\n"
        f"v3,{G3},2026-11-05,false,王五,13800000003,西岭互助队\n",
        encoding="utf-8",
    )
    (data / "service_records.csv").write_text(
        "record_id,volunteer_id,served_at,hours,service_type,beneficiaries\n"
        "r1,v1,2026-10-10 09:00:00,3,elderly_care,2\n"
        "r2,v1,2026-09-10 09:00:00,2,environment,0\n",
        encoding="utf-8",
    )
    (data / "service_points.csv").write_text(
        "point_id,name,point_type,lon,lat\np1,东湖驿站,red_station,120.005,30.005\n", encoding="utf-8"
    )
    at = _page(tiny, monkeypatch, "pages/volunteers.py", period="2026-10", lang=lang)
    cards = {m.label: m.value for m in at.metric}
    # v3 registered in November: not counted for October; v1 served in the 90 days: active.
    assert cards[t("metric.volunteer_count.label", lang)] == "2"  # type: ignore[arg-type]
    assert cards[t("metric.active_volunteer_count.label", lang)] == "1"  # type: ignore[arg-type]
    assert cards[t("metric.party_member_share.label", lang)] == "50.0%"  # type: ignore[arg-type]
    assert cards[t("metric.service_hours.label", lang)] == f"3 {t('common.hours', lang)}"  # type: ignore[arg-type]
    # Nobody's name or phone shows on the page (teams only).
    text = " ".join(str(df.value.to_dict()) for df in at.dataframe) + " ".join(m.value for m in at.markdown)
    assert "张三" not in text and "13800000001" not in text
    assert "东湖先锋队" in text
    by_community = next(
        df.value for df in at.dataframe if t("common.unit_community", lang) in df.value.columns
    )  # type: ignore[arg-type]
    counts = dict(
        zip(
            by_community[t("common.unit_community", lang)],
            by_community[t("metric.volunteer_count.label", lang)],
            strict=True,
        )
    )  # type: ignore[arg-type]
    assert counts == {"东湖社区": "2", "西岭社区": "0"}


@pytest.mark.parametrize("lang", LANGS)
def test_data_page_lists_the_import_history(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, lang: str
) -> None:
    from dashboard import ingest

    root = tmp_path / "root"
    write_grids(root)
    write_issues_csv(root)
    upload = "工单编号,登记时间,诉求类别,所属网格,办理状态\nN1,2026-11-01 09:00,环境卫生,{g},已办结\nN2,2026-11-02 09:00,环境卫生,{g},处置中\n"
    data = upload.replace("{g}", G1).encode("gbk")
    ingest.commit_import(root, ingest.prepare(root, "issues", data, "11月.csv"), data)
    at = _page(root, monkeypatch, "pages/data.py", lang=lang)
    assert not at.exception
    assert at.title[0].value == t("imports.title", lang)  # type: ignore[arg-type]
    assert [tab.label for tab in at.tabs] == [t("imports.tab_upload", lang), t("imports.tab_history", lang)]  # type: ignore[arg-type]
    history = at.dataframe[0].value
    assert list(history[t("imports.col_file", lang)]) == ["11月.csv", ""]  # type: ignore[arg-type]
    rows = history[t("imports.col_rows_summary", lang)].iloc[0]  # type: ignore[arg-type]
    assert rows == t("imports.rows_summary", lang, imported=2, added=2, updated=0, skipped=0, total=12)  # type: ignore[arg-type]
    assert (
        at.selectbox(key="restore_pick").value == ingest.versions(root)[0].id
    )  # the version before the import


@pytest.mark.parametrize("lang", LANGS)
def test_a_root_that_cannot_load_still_reaches_the_import_page(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, lang: str
) -> None:
    root = tmp_path / "empty"
    root.mkdir()
    at = sign_in(_app(root, monkeypatch, lang=lang), root).run()
    assert not at.exception
    assert any(t("problem.title", lang) in e.value for e in at.error)  # type: ignore[arg-type]
    at.switch_page("pages/data.py").run()
    assert not at.exception
    assert at.title[0].value == t("imports.title", lang)  # type: ignore[arg-type]
    assert at.info[0].value == t("imports.start_hint", lang)  # type: ignore[arg-type]


def test_an_import_shows_on_the_next_run_without_a_restart(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The dataset cache is keyed by the files' fingerprint: new data shows at once."""
    from dashboard import ingest

    root = tmp_path / "root"
    write_grids(root)
    write_issues_csv(root)
    at = _app(root, monkeypatch, period="2026-10", lang="en").run()
    cards = {m.label.split(" :")[0]: m for m in at.metric}
    assert cards[t("metric.issue_count.label", "en")].value == "8"
    upload = (
        f"issue_id,reported_at,category,grid_code,status\nX1,2026-10-05 09:00,其他,{G1},resolved\n".encode()
    )
    ingest.commit_import(root, ingest.prepare(root, "issues", upload, "x.csv"), upload)
    # A new session in the same server process (AppTest's own re-run would skip the frame).
    at = _app(root, monkeypatch, period="2026-10", lang="en").run()
    cards = {m.label.split(" :")[0]: m for m in at.metric}
    assert cards[t("metric.issue_count.label", "en")].value == "9"


@pytest.mark.parametrize("lang", LANGS)
def test_trends_page_says_when_the_earlier_periods_have_no_data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, lang: str
) -> None:
    from dashboard.core.periods import period_label

    # The data begin on 1 August 2026: July and August 2025 are before them.
    root = three_months_root(tmp_path / "three")
    at = _page(root, monkeypatch, "pages/trends.py", period="2026-08", lang=lang)
    july, year_earlier = (period_label(parse_period(p), lang) for p in ("2026-07", "2025-08"))  # type: ignore[arg-type]
    assert [i.value for i in at.info] == [
        t("trends.hot_no_previous", lang, previous=july, date="2026-08-01"),  # type: ignore[arg-type]
        t("trends.yoy_no_data", lang, period=year_earlier, date="2026-08-01"),  # type: ignore[arg-type]
    ]
    note = t("trends.data_start_note", lang, date="2026-08-01")  # type: ignore[arg-type]
    assert any(note in c.value for c in at.caption)
