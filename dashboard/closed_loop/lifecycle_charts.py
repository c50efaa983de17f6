"""Plotly figures of the lifecycle analysis (:mod:`dashboard.lifecycle`): frame and language in, figure out."""

from __future__ import annotations

from typing import Final

import plotly.graph_objects as go
import polars as pl

from dashboard.closed_loop.lifecycle import (
    AGE_BUCKETS,
    LEVELS,
    RETURNED,
    UNIT_CODES,
    UNKNOWN_LEVEL,
    TimelineEvent,
    finish_hours_summary,
)
from dashboard.core.formatting import format_count, format_percent
from dashboard.figures.charts import FONT, base_layout
from dashboard.i18n import Lang, label, t

STAGE_COLOR: Final = "#1f4e9c"
BRANCH_COLOR: Final = "#8fa9d6"  # dispatched: a branch that grid- and community-level issues skip
RETURNED_COLOR: Final = "#f46d43"
LEVEL_COLORS: Final[dict[str, str]] = {
    "grid": "#1a9850",  # dark green: small matters stay in the grid
    "community": "#91cf60",  # light green
    "street": "#fdae61",  # orange
    "department": "#f46d43",  # red-orange
    UNKNOWN_LEVEL: "#bdbdbd",  # grey
}
BUCKET_COLORS: Final[dict[str, str]] = {
    "0-3": "#a6d96a",
    "3-7": "#fee08b",
    "7-30": "#fdae61",
    "30+": "#d73027",
}
OVERDUE_COLOR: Final = "#b2182b"
BOX_COLOR: Final = "#1f4e9c"
HOUR_TICKS: Final[tuple[float, ...]] = (0.1, 1, 4, 12, 24, 72, 168, 720)


def stage_label(stage: str, lang: Lang) -> str:
    """The catalog name of a stage key: ``resolved`` is ``lifecycle.stage_resolved``."""
    return t(f"lifecycle.stage_{stage}", lang)


def bucket_label(bucket: str, lang: Lang) -> str:
    """The catalog name of an age bucket: ``7-30`` is ``lifecycle.bucket_7_30``, ``30+`` ``bucket_30_plus``."""
    return t("lifecycle.bucket_" + bucket.replace("-", "_").replace("+", "_plus"), lang)


def level_label(level: str, lang: Lang) -> str:
    """A solving level's name; ``unknown`` is an issue finished without a level."""
    return t("lifecycle.level_unknown", lang) if level == UNKNOWN_LEVEL else label("level", level, lang)


def event_detail(event: TimelineEvent, lang: Lang) -> str:
    """The detail of a timeline step as shown: the source, department, level, rating or rework count."""
    if not event.detail:
        return ""
    if event.stage == "dispatched":
        # The department's name when the data has one, else the level it went up to.
        kind = "level" if event.detail in ("street", "department") else "department"
        return label(kind, event.detail, lang)
    if event.stage == RETURNED:
        return t("lifecycle.rework_times", lang, count=event.detail)
    kinds = {"reported": "source", "resolved": "level", "rated": "satisfaction"}
    kind_of_detail = kinds.get(event.stage)
    return label(kind_of_detail, event.detail, lang) if kind_of_detail else event.detail


def _hours_text(hours: float | None, lang: Lang) -> str:
    return t("common.none", lang) if hours is None else t("lifecycle.hours", lang, hours=f"{hours:.1f}")


def _unit_columns(frame: pl.DataFrame) -> tuple[str, str]:
    for code in UNIT_CODES:
        if code in frame.columns:
            return code, code.removesuffix("_code") + "_name"
    raise ValueError(f"the frame has no unit column ({', '.join(UNIT_CODES)})")


def _unit_names(frame: pl.DataFrame, code: str, name: str, lang: Lang) -> list[str]:
    """Unit names in the frame's order; the null code is the 'outside every grid' bucket."""
    return [
        t("common.outside", lang) if c is None else (n or c)
        for c, n in zip(frame.get_column(code).to_list(), frame.get_column(name).to_list(), strict=True)
    ]


def _in_order(frame: pl.DataFrame, code: str, units: list[str | None]) -> pl.DataFrame:
    """Rows of ``frame`` in the order of ``units`` (null codes matched too)."""
    order = pl.DataFrame(
        {code: units, "_order": list(range(len(units)))}, schema={code: pl.String, "_order": pl.Int64}
    )
    return frame.join(order, on=code, how="inner", nulls_equal=True).sort("_order").drop("_order")


# --- funnel ----------------------------------------------------------------------------------


