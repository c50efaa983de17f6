"""Plotly figures of the volunteer page: hours over time, service types, demand against supply."""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

from dashboard.core.formatting import format_count
from dashboard.figures.charts import base_layout
from dashboard.i18n import Lang, label, t


def hours_chart(monthly: pl.DataFrame, lang: Lang) -> go.Figure:
    """Service hours per month (bars), with records and people served on hover."""
    fig = go.Figure(
        go.Bar(
            x=monthly.get_column("period").to_list(),
            y=monthly.get_column("hours").to_list(),
            marker={"color": "#c8102e"},
            customdata=list(
                zip(monthly.get_column("records"), monthly.get_column("people_served"), strict=True)
            ),
            hovertemplate="%{x}<br>%{y:,.0f} h · %{customdata[0]:,} · %{customdata[1]:,}<extra></extra>",
        )
    )
    fig.update_xaxes(type="category")
    fig.update_yaxes(gridcolor="#eee")
    return base_layout(fig, 300)


def types_chart(types: pl.DataFrame, lang: Lang) -> go.Figure:
    """Hours per service type, largest on top."""
    rows = types.sort("hours")
    fig = go.Figure(
        go.Bar(
            x=rows.get_column("hours").to_list(),
            y=[label("service_type", v, lang) for v in rows.get_column("service_type")],
            orientation="h",
            marker={"color": "#1f4e9c"},
            text=[format_count(v, lang) for v in rows.get_column("hours")],
            textposition="outside",
            hovertemplate="%{y}: %{x:,.0f} h<extra></extra>",
        )
    )
    high = max(rows.get_column("hours").to_list() or [1.0])
    fig.update_xaxes(range=[0, high * 1.25], gridcolor="#eee")
    return base_layout(fig, 300)


QUADRANT_COLORS = {
    "high_demand_low_supply": "#d73027",
    "high_demand_high_supply": "#fdae61",
    "low_demand_low_supply": "#91bfdb",
    "low_demand_high_supply": "#1a9850",
}


def quadrant_chart(gaps: pl.DataFrame, demand: str, supply: str, lang: Lang) -> go.Figure:
    """Each grid as a dot: demand (x) against supply (y), split at the medians; red = many issues, little service."""
    fig = go.Figure()
    for quadrant, color in QUADRANT_COLORS.items():
        rows = gaps.filter(pl.col("quadrant") == quadrant)
        if rows.is_empty():
            continue
        fig.add_trace(
            go.Scatter(
                x=rows.get_column(demand).to_list(),
                y=rows.get_column(supply).to_list(),
                mode="markers",
                name=t(f"volunteer.quadrant_{quadrant}", lang),
                marker={"color": color, "size": 8, "line": {"color": "#fff", "width": 0.5}},
                text=[
                    f"{g} · {c}"
                    for g, c in zip(
                        rows.get_column("grid_name"), rows.get_column("community_name"), strict=True
                    )
                ],
                hovertemplate="%{text}<br>x: %{x:.1f}<br>y: %{y:.1f}<extra></extra>",
            )
        )
    values = gaps.drop_nulls([demand, supply])
    if values.height:
        x_mid = values.get_column(demand).median()
        y_mid = values.get_column(supply).median()
        line = {"color": "#888", "dash": "dot", "width": 1}
        fig.add_vline(x=float(x_mid), line=line)  # type: ignore[arg-type]
        fig.add_hline(y=float(y_mid), line=line)  # type: ignore[arg-type]
    fig.update_xaxes(type="log", title=t("metric.issues_per_1000.label", lang), gridcolor="#eee")
    fig.update_yaxes(title=t("volunteer_map.value_active", lang), gridcolor="#eee")
    return base_layout(fig, 420)
