"""Meeting mode (the large screen): full-screen views for a projector, advancing by themselves and by key.

The sidebar and the toolbar are hidden; everything fits 1920 x 1080 without scrolling. The
view, pause state, theme and interval live in the session; ``?interval=``, ``?theme=dark``
and ``?views=`` in the URL set them. Keys: → / PageDown (what clickers send) next,
← / PageUp previous, Space pause and resume, F full screen.
"""

from __future__ import annotations

import time
from typing import Any

import polars as pl
import streamlit as st
from branca.element import Element

from dashboard import meeting, overview, trends
from dashboard.core.basis import basis_note
from dashboard.core.periods import period_label
from dashboard.core.span import data_start
from dashboard.core.text import html_text, safe_figure
from dashboard.figures import charts
from dashboard.i18n import Lang, t
from dashboard.meeting import Theme
from dashboard.trends import charts as trend_charts
from dashboard.ui import cache, widgets
from dashboard.ui.frame import Context, set_query

VIEW = "meeting_view"
PAUSED = "meeting_paused"
CHANGED = "meeting_changed"
THEME = "meeting_theme"
INTERVAL = "meeting_interval"
BUTTONS = ("meeting_prev", "meeting_pause", "meeting_next", "meeting_theme_toggle")
STAGE_HEIGHT = 800  # px for a chart or the map: with the bars above and below, 1080 in all

KEYS_SCRIPT = """
<script>
(function () {
  if (window.__meetingKeys) { return; }
  window.__meetingKeys = true;
  var actions = {
    ArrowRight: "meeting_next", PageDown: "meeting_next", ArrowDown: "meeting_next",
    ArrowLeft: "meeting_prev", PageUp: "meeting_prev", ArrowUp: "meeting_prev",
    " ": "meeting_pause", Spacebar: "meeting_pause", k: "meeting_pause", K: "meeting_pause"
  };
  document.addEventListener("keydown", function (event) {
    if (!document.querySelector(".st-key-meeting_next")) { return; }  // not the meeting page
    var tag = (event.target && event.target.tagName) || "";
    if (tag === "INPUT" || tag === "TEXTAREA" || event.target.isContentEditable) { return; }
    if (event.key === "f" || event.key === "F") {
      if (!document.fullscreenElement) { document.documentElement.requestFullscreen().catch(function () {}); }
      else { document.exitFullscreen(); }
      return;
    }
    var key = actions[event.key];
    if (!key || event.ctrlKey || event.metaKey || event.altKey) { return; }
    var button = document.querySelector(".st-key-" + key + " button");
    if (button) { event.preventDefault(); event.stopPropagation(); button.click(); }
  }, true);
})();
</script>
"""


def _css(th: Theme) -> str:
    """The meeting page's style sheet in theme ``th``: no sidebar or toolbar, large type, themed controls."""
    return (
        "\n<style>\n" + _chrome_css(th) + _heading_css(th) + _cards_css(th) + _controls_css(th) + "</style>\n"
    )


def _chrome_css(th: Theme) -> str:
    """Streamlit's chrome hidden; the page's background, text colour and padding."""
    return f"""\
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stHeader"],
[data-testid="stToolbar"], [data-testid="stDecoration"], [data-testid="stExpandSidebarButton"] {{
  display: none !important;
}}
[data-testid="stApp"], [data-testid="stAppViewContainer"], [data-testid="stMain"] {{
  background: {th.background} !important; color: {th.text};
}}
[data-testid="stMainBlockContainer"] {{
  padding: 10px 28px 0 28px !important; max-width: 100% !important;
}}
[data-testid="stMain"] [data-testid="stVerticalBlock"] {{ gap: 8px; }}
[data-testid="stMain"] p, [data-testid="stMain"] span, [data-testid="stMain"] label {{ color: {th.text}; }}
"""


