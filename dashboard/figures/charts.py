"""Plotly figure builders shared by pages: data and a language in, a figure out (no streamlit)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import plotly.graph_objects as go
import polars as pl
from plotly.subplots import make_subplots

from dashboard.core.formatting import format_percent
from dashboard.core.settings import Settings
from dashboard.i18n import Lang, label, t
from dashboard.metrics import METRICS, Metric, grade

FONT = "Noto Sans CJK SC, Source Han Sans SC, Microsoft YaHei, PingFang SC, sans-serif"
SERIES_COLORS = {
    "resolution_rate": "#1f4e9c",
    "on_time_rate": "#2a9d8f",
    "satisfaction_rate": "#e9a23b",
    "response_rate": "#7b5ea7",
}


# Modebar buttons that make no sense on the dashboard's charts (they stay: PNG, zoom, pan, reset).
_UNUSED_BUTTONS = (
    "select2d",
    "lasso2d",
    "autoScale2d",
    "toggleSpikelines",
    "hoverClosestCartesian",
    "hoverCompareCartesian",
)


def chart_config(name: str, period_key: str = "", scale: int = 2) -> dict[str, Any]:
    """The plotly ``config`` of every chart: the modebar on hover with "download as PNG".

    The PNG is drawn by plotly.js in the browser (nothing leaves the machine), at ``scale``
    times the size on screen, named like ``league_2026-10.png``.

    >>> chart_config("league", "2026-10")["toImageButtonOptions"]
    {'format': 'png', 'filename': 'league_2026-10', 'scale': 2}
    """
    stem = "_".join(re.sub(r"[^A-Za-z0-9-]+", "_", part).strip("_") for part in (name, period_key) if part)
    return {
        "displaylogo": False,
        "displayModeBar": "hover",
        "modeBarButtonsToRemove": list(_UNUSED_BUTTONS),
        "toImageButtonOptions": {"format": "png", "filename": stem or "chart", "scale": scale},
    }


MUTED = "#6b7280"  # grey text: a value the data cannot give
DEMO_MARK_COLOR = "#b45309"  # the demo badge's orange, dark enough for text on white


def mark_demo(fig: go.Figure, text: str) -> go.Figure:
    """Write ``text`` (the demo badge) in the top right corner, so that the chart and its PNG say it is a demo."""
    fig.add_annotation(
        text=f"<b>{text}</b>",
        xref="paper",
        yref="paper",
        x=1.0,
        y=1.0,
        xanchor="right",
        yanchor="bottom",
        showarrow=False,
        font={"color": DEMO_MARK_COLOR},
        name="demo_mark",
    )
    return fig


def base_layout(fig: go.Figure, height: int) -> go.Figure:
    """The look every chart shares: its height, small margins, the CJK font, a white plot, the legend below."""
    fig.update_layout(
        height=height,
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        font={"family": FONT, "size": 15},
        plot_bgcolor="white",
        legend={"orientation": "h", "y": -0.15, "x": 0, "traceorder": "normal"},
        hoverlabel={"font": {"family": FONT}},
    )
    return fig


def _target_line(fig: go.Figure, settings: Settings, lang: Lang, horizontal: bool = True) -> None:
    label = t("common.target", lang, target=format_percent(settings.target, 0))
    line = {"color": settings.colors["red"], "dash": "dash", "width": 2}
    if horizontal:
        fig.add_hline(y=settings.target, line=line, annotation_text=label, annotation_position="top left")
    else:
        fig.add_vline(x=settings.target, line=line, annotation_text=label, annotation_position="top")


def rate_trend_chart(trend: pl.DataFrame, settings: Settings, lang: Lang) -> go.Figure:
    """Monthly rates as lines against the target line; hover shows numerator / denominator."""
    fig = go.Figure()
    for key in trend.get_column("metric").unique(maintain_order=True).to_list():
        rows = trend.filter(pl.col("metric") == key).sort("period")
        spec = METRICS[key]
        fig.add_trace(
            go.Scatter(
                x=rows.get_column("period").to_list(),
                y=rows.get_column("value").to_list(),
                mode="lines+markers",
                name=spec.label(lang),
                line={"color": SERIES_COLORS.get(key), "width": 3},
                customdata=list(
                    zip(rows.get_column("numerator"), rows.get_column("denominator"), strict=True)
                ),
                hovertemplate="%{x}<br>"
                + spec.label(lang)
                + ": %{y:.1%}<br>%{customdata[0]} / %{customdata[1]}"
                "<extra></extra>",
            )
        )
    _target_line(fig, settings, lang)
    values = [v for v in trend.get_column("value").to_list() if v is not None]
    floor = min([*values, settings.amber_floor]) - 0.05
    fig.update_yaxes(tickformat=".0%", range=[max(0.0, floor), 1.01], gridcolor="#eee")
    fig.update_xaxes(type="category")
    return base_layout(fig, 360)


def league_bar_chart(league: pl.DataFrame, settings: Settings, lang: Lang) -> go.Figure:
    """Communities' resolution rates as bars coloured by grade, best at the top, with the target line."""
    rows = league.filter(~pl.col("outside") & pl.col("resolution_rate").is_not_null()).sort(
        "resolution_rate", descending=False
    )
    spec = METRICS["resolution_rate"]
    names = rows.get_column("community_name").to_list()
    values = rows.get_column("resolution_rate").to_list()
    colors = [settings.colors[g] for g in rows.get_column("grade").to_list()]
    small = rows.get_column("small_sample").to_list()
    labels = [
        format_percent(v) + (f" ({t('common.small_sample', lang)})" if s else "")
        for v, s in zip(values, small, strict=True)
    ]
    fig = go.Figure(
        go.Bar(
            x=values,
            y=names,
            orientation="h",
            marker={"color": colors},
            text=labels,
            textposition="outside",
            customdata=list(
                zip(rows.get_column(spec.num_column), rows.get_column(spec.den_column), strict=True)
            ),
            hovertemplate="%{y}<br>" + spec.label(lang) + ": %{x:.1%}<br>%{customdata[0]} / %{customdata[1]}"
            "<extra></extra>",
        )
    )
    _target_line(fig, settings, lang, horizontal=False)
    low = min([*values, settings.amber_floor]) - 0.05 if values else 0.0
    # Room right of 100% for the label ("100.0% (small sample)" is longer than "100.0%").
    high = 1.22 if any(small) else 1.08
    ticks = [step / 20 for step in range(21) if step / 20 >= max(0.0, low)]  # every 5%, none past 100%
    fig.update_xaxes(tickformat=".0%", range=[max(0.0, low), high], tickvals=ticks, gridcolor="#eee")
    return base_layout(fig, max(300, 28 * len(names) + 80))


