"""Command-line interface: ``demo`` writes demo data, ``metrics`` prints the registry's numbers,
``coverage`` the volunteer metrics and service reach."""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

import polars as pl

from dashboard.formatting import format_metric
from dashboard.i18n import LANGS, Lang, as_lang, t
from dashboard.loading import Dataset, load_dataset, resolve_root
from dashboard.metrics import METRIC_KEYS, REGISTRY, Unit, compute, unit_columns
from dashboard.periods import parse_period
from dashboard.problems import DataError

SCALES = ("street", "district", "city")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m dashboard", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    demo = commands.add_parser("demo", help="write a deterministic demo data root")
    demo.add_argument("--out", required=True, type=Path, help="folder to write geo/ and data/ into")
    demo.add_argument("--scale", choices=SCALES, default="street")
    demo.add_argument("--seed", type=int, default=42)

    metrics = commands.add_parser("metrics", help="print every registry metric per unit for a period")
    metrics.add_argument(
        "--data", default=None, help="data root (default: $DASHBOARD_DATA_DIR or the repository)"
    )
    metrics.add_argument("--period", required=True, help="2026-10 or 2026-09-01..2026-10-31")
    metrics.add_argument("--by", choices=("grid", "community", "street"), default="community")
    metrics.add_argument("--format", choices=("json", "table"), default="json")
    metrics.add_argument("--as-of", default=None, help='as-of time T, e.g. "2026-11-20 00:00:00"')
    metrics.add_argument("--lang", choices=LANGS, default="zh", help="language of the table format")
    _add_coverage_parser(commands)
    docs = commands.add_parser("docs", help="rewrite the README's metric table from the registry")
    docs.add_argument("--readme", type=Path, default=Path("README.md"))
    return parser


def _fail(message: str, stream: TextIO) -> int:
    print(message, file=stream)
    return 2


def _parse_as_of(text: str) -> datetime:
    for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d"):
        try:
            return datetime.strptime(text.strip(), fmt)
        except ValueError:
            continue
    raise ValueError(f"--as-of must look like 2026-11-20 00:00:00, got {text!r}")


def metric_records(
    dataset: Dataset, by: Unit, period_text: str, as_of: datetime | None
) -> list[dict[str, Any]]:
    """One JSON-ready object per unit: its code and name, then every registry metric."""
    period = parse_period(period_text)
    frame = compute(dataset.issues, dataset.units, by, period, as_of or dataset.as_of, dataset.settings)
    code, name = unit_columns(by)
    records: list[dict[str, Any]] = []
    for row in frame.iter_rows(named=True):
        record: dict[str, Any] = {code: row[code], name: row[name]}
        for key in METRIC_KEYS:
            value = row[key]
            record[key] = None if isinstance(value, float) and math.isnan(value) else value
        records.append(record)
    return records


def _table(records: list[dict[str, Any]], by: Unit, lang: Lang) -> str:
    code, name = unit_columns(by)
    rows = []
    for record in records:
        row = {
            t(f"common.unit_{by}", lang): record[name]
            if record[code] is not None
            else t("common.outside", lang),
            "code": record[code] or "",
        }
        for spec in REGISTRY:
            row[spec.label(lang)] = format_metric(record[spec.key], spec, lang)
        rows.append(row)
    with pl.Config(
        tbl_rows=-1,
        tbl_cols=-1,
        tbl_width_chars=400,
        tbl_hide_dataframe_shape=True,
        tbl_hide_column_data_types=True,
        fmt_str_lengths=40,
    ):
        return str(pl.DataFrame(rows))


