"""Plotly figures of the trends analysis (:mod:`dashboard.trends`): frame and language in, figure out."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from itertools import pairwise
from typing import Any, Final

import numpy as np
import plotly.graph_objects as go
import polars as pl

from dashboard.core.formatting import format_count, format_percent
from dashboard.figures.charts import FONT, base_layout
from dashboard.i18n import Lang, label, t
from dashboard.metrics import METRICS
from dashboard.trends import GROUP, HotTopic

PALETTE: Final[tuple[str, ...]] = (
    "#1f4e9c",
    "#e9a23b",
    "#2a9d8f",
    "#7b5ea7",
    "#d95f02",
    "#66a61e",
    "#e7298a",
    "#a6761d",
    "#4e79a7",
    "#8c564b",
    "#17becf",
    "#bcbd22",
    "#666666",
    "#b07aa1",
)
ANOMALY_COLOR: Final = "#d73027"
SINGLE_LINE_COLOR: Final = "#9fb4d8"  # one series: pale buckets under a dark moving average
THEN_COLOR: Final = "#9fb4d8"  # the same period last year: a pale version of NOW_COLOR
NOW_COLOR: Final = "#1f4e9c"
BAR_COLOR: Final = "#1f4e9c"
HOT_COLOR: Final = "#d73027"
HEAT_SCALE: Final = "YlOrRd"
# Issue columns whose values have catalog labels (the catalog section may differ from the column).
GROUP_CATALOGS: Final[dict[str, str]] = {
    "category": "category",
    "source": "source",
    "status": "status",
    "resolved_level": "level",
    "satisfaction": "satisfaction",
    "department": "department",
}
# Columns whose empty value means "outside every grid" rather than "not recorded".
UNIT_COLUMNS: Final[tuple[str, ...]] = ("grid_code", "grid_name", "community_code", "community_name")


def group_label(value: str | None, by: str | None, lang: Lang) -> str:
    """How a group of :mod:`dashboard.trends` reads: a translated category or source, a place name.

    ``by=None`` is the single all-issues group; an empty community or grid is "outside every grid".
    """
    if by is None:
        return t("trends.all", lang)
    if value is None:
        return t("common.outside", lang) if by in UNIT_COLUMNS else t("common.none", lang)
    prefix = GROUP_CATALOGS.get(by)
    return label(prefix, value, lang) if prefix else value


def weekday_label(weekday: int, lang: Lang) -> str:
    """The catalog name of a weekday: ``0`` is Monday (``trends.weekday_0``) … ``6`` Sunday."""
    return t(f"trends.weekday_{weekday}", lang)


def month_label(month: int, lang: Lang) -> str:
    """The catalog name of a calendar month: ``1`` is January (``trends.month_1``) … ``12`` December."""
    return t(f"trends.month_{month}", lang)


def _color(index: int) -> str:
    return PALETTE[index % len(PALETTE)]


def _rows(frame: pl.DataFrame, group: str | None) -> pl.DataFrame:
    return frame.filter(pl.col(GROUP).eq_missing(group))


def _x_format(buckets: list[datetime], lang: Lang) -> str:
    """A hover format for bucket starts: a day, the week from a Monday, or a month."""
    steps = [b - a for a, b in pairwise(buckets)]
    step = min(steps) if steps else timedelta(days=1)
    if step >= timedelta(days=28):
        return "%{x|%Y-%m}"
    if step >= timedelta(days=7):
        return t("trends.week_of", lang, date="%{x|%Y-%m-%d}")
    return "%{x|%Y-%m-%d}"


def trend_chart(
    series_frame: pl.DataFrame,
    lang: Lang,
    metric_key: str,
    anomalies: pl.DataFrame | None = None,
    by: str | None = None,
) -> go.Figure:
    """One line per group of a :func:`dashboard.trends.series` frame, with its moving average dashed.

    Hover shows the bucket, the value and, for rates, numerator / denominator; incomplete
    buckets say so. Flagged rows of an :func:`dashboard.trends.anomalies` frame are red
    markers (count metrics only). ``by`` is the column the series was split by (for labels).
    """
    spec = METRICS[metric_key]
    metric_name = spec.label(lang)
    parts = series_frame.sort(GROUP, "bucket", nulls_last=True).partition_by(GROUP, maintain_order=True)
    buckets = sorted(series_frame.get_column("bucket").unique().to_list())
    x_hover = _x_format(buckets, lang)
    value_format = _value_format(spec.kind, lang)
    single = len(parts) == 1
    traces: list[go.Scatter] = []
    for index, rows in enumerate(parts):
        value = rows.item(0, GROUP)
        name = metric_name if by is None else group_label(None if value is None else str(value), by, lang)
        hover = (
            x_hover + "%{text}<br>" + _value_hover(spec.kind, name, value_format, lang) + "<extra></extra>"
        )
        traces.append(_value_trace(rows, name, _color(index), single, hover, lang))
        ma_name = t("trends.ma", lang, name=name)
        ma_hover = x_hover + "<br>" + t("trends.hover_ma", lang, name=ma_name, value=value_format)
        traces.append(
            _average_trace(rows, name, ma_name, _color(index), single, ma_hover + "<extra></extra>")
        )
    fig = go.Figure(data=traces)
    if anomalies is not None and spec.kind == "count":
        _add_anomalies(fig, anomalies.filter(pl.col("flagged")), x_hover, by, lang)
    if spec.kind == "rate":
        fig.update_yaxes(tickformat=".0%", title=metric_name)
    elif spec.kind == "median":
        fig.update_yaxes(title=t("trends.hours_axis", lang), rangemode="tozero")
    else:
        fig.update_yaxes(title=t("trends.count_axis", lang), rangemode="tozero")
    fig.update_yaxes(gridcolor="#eee")
    return base_layout(fig, 400)


def _value_format(kind: str, lang: Lang) -> str:
    """The hover format of a value: a percentage, hours, or a count."""
    if kind == "rate":
        return "%{y:.1%}"
    if kind == "median":
        return "%{y:.1f} " + t("common.hours", lang)
    return "%{y:,.0f}"


def _value_hover(kind: str, name: str, value_format: str, lang: Lang) -> str:
    """The hover line of a value; a rate's adds its numerator / denominator (``customdata``)."""
    if kind == "rate":
        return t(
            "trends.hover_rate",
            lang,
            name=name,
            value=value_format,
            numerator="%{customdata[0]}",
            denominator="%{customdata[1]}",
        )
    return t("trends.hover_value", lang, name=name, value=value_format)


