"""Closed loop: resolution against target per community, the loop itself, what is behind a red number,
departments, grid workers and the composite score."""

import streamlit as st

from dashboard.i18n import t
from dashboard.ui import closed_loop, frame

ctx = frame.context("pages/closed_loop.py")
lang = ctx.lang
frame.header(ctx, "loop.title")
by = closed_loop.unit_picker(ctx)

league_tab, flow_tab, behind_tab, departments_tab, workers_tab, score_tab = st.tabs(
    [
        t("loop.tab_league", lang),
        t("loop.tab_flow", lang),
        t("loop.tab_behind", lang),
        t("loop.tab_departments", lang),
        t("loop.tab_workers", lang),
        t("loop.tab_score", lang),
    ]
)
with league_tab:
    league = closed_loop.league(ctx, by)
with flow_tab:
    closed_loop.flow(ctx)
with behind_tab:
    closed_loop.behind(ctx)
    closed_loop.shortfall(ctx, league, by)
with departments_tab:
    closed_loop.departments(ctx)
with workers_tab:
    closed_loop.workers(ctx)
with score_tab:
    closed_loop.score(ctx, league, by)
closed_loop.metric_help(ctx)
