"""Complaint heat map: where issues cluster, filtered by period, category, source and status; hot spots."""

import streamlit as st

from dashboard.ui import frame, heatmap, widgets

ctx = frame.context("pages/heatmap.py")
frame.header(ctx, "heatmap.title")
issue_filter = widgets.issue_filter(ctx)
view = heatmap.controls(ctx)
found = heatmap.map_view(ctx, issue_filter, view)
heatmap.cases(ctx, found)
st.divider()
heatmap.hotspot_sections(ctx, issue_filter)
widgets.scope_notes(ctx, ("issues_per_1000",))
