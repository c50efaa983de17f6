"""Tables as people read them: formatted text columns plus the grade of each graded cell.

Builders take computed frames and a language and return a :class:`DisplayTable`; the UI
only draws it (colouring graded cells green/amber/red). Kept apart from streamlit so the
exact text of every cell is testable. The shared parts live here (the table model, metric
columns, the unit table); each feature's own tables are in its package (``tables`` of
``closed_loop``, ``heat`` and ``volunteers``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pandas as pd
import polars as pl

from dashboard.core.settings import Settings
from dashboard.i18n import Lang, t
from dashboard.metrics import METRICS, OUTSIDE, PLACED, Grade, grade, placed_label


@dataclass
class DisplayTable:
    """Text to show, the grade per graded column, the key of each row (for selection), and the
    notes to show under the table (which metrics are "—" for want of data, and why)."""

    frame: pd.DataFrame
    grades: dict[str, list[Grade]] = field(default_factory=dict)
    keys: list[str | None] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _missing_flags(frame: pl.DataFrame, key: str) -> list[bool]:
    """Per row, whether ``key`` is empty because its inputs are absent (``<key>__missing``)."""
    column = METRICS[key].missing_column
    if column not in frame.columns:
        return [False] * frame.height
    return [bool(m) for m in frame.get_column(column).to_list()]


def metric_columns(
    table: pd.DataFrame, frame: pl.DataFrame, keys: Sequence[str], settings: Settings, lang: Lang
) -> dict[str, list[Grade]]:
    """Add a formatted column per metric of ``keys`` to ``table``; return the grades of the graded ones.

    A value whose inputs are absent (``<key>__missing``) is "—" and never graded.
    """
    grades: dict[str, list[Grade]] = {}
    for key in keys:
        spec = METRICS[key]
        values = [
            None if missing else v
            for v, missing in zip(frame.get_column(key).to_list(), _missing_flags(frame, key), strict=True)
        ]
        table[spec.label(lang)] = [spec.format(v, lang) for v in values]
        if spec.graded:
            grades[spec.label(lang)] = [grade(v, spec, settings) for v in values]
    return grades


def missing_reasons(frame: pl.DataFrame, keys: Sequence[str], lang: Lang) -> dict[str, str]:
    """The metrics of ``keys`` that are "—" on some row of ``frame`` for want of data: label → reason.

    The "outside every grid" row is left out (it has no residents by nature).
    """
    rows = frame.filter(~pl.col(OUTSIDE).fill_null(False)) if OUTSIDE in frame.columns else frame
    return {
        METRICS[key].label(lang): METRICS[key].missing_reason(lang)
        for key in keys
        if key in METRICS and any(_missing_flags(rows, key))
    }


def reason_notes(reasons: Mapping[str, str], lang: Lang) -> list[str]:
    """One line per reason, naming the metrics it empties.

    >>> reason_notes({"Solved in the grid": "no levels", "Solved in the community": "no levels"}, "en")
    ['Solved in the grid, Solved in the community shown as “—”: no levels.']
    """
    labels: dict[str, list[str]] = {}
    for label, reason in reasons.items():
        labels.setdefault(reason, []).append(label)
    sep = t("common.list_sep", lang)
    return [
        t("common.missing_note", lang, metrics=sep.join(names), reason=why) for why, names in labels.items()
    ]


def missing_notes(frame: pl.DataFrame, keys: Sequence[str], lang: Lang) -> list[str]:
    """The notes under a table: which metrics of ``keys`` are "—" for want of data, and why."""
    return reason_notes(missing_reasons(frame, keys, lang), lang)


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
    """Units (communities, grids) with their metrics; the rows of issues not placed at the units' level
    labelled by the level they reached ("Placed only at community level", "Outside every grid").

    ``parent`` adds a column (frame column, catalog key), such as the grid's community.
    """
    outside = frame.get_column(OUTSIDE) if OUTSIDE in frame.columns else pl.Series([False] * frame.height)
    placed = frame.get_column(PLACED) if PLACED in frame.columns else pl.Series([None] * frame.height)
    names = [
        placed_label(level, lang) if out else name
        for name, out, level in zip(frame.get_column(name_column), outside, placed, strict=True)
    ]
    table = pd.DataFrame({t("common.unit_" + code_column.removesuffix("_code"), lang): names})
    if parent is not None:
        column, label_key = parent
        table[t(label_key, lang)] = frame.get_column(column).to_list()
    if "rank" in frame.columns:
        table.insert(0, t("common.rank", lang), rank_text(frame.get_column("rank").to_list()))
    grades = metric_columns(table, frame, keys, settings, lang)
    small_sample_column(table, frame, settings, lang)
    notes = missing_notes(frame, keys, lang)
    return DisplayTable(table, grades, frame.get_column(code_column).to_list(), notes)


def unplaced_note(rows: pl.DataFrame, lang: Lang) -> list[str]:
    """Under a grid map: how many of the period's issues are in no grid, by how far they were placed
    ("not in a grid: placed only at community level 3, outside every grid 1"). Empty when there are none."""
    if rows.is_empty() or "placed" not in rows.columns:
        return []
    counts: dict[str, int] = {}
    for placed, count in rows.select("placed", "issue_count").iter_rows():
        counts[str(placed)] = counts.get(str(placed), 0) + int(count or 0)
    order = [p for p in ("community", "street", "outside") if counts.get(p)]
    items = t("common.list_sep", lang).join(
        t("map.unplaced_item", lang, label=placed_label(p, lang), n=counts[p]) for p in order
    )
    return [t("map.unplaced", lang, items=items)] if items else []
