"""The volunteer page's sections (streamlit glue; numbers from dashboard.volunteers and service_stats)."""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboard import volunteers
from dashboard.core.formatting import format_count
from dashboard.core.loading import Dataset
from dashboard.core.text import md_text
from dashboard.i18n import Lang, t
from dashboard.metrics import keys_for, volunteer_metric
from dashboard.ui import cache, widgets
from dashboard.ui.frame import Context, set_query
from dashboard.volunteers import charts as volunteer_charts
from dashboard.volunteers import map as volunteer_map
from dashboard.volunteers import service_stats
from dashboard.volunteers import tables as volunteer_tables
from dashboard.volunteers.coverage import UnitBy

MAP_VALUES = {
    "active_per_1000": "volunteer_map.value_active",
    "volunteers_per_1000": "volunteer_map.value_volunteers",
    "service_point_coverage_share": "volunteer_map.value_coverage",
    "quadrant": "volunteer.quadrant",
}


def headline(ctx: Context) -> pl.DataFrame:
    """The six headline numbers for the selection (communities chosen, else every street together)."""
    lang, dataset, selection = ctx.lang, ctx.dataset, ctx.selection
    if selection.community_codes:
        frame = cache.volunteer_metrics(dataset, "community", selection.period)
        frame = frame.filter(pl.col("community_code").is_in(list(selection.community_codes)))
    else:
        frame = cache.volunteer_metrics(dataset, "street", selection.period)
    totals = service_stats.totals(frame)
    reasons = volunteers.missing_reasons(dataset, frame, lang)
    columns = st.columns(len(keys_for("volunteer_headline")))
    for column, key in zip(columns, keys_for("volunteer_headline"), strict=True):
        spec = volunteer_metric(key)
        reason = reasons.get(key) if totals[key] is None else None
        help_text = f"{spec.help(lang)}\n\n{spec.formula(lang)}"
        column.metric(
            spec.label(lang) if reason is None else f"{spec.label(lang)} :gray-badge[{reason}]",
            spec.format(totals[key], lang),
            help=help_text
            if reason is None
            else f"{t('common.missing_value', lang, reason=reason)}\n\n{help_text}",
            border=True,
        )
    return frame


def _map_value(lang: Lang) -> str:
    """The measure the map shows, chosen above it (kept in the address as ``vol_value``)."""
    if "vol_value" not in st.session_state:
        wanted = st.query_params.get("vol_value")
        st.session_state["vol_value"] = wanted if wanted in MAP_VALUES else "service_point_coverage_share"
    value = str(
        st.radio(
            t("volunteer_map.map_value", lang),
            list(MAP_VALUES),
            key="vol_value",
            horizontal=True,
            format_func=lambda k: t(MAP_VALUES[k], lang),
        )
    )
    set_query("vol_value", value)
    return value


def _grid_values(ctx: Context, value: str) -> tuple[pl.DataFrame, dict[str, tuple[str, str]] | None]:
    """Per grid, the values to colour by; for the quadrant map also its classes (colour, label)."""
    if value != "quadrant":
        return cache.volunteer_metrics(ctx.dataset, "grid", ctx.selection.period), None
    categories = {
        q: (c, volunteers.quadrant_label(q, ctx.lang)) for q, c in volunteer_charts.QUADRANT_COLORS.items()
    }
    return volunteers.gap_table(ctx.dataset, ctx.selection.period), categories


def _service_points(dataset: Dataset) -> pl.DataFrame:
    """The service points, or an empty table of their columns when there are none."""
    if dataset.service_points is not None:
        return dataset.service_points
    return pl.DataFrame(
        schema={"name": pl.String, "point_type": pl.String, "lon": pl.Float64, "lat": pl.Float64}
    )


def _suggestion(
    site: volunteers.Suggestion | None, gaps: tuple[volunteers.Gap, ...], lang: Lang
) -> tuple[float, float, str] | None:
    """The suggested site for the map (lon, lat, text), told above the map too (or that none is needed).

    Without service points or residents the page says so: it never claims full coverage then.
    """
    for gap in gaps:
        st.info(t(f"volunteer.no_{gap}", lang))
    if site is None:
        if not gaps:
            st.success(t("volunteer.suggestion_none", lang, metres=800))
        return None
    n = format_count(round(site.added_residents), lang)
    text = t("volunteer_map.suggestion", lang, n=n, grid=site.grid_name)
    st.info("★ " + t("volunteer_map.suggestion", lang, n=n, grid=md_text(site.grid_name)))
    return (site.lon, site.lat, text)


