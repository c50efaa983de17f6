"""Command-line interface: ``demo`` writes demo data, ``metrics`` prints the registry's numbers,
``coverage`` the volunteer metrics and service reach, ``report`` writes the monthly report
(.pptx or .pdf), ``import``/``versions``/``restore`` bring in data and undo it, ``users`` and
``audit`` manage accounts and read the audit trail, ``docs`` rewrites the README's metric table."""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

import polars as pl

from dashboard.core.basis import BASES, DEFAULT_BASIS, Basis, measured_at
from dashboard.core.loading import Dataset, load_dataset, resolve_root
from dashboard.core.periods import Period, parse_period
from dashboard.core.problems import DataError
from dashboard.i18n import LANGS, Lang, as_lang, t
from dashboard.metrics import (
    METRIC_KEYS,
    METRICS,
    Unit,
    compute,
    keys_for,
    placed_label,
    unit_columns,
    volunteer_metric,
)

if TYPE_CHECKING:
    from dashboard.outputs.report import Report

SCALES = ("street", "district", "city")
BASIS_HELP = (
    "cutoff (default): the period at its assessment cut-off (its end + assessment_grace_days), never later "
    "than --as-of, so a past month never changes; live: every number as of --as-of"
)


@dataclass(frozen=True)
class UnitCommand:
    """A command that prints one object per unit (``metrics``, ``coverage``): what it computes and shows."""

    help: str
    as_of_help: str
    compute: Callable[[Dataset, Unit, Period, datetime], pl.DataFrame]
    metric_keys: Callable[[], Sequence[str]]
    format: Callable[[str, object, Lang], str]


def _issue_metrics(dataset: Dataset, by: Unit, period: Period, as_of: datetime) -> pl.DataFrame:
    return compute(dataset.issues, dataset.units, by, period, as_of, dataset.settings)


def _volunteer_metrics(dataset: Dataset, by: Unit, period: Period, as_of: datetime) -> pl.DataFrame:
    from dashboard.volunteers import volunteer_metrics  # geometry-heavy: only this command needs it

    if by == "all":  # the parser offers grid, community and street only
        raise ValueError("coverage is per grid, community or street")
    return volunteer_metrics(dataset, by, period, as_of)


def _volunteer_keys() -> Sequence[str]:
    return keys_for("volunteer_headline")


def _number(value: object) -> float | None:
    """A JSON value as a number for formatting (``None`` when it is not one)."""
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _volunteer_format(key: str, value: object, lang: Lang) -> str:
    return volunteer_metric(key).format(_number(value), lang)


COMMANDS: dict[str, UnitCommand] = {
    "metrics": UnitCommand(
        help="print every registry metric per unit for a period",
        as_of_help='as-of time T, e.g. "2026-11-20 00:00:00"',
        compute=_issue_metrics,
        metric_keys=lambda: METRIC_KEYS,
        format=lambda key, value, lang: METRICS[key].format(_number(value), lang),
    ),
    "coverage": UnitCommand(
        help="print volunteer metrics and service reach per unit",
        as_of_help='caps the period\'s end, e.g. "2026-11-20 00:00:00"',
        compute=_volunteer_metrics,
        metric_keys=_volunteer_keys,
        format=_volunteer_format,
    ),
}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m dashboard", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    demo = commands.add_parser("demo", help="write a deterministic demo data root")
    demo.add_argument("--out", required=True, type=Path, help="folder to write geo/ and data/ into")
    demo.add_argument("--scale", choices=SCALES, default="street")
    demo.add_argument("--seed", type=int, default=42)

    for name, command in COMMANDS.items():
        sub = commands.add_parser(name, help=command.help)
        sub.add_argument(
            "--data", default=None, help="data root (default: $DASHBOARD_DATA_DIR or the repository)"
        )
        sub.add_argument("--period", required=True, help="2026-10 or 2026-09-01..2026-10-31")
        sub.add_argument("--by", choices=("grid", "community", "street"), default="community")
        sub.add_argument("--format", choices=("json", "table"), default="json")
        sub.add_argument("--as-of", default=None, help=command.as_of_help)
        sub.add_argument("--basis", choices=BASES, default=DEFAULT_BASIS, help=BASIS_HELP)
        sub.add_argument("--lang", choices=LANGS, default="zh", help="language of the table format")

    from dashboard.ingest.cli import add_commands

    add_commands(commands)

    from dashboard.access.cli import add_commands as add_access_commands

    add_access_commands(commands)

    report = commands.add_parser(
        "report", help="write the monthly report as PowerPoint (.pptx) or PDF (.pdf)"
    )
    report.add_argument(
        "--data", default=None, help="data root (default: $DASHBOARD_DATA_DIR or the repository)"
    )
    report.add_argument("--period", required=True, help="the month, e.g. 2026-10")
    report.add_argument("--out", required=True, type=Path, help="report.pptx or report.pdf")
    report.add_argument("--lang", choices=LANGS, default="zh", help="language of the report")
    report.add_argument("--basis", choices=BASES, default=DEFAULT_BASIS, help=BASIS_HELP)
    report.add_argument(
        "--community",
        action="append",
        default=[],
        help="only these communities (codes; repeat or separate with commas); default: all",
    )

    docs = commands.add_parser(
        "docs", help="rewrite the README's metric table (from the registry) and layout (from the tree)"
    )
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


