"""Streamlit widgets shared by pages: KPI cards, ranked tables, metric pickers."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import Any

import folium
import polars as pl
import streamlit as st
from streamlit_folium import st_folium

from dashboard.core.formatting import format_count
from dashboard.core.periods import period_label
from dashboard.core.selection import IssueFilter, filter_options, issue_filter_from_query
from dashboard.core.settings import Settings
from dashboard.core.text import safe_figure
from dashboard.figures import charts
from dashboard.figures.tables import DisplayTable, missing_notes
from dashboard.i18n import Lang, label, t
from dashboard.maps import assets as map_assets
from dashboard.metrics import METRIC_KEYS, METRICS, PERIOD, Kpi
from dashboard.outputs import export
from dashboard.outputs.report import published
from dashboard.ui import access, cache
from dashboard.ui.frame import PENDING_COMMUNITIES, Context, set_query

GRADE_BADGE = {"green": "green", "amber": "orange", "red": "red", "none": "gray"}


def _kpi_help(kpi: Kpi, lang: Lang) -> str:
    spec = METRICS[kpi.key]
    text = f"{spec.help(lang)}\n\n{spec.formula(lang)}"
    reason = kpi.reason(lang)
    if reason is not None:
        return f"{t('common.missing_value', lang, reason=reason)}\n\n{text}"
    if spec.is_rate and kpi.denominator is not None:
        text += f"\n\n{format_count(kpi.numerator, lang)} / {format_count(kpi.denominator, lang)}"
    return text


def _kpi_label(kpi: Kpi, lang: Lang) -> str:
    """The card's label with its grade badge; a missing value gets a grey badge with its reason instead."""
    spec = METRICS[kpi.key]
    label = spec.label(lang)
    reason = kpi.reason(lang)
    if reason is not None:
        return f"{label} :{GRADE_BADGE['none']}-badge[{reason}]"
    if spec.graded and kpi.grade != "none":
        label += f" :{GRADE_BADGE[kpi.grade]}-badge[{t(f'common.grade_{kpi.grade}', lang)}]"
    return label


def kpi_cards(kpis: Sequence[Kpi], lang: Lang, per_row: int = 3) -> None:
    """Big numbers with their grade against target, the change from last period and a sparkline.

    A value the data cannot give shows "—" with the reason in a grey badge, never a grade.
    """
    for start in range(0, len(kpis), per_row):
        columns = st.columns(per_row)
        for column, kpi in zip(columns, kpis[start : start + per_row], strict=False):
            spec = METRICS[kpi.key]
            trend = [v for v in kpi.trend if v is not None]
            column.metric(
                _kpi_label(kpi, lang),
                kpi.text(lang),
                delta=kpi.delta(lang),
                delta_color="off" if kpi.flat else "normal" if spec.higher_is_better else "inverse",
                help=_kpi_help(kpi, lang),
                border=True,
                chart_data=trend if len(trend) > 1 else None,
                chart_type="line",
            )


def notes(lines: Sequence[str]) -> None:
    """Small print under a table or chart (which metrics are "—" for want of data, and why)."""
    for line in lines:
        st.caption(line)


def scope_notes(ctx: Context, keys: Sequence[str]) -> None:
    """The notes for metrics of ``keys`` the selection's data cannot give in the chosen period."""
    totals = cache.totals(ctx.dataset, ctx.selection)
    notes(missing_notes(totals.filter(pl.col(PERIOD) == ctx.selection.period.key()), keys, ctx.lang))


def published_notes(ctx: Context, kpis: Sequence[Kpi]) -> None:
    """Below the KPI cards, each value the month's report published differently (``report.published_item``:
    ``Resolution rate: published 93.1% (6 Nov)``).

    The last report of the selected period, communities and basis
    (:mod:`dashboard.outputs.report.published`) against the cards as shown; nothing when they agree.
    """
    selection, lang = ctx.selection, ctx.lang
    record = published.latest(
        ctx.dataset.root, selection.period.key(), selection.community_codes, selection.basis
    )
    changed = published.differences(record, kpis) if record is not None else []
    if record is None or not changed:
        return
    items = [
        t("report.published_item", lang, label=METRICS[d.key].label(lang), note=published.note(d, lang))
        for d in changed
    ]
    when = record.written_at.isoformat(sep=" ", timespec="minutes")
    st.caption(
        " · ".join(items),
        help=t("report.published_help", lang, when=when, version=record.data_version),
    )