def _value_trace(
    rows: pl.DataFrame, name: str, color: str, single: bool, hover: str, lang: Lang
) -> go.Scatter:
    """A group's values per bucket; incomplete buckets say so on hover."""
    # One series: the noisy buckets pale and thin, the moving average dark, so the trend reads.
    line_color, line_width = (SINGLE_LINE_COLOR, 1.2) if single else (color, 2.0)
    # numpy columns: plotly validates numeric arrays at once, lists point by point (slow on 700 days).
    x = rows.get_column("bucket").to_numpy()
    notes = np.where(rows.get_column("partial").to_numpy(), t("trends.partial", lang), "")
    return go.Scatter(
        x=x,
        y=rows.get_column("value").cast(pl.Float64).to_numpy(),
        mode="lines" if len(x) > 60 else "lines+markers",
        name=name,
        legendgroup=name,
        line={"color": line_color, "width": line_width},
        customdata=rows.select(pl.col("numerator", "denominator").cast(pl.Float64)).to_numpy(),
        text=notes,
        hovertemplate=hover,
    )


def _average_trace(
    rows: pl.DataFrame, name: str, ma_name: str, color: str, single: bool, hover: str
) -> go.Scatter:
    """A group's moving average, dashed (in the legend only when it is the one series)."""
    return go.Scatter(
        x=rows.get_column("bucket").to_numpy(),
        y=rows.get_column("ma").cast(pl.Float64).to_numpy(),
        mode="lines",
        name=ma_name,
        legendgroup=name,
        showlegend=single,
        line={"color": color, "width": 2.5 if single else 1.5, "dash": "dash"},
        hovertemplate=hover,
    )