def unit_records(
    command: UnitCommand,
    dataset: Dataset,
    by: Unit,
    period_text: str,
    as_of: datetime | None,
    basis: Basis = DEFAULT_BASIS,
) -> list[dict[str, Any]]:
    """One JSON-ready object per unit: its code and name (contract column names), then the command's keys.

    The period is measured at ``as_of`` (default: the data's latest time) with ``basis="live"``, or at
    its assessment cut-off but never later than ``as_of`` with ``basis="cutoff"``. For ``metrics``,
    issues not placed at the level of ``by`` are extra objects whose code is null and whose ``placed``
    says the level they reached (community, street, or outside every grid).
    """
    period = parse_period(period_text)
    moment = measured_at(period, as_of or dataset.as_of, dataset.settings, basis)
    frame = command.compute(dataset, by, period, moment)
    code, name = unit_columns(by)
    records: list[dict[str, Any]] = []
    for row in frame.iter_rows(named=True):
        record: dict[str, Any] = {code: row[code], name: row[name]}
        if row.get("outside"):  # issues not placed at this level: the level they reached
            record["placed"] = row.get("placed") or "outside"
        for key in command.metric_keys():
            value = row[key]
            record[key] = None if isinstance(value, float) and math.isnan(value) else value
        if "measured_at" in row:  # the basis of the numbers: when they were taken, and whether final
            record.update(basis=basis, measured_at=row["measured_at"], provisional=row["provisional"])
        records.append(record)
    return records


def metric_records(
    dataset: Dataset, by: Unit, period_text: str, as_of: datetime | None, basis: Basis = DEFAULT_BASIS
) -> list[dict[str, Any]]:
    """Every registry metric per unit (what ``python -m dashboard metrics --format json`` prints)."""
    return unit_records(COMMANDS["metrics"], dataset, by, period_text, as_of, basis)


def _table(command: UnitCommand, records: list[dict[str, Any]], by: Unit, lang: Lang) -> str:
    code, name = unit_columns(by)
    rows = []
    for record in records:
        unit = record[name] if record[code] is not None else placed_label(record.get("placed"), lang)
        row: dict[str, str] = {t(f"common.unit_{by}", lang): unit, "code": record[code] or ""}
        for key in command.metric_keys():
            label = METRICS[key].label(lang) if key in METRICS else t(f"metric.{key}.label", lang)
            row[label] = command.format(key, record[key], lang)
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