def level_share_chart(
    shares: Mapping[str, float | None], lang: Lang, reasons: Sequence[str] = ()
) -> go.Figure:
    """One stacked bar: solved in the grid, in the community, above the community.

    Without shares (nothing finished, or the data has no solving levels) there is no bar, only a
    grey "—" when ``reasons`` say why the levels are missing (the page prints them under the chart),
    else "no data".
    """
    fig = go.Figure()
    if all(shares.get(key) is None for key in ("grid", "community", "above")):
        fig.add_annotation(
            text="—" if reasons else t("common.no_data", lang),
            xref="paper",
            yref="paper",
            x=0.5,
            y=0.5,
            showarrow=False,
            font={"color": MUTED, "size": 28 if reasons else 14},
            name="no_levels",
        )
        fig.update_xaxes(visible=False)
        fig.update_yaxes(visible=False)
        return base_layout(fig, 140)
    colors = {"grid": "#1a9850", "community": "#91cf60", "above": "#fdae61"}
    for key in ("grid", "community", "above"):
        value = shares.get(key)
        fig.add_trace(
            go.Bar(
                x=[value or 0.0],
                y=[""],
                orientation="h",
                name=t(f"overview.level_{key}", lang),
                marker={"color": colors[key]},
                text=[format_percent(value)],
                textposition="inside",
                insidetextanchor="middle",
                hovertemplate=t(f"overview.level_{key}", lang) + ": %{x:.1%}<extra></extra>",
            )
        )
    fig.update_layout(barmode="stack", showlegend=True)
    fig.update_xaxes(tickformat=".0%", range=[0, 1], visible=False)
    fig.update_yaxes(visible=False)
    return base_layout(fig, 140)


