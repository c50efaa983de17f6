"""Read and validate a data root (``geo/`` + ``data/``) into a :class:`Dataset`.

Every problem found is collected, with file, row and column, and raised together
as one :class:`~dashboard.core.problems.DataError`, so a data clerk fixes a file once
rather than once per error. Codes are read as strings even when they look like numbers.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import polars as pl
import shapely

from dashboard.core import schema
from dashboard.core.boundaries import read_grids
from dashboard.core.conversions import boolean_column, number_column, text_column, time_column
from dashboard.core.placement import PLACE_COLUMNS, PLACED_AT, place, with_names
from dashboard.core.problems import DataError, Problem, rows_problem
from dashboard.core.settings import Settings, load_settings

ROW = "_row"
FIRST_ROW = 2
"""The number of a table's first data row: its row in the file, the header being row 1 (as a spreadsheet
shows it, and as the import counts: the loader and the import name the same rows)."""


def repository_root() -> Path:
    """The checkout holding ``dashboard/`` (this file is ``dashboard/core/loading.py``)."""
    return Path(__file__).resolve().parents[2]


def resolve_root(arg: str | os.PathLike[str] | None = None) -> Path:
    """The data root: an explicit argument, else ``DASHBOARD_DATA_DIR``, else the repository."""
    if arg:
        return Path(arg).expanduser().resolve()
    env = os.environ.get("DASHBOARD_DATA_DIR")
    return Path(env).expanduser().resolve() if env else repository_root()


@dataclass
class Dataset:
    """A validated data root. Frames are never mutated after loading."""

    root: Path
    settings: Settings
    grids: gpd.GeoDataFrame
    issues: pl.DataFrame
    volunteers: pl.DataFrame | None = None
    service_records: pl.DataFrame | None = None
    service_points: pl.DataFrame | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)

    @property
    def is_demo(self) -> bool:
        return bool(self.meta.get("demo"))

    @cached_property
    def units(self) -> pl.DataFrame:
        """One row per grid with its community and street (no geometry)."""
        frame: pl.DataFrame = pl.from_pandas(pd_without_geometry(self.grids))
        return frame.sort("grid_code")

    @cached_property
    def as_of(self) -> datetime:
        """The data's latest timestamp (lifecycle times only: deadlines lie in the future)."""
        columns = [c for c in schema.ISSUE_TIMES if c != "due_at" and c in self.issues.columns]
        latest = self.issues.select(pl.max_horizontal(pl.col(c).max() for c in columns)).item()
        return latest if isinstance(latest, datetime) else datetime.now().replace(microsecond=0)

    @cached_property
    def communities(self) -> gpd.GeoDataFrame:
        return dissolve(self.grids, "community")

    @cached_property
    def streets(self) -> gpd.GeoDataFrame:
        return dissolve(self.grids, "street")


def pd_without_geometry(grids: gpd.GeoDataFrame) -> Any:
    return grids.drop(columns="geometry").reset_index(drop=True)


def dissolve(grids: gpd.GeoDataFrame, unit: str) -> gpd.GeoDataFrame:
    """Community or street outlines as the union of their grids, with summed population (unknown when
    a grid's is)."""
    code, name = schema.UNIT_COLUMNS[unit]
    keep = [code, name] + (["street_code", "street_name"] if unit == "community" else [])
    grouped = grids[[*keep, "population", "geometry"]].dissolve(
        by=keep, aggfunc={"population": _known_sum}, as_index=False
    )
    grouped["population"] = grouped["population"].astype("Int64")
    grouped["geometry"] = shapely.make_valid(grouped.geometry.values)
    return grouped.sort_values(code).reset_index(drop=True)


def _known_sum(values: Any) -> Any:
    """The sum of a unit's grid populations; unknown (NA) when any of them is."""
    return values.sum() if values.notna().all() else pd.NA


# --- tables -------------------------------------------------------------------


