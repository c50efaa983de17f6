"""The volunteer page's tables: demand against supply, teams, and volunteer measures per unit."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd
import polars as pl

from dashboard.core.formatting import format_count, format_percent
from dashboard.figures.tables import DisplayTable, reason_notes
from dashboard.i18n import Lang, t
from dashboard.metrics import METRICS, placed_label, unit_columns, volunteer_metric
from dashboard.volunteers.coverage import UnitBy


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


def volunteer_unit_table(
    frame: pl.DataFrame, by: UnitBy, keys: Sequence[str], lang: Lang, reasons: Mapping[str, str] | None = None
) -> DisplayTable:
    """Volunteer metrics per community (or grid), formatted by the volunteer registry.

    ``reasons`` (metric key → why it is empty, from :func:`~dashboard.volunteers.missing_reasons`)
    become the notes under the table.
    """
    code, name = unit_columns(by)
    table = pd.DataFrame({t(f"common.unit_{by}", lang): frame.get_column(name).to_list()})
    for key in keys:
        spec = volunteer_metric(key)
        table[spec.label(lang)] = [spec.format(v, lang) for v in frame.get_column(key).to_list()]
    shown = {volunteer_metric(k).label(lang): why for k, why in (reasons or {}).items() if k in keys}
    return DisplayTable(table, {}, frame.get_column(code).to_list(), reason_notes(shown, lang))


def unplaced_note(above: pl.DataFrame, lang: Lang) -> str | None:
    """Under a grid table or map: the volunteers and service hours placed only at community or street
    level (from :func:`~dashboard.volunteers.measures.placed_above_grids`); ``None`` when there are none."""
    items = [
        t(
            "volunteer.unplaced_item",
            lang,
            label=placed_label(str(level), lang),
            n=format_count(int(count), lang),
            hours=f"{float(hours):,.1f}",
        )
        for level, count, hours in above.select("level", "volunteer_count", "service_hours").iter_rows()
        if count or hours
    ]
    return t("volunteer.unplaced", lang, items=t("common.list_sep", lang).join(items)) if items else None
