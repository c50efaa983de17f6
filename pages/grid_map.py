"""Grid map: street → community → grid boundaries coloured by any registry metric."""

import streamlit as st

from dashboard.figures import tables
from dashboard.i18n import t
from dashboard.metrics import METRICS
from dashboard.ui import cache, frame, widgets

ctx = frame.context("pages/grid_map.py")
lang, dataset, selection = ctx.lang, ctx.dataset, ctx.selection
frame.header(ctx, "map.title")

picker, hint = st.columns([1, 2], vertical_alignment="bottom")
with picker:
    key = widgets.metric_picker(lang)
hint.caption(t("map.hint", lang))
st.caption(f"**{METRICS[key].label(lang)}**: {METRICS[key].help(lang)}")

m = cache.grid_map(dataset, selection, key, lang)
widgets.show_map(
    m,
    ctx,
    f"grid_map_{key}",
    METRICS[key].label(lang),
    height=640,
    use_container_width=True,
    returned_objects=[],
    key=f"grid-map-{lang}",
)
widgets.notes(tables.unplaced_note(cache.unplaced_rows(dataset, selection), lang))

st.subheader(t("map.grid_table", lang))
grids = tables.unit_table(
    cache.grid_rows(dataset, selection, key),
    "grid_code",
    "grid_name",
    (
        "issue_count",
        "issues_per_1000",
        "resolution_rate",
        "on_time_rate",
        "satisfaction_rate",
        "overdue_open_count",
    ),
    dataset.settings,
    lang,
    parent=("community_name", "common.unit_community"),
)
widgets.show_table(grids, dataset.settings)