def _add_anomalies(fig: go.Figure, flagged: pl.DataFrame, x_hover: str, by: str | None, lang: Lang) -> None:
    if flagged.height == 0:
        return
    names = [group_label(g, by, lang) for g in flagged.get_column(GROUP).to_list()]
    fig.add_trace(
        go.Scatter(
            x=flagged.get_column("bucket").to_list(),
            y=flagged.get_column("count").to_list(),
            mode="markers",
            name=t("trends.anomaly", lang),
            marker={"color": ANOMALY_COLOR, "size": 11, "line": {"color": "white", "width": 1}},
            customdata=list(
                zip(
                    names,
                    flagged.get_column("baseline").to_list(),
                    flagged.get_column("threshold").to_list(),
                    strict=True,
                )
            ),
            hovertemplate=x_hover
            + "<br>"
            + t(
                "trends.anomaly_hover",
                lang,
                name="%{customdata[0]}",
                count="%{y:,.0f}",
                baseline="%{customdata[1]:,.0f}",
                threshold="%{customdata[2]:,.0f}",
            )
            + "<extra></extra>",
        )
    )


def yoy_chart(yoy_frame: pl.DataFrame, lang: Lang, by: str | None = None) -> go.Figure:
    """Grouped bars per group: the same period last year (pale) and this period, with the change.

    Without data a year earlier (``then`` null: before the data start) only this period's bars are drawn.
    """
    names = [group_label(g, by, lang) for g in yoy_frame.get_column(GROUP).to_list()]
    then_key = yoy_frame.get_column("period_then").first() if yoy_frame.height else ""
    now_key = yoy_frame.get_column("period_now").first() if yoy_frame.height else ""
    changes = [
        t("trends.yoy_change_none", lang)
        if c is None
        else t("trends.yoy_change", lang, change=f"{c:+,}", pct=_signed_percent(p))
        for c, p in zip(yoy_frame.get_column("change"), yoy_frame.get_column("change_pct"), strict=True)
    ]
    bars = [("now", now_key, NOW_COLOR, "trends.yoy_now")]
    if yoy_frame.get_column("then").null_count() < yoy_frame.height or yoy_frame.height == 0:
        bars.insert(0, ("then", then_key, THEN_COLOR, "trends.yoy_then"))
    fig = go.Figure()
    for column, key, color, name_key in bars:
        fig.add_trace(
            go.Bar(
                x=names,
                y=yoy_frame.get_column(column).to_list(),
                name=t(name_key, lang, period=key),
                marker={"color": color},
                customdata=changes,
                hovertemplate=t("trends.yoy_hover", lang, name="%{x}", period=key, count="%{y:,}")
                + "<br>%{customdata}<extra></extra>",
            )
        )
    fig.update_yaxes(title=t("trends.count_axis", lang), gridcolor="#eee")
    base_layout(fig, 400)
    # The legend above the bars: long category names below are slanted.
    fig.update_layout(barmode="group", legend={"y": 1.02, "yanchor": "bottom"})
    return fig


def _signed_percent(value: float | None) -> str:
    if value is None:
        return format_percent(None)
    return ("+" if value > 0 else "") + format_percent(value)


def weekday_hour_chart(frame: pl.DataFrame, lang: Lang) -> go.Figure:
    """A heat table of :func:`dashboard.trends.weekday_hour`: weekdays down (Monday on top), hours across."""
    if frame.height != 7 * 24:
        raise ValueError(f"expected 168 weekday × hour cells, got {frame.height}")
    counts = frame.sort("weekday", "hour").get_column("count").to_list()
    z = [counts[day * 24 : (day + 1) * 24] for day in range(7)]
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=list(range(24)),
            y=[weekday_label(day, lang) for day in range(7)],
            colorscale=HEAT_SCALE,
            colorbar={"title": {"text": t("trends.count_axis", lang), "font": {"family": FONT}}},
            xgap=1,
            ygap=1,
            hovertemplate=t("trends.heat_hover", lang, weekday="%{y}", hour="%{x}", count="%{z:,}")
            + "<extra></extra>",
        )
    )
    fig.update_xaxes(title=t("trends.hour_axis", lang), dtick=2)
    fig.update_yaxes(autorange="reversed")
    fig.update_layout(plot_bgcolor="white")
    return base_layout(fig, 330)


