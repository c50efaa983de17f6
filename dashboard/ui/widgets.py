"""Streamlit widgets shared by pages: KPI cards, ranked tables, metric pickers."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import polars as pl
import streamlit as st

from dashboard.formatting import format_count, format_metric
from dashboard.i18n import Lang, t
from dashboard.metrics import METRIC_KEYS, METRICS, Grade, grade
from dashboard.overview import Kpi
from dashboard.settings import Settings
from dashboard.ui.frame import PENDING_COMMUNITIES, set_query

GRADE_BADGE = {"green": "green", "amber": "orange", "red": "red", "none": "gray"}


def _kpi_help(kpi: Kpi, lang: Lang) -> str:
    spec = METRICS[kpi.key]
    text = f"{spec.help(lang)}\n\n{spec.formula(lang)}"
    if spec.is_rate and kpi.denominator is not None:
        text += f"\n\n{format_count(kpi.numerator, lang)} / {format_count(kpi.denominator, lang)}"
    return text


def kpi_cards(kpis: Sequence[Kpi], lang: Lang, per_row: int = 3) -> None:
    """Big numbers with their grade against target, the change from last period and a sparkline."""
    for start in range(0, len(kpis), per_row):
        columns = st.columns(per_row)
        for column, kpi in zip(columns, kpis[start : start + per_row], strict=False):
            spec = METRICS[kpi.key]
            label = spec.label(lang)
            if spec.graded and kpi.grade != "none":
                label += f" :{GRADE_BADGE[kpi.grade]}-badge[{t(f'common.grade_{kpi.grade}', lang)}]"
            trend = [v for v in kpi.trend if v is not None]
            column.metric(
                label,
                kpi.text(lang),
                delta=kpi.delta(lang),
                delta_color="normal" if spec.higher_is_better else "inverse",
                help=_kpi_help(kpi, lang),
                border=True,
                chart_data=trend if len(trend) > 1 else None,
                chart_type="line",
            )


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


def ranked_table(
    frame: pl.DataFrame,
    code_column: str,
    name_column: str,
    keys: Sequence[str],
    settings: Settings,
    lang: Lang,
    select_key: str | None = None,
    parent: tuple[str, str] | None = None,
) -> str | None:
    """A table of units with formatted metrics, graded cells coloured against target.

    With ``select_key``, a row can be clicked; the chosen unit's code is returned.
    ``parent`` adds a column (frame column, catalog key) such as the grid's community.
    The "outside every grid" row is labelled as such.
    """
    outside_label = t("common.outside", lang)
    names = [
        outside_label if outside else name
        for name, outside in zip(frame.get_column(name_column), frame.get_column("outside"), strict=True)
    ]
    table = pd.DataFrame({t("common.unit_" + code_column.removesuffix("_code"), lang): names})
    if parent is not None:  # e.g. the community a grid belongs to
        column, label_key = parent
        table[t(label_key, lang)] = frame.get_column(column).to_list()
    if "rank" in frame.columns:
        ranks = ["" if r is None else str(r) for r in frame.get_column("rank").to_list()]
        table.insert(0, t("common.rank", lang), ranks)
    grades: dict[str, list[Grade]] = {}
    for key in keys:
        spec = METRICS[key]
        values = frame.get_column(key).to_list()
        table[spec.label(lang)] = [format_metric(v, spec, lang) for v in values]
        if spec.graded:
            grades[spec.label(lang)] = [grade(v, spec, settings) for v in values]
    if "small_sample" in frame.columns:
        table[t("common.small_sample_column", lang, n=settings.small_sample)] = [
            "●" if s else "" for s in frame.get_column("small_sample")
        ]
    styles = _grade_style(settings)
    styler = table.style.apply(
        lambda col: [styles.get(g, "") for g in grades[str(col.name)]],
        subset=list(grades),
    )
    # Tall enough for every row up to 25 (a street's communities), then it scrolls.
    event = st.dataframe(
        styler,
        hide_index=True,
        width="stretch",
        height=min(len(table), 25) * 35 + 38,
        on_select="rerun" if select_key else "ignore",
        selection_mode="single-row",
        key=select_key,
    )
    if select_key is None:
        return None
    rows = list(getattr(getattr(event, "selection", None), "rows", []) or [])
    if rows:
        code = frame.get_column(code_column)[rows[0]]
        return str(code) if code is not None else None
    return None


def go_to_community(code: str, page: str) -> None:
    """Show one community on another page (applied by the frame before its filter widget is drawn)."""
    st.session_state[PENDING_COMMUNITIES] = [code]
    st.switch_page(page)
