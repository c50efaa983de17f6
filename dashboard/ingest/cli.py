"""``import``, ``versions`` and ``restore``: the import page's work from the command line.

A done import or restore is written to the audit trail (``.access/audit.jsonl``) as the operating-system
account that ran it (``os:<login name>``), with the kind, file name, version and row counts.

Exit codes: 0 done (or, with ``--check``, importable), 2 refused or failed; the report is
printed either way, and a refused import writes nothing.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TextIO

from dashboard.access.cli import record_quietly
from dashboard.core.coords import DATUMS
from dashboard.core.loading import resolve_root
from dashboard.core.problems import DataError, Problem
from dashboard.core.settings import load_settings
from dashboard.i18n import LANGS, Lang, as_lang, t
from dashboard.ingest import (
    KINDS,
    MODES,
    ImportResult,
    Mapping,
    commit_import,
    limits_from,
    prepare,
    restore,
    versions,
)
from dashboard.ingest.mapping import as_datum, parse_mapping, save_mapping, saved_mapping
from dashboard.ingest.report import lines, version_table

DATA_HELP = "data root (default: $DASHBOARD_DATA_DIR or the repository)"


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    sub = commands.add_parser("import", help="check a file and import its good rows as a new version")
    sub.add_argument("file", type=Path, help="CSV, Excel (.xlsx/.xls), Parquet, GeoJSON or zipped Shapefile")
    sub.add_argument("--data", default=None, help=DATA_HELP)
    sub.add_argument("--kind", required=True, choices=KINDS)
    sub.add_argument(
        "--mapping", type=Path, default=None, help="mapping TOML (default: the data root's saved one)"
    )
    sub.add_argument("--crs", choices=DATUMS, default=None, help="coordinates of the file (default wgs84)")
    sub.add_argument("--sheet", default=None, help="Excel sheet name (default: the first)")
    sub.add_argument("--header-row", type=int, default=None, help="row number of the header (default: found)")
    sub.add_argument(
        "--mode", choices=MODES, default="append", help="append (de-duplicated by id) or replace"
    )
    sub.add_argument(
        "--skip-bad-rows", action="store_true", help="import the good rows even if some rows have errors"
    )
    sub.add_argument("--repair", action="store_true", help="repair invalid and overlapping grid polygons")
    sub.add_argument("--check", action="store_true", help="print the report only; write nothing")
    sub.add_argument("--save-mapping", action="store_true", help="save the mapping used for next time")
    sub.add_argument("--lang", choices=LANGS, default="zh")

    history = commands.add_parser("versions", help="list the import history (versions) of a data root")
    history.add_argument("--data", default=None, help=DATA_HELP)
    history.add_argument("--lang", choices=LANGS, default="zh")

    back = commands.add_parser("restore", help="make an earlier version of the data root current again")
    back.add_argument("version", help="version id as listed by `versions`")
    back.add_argument("--data", default=None, help=DATA_HELP)
    back.add_argument("--lang", choices=LANGS, default="zh")


def _problems(problems: list[Problem], lang: Lang) -> str:
    return DataError(problems).report(lang)


def _mapping(args: argparse.Namespace, root: Path) -> Mapping:
    if args.mapping is not None:
        mapping = parse_mapping(args.mapping.read_text(encoding="utf-8"))
    else:
        mapping = saved_mapping(root, args.kind) or Mapping()
    if args.crs:
        mapping.crs = as_datum(args.crs)
    if args.sheet:
        mapping.sheet = args.sheet
    if args.header_row:
        mapping.header_row = args.header_row
    return mapping


def run_import(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:  # noqa: PLR0911 - one exit per refusal
    lang = as_lang(args.lang)
    root = resolve_root(args.data)
    file: Path = args.file
    try:
        settings = load_settings(root)
        mapping = _mapping(args, root)
    except (ValueError, OSError, UnicodeDecodeError) as exc:
        err.write(f"{t('imports.bad_mapping', lang, detail=str(exc))}\n")
        return 2
    if not file.is_file():
        err.write(_problems([Problem(str(file), "missing_file")], lang) + "\n")
        return 2
    limits = limits_from(settings)
    if file.stat().st_size > limits.max_bytes:  # refuse before reading a huge file into memory
        size = f"{file.stat().st_size / 1024 / 1024:.1f} MB > {limits.max_bytes / 1024 / 1024:.0f} MB"
        err.write(_problems([Problem(file.name, "too_large", detail=size)], lang) + "\n")
        return 2
    data = file.read_bytes()
    prepared = prepare(root, args.kind, data, file.name, mapping, repair=args.repair)
    held_back = bool(prepared.errors) and not args.skip_bad_rows
    out.write("\n".join(lines(prepared, lang, refused=held_back)) + "\n")
    if prepared.refused:
        err.write(t("imports.refused", lang) + "\n")
        return 2
    if prepared.errors and not args.skip_bad_rows:
        err.write(t("imports.refused_errors", lang, bad=prepared.bad_rows) + "\n")
        return 2
    if args.check:
        return 0
    try:
        result = commit_import(root, prepared, data, mapping, mode=args.mode)
    except DataError as error:
        err.write(_problems(error.problems, lang) + "\n")
        return 2
    if args.save_mapping:
        save_mapping(root, args.kind, mapping)
    _audit_import(root, args, prepared.bad_rows, result, err)
    out.write(
        t(
            "imports.done",
            lang,
            version=result.version.id,
            added=result.added,
            updated=result.updated,
            total=result.total,
        )
        + "\n"
    )
    return 0


def _audit_import(
    root: Path, args: argparse.Namespace, skipped: int, result: ImportResult, err: TextIO
) -> None:
    """A done import in the audit trail: what was imported and how many rows, never the rows."""
    details = {
        "kind": args.kind,
        "file": args.file.name[:200],
        "mode": args.mode,
        "version": result.version.id,
        "added": result.added,
        "updated": result.updated,
        "total": result.total,
        "skipped": skipped,
        "via": "cli",
    }
    record_quietly(root, "import", details, err, as_lang(args.lang))


def run_versions(args: argparse.Namespace, out: TextIO) -> int:
    lang = as_lang(args.lang)
    table = version_table(versions(resolve_root(args.data)), lang)
    if table.is_empty():
        out.write(t("imports.no_versions", lang) + "\n")
        return 0
    for row in table.iter_rows():
        out.write(" | ".join(str(v) for v in row) + "\n")
    return 0


def run_restore(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    lang = as_lang(args.lang)
    root = resolve_root(args.data)
    try:
        version = restore(root, args.version)
    except DataError as error:
        err.write(_problems(error.problems, lang) + "\n")
        return 2
    details = {"version": args.version, "new_version": version.id, "via": "cli"}
    record_quietly(root, "restore", details, err, lang)
    out.write(t("imports.restored", lang, version=args.version, new=version.id) + "\n")
    return 0