def _heading_css(th: Theme) -> str:
    """The top bar (street, context, demo mark) and the view's title."""
    return f"""\
.meeting-top {{
  display: flex; justify-content: space-between; align-items: baseline; gap: 24px;
  border-bottom: 3px solid {th.border}; padding-bottom: 6px;
}}
.meeting-street {{ font-size: 40px; font-weight: 800; color: {th.text}; }}
.meeting-context {{ font-size: 28px; color: {th.muted}; }}
.meeting-demo {{
  font-size: 26px; font-weight: 700; color: #1f1300 !important; background: #fbbf24;
  padding: 2px 14px; border-radius: 8px; margin-left: 12px;
}}
.meeting-title {{
  font-size: 46px; font-weight: 800; color: {th.text}; line-height: 1.2; margin: 6px 0 0 0;
}}
.meeting-subtitle {{ font-size: 28px; color: {th.muted}; margin-left: 18px; font-weight: 600; }}
"""


def _cards_css(th: Theme) -> str:
    """The KPI cards (a hero and a grid of five) and the progress line."""
    return f"""\
.meeting-cards {{ display: flex; flex-direction: column; gap: 22px; height: {STAGE_HEIGHT - 10}px; }}
.meeting-hero, .meeting-card {{
  background: {th.surface}; border-left: 18px solid {th.border}; border-radius: 10px;
  padding: 14px 32px; color: {th.text};
}}
.meeting-hero .meeting-value {{ font-size: 200px; font-weight: 900; line-height: 1.0; }}
.meeting-grid {{ display: grid; grid-template-columns: repeat(5, 1fr); gap: 22px; flex: 1; }}
.meeting-card {{ display: flex; flex-direction: column; justify-content: space-between; padding: 18px 24px; }}
.meeting-card .meeting-value {{ font-size: 104px; font-weight: 800; line-height: 1.1; }}
.meeting-label {{ font-size: 36px; font-weight: 700; color: {th.text}; white-space: nowrap; }}
.meeting-hero .meeting-label {{ font-size: 44px; }}
.meeting-grade {{
  font-size: 30px; font-weight: 700; color: {th.background} !important; padding: 2px 12px; border-radius: 6px;
  margin-right: 14px; white-space: nowrap;
}}
.meeting-delta {{ font-size: 28px; color: {th.muted}; line-height: 1.5; }}
.meeting-card .meeting-grade {{ display: inline-block; margin-bottom: 6px; }}
.meeting-hero .meeting-delta {{ font-size: 34px; }}
.meeting-progress {{
  font-size: 26px; color: {th.muted}; display: flex; justify-content: space-between; gap: 24px;
  margin-top: 6px;
}}
.meeting-progress b {{ color: {th.text}; }}
"""


def _controls_css(th: Theme) -> str:
    """The buttons and the interval control below the stage."""
    buttons = ", ".join(f".st-key-{key} button" for key in BUTTONS)
    inside = ", ".join(f".st-key-{key} *" for key in (*BUTTONS, "meeting_interval", "meeting_leave"))
    return f"""\
{buttons} {{
  background: {th.surface} !important; color: {th.text} !important; border: 2px solid {th.border} !important;
  min-height: 52px;
}}
{inside} {{ font-size: 24px !important; color: {th.text} !important; }}
.st-key-meeting_interval [role="group"] {{
  background: {th.surface} !important; border: 2px solid {th.border} !important; min-height: 52px;
}}
.st-key-meeting_interval svg {{ fill: {th.text} !important; }}
"""


def _init(views: tuple[str, ...]) -> None:
    query = st.query_params
    if THEME not in st.session_state:
        st.session_state[THEME] = meeting.theme(query.get("theme")).name
    if INTERVAL not in st.session_state:
        st.session_state[INTERVAL] = meeting.parse_interval(query.get("interval"))
    st.session_state.setdefault(VIEW, 0)
    st.session_state.setdefault(PAUSED, False)
    st.session_state.setdefault(CHANGED, time.time())
    if st.session_state[VIEW] >= len(views):
        st.session_state[VIEW] = 0


def _go(by: int, count: int) -> None:
    st.session_state[VIEW] = meeting.step(int(st.session_state.get(VIEW, 0)), count, by)
    st.session_state[CHANGED] = time.time()


def _pause() -> None:
    st.session_state[PAUSED] = not st.session_state.get(PAUSED, False)
    st.session_state[CHANGED] = time.time()


def _toggle_theme() -> None:
    st.session_state[THEME] = "light" if st.session_state.get(THEME) == "dark" else "dark"


