"""Turn an uploaded table into contract rows, with a report of every problem, before anything is written.

What counts as an error, a warning or a blocking problem: see :mod:`dashboard.ingest.findings`.
Boundary files are checked in :mod:`dashboard.ingest.grids`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Final

import geopandas as gpd
import polars as pl

from dashboard.core import coords, schema
from dashboard.core.boundaries import grid_at, read_grids
from dashboard.core.loading import (
    PLACE_HINT,
    ROW,
    VOLUNTEER_PLACE_HINT,
    find_table,
    has_place_columns,
    read_places,
    row_checks,
)
from dashboard.core.placement import PLACED_AT, place, with_names
from dashboard.core.problems import DataError, Problem
from dashboard.core.settings import Settings
from dashboard.ingest.findings import Findings, Prepared, Severity
from dashboard.ingest.mapping import (
    CONTRACT,
    PLACED_KINDS,
    Mapping,
    blank_empty_words,
    builtin,
    copied_columns,
    fields,
    find_header_row,
    known_values,
    map_values,
    match_columns,
    unmatched_words,
    value_index,
)
from dashboard.ingest.readers import Sheet, read_table_upload
from dashboard.ingest.shaping import (
    EXCEL_EPOCH,
    constants,
    derive_status,
    fill_times,
    grids_by_name,
    joined,
    no_header,
    parse_times,
)
from dashboard.ingest.sizing import Limits


@dataclass(frozen=True)
class TableSpec:
    """How one kind of table is converted and checked."""

    kind: str
    stem: str
    id_column: str
    required: tuple[str, ...]
    times: tuple[str, ...] = ()
    floats: tuple[str, ...] = ()
    ints: tuple[str, ...] = ()
    bools: tuple[str, ...] = ()
    # Enumerations checked; a value outside the list is an error for status, else cleared.
    enums: tuple[str, ...] = ()
    # How rows are placed: "point" (grid code, lon/lat, community, street or address; an unknown code is an
    # error unless a point places the row), "placed" (grid code, community or street; an unknown code is an
    # error), "optional" (a place is optional and an unknown code is cleared), "none".
    grid: str = "none"

    @property
    def texts(self) -> tuple[str, ...]:
        typed = {*self.times, *self.floats, *self.ints, *self.bools}
        return tuple(c for c in CONTRACT[self.kind] if c not in typed)


SPECS: Final[dict[str, TableSpec]] = {
    "issues": TableSpec(
        "issues",
        schema.ISSUES_STEM,
        "issue_id",
        schema.ISSUE_REQUIRED,
        times=schema.ISSUE_TIMES,
        floats=("lon", "lat"),
        ints=("rework_count",),
        bools=("urgent",),
        enums=("status", "source", "resolved_level", "satisfaction"),
        grid="point",
    ),
    "volunteers": TableSpec(
        "volunteers",
        schema.VOLUNTEERS_STEM,
        "volunteer_id",
        schema.VOLUNTEER_REQUIRED,
        times=("registered_at",),
        bools=("is_party_member",),
        grid="placed",
    ),
    "service_records": TableSpec(
        "service_records",
        schema.SERVICE_RECORDS_STEM,
        "record_id",
        schema.SERVICE_RECORD_REQUIRED,
        times=("served_at",),
        floats=("hours", "lon", "lat"),
        ints=("beneficiaries",),
        grid="optional",
    ),
    "service_points": TableSpec(
        "service_points",
        schema.SERVICE_POINTS_STEM,
        "point_id",
        schema.SERVICE_POINT_REQUIRED,
        floats=("lon", "lat"),
        grid="none",
    ),
    "places": TableSpec("places", schema.PLACES_STEM, "keyword", schema.GAZETTEER_COLUMNS, grid="placed"),
}
# A gazetteer keyword shorter than this would place every address holding one common character.
MIN_KEYWORD_CHARS: Final = 2
ENUM_VALUES: Final[dict[str, tuple[str, ...]]] = {
    "status": schema.STATUSES,
    "source": schema.SOURCES,
    "resolved_level": schema.LEVELS,
    "satisfaction": schema.SATISFACTION,
}


@dataclass(frozen=True)
class Current:
    """What the data root holds now, as far as checks need it."""

    grids: gpd.GeoDataFrame | None
    settings: Settings
    grid_problems: tuple[Problem, ...] = ()
    # The gazetteer geo/places.csv (keyword -> grid code), when the root has a valid one.
    places: pl.DataFrame | None = None


def current_state(root: Path, settings: Settings) -> Current:
    grids, problems = read_grids(root)
    places = read_places(root, grids)[0] if grids is not None else None
    return Current(grids=grids, settings=settings, grid_problems=tuple(problems), places=places)


# --- conversions ----------------------------------------------------------------------


def parse_float(column: str) -> pl.Expr:
    return (
        pl.col(column).str.strip_chars().str.replace_all(",", "").cast(pl.Float64, strict=False).alias(column)
    )


def parse_int(column: str) -> pl.Expr:
    value = pl.col(column).str.strip_chars().cast(pl.Float64, strict=False)
    return pl.when(value == value.round(0)).then(value.cast(pl.Int64)).otherwise(None).alias(column)


def parse_bool(column: str) -> pl.Expr:
    index = value_index(column)
    word = (
        pl.col(column)
        .str.strip_chars()
        .str.to_lowercase()
        .replace_strict(index, default=None, return_dtype=pl.String)
    )
    return pl.when(word == "true").then(True).when(word == "false").then(False).otherwise(None).alias(column)


def _map_header(cells: pl.DataFrame, kind: str, mapping: Mapping, prepared: Prepared) -> pl.DataFrame | None:
    """Find the header and select the contract columns, numbered by their rows in the file."""
    header_row = find_header_row(cells, kind, mapping)
    if header_row is None:
        no_header(cells, kind, mapping, prepared, SPECS[kind].required)
        return None
    prepared.header_row = header_row + 1
    headers = [h or "" for h in cells.row(header_row)]
    prepared.headers = [h for h in headers if h]
    matched = match_columns(headers, kind, mapping)
    copies = copied_columns(headers, mapping)
    prepared.columns = {headers[i]: c for i, c in matched.items()}
    prepared.ignored = [h for i, h in enumerate(headers) if h and i not in matched]
    body = cells.slice(header_row + 1).with_row_index(ROW, offset=header_row + 2)
    data_columns = [c for c in body.columns if c != ROW]
    body = (
        body.filter(pl.any_horizontal(pl.col(c).is_not_null() for c in data_columns))
        if data_columns
        else body
    )
    selected = {column: pl.col(f"c{i}") for i, column in matched.items()}
    for i, more in copies.items():
        applied = [c for c in more if c not in selected and c in fields(kind)]
        selected |= {c: pl.col(f"c{i}") for c in applied}
        prepared.copies |= {headers[i]: applied} if applied else {}
    frame = body.select(ROW, *(e.alias(c) for c, e in selected.items()))
    return joined(frame, body, headers, mapping, prepared)


def _missing_columns(frame: pl.DataFrame, spec: TableSpec, prepared: Prepared) -> bool:
    aliases = builtin()["columns"].get(spec.kind, {})
    for column in spec.required:
        if column not in frame.columns:
            hint = "/".join(aliases.get(column, [])[:4])
            prepared.blocking.append(
                Problem(prepared.file, "missing_column", column=f"{column} ({hint})" if hint else column)
            )
    if spec.grid == "point" and not has_place_columns(frame.columns, gazetteer=True):
        prepared.blocking.append(Problem(prepared.file, "missing_location_columns", column=PLACE_HINT))
    if spec.grid == "placed" and not has_place_columns(frame.columns, gazetteer=False):
        prepared.blocking.append(
            Problem(prepared.file, "missing_location_columns", column=VOLUNTEER_PLACE_HINT)
        )
    return bool(prepared.blocking)


def _convert(
    frame: pl.DataFrame, spec: TableSpec, findings: Findings, formats: Sequence[str] = ()
) -> pl.DataFrame:
    conversions: list[tuple[str, pl.Expr, str]] = []
    conversions += [(c, parse_times(c, formats), "bad_time") for c in spec.times if c in frame.columns]
    conversions += [(c, parse_float(c), "bad_number") for c in spec.floats if c in frame.columns]
    conversions += [(c, parse_int(c), "bad_integer") for c in spec.ints if c in frame.columns]
    conversions += [(c, parse_bool(c), "bad_boolean") for c in spec.bools if c in frame.columns]
    converted = frame.with_columns(e for _, e, _ in conversions)
    for column, _, code in conversions:
        failed = frame.get_column(column).is_not_null() & converted.get_column(column).is_null()
        severity: Severity = "error" if column in spec.required else "warning"
        marked = converted.with_columns(failed.alias("_failed"), frame.get_column(column).alias("_given"))
        findings.mask(marked, severity, code, column, pl.col("_failed"), detail_column="_given")
    for column in spec.texts:
        if column not in converted.columns:
            converted = converted.with_columns(pl.lit(None, dtype=pl.String).alias(column))
    for column in (*spec.times, *spec.floats, *spec.ints, *spec.bools):
        if column not in converted.columns:
            dtype: pl.DataType = (
                pl.Datetime("us")
                if column in spec.times
                else pl.Float64()
                if column in spec.floats
                else pl.Int64()
                if column in spec.ints
                else pl.Boolean()
            )
            converted = converted.with_columns(pl.lit(None, dtype=dtype).alias(column))
    return converted


def _coordinates(
    frame: pl.DataFrame, spec: TableSpec, mapping: Mapping, current: Current, findings: Findings
) -> pl.DataFrame:
    """Swap lat/lon given the wrong way round, convert GCJ-02/BD-09, note points outside the region."""
    if "lon" not in spec.floats:
        return frame
    region = current.settings.region_bbox
    lon, lat = pl.col("lon"), pl.col("lat")
    both = lon.is_not_null() & lat.is_not_null()
    xs, ys = (
        frame.get_column("lon").fill_null(0.0).to_numpy(),
        frame.get_column("lat").fill_null(0.0).to_numpy(),
    )
    # Swapped: outside the region as given, inside it the other way round.
    reversed_inside = pl.Series(coords.in_box(ys, xs, region) & ~coords.in_box(xs, ys, region))
    frame = frame.with_columns(reversed_inside.alias("_reversed"))
    swapped = both & pl.col("_reversed")
    findings.mask(frame, "warning", "coordinates_swapped", "lon, lat", swapped)
    frame = frame.with_columns(
        pl.when(swapped).then(lat).otherwise(lon).alias("lon"),
        pl.when(swapped).then(lon).otherwise(lat).alias("lat"),
    ).drop("_reversed")
    if mapping.crs != "wgs84":
        x, y = coords.convert(
            frame.get_column("lon").to_numpy(), frame.get_column("lat").to_numpy(), mapping.crs, "wgs84"
        )
        frame = frame.with_columns(pl.Series("lon", x).fill_nan(None), pl.Series("lat", y).fill_nan(None))
    return _outside_region(frame, spec, current, findings)


def _outside_region(
    frame: pl.DataFrame, spec: TableSpec, current: Current, findings: Findings
) -> pl.DataFrame:
    """Points outside ``[region] bbox``: kept, with a note, when they lie in a grid.

    Elsewhere the point is cleared on a row placed otherwise (a grid code, or a record that needs no place),
    and the row is refused when the point was its only place.
    """
    lon, lat = pl.col("lon"), pl.col("lat")
    both = lon.is_not_null() & lat.is_not_null()
    xs, ys = (
        frame.get_column("lon").fill_null(0.0).to_numpy(),
        frame.get_column("lat").fill_null(0.0).to_numpy(),
    )
    outside = pl.Series(~coords.in_box(xs, ys, current.settings.region_bbox))
    frame = frame.with_columns((both & outside).fill_null(False).alias("_outside"))
    in_grid = [False] * frame.height
    todo = frame.filter(pl.col("_outside"))
    if current.grids is not None and not todo.is_empty():
        found = grid_at(current.grids, todo.get_column("lon").to_numpy(), todo.get_column("lat").to_numpy())
        hits = {r for r, code in zip(todo.get_column(ROW).to_list(), found, strict=True) if code is not None}
        in_grid = [r in hits for r in frame.get_column(ROW).to_list()]
    frame = frame.with_columns(pl.Series("_in_grid", in_grid, dtype=pl.Boolean))
    outside_kept = pl.col("_outside") & pl.col("_in_grid")
    stray = pl.col("_outside") & ~pl.col("_in_grid")
    has_code = pl.col("grid_code").is_not_null() if "grid_code" in frame.columns else pl.lit(False)
    refuse = stray & ~has_code if spec.grid in ("point", "none") else pl.lit(False)
    findings.mask(frame, "warning", "outside_region", "lon, lat", outside_kept)
    findings.mask(frame, "error", "outside_region_unplaced", "lon, lat", refuse)
    findings.mask(frame, "warning", "outside_region_cleared", "lon, lat", stray & ~refuse)
    return frame.with_columns(
        pl.when(stray & ~refuse).then(None).otherwise(lon).alias("lon"),
        pl.when(stray & ~refuse).then(None).otherwise(lat).alias("lat"),
    ).drop("_outside", "_in_grid")


def _grid_codes(frame: pl.DataFrame, spec: TableSpec, current: Current, findings: Findings) -> pl.DataFrame:
    if spec.grid == "none" or current.grids is None:
        return frame
    known = pl.Series(current.grids["grid_code"].astype(str).to_numpy(), dtype=pl.String).implode()
    unknown = pl.col("grid_code").is_not_null() & ~pl.col("grid_code").is_in(known)
    if spec.grid == "point":
        has_point = pl.col("lon").is_not_null() & pl.col("lat").is_not_null()
        findings.mask(frame, "error", "unknown_grid", "grid_code", unknown & ~has_point, "grid_code")
        findings.mask(frame, "warning", "unknown_grid_located", "grid_code", unknown & has_point, "grid_code")
    elif spec.grid == "placed":
        findings.mask(frame, "error", "unknown_grid", "grid_code", unknown, "grid_code")
    else:
        findings.mask(frame, "warning", "unknown_grid_cleared", "grid_code", unknown, "grid_code")
    return frame.with_columns(pl.when(unknown).then(None).otherwise(pl.col("grid_code")).alias("grid_code"))


def _place(frame: pl.DataFrame, current: Current, findings: Findings) -> pl.DataFrame:
    """Each row placed as the loader places it (:func:`~dashboard.core.placement.place`), written with
    the codes and names of the boundary file; names and codes that match nothing are listed and cleared."""
    if current.grids is None:
        return frame
    placed, unmatched = place(frame, current.grids, current.places, row=ROW)
    for names in unmatched:
        code = f"unknown_{names.column.split('_')[0]}_cleared"
        rows = pl.col(ROW).is_in(list(names.rows))
        findings.mask(frame, "warning", code, names.column, rows, detail_column=names.column)
    units = pl.from_pandas(current.grids.drop(columns="geometry"))
    # A grid found from a point or an address is the loader's to find again (the point or the address
    # stays the place given): a corrected boundary file or gazetteer places the row anew.
    found = pl.col("located_by_point") | pl.col("located_by_address")
    return with_names(placed, units).with_columns(
        pl.when(found).then(None).otherwise(pl.col("grid_code")).alias("grid_code")
    )


def placement_counts(good: pl.DataFrame) -> dict[str, int]:
    """How the rows to import were placed: per ``placed_at`` level, and ``address`` for those placed in a
    grid by the gazetteer (empty for tables that are not placed)."""
    if PLACED_AT not in good.columns:
        return {}
    counts = {
        str(level): int(n) for level, n in good.group_by(PLACED_AT).len().iter_rows() if level is not None
    }
    if "located_by_address" in good.columns:
        counts["address"] = int(good.get_column("located_by_address").sum())
    return counts


def _issue_checks(
    frame: pl.DataFrame, current: Current, findings: Findings, known_categories: set[str]
) -> None:
    # The loader's row checks: what it refuses is left out here. Rows already refused for their place
    # (an unknown code and no point, a point outside the region in no grid and no code) are not reported
    # again as unplaced.
    placed = findings.refused("unknown_grid", "outside_region_unplaced")
    for finding in row_checks("issues", frame, placed=placed):
        findings.add("error", finding.code, finding.column, finding.rows)
    findings.mask(
        frame,
        "warning",
        "unknown_category",
        "category",
        pl.col("category").is_not_null() & ~pl.col("category").is_in(sorted(known_categories)),
        "category",
    )
    if PLACED_AT in frame.columns:
        # A point in no grid is counted outside every grid (a row left out is not: warnings name kept rows).
        findings.mask(frame, "warning", "outside_grids", "lon, lat", pl.col(PLACED_AT) == "outside")


def _latest_per_id(frame: pl.DataFrame, spec: TableSpec, findings: Findings) -> tuple[pl.DataFrame, int]:
    """Keep one row per id: the one updated last (latest lifecycle time), else the later row."""
    if not frame.get_column(spec.id_column).is_duplicated().any():  # the usual case: no copy of the rows
        rows = frame.get_column(ROW)
        return (frame if rows.is_sorted() else frame.sort(ROW)), 0
    times = [c for c in spec.times if c != "due_at"]
    updated = pl.max_horizontal(*times) if times else pl.lit(None, dtype=pl.Datetime("us"))
    ranked = frame.with_columns(updated.alias("_updated")).sort(["_updated", ROW], nulls_last=False)
    kept = ranked.unique(subset=[spec.id_column], keep="last", maintain_order=True)
    dropped = sorted(set(frame.get_column(ROW).to_list()) - set(kept.get_column(ROW).to_list()))
    findings.add("warning", "duplicate_in_file", spec.id_column, dropped)
    return kept.drop("_updated").sort(ROW), len(dropped)


def known_categories(root: Path, settings: Settings) -> set[str]:
    """Categories already in use: the configured time limits and the categories in the current data."""
    known = set(settings.category_limit_hours)
    path = find_table(root, schema.ISSUES_STEM)
    if path is not None:
        try:
            present = pl.scan_parquet(path) if path.suffix == ".parquet" else None
            if present is not None:
                known |= set(
                    present.select(pl.col("category").cast(pl.String).unique())
                    .collect()
                    .to_series()
                    .drop_nulls()
                )
        except (pl.exceptions.PolarsError, OSError):
            pass
    return known


def prepare_table(
    kind: str, data: bytes, file: str, mapping: Mapping, current: Current, limits: Limits, root: Path
) -> Prepared:
    """Read, map, convert and check a table upload; nothing is written."""
    spec = SPECS[kind]
    prepared = Prepared(kind=kind, file=file)
    sheet = _read_sheet(data, limits, mapping, prepared)
    if sheet is None:
        return prepared
    if spec.grid != "none" and current.grids is None:
        prepared.blocking.append(Problem(file, "no_grids_yet"))
        return prepared
    frame = _map_header(sheet.cells, kind, mapping, prepared)
    del sheet  # the cells: each step below lets go of the rows before it
    if frame is None:
        return prepared
    findings = Findings(file)
    frame = fill_times(constants(blank_empty_words(frame), kind, mapping, prepared), kind, findings)
    frame = derive_status(frame, kind, mapping, findings)
    if kind == "places" and current.grids is not None:
        frame = grids_by_name(frame, current.grids, findings)
    if _missing_columns(frame, spec, prepared):
        return prepared
    prepared.total_rows = frame.height
    frame = _map_words(frame, spec, mapping, prepared)
    if kind == "places" and "grid_name" in frame.columns:
        # A grid named but not found: said once, not again as an empty grid code.
        unknown = pl.col("grid_code").is_null() & pl.col("grid_name").is_not_null()
        findings.mask(frame, "error", "unknown_grid_name", "grid_name", unknown, "grid_name")
    frame = _check_values(frame, spec, findings, mapping.date_formats)
    frame = _coordinates(frame, spec, mapping, current, findings)
    frame = _grid_codes(frame, spec, current, findings)
    if kind in PLACED_KINDS:
        frame = _place(frame, current, findings)
    if kind == "issues":
        _issue_checks(frame, current, findings, known_categories(root, current.settings))
    elif kind in ("volunteers", "service_records"):
        for finding in row_checks(kind, frame, placed=findings.refused("unknown_grid")):
            findings.add("error", finding.code, finding.column, finding.rows)
    elif kind == "places":
        short = pl.col("keyword").str.replace_all(r"\s+", "").str.len_chars() < MIN_KEYWORD_CHARS
        findings.mask(frame, "error", "keyword_too_short", "keyword", short, "keyword")
    good = frame.filter(~pl.col(ROW).is_in(sorted(findings.error_rows)))
    good, prepared.superseded = _latest_per_id(good, spec, findings)
    prepared.placed = placement_counts(good)
    places = [c for c in fields(kind) if c not in CONTRACT[kind] and c in good.columns]
    return findings.settle(prepared, good.select(ROW, *CONTRACT[kind], *places))


def _read_sheet(data: bytes, limits: Limits, mapping: Mapping, prepared: Prepared) -> Sheet | None:
    """The upload's cells, noting its format, encoding and sheets; ``None`` when it cannot be read."""
    try:
        sheet = read_table_upload(data, prepared.file, limits, mapping.sheet)
    except DataError as error:
        prepared.blocking += error.problems
        return None
    prepared.format, prepared.encoding, prepared.sheet, prepared.sheets = (
        sheet.format,
        sheet.encoding,
        sheet.sheet,
        sheet.sheets,
    )
    prepared.warnings += sheet.notes
    return sheet


