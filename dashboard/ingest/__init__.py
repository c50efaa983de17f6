"""Bring your own data: read an export, map its headers and words, check it, store it as a new version.

The two steps are apart on purpose: :func:`prepare` reads and checks an upload and writes
nothing (the page and the CLI show its report); :func:`commit_import` writes the good rows
as a new version of the data root (see :mod:`dashboard.ingest.store`).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Literal

import geopandas as gpd
import polars as pl

from dashboard.core import schema
from dashboard.core.boundaries import read_grids
from dashboard.core.loading import (
    OPTIONAL_TABLES,
    ROW,
    find_table,
    read_places,
    read_table,
    validate_issues,
)
from dashboard.core.problems import DataError, Problem
from dashboard.core.settings import Settings, load_settings
from dashboard.ingest.findings import Prepared
from dashboard.ingest.grids import prepare_grids
from dashboard.ingest.mapping import CONTRACT, KINDS, PLACE_COLUMNS, Mapping, saved_mapping
from dashboard.ingest.prepare import SPECS, current_state, prepare_table
from dashboard.ingest.sizing import Limits
from dashboard.ingest.store import Changes, Version, commit, restore, versions

__all__ = [
    "KINDS",
    "ImportResult",
    "Limits",
    "Mapping",
    "Prepared",
    "Version",
    "commit_import",
    "limits_from",
    "prepare",
    "restore",
    "versions",
]

Mode = Literal["append", "replace"]
MODES: Final = ("append", "replace")


@dataclass(frozen=True)
class ImportResult:
    version: Version
    added: int
    updated: int
    total: int


def limits_from(settings: Settings) -> Limits:
    return Limits(
        max_bytes=int(settings.max_upload_mb * 1024 * 1024),
        max_unpacked_bytes=int(settings.max_unpacked_mb * 1024 * 1024),
        max_rows=settings.max_rows,
        max_memory_bytes=int(settings.max_memory_mb * 1024 * 1024),
    )


def _settings(root: Path) -> Settings:
    try:
        return load_settings(root)
    except ValueError as exc:
        raise DataError([Problem("dashboard.toml", "bad_settings", detail=str(exc))]) from exc


def prepare(
    root: Path,
    kind: str,
    data: bytes,
    file: str,
    mapping: Mapping | None = None,
    repair: bool = False,
) -> Prepared:
    """Read and check an upload of ``kind``; nothing is written. ``mapping`` defaults to the saved one."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}")
    settings = _settings(root)
    mapping = mapping or saved_mapping(root, kind) or Mapping()
    limits = limits_from(settings)
    if kind == "grids":
        return prepare_grids(data, file, mapping, limits, root, settings.region_bbox, repair=repair)
    return prepare_table(kind, data, file, mapping, current_state(root, settings), limits, root)


def _dtype(kind: str, column: str) -> pl.DataType:
    spec = SPECS[kind]
    if column in spec.times:
        return pl.Datetime("us")
    if column in spec.floats:
        return pl.Float64()
    if column in spec.ints:
        return pl.Int64()
    if column in spec.bools:
        return pl.Boolean()
    return pl.String()


def _typed(frame: pl.DataFrame, kind: str) -> pl.DataFrame:
    """The contract's columns in order, typed; place names or codes the rows carry are kept after them."""
    places = [c for c in PLACE_COLUMNS if c in frame.columns and c not in CONTRACT[kind]]
    return frame.select(
        *(
            (pl.col(c) if c in frame.columns else pl.lit(None)).cast(_dtype(kind, c)).alias(c)
            for c in CONTRACT[kind]
        ),
        *(pl.col(c).cast(pl.String) for c in places),
    )


