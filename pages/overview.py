"""Overview: the street's headline numbers against target, the trend and the community league table."""

import streamlit as st

from dashboard import overview
from dashboard.figures import charts, tables
from dashboard.i18n import t
from dashboard.metrics import keys_for
from dashboard.ui import cache, frame, widgets

ctx = frame.context("pages/overview.py")
lang, dataset, selection = ctx.lang, ctx.dataset, ctx.selection
settings = dataset.settings
frame.header(ctx, "overview.title")

totals = cache.totals(dataset, selection)
kpis = overview.headline(totals, selection, dataset)
widgets.kpi_cards(kpis, lang)
widgets.published_notes(ctx, kpis)
widgets.report_downloads(ctx)

left, right = st.columns([3, 2])
with left:
    st.subheader(t("overview.trend", lang))
    trend = overview.rate_trend(totals, selection)
    widgets.chart(charts.rate_trend_chart(trend, settings, lang), ctx, "resolution_trend")
    widgets.notes(tables.missing_notes(totals, keys_for("trend"), lang))
with right:
    st.subheader(t("overview.levels", lang))
    shares = overview.level_shares(totals, selection)
    gaps = tables.missing_notes(overview.period_row(totals, selection), overview.LEVEL_KEYS, lang)
    widgets.chart(charts.level_share_chart(shares, lang, gaps), ctx, "solving_levels")
    st.caption(t("overview.levels_help", lang))
    widgets.notes(gaps)

st.subheader(t("overview.league", lang))
league = cache.league(dataset, selection)
widgets.chart(charts.league_bar_chart(league, settings, lang), ctx, "community_league")
st.caption(t("overview.league_hint", lang))
display = tables.unit_table(league, "community_code", "community_name", keys_for("league"), settings, lang)
chosen = widgets.show_table(display, settings, select_key="league")
if chosen:
    widgets.go_to_community(chosen, "pages/grid_map.py")