def _map_words(frame: pl.DataFrame, spec: TableSpec, mapping: Mapping, prepared: Prepared) -> pl.DataFrame:
    """The file's words for statuses, sources, categories ... as the contract's; note the words left over."""
    for column in (*spec.enums, "category", "point_type", "service_type"):
        if column in frame.columns:
            frame = map_values(frame, column, mapping)
    prepared.unmatched = {
        column: words
        for column in spec.enums
        if (words := unmatched_words(frame, column, known_values(column)))
    }
    return frame


def _check_values(
    given: pl.DataFrame, spec: TableSpec, findings: Findings, formats: Sequence[str] = ()
) -> pl.DataFrame:
    """Convert the typed columns, then flag empty required cells and values outside an enumeration."""
    frame = _convert(given, spec, findings, formats)
    for column in spec.required:
        empty = given.get_column(column).is_null() & ~given.get_column(ROW).is_in(sorted(findings.error_rows))
        findings.add("error", "missing_value", column, given.filter(empty).get_column(ROW).to_list())
    for column in spec.enums:
        frame = _check_enum(frame, column, spec, findings)
    return frame


def _check_enum(frame: pl.DataFrame, column: str, spec: TableSpec, findings: Findings) -> pl.DataFrame:
    """An unknown value is an error in a required column; elsewhere it is cleared, with a warning."""
    bad = pl.col(column).is_not_null() & ~pl.col(column).is_in(list(ENUM_VALUES[column]))
    if column in spec.required:
        findings.mask(frame, "error", "unknown_value", column, bad, column)
        return frame
    findings.mask(frame, "warning", "unknown_value_cleared", column, bad, column)
    return frame.with_columns(pl.when(bad).then(None).otherwise(pl.col(column)).alias(column))


def excel_serial(value: float) -> datetime:
    """An Excel day number as a time (the 1900 date system).

    >>> excel_serial(46296.375)
    datetime.datetime(2026, 10, 1, 9, 0)
    """
    return EXCEL_EPOCH + timedelta(days=value)
