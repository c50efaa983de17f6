"""Complaint heat map: where issues cluster, filtered by period, category, source and status; hot spots."""

import streamlit as st

from dashboard.ui import frame, heat, widgets

ctx = frame.context("pages/heatmap.py")
frame.header(ctx, "heatmap.title")
issue_filter = widgets.issue_filter(ctx)
view = heat.controls(ctx)
found = heat.map_view(ctx, issue_filter, view)
heat.cases(ctx, found)
st.divider()
heat.hotspot_sections(ctx, issue_filter)
