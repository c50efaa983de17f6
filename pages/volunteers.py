"""Volunteers: who serves where, how far service points reach, and where the gaps are."""

import streamlit as st

from dashboard.ui import frame, volunteers

ctx = frame.context("pages/volunteers.py")
frame.header(ctx, "volunteer_map.title")
volunteers.headline(ctx)
volunteers.coverage_map(ctx)
volunteers.by_community(ctx)
st.divider()
volunteers.gaps(ctx)
st.divider()
volunteers.service(ctx)
st.divider()
volunteers.special(ctx)
