"""The closed-loop page's tables: league, score, departments, grid workers, shortfall, open issues, timeline."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import polars as pl

from dashboard.closed_loop.lifecycle import TimelineEvent
from dashboard.closed_loop.lifecycle_charts import event_detail, stage_label
from dashboard.core.formatting import format_count, format_percent
from dashboard.core.settings import Settings
from dashboard.figures.tables import (
    DisplayTable,
    metric_columns,
    missing_notes,
    rank_text,
    small_sample_column,
)
from dashboard.i18n import Lang, label, t
from dashboard.metrics import METRICS, Unit, unit_columns


def _rank_change(change: int | None) -> str:
    """A change of rank as an arrow: ↑ up, ↓ down, – unchanged, empty when new."""
    if change is None:
        return ""
    if change > 0:
        return f"↑{change}"
    if change < 0:
        return f"↓{-change}"
    return "–"


def league_table(
    frame: pl.DataFrame, by: Unit, keys: Sequence[str], settings: Settings, lang: Lang
) -> DisplayTable:
    """The monthly league: rank, change of rank, unit, metrics, months on target, score."""
    code, name = unit_columns(by)
    table = pd.DataFrame(
        {
            t("common.rank", lang): rank_text(frame.get_column("rank").to_list()),
            t("loop.rank_change", lang): [_rank_change(c) for c in frame.get_column("rank_change").to_list()],
            t(f"common.unit_{by}", lang): frame.get_column(name).to_list(),
        }
    )
    grades = metric_columns(table, frame, keys, settings, lang)
    table[t("loop.streak", lang)] = [t("loop.streak_months", lang, n=n) for n in frame.get_column("streak")]
    table[t("loop.score", lang)] = [
        "—" if s is None else f"{s:.1f}" for s in frame.get_column("score").to_list()
    ]
    small_sample_column(table, frame, settings, lang)
    return DisplayTable(table, grades, frame.get_column(code).to_list(), missing_notes(frame, keys, lang))


def score_table(frame: pl.DataFrame, by: Unit, settings: Settings, lang: Lang) -> DisplayTable:
    """The composite score beside its components (never alone), highest first."""
    code, name = unit_columns(by)
    ordered = frame.sort(["score", code], descending=[True, False], nulls_last=True)
    table = pd.DataFrame({t(f"common.unit_{by}", lang): ordered.get_column(name).to_list()})
    table[t("loop.score", lang)] = [
        "—" if s is None else f"{s:.1f}" for s in ordered.get_column("score").to_list()
    ]
    keys = list(settings.score_weights)
    grades = metric_columns(table, ordered, keys, settings, lang)
    return DisplayTable(table, grades, ordered.get_column(code).to_list(), missing_notes(ordered, keys, lang))


def department_table(frame: pl.DataFrame, settings: Settings, lang: Lang) -> DisplayTable:
    """Departments (the street blows the whistle, departments report) ranked by on-time rate."""
    table = pd.DataFrame(
        {
            t("common.rank", lang): rank_text(frame.get_column("rank").to_list()),
            t("loop.department", lang): [
                label("department", d, lang) for d in frame.get_column("department")
            ],
            t("loop.dispatched", lang): [format_count(v, lang) for v in frame.get_column("issue_count")],
        }
    )
    keys = ("on_time_rate", "resolution_rate", "rework_rate", "median_hours_to_finish", "satisfaction_rate")
    grades = metric_columns(table, frame, keys, settings, lang)
    small_sample_column(table, frame, settings, lang)
    return DisplayTable(
        table, grades, frame.get_column("department").to_list(), missing_notes(frame, keys, lang)
    )


def worker_table(frame: pl.DataFrame, settings: Settings, lang: Lang) -> DisplayTable:
    """Grid workers: patrol finds per week, and the share solved inside their grid."""
    table = pd.DataFrame(
        {
            t("map.grid_worker", lang): frame.get_column("grid_worker").to_list(),
            t("common.unit_grid", lang): frame.get_column("grid_name").to_list(),
            t("common.unit_community", lang): frame.get_column("community_name").to_list(),
            t("loop.patrol_issues", lang): [format_count(v, lang) for v in frame.get_column("patrol_issues")],
            t("loop.patrol_per_week", lang): [f"{v:.1f}" for v in frame.get_column("patrol_per_week")],
        }
    )
    grades = metric_columns(
        table, frame, ("issue_count", "grid_level_share", "resolution_rate"), settings, lang
    )
    return DisplayTable(table, grades, frame.get_column("grid_code").to_list())


def shortfall_table(frame: pl.DataFrame, key: str, lang: Lang) -> DisplayTable:
    """Contributions to the shortfall below target, the biggest first (category or grid)."""
    names = (
        [label("category", v, lang) for v in frame.get_column(key)]
        if key == "category"
        else frame.get_column("grid_name").to_list()
    )
    table = pd.DataFrame(
        {
            t(f"loop.by_{key}", lang): names,
            t("loop.eligible", lang): [format_count(v, lang) for v in frame.get_column("eligible")],
            t("loop.unfinished", lang): [format_count(v, lang) for v in frame.get_column("unfinished")],
            METRICS["resolution_rate"].label(lang): [
                format_percent(v) for v in frame.get_column("resolution_rate")
            ],
            t("loop.contribution", lang): [f"{v:+.1f}" for v in frame.get_column("contribution")],
        }
    )
    return DisplayTable(table, {}, frame.get_column(key).to_list())


def open_issue_table(frame: pl.DataFrame, lang: Lang) -> DisplayTable:
    """Open issues, overdue and oldest first: the list behind a red number (no personal data)."""
    table = pd.DataFrame(
        {
            t("lifecycle_list.issue_id", lang): frame.get_column("issue_id").to_list(),
            t("common.unit_community", lang): frame.get_column("community_name").to_list(),
            t("common.unit_grid", lang): frame.get_column("grid_name").to_list(),
            t("lifecycle_list.category", lang): [
                label("category", c, lang) for c in frame.get_column("category")
            ],
            t("lifecycle_list.status", lang): [label("status", s, lang) for s in frame.get_column("status")],
            t("lifecycle_list.reported_at", lang): [
                f"{v:%Y-%m-%d %H:%M}" for v in frame.get_column("reported_at")
            ],
            t("lifecycle_list.age_days", lang): [f"{v:.1f}" for v in frame.get_column("age_days")],
            t("lifecycle_list.overdue_days", lang): [
                f"{d:.1f}" if o else ""
                for d, o in zip(frame.get_column("days_overdue"), frame.get_column("overdue"), strict=True)
            ],
        }
    )
    return DisplayTable(table, {}, frame.get_column("issue_id").to_list())


def timeline_table(events: Sequence[TimelineEvent], lang: Lang) -> DisplayTable:
    """One issue's steps in time order: stage, time, detail (department, level, rating...)."""
    table = pd.DataFrame(
        {
            t("lifecycle_list.stage", lang): [stage_label(e.stage, lang) for e in events],
            t("lifecycle_list.time", lang): [
                "" if e.time is None else f"{e.time:%Y-%m-%d %H:%M}" for e in events
            ],
            t("lifecycle_list.detail", lang): [event_detail(e, lang) for e in events],
        }
    )
    return DisplayTable(table, {}, [e.stage for e in events])