def funnel_chart(funnel_frame: pl.DataFrame, lang: Lang) -> go.Figure:
    """The loop's stages as horizontal bars, first stage at the top.

    Each bar shows the count and its share of the period's issues, and the median hours
    from the previous step where there is one. ``dispatched`` is drawn lighter (a branch),
    the ``returned`` row in red-orange after the stages.
    """
    stages = funnel_frame.get_column("stage").to_list()
    counts = funnel_frame.get_column("count").to_list()
    shares = funnel_frame.get_column("share").to_list()
    medians = funnel_frame.get_column("median_hours").to_list()
    texts: list[str] = []
    hovers: list[str] = []
    colors: list[str] = []
    for stage, count, share, median in zip(stages, counts, shares, medians, strict=True):
        text = t("lifecycle.bar_text", lang, count=format_count(count, lang), share=format_percent(share))
        lines = [
            f"<b>{stage_label(stage, lang)}</b>",
            t("lifecycle.hover_count", lang, count=format_count(count, lang)),
            t("lifecycle.hover_share", lang, share=format_percent(share)),
        ]
        if median is not None:
            text += " · " + t("lifecycle.bar_median", lang, hours=f"{median:.1f}")
            since = t(f"lifecycle.since_{stage}", lang)
            lines.append(t("lifecycle.hover_median", lang, hours=_hours_text(median, lang), since=since))
        if stage == "dispatched":
            lines.append(t("lifecycle.dispatched_note", lang))
        if stage == RETURNED:
            lines.append(t("lifecycle.returned_note", lang))
        texts.append(text)
        hovers.append("<br>".join(lines))
        colors.append(
            RETURNED_COLOR if stage == RETURNED else BRANCH_COLOR if stage == "dispatched" else STAGE_COLOR
        )
    fig = go.Figure(
        go.Bar(
            x=counts,
            y=[stage_label(s, lang) for s in stages],
            orientation="h",
            marker={"color": colors},
            text=texts,
            textposition="outside",
            cliponaxis=False,
            hovertext=hovers,
            hovertemplate="%{hovertext}<extra></extra>",
            showlegend=False,
        )
    )
    top = max([c for c in counts if c is not None], default=0)
    fig.update_xaxes(title_text=t("lifecycle.funnel_axis", lang), range=[0, top * 1.9 or 1], gridcolor="#eee")
    fig.update_yaxes(autorange="reversed")
    return base_layout(fig, 40 * len(stages) + 90)


# --- levels ----------------------------------------------------------------------------------


def level_mix_chart(level_mix_frame: pl.DataFrame, lang: Lang) -> go.Figure:
    """Per unit, 100% stacked bars of where finished issues were solved.

    Highest grid-level share on top; issues outside every grid in a last bar.
    """
    code, name = _unit_columns(level_mix_frame)
    grid_rows = (
        level_mix_frame.filter(pl.col("level") == "grid")
        .with_columns(pl.col(code).is_null().alias("_outside"))
        .sort(["_outside", "share", code], descending=[False, True, False], nulls_last=True)
    )
    units = grid_rows.get_column(code).to_list()
    names = _unit_names(grid_rows, code, name, lang)
    fig = go.Figure()
    for level in LEVELS:
        rows = _in_order(level_mix_frame.filter(pl.col("level") == level), code, units)
        shares = rows.get_column("share").to_list()
        level_name = level_label(level, lang)
        hovers = [
            t(
                "lifecycle.level_hover",
                lang,
                unit=unit,
                level=level_name,
                count=format_count(count, lang),
                total=format_count(total, lang),
                share=format_percent(share),
            )
            for unit, count, total, share in zip(
                names, rows.get_column("count"), rows.get_column("total"), shares, strict=True
            )
        ]
        fig.add_trace(
            go.Bar(
                x=shares,
                y=names,
                orientation="h",
                name=level_name,
                marker={"color": LEVEL_COLORS[level]},
                text=[format_percent(s, 0) if s is not None and s >= 0.08 else "" for s in shares],
                textposition="inside",
                insidetextanchor="middle",
                hovertext=hovers,
                hovertemplate="%{hovertext}<extra></extra>",
            )
        )
    fig.update_layout(barmode="stack")
    fig.update_xaxes(title_text=t("lifecycle.level_axis", lang), tickformat=".0%", range=[0, 1])
    fig.update_yaxes(autorange="reversed", type="category")
    return base_layout(fig, max(260, 28 * len(names) + 110))


# --- time to finish --------------------------------------------------------------------------------


