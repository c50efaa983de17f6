"""The trends page's sections (streamlit glue; numbers from dashboard.trends)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import cast

import polars as pl
import streamlit as st

from dashboard import trends
from dashboard.core.periods import Period, bucket_period, date_range, period_label, trailing_months
from dashboard.core.selection import IssueFilter
from dashboard.core.span import data_start
from dashboard.core.text import md_text
from dashboard.i18n import t
from dashboard.metrics import METRICS, in_period, keys_for
from dashboard.trends import charts as trend_charts
from dashboard.ui import widgets
from dashboard.ui.frame import Context, set_query

FREQS = ("day", "week", "month")
GROUPS = ("none", "category", "source", "community_name")
WINDOWS = {"day": 28, "week": 12, "month": 12}
# Splitting by category tests 14 series at once: a stricter spike threshold keeps chance flags out.
Z_TOTAL, Z_SPLIT = 3.0, 4.0


@dataclass(frozen=True)
class Controls:
    freq: str
    by: str | None
    metric: str


def _radio(label: str, options: tuple[str, ...], key: str, default: str, fmt: object, column: object) -> str:
    if key not in st.session_state:
        wanted = st.query_params.get(key)
        st.session_state[key] = wanted if wanted in options else default
    value = str(column.radio(label, options, key=key, horizontal=True, format_func=fmt))  # type: ignore[attr-defined]
    set_query(key, value)
    return value


def controls(ctx: Context) -> Controls:
    lang = ctx.lang
    left, middle, right = st.columns([2, 3, 2])
    freq = _radio(
        t("trends.freq", lang), FREQS, "trend_freq", "day", lambda f: t(f"trends.freq_{f}", lang), left
    )
    by = _radio(t("trends.by", lang), GROUPS, "trend_by", "none", lambda g: t(f"trends.by_{g}", lang), middle)
    if "trend_metric" not in st.session_state:
        wanted = st.query_params.get("trend_metric")
        st.session_state["trend_metric"] = wanted if wanted in keys_for("series") else "issue_count"
    metric = str(
        right.selectbox(
            t("trends.metric", lang),
            keys_for("series"),
            key="trend_metric",
            format_func=lambda k: METRICS[k].label(lang),
        )
    )
    set_query("trend_metric", metric)
    return Controls(freq, None if by == "none" else by, metric)


def window(ctx: Context) -> Period:
    """The trend's span: the chosen range, or the 12 months ending with the chosen month."""
    period = ctx.selection.period
    if not period.is_month:
        return period
    months = trailing_months(period, 12)
    return date_range(months[0].first_day, months[-1].last_day)


def hot_topic(ctx: Context, issues: pl.DataFrame) -> None:
    """The month's topic (the category that rose most), with the rule in the help; none when the
    previous period is before the data start."""
    lang, dataset, period = ctx.lang, ctx.dataset, ctx.selection.period
    start = data_start(dataset)
    hot = trends.hot_topic(issues, period, dataset.as_of, dataset.settings, data_start=start)
    text = trend_charts.hot_topic_text(hot, lang, md_text)
    if start is not None and not trends.previous_has_data(period, start):
        st.info(
            t(
                "trends.hot_no_previous",
                lang,
                previous=period_label(period.previous(), lang),
                date=start.date(),
            )
        )
    elif hot is None:
        st.info(text)
    else:
        st.warning(
            f"**{trend_charts.hot_topic_title(hot, lang, md_text)}**  \n{text}", icon=":material/campaign:"
        )
    st.caption(t("trends.hot_help", lang, min_count=10))