def _existing(root: Path, kind: str) -> pl.DataFrame | None:
    """The table the root holds now, converted like the loader does; ``None`` when there is none."""
    stem = SPECS[kind].stem
    path = find_table(root, stem)
    if path is None:
        return None
    raw, problems = read_table(path, stem)
    grids, grid_problems = read_grids(root)
    if raw is None or grids is None or problems or grid_problems:
        raise DataError([Problem(str(path.relative_to(root)), "existing_unreadable")])
    validate = validate_issues if kind == "issues" else OPTIONAL_TABLES[kind][1]
    frame, problems = validate(raw, stem, grids)
    if problems:
        raise DataError([Problem(str(path.relative_to(root)), "existing_unreadable")])
    return _typed(frame.drop(ROW), kind)


def _places_change(
    root: Path, good: pl.DataFrame, mode: Mode
) -> tuple[dict[str, bytes | None], int, int, int]:
    """The gazetteer written as ``geo/places.csv`` (UTF-8), merged by keyword with the current one when
    adding: the file's rows win. Returns the change and the rows added, updated and in total."""
    new = good.select(pl.col(c).cast(pl.String) for c in schema.GAZETTEER_COLUMNS)
    existing = None
    if mode == "append":
        grids, _ = read_grids(root)
        existing = read_places(root, grids)[0] if grids is not None else None
    updated = 0
    if existing is not None:
        keywords = new.get_column("keyword").implode()
        updated = existing.filter(pl.col("keyword").is_in(keywords)).height
        new = pl.concat([existing.filter(~pl.col("keyword").is_in(keywords)), new])
    buffer = io.BytesIO()
    new.write_csv(buffer)
    return {schema.PLACES_FILE: buffer.getvalue()}, good.height - updated, updated, new.height


def _grids_bytes(frame: gpd.GeoDataFrame) -> bytes:
    ordered = [c for c in CONTRACT["grids"] if c in frame.columns]
    text: str = frame[[*ordered, "geometry"]].to_json(drop_id=True, ensure_ascii=False)
    return text.encode("utf-8")


def _changes(root: Path, prepared: Prepared, mode: Mode) -> tuple[Changes, dict[str, int]]:
    """The files an import writes and its row counts, built from the data the root holds now (called
    with the root's lock held, so a concurrent import's rows are part of it)."""
    kind = prepared.kind
    if kind == "grids":
        changes: Changes = {schema.GRIDS_FILE: _grids_bytes(prepared.good)}
        added, updated, total = prepared.good_count, 0, prepared.good_count
    elif kind == "places":
        changes, added, updated, total = _places_change(root, prepared.good, mode)
    else:
        spec = SPECS[kind]
        new = _typed(prepared.good, kind)
        existing = _existing(root, kind) if mode == "append" else None
        if existing is not None:
            ids = new.get_column(spec.id_column).implode()
            updated = existing.filter(pl.col(spec.id_column).is_in(ids)).height
            merged = pl.concat([existing.filter(~pl.col(spec.id_column).is_in(ids)), new], how="diagonal")
        else:
            updated, merged = 0, new
        added, total = new.height - updated, merged.height
        buffer = io.BytesIO()
        merged.write_parquet(buffer)
        changes = {f"{spec.stem}.parquet": buffer.getvalue(), f"{spec.stem}.csv": None}
    return changes, {"added": added, "updated": updated, "total": total, "superseded": prepared.superseded}


def commit_import(
    root: Path, prepared: Prepared, data: bytes, mapping: Mapping | None = None, mode: Mode = "append"
) -> ImportResult:
    """Write the good rows of ``prepared`` as a new version of the data root.

    The current data is read once the root's lock is held: two imports at once both land, one after
    the other, and neither loses the other's rows.
    """
    if prepared.refused:
        raise DataError(prepared.blocking or [Problem(prepared.file, "nothing_to_import")])
    rows = {"read": prepared.total_rows, "imported": prepared.good_count, "skipped": prepared.bad_rows}
    version = commit(
        root,
        lambda: _changes(root, prepared, mode),
        kind=prepared.kind,
        upload=(prepared.file, data),
        rows=rows,
        mapping=(mapping or Mapping()).to_toml(),
    )
    counts = version.rows
    return ImportResult(
        version=version, added=counts["added"], updated=counts["updated"], total=counts["total"]
    )
