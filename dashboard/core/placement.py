"""Place each row at the finest level it names (README "Data contract", docs/domain.md "Placement").

In order: a grid code of the boundary file; a point (lon/lat) inside a grid; an address holding a keyword of
the gazetteer ``geo/places.csv`` (the longest keyword found wins); a community (code, or name with or
without its usual suffix); a street (code or name). A row placed at a level carries the codes of the levels
above it; ``placed_at`` says which level it reached: ``grid``, ``community``, ``street``, or ``outside``
(a point in no grid, nothing else known). A row placed nowhere has an empty ``placed_at``.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, Final

import polars as pl

from dashboard.core import schema
from dashboard.core.boundaries import grid_at

PLACED_AT: Final = "placed_at"
PLACE_LEVELS: Final = ("grid", "community", "street", "outside")
PLACE_COLUMNS: Final = schema.ISSUE_PLACE_COLUMNS
GAZETTEER_COLUMNS: Final = schema.GAZETTEER_COLUMNS
_ROW: Final = "_row"


@cache
def suffixes() -> dict[str, tuple[str, ...]]:
    """The name suffixes of ``places.toml`` per level, longest first."""
    raw: dict[str, Any] = tomllib.loads(
        resources.files("dashboard.core").joinpath("places.toml").read_text(encoding="utf-8")
    )
    return {level: tuple(sorted(words, key=len, reverse=True)) for level, words in raw["suffixes"].items()}


def name_key(column: str | pl.Expr, level: str) -> pl.Expr:
    """A name as matched: spaces removed and the level's longest suffix cut (empty when nothing is left)."""
    pattern = "(" + "|".join(re.escape(s) for s in suffixes()[level]) + ")$"
    expr = pl.col(column) if isinstance(column, str) else column
    key = expr.cast(pl.String).str.replace_all(r"\s+", "").str.replace(pattern, "")
    return pl.when(key.str.len_chars() > 0).then(key).otherwise(None)


@dataclass(frozen=True)
class Unmatched:
    """Rows naming a community or street (code or name) that the boundary file does not have."""

    column: str
    rows: tuple[int, ...]
    values: tuple[str, ...]

    @property
    def detail(self) -> str:
        return ", ".join(self.values[:5])


def _text(frame: pl.DataFrame, column: str) -> pl.Expr:
    if column not in frame.columns:
        return pl.lit(None, dtype=pl.String)
    value = pl.col(column).cast(pl.String).str.strip_chars()
    return pl.when(value != "").then(value).otherwise(None)


def _unique_key(table: pl.DataFrame, key: str, keep: list[str]) -> pl.DataFrame:
    """Rows of ``table`` whose ``key`` names one unit only (an ambiguous name matches nothing)."""
    table = table.filter(pl.col(key).is_not_null()).unique([key, *keep])
    return table.filter(pl.len().over(key) == 1).select(key, *keep)


def gazetteer_grid(addresses: pl.Expr, places: pl.DataFrame | None) -> pl.Expr:
    """The grid of the longest gazetteer keyword inside each address (null when none is)."""
    if places is None or places.is_empty():
        return pl.lit(None, dtype=pl.String)
    keywords = places.get_column("keyword").to_list()
    found = addresses.str.extract_many(keywords, overlapping=True)
    longest = found.list.eval(
        pl.element().sort_by(pl.element().str.len_chars(), descending=True)
    ).list.first()
    lookup = dict(zip(keywords, places.get_column("grid_code").to_list(), strict=True))
    return longest.replace_strict(lookup, default=None, return_dtype=pl.String)


def _points(frame: pl.DataFrame, grids: Any) -> pl.DataFrame:
    """``grid_code`` filled from lon/lat where empty; ``located_by_point`` marks those rows."""
    if not {"lon", "lat"} <= set(frame.columns):
        return frame.with_columns(pl.lit(False).alias("located_by_point"))
    needs = pl.col("grid_code").is_null() & pl.col("lon").is_not_null() & pl.col("lat").is_not_null()
    frame = frame.with_columns(needs.alias("located_by_point"))
    todo = frame.filter(pl.col("located_by_point"))
    if todo.is_empty():
        return frame
    codes = grid_at(grids, todo.get_column("lon").to_numpy(), todo.get_column("lat").to_numpy())
    found = todo.select(_ROW).with_columns(pl.Series("_found", codes, dtype=pl.String))
    return (
        frame.join(found, on=_ROW, how="left")
        .with_columns(pl.coalesce("grid_code", "_found").alias("grid_code"))
        .drop("_found")
    )


def _match_streets(frame: pl.DataFrame, units: pl.DataFrame) -> pl.DataFrame:
    """``_street``: the street named by ``street_code`` or ``street_name`` (a code or a name in either)."""
    streets = units.select("street_code", "street_name").unique()
    by_name = _unique_key(
        streets.with_columns(name_key("street_name", "street").alias("_k")), "_k", ["street_code"]
    )
    codes = streets.get_column("street_code").implode()
    given = [c for c in ("street_code", "street_name") if c in frame.columns]
    found: list[pl.Expr] = []
    for column in given:
        text = _text(frame, column)
        found.append(pl.when(text.is_in(codes)).then(text))
        named = frame.select(_ROW, name_key(text, "street").alias("_k")).join(by_name, on="_k", how="inner")
        frame = frame.join(
            named.select(_ROW, pl.col("street_code").alias(f"_s_{column}")), on=_ROW, how="left"
        )
        found.append(pl.col(f"_s_{column}"))
    street = pl.coalesce(*found) if found else pl.lit(None, dtype=pl.String)
    return frame.with_columns(street.alias("_street")).drop([f"_s_{c}" for c in given])


