"""Tables as people read them: formatted text columns plus the grade of each graded cell.

Builders take computed frames and a language and return a :class:`DisplayTable`; the UI
only draws it (colouring graded cells green/amber/red). Kept apart from streamlit so the
exact text of every cell is testable. The shared parts live here (the table model, metric
columns, the unit table); each feature's own tables are in its package (``tables`` of
``closed_loop``, ``heat`` and ``volunteers``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pandas as pd
import polars as pl

from dashboard.core.settings import Settings
from dashboard.i18n import Lang, t
from dashboard.metrics import METRICS, Grade, grade


@dataclass
class DisplayTable:
    """Text to show, the grade per graded column, and the key of each row (for selection)."""

    frame: pd.DataFrame
    grades: dict[str, list[Grade]] = field(default_factory=dict)
    keys: list[str | None] = field(default_factory=list)


def metric_columns(
    table: pd.DataFrame, frame: pl.DataFrame, keys: Sequence[str], settings: Settings, lang: Lang
) -> dict[str, list[Grade]]:
    """Add a formatted column per metric of ``keys`` to ``table``; return the grades of the graded ones."""
    grades: dict[str, list[Grade]] = {}
    for key in keys:
        spec = METRICS[key]
        values = frame.get_column(key).to_list()
        table[spec.label(lang)] = [spec.format(v, lang) for v in values]
        if spec.graded:
            grades[spec.label(lang)] = [grade(v, spec, settings) for v in values]
    return grades


def small_sample_column(table: pd.DataFrame, frame: pl.DataFrame, settings: Settings, lang: Lang) -> None:
    """Add the small-sample marker column (●) when ``frame`` has a ``small_sample`` column."""
    if "small_sample" in frame.columns:
        table[t("common.small_sample_column", lang, n=settings.small_sample)] = [
            "●" if s else "" for s in frame.get_column("small_sample")
        ]


def rank_text(values: Sequence[int | None]) -> list[str]:
    """Ranks as text, empty where there is none (the "outside every grid" row)."""
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
        table.insert(0, t("common.rank", lang), rank_text(frame.get_column("rank").to_list()))
    grades = metric_columns(table, frame, keys, settings, lang)
    small_sample_column(table, frame, settings, lang)
    return DisplayTable(table, grades, frame.get_column(code_column).to_list())
