"""Meeting mode through AppTest in both languages: the registry's numbers, the views, the controls."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import meeting
from dashboard.core.loading import load_dataset
from dashboard.core.periods import parse_period
from dashboard.i18n import t
from dashboard.metrics import METRICS, compute
from tests.conftest import REPO

LANGS = ("zh", "en")


@pytest.fixture(autouse=True)
def _fresh_caches(fresh_caches: None) -> None:
    """Every test starts with empty caches."""


def _meeting(root: Path, monkeypatch: pytest.MonkeyPatch, **query: str) -> AppTest:
    monkeypatch.setenv("DASHBOARD_DATA_DIR", str(root))
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    at.switch_page("pages/meeting.py").run()
    assert not at.exception, at.exception
    return at


def _html(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown)


def _view(at: AppTest) -> str:
    found = re.search(r'class="meeting-title" data-view="(\w+)"', _html(at))
    assert found is not None
    return found.group(1)


def _progress(at: AppTest) -> str:
    return next(m.value for m in at.markdown if 'class="meeting-progress" data-index' in m.value)


@pytest.mark.parametrize("lang", LANGS)
def test_headline_is_the_registry_street_rate_with_its_grade(
    tiny: Path, monkeypatch: pytest.MonkeyPatch, lang: str
) -> None:
    at = _meeting(tiny, monkeypatch, period="2026-10", lang=lang)
    assert _view(at) == "headline"
    dataset = load_dataset(tiny)
    street = compute(
        dataset.issues, dataset.units, "all", parse_period("2026-10"), dataset.as_of, dataset.settings
    ).row(0, named=True)
    rate = METRICS["resolution_rate"].format(street["resolution_rate"], lang)  # type: ignore[arg-type]
    assert rate == "57.1%"
    hero = re.search(
        r'data-metric="resolution_rate" style="border-left-color:([^"]+)">.*?'
        r"meeting-value[^>]*>([^<]+)<.*?meeting-grade[^>]*>([^<]+)<",
        _html(at),
        re.S,
    )
    assert hero is not None
    color, value, grade = hero.groups()
    # 57.1% is below 80%: red, in the light theme's red, with the word for it.
    assert (value, color, grade) == (rate, meeting.THEMES["light"].red, t("common.grade_red", lang))  # type: ignore[arg-type]
    # 8 issues in October, 2 overdue.
    assert re.search(r'data-metric="issue_count".*?meeting-value[^>]*>8<', _html(at), re.S)
    assert re.search(r'data-metric="overdue_open_count".*?meeting-value[^>]*>2<', _html(at), re.S)
    assert html.escape(t("meeting.view_headline", lang)) in _html(at)  # type: ignore[arg-type]
    assert "清河湾街道" in _html(at)
    assert f"<b>1 / {len(meeting.VIEWS)}</b>" in _progress(at)
    assert t("meeting.playing", lang, seconds=20) in _progress(at)  # type: ignore[arg-type]


@pytest.mark.parametrize("lang", LANGS)
def test_next_previous_and_pause(tiny: Path, monkeypatch: pytest.MonkeyPatch, lang: str) -> None:
    at = _meeting(tiny, monkeypatch, period="2026-10", lang=lang)
    at.button(key="meeting_next").click().run()
    assert _view(at) == "league"
    # Both communities are below 80% in October (75.0% and 50.0%): 0 green, 0 amber, 2 red.
    assert t("meeting.league_counts", lang, green=0, amber=0, red=2) in _html(at)  # type: ignore[arg-type]
    assert at.get("plotly_chart")
    at.button(key="meeting_prev").click().run()
    at.button(key="meeting_prev").click().run()
    assert _view(at) == meeting.VIEWS[-1]  # wraps around
    at.button(key="meeting_pause").click().run()
    assert t("meeting.paused", lang) in _progress(at)  # type: ignore[arg-type]
    assert at.button(key="meeting_pause").label == t("meeting.resume", lang)  # type: ignore[arg-type]
    at.button(key="meeting_pause").click().run()
    assert t("meeting.paused", lang) not in _progress(at)  # type: ignore[arg-type]


def test_interval_theme_and_views_from_the_url(tiny: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = _meeting(tiny, monkeypatch, period="2026-10", interval="7", theme="dark", views="map,headline")
    assert _view(at) == "map"
    assert "每 7 秒自动切换" in _progress(at)
    assert at.selectbox(key="meeting_interval").value == 7
    assert meeting.THEMES["dark"].background in _html(at)
    assert at.button(key="meeting_theme_toggle").label == "浅色"
    at.button(key="meeting_theme_toggle").click().run()
    assert meeting.THEMES["light"].background in _html(at)
    assert "theme" not in at.query_params
    at.selectbox(key="meeting_interval").select(30).run()
    assert "每 30 秒自动切换" in _progress(at)
    assert at.query_params["interval"] == "30"


@pytest.mark.parametrize("lang", LANGS)
def test_meeting_mode_is_marked_in_demo_mode(tiny: Path, monkeypatch: pytest.MonkeyPatch, lang: str) -> None:
    at = _meeting(tiny, monkeypatch, period="2026-10", lang=lang, demo="1")
    assert f'<span class="meeting-demo">{t("app.demo_badge", lang)}</span>' in _html(at)  # type: ignore[arg-type]
    at = _meeting(tiny, monkeypatch, period="2026-10", lang=lang)
    assert '<span class="meeting-demo">' not in _html(at)


def test_cards_grade_colours_and_text() -> None:
    from dashboard.metrics import Kpi

    kpis = [
        Kpi("resolution_rate", 0.95, 0.93, 95, 100, "green", ()),
        Kpi("on_time_rate", 0.85, None, 85, 100, "amber", ()),
        Kpi("issue_count", 100.0, 120.0, None, None, "none", ()),
    ]
    dark = meeting.THEMES["dark"]
    cards = meeting.cards(kpis, "en", dark)
    assert [(c.value, c.color, c.note) for c in cards] == [
        ("95.0%", dark.green, "On target"),
        ("85.0%", dark.amber, "Near target"),
        ("100", dark.text, ""),
    ]
    assert cards[0].delta == "vs last period +2.0 pp"
    assert cards[1].delta == ""
    page = meeting.cards_html(cards, dark)
    assert page.index('data-metric="resolution_rate"') < page.index('class="meeting-grid"')
