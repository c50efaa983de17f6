"""The heat map page's sections (streamlit glue; numbers, maps and tables from dashboard.heat)."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl
import streamlit as st

from dashboard import heat
from dashboard.core.boundaries import grid_at
from dashboard.core.periods import Period, period_label, steps
from dashboard.core.selection import IssueFilter
from dashboard.core.span import data_start
from dashboard.core.text import md_text
from dashboard.heat import map as heat_maps
from dashboard.heat import tables as heat_tables
from dashboard.i18n import t
from dashboard.metrics import in_period
from dashboard.ui import cache, widgets
from dashboard.ui.frame import Context, set_query

MODES = ("heat", "points", "grid")
STEPS = ("all", "month", "week")
MAX_POINTS = 3000


@dataclass(frozen=True)
class View:
    """What the map shows: a mode and the slice of the period."""

    mode: str
    period: Period


def _pick(key: str, options: tuple[str, ...], default: str) -> None:
    if key not in st.session_state:
        wanted = st.query_params.get(key)
        st.session_state[key] = wanted if wanted in options else default


def controls(ctx: Context) -> View:
    """Mode (heat, points, grid choropleth) and time slicing (whole period, by month, by week + slider)."""
    lang, period = ctx.lang, ctx.selection.period
    left, middle, right = st.columns([2, 2, 3], vertical_alignment="bottom")
    _pick("heat_mode", MODES, "heat")
    mode = str(
        left.radio(
            t("heatmap.mode", lang),
            MODES,
            key="heat_mode",
            horizontal=True,
            format_func=lambda m: t(f"heatmap.mode_{m}", lang),
        )
    )
    _pick("heat_step", STEPS, "all")
    step = str(
        middle.radio(
            t("heatmap.step", lang),
            STEPS,
            key="heat_step",
            horizontal=True,
            format_func=lambda s: t(f"heatmap.step_{s}", lang),
        )
    )
    set_query("heat_mode", mode)
    set_query("heat_step", step)
    if step == "all":
        return View(mode, period)
    parts = steps(period, step)
    if len(parts) == 1:
        return View(mode, parts[0])
    chosen = right.select_slider(
        t("heatmap.slider", lang),
        options=[p.key() for p in parts],
        format_func=lambda k: period_label(next(p for p in parts if p.key() == k), lang),
        key=f"heat_slice_{step}_{period.key()}",
    )
    return View(mode, next(p for p in parts if p.key() == chosen))


def _selected(ctx: Context, issue_filter: IssueFilter, period: Period) -> pl.DataFrame:
    issues = issue_filter.apply(ctx.selection.issues(ctx.dataset))
    return in_period(issues.filter(pl.col("status") != "invalid"), period)


def map_view(ctx: Context, issue_filter: IssueFilter, view: View) -> pl.DataFrame | None:
    """Draw the map; return the issues of the clicked place (cell or grid), if any."""
    lang, dataset, selection = ctx.lang, ctx.dataset, ctx.selection
    chosen = _selected(ctx, issue_filter, view.period)
    mode = view.mode
    if mode == "points" and chosen.height > MAX_POINTS:
        st.info(t("heatmap.too_many_points", lang, n=f"{chosen.height:,}", max=f"{MAX_POINTS:,}"))
        mode = "heat"
    resolution = heat.resolution_for_area(cache.area_km2(dataset, selection))
    cells = heat.aggregate(chosen, resolution)
    st.caption(
        t(
            "heatmap.summary",
            lang,
            period=period_label(view.period, lang),
            n=f"{chosen.height:,}",
            located=f"{int(cells.get_column('count').sum() or 0):,}",
            cells=f"{cells.height:,}",
        )
    )
    args = (dataset.grids, dataset.communities, dataset.streets, dataset.settings, lang)
    if mode == "heat":
        m = heat_maps.heat_map(heat.heat_payload(cells), *args, focus=selection.community_codes)
    elif mode == "points":
        m = heat_maps.points_map(chosen, *args, focus=selection.community_codes)
    else:
        m = cache.grid_map(
            dataset,
            selection,
            "issues_per_1000",
            lang,
            issues=issue_filter.apply(dataset.issues),
            period=view.period,
        )
    st.caption(t("heatmap.click_hint", lang))
    clicked = widgets.show_map(
        m,
        ctx,
        f"heatmap_{mode}",
        f"{t('heatmap.title', lang)} · {t(f'heatmap.mode_{mode}', lang)}",
        height=600,
        use_container_width=True,
        returned_objects=["last_clicked"],
        key=f"heat-{mode}-{lang}",
    )
    point = (clicked or {}).get("last_clicked")
    if not point:
        return None
    lat, lon = float(point["lat"]), float(point["lng"])
    if mode == "heat":
        cell = heat.cell_of(lat, lon, resolution)
        st.session_state["heat_place"] = t("heatmap.cell", lang, cell=cell)
        return heat.issues_in_cell(chosen, cell, resolution)
    [code] = grid_at(dataset.grids, [lon], [lat])
    if code is None:
        return None
    name = dataset.units.filter(pl.col("grid_code") == code).get_column("grid_name")[0]
    st.session_state["heat_place"] = name
    return chosen.filter(pl.col("grid_code") == code)


def cases(ctx: Context, found: pl.DataFrame | None) -> None:
    """The clicked place's issues, with CSV and Excel downloads (personal data masked unless chosen)."""
    lang = ctx.lang
    if found is None:
        st.caption(t("heatmap.cases_none", lang))
        return
    st.markdown(f"#### {t('heatmap.cases', lang, place=md_text(st.session_state.get('heat_place', '')))}")
    widgets.case_list(found, ctx, key="heat")


