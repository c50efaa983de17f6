"""What a mapping does beyond naming columns, and what the report shows when no header is found.

Applied to the rows under the header, before they are converted and checked: ``[join]`` (several
headers into one text column), ``[constants]`` (a value where the file gives none), the report
time taken from the acceptance time when a hotline file has no other, and a status derived from the finish
times when the file has none. Each is noted in the report.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any, Final

import polars as pl

from dashboard.core.conversions import TIME_FORMATS, parse_time_text
from dashboard.core.loading import ROW
from dashboard.core.placement import name_key
from dashboard.core.privacy import mask_phone
from dashboard.core.problems import Problem
from dashboard.ingest.findings import Findings, Prepared
from dashboard.ingest.mapping import (
    Mapping,
    builtin,
    copied_columns,
    fields,
    header_positions,
    likely_header_row,
    match_columns,
    normalise_header,
)

EXCEL_EPOCH: Final = datetime(1899, 12, 30)
# Excel day numbers from 1954 to 2119: anything else in a date column is not a serial date.
SERIAL_RANGE: Final = (20000.0, 80000.0)
FINISH_TIMES: Final = ("resolved_at", "closed_at")
SAMPLE_ROWS: Final = 5  # rows shown under the likeliest header when none is recognised
SAMPLE_WIDTH: Final = 24  # characters of a cell shown in that sample
# The codes of "no header found" (for issues, the message also says what is filled in when absent).
NO_HEADER: Final = ("no_header", "no_header_issues")


def parse_times(column: str, formats: Sequence[str] = ()) -> pl.Expr:
    """Text to datetime as the loader reads it (:func:`~dashboard.core.conversions.parse_time_text`: ISO
    times with a zone converted to local time), with the formats of ``[dates]`` in aliases.toml, and
    Excel day numbers; ``formats`` (a mapping's ``date_formats``) are tried first."""
    text = pl.col(column).str.strip_chars()
    parsed = parse_time_text(text, [*formats, *TIME_FORMATS, *builtin()["dates"]["formats"]])
    serial = text.cast(pl.Float64, strict=False)
    from_serial = (
        pl.when(serial.is_between(*SERIAL_RANGE))
        .then(pl.lit(EXCEL_EPOCH) + pl.duration(seconds=(serial * 86_400).round(0).cast(pl.Int64)))
        .otherwise(None)
        .cast(pl.Datetime("us"))
    )
    return pl.coalesce(parsed, from_serial).alias(column)


# --- no header found ----------------------------------------------------------------------------


def sample_cell(cell: str | None) -> str:
    """A cell as the report shows it: long text cut; a run of 7 or more digits (a phone, an id) masked.

    >>> sample_cell("13812345678")
    '138****5678'
    >>> sample_cell("2026-10-01 09:00")
    '2026-10-01 09:00'
    """
    if not cell:
        return ""
    if re.search(r"\d{7,}", re.sub(r"[\s\-+]", "", cell)) and not re.match(r"\d{4}[-/.\u5e74]\d", cell):
        return mask_phone(cell) or ""
    return cell if len(cell) <= SAMPLE_WIDTH else cell[: SAMPLE_WIDTH - 1] + "…"


def no_header(
    cells: pl.DataFrame, kind: str, mapping: Mapping, prepared: Prepared, required: Sequence[str]
) -> None:
    """No row names enough known columns: take the likeliest header row (row 1 when nothing is better)
    so the report shows its columns and the first rows, and the mapping editor opens on them."""
    guess = likely_header_row(cells)
    headers = [h or "" for h in cells.row(guess)] if cells.height else []
    prepared.header_row = guess + 1 if headers else None
    prepared.headers = [h for h in headers if h]
    matched = match_columns(headers, kind, mapping)
    prepared.columns = {headers[i]: c for i, c in matched.items()}
    prepared.ignored = [h for i, h in enumerate(headers) if h and i not in matched]
    shown = cells.head(guess + 1 + SAMPLE_ROWS).iter_rows()
    prepared.sample = [[sample_cell(c) for c in row] for row in shown]
    found = ", ".join(prepared.headers[:20]) or "-"
    row = (guess + 1,) if headers else ()
    given = {*matched.values(), *mapping.constants, *mapping.join}
    given |= {c for more in copied_columns(headers, mapping).values() for c in more}
    needed = expected_headers(kind, required, given)
    code = NO_HEADER[1] if kind == "issues" else NO_HEADER[0]
    prepared.blocking.append(
        Problem(prepared.file, code, column=found, rows=row, count=len(row), detail=needed)
    )


def expected_headers(kind: str, required: Sequence[str], given: Collection[str]) -> str:
    """The required columns a file still has to name, each with its usual headers, as the report lists them.

    Not listed: what the file or the mapping gives, and for issues what is filled in when absent (the
    status, derived from the finish times; the report time, when an acceptance time is given).

    >>> needed = expected_headers("issues", ("issue_id", "reported_at", "category", "status"), {"accepted_at"})
    >>> [column.split(" (")[0] for column in needed.split("), ")]
    ['issue_id', 'category']
    """
    filled = {"status", *(["reported_at"] if "accepted_at" in given else [])} if kind == "issues" else set()
    aliases = builtin()["columns"].get(kind, {})
    needed = [c for c in required if c not in given and c not in filled]
    return ", ".join(f"{c} ({'/'.join(aliases.get(c, [])[:3])})" for c in needed) or "-"


# --- the mapping's extras -----------------------------------------------------------------------


def joined(
    frame: pl.DataFrame, body: pl.DataFrame, headers: list[str], mapping: Mapping, prepared: Prepared
) -> pl.DataFrame:
    """Fill each ``[join]`` column with its headers' cells, joined (title + body -> description)."""
    positions = header_positions(headers)
    for column, names in mapping.join.items():
        missing = [n for n in names if normalise_header(n) not in positions]
        if missing:
            prepared.blocking.append(
                Problem(prepared.file, "join_column_missing", column=column, detail=", ".join(missing))
            )
            continue
        parts = [body.get_column(f"c{positions[normalise_header(n)]}") for n in names]
        text = pl.select(pl.concat_str(parts, separator=mapping.separator(column), ignore_nulls=True))
        frame = frame.with_columns(text.to_series().replace("", None).alias(column))
        prepared.columns |= dict.fromkeys(names, column)
        prepared.ignored = [h for h in prepared.ignored if h not in names]
    return frame


def constants(frame: pl.DataFrame, kind: str, mapping: Mapping, prepared: Prepared) -> pl.DataFrame:
    """``[constants]``: a value on every row where the file gives none (a street, ``status = "closed"``)."""
    for column, value in mapping.constants.items():
        if column not in fields(kind):
            prepared.blocking.append(Problem(prepared.file, "unknown_field", column=column))
            continue
        given = pl.col(column) if column in frame.columns else pl.lit(None, dtype=pl.String)
        frame = frame.with_columns(pl.coalesce(given, pl.lit(value)).alias(column))
        prepared.constants[column] = value
    return frame


def fill_times(frame: pl.DataFrame, kind: str, findings: Findings) -> pl.DataFrame:
    """A hotline file with an acceptance time (accepted_at) and no report time: the call was reported when taken."""
    if kind == "issues" and "reported_at" not in frame.columns and "accepted_at" in frame.columns:
        findings.note_file("reported_from_accepted", "reported_at", frame.get_column(ROW).to_list(), {})
        frame = frame.with_columns(pl.col("accepted_at").alias("reported_at"))
    return frame


def derive_status(frame: pl.DataFrame, kind: str, mapping: Mapping, findings: Findings) -> pl.DataFrame:
    """No status column: ``closed`` where a finish time is given (and readable), else ``reported``."""
    if kind != "issues" or "status" in frame.columns or "reported_at" not in frame.columns:
        return frame
    finish = [parse_times(c, mapping.date_formats) for c in FINISH_TIMES if c in frame.columns]
    finished = pl.any_horizontal(e.is_not_null() for e in finish) if finish else pl.lit(False)
    frame = frame.with_columns(
        pl.when(finished).then(pl.lit("closed")).otherwise(pl.lit("reported")).alias("status")
    )
    rows = frame.get_column(ROW).to_list()
    closed = set(frame.filter(pl.col("status") == "closed").get_column(ROW).to_list())
    parts = {"closed": closed, "reported": set(rows) - closed}
    findings.note_file("status_derived", "status", rows, parts)
    return frame


def grids_by_name(frame: pl.DataFrame, grids: Any, findings: Findings) -> pl.DataFrame:
    """A gazetteer naming its grids: ``grid_code`` filled from ``grid_name`` where it is empty, the name
    decided by ``community_name`` (with or without its suffix) when several communities have a grid of
    that name. A name matching no grid, or several, stays empty (and the row is refused for it)."""
    if "grid_name" not in frame.columns:
        return frame
    units = pl.from_pandas(grids.drop(columns="geometry")).select(
        "grid_code",
        pl.col("grid_name").cast(pl.String).str.replace_all(r"\s+", "").alias("_g"),
        name_key("community_name", "community").alias("_c"),
    )
    alone = units.filter(pl.len().over("_g") == 1).select("_g", pl.col("grid_code").alias("_by_name"))
    within = units.filter(pl.len().over("_g", "_c") == 1).select(
        "_g", "_c", pl.col("grid_code").alias("_by_pair")
    )
    given = frame.with_columns(
        pl.col("grid_name").str.replace_all(r"\s+", "").alias("_g"),
        (
            name_key("community_name", "community") if "community_name" in frame.columns else pl.lit(None)
        ).alias("_c"),
    )
    current = pl.col("grid_code") if "grid_code" in frame.columns else pl.lit(None, dtype=pl.String)
    found = (
        given.join(within, on=["_g", "_c"], how="left")
        .join(alone, on="_g", how="left")
        .with_columns(pl.coalesce(current, "_by_pair", "_by_name").alias("grid_code"))
    )
    named = found.filter(current.is_null() & pl.col("grid_code").is_not_null()).get_column(ROW)
    findings.add("warning", "grid_from_name", "grid_name", named.to_list())
    return found.drop("_g", "_c", "_by_pair", "_by_name")