def _street_name(ctx: Context) -> str:
    names = ctx.dataset.units.get_column("street_name").unique(maintain_order=True).to_list()
    return str(names[0]) if len(names) == 1 else t("meeting.streets", ctx.lang, n=len(names))


def _top_bar(ctx: Context) -> None:
    lang = ctx.lang
    demo = f'<span class="meeting-demo">{t("app.demo_badge", lang)}</span>' if ctx.marked_demo else ""
    context = " · ".join(
        [
            period_label(ctx.selection.period, lang),
            meeting.target_text(ctx.dataset.settings, lang),
            t("app.as_of", lang, as_of=f"{ctx.dataset.as_of:%Y-%m-%d %H:%M}"),
            basis_note(
                ctx.selection.period, ctx.dataset.as_of, ctx.dataset.settings, ctx.selection.basis, lang
            ),
        ]
    )
    st.markdown(
        f'<div class="meeting-top"><div><span class="meeting-street">{html_text(_street_name(ctx))}</span>'
        f"{demo}</div>"
        f'<div class="meeting-context">{html_text(context)}</div></div>',
        unsafe_allow_html=True,
    )


def _title(view: str, lang: Lang, subtitle: str = "") -> None:
    sub = f'<span class="meeting-subtitle">{html_text(subtitle)}</span>' if subtitle else ""
    st.markdown(
        f'<div class="meeting-title" data-view="{view}">{html_text(t(f"meeting.view_{view}", lang))}{sub}</div>',
        unsafe_allow_html=True,
    )


def _chart(ctx: Context, fig: Any, th: Theme, name: str) -> None:
    config = charts.chart_config(f"meeting_{name}", ctx.selection.period.key())
    if ctx.marked_demo:
        charts.mark_demo(fig, t("app.demo_badge", ctx.lang))
    st.plotly_chart(safe_figure(meeting.big_figure(fig, th, STAGE_HEIGHT)), width="stretch", config=config)


def _headline(ctx: Context, th: Theme) -> None:
    lang, dataset = ctx.lang, ctx.dataset
    _title("headline", lang, meeting.target_text(dataset.settings, lang))
    kpis = overview.headline(cache.totals(dataset, ctx.selection), ctx.selection, dataset)
    st.markdown(meeting.cards_html(meeting.cards(kpis, lang, th), th), unsafe_allow_html=True)


def _league(ctx: Context, th: Theme) -> None:
    lang, dataset = ctx.lang, ctx.dataset
    league = cache.league(dataset, ctx.selection)
    inside = league.filter(~pl.col("outside") & pl.col("resolution_rate").is_not_null())
    counts = {g: inside.filter(pl.col("grade") == g).height for g in ("green", "amber", "red")}
    _title("league", lang, t("meeting.league_counts", lang, **counts))
    _chart(ctx, charts.league_bar_chart(league, dataset.settings, lang), th, "league")


def _map(ctx: Context, th: Theme) -> None:
    lang, dataset = ctx.lang, ctx.dataset
    _title("map", lang, t("metric.resolution_rate.label", lang))
    m = cache.grid_map(dataset, ctx.selection, "resolution_rate", lang)
    m.get_root().header.add_child(  # type: ignore[attr-defined]
        Element(
            "<style>"
            f".leaflet-container{{background:{th.surface} !important}}"
            ".grid-legend{font-size:22px !important;line-height:1.5 !important}"
            ".grid-legend span{width:22px !important;height:22px !important}"
            ".leaflet-marker-icon div{font-size:20px !important}"
            "</style>"
        )
    )
    widgets.show_map(
        m,
        ctx,
        "meeting_grid_map",
        t("meeting.view_map", lang),
        height=STAGE_HEIGHT,
        use_container_width=True,
        returned_objects=[],
        key=f"meeting-map-{lang}-{th.name}",
    )


def _trend(ctx: Context, th: Theme) -> None:
    lang, dataset = ctx.lang, ctx.dataset
    _title("trend", lang, meeting.target_text(dataset.settings, lang))
    trend = overview.rate_trend(cache.totals(dataset, ctx.selection), ctx.selection)
    _chart(ctx, charts.rate_trend_chart(trend, dataset.settings, lang), th, "trend")


