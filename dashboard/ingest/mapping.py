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
from dataclasses import dataclass, field, replace
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Final

import polars as pl

from dashboard.core import schema
from dashboard.core.coords import DATUMS, Datum

KINDS: Final = ("issues", "grids", "volunteers", "service_records", "service_points", "places")
MAPPINGS_DIR: Final = "data/mappings"
# Between the cells of a ``[join]`` (title + body -> description), unless the mapping says otherwise.
JOIN_SEPARATOR: Final = "\n"

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
    # The gazetteer geo/places.csv: an address keyword (a residential compound, building or road) and its grid.
    "places": schema.GAZETTEER_COLUMNS,
}
# Where a row is, by name or code, above the grid: kept in the stored table when the file has them
# (placement by these is done where the issues are placed; here they are only carried through).
# The place an issue names (as the data contract has them), with the district for the record.
PLACE_COLUMNS: Final = ("district_name", *schema.ISSUE_PLACE_COLUMNS)
# Columns whose words are mapped to keys (``boolean`` applies to every bool column).
VALUE_COLUMNS: Final = ("status", "resolved_level", "satisfaction", "source", "point_type", "service_type")


def normalise_header(text: str) -> str:
    """Compare headers loosely: no spaces, half-width brackets, no required-marks, lower case."""
    text = text.strip().replace("（", "(").replace("）", ")").replace("：", ":")
    text = re.sub(r"\s+", "", text).strip("*:")
    return text.lower()


# The kinds whose rows may be placed by community or street (code or name) as well as by grid or point.
PLACED_KINDS: Final = ("issues", "volunteers", "service_records")


# A gazetteer may name its grids instead of coding them (a grid name, with its community when names repeat).
GAZETTEER_NAMES: Final = ("grid_name", "community_name")


def fields(kind: str) -> tuple[str, ...]:
    """The columns an upload of ``kind`` may fill: the contract's, and for placed rows the place columns."""
    if kind == "places":
        return CONTRACT[kind] + GAZETTEER_NAMES
    if kind not in PLACED_KINDS:
        return CONTRACT[kind]
    return CONTRACT[kind] + tuple(c for c in PLACE_COLUMNS if c not in CONTRACT[kind])


@cache
def builtin() -> dict[str, Any]:
    raw = resources.files("dashboard.ingest").joinpath("aliases.toml").read_text(encoding="utf-8")
    return tomllib.loads(raw)


@dataclass
class Mapping:
    """A user's mapping for one kind of file; empty fields mean "use the built-in aliases".

    ``columns`` maps a header as it appears in the file to a contract column ("" ignores
    it) and ``copies`` to further columns it also fills (``"Finished" = ["resolved_at",
    "closed_at"]`` in TOML); ``values`` maps, per contract column, a word to its key;
    ``header_row`` is the 1-based row of the header in the file (``None``: found
    automatically); ``constants`` fills a column on every row the file leaves it empty;
    ``join`` fills a text column with several headers' cells joined by its separator in
    ``join_separators`` (``description = { columns = [...], separator = " " }`` in TOML), else by
    ``join_separator``; ``date_formats`` are tried before the built-in time formats.
    """

    columns: dict[str, str] = field(default_factory=dict)
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    crs: Datum = "wgs84"
    sheet: str | None = None
    header_row: int | None = None
    copies: dict[str, list[str]] = field(default_factory=dict)
    constants: dict[str, str] = field(default_factory=dict)
    join: dict[str, list[str]] = field(default_factory=dict)
    join_separator: str = JOIN_SEPARATOR
    date_formats: list[str] = field(default_factory=list)
    join_separators: dict[str, str] = field(default_factory=dict)

    def separator(self, column: str) -> str:
        """What the cells joined into ``column`` are separated by."""
        return self.join_separators.get(column, self.join_separator)

    def to_toml(self) -> str:
        lines = ["# Import mapping: written by the dashboard's import page; safe to edit by hand."]
        lines.append(f"crs = {_quote(self.crs)}")
        if self.sheet:
            lines.append(f"sheet = {_quote(self.sheet)}")
        if self.header_row:
            lines.append(f"header_row = {int(self.header_row)}")
        if self.date_formats:
            lines.append(f"date_formats = {_quote_list(self.date_formats)}")
        if self.join_separator != JOIN_SEPARATOR:
            lines.append(f"join_separator = {_quote(self.join_separator)}")
        lines += ["", "[columns]"]
        for header, column in self.columns.items():
            more = self.copies.get(header, [])
            value = _quote_list([column, *more]) if more and column else _quote(column)
            lines.append(f"{_quote(header)} = {value}")
        if self.constants:
            lines += ["", "[constants]", *(f"{_quote(k)} = {_quote(v)}" for k, v in self.constants.items())]
        if self.join:
            lines += ["", "[join]"]
            for column, headers in self.join.items():
                value = _quote_list(headers)
                if self.separator(column) != self.join_separator:
                    value = f"{{ columns = {value}, separator = {_quote(self.separator(column))} }}"
                lines.append(f"{_quote(column)} = {value}")
        for column, words in self.values.items():
            if words:
                lines += ["", f"[values.{column}]"]
                lines += [f"{_quote(k)} = {_quote(v)}" for k, v in words.items()]
        return "\n".join(lines) + "\n"