def find_table(root: Path, stem: str) -> Path | None:
    """``data/issues.parquet`` or, failing that, ``data/issues.csv``."""
    for suffix in (".parquet", ".csv"):
        candidate = root / f"{stem}{suffix}"
        if candidate.is_file():
            return candidate
    return None


def read_table(path: Path, file: str) -> tuple[pl.DataFrame | None, list[Problem]]:
    """Read a Parquet or CSV table; CSV cells stay text (UTF-8, with or without BOM, or GB18030).

    Rows are numbered in :data:`ROW` from :data:`FIRST_ROW` (the header is row 1).
    """
    try:
        if path.suffix == ".parquet":
            frame = pl.read_parquet(path)
        else:
            raw = path.read_bytes()
            try:
                text = raw.decode("utf-8-sig")
            except UnicodeDecodeError:
                text = raw.decode("gb18030")
            frame = pl.read_csv(text.encode("utf-8"), infer_schema=False)
    except (OSError, pl.exceptions.PolarsError, UnicodeDecodeError, ValueError) as exc:
        return None, [Problem(file, "unreadable", detail=str(exc).splitlines()[0][:200])]
    frame = frame.rename({c: c.strip() for c in frame.columns})
    return frame.with_row_index(ROW, offset=FIRST_ROW), []


def _missing_columns(frame: pl.DataFrame, file: str, required: Sequence[str]) -> list[Problem]:
    return [Problem(file, "missing_column", column=c) for c in required if c not in frame.columns]


def _bad_rows(before: pl.DataFrame, after: pl.DataFrame, column: str) -> list[int]:
    """Rows where a non-empty value could not be converted."""
    given = before.get_column(column).cast(pl.String, strict=False).str.strip_chars()
    mask = given.is_not_null() & (given != "") & after.get_column(column).is_null()
    return after.filter(mask).get_column(ROW).to_list()


@dataclass
class _Check:
    """Collects problems for one file."""

    file: str
    problems: list[Problem] = field(default_factory=list)

    def rows(self, code: str, column: str | None, rows: Sequence[int], detail: str = "") -> None:
        if problem := rows_problem(self.file, code, column, rows, detail):
            self.problems.append(problem)


def _convert(
    frame: pl.DataFrame,
    check: _Check,
    texts: Sequence[str] = (),
    times: Sequence[str] = (),
    floats: Sequence[str] = (),
    ints: Sequence[str] = (),
    bools: Sequence[str] = (),
) -> pl.DataFrame:
    """Cast the contract's columns, reporting every non-empty cell that fails to convert."""
    present = set(frame.columns)
    exprs: list[pl.Expr] = [text_column(frame, c) for c in texts if c in present]
    conversions: list[tuple[str, pl.Expr, str]] = []
    conversions += [(c, time_column(frame, c), "bad_time") for c in times if c in present]
    conversions += [(c, number_column(frame, c, pl.Float64()), "bad_number") for c in floats if c in present]
    conversions += [(c, number_column(frame, c, pl.Int64()), "bad_integer") for c in ints if c in present]
    conversions += [(c, boolean_column(frame, c), "bad_boolean") for c in bools if c in present]
    converted = frame.with_columns(*exprs, *(e for _, e, _ in conversions))
    for column, _, code in conversions:
        check.rows(code, column, _bad_rows(frame, converted, column))
    return converted


def _required_values(frame: pl.DataFrame, check: _Check, columns: Sequence[str]) -> None:
    for column in columns:
        rows = frame.filter(pl.col(column).is_null()).get_column(ROW).to_list()
        check.rows("missing_value", column, rows)


def _unique(frame: pl.DataFrame, check: _Check, column: str) -> None:
    rows = frame.filter(pl.col(column).is_not_null() & pl.col(column).is_duplicated())
    duplicates = rows.filter(pl.col(ROW) != pl.col(ROW).min().over(column)).get_column(ROW).sort()
    check.rows("duplicate_id", column, duplicates.to_list())