def seasonality_chart(frame: pl.DataFrame, lang: Lang, by: str | None = None) -> go.Figure:
    """Mean issues per calendar month, one line per group; hover says how many years each month has."""
    fig = go.Figure()
    months = list(range(1, 13))
    for index, group in enumerate(frame.get_column(GROUP).unique(maintain_order=True).to_list()):
        rows = _rows(frame, group).sort("month")
        name = group_label(group, by, lang)
        fig.add_trace(
            go.Scatter(
                x=rows.get_column("month").to_list(),
                y=rows.get_column("mean").to_list(),
                mode="lines+markers",
                name=name,
                line={"color": _color(index), "width": 2},
                customdata=list(
                    zip(
                        [month_label(m, lang) for m in rows.get_column("month").to_list()],
                        rows.get_column("years").to_list(),
                        strict=True,
                    )
                ),
                hovertemplate=t(
                    "trends.seasonality_hover",
                    lang,
                    name=name,
                    month="%{customdata[0]}",
                    mean="%{y:,.1f}",
                    years="%{customdata[1]}",
                )
                + "<extra></extra>",
            )
        )
    fig.update_xaxes(
        tickmode="array",
        tickvals=months,
        ticktext=[month_label(m, lang) for m in months],
    )
    fig.update_yaxes(title=t("trends.mean_axis", lang), rangemode="tozero", gridcolor="#eee")
    return base_layout(fig, 360)


def top_categories_chart(frame: pl.DataFrame, lang: Lang, hot: HotTopic | None = None) -> go.Figure:
    """Horizontal bars of :func:`dashboard.trends.top_categories`, largest on top; the month's topic in red."""
    rows = frame.reverse()  # plotly draws the first bar at the bottom
    categories = rows.get_column("category").to_list()
    counts = rows.get_column("count").to_list()
    is_hot = [hot is not None and c == hot.category for c in categories]
    marker = t("trends.hot_marker", lang)
    fig = go.Figure(
        go.Bar(
            x=counts,
            y=[label("category", c, lang) for c in categories],
            orientation="h",
            marker={"color": [HOT_COLOR if h else BAR_COLOR for h in is_hot]},
            text=[
                format_count(n, lang) + (f" · {marker}" if h else "")
                for n, h in zip(counts, is_hot, strict=True)
            ],
            textposition="outside",
            textfont={"family": FONT},
            customdata=[format_percent(s) for s in rows.get_column("share").to_list()],
            hovertemplate=t("trends.top_hover", lang, name="%{y}", count="%{x:,}", share="%{customdata}")
            + "<extra></extra>",
        )
    )
    high = max(counts, default=0)
    fig.update_xaxes(title=t("trends.count_axis", lang), range=[0, high * 1.3 or 1], gridcolor="#eee")
    return base_layout(fig, max(260, 30 * len(categories) + 80))


def hot_topic_title(hot: HotTopic, lang: Lang, quote: Callable[[str], str] = str) -> str:
    """The headline of the hot-topic card: "Topic of the month: Parking" and its Chinese source.

    ``quote`` turns the category (text from the data) into text for where the line goes
    (:func:`dashboard.core.text.md_text` for Markdown).
    """
    return t("trends.hot_title", lang, category=quote(label("category", hot.category, lang)))


def hot_topic_text(hot: HotTopic | None, lang: Lang, quote: Callable[[str], str] = str) -> str:
    """One sentence on the month's topic: counts now and before, the rise and its percentage."""
    if hot is None:
        return t("trends.hot_none", lang)
    pct = t("trends.hot_new", lang) if hot.rise_pct is None else _signed_percent(hot.rise_pct)
    params: dict[str, Any] = {
        "period": hot.period,
        "previous": hot.previous,
        "category": quote(label("category", hot.category, lang)),
        "now": format_count(hot.now, lang),
        "before": format_count(hot.before, lang),
        "rise": format_count(hot.rise, lang),
        "pct": pct,
    }
    return t("trends.hot_text", lang, **params)