def _quote(text: str) -> str:
    r"""A TOML basic string (control characters escaped, so a tab or line break is seen as such).

    >>> print(_quote('a "b"\tc\n'))
    "a \"b\"\tc\n"
    """
    named = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r"}
    escaped = "".join(
        named.get(c) or (f"\\u{ord(c):04x}" if ord(c) < 0x20 or ord(c) == 0x7F else c) for c in text
    )
    return f'"{escaped}"'


def _quote_list(items: Sequence[str]) -> str:
    return "[" + ", ".join(_quote(i) for i in items) + "]"


def _text_table(raw: dict[str, Any], key: str, message: str) -> dict[str, str]:
    table = raw.get(key, {})
    if not isinstance(table, dict) or not all(isinstance(v, str) for v in table.values()):
        raise ValueError(message)
    return {str(k): v for k, v in table.items()}


def _text_list(value: Any, message: str) -> list[str]:
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v for v in value):
        raise ValueError(message)
    return [str(v) for v in value]


def _columns(raw: dict[str, Any]) -> tuple[dict[str, str], dict[str, list[str]]]:
    """``[columns]``: header = column, or header = [column, column, ...] for one header to several."""
    table = raw.get("columns", {})
    message = "[columns] must map header = column name, or header = [column names]"
    if not isinstance(table, dict):
        raise ValueError(message)
    columns: dict[str, str] = {}
    copies: dict[str, list[str]] = {}
    for header, value in table.items():
        if isinstance(value, str):
            columns[str(header)] = value
            continue
        first, *more = _text_list(value, message)
        columns[str(header)] = first
        if more:
            copies[str(header)] = more
    return columns, copies


JOIN_MESSAGE: Final = (
    '[join] must map field = [headers], or field = { columns = [headers], separator = "text" }'
)


def _joins(raw: dict[str, Any]) -> tuple[dict[str, list[str]], dict[str, str]]:
    """``[join]``: field = [headers], or field = { columns = [headers], separator = " " } for a separator
    of its own; returns the headers of each field and the fields' own separators."""
    table = raw.get("join", {})
    if not isinstance(table, dict):
        raise ValueError(JOIN_MESSAGE)
    join: dict[str, list[str]] = {}
    separators: dict[str, str] = {}
    for column, value in table.items():
        if not isinstance(value, dict):
            join[str(column)] = _text_list(value, JOIN_MESSAGE)
            continue
        unknown = sorted(set(value) - {"columns", "separator"})
        if unknown or "columns" not in value:
            raise ValueError(
                f"[join] {column}: " + (f"unknown key {unknown[0]}; " if unknown else "") + JOIN_MESSAGE
            )
        join[str(column)] = _text_list(value["columns"], f"[join] {column}: {JOIN_MESSAGE}")
        if "separator" in value:
            if not isinstance(value["separator"], str):
                raise ValueError(f'[join] {column}: the separator must be text, such as " "')
            separators[str(column)] = value["separator"]
    return join, separators