def _enum(frame: pl.DataFrame, check: _Check, column: str, allowed: Sequence[str]) -> None:
    if column not in frame.columns:
        return
    bad = frame.filter(pl.col(column).is_not_null() & ~pl.col(column).is_in(list(allowed)))
    values = ", ".join(sorted(set(bad.get_column(column).head(1000).to_list()))[:5])
    check.rows("unknown_value", column, bad.get_column(ROW).to_list(), detail=values)


def _known_grids(frame: pl.DataFrame, check: _Check, grid_codes: pl.Series) -> None:
    if "grid_code" not in frame.columns:
        return
    bad = frame.filter(pl.col("grid_code").is_not_null() & ~pl.col("grid_code").is_in(grid_codes.implode()))
    values = ", ".join(sorted(set(bad.get_column("grid_code").head(1000).to_list()))[:5])
    check.rows("unknown_grid", "grid_code", bad.get_column(ROW).to_list(), detail=values)


# --- issues -------------------------------------------------------------------


def validate_issues(
    frame: pl.DataFrame, file: str, grids: gpd.GeoDataFrame, places: pl.DataFrame | None = None
) -> tuple[pl.DataFrame, list[Problem]]:
    """Convert and check an issues table against the data contract (README, docs/domain.md), and place
    each issue at the finest level it names (:func:`~dashboard.core.placement.place`, ``placed_at``)."""
    check = _Check(file)
    check.problems += _missing_columns(frame, file, schema.ISSUE_REQUIRED)
    if not has_place_columns(frame.columns, places is not None):
        check.problems.append(Problem(file, "missing_location_columns", column=PLACE_HINT))
    if check.problems:
        return frame, check.problems
    texts = ["issue_id", "category", "grid_code", "status", *PLACE_COLUMNS, *schema.ISSUE_OPTIONAL_TEXT]
    issues = _convert(
        frame,
        check,
        texts=texts,
        times=schema.ISSUE_TIMES,
        floats=("lon", "lat"),
        ints=("rework_count",),
        bools=("urgent",),
    )
    for column in ("grid_code", "lon", "lat"):
        if column not in issues.columns:
            dtype = pl.String() if column == "grid_code" else pl.Float64()
            issues = issues.with_columns(pl.lit(None, dtype=dtype).alias(column))
    _required_values(issues, check, schema.ISSUE_REQUIRED)
    _unique(issues, check, "issue_id")
    _enum(issues, check, "status", schema.STATUSES)
    _enum(issues, check, "source", schema.SOURCES)
    _enum(issues, check, "resolved_level", schema.LEVELS)
    _enum(issues, check, "satisfaction", schema.SATISFACTION)
    _known_grids(issues, check, pl.Series(grids["grid_code"].to_numpy(), dtype=pl.String))
    issues = _place_rows(issues, check, grids, places)
    for finding in row_checks("issues", issues):
        check.rows(finding.code, finding.column, finding.rows)
    return issues, check.problems


PLACE_HINT = "grid_code / lon, lat / community_code, community_name / street_code, street_name / address"
VOLUNTEER_PLACE_HINT = "grid_code / community_code, community_name / street_code, street_name"


def has_place_columns(columns: Collection[str], gazetteer: bool) -> bool:
    """Whether a table has a column that can place a row: a grid code, a point, a community or street,
    or (with a gazetteer) an address."""
    present = set(columns)
    return bool(
        {"grid_code", *PLACE_COLUMNS} & present
        or {"lon", "lat"} <= present
        or (gazetteer and "address" in present)
    )


@dataclass(frozen=True)
class RowFinding:
    """Rows of a converted table that fail one of :func:`row_checks`."""

    code: str
    column: str
    rows: tuple[int, ...]


