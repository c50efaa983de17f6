"""The closed-loop page's sections (streamlit glue; the numbers come from dashboard.closed_loop)."""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboard import closed_loop
from dashboard.closed_loop import lifecycle, lifecycle_charts
from dashboard.closed_loop import tables as loop_tables
from dashboard.core.formatting import format_percent
from dashboard.core.periods import period_label
from dashboard.core.text import md_text
from dashboard.figures import charts, tables
from dashboard.i18n import t
from dashboard.metrics import METRICS, REGISTRY, Unit, keys_for, unit_columns
from dashboard.ui import cache, widgets
from dashboard.ui.frame import Context

MAX_SMALL_MULTIPLES = 40


def unit_picker(ctx: Context) -> Unit:
    """Rank streets, communities or grids (grids: those of the chosen communities)."""
    options = closed_loop.league_units(ctx.dataset)
    chosen = st.radio(
        t("loop.rank_by", ctx.lang),
        options,
        key="loop_by",
        horizontal=True,
        format_func=lambda u: t(f"common.unit_{u}", ctx.lang),
    )
    return next((u for u in options if u == chosen), options[0])


def league(ctx: Context, by: Unit) -> pl.DataFrame:
    """Red and black lists, the league table and the small multiples; returns the league."""
    lang, dataset, selection = ctx.lang, ctx.dataset, ctx.selection
    settings = dataset.settings
    table = cache.loop_league(dataset, selection, by)
    lists = closed_loop.red_black(table)
    code, name = unit_columns(by)
    red, black = st.columns(2)
    for column, frame, title in ((red, lists.red, "loop.red_list"), (black, lists.black, "loop.black_list")):
        with column:
            st.markdown(f"#### {t(title, lang, n=5)}")
            widgets.show_table(
                tables.unit_table(frame, code, name, ("resolution_rate", "issue_count"), settings, lang),
                settings,
            )
    st.caption(t("loop.red_black_note", lang, n=settings.small_sample, left=lists.left_out))

    st.markdown(f"#### {t('loop.league', lang, period=period_label(selection.period, lang))}")
    widgets.show_table(loop_tables.league_table(table, by, keys_for("loop_league"), settings, lang), settings)

    order = table.get_column(code).to_list()
    if len(order) > MAX_SMALL_MULTIPLES:
        st.caption(t("loop.too_many_units", lang, n=len(order), max=MAX_SMALL_MULTIPLES))
        return table
    series = cache.loop_series(dataset, selection, by)
    ranked = series.with_columns(
        pl.col(code).replace_strict({c: i for i, c in enumerate(order)}, default=len(order)).alias("_o")
    )
    st.markdown(
        f"#### {t('loop.small_multiples', lang, unit=t(f'common.unit_{by}', lang), months=24, target=format_percent(settings.target, 0))}"
    )
    figure = charts.small_multiples_chart(ranked.sort("_o", "period"), code, name, settings, lang)
    widgets.chart(figure, ctx, f"{by}_resolution_24_months")
    return table


def departments(ctx: Context) -> None:
    st.caption(t("loop.departments_note", ctx.lang))
    frame = closed_loop.departments(ctx.dataset, ctx.selection)
    widgets.show_table(
        loop_tables.department_table(frame, ctx.dataset.settings, ctx.lang), ctx.dataset.settings
    )


def workers(ctx: Context) -> None:
    st.caption(t("loop.workers_note", ctx.lang))
    frame = closed_loop.grid_workers(ctx.dataset, ctx.selection)
    widgets.show_table(loop_tables.worker_table(frame, ctx.dataset.settings, ctx.lang), ctx.dataset.settings)
    widgets.scope_notes(ctx, ("grid_level_share",))


def score(ctx: Context, table: pl.DataFrame, by: Unit) -> None:
    lang, settings = ctx.lang, ctx.dataset.settings
    parts = " + ".join(
        f"{weight:g} × "
        + (
            f"(1 − {METRICS[key].label(lang)})"
            if not METRICS[key].higher_is_better
            else METRICS[key].label(lang)
        )
        for key, weight in settings.score_weights.items()
    )
    st.info(t("loop.score_formula", lang, parts=parts))
    widgets.show_table(loop_tables.score_table(table, by, settings, lang), settings)