def _topics(ctx: Context, th: Theme) -> None:
    lang, dataset, selection = ctx.lang, ctx.dataset, ctx.selection
    issues = selection.issues(dataset)
    hot = trends.hot_topic(
        issues, selection.period, dataset.as_of, dataset.settings, data_start=data_start(dataset)
    )
    subtitle = trend_charts.hot_topic_title(hot, lang) if hot is not None else ""
    _title("topics", lang, subtitle)
    top = trends.top_categories(issues, selection.period, n=8)
    _chart(ctx, trend_charts.top_categories_chart(top, lang, hot), th, "topics")


DRAW = {"headline": _headline, "league": _league, "map": _map, "trend": _trend, "topics": _topics}


def _stage(ctx: Context, views: tuple[str, ...]) -> None:
    """The current view; on a timer tick, the next one when this one has been on long enough."""
    interval = int(st.session_state[INTERVAL])
    paused = bool(st.session_state[PAUSED])
    if meeting.due(time.time() - float(st.session_state[CHANGED]), interval, paused):
        _go(1, len(views))
    index = int(st.session_state[VIEW])
    th = meeting.theme(st.session_state[THEME])
    DRAW[views[index]](ctx, th)
    lang = ctx.lang
    state = t("meeting.paused", lang) if paused else t("meeting.playing", lang, seconds=interval)
    following = t(f"meeting.view_{views[meeting.step(index, len(views))]}", lang)
    st.markdown(
        f'<div class="meeting-progress" data-index="{index}"><span><b>{index + 1} / {len(views)}</b> · '
        f"{html_text(state)} · {html_text(t('meeting.next_view', lang, view=following))}</span>"
        f"<span>{html_text(t('meeting.keys', lang))}</span></div>",
        unsafe_allow_html=True,
    )


def _controls(ctx: Context, views: tuple[str, ...]) -> None:
    lang = ctx.lang
    paused = bool(st.session_state[PAUSED])
    prev, pause, nxt, interval, theme_col, _, leave = st.columns(
        [1.2, 1.2, 1.2, 1.5, 1.2, 2.5, 1.8], vertical_alignment="center"
    )
    prev.button(
        t("meeting.prev", lang),
        key="meeting_prev",
        icon=":material/chevron_left:",
        on_click=_go,
        args=(-1, len(views)),
        width="stretch",
    )
    pause.button(
        t("meeting.resume" if paused else "meeting.pause", lang),
        key="meeting_pause",
        icon=":material/play_arrow:" if paused else ":material/pause:",
        on_click=_pause,
        width="stretch",
    )
    nxt.button(
        t("meeting.next", lang),
        key="meeting_next",
        icon=":material/chevron_right:",
        on_click=_go,
        args=(1, len(views)),
        width="stretch",
    )
    choices = sorted({*meeting.INTERVAL_CHOICES, int(st.session_state[INTERVAL])})
    interval.selectbox(
        t("meeting.interval", lang),
        choices,
        key=INTERVAL,
        format_func=lambda s: t("meeting.every", lang, seconds=s),
        label_visibility="collapsed",
    )
    dark = st.session_state[THEME] == "dark"
    theme_col.button(
        t("meeting.light" if dark else "meeting.dark", lang),
        key="meeting_theme_toggle",
        icon=":material/light_mode:" if dark else ":material/dark_mode:",
        on_click=_toggle_theme,
        width="stretch",
    )
    leave.container(key="meeting_leave").page_link(
        "pages/overview.py", label=t("meeting.leave", lang), icon=":material/close:"
    )


def show(ctx: Context) -> None:
    """The whole meeting screen: top bar, the current view (auto-advancing), controls."""
    views = meeting.parse_views(st.query_params.get("views"))
    _init(views)
    th = meeting.theme(st.session_state[THEME])
    st.markdown(_css(th), unsafe_allow_html=True)
    st.html(KEYS_SCRIPT, unsafe_allow_javascript=True)
    _top_bar(ctx)
    paused = bool(st.session_state[PAUSED])
    interval = int(st.session_state[INTERVAL])
    stage = st.fragment(_stage, run_every=None if paused else interval)
    stage(ctx, views)
    _controls(ctx, views)
    set_query("interval", None if interval == meeting.DEFAULT_INTERVAL else str(interval))
    set_query("theme", "dark" if st.session_state[THEME] == "dark" else None)