def row_checks(kind: str, frame: pl.DataFrame, placed: Collection[int] = ()) -> list[RowFinding]:
    """The checks of a converted table's rows that the loader and the import share (so they cannot drift).

    A row failing one is refused by both: the loader refuses the file, naming the rows; the import leaves
    the rows out. Issues: finished or closed before reported, no place (``placed_at`` empty after
    :func:`~dashboard.core.placement.place`; without that column: no grid code and no point), a
    negative rework count; service records: negative hours. ``placed`` are rows already refused for
    their place (the import: an unknown grid code, a point outside the region in no grid), not reported
    again as having none. Volunteers: no place (``placed_at`` empty). Columns the table does not have are
    not checked.
    """
    present = set(frame.columns)
    checks: list[tuple[str, str, pl.Expr]] = []
    if kind == "issues":
        checks += [
            ("finish_before_report", column, pl.col(column) < pl.col("reported_at"))
            for column in ("resolved_at", "closed_at")
            if {column, "reported_at"} <= present
        ]
        if PLACED_AT in present:
            unplaced = pl.col(PLACED_AT).is_null()
            checks.append(("missing_location", "grid_code", unplaced & ~pl.col(ROW).is_in(sorted(placed))))
        elif {"grid_code", "lon", "lat"} <= present:
            unplaced = pl.col("grid_code").is_null() & (pl.col("lon").is_null() | pl.col("lat").is_null())
            checks.append(("missing_location", "grid_code", unplaced & ~pl.col(ROW).is_in(sorted(placed))))
        if "rework_count" in present:
            checks.append(("bad_count", "rework_count", pl.col("rework_count") < 0))
    if kind == "volunteers" and PLACED_AT in present:
        unplaced = pl.col(PLACED_AT).is_null() & ~pl.col(ROW).is_in(sorted(placed))
        checks.append(("missing_location", "grid_code", unplaced))
    if kind == "service_records" and "hours" in present:
        checks.append(("bad_count", "hours", pl.col("hours") < 0))
    found = [
        RowFinding(code, column, tuple(frame.filter(mask).get_column(ROW).to_list()))
        for code, column, mask in checks
    ]
    return [f for f in found if f.rows]


def complete_issues(issues: pl.DataFrame, units: pl.DataFrame, settings: Settings) -> pl.DataFrame:
    """Attach the names of each placed issue's grid, community and street, and fill missing deadlines from
    the category limits."""
    for column in schema.ISSUE_TIMES:
        if column not in issues.columns:
            issues = issues.with_columns(pl.lit(None, dtype=pl.Datetime("us")).alias(column))
    limits = pl.DataFrame(
        {
            "category": list(settings.category_limit_hours),
            "_limit_h": list(settings.category_limit_hours.values()),
        },
        schema={"category": pl.String, "_limit_h": pl.Float64},
    )
    # No rework counts in the data (column missing or all empty) stays empty: the rework rate is then
    # "no data", not 0%. Where some rows have counts, an empty cell is no rework.
    has_rework = (
        "rework_count" in issues.columns and issues.get_column("rework_count").null_count() < issues.height
    )
    defaults: dict[str, pl.Expr] = {
        "rework_count": pl.lit(None, dtype=pl.Int64),
        "urgent": pl.lit(False),
    }
    for column in schema.ISSUE_OPTIONAL_TEXT:
        defaults[column] = pl.lit(None, dtype=pl.String)
    issues = issues.with_columns(e.alias(c) for c, e in defaults.items() if c not in issues.columns)
    limit = pl.col("_limit_h").fill_null(settings.default_limit_hours)
    due = pl.col("reported_at") + pl.duration(seconds=(limit * 3600).round(0).cast(pl.Int64))
    return (
        with_names(issues, units)
        .join(limits, on="category", how="left")
        .with_columns(
            pl.col("due_at").is_null().alias("due_from_limit"),
            pl.coalesce("due_at", due).alias("due_at"),
            pl.col("rework_count").fill_null(0) if has_rework else pl.col("rework_count").cast(pl.Int64),
            pl.col("urgent").fill_null(False),
        )
        .drop("_limit_h")
        .sort(ROW)
    )


