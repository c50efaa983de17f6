"""Volunteers: who serves where, how far service points reach, and where the gaps are."""

import streamlit as st

from dashboard.ui import frame, volunteer

ctx = frame.context("pages/volunteers.py")
frame.header(ctx, "volunteer_map.title")
volunteer.headline(ctx)
volunteer.coverage_map(ctx)
volunteer.by_community(ctx)
st.divider()
volunteer.gaps(ctx)
st.divider()
volunteer.service(ctx)
st.divider()
volunteer.special(ctx)