def hotspot_sections(ctx: Context, issue_filter: IssueFilter) -> None:
    """Repeat locations, top grids and emerging hot spots, with the method in plain words."""
    lang, dataset, selection = ctx.lang, ctx.dataset, ctx.selection
    issues = issue_filter.apply(selection.issues(dataset))
    st.subheader(t("heatmap.hotspots", lang))
    days, radius, minimum = 90, 50, 3
    st.markdown(f"#### {t('heatmap.repeat', lang, days=days, radius=radius, n=minimum)}")
    repeat = heat.repeat_locations(issues, dataset.as_of, days=days, radius_m=radius, min_count=minimum)
    widgets.show_table(heat_tables.repeat_table(repeat, lang), dataset.settings, rows=10)
    left, right = st.columns(2)
    with left:
        st.markdown(f"#### {t('heatmap.top_grids', lang)}")
        top = heat.top_grids(issues, selection.units(dataset), selection.period)
        widgets.show_table(heat_tables.top_grid_table(top, lang), dataset.settings, rows=10)
    with right:
        st.markdown(f"#### {t('heatmap.emerging', lang)}")
        months, alpha, min_count = 6, 0.01, 5
        emerging_spots(ctx, issues, months, alpha, min_count)
        with st.expander(t("heatmap.method", lang)):
            st.markdown(t("heatmap.method_text", lang, months=months, alpha=alpha, min=min_count))
            st.markdown(t("heatmap.method_history", lang, min=dataset.settings.emerging_min_history_months))


def emerging_spots(ctx: Context, issues: pl.DataFrame, months: int, alpha: float, min_count: int) -> None:
    """Emerging hot spots, or why there are none: too short a history before the period, or no jump."""
    lang, dataset, selection = ctx.lang, ctx.dataset, ctx.selection
    start, minimum = data_start(dataset), dataset.settings.emerging_min_history_months
    rising = heat.emerging(
        issues,
        selection.units(dataset),
        selection.period,
        months,
        alpha,
        min_count,
        data_start=start,
        min_history_months=minimum,
    )
    flagged = rising.filter(pl.col("flagged"))
    history = 0 if start is None else heat.history_months(selection.period, start)
    if history < minimum:
        date = "—" if start is None else start.date()
        st.info(t("heatmap.emerging_short", lang, date=date, months=history, min=minimum))
    elif flagged.is_empty():
        st.success(t("heatmap.no_emerging", lang))
    else:
        widgets.show_table(heat_tables.emerging_table(flagged, lang), dataset.settings, rows=10)