def chart(figure: Any, ctx: Context, name: str, **kwargs: Any) -> Any:
    """Draw a plotly figure with the dashboard's modebar: PNG download named ``<name>_<period>.png``.

    In demo mode (or on demo data) the chart says so in its corner, on screen and in the PNG.
    """
    config = charts.chart_config(name, ctx.selection.period.key())
    figure = safe_figure(figure)
    if ctx.marked_demo:
        charts.mark_demo(figure, t("app.demo_badge", ctx.lang))
    return st.plotly_chart(figure, width="stretch", config=config, **kwargs)


def show_map(m: folium.Map, ctx: Context, name: str, title: str, **kwargs: Any) -> Any:
    """Draw a folium map whose PNG button saves ``<name>_<period>.png`` captioned with the street, ``title`` and period."""
    control = map_assets.png_control(m)
    if control is not None:
        streets = ctx.dataset.units.get_column("street_name").unique(maintain_order=True).to_list()
        where = str(streets[0]) if len(streets) == 1 else ""
        parts = [where, title, period_label(ctx.selection.period, ctx.lang)]
        if ctx.marked_demo:
            parts.append(t("app.demo_badge", ctx.lang))
        control.name = export.export_filename(name, ctx.selection.period.key(), "png").removesuffix(".png")
        control.caption = " · ".join(p for p in parts if p)
        control.title = t("png.map_button", ctx.lang)
    return st_folium(m, **kwargs)


def metric_picker(lang: Lang, key: str = "metric", keys: Sequence[str] = METRIC_KEYS) -> str:
    """Choose a registry metric; the choice is kept in the URL (``?metric=``)."""
    wanted = st.query_params.get(key)
    if key not in st.session_state:
        st.session_state[key] = wanted if wanted in keys else "resolution_rate"
    chosen = str(
        st.selectbox(t("map.metric", lang), list(keys), key=key, format_func=lambda k: METRICS[k].label(lang))
    )
    set_query(key, chosen)
    return chosen


def _grade_style(settings: Settings) -> dict[str, str]:
    return {
        g: f"background-color: {settings.colors[g]}; color: white; font-weight: bold"
        for g in ("green", "amber", "red")
    }


def show_table(
    display: DisplayTable, settings: Settings, select_key: str | None = None, rows: int = 25
) -> str | None:
    """Draw a :class:`~dashboard.tables.DisplayTable`, graded cells coloured against target, its notes below.

    Tall enough for ``rows`` rows, then it scrolls. With ``select_key`` a row can be
    clicked, and the key of the chosen row is returned.
    """
    styles = _grade_style(settings)
    grades = display.grades
    styler = display.frame.style.apply(
        lambda col: [styles.get(g, "") for g in grades[str(col.name)]],
        subset=list(grades),
    )
    event = st.dataframe(
        styler,
        hide_index=True,
        width="stretch",
        height=min(max(len(display.frame), 1), rows) * 35 + 38,
        on_select="rerun" if select_key else "ignore",
        selection_mode="single-row",
        key=select_key,
    )
    notes(display.notes)
    if select_key is None:
        return None
    chosen = list(getattr(getattr(event, "selection", None), "rows", []) or [])
    if chosen and chosen[0] < len(display.keys):
        return display.keys[int(chosen[0])]
    return None


def go_to_community(code: str, page: str) -> None:
    """Show one community on another page (applied by the frame before its filter widget is drawn)."""
    st.session_state[PENDING_COMMUNITIES] = [code]
    st.switch_page(page)


