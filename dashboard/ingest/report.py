"""The validation report of an upload, as lines (CLI) and as a table (import page), in zh or en."""

from __future__ import annotations

import polars as pl

from dashboard.core.formatting import format_count
from dashboard.core.loading import ROW
from dashboard.core.privacy import mask_people
from dashboard.core.problems import MAX_ROWS_LISTED, Problem
from dashboard.i18n import Lang, t
from dashboard.ingest.findings import Prepared
from dashboard.ingest.store import Version
from dashboard.metrics import placed_label


def summary(prepared: Prepared, lang: Lang) -> str:
    """One sentence: how many rows were read, how many can be imported, how many cannot."""
    if prepared.blocking:
        return t("imports.summary_blocked", lang, file=prepared.file)
    return t(
        "imports.summary",
        lang,
        file=prepared.file,
        total=prepared.total_rows,
        good=prepared.good_count,
        bad=prepared.bad_rows,
        superseded=prepared.superseded,
    )


def details(prepared: Prepared, lang: Lang) -> list[str]:
    """What was read: format, encoding, sheet, header row, columns matched and ignored."""
    lines: list[str] = []
    if prepared.format:
        lines.append(
            t(
                "imports.read_as",
                lang,
                format=prepared.format,
                encoding=prepared.encoding or "-",
                sheet=prepared.sheet or "-",
                header_row=prepared.header_row or "-",
            )
        )
    if prepared.columns:
        matched = ", ".join(
            f"{h} → {' + '.join([c, *prepared.copies.get(h, [])])}" for h, c in prepared.columns.items()
        )
        lines.append(t("imports.matched", lang, columns=matched))
    if prepared.ignored:
        lines.append(t("imports.ignored", lang, columns=", ".join(prepared.ignored)))
    for column, words in prepared.unmatched.items():
        lines.append(t("imports.unmatched", lang, column=column, words=", ".join(words)))
    if prepared.constants:
        values = ", ".join(f"{c} = {v}" for c, v in prepared.constants.items())
        lines.append(t("imports.constants", lang, values=values))
    if placed := placement_line(prepared.placed, lang):
        lines.append(placed)
    return lines


def placement_line(placed: dict[str, int], lang: Lang) -> str | None:
    """How the rows to import are placed: "in a grid 5 (2 of them by address), placed only at community
    level 3 ..."; ``None`` for tables that are not placed."""
    items: list[str] = []
    for level in ("grid", "community", "street", "outside"):
        if not placed.get(level):
            continue
        label = t("imports.placed_grid", lang) if level == "grid" else placed_label(level, lang)
        item = t("imports.placed_item", lang, label=label, n=format_count(placed[level], lang))
        if level == "grid" and placed.get("address"):
            item += t("imports.placed_grid_by_address", lang, n=format_count(placed["address"], lang))
        items.append(item)
    return t("imports.placed", lang, items=t("common.list_sep", lang).join(items)) if items else None


def sample_lines(prepared: Prepared, lang: Lang) -> list[str]:
    """The file's first rows (only when no header was recognised), as the CLI prints them."""
    if not prepared.sample:
        return []
    head = t("imports.sample", lang, header_row=prepared.header_row or 1)
    return [head, *(f"  {n}: " + " | ".join(row) for n, row in enumerate(prepared.sample, start=1))]


def sample_table(prepared: Prepared) -> pl.DataFrame:
    """The file's first rows as a table with the file's row numbers (the page shows it)."""
    if not prepared.sample:
        return pl.DataFrame()
    width = max(len(r) for r in prepared.sample)
    rows = [[str(n), *row, *[""] * (width - len(row))] for n, row in enumerate(prepared.sample, start=1)]
    names = ["#", *(f"{i + 1}" for i in range(width))]
    return pl.DataFrame(rows, schema=dict.fromkeys(names, pl.String), orient="row")