def _date_formats(raw: dict[str, Any]) -> list[str]:
    value = raw.get("date_formats", [])
    message = 'date_formats must be a list of time formats such as "%m/%d/%Y %I:%M:%S %p"'
    if value == []:
        return []
    formats = _text_list(value, message)
    if not all("%" in f for f in formats):
        raise ValueError(message)
    return formats


def parse_mapping(text: str) -> Mapping:
    """A mapping from TOML text; raises ``ValueError`` with the reason when it is not one."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(str(exc)) from exc
    columns, copies = _columns(raw)
    values = raw.get("values", {})
    if not isinstance(values, dict) or not all(
        isinstance(words, dict) and all(isinstance(v, str) for v in words.values())
        for words in values.values()
    ):
        raise ValueError("[values.<column>] must map word = key")
    join, join_separators = _joins(raw)
    crs = as_datum(str(raw.get("crs", "wgs84")).lower())
    header_row = raw.get("header_row")
    if header_row is not None and (not isinstance(header_row, int) or header_row < 1):
        raise ValueError("header_row must be a positive row number")
    separator = raw.get("join_separator", JOIN_SEPARATOR)
    if not isinstance(separator, str):
        raise ValueError("join_separator must be text")
    sheet = raw.get("sheet")
    return Mapping(
        columns=columns,
        values={str(c): {str(k): v for k, v in words.items()} for c, words in values.items()},
        crs=crs,
        sheet=str(sheet) if sheet else None,
        header_row=header_row,
        copies=copies,
        constants=_text_table(raw, "constants", "[constants] must map column = value (as text)"),
        join=join,
        join_separator=separator,
        date_formats=_date_formats(raw),
        join_separators=join_separators,
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
    index = {normalise_header(c): c for c in fields(kind)}
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
        score = len({index[n] for n in names if index.get(n)})
        if score > best_score:
            best, best_score = number, score
    return best if best_score >= 2 else None


def likely_header_row(cells: pl.DataFrame, scan: int = 30) -> int:
    """The 0-based row that looks most like a header when none names known columns: the first
    of the rows with most cells that are text (not numbers or times); row 0 when nothing is better."""
    best, best_score = 0, 0
    for number, cells_of_row in enumerate(cells.head(scan).iter_rows()):
        score = sum(1 for v in cells_of_row if v and not _looks_like_data(v))
        if score > best_score:
            best, best_score = number, score
    return best


def _looks_like_data(cell: str) -> bool:
    """A cell of digits, separators and AM/PM marks (a number, code or time), not a column name."""
    return re.fullmatch(r"[\d\s.,:/\-+%]*(?:[ap]m)?", cell.strip().lower()) is not None


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
        if column and column in fields(kind) and column not in taken:
            matched[position] = column
            taken.add(column)
    return matched


def copied_columns(headers: Sequence[str | None], mapping: Mapping | None) -> dict[int, list[str]]:
    """Column position → the further columns the mapping sends it to (one header to several fields)."""
    if not mapping or not mapping.copies:
        return {}
    wanted = {normalise_header(h): more for h, more in mapping.copies.items()}
    return {
        i: wanted[normalise_header(h)] for i, h in enumerate(headers) if h and normalise_header(h) in wanted
    }


def header_positions(headers: Sequence[str | None]) -> dict[str, int]:
    """Normalised header → its first position (to find the columns a ``[join]`` names)."""
    positions: dict[str, int] = {}
    for i, h in enumerate(headers):
        if h:
            positions.setdefault(normalise_header(h), i)
    return positions


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


# --- the page's editor of the mapping's extras --------------------------------------------------


def extras_text(mapping: Mapping) -> tuple[str, str, str]:
    """The constants, joins and time formats as the page's text boxes show them (one item a line).

    A join is ``field = header 1, header 2``, its cells separated by a line break, or
    ``field = header 1, header 2 | " "`` with the separator quoted after ``|``.
    """
    constants = "\n".join(f"{k} = {v}" for k, v in mapping.constants.items())
    joins = []
    for column, headers in mapping.join.items():
        separator = mapping.separator(column)
        shown = f" | {_quote(separator)}" if separator != JOIN_SEPARATOR else ""
        joins.append(f"{column} = {', '.join(headers)}{shown}")
    return constants, "\n".join(joins), "\n".join(mapping.date_formats)


def _join_line(value: str) -> tuple[list[str], str] | None:
    """``header 1, header 2 | "separator"`` read back: the headers and the separator (a line break when
    none is given; unquoted text is taken as it is); ``None`` when it is not understood."""
    names, bar, given = value.partition("|")
    headers = [h.strip() for h in re.split(r"[,，]", names) if h.strip()]
    given = given.strip()
    if not headers or (bar and not given):
        return None
    if not given.startswith('"'):
        return headers, given or JOIN_SEPARATOR
    try:
        separator = tomllib.loads(f"separator = {given}")["separator"]
    except tomllib.TOMLDecodeError:
        return None
    return (headers, separator) if isinstance(separator, str) else None


def parse_extras(constants: str, join: str, formats: str) -> tuple[Mapping, list[str]]:
    """The text boxes read back: a mapping holding only the extras, and the lines not understood.

    Every join gets its separator in ``join_separators`` (a line break when the line gives none).
    """
    bad: list[str] = []
    pairs: dict[str, str] = {}
    joins: dict[str, list[str]] = {}
    separators: dict[str, str] = {}
    for text, target in ((constants, "constants"), (join, "join")):
        for line in (ln.strip() for ln in text.splitlines()):
            key, sep, value = line.partition("=")
            joined = _join_line(value) if target == "join" else None
            if not line:
                continue
            if not sep or not key.strip() or not value.strip() or (target == "join" and joined is None):
                bad.append(line)
            elif joined is not None:
                joins[key.strip()], separators[key.strip()] = joined
            else:
                pairs[key.strip()] = value.strip()
    dates = [ln.strip() for ln in formats.splitlines() if ln.strip()]
    bad += [d for d in dates if "%" not in d]
    extras = Mapping(
        constants=pairs,
        join=joins,
        join_separators=separators,
        date_formats=[d for d in dates if "%" in d],
    )
    return extras, bad


def header_fields(chosen: dict[str, tuple[str, list[str]]]) -> tuple[dict[str, str], dict[str, list[str]]]:
    """The page's column table read back: header → (field, further fields) as ``columns`` and ``copies``.

    A header with no field of its own but further ones is read as the first of them; a further field
    is kept once, and not when it is the header's own field.

    >>> header_fields({"Done": ("", ["resolved_at", "closed_at"]), "Id": ("issue_id", ["issue_id"])})
    ({'Done': 'resolved_at', 'Id': 'issue_id'}, {'Done': ['closed_at']})
    """
    columns: dict[str, str] = {}
    copies: dict[str, list[str]] = {}
    for header, (column, more) in chosen.items():
        first = column or (more[0] if more else "")
        columns[header] = first
        further = [f for f in dict.fromkeys(more) if f != first]
        if first and further:
            copies[header] = further
    return columns, copies


def with_extras(mapping: Mapping, extras: Mapping) -> Mapping:
    """``mapping`` with the constants, joins and time formats of ``extras`` (the page's text boxes); a
    join's separator is kept only where it differs from the mapping's ``join_separator``."""
    separators = {c: s for c, s in extras.join_separators.items() if s != mapping.join_separator}
    return replace(
        mapping,
        constants=dict(extras.constants),
        join={c: list(h) for c, h in extras.join.items()},
        join_separators={c: s for c, s in separators.items() if c in extras.join},
        date_formats=list(extras.date_formats),
    )