def issue_filter(ctx: Context) -> IssueFilter:
    """Category, source and status pickers (empty = all), kept in the URL."""
    lang = ctx.lang
    options = filter_options(ctx.dataset)
    wanted = issue_filter_from_query(st.query_params.to_dict(), options)
    current = {"category": wanted.categories, "source": wanted.sources, "status": wanted.statuses}
    chosen: dict[str, tuple[str, ...]] = {}
    for column, (key, values) in zip(st.columns([2, 1, 1]), options.items(), strict=True):
        state_key = f"filter_{key}"
        if state_key not in st.session_state:
            st.session_state[state_key] = list(current[key])
        picked = column.multiselect(
            t(f"filters.{key}", lang),
            values,
            key=state_key,
            format_func=partial(label, key, lang=lang),
            placeholder=t("filters.all", lang),
        )
        chosen[key] = tuple(picked)
    result = IssueFilter(chosen["category"], chosen["source"], chosen["status"])
    for key, value in result.to_query().items():
        set_query(key, value)
    return result


def case_list(issues: pl.DataFrame, ctx: Context, key: str, rows: int = 12) -> None:
    """The cases behind a number: a table and CSV / Excel downloads.

    Resident names and phones are masked unless the user ticks the full-data box (offered to a role
    that may export personal data, on real data, outside demo mode). Showing the full list and each
    download are audited for a signed-in user: what, how many rows, masked or not, the filters.
    """
    lang = ctx.lang
    full = ctx.full_data_allowed and st.checkbox(
        t("export.full_data", lang), key=f"{key}_full", help=t("export.full_data_warning", lang)
    )
    frame = export.case_list(issues, lang, full=full)
    what = {
        "what": key,
        "period": ctx.selection.period.key(),
        "communities": list(ctx.selection.community_codes),
        "rows": frame.height,
        "masked": not full,
    }
    if full and st.session_state.get(f"{key}_audited") != what:
        access.record_event("case_list_unmasked", what)  # once per list shown, not per rerun
        st.session_state[f"{key}_audited"] = what
    st.dataframe(
        frame.to_pandas(), hide_index=True, width="stretch", height=min(max(frame.height, 1), rows) * 35 + 38
    )
    left, right, _ = st.columns([1, 1, 4])
    period = ctx.selection.period.key()
    left.download_button(
        t("export.download_csv", lang),
        data=export.to_csv_bytes(frame),
        file_name=export.export_filename("issues", period, "csv"),
        mime="text/csv",
        key=f"{key}_csv",
        on_click=partial(access.record_event, "export", {**what, "format": "csv"}),
    )
    right.download_button(
        t("export.download_excel", lang),
        data=export.to_excel_bytes(frame, sheet="issues"),
        file_name=export.export_filename("issues", period, "xlsx"),
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key=f"{key}_xlsx",
        on_click=partial(access.record_event, "export", {**what, "format": "xlsx"}),
    )


REPORT_MIME = {
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "pdf": "application/pdf",
}


def report_downloads(ctx: Context) -> None:
    """Download the monthly report of the selected period (PowerPoint or PDF).

    The file is made when a button is clicked (on streamlit's download thread, no rerun)
    and cached per data version, period, communities and language.
    """
    lang, selection = ctx.lang, ctx.selection
    label_column, *buttons = st.columns([4, 1, 1], vertical_alignment="center")
    label_column.markdown(f"**{t('report.download', lang)}**", help=t("report.download_help", lang))
    for column, fmt in zip(buttons, ("pptx", "pdf"), strict=True):
        column.download_button(
            t(f"report.download_{fmt}", lang),
            data=access.audited(
                "report",
                {
                    "period": selection.period.key(),
                    "communities": list(selection.community_codes),
                    "format": fmt,
                },
                partial(cache.report_bytes, ctx.dataset, selection, fmt),
            ),
            file_name=export.export_filename("report", selection.period.key(), fmt),
            mime=REPORT_MIME[fmt],
            on_click="ignore",
            key=f"report_{fmt}",
            icon=":material/download:",
            width="stretch",
        )
