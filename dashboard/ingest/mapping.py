"""Which header means which contract column, and which word means which key.

The built-in aliases (``aliases.toml``) recognise the usual Chinese exports with no mapping
given; a data root keeps its own additions in ``data/mappings/<kind>.toml`` (written by the
import page, or by hand), and they win over the built-in ones.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping as MappingABC
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Final

import polars as pl

from dashboard.core import schema
from dashboard.core.coords import DATUMS, Datum

KINDS: Final = ("issues", "grids", "volunteers", "service_records", "service_points")
MAPPINGS_DIR: Final = "data/mappings"

# The contract columns of each kind, in the order they are written.
CONTRACT: Final[dict[str, tuple[str, ...]]] = {
    "issues": schema.ISSUE_COLUMNS,
    "grids": (*schema.GRID_REQUIRED, *schema.GRID_OPTIONAL),
    "volunteers": (
        "volunteer_id",
        "grid_code",
        "registered_at",
        "is_party_member",
        "name",
        "phone",
        "skills",
        "team",
    ),
    "service_records": (
        "record_id",
        "volunteer_id",
        "served_at",
        "hours",
        "service_type",
        "beneficiaries",
        "grid_code",
        "lon",
        "lat",
    ),
    "service_points": ("point_id", "name", "point_type", "lon", "lat"),
}
# Columns whose words are mapped to keys (``boolean`` applies to every bool column).
VALUE_COLUMNS: Final = ("status", "resolved_level", "satisfaction", "source", "point_type", "service_type")


def normalise_header(text: str) -> str:
    """Compare headers loosely: no spaces, half-width brackets, no required-marks, lower case."""
    text = text.strip().replace("（", "(").replace("）", ")").replace("：", ":")
    text = re.sub(r"\s+", "", text).strip("*:")
    return text.lower()


@cache
def builtin() -> dict[str, Any]:
    raw = resources.files("dashboard.ingest").joinpath("aliases.toml").read_text(encoding="utf-8")
    return tomllib.loads(raw)


@dataclass
class Mapping:
    """A user's mapping for one kind of file; empty fields mean "use the built-in aliases".

    ``columns`` maps a header as it appears in the file to a contract column ("" ignores
    it); ``values`` maps, per contract column, a word to its key; ``header_row`` is the
    1-based row of the header in the file (``None``: found automatically).
    """

    columns: dict[str, str] = field(default_factory=dict)
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    crs: Datum = "wgs84"
    sheet: str | None = None
    header_row: int | None = None

    def to_toml(self) -> str:
        lines = ["# Import mapping: written by the dashboard's import page; safe to edit by hand."]
        lines.append(f"crs = {_quote(self.crs)}")
        if self.sheet:
            lines.append(f"sheet = {_quote(self.sheet)}")
        if self.header_row:
            lines.append(f"header_row = {int(self.header_row)}")
        lines += ["", "[columns]"]
        lines += [f"{_quote(k)} = {_quote(v)}" for k, v in self.columns.items()]
        for column, words in self.values.items():
            if words:
                lines += ["", f"[values.{column}]"]
                lines += [f"{_quote(k)} = {_quote(v)}" for k, v in words.items()]
        return "\n".join(lines) + "\n"


def _quote(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def parse_mapping(text: str) -> Mapping:
    """A mapping from TOML text; raises ``ValueError`` with the reason when it is not one."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(str(exc)) from exc
    columns = raw.get("columns", {})
    values = raw.get("values", {})
    if not isinstance(columns, dict) or not all(isinstance(v, str) for v in columns.values()):
        raise ValueError("[columns] must map header = column name")
    if not isinstance(values, dict) or not all(
        isinstance(words, dict) and all(isinstance(v, str) for v in words.values())
        for words in values.values()
    ):
        raise ValueError("[values.<column>] must map word = key")
    crs = as_datum(str(raw.get("crs", "wgs84")).lower())
    header_row = raw.get("header_row")
    if header_row is not None and (not isinstance(header_row, int) or header_row < 1):
        raise ValueError("header_row must be a positive row number")
    sheet = raw.get("sheet")
    return Mapping(
        columns={str(k): v for k, v in columns.items()},
        values={str(c): {str(k): v for k, v in words.items()} for c, words in values.items()},
        crs=crs,
        sheet=str(sheet) if sheet else None,
        header_row=header_row,
    )


def as_datum(text: str) -> Datum:
    """A coordinate system name from user input; raises ``ValueError`` for anything else."""
    for datum in DATUMS:
        if text == datum:
            return datum
    raise ValueError(f"crs must be one of {', '.join(DATUMS)}")


def mapping_path(root: Path, kind: str) -> Path:
    return root / MAPPINGS_DIR / f"{kind}.toml"