def coverage_map(ctx: Context) -> None:
    """Grids coloured by a volunteer measure, service points with 5/10/15-minute circles, the suggested site."""
    lang, dataset, selection = ctx.lang, ctx.dataset, ctx.selection
    st.subheader(t("volunteer_map.coverage_title", lang))
    value = _map_value(lang)
    grids_frame, categories = _grid_values(ctx, value)
    circles, uncovered, site = cache.coverage_layers(dataset)
    gaps = volunteers.reach_gaps(dataset)
    if "service_points" in gaps:
        uncovered = uncovered.iloc[0:0]  # without service points nothing is "uncovered": reach is unknown
    spec = volunteer_metric("service_point_coverage_share" if value == "quadrant" else value)
    suggestion = _suggestion(site, gaps, lang)
    reason = None if categories else volunteers.missing_reasons(dataset, grids_frame, lang).get(value)
    m = volunteer_map.coverage_map(
        dataset.grids,
        grids_frame,
        value,
        t(MAP_VALUES[value], lang),
        lambda v: spec.format(v, lang),
        circles,
        uncovered,
        _service_points(dataset),
        suggestion,
        dataset.communities,
        dataset.streets,
        dataset.settings,
        lang,
        focus=selection.community_codes,
        categories=categories,
        missing_reason=reason,
    )
    widgets.show_map(
        m,
        ctx,
        f"volunteer_map_{value}",
        t(MAP_VALUES[value], lang),
        height=620,
        use_container_width=True,
        returned_objects=[],
        key=f"vol-map-{lang}-{value}",
    )
    _unplaced_note(ctx)
    st.caption(
        t("volunteer.coverage_method", lang, metres=800, minutes=10)
        + " "
        + t("volunteer.suggestion_method", lang)
    )


def by_community(ctx: Context) -> None:
    """Every community's volunteers, service and reach (its grids when communities are chosen)."""
    lang, dataset, selection = ctx.lang, ctx.dataset, ctx.selection
    by: UnitBy = "grid" if selection.community_codes else "community"
    frame = cache.volunteer_metrics(dataset, by, selection.period)
    if selection.community_codes:
        frame = frame.filter(pl.col("community_code").is_in(list(selection.community_codes)))
    st.markdown(f"#### {t('volunteer_map.by_unit', lang, unit=t(f'common.unit_{by}', lang))}")
    reasons = volunteers.missing_reasons(dataset, frame, lang)
    widgets.show_table(
        volunteer_tables.volunteer_unit_table(frame, by, keys_for("volunteer_units"), lang, reasons),
        dataset.settings,
        rows=12,
    )
    if by == "grid":
        _unplaced_note(ctx)


def _unplaced_note(ctx: Context) -> None:
    """The volunteers and hours placed only at community or street level, which no grid shows."""
    selection = ctx.selection
    above = cache.volunteers_above_grids(ctx.dataset, selection.period, tuple(selection.community_codes))
    note = volunteer_tables.unplaced_note(above, ctx.lang)
    if note:
        st.caption(note)  # catalog text and counts only, no text from the data


def gaps(ctx: Context) -> None:
    """Demand against supply: the quadrant chart and the grids with many issues and little service."""
    lang, dataset, selection = ctx.lang, ctx.dataset, ctx.selection
    st.subheader(t("volunteer_map.gap_title", lang))
    table = volunteers.gap_table(dataset, selection.period)
    if selection.community_codes:
        table = table.filter(pl.col("community_code").is_in(list(selection.community_codes)))
    st.markdown(f"#### {t('volunteer_map.quadrant_title', lang)}")
    widgets.chart(
        volunteer_charts.quadrant_chart(table, "issues_per_1000", "active_per_1000", lang),
        ctx,
        "demand_and_supply",
    )
    st.caption(t("volunteer.quadrant_help", lang))
    worst = table.filter(pl.col("quadrant") == "high_demand_low_supply")
    widgets.show_table(volunteer_tables.gap_display(worst, lang), dataset.settings, rows=12)


def service(ctx: Context) -> None:
    """Hours over the last 12 months, service types and teams (no names)."""
    lang, dataset, selection = ctx.lang, ctx.dataset, ctx.selection
    if dataset.service_records is None or dataset.volunteers is None:
        return
    records = dataset.service_records
    left, right = st.columns(2)
    with left:
        st.markdown(f"#### {t('volunteer_map.hours_trend', lang)}")
        widgets.chart(
            volunteer_charts.hours_chart(service_stats.monthly_hours(records, selection.period), lang),
            ctx,
            "service_hours",
        )
    with right:
        st.markdown(f"#### {t('volunteer_map.types_title', lang)}")
        widgets.chart(
            volunteer_charts.types_chart(service_stats.by_type(records, selection.period), lang),
            ctx,
            "service_types",
        )
    st.markdown(f"#### {t('volunteer_map.teams_title', lang)}")
    teams = service_stats.teams(dataset.volunteers, records, selection.period)
    widgets.show_table(volunteer_tables.team_table(teams, lang), dataset.settings, rows=10)


def special(ctx: Context) -> None:
    lang = ctx.lang
    st.subheader(t("volunteer_map.special_title", lang))
    result = volunteers.special_groups(ctx.dataset, ctx.selection.period)
    if not result.available:
        st.info(t("volunteer.special_unavailable", lang))
        st.caption(
            t("volunteer.special_missing", lang, items=t("volunteer_map.list_sep", lang).join(result.missing))
        )
        st.caption(t("volunteer.special_how", lang))
        return
    if result.summary is not None:
        st.dataframe(result.summary.to_pandas(), hide_index=True, width="stretch")