def _metrics(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    try:
        as_of = _parse_as_of(args.as_of) if args.as_of else None
        parse_period(args.period)
    except ValueError as exc:
        return _fail(str(exc), err)
    try:
        dataset = load_dataset(resolve_root(args.data))
    except DataError as exc:
        report = "\n".join(p.bilingual() for p in exc.problems)
        return _fail(f"{t('problem.title', 'zh')} / {t('problem.title', 'en')}\n{report}", err)
    records = metric_records(dataset, args.by, args.period, as_of)
    if args.format == "json":
        json.dump(records, out, ensure_ascii=False, indent=2, default=str)
        out.write("\n")
    else:
        out.write(_table(records, args.by, as_lang(args.lang)) + "\n")
    return 0


# --- coverage: volunteer metrics and service-point reach per unit ---------------------


def _add_coverage_parser(commands: Any) -> None:
    coverage = commands.add_parser("coverage", help="print volunteer metrics and service reach per unit")
    coverage.add_argument(
        "--data", default=None, help="data root (default: $DASHBOARD_DATA_DIR or the repository)"
    )
    coverage.add_argument("--period", required=True, help="2026-10 or 2026-09-01..2026-10-31")
    coverage.add_argument("--by", choices=("grid", "community", "street"), default="community")
    coverage.add_argument("--format", choices=("json", "table"), default="json")
    coverage.add_argument("--as-of", default=None, help='caps the period\'s end, e.g. "2026-11-20 00:00:00"')
    coverage.add_argument("--lang", choices=LANGS, default="zh", help="language of the table format")


def coverage_records(
    dataset: Dataset, by: Unit, period_text: str, as_of: datetime | None
) -> list[dict[str, Any]]:
    """One JSON-ready object per unit: its code and name, then the six volunteer metrics of DOMAIN.md §4."""
    from dashboard.volunteers import CORE_KEYS, volunteer_metrics

    if by == "all":
        raise ValueError("coverage is computed per grid, community or street")
    frame = volunteer_metrics(dataset, by, parse_period(period_text), as_of)
    code, name = unit_columns(by)
    records: list[dict[str, Any]] = []
    for row in frame.iter_rows(named=True):
        record: dict[str, Any] = {code: row[code], name: row[name]}
        for key in CORE_KEYS:
            value = row[key]
            record[key] = None if isinstance(value, float) and math.isnan(value) else value
        records.append(record)
    return records


def _coverage_table(records: list[dict[str, Any]], by: Unit, lang: Lang) -> str:
    from dashboard.volunteers import CORE_KEYS, volunteer_metric

    code, name = unit_columns(by)
    rows = []
    for record in records:
        row = {t(f"common.unit_{by}", lang): record[name], "code": record[code] or ""}
        for key in CORE_KEYS:
            spec = volunteer_metric(key)
            row[spec.label(lang)] = spec.format(record[key], lang)
        rows.append(row)
    with pl.Config(
        tbl_rows=-1,
        tbl_cols=-1,
        tbl_width_chars=400,
        tbl_hide_dataframe_shape=True,
        tbl_hide_column_data_types=True,
        fmt_str_lengths=40,
    ):
        return str(pl.DataFrame(rows))


def _coverage(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    try:
        as_of = _parse_as_of(args.as_of) if args.as_of else None
        parse_period(args.period)
    except ValueError as exc:
        return _fail(str(exc), err)
    try:
        dataset = load_dataset(resolve_root(args.data))
    except DataError as exc:
        report = "\n".join(p.bilingual() for p in exc.problems)
        return _fail(f"{t('problem.title', 'zh')} / {t('problem.title', 'en')}\n{report}", err)
    records = coverage_records(dataset, args.by, args.period, as_of)
    if args.format == "json":
        json.dump(records, out, ensure_ascii=False, indent=2, default=str)
        out.write("\n")
    else:
        out.write(_coverage_table(records, args.by, as_lang(args.lang)) + "\n")
    return 0


def _demo(args: argparse.Namespace, out: TextIO) -> int:
    from dashboard.demo import generate  # imported late: only this command needs it

    generate(args.out, scale=args.scale, seed=args.seed)
    out.write(f"{args.scale} demo (seed {args.seed}) written to {args.out}\n")
    return 0


def main(argv: Sequence[str] | None = None, out: TextIO | None = None, err: TextIO | None = None) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    args = _parser().parse_args(argv)
    if args.command == "demo":
        return _demo(args, out)
    if args.command == "docs":
        from dashboard.docs import update_readme

        changed = update_readme(args.readme)
        out.write(f"{args.readme}: {'updated' if changed else 'already up to date'}\n")
        return 0
    if args.command == "coverage":
        return _coverage(args, out, err)
    return _metrics(args, out, err)
