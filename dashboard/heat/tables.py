"""The heat page's tables: repeat locations, the busiest grids and the emerging grids."""

from __future__ import annotations

import pandas as pd
import polars as pl

from dashboard.core.formatting import format_count
from dashboard.figures.tables import DisplayTable
from dashboard.i18n import Lang, label, t
from dashboard.metrics import METRICS


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
    """The busiest grids: issues, and issues per 1,000 residents."""
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