def finish_time_chart(hours_frame: pl.DataFrame, lang: Lang) -> go.Figure:
    """Hours to finish per category as boxes on a log axis, slowest median first.

    A log axis cannot show 0 hours, so issues finished at their report time are left out
    of the boxes. A diamond on each box marks the median; its hover gives median, 90th
    percentile and count in the page's language.
    """
    positive = hours_frame.filter(pl.col("hours_to_finish") > 0)
    summary = finish_hours_summary(positive)
    fig = go.Figure()
    names: list[str] = []
    for category in summary.get_column("category").to_list():
        values = positive.filter(pl.col("category") == category).get_column("hours_to_finish")
        names.append(label("category", category, lang))
        fig.add_trace(
            go.Box(
                y=values.to_list(),
                name=names[-1],
                marker={"color": BOX_COLOR, "size": 3},
                line={"width": 1.5},
                boxpoints="outliers",
                hoverinfo="skip",
                showlegend=False,
            )
        )
    fig.add_trace(_median_markers(summary, names, lang))
    # Ticks people count in: an hour, half a day, a day, three days, a week, a month.
    fig.update_yaxes(
        type="log",
        title_text=t("lifecycle.hours_axis", lang),
        tickvals=HOUR_TICKS,
        ticktext=[f"{v:g}" for v in HOUR_TICKS],
        gridcolor="#eee",
    )
    fig.update_xaxes(type="category", categoryorder="array", categoryarray=names)
    return base_layout(fig, 420)


def _median_markers(summary: pl.DataFrame, names: list[str], lang: Lang) -> go.Scatter:
    """A diamond on each category's box at its median; the hover gives median, 90th percentile and count."""
    hovers = [
        t(
            "lifecycle.finish_hover",
            lang,
            category=name,
            median=f"{median:.1f}",
            p90=f"{p90:.1f}",
            count=format_count(count, lang),
        )
        for name, median, p90, count in zip(
            names,
            summary.get_column("median_hours"),
            summary.get_column("p90_hours"),
            summary.get_column("count"),
            strict=True,
        )
    ]
    return go.Scatter(
        x=names,
        y=summary.get_column("median_hours").to_list(),
        mode="markers",
        name=t("lifecycle.median", lang),
        marker={
            "symbol": "diamond",
            "size": 9,
            "color": "#e9a23b",
            "line": {"width": 1, "color": "#333"},
        },
        hovertext=hovers,
        hovertemplate="%{hovertext}<extra></extra>",
    )


# --- ageing ----------------------------------------------------------------------------------------


def ageing_chart(summary: pl.DataFrame, lang: Lang) -> go.Figure:
    """Open issues per unit as bars stacked by age bucket, most open issues on top.

    A red note at the end of each bar gives how many of them are overdue; issues
    outside every grid come last.
    """
    code, name = _unit_columns(summary)
    totals = (
        summary.group_by(code, name)
        .agg(pl.col("count").sum().alias("open"), pl.col("overdue").sum())
        .with_columns(pl.col(code).is_null().alias("_outside"))
        .sort(["_outside", "open", code], descending=[False, True, False], nulls_last=True)
    )
    names = _unit_names(totals, code, name, lang)
    units = totals.get_column(code).to_list()
    fig = go.Figure()
    for bucket in AGE_BUCKETS:
        rows = _in_order(summary.filter(pl.col("age_bucket") == bucket), code, units)
        fig.add_trace(_bucket_bar(rows, names, bucket, lang))
    fig.add_trace(_overdue_notes(totals, names, lang))
    top = max(totals.get_column("open").to_list(), default=0)
    fig.update_layout(barmode="stack")
    fig.update_xaxes(title_text=t("lifecycle.open_axis", lang), range=[0, top * 1.25 or 1], gridcolor="#eee")
    fig.update_yaxes(autorange="reversed", type="category")
    return base_layout(fig, max(260, 28 * len(names) + 110))


def _bucket_bar(rows: pl.DataFrame, names: list[str], bucket: str, lang: Lang) -> go.Bar:
    """One age bucket's open issues per unit (``rows`` in the order of ``names``)."""
    counts = rows.get_column("count").to_list()
    bucket_name = bucket_label(bucket, lang)
    hovers = [
        t(
            "lifecycle.bucket_hover",
            lang,
            unit=unit,
            bucket=bucket_name,
            count=format_count(count, lang),
            overdue=format_count(overdue, lang),
        )
        for unit, count, overdue in zip(names, counts, rows.get_column("overdue"), strict=True)
    ]
    return go.Bar(
        x=counts,
        y=names,
        orientation="h",
        name=bucket_name,
        marker={"color": BUCKET_COLORS[bucket]},
        hovertext=hovers,
        hovertemplate="%{hovertext}<extra></extra>",
    )


def _overdue_notes(totals: pl.DataFrame, names: list[str], lang: Lang) -> go.Scatter:
    """A red note at the end of each unit's bar with how many of its open issues are overdue."""
    flagged = [
        (unit, total, overdue)
        for unit, total, overdue in zip(
            names, totals.get_column("open").to_list(), totals.get_column("overdue").to_list(), strict=True
        )
        if overdue
    ]
    return go.Scatter(
        x=[total for _, total, _ in flagged],
        y=[unit for unit, _, _ in flagged],
        mode="text",
        name=t("lifecycle.overdue", lang),
        text=[t("lifecycle.overdue_text", lang, count=format_count(o, lang)) for _, _, o in flagged],
        textposition="middle right",
        textfont={"color": OVERDUE_COLOR, "family": FONT},
        hoverinfo="skip",
    )