def trend(ctx: Context, issues: pl.DataFrame, choice: Controls) -> pl.DataFrame | None:
    """The metric over time with its moving average and spikes; a click on a point lists its issues."""
    lang, dataset = ctx.lang, ctx.dataset
    span, start = window(ctx), data_start(dataset)
    frame = trends.series(
        issues,
        span.start,
        span.end,
        cast("trends.Freq", choice.freq),
        dataset.as_of,
        dataset.settings,
        by=choice.by,
        metric=choice.metric,
        basis=ctx.selection.basis,
        data_start=start,
    )
    flagged = None
    if choice.metric == "issue_count":
        z = Z_TOTAL if choice.by is None else Z_SPLIT
        flagged = trends.anomalies(frame, z=z, window=WINDOWS[choice.freq])
    st.markdown(f"#### {t('trends.trend_title', lang, metric=METRICS[choice.metric].label(lang))}")
    figure = trend_charts.trend_chart(frame, lang, choice.metric, anomalies=flagged, by=choice.by)
    event = widgets.chart(figure, ctx, "trend", on_select="rerun", selection_mode="points", key="trend_chart")
    notes = [t("trends.ma_note", lang)]
    if start is not None and span.start < start:
        notes.append(t("trends.data_start_note", lang, date=start.date()))
    if ctx.selection.basis == "cutoff":
        notes.append(t("trends.cutoff_note", lang, days=dataset.settings.assessment_grace_days))
    if flagged is not None:
        notes.append(
            t(
                "trends.anomaly_note",
                lang,
                window=WINDOWS[choice.freq],
                z=f"{Z_TOTAL if choice.by is None else Z_SPLIT:g}",
            )
        )
    st.caption(" ".join(notes))
    points = list(getattr(getattr(event, "selection", None), "points", []) or [])
    if not points:
        return None
    bucket = points[0].get("x")
    if bucket is None:
        return None
    part = bucket_period(datetime.fromisoformat(str(bucket)), choice.freq)
    st.session_state["trend_place"] = period_label(part, lang)
    return in_period(issues.filter(pl.col("status") != "invalid"), part)


def patterns(ctx: Context, issues: pl.DataFrame, choice: Controls) -> None:
    """Year on year, the weekday × hour table, seasonality and the top categories."""
    lang, dataset, period = ctx.lang, ctx.dataset, ctx.selection.period
    start = data_start(dataset)
    left, right = st.columns(2)
    with left:
        yoy = trends.year_on_year(
            issues, period, dataset.as_of, dataset.settings, by=choice.by, data_start=start
        )
        st.markdown(f"#### {t('trends.yoy_title', lang, period=period_label(period, lang))}")
        if start is not None and not trends.year_earlier_has_data(period, start):
            earlier = period_label(trends.year_earlier(period), lang)
            st.info(t("trends.yoy_no_data", lang, period=earlier, date=start.date()))
        widgets.chart(trend_charts.yoy_chart(yoy, lang, by=choice.by), ctx, "year_on_year")
    with right:
        st.markdown(f"#### {t('trends.top_title', lang, period=period_label(period, lang))}")
        hot = trends.hot_topic(issues, period, dataset.as_of, dataset.settings, data_start=start)
        top = trends.top_categories(issues, period)
        widgets.chart(trend_charts.top_categories_chart(top, lang, hot), ctx, "top_categories")
    left, right = st.columns(2)
    with left:
        st.markdown(f"#### {t('trends.heat_title', lang)}")
        widgets.chart(
            trend_charts.weekday_hour_chart(trends.weekday_hour(issues, period), lang), ctx, "weekday_hour"
        )
    with right:
        st.markdown(f"#### {t('trends.seasonality_title', lang)}")
        season = trends.seasonality(issues, dataset.as_of, dataset.settings, by=choice.by)
        widgets.chart(trend_charts.seasonality_chart(season, lang, by=choice.by), ctx, "seasons")


def cases(ctx: Context, found: pl.DataFrame | None) -> None:
    lang = ctx.lang
    if found is None:
        st.caption(t("trends.click_hint", lang))
        return
    st.markdown(f"#### {t('heatmap.cases', lang, place=md_text(st.session_state.get('trend_place', '')))}")
    widgets.case_list(found, ctx, key="trend")


def filtered(ctx: Context, issue_filter: IssueFilter) -> pl.DataFrame:
    return issue_filter.apply(ctx.selection.issues(ctx.dataset))