def _row_text(problem: Problem) -> str:
    if not problem.rows:
        return ""  # a note on the whole file: its rows are counted, not listed
    shown = ", ".join(str(r) for r in problem.rows[:MAX_ROWS_LISTED])
    more = problem.count - min(len(problem.rows), MAX_ROWS_LISTED)
    return f"{shown} (+{more})" if more > 0 else shown


def _by_severity(prepared: Prepared, refused: bool = False) -> tuple[tuple[str, list[Problem]], ...]:
    # A refused file imports nothing: its notes are notes, not "(imported)".
    note = "note" if refused or prepared.refused else "warning"
    return (
        ("blocking", prepared.blocking),
        ("error", prepared.errors),
        ("left_out", prepared.left_out),
        (note, prepared.warnings),
    )


def problem_table(prepared: Prepared, lang: Lang) -> pl.DataFrame:
    """One row per problem: severity, rows (as numbered in the file), column, count and message."""
    records = []
    for severity, problems in _by_severity(prepared):
        for problem in problems:
            text = problem.text(lang)
            records.append(
                {
                    t("imports.col_severity", lang): t(f"imports.severity_{severity}", lang),
                    t("imports.col_rows", lang): _row_text(problem),
                    t("imports.col_count", lang): problem.count,
                    t("imports.col_column", lang): problem.column or "",
                    t("imports.col_message", lang): text,
                }
            )
    columns = [t(f"imports.col_{c}", lang) for c in ("severity", "rows", "count", "column", "message")]
    if not records:
        return pl.DataFrame(schema={c: pl.Int64 if c == columns[2] else pl.String for c in columns})
    return pl.DataFrame(records).select(columns)


def lines(prepared: Prepared, lang: Lang, refused: bool = False) -> list[str]:
    """The whole report as text lines (what the CLI prints); ``refused``: nothing will be imported."""
    out = [summary(prepared, lang), *details(prepared, lang), *sample_lines(prepared, lang)]
    for severity, problems in _by_severity(prepared, refused):
        label = t(f"imports.severity_{severity}", lang)
        out += [f"[{label}] {p.message(lang)}" for p in problems]
    return out


def version_table(history: list[Version], lang: Lang) -> pl.DataFrame:
    """The versions of a data root, newest first, for the page and the CLI."""
    records = []
    for version in reversed(history):
        rows = version.rows
        records.append(
            {
                t("imports.col_version", lang): version.id,
                t("imports.col_time", lang): version.created.replace("T", " "),
                t("imports.col_action", lang): t(f"imports.action_{version.action}", lang)
                + (f" {version.restored_from}" if version.restored_from else ""),
                t("imports.col_kind", lang): t(f"imports.kind_{version.kind}", lang) if version.kind else "",
                t("imports.col_file", lang): version.file or "",
                t("imports.col_hash", lang): (version.sha256 or "")[:12],
                t("imports.col_rows_summary", lang): t(
                    "imports.rows_summary",
                    lang,
                    **{
                        k: format_count(rows.get(k, 0), lang)
                        for k in ("imported", "added", "updated", "skipped", "total")
                    },
                )
                if rows
                else "",
            }
        )
    return pl.DataFrame(records)


def preview(prepared: Prepared, rows: int = 20) -> pl.DataFrame:
    """The first good rows as they will be stored; personal data masked, free text left out."""
    good = prepared.good
    if good is None:
        return pl.DataFrame()
    if prepared.kind == "grids":
        grids: pl.DataFrame = pl.from_pandas(good.drop(columns="geometry").head(rows))
        return grids
    frame = mask_people(good.head(rows))
    frame = frame.drop([c for c in ("address", "description") if c in frame.columns])
    # Columns the file did not fill say nothing in a preview.
    return frame.select(c for c in frame.columns if frame.get_column(c).null_count() < frame.height)


def localised_preview(prepared: Prepared, lang: Lang, rows: int = 20) -> pl.DataFrame:
    """:func:`preview` with the row numbers of the file and the fields' names in ``lang``."""
    frame = preview(prepared, rows)
    names = {c: t("imports.col_row", lang) if c == ROW else t(f"field.{c}", lang) for c in frame.columns}
    return frame.rename(names)