def small_multiples_chart(
    series: pl.DataFrame, code: str, name: str, settings: Settings, lang: Lang, columns: int = 4
) -> go.Figure:
    """One small chart per unit: its monthly resolution rate with the target line.

    Points are coloured by grade, so "above 90% every month" reads at a glance; units keep
    the order of ``series`` (pass it sorted, e.g. by league rank). Hover shows numerator /
    denominator.
    """
    spec = METRICS["resolution_rate"]
    units = series.select(code, name).unique(maintain_order=True)
    rows = max(1, -(-units.height // columns))
    titles = [str(n) for n in units.get_column(name).to_list()]
    fig = make_subplots(
        rows=rows,
        cols=columns,
        subplot_titles=titles,
        shared_xaxes=True,
        shared_yaxes=True,
        vertical_spacing=0.06,
    )
    values = [v for v in series.get_column(spec.key).to_list() if v is not None]
    floor = max(0.0, min([*values, settings.amber_floor]) - 0.03)
    traces, rows_at, cols_at, shapes = [], [], [], []
    for index, unit in enumerate(units.get_column(code).to_list()):
        data = series.filter(pl.col(code) == unit).sort("period")
        traces.append(_unit_rate_trace(data, spec, settings, lang, titles[index]))
        rows_at.append(index // columns + 1)
        cols_at.append(index % columns + 1)
        shapes.append(_target_shape(index, settings))
    fig.add_traces(traces, rows=rows_at, cols=cols_at)
    fig.update_layout(shapes=shapes)
    fig.update_yaxes(tickformat=".0%", range=[floor, 1.01], gridcolor="#eee", nticks=3)
    fig.update_xaxes(showticklabels=False)
    fig.update_annotations(font={"size": 14})
    return base_layout(fig, 150 * rows + 60)


def _unit_rate_trace(
    data: pl.DataFrame, spec: Metric, settings: Settings, lang: Lang, title: str
) -> go.Scatter:
    """One unit's monthly rate, its points coloured by grade; hover shows numerator / denominator."""
    rates = data.get_column(spec.key).to_list()
    return go.Scatter(
        x=data.get_column("period").to_list(),
        y=rates,
        mode="lines+markers",
        line={"color": "#8a8a8a", "width": 1.5},
        marker={"color": [settings.colors[grade(v, spec, settings)] for v in rates], "size": 6},
        showlegend=False,
        customdata=list(zip(data.get_column(spec.num_column), data.get_column(spec.den_column), strict=True)),
        hovertemplate="%{x}<br>" + spec.label(lang) + ": %{y:.1%}<br>%{customdata[0]} / %{customdata[1]}"
        "<extra>" + title + "</extra>",
    )


def _target_shape(index: int, settings: Settings) -> dict[str, Any]:
    """The target line of the ``index``-th small chart, as a shape (add_hline per subplot is slow)."""
    axis = "" if index == 0 else str(index + 1)
    return {
        "type": "line",
        "xref": f"x{axis} domain",
        "yref": f"y{axis}",
        "x0": 0,
        "x1": 1,
        "y0": settings.target,
        "y1": settings.target,
        "line": {"color": settings.colors["red"], "dash": "dash", "width": 1},
    }


def shortfall_chart(frame: pl.DataFrame, key: str, lang: Lang, top: int = 10) -> go.Figure:
    """Horizontal bars of what pulls a unit below target (positive) or lifts it (negative)."""
    rows = frame.head(top).sort("contribution")
    names = (
        [label("category", v, lang) for v in rows.get_column("category")]
        if key == "category"
        else rows.get_column("grid_name").to_list()
    )
    contributions = rows.get_column("contribution").to_list()
    fig = go.Figure(
        go.Bar(
            x=contributions,
            y=names,
            orientation="h",
            marker={"color": ["#d73027" if v > 0 else "#1a9850" for v in contributions]},
            text=[f"{v:+.1f}" for v in contributions],
            textposition="outside",
            customdata=list(zip(rows.get_column("unfinished"), rows.get_column("eligible"), strict=True)),
            hovertemplate="%{y}<br>"
            + t("loop.contribution", lang)
            + ": %{x:+.1f}<br>"
            + t("loop.unfinished", lang)
            + ": %{customdata[0]} / %{customdata[1]}<extra></extra>",
        )
    )
    low, high = min([0.0, *contributions]), max([0.0, *contributions])
    margin = (high - low) * 0.2 or 1.0  # room for the labels outside the bars
    fig.update_xaxes(
        title=t("loop.contribution_axis", lang),
        zeroline=True,
        zerolinecolor="#555",
        range=[low - (margin if low < 0 else 0), high + margin],
    )
    return base_layout(fig, max(260, 30 * len(names) + 80))