# --- volunteers and services ------------------------------------------------------


def _place_rows(
    frame: pl.DataFrame, check: _Check, grids: gpd.GeoDataFrame, places: pl.DataFrame | None = None
) -> pl.DataFrame:
    """Rows placed at the finest level they name (:func:`~dashboard.core.placement.place`); names and
    codes of communities or streets that the boundary file does not have are problems."""
    placed, unmatched = place(frame, grids, places, row=ROW)
    for names in unmatched:
        check.rows(f"unknown_{names.column.split('_')[0]}", names.column, names.rows, names.detail)
    return placed


def validate_volunteers(
    frame: pl.DataFrame, file: str, grids: gpd.GeoDataFrame
) -> tuple[pl.DataFrame, list[Problem]]:
    """Convert and check a volunteer register; each volunteer is placed by grid code, else by community
    or street (code or name), as issues are."""
    check = _Check(file, _missing_columns(frame, file, schema.VOLUNTEER_REQUIRED))
    if not has_place_columns([c for c in frame.columns if c not in ("lon", "lat")], gazetteer=False):
        check.problems.append(Problem(file, "missing_location_columns", column=VOLUNTEER_PLACE_HINT))
    if check.problems:
        return frame, check.problems
    out = _convert(
        frame,
        check,
        texts=("volunteer_id", "grid_code", *PLACE_COLUMNS, "name", "phone", "skills", "team"),
        times=("registered_at",),
        bools=("is_party_member",),
    )
    _required_values(out, check, schema.VOLUNTEER_REQUIRED)
    _unique(out, check, "volunteer_id")
    _known_grids(out, check, pl.Series(grids["grid_code"].to_numpy(), dtype=pl.String))
    out = _place_rows(out.drop("lon", "lat", strict=False), check, grids)
    for finding in row_checks("volunteers", out):
        check.rows(finding.code, finding.column, finding.rows)
    return out, check.problems


def validate_service_records(
    frame: pl.DataFrame, file: str, grids: gpd.GeoDataFrame
) -> tuple[pl.DataFrame, list[Problem]]:
    """Convert and check service records; a record is placed by its own grid code, point, community or
    street when it names one (``placed_at``), and is otherwise counted where its volunteer is."""
    check = _Check(file, _missing_columns(frame, file, schema.SERVICE_RECORD_REQUIRED))
    if check.problems:
        return frame, check.problems
    out = _convert(
        frame,
        check,
        texts=("record_id", "volunteer_id", "service_type", "grid_code", *PLACE_COLUMNS),
        times=("served_at",),
        floats=("hours", "lon", "lat"),
        ints=("beneficiaries",),
    )
    _required_values(out, check, schema.SERVICE_RECORD_REQUIRED)
    _unique(out, check, "record_id")
    for finding in row_checks("service_records", out):
        check.rows(finding.code, finding.column, finding.rows)
    _known_grids(out, check, pl.Series(grids["grid_code"].to_numpy(), dtype=pl.String))
    return _place_rows(out, check, grids), check.problems


def validate_service_points(
    frame: pl.DataFrame, file: str, grids: gpd.GeoDataFrame
) -> tuple[pl.DataFrame, list[Problem]]:
    check = _Check(file, _missing_columns(frame, file, schema.SERVICE_POINT_REQUIRED))
    if check.problems:
        return frame, check.problems
    out = _convert(frame, check, texts=("point_id", "name", "point_type"), floats=("lon", "lat"))
    _required_values(out, check, schema.SERVICE_POINT_REQUIRED)
    _unique(out, check, "point_id")
    return out, check.problems