def _match_communities(frame: pl.DataFrame, units: pl.DataFrame) -> pl.DataFrame:
    """``_community``: the community named by code or name; a name found in several streets is decided by
    the street the row names, and matches nothing without it."""
    communities = units.select("community_code", "community_name", "street_code").unique()
    keyed = communities.with_columns(name_key("community_name", "community").alias("_k"))
    by_name = _unique_key(keyed, "_k", ["community_code"])
    by_name_in_street = _unique_key(
        keyed.with_columns(pl.concat_str("_k", "street_code", separator="|").alias("_ks")),
        "_ks",
        ["community_code"],
    )
    codes = communities.get_column("community_code").implode()
    given = [c for c in ("community_code", "community_name") if c in frame.columns]
    found: list[pl.Expr] = []
    for column in given:
        text = _text(frame, column)
        found.append(pl.when(text.is_in(codes)).then(text))
        keys = frame.select(
            _ROW,
            name_key(text, "community").alias("_k"),
            pl.concat_str(name_key(text, "community"), pl.col("_street"), separator="|").alias("_ks"),
        )
        in_street = keys.join(by_name_in_street, on="_ks", how="inner").select(_ROW, "community_code")
        alone = keys.join(by_name, on="_k", how="inner").select(_ROW, "community_code")
        for label, part in (("s", in_street), ("a", alone)):
            name = f"_c{label}_{column}"
            frame = frame.join(part.rename({"community_code": name}), on=_ROW, how="left")
            found.append(pl.col(name))
    community = pl.coalesce(*found) if found else pl.lit(None, dtype=pl.String)
    helpers = [c for c in frame.columns if c.startswith(("_cs_", "_ca_"))]
    return frame.with_columns(community.alias("_community")).drop(helpers)


def _unmatched(frame: pl.DataFrame) -> list[Unmatched]:
    """Given names or codes of communities and streets that matched no unit of the boundary file."""
    result: list[Unmatched] = []
    for column, matched in (
        ("community_code", "_community"),
        ("community_name", "_community"),
        ("street_code", "_street"),
        ("street_name", "_street"),
    ):
        if column not in frame.columns:
            continue
        bad = frame.filter(_text(frame, column).is_not_null() & pl.col(matched).is_null())
        if bad.is_empty():
            continue
        values = sorted({str(v).strip() for v in bad.get_column(column).head(1000).to_list()})
        result.append(Unmatched(column, tuple(bad.get_column(_ROW).to_list()), tuple(values)))
    return result


def place(
    frame: pl.DataFrame, grids: Any, places: pl.DataFrame | None = None, row: str = "_row"
) -> tuple[pl.DataFrame, list[Unmatched]]:
    """Each row placed at the finest level it names, with the codes of every level above it.

    ``frame`` has ``grid_code`` (unknown codes already refused or cleared) and may have lon/lat, the
    community and street columns and ``address``; ``row`` numbers its rows. Returns the frame with
    ``grid_code``, ``community_code``, ``street_code``, ``placed_at`` and ``located_by_point`` (names are
    left to the caller) and the community and street names or codes that matched nothing.
    """
    units = pl.from_pandas(grids.drop(columns="geometry")).select(
        "grid_code", "community_code", "community_name", "street_code", "street_name"
    )
    work = frame.rename({row: _ROW}) if row != _ROW else frame
    if "grid_code" not in work.columns:
        work = work.with_columns(pl.lit(None, dtype=pl.String).alias("grid_code"))
    work = _points(work, grids)
    by_address = gazetteer_grid(_text(work, "address"), places)
    work = work.with_columns(
        pl.coalesce("grid_code", by_address).alias("grid_code"),
        (pl.col("grid_code").is_null() & by_address.is_not_null()).alias("located_by_address"),
    )
    work = _match_communities(_match_streets(work, units), units)
    unmatched = _unmatched(work)
    parents = units.select(
        "grid_code", pl.col("community_code").alias("_g_community"), pl.col("street_code").alias("_g_street")
    )
    streets_of = units.select(
        pl.col("community_code").alias("_community"), pl.col("street_code").alias("_c_street")
    )
    has_point = (
        pl.col("lon").is_not_null() & pl.col("lat").is_not_null()
        if {"lon", "lat"} <= set(work.columns)
        else pl.lit(False)
    )
    placed = (
        work.join(parents, on="grid_code", how="left")
        .join(streets_of.unique("_community"), on="_community", how="left")
        .with_columns(
            pl.coalesce("_g_community", "_community").alias("community_code"),
            pl.coalesce("_g_street", "_c_street", "_street").alias("street_code"),
        )
        .with_columns(
            pl.when(pl.col("grid_code").is_not_null())
            .then(pl.lit("grid"))
            .when(pl.col("community_code").is_not_null())
            .then(pl.lit("community"))
            .when(pl.col("street_code").is_not_null())
            .then(pl.lit("street"))
            .when(has_point)
            .then(pl.lit("outside"))
            .otherwise(None)
            .alias(PLACED_AT)
        )
        .drop("_g_community", "_g_street", "_c_street", "_community", "_street")
        .sort(_ROW)
    )
    return (placed.rename({_ROW: row}) if row != _ROW else placed), unmatched


def with_names(frame: pl.DataFrame, units: pl.DataFrame) -> pl.DataFrame:
    """The grid, community and street names of the boundary file for the codes a placed frame holds."""
    names = {
        "grid_name": units.select("grid_code", "grid_name"),
        "community_name": units.select("community_code", "community_name").unique("community_code"),
        "street_name": units.select("street_code", "street_name").unique("street_code"),
    }
    frame = frame.drop([c for c in names if c in frame.columns])
    for table in names.values():
        frame = frame.join(table, on=table.columns[0], how="left")
    return frame
