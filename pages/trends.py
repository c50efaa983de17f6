"""Trends: counts and rates over time, year on year, weekly rhythm, seasons, and the month's hot topic."""

import streamlit as st

from dashboard.ui import frame, trends, widgets

ctx = frame.context("pages/trends.py")
frame.header(ctx, "trends.title")
issue_filter = widgets.issue_filter(ctx)
issues = trends.filtered(ctx, issue_filter)
trends.hot_topic(ctx, issues)
choice = trends.controls(ctx)
found = trends.trend(ctx, issues, choice)
widgets.scope_notes(ctx, (choice.metric,))
trends.cases(ctx, found)
st.divider()
trends.patterns(ctx, issues, choice)