def shortfall(ctx: Context, table: pl.DataFrame, by: Unit) -> None:
    """What pulls the chosen unit below target, by category and by grid."""
    lang, dataset, selection = ctx.lang, ctx.dataset, ctx.selection
    code, name = unit_columns(by)
    names = dict(zip(table.get_column(code), table.get_column(name), strict=True))
    worst = table.sort("resolution_rate", nulls_last=True).get_column(code).to_list()
    unit = st.selectbox(
        t("loop.shortfall_unit", lang), worst, format_func=lambda c: names.get(c, c), key="shortfall_unit"
    )
    issues = selection.issues(dataset).filter(pl.col(code) == unit)
    by_category = closed_loop.shortfall(
        issues, selection.period, "category", dataset, as_of=selection.as_of(dataset)
    )
    gap = closed_loop.total_shortfall(by_category)
    message = "loop.shortfall" if gap > 0 else "loop.shortfall_ok"
    (st.warning if gap > 0 else st.success)(
        t(message, lang, unit=md_text(names.get(unit, unit)), gap=f"{abs(gap):.1f}")
    )
    st.caption(t("loop.shortfall_help", lang))
    left, right = st.columns(2)
    for column, key in ((left, "category"), (right, "grid_code")):
        frame = (
            by_category
            if key == "category"
            else closed_loop.shortfall(issues, selection.period, key, dataset, as_of=selection.as_of(dataset))
        )
        with column:
            st.markdown(f"#### {t(f'loop.by_{key}', lang)}")
            widgets.chart(charts.shortfall_chart(frame, key, lang), ctx, f"shortfall_by_{key}")
            widgets.show_table(loop_tables.shortfall_table(frame, key, lang), dataset.settings, rows=10)


def metric_help(ctx: Context) -> None:
    """Every definition, straight from the registry."""
    with st.expander(t("loop.help", ctx.lang)):
        for spec in REGISTRY:
            st.markdown(
                f"**{spec.label(ctx.lang)}** (`{spec.key}`): {spec.formula(ctx.lang)}  \n{spec.help(ctx.lang)}"
            )


def flow(ctx: Context) -> None:
    """The period's issues through the loop, where they were solved, and how long it took."""
    lang, dataset, selection = ctx.lang, ctx.dataset, ctx.selection
    issues = selection.issues(dataset)
    left, right = st.columns(2)
    with left:
        st.markdown(f"#### {t('lifecycle.funnel_title', lang)}")
        stages = lifecycle.funnel(issues, selection.period, selection.as_of(dataset), dataset.settings)
        widgets.chart(lifecycle_charts.funnel_chart(stages, lang), ctx, "closed_loop_funnel")
    with right:
        st.markdown(f"#### {t('lifecycle.level_mix_title', lang)}")
        mix = lifecycle.level_mix(issues, selection.period, selection.as_of(dataset), dataset.settings)
        widgets.chart(lifecycle_charts.level_mix_chart(mix, lang), ctx, "solving_levels_by_unit")
        widgets.scope_notes(ctx, ("grid_level_share", "community_level_share"))
    st.markdown(f"#### {t('lifecycle.finish_time_title', lang)}")
    hours = lifecycle.finish_hours_by_category(
        issues, selection.period, selection.as_of(dataset), dataset.settings
    )
    widgets.chart(lifecycle_charts.finish_time_chart(hours, lang), ctx, "time_to_finish")


def behind(ctx: Context) -> None:
    """Open issues by age, overdue first; a click shows the issue's timeline."""
    lang, dataset, selection = ctx.lang, ctx.dataset, ctx.selection
    open_issues = lifecycle.ageing(selection.issues(dataset), dataset.as_of, dataset.settings)
    st.markdown(f"#### {t('lifecycle_list.open_title', lang)}")
    summary = lifecycle.ageing_summary(open_issues)
    widgets.chart(lifecycle_charts.ageing_chart(summary, lang), ctx, "open_issues_by_age")
    pick, overdue = st.columns([3, 1], vertical_alignment="bottom")
    buckets = pick.multiselect(
        t("lifecycle_list.buckets", lang),
        lifecycle.AGE_BUCKETS,
        key="open_buckets",
        format_func=lambda b: t(f"lifecycle.bucket_{b.replace('-', '_').replace('+', '_plus')}", lang),
    )
    overdue_only = overdue.checkbox(t("lifecycle_list.overdue_only", lang), key="open_overdue")
    shown = closed_loop.filter_open(open_issues, buckets, overdue_only)
    st.caption(t("lifecycle_list.pick_issue", lang))
    chosen = widgets.show_table(
        loop_tables.open_issue_table(shown, lang), dataset.settings, select_key="open_issues", rows=12
    )
    if chosen:
        st.markdown(f"#### {t('lifecycle_list.timeline', lang, issue=md_text(chosen))}")
        events = lifecycle.timeline(selection.issues(dataset), chosen)
        widgets.show_table(loop_tables.timeline_table(events, lang), dataset.settings, rows=10)