def saved_mapping(root: Path, kind: str) -> Mapping | None:
    """The mapping saved in the data root for this kind, if any (``None`` also when unreadable)."""
    path = mapping_path(root, kind)
    if not path.is_file():
        return None
    try:
        return parse_mapping(path.read_text(encoding="utf-8"))
    except (ValueError, OSError, UnicodeDecodeError):
        return None


def save_mapping(root: Path, kind: str, mapping: Mapping) -> Path:
    path = mapping_path(root, kind)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".toml.tmp")
    tmp.write_text(mapping.to_toml(), encoding="utf-8")
    tmp.replace(path)
    return path


# --- headers --------------------------------------------------------------------------


def header_index(kind: str, mapping: Mapping | None = None) -> dict[str, str]:
    """Normalised header → contract column: the contract's names, the aliases, the user's mapping."""
    index = {normalise_header(c): c for c in CONTRACT[kind]}
    for column, aliases in builtin()["columns"].get(kind, {}).items():
        for alias in aliases:
            index.setdefault(normalise_header(alias), column)
    if mapping:
        for header, column in mapping.columns.items():
            index[normalise_header(header)] = column
    return index


def find_header_row(cells: pl.DataFrame, kind: str, mapping: Mapping | None, scan: int = 30) -> int | None:
    """The 0-based row holding the header: the one of the first ``scan`` rows naming most columns."""
    if mapping and mapping.header_row:
        row = mapping.header_row - 1
        return row if row < cells.height else None
    index = header_index(kind, mapping)
    best, best_score = None, 0
    for number, cells_of_row in enumerate(cells.head(scan).iter_rows()):
        names = (normalise_header(v) for v in cells_of_row if v)
        score = len({index[n] for n in names if n in index})
        if score > best_score:
            best, best_score = number, score
    return best if best_score >= 2 else None


def match_columns(headers: Sequence[str | None], kind: str, mapping: Mapping | None) -> dict[int, str]:
    """Column position → contract column; a contract column goes to the first header naming it."""
    index = header_index(kind, mapping)
    explicit = {normalise_header(h): c for h, c in (mapping.columns.items() if mapping else ())}
    matched: dict[int, str] = {}
    taken: set[str] = set()
    for position, header in enumerate(headers):
        if not header:
            continue
        key = normalise_header(header)
        column = explicit.get(key, index.get(key))
        if column and column in CONTRACT[kind] and column not in taken:
            matched[position] = column
            taken.add(column)
    return matched


# --- values ---------------------------------------------------------------------------


def value_index(column: str, mapping: Mapping | None = None) -> dict[str, str]:
    """Word (lower case) → key for one column, from the aliases and the user's mapping."""
    group = "boolean" if column in BOOLEAN_COLUMNS else column
    index: dict[str, str] = {}
    for key, words in builtin()["values"].get(group, {}).items():
        index[key.lower()] = key
        for word in words:
            index[str(word).strip().lower()] = key
    if mapping:
        for word, key in mapping.values.get(column, {}).items():
            index[word.strip().lower()] = key
    return index


BOOLEAN_COLUMNS: Final = ("urgent", "is_party_member")


def map_values(frame: pl.DataFrame, column: str, mapping: Mapping | None) -> pl.DataFrame:
    """Replace known words in ``column`` with their keys; unknown words stay for the checks to report."""
    if column not in frame.columns:
        return frame
    index = value_index(column, mapping)
    lowered = pl.col(column).str.strip_chars().str.to_lowercase()
    return frame.with_columns(
        lowered.replace_strict(index, default=pl.col(column), return_dtype=pl.String).alias(column)
    )


def blank_empty_words(frame: pl.DataFrame) -> pl.DataFrame:
    """Cells such as "-" or "#N/A" (``[empty]`` in aliases.toml) become empty."""
    words = [str(w).lower() for w in builtin()["empty"]["words"]]
    return frame.with_columns(
        pl.when(
            pl.col(c).str.strip_chars().str.to_lowercase().is_in(words) | (pl.col(c).str.strip_chars() == "")
        )
        .then(None)
        .otherwise(pl.col(c).str.strip_chars())
        .alias(c)
        for c in frame.columns
        if frame.schema[c] == pl.String
    )


def unmatched_words(frame: pl.DataFrame, column: str, allowed: Sequence[str], limit: int = 50) -> list[str]:
    """Distinct words of ``column`` that are not keys: what the user still has to map."""
    if column not in frame.columns:
        return []
    values = frame.get_column(column).drop_nulls().unique().sort()
    return [v for v in values.to_list() if v not in allowed][:limit]


def known_values(column: str) -> tuple[str, ...]:
    table: MappingABC[str, tuple[str, ...]] = {
        "status": schema.STATUSES,
        "resolved_level": schema.LEVELS,
        "satisfaction": schema.SATISFACTION,
        "source": schema.SOURCES,
        "point_type": schema.POINT_TYPES,
        "service_type": schema.SERVICE_TYPES,
    }
    return table.get(column, ())