Validator = Callable[[pl.DataFrame, str, gpd.GeoDataFrame], tuple[pl.DataFrame, list[Problem]]]
OPTIONAL_TABLES: dict[str, tuple[str, Validator]] = {
    "volunteers": (schema.VOLUNTEERS_STEM, validate_volunteers),
    "service_records": (schema.SERVICE_RECORDS_STEM, validate_service_records),
    "service_points": (schema.SERVICE_POINTS_STEM, validate_service_points),
}


def read_places(root: Path, grids: gpd.GeoDataFrame) -> tuple[pl.DataFrame | None, list[Problem]]:
    """The gazetteer ``geo/places.csv`` (``keyword``: a building, residential compound or road name; ``grid_code``), when
    there is one: keywords unique, grid codes of the boundary file."""
    path = root / schema.PLACES_FILE
    if not path.is_file():
        return None, []
    frame, problems = read_table(path, schema.PLACES_FILE)
    if frame is None:
        return None, problems
    check = _Check(schema.PLACES_FILE, _missing_columns(frame, schema.PLACES_FILE, ("keyword", "grid_code")))
    if check.problems:
        return None, check.problems
    places = _convert(frame, check, texts=("keyword", "grid_code"))
    _required_values(places, check, ("keyword", "grid_code"))
    _unique(places, check, "keyword")
    _known_grids(places, check, pl.Series(grids["grid_code"].to_numpy(), dtype=pl.String))
    if check.problems:
        return None, check.problems
    return places.select("keyword", "grid_code"), []


def read_meta(root: Path) -> dict[str, Any]:
    path = root / schema.META_FILE
    if not path.is_file():
        return {}
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError):
        return {}
    return meta if isinstance(meta, dict) else {}


def load_dataset(root: Path) -> Dataset:
    """Load and validate the data root at ``root``; raise :class:`DataError` listing every problem."""
    if not root.is_dir():
        raise DataError([Problem(str(root), "missing_root")])
    try:
        settings = load_settings(root)
    except ValueError as exc:
        raise DataError([Problem("dashboard.toml", "bad_settings", detail=str(exc))]) from exc
    grids, problems = read_grids(root)
    issues_path = find_table(root, schema.ISSUES_STEM)
    if issues_path is None:
        problems.append(Problem(f"{schema.ISSUES_STEM}.parquet / .csv", "missing_file"))
    if grids is None or issues_path is None:
        raise DataError(problems)
    files = {"grids": schema.GRIDS_FILE}

    issues_file = str(issues_path.relative_to(root))
    files["issues"] = issues_file
    raw, read_problems = read_table(issues_path, issues_file)
    places, places_problems = read_places(root, grids)
    problems += read_problems + places_problems
    if places is not None:
        files["places"] = schema.PLACES_FILE
    issues: pl.DataFrame | None = None
    if raw is not None:
        issues, issue_problems = validate_issues(raw, issues_file, grids, places)
        problems += issue_problems

    tables: dict[str, pl.DataFrame | None] = {}
    for name, (stem, validate) in OPTIONAL_TABLES.items():
        path = find_table(root, stem)
        tables[name] = None
        if path is None:
            continue
        file = str(path.relative_to(root))
        files[name] = file
        table, read_problems = read_table(path, file)
        problems += read_problems
        if table is not None:
            table, table_problems = validate(table, file, grids)
            problems += table_problems
            tables[name] = table
    if problems or issues is None:
        raise DataError(problems)

    dataset = Dataset(
        root=root, settings=settings, grids=grids, issues=issues, meta=read_meta(root), files=files
    )
    dataset.issues = complete_issues(issues, dataset.units, settings)
    placed = {k: tables[k] for k in ("volunteers", "service_records")}
    named = {k: None if v is None else with_names(v, dataset.units) for k, v in placed.items()}
    dataset.volunteers = named["volunteers"]
    dataset.service_records = named["service_records"]
    dataset.service_points = tables["service_points"]
    return dataset