def _run_unit_command(command: UnitCommand, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
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
    records = unit_records(command, dataset, args.by, args.period, as_of, args.basis)
    if args.format == "json":
        json.dump(records, out, ensure_ascii=False, indent=2, default=str)
        out.write("\n")
    else:
        out.write(_table(command, records, args.by, as_lang(args.lang)) + "\n")
    return 0


def _both(key: str, **params: object) -> str:
    return f"{t(key, 'zh', **params)}\n{t(key, 'en', **params)}"


class _ReportError(Exception):
    """A bad argument or unusable data: the message is shown as it is (already bilingual)."""


def _report_request(args: argparse.Namespace) -> tuple[Dataset, Period, tuple[str, ...]]:
    from dashboard.outputs.report import FORMATS

    if args.out.suffix.lower().lstrip(".") not in FORMATS:
        raise _ReportError(_both("report.bad_suffix", path=args.out))
    try:
        period = parse_period(args.period)
    except ValueError as exc:
        raise _ReportError(f"{_both('report.bad_period')}\n{exc}") from None
    try:
        dataset = load_dataset(resolve_root(args.data))
    except DataError as exc:
        report = "\n".join(p.bilingual() for p in exc.problems)
        raise _ReportError(f"{t('problem.title', 'zh')} / {t('problem.title', 'en')}\n{report}") from None
    codes = tuple(dict.fromkeys(c.strip() for part in args.community for c in part.split(",") if c.strip()))
    known = set(dataset.units.get_column("community_code").to_list())
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise _ReportError(_both("report.bad_community", codes=", ".join(unknown)))
    return dataset, period, codes


def _run_report(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from dashboard.outputs.report import build_report, write_report
    from dashboard.outputs.report.fonts import FontMissingError

    started = time.perf_counter()
    lang = as_lang(args.lang)
    path: Path = args.out
    try:
        dataset, period, codes = _report_request(args)
        content = build_report(dataset, period, lang, codes, args.basis)
        path.parent.mkdir(parents=True, exist_ok=True)
        write_report(content, path)
    except _ReportError as exc:
        return _fail(str(exc), err)
    except FontMissingError as exc:
        return _fail(str(exc), err)
    except OSError as exc:
        return _fail(f"{_both('report.cannot_write', path=path)}\n{exc}", err)
    _record_published(dataset, content, err)
    _audit_report(dataset, args, codes, err)
    seconds = f"{time.perf_counter() - started:.1f}"
    out.write(t("report.written", lang, path=path, pages=len(content.slides), seconds=seconds) + "\n")
    return 0


def _record_published(dataset: Dataset, content: Report, err: TextIO) -> None:
    """Keep the numbers the report published; a history that cannot be written is a warning, not a failure."""
    from dashboard.outputs.report import published

    if content.published is None:
        return
    outcome = published.record(dataset, content.published)
    if outcome.error:
        err.write(_both("report.not_recorded", path=outcome.path, error=outcome.error) + "\n")


def _audit_report(dataset: Dataset, args: argparse.Namespace, codes: tuple[str, ...], err: TextIO) -> None:
    """A report written from data that is not demo data goes into the audit trail (it holds no
    personal data: ``masked`` is always true)."""
    from dashboard.access.cli import record_quietly

    if dataset.is_demo:
        return
    details = {
        "period": args.period,
        "communities": list(codes) or "all",
        "format": args.out.suffix.lower().lstrip("."),
        "basis": args.basis,
        "lang": args.lang,
        "masked": True,
        "via": "cli",
    }
    record_quietly(dataset.root, "report", details, err, as_lang(args.lang))


def _demo(args: argparse.Namespace, out: TextIO) -> int:
    from dashboard.demo import generate  # imported late: only this command needs it

    generate(args.out, scale=args.scale, seed=args.seed)
    out.write(f"{args.scale} demo (seed {args.seed}) written to {args.out}\n")
    return 0


def _run_ingest(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from dashboard.ingest import cli as ingest_cli  # imported late: only these commands need it

    if args.command == "import":
        return ingest_cli.run_import(args, out, err)
    if args.command == "versions":
        return ingest_cli.run_versions(args, out)
    return ingest_cli.run_restore(args, out, err)


def main(argv: Sequence[str] | None = None, out: TextIO | None = None, err: TextIO | None = None) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    args = _parser().parse_args(argv)
    if args.command == "demo":
        return _demo(args, out)
    if args.command == "report":
        return _run_report(args, out, err)
    if args.command == "docs":
        from dashboard.outputs.docs import update_readme

        changed = update_readme(args.readme)
        out.write(f"{args.readme}: {'updated' if changed else 'already up to date'}\n")
        return 0
    if args.command in ("import", "versions", "restore"):
        return _run_ingest(args, out, err)
    if args.command in ("users", "audit"):
        from dashboard.access import cli as access_cli

        run = access_cli.run_users if args.command == "users" else access_cli.run_audit
        return run(args, out, err)
    return _run_unit_command(COMMANDS[args.command], args, out, err)
