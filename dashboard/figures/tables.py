"""Tables as people read them: formatted text columns plus the grade of each graded cell.

Builders take computed frames and a language and return a :class:`DisplayTable`; the UI
only draws it (colouring graded cells green/amber/red). Kept apart from streamlit so the
exact text of every cell is testable.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pandas as pd
import polars as pl

from dashboard.closed_loop.lifecycle import TimelineEvent
from dashboard.closed_loop.lifecycle_charts import event_detail, stage_label
from dashboard.core.formatting import format_count, format_percent
from dashboard.core.settings import Settings
from dashboard.i18n import Lang, label, t
from dashboard.metrics import METRICS, Grade, grade, unit_columns, volunteer_metric


@dataclass
class DisplayTable:
    """Text to show, the grade per graded column, and the key of each row (for selection)."""

    frame: pd.DataFrame
    grades: dict[str, list[Grade]] = field(default_factory=dict)
    keys: list[str | None] = field(default_factory=list)


def _metric_columns(
    table: pd.DataFrame, frame: pl.DataFrame, keys: Sequence[str], settings: Settings, lang: Lang
) -> dict[str, list[Grade]]:
    grades: dict[str, list[Grade]] = {}
    for key in keys:
        spec = METRICS[key]
        values = frame.get_column(key).to_list()
        table[spec.label(lang)] = [spec.format(v, lang) for v in values]
        if spec.graded:
            grades[spec.label(lang)] = [grade(v, spec, settings) for v in values]
    return grades


def _small_sample(table: pd.DataFrame, frame: pl.DataFrame, settings: Settings, lang: Lang) -> None:
    if "small_sample" in frame.columns:
        table[t("common.small_sample_column", lang, n=settings.small_sample)] = [
            "●" if s else "" for s in frame.get_column("small_sample")
        ]


def _rank_text(values: Sequence[int | None]) -> list[str]:
    return ["" if r is None else str(r) for r in values]


def unit_table(
    frame: pl.DataFrame,
    code_column: str,
    name_column: str,
    keys: Sequence[str],
    settings: Settings,
    lang: Lang,
    parent: tuple[str, str] | None = None,
) -> DisplayTable:
    """Units (communities, grids) with their metrics; the "outside every grid" row labelled as such.

    ``parent`` adds a column (frame column, catalog key), such as the grid's community.
    """
    outside = frame.get_column("outside") if "outside" in frame.columns else pl.Series([False] * frame.height)
    names = [
        t("common.outside", lang) if out else name
        for name, out in zip(frame.get_column(name_column), outside, strict=True)
    ]
    table = pd.DataFrame({t("common.unit_" + code_column.removesuffix("_code"), lang): names})
    if parent is not None:
        column, label_key = parent
        table[t(label_key, lang)] = frame.get_column(column).to_list()
    if "rank" in frame.columns:
        table.insert(0, t("common.rank", lang), _rank_text(frame.get_column("rank").to_list()))
    grades = _metric_columns(table, frame, keys, settings, lang)
    _small_sample(table, frame, settings, lang)
    return DisplayTable(table, grades, frame.get_column(code_column).to_list())


def _rank_change(change: int | None) -> str:
    if change is None:
        return ""
    if change > 0:
        return f"↑{change}"
    if change < 0:
        return f"↓{-change}"
    return "–"


def league_table(
    frame: pl.DataFrame, by: str, keys: Sequence[str], settings: Settings, lang: Lang
) -> DisplayTable:
    """The monthly league: rank, change of rank, unit, metrics, months on target, score."""
    code, name = unit_columns(by)  # type: ignore[arg-type]
    table = pd.DataFrame(
        {
            t("common.rank", lang): _rank_text(frame.get_column("rank").to_list()),
            t("loop.rank_change", lang): [_rank_change(c) for c in frame.get_column("rank_change").to_list()],
            t(f"common.unit_{by}", lang): frame.get_column(name).to_list(),
        }
    )
    grades = _metric_columns(table, frame, keys, settings, lang)
    table[t("loop.streak", lang)] = [t("loop.streak_months", lang, n=n) for n in frame.get_column("streak")]
    table[t("loop.score", lang)] = [
        "—" if s is None else f"{s:.1f}" for s in frame.get_column("score").to_list()
    ]
    _small_sample(table, frame, settings, lang)
    return DisplayTable(table, grades, frame.get_column(code).to_list())


def score_table(frame: pl.DataFrame, by: str, settings: Settings, lang: Lang) -> DisplayTable:
    """The composite score beside its components (never alone), highest first."""
    code, name = unit_columns(by)  # type: ignore[arg-type]
    ordered = frame.sort(["score", code], descending=[True, False], nulls_last=True)
    table = pd.DataFrame({t(f"common.unit_{by}", lang): ordered.get_column(name).to_list()})
    table[t("loop.score", lang)] = [
        "—" if s is None else f"{s:.1f}" for s in ordered.get_column("score").to_list()
    ]
    keys = list(settings.score_weights)
    grades = _metric_columns(table, ordered, keys, settings, lang)
    return DisplayTable(table, grades, ordered.get_column(code).to_list())


def department_table(frame: pl.DataFrame, settings: Settings, lang: Lang) -> DisplayTable:
    """Departments (the street blows the whistle, departments report) ranked by on-time rate."""
    table = pd.DataFrame(
        {
            t("common.rank", lang): _rank_text(frame.get_column("rank").to_list()),
            t("loop.department", lang): [
                label("department", d, lang) for d in frame.get_column("department")
            ],
            t("loop.dispatched", lang): [format_count(v, lang) for v in frame.get_column("issue_count")],
        }
    )
    keys = ("on_time_rate", "resolution_rate", "rework_rate", "median_hours_to_finish", "satisfaction_rate")
    grades = _metric_columns(table, frame, keys, settings, lang)
    _small_sample(table, frame, settings, lang)
    return DisplayTable(table, grades, frame.get_column("department").to_list())


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
    grades = _metric_columns(
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


def repeat_table(frame: pl.DataFrame, lang: Lang) -> DisplayTable:
    """Repeat locations: where, how many, what, since when (addresses only as recorded: no people)."""
    table = pd.DataFrame(
        {
            t("common.unit_community", lang): frame.get_column("community_name").to_list(),
            t("heatmap.col_address", lang): [a or "" for a in frame.get_column("address").to_list()],
            t("heatmap.col_count", lang): [format_count(v, lang) for v in frame.get_column("count")],
            t("heatmap.col_top_category", lang): [
                label("category", c, lang) for c in frame.get_column("top_category")
            ],
            t("heatmap.col_first", lang): [f"{v:%Y-%m-%d}" for v in frame.get_column("first_reported_at")],
            t("heatmap.col_last", lang): [f"{v:%Y-%m-%d}" for v in frame.get_column("last_reported_at")],
        }
    )
    return DisplayTable(table, {}, frame.get_column("place").to_list())


def top_grid_table(frame: pl.DataFrame, lang: Lang) -> DisplayTable:
    table = pd.DataFrame(
        {
            t("common.unit_grid", lang): frame.get_column("grid_name").to_list(),
            t("common.unit_community", lang): frame.get_column("community_name").to_list(),
            METRICS["issue_count"].label(lang): [
                format_count(v, lang) for v in frame.get_column("issue_count")
            ],
            METRICS["issues_per_1000"].label(lang): [
                "—" if v is None else f"{v:.1f}" for v in frame.get_column("issues_per_1000").to_list()
            ],
        }
    )
    return DisplayTable(table, {}, frame.get_column("grid_code").to_list())


def emerging_table(frame: pl.DataFrame, lang: Lang) -> DisplayTable:
    """Grids rising against their own baseline: observed, expected, ratio and the p-value."""
    table = pd.DataFrame(
        {
            t("common.unit_grid", lang): frame.get_column("grid_name").to_list(),
            t("common.unit_community", lang): frame.get_column("community_name").to_list(),
            t("heatmap.col_observed", lang): [format_count(v, lang) for v in frame.get_column("observed")],
            t("heatmap.col_expected", lang): [f"{v:.1f}" for v in frame.get_column("expected")],
            t("heatmap.col_ratio", lang): [
                f"×{v:.1f}" if v is not None else "—" for v in frame.get_column("ratio")
            ],
            t("heatmap.col_p", lang): [f"{v:.1e}" for v in frame.get_column("p_value")],
        }
    )
    return DisplayTable(table, {}, frame.get_column("grid_code").to_list())


def gap_display(frame: pl.DataFrame, lang: Lang) -> DisplayTable:
    """Grids with many issues and little service: demand, supply and reach side by side."""
    table = pd.DataFrame(
        {
            t("common.unit_grid", lang): frame.get_column("grid_name").to_list(),
            t("common.unit_community", lang): frame.get_column("community_name").to_list(),
            METRICS["issues_per_1000"].label(lang): [
                "—" if v is None else f"{v:.1f}" for v in frame.get_column("issues_per_1000").to_list()
            ],
            t("volunteer_map.value_active", lang): [
                "—" if v is None else f"{v:.1f}" for v in frame.get_column("active_per_1000").to_list()
            ],
            t("volunteer_map.value_coverage", lang): [
                format_percent(v) for v in frame.get_column("coverage_share").to_list()
            ],
        }
    )
    return DisplayTable(table, {}, frame.get_column("grid_code").to_list())


def team_table(frame: pl.DataFrame, lang: Lang) -> DisplayTable:
    """Volunteer teams by service hours: members and active members, never names."""
    table = pd.DataFrame(
        {
            t("volunteer_map.team", lang): frame.get_column("team").to_list(),
            t("volunteer_map.members", lang): [format_count(v, lang) for v in frame.get_column("members")],
            t("volunteer_map.active", lang): [format_count(v, lang) for v in frame.get_column("active")],
            t("volunteer_map.hours", lang): [f"{v:,.1f}" for v in frame.get_column("hours")],
        }
    )
    return DisplayTable(table, {}, frame.get_column("team").to_list())


def volunteer_unit_table(frame: pl.DataFrame, by: str, keys: Sequence[str], lang: Lang) -> DisplayTable:
    """Volunteer metrics per community (or grid), formatted by the volunteer registry."""

    code, name = unit_columns(by)  # type: ignore[arg-type]
    table = pd.DataFrame({t(f"common.unit_{by}", lang): frame.get_column(name).to_list()})
    for key in keys:
        spec = volunteer_metric(key)
        table[spec.label(lang)] = [spec.format(v, lang) for v in frame.get_column(key).to_list()]
    return DisplayTable(table, {}, frame.get_column(code).to_list())
