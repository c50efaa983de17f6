"""Cell conversions shared by the loader and the import: codes as text, counts, times, numbers, booleans."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import polars as pl

TIME_FORMATS: tuple[str, ...] = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M:%S%.f",
    "%Y-%m-%dT%H:%M:%S%.f",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y-%m-%d",
    "%Y/%m/%d",
)
TRUE_WORDS = ("true", "1", "yes", "y", "t")
FALSE_WORDS = ("false", "0", "no", "n", "f", "")
LOCAL_TZ = "Asia/Shanghai"
# ISO 8601 times with their zone: ``Z`` or an offset (``+08:00``, ``+0800``, ``+08``), ``T`` or a space.
ZONED_FORMATS: tuple[str, ...] = (
    "%+",
    "%Y-%m-%dT%H:%M:%S%.f%#z",
    "%Y-%m-%d %H:%M:%S%.f%#z",
    "%Y-%m-%dT%H:%M%#z",
    "%Y-%m-%d %H:%M%#z",
)


def as_text(value: Any) -> str | None:
    """Codes and names as text: 330199001 stays '330199001', 12.0 becomes '12'; NaN is empty.

    >>> as_text(330199001.0), as_text(" 12 "), as_text(float("nan")), as_text("")
    ('330199001', '12', None, None)
    """
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value).strip()
    return text or None


def parse_counts(values: Sequence[Any], required: bool) -> tuple[list[int | None], list[int]]:
    """Whole non-negative numbers, and the (1-based) positions of values that are not.

    An empty value is bad only when ``required``.

    >>> parse_counts([3, 4.0, " 5 ", None, -1, "x"], required=False)
    ([3, 4, 5, None, None, None], [5, 6])
    """
    out: list[int | None] = []
    bad: list[int] = []
    for number, value in enumerate(values, start=1):
        parsed: int | None = None
        if isinstance(value, bool):
            parsed = None
        elif isinstance(value, int):
            parsed = value
        elif isinstance(value, float) and value.is_integer():
            parsed = int(value)
        elif isinstance(value, str) and value.strip().isdigit():
            parsed = int(value.strip())
        if parsed is None and (value is not None or required):
            bad.append(number)
        if parsed is not None and parsed < 0:
            bad.append(number)
            parsed = None
        out.append(parsed)
    return out, bad


def text_column(frame: pl.DataFrame, column: str) -> pl.Expr:
    """A column as trimmed text, empty as null; a whole float from a spreadsheet loses its ``.0``."""
    expr = pl.col(column)
    dtype = frame.schema[column]
    if dtype.is_float():
        # 330199001001001.0 from a spreadsheet: drop the float part.
        expr = (
            pl.when(expr == expr.round(0))
            .then(expr.cast(pl.Int64).cast(pl.String))
            .otherwise(expr.cast(pl.String))
        )
    else:
        expr = expr.cast(pl.String)
    expr = expr.str.strip_chars()
    return pl.when(expr == "").then(None).otherwise(expr).alias(column)


def parse_time_text(text: pl.Expr, formats: Sequence[str] = TIME_FORMATS) -> pl.Expr:
    """Text to naive local datetimes by ``formats`` (the first that fits); null where none does.

    A time that names its zone (ISO 8601, :data:`ZONED_FORMATS`: ``2026-10-01T01:00:00Z``,
    ``2026-10-01T09:00:00+08:00``) is converted to local time (:data:`LOCAL_TZ`) and the zone
    dropped, like a zoned Parquet column. The loader and the import both parse times here.
    """
    text = text.str.strip_chars()
    naive = [text.str.strptime(pl.Datetime("us"), fmt, strict=False) for fmt in formats]
    zoned = pl.coalesce(
        [text.str.strptime(pl.Datetime("us", "UTC"), fmt, strict=False) for fmt in ZONED_FORMATS]
    )
    local = zoned.dt.convert_time_zone(LOCAL_TZ).dt.replace_time_zone(None)
    return pl.coalesce(*naive, local)


def time_column(frame: pl.DataFrame, column: str) -> pl.Expr:
    """A column as naive local datetimes: zoned times converted, text parsed by :func:`parse_time_text`."""
    dtype = frame.schema[column]
    expr = pl.col(column)
    if isinstance(dtype, pl.Datetime):
        if dtype.time_zone is not None:
            expr = expr.dt.convert_time_zone(LOCAL_TZ).dt.replace_time_zone(None)
        return expr.cast(pl.Datetime("us")).alias(column)
    if isinstance(dtype, pl.Date):
        return expr.cast(pl.Datetime("us")).alias(column)
    return parse_time_text(expr.cast(pl.String)).alias(column)


def number_column(frame: pl.DataFrame, column: str, dtype: pl.DataType) -> pl.Expr:
    """A column cast to ``dtype``; empty text and unconvertible values become null."""
    expr = pl.col(column)
    if frame.schema[column] == pl.String:
        expr = expr.str.strip_chars()
        expr = pl.when(expr == "").then(None).otherwise(expr)
    return expr.cast(dtype, strict=False).alias(column)


def boolean_column(frame: pl.DataFrame, column: str) -> pl.Expr:
    """A column as booleans from :data:`TRUE_WORDS` / :data:`FALSE_WORDS`; empty is false, other words null."""
    if frame.schema[column] == pl.Boolean:
        return pl.col(column)
    text = pl.col(column).cast(pl.String).str.strip_chars().str.to_lowercase()
    return (
        pl.when(text.is_in(TRUE_WORDS))
        .then(True)
        .when(text.is_in(FALSE_WORDS) | text.is_null())
        .then(False)
        .otherwise(None)
        .alias(column)
    )
