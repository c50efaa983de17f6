"""The case list behind a chart or map cell, masked by default, and its CSV and Excel downloads.

Every export passes through :func:`neutralise_frame` so that no text cell can run as a
formula when a spreadsheet opens it (OWASP, "CSV injection"), and personal data (names,
phones, street addresses) is masked unless full data was explicitly chosen, with the masks
of :mod:`dashboard.core.privacy` (those of demo mode and the import preview).
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping
from typing import Final

import polars as pl
import xlsxwriter

from dashboard.core.privacy import mask_address_expr, mask_free_text_expr, mask_name_expr, mask_phone_expr
from dashboard.i18n import Lang, label, t
from dashboard.metrics import placed_label

# A text cell starting with one of these is read as a formula by spreadsheet programs, also after
# leading blanks, control characters and invisible marks (NBSP, zero-width and direction marks, BOM),
# and in their full-width forms, which some spreadsheet programs fold to ASCII.
FORMULA_STARTS: Final = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")
_INVISIBLE: Final = (
    "\\x00-\\x20\\x7f-\\xa0\\u1680\\u180e\\u2000-\\u200f\\u2028-\\u202f\\u205f-\\u206f\\u3000\\ufeff"
)
_FORMULA_START_RE: Final = f"^[{_INVISIBLE}]*[=+\\-@\\uff1d\\uff0b\\uff0d\\uff20]|^[\\t\\r\\n]"
_FORMULA_START: Final = re.compile(_FORMULA_START_RE)
TIME_FORMAT: Final = "%Y-%m-%d %H:%M"
CSV_LINE_TERMINATOR: Final = "\r\n"  # RFC 4180; Excel and every CSV reader accept it
EXCEL_MAX_ROWS: Final = 1_048_575  # data rows below the header
_SHEET_FORBIDDEN_RE: Final = r"[\[\]:*?/\\]"

# Columns of the case list, in order; the header of each is the catalog key ``export.<column>``.
CASE_COLUMNS: Final = (
    "issue_id",
    "reported_at",
    "category",
    "status",
    "source",
    "community_name",
    "grid_name",
    "address",
    "description",
    "reporter_name",
    "reporter_phone",
    "accepted_at",
    "dispatched_at",
    "resolved_at",
    "closed_at",
    "due_at",
    "resolved_level",
    "department",
    "satisfaction",
    "rework_count",
    "urgent",
)
CASE_REQUIRED: Final = ("issue_id", "reported_at")
CASE_TIMES: Final = ("reported_at", "accepted_at", "dispatched_at", "resolved_at", "closed_at", "due_at")
# Enumerations and data values shown through the catalogs: column -> catalog prefix.
CASE_LABELS: Final[Mapping[str, str]] = {
    "category": "category",
    "status": "status",
    "source": "source",
    "resolved_level": "level",
    "department": "department",
    "satisfaction": "satisfaction",
}


def _expr(column: str | pl.Expr) -> pl.Expr:
    return pl.col(column) if isinstance(column, str) else column


# --- formula injection ----------------------------------------------------------


def neutralise(value: str) -> str:
    """Prefix ``'`` to text that a spreadsheet would read as a formula.

    Text starting with ``=``, ``+``, ``-``, ``@`` (or their full-width forms), also after leading
    blanks, control characters or invisible marks, and text starting with a tab or line break
    (OWASP CSV-injection guidance); anything else is returned as it is.

    Examples
    --------
    >>> neutralise("=1+1")
    "'=1+1"
    >>> neutralise("a=1")
    'a=1'
    """
    return "'" + value if _FORMULA_START.match(value) else value


def neutralise_expr(column: str | pl.Expr) -> pl.Expr:
    """:func:`neutralise` as an expression over a String column."""
    text = _expr(column)
    return pl.when(text.str.contains(_FORMULA_START_RE)).then(pl.lit("'") + text).otherwise(text)


def neutralise_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """A copy with every text cell and column name neutralised; numbers stay numbers.

    String, Categorical and Enum columns become neutralised String columns; numeric,
    temporal and boolean columns are untouched, so a numeric -5 stays the number -5.
    """
    text_columns = [
        name
        for name, dtype in frame.schema.items()
        if dtype == pl.String or isinstance(dtype, pl.Categorical | pl.Enum)
    ]
    neutral = frame.with_columns(neutralise_expr(pl.col(c).cast(pl.String)).alias(c) for c in text_columns)
    return neutral.rename({c: neutralise(c) for c in frame.columns if neutralise(c) != c})


# --- the case list --------------------------------------------------------------


def _localised(frame: pl.DataFrame, column: str, prefix: str, lang: Lang) -> pl.Expr:
    values = frame.get_column(column).drop_nulls().unique().to_list()
    mapping = {value: label(prefix, value, lang) for value in values}
    return pl.col(column).replace_strict(mapping, default=pl.col(column), return_dtype=pl.String)


def _time_text(frame: pl.DataFrame, column: str) -> pl.Expr:
    dtype = frame.schema[column]
    if isinstance(dtype, pl.Datetime | pl.Date):
        return pl.col(column).dt.strftime(TIME_FORMAT)
    return pl.col(column).cast(pl.String)


def case_list(issues: pl.DataFrame, lang: Lang, full: bool = False) -> pl.DataFrame:
    """The issues as a case list: fixed columns, localised headers and labels, newest first.

    Times read ``YYYY-MM-DD HH:MM``; an issue in no grid is labelled as outside every grid;
    reporter names and phones are masked and addresses cut to the community unless
    ``full`` is true. Descriptions are kept. Columns missing from ``issues`` come out empty.

    Parameters
    ----------
    issues
        Issues as loaded (``Dataset.issues``, possibly filtered); needs ``issue_id`` and ``reported_at``.
    lang
        Language of the headers and labels.
    full
        Show personal data unmasked (the user explicitly chose full data).

    Raises
    ------
    ValueError
        If ``issue_id`` or ``reported_at`` is missing.
    """
    missing = [c for c in CASE_REQUIRED if c not in issues.columns]
    if missing:
        msg = f"issues lack the column(s) {', '.join(missing)}"
        raise ValueError(msg)
    absent = [c for c in (*CASE_COLUMNS, "grid_code") if c not in issues.columns]
    frame = issues.with_columns(
        pl.lit(None, dtype=pl.Int64 if c == "rework_count" else pl.String).alias(c) for c in absent
    ).sort(["reported_at", "issue_id"], descending=[True, False], nulls_last=True)

    exprs: dict[str, pl.Expr] = {c: pl.col(c).cast(pl.String) for c in CASE_COLUMNS}
    exprs.update({c: _time_text(frame, c) for c in CASE_TIMES})
    exprs.update({c: _localised(frame, c, prefix, lang) for c, prefix in CASE_LABELS.items()})
    # An issue in no grid says how far it was placed: only at community or street level, or outside.
    placed = pl.col("placed_at") if "placed_at" in frame.columns else pl.lit(None, dtype=pl.String)
    exprs["grid_name"] = (
        pl.when(pl.col("grid_code").is_not_null())
        .then(pl.col("grid_name").cast(pl.String))
        .when(placed == "community")
        .then(pl.lit(placed_label("community", lang)))
        .when(placed == "street")
        .then(pl.lit(placed_label("street", lang)))
        .otherwise(pl.lit(placed_label(None, lang)))
    )
    exprs["rework_count"] = pl.col("rework_count").cast(pl.Int64, strict=False)
    urgent = pl.col("urgent").cast(pl.Boolean, strict=False)
    exprs["urgent"] = (
        pl.when(urgent).then(pl.lit(t("export.yes", lang))).when(~urgent).then(pl.lit(t("export.no", lang)))
    )
    if not full:
        exprs["reporter_name"] = mask_name_expr(pl.col("reporter_name").cast(pl.String))
        exprs["reporter_phone"] = mask_phone_expr(pl.col("reporter_phone").cast(pl.String))
        exprs["address"] = mask_address_expr(pl.col("address").cast(pl.String), "community_name")
        if "description" in exprs:
            exprs["description"] = mask_free_text_expr(pl.col("description"))
    return frame.select(exprs[c].alias(t(f"export.{c}", lang)) for c in CASE_COLUMNS)


# --- files ----------------------------------------------------------------------


def to_csv_bytes(frame: pl.DataFrame) -> bytes:
    """CSV for Excel: UTF-8 with a byte-order mark, CRLF line ends, text cells neutralised.

    Without the mark Excel reads UTF-8 as the local code page and garbles Chinese.
    """
    buffer = io.BytesIO()
    neutralise_frame(frame).write_csv(
        buffer,
        include_bom=True,
        line_terminator=CSV_LINE_TERMINATOR,
        datetime_format="%Y-%m-%d %H:%M:%S",
        date_format="%Y-%m-%d",
    )
    return buffer.getvalue()


def sheet_name(name: str) -> str:
    """A valid worksheet name: no ``[]:*?/\\``, at most 31 characters, never empty."""
    cleaned = re.sub(_SHEET_FORBIDDEN_RE, "_", name).strip("'")[:31]
    return cleaned or "Sheet1"


def _column_widths(frame: pl.DataFrame) -> dict[str, int]:
    """Column widths in pixels: a wide (CJK) character counts twice, clamped to 64..360 px (room for the filter button).

    A character's display width is estimated from its UTF-8 length: 3-byte (CJK) and
    4-byte characters count 2, ASCII and 2-byte characters count 1.
    """
    if frame.width == 0:
        return {}

    def width(text: pl.Expr) -> pl.Expr:
        chars = text.str.len_chars()
        return chars + (text.str.len_bytes().cast(pl.Int64) - chars.cast(pl.Int64)) // 2

    columns = [pl.col(c).cast(pl.String) for c in frame.columns]
    headers = [pl.lit(c, dtype=pl.String) for c in frame.columns]
    widest = frame.select(
        pl.max_horizontal(width(header).first(), width(cells).max()).alias(str(i))
        for i, (header, cells) in enumerate(zip(headers, columns, strict=True))
    ).row(0)
    return {
        c: min(max((units or 0) * 8 + 24, 64), 360) for c, units in zip(frame.columns, widest, strict=True)
    }


def to_excel_bytes(frame: pl.DataFrame, sheet: str) -> bytes:
    """An .xlsx workbook of one sheet: bold frozen header, text neutralised and stored as text.

    The workbook is opened with ``strings_to_formulas``, ``strings_to_urls`` and
    ``strings_to_numbers`` off, so every text cell is a string cell (never a formula,
    link or number) even before neutralising; phone numbers and codes keep their digits.

    Raises
    ------
    ValueError
        If the frame has more rows than a worksheet holds.
    """
    if frame.height > EXCEL_MAX_ROWS:
        msg = f"{frame.height} rows do not fit in one worksheet (at most {EXCEL_MAX_ROWS})"
        raise ValueError(msg)
    neutral = neutralise_frame(frame)
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(
        buffer,
        {
            "in_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
            "nan_inf_to_errors": True,
        },
    )
    name = sheet_name(sheet)
    workbook.add_worksheet(name)
    neutral.write_excel(
        workbook,
        name,
        header_format={"bold": True},
        column_widths=_column_widths(neutral),  # type: ignore[arg-type]
        freeze_panes=(1, 0),
        autofilter=True,
    )
    workbook.close()
    return buffer.getvalue()


def export_filename(prefix: str, period_key: str, ext: str) -> str:
    """An ASCII-safe file name such as ``issues_2026-10.csv``.

    Characters other than ASCII letters, digits, ``-`` and ``_`` become ``_`` (so a
    period written in Chinese keeps only its digits); an empty period is left out.

    Examples
    --------
    >>> export_filename("issues", "2026-10", "csv")
    'issues_2026-10.csv'
    >>> export_filename("issues", "", ".XLSX")
    'issues.xlsx'

    Raises
    ------
    ValueError
        If ``ext`` is not 1-8 ASCII letters or digits.
    """
    suffix = ext.removeprefix(".").lower()
    if not re.fullmatch(r"[a-z0-9]{1,8}", suffix):
        msg = f"not a file extension: {ext!r}"
        raise ValueError(msg)
    parts = [re.sub(r"[^A-Za-z0-9-]+", "_", part).strip("_") for part in (prefix, period_key)]
    stem = "_".join(p for p in parts if p) or "export"
    return f"{stem}.{suffix}"
