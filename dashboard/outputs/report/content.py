"""What the monthly report says: a plain, typed model of its slides, built from the pages' own numbers.

Every number comes from the functions the pages call (:mod:`dashboard.overview`,
:mod:`dashboard.closed_loop`, :mod:`dashboard.trends`, :mod:`dashboard.volunteers`,
:mod:`dashboard.closed_loop.lifecycle`) and is formatted by the same code (:mod:`dashboard.core.formatting`,
:mod:`dashboard.figures.tables`). The writers only lay it out. No reporter names, phones or
addresses are ever read into the model: reports are shown at meetings.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final, Literal

import pandas as pd
import polars as pl

from dashboard import closed_loop, overview, trends
from dashboard.closed_loop import lifecycle
from dashboard.closed_loop import tables as loop_tables
from dashboard.core.basis import DEFAULT_BASIS, Basis, basis_note
from dashboard.core.formatting import format_count, format_percent
from dashboard.core.loading import Dataset
from dashboard.core.periods import Period, period_label
from dashboard.core.selection import Selection
from dashboard.core.span import data_start
from dashboard.figures import tables
from dashboard.i18n import Lang, label, t
from dashboard.metrics import (
    METRICS,
    PERIOD,
    Grade,
    Kpi,
    Unit,
    in_period,
    keys_for,
    placed_label,
    unit_columns,
    volunteer_metric,
)
from dashboard.outputs.report.published import Published

SLIDE_KEYS: Final[tuple[str, ...]] = (
    "title",
    "kpis",
    "league",
    "red_black",
    "trend",
    "grid_map",
    "heat",
    "categories",
    "volunteers",
    "overdue",
)
MAX_LEAGUE_ROWS: Final = 20
MAX_OVERDUE_ROWS: Final = 12
MAX_OVERDUE_UNITS: Final = 12
TOP_CATEGORIES: Final = 10
OLD_DAYS: Final = 30  # overdue cases this many days late are shown red, younger ones amber


@dataclass(frozen=True)
class KpiItem:
    """One big number: its label, value, target, change from last month and grade colour."""

    label: str
    value: str
    target: str | None = None
    delta: str | None = None
    grade: Grade = "none"
    # Whether the change is good news (green), bad news (red), or neither (None).
    delta_good: bool | None = None


@dataclass(frozen=True)
class KpiBlock:
    items: tuple[KpiItem, ...]
    title: str = ""


@dataclass(frozen=True)
class TableBlock:
    """A table as text: a header, rows of formatted cells and the grade of each cell ("none": plain)."""

    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    grades: tuple[tuple[Grade, ...], ...]
    title: str = ""


@dataclass(frozen=True)
class ChartSeries:
    name: str
    values: tuple[float | None, ...]
    dashed: bool = False


@dataclass(frozen=True)
class ChartBlock:
    """A line or bar chart: categories along one axis, one or more series; rates are fractions."""

    kind: Literal["line", "bar"]
    categories: tuple[str, ...]
    series: tuple[ChartSeries, ...]
    title: str = ""
    percent: bool = False
    # One colour per category (bars coloured by grade), else the writer's palette.
    point_colors: tuple[str, ...] = ()
    target: float | None = None


@dataclass(frozen=True)
class ImageBlock:
    png: bytes
    title: str = ""
    # width / height of the picture
    aspect: float = 1.0


@dataclass(frozen=True)
class TextBlock:
    lines: tuple[str, ...]
    title: str = ""


Block = KpiBlock | TableBlock | ChartBlock | ImageBlock | TextBlock


@dataclass(frozen=True)
class Slide:
    """One slide (one PDF page): a title, blocks side by side (with relative widths), notes below."""

    key: str
    title: str
    blocks: tuple[Block, ...] = ()
    weights: tuple[float, ...] = ()
    notes: tuple[str, ...] = ()
    subtitle: str = ""


@dataclass(frozen=True)
class Report:
    title: str
    period: str
    lang: Lang
    slides: tuple[Slide, ...]
    colors: dict[str, str] = field(default_factory=dict)
    footer: str = ""
    # The numbers it publishes (headline and league), recorded when it is written (:mod:`.published`).
    published: Published | None = None


# --- helpers -------------------------------------------------------------------------------------


def _display(display: tables.DisplayTable, columns: Sequence[str] | None = None) -> TableBlock:
    """A :class:`~dashboard.figures.tables.DisplayTable` (what the pages draw) as a report table."""
    frame: pd.DataFrame = display.frame
    names = [str(c) for c in (columns if columns is not None else frame.columns)]
    rows = tuple(tuple("" if v is None else str(v) for v in frame[name].tolist()) for name in names)
    grades = tuple(tuple(display.grades.get(name, ["none"] * len(frame))) for name in names)
    return TableBlock(
        columns=tuple(names),
        rows=tuple(zip(*rows, strict=True)) if rows else (),
        grades=tuple(zip(*grades, strict=True)) if grades else (),
    )


def _or_empty(block: Block, lang: Lang) -> Block:
    """An empty table or chart becomes a short "no data" text (nothing to draw, and writers need rows)."""
    if isinstance(block, TableBlock) and not block.rows:
        return TextBlock((t("common.no_data", lang),), title=block.title)
    if isinstance(block, ChartBlock) and not block.categories:
        return TextBlock((t("common.no_data", lang),), title=block.title)
    return block


def _scope_name(dataset: Dataset, selection: Selection, lang: Lang) -> str:
    units = selection.units(dataset)
    if selection.community_codes:
        names = units.get_column("community_name").unique(maintain_order=True).to_list()
        return t("report.separator", lang).join(str(n) for n in names[:3]) + ("…" if len(names) > 3 else "")
    streets = units.get_column("street_name").unique(maintain_order=True).to_list()
    if len(streets) == 1:
        return str(streets[0])
    if "district_name" in units.columns:
        districts = units.get_column("district_name").drop_nulls().unique().to_list()
        if len(districts) == 1:
            return str(districts[0])
    return str(streets[0]) + "…"


# --- slides ----------------------------------------------------------------------------------------


def _title_slide(dataset: Dataset, selection: Selection, title: str, lang: Lang) -> Slide:
    lines = [
        t("report.subtitle", lang, period=period_label(selection.period, lang), as_of=_as_of(dataset)),
        basis_note(selection.period, dataset.as_of, dataset.settings, selection.basis, lang),
    ]
    if selection.community_codes:
        names = selection.units(dataset).get_column("community_name").unique(maintain_order=True)
        lines.append(
            t("report.scope_line", lang, names=t("report.separator", lang).join(str(n) for n in names))
        )
    if dataset.is_demo:
        lines.append(t("report.demo_note", lang))
    return Slide("title", title, subtitle="\n".join(lines))


def _as_of(dataset: Dataset) -> str:
    return f"{dataset.as_of:%Y-%m-%d %H:%M}"


def _kpi_item(kpi: Kpi, dataset: Dataset, selection: Selection, lang: Lang) -> KpiItem:
    """One headline number; a value the data cannot give is "—" with its reason, ungraded."""
    spec = METRICS[kpi.key]
    reason = kpi.reason(lang)
    if reason is not None:
        return KpiItem(label=spec.label(lang), value=kpi.text(lang), delta=reason)
    delta = kpi.delta(lang)
    change = spec.change(
        kpi.value, kpi.previous
    )  # as shown: a change that reads +0.0 is neither good nor bad
    good = None if not change else (change > 0) == spec.higher_is_better
    return KpiItem(
        label=spec.label(lang),
        value=kpi.text(lang),
        target=t("report.kpi_target", lang, target=format_percent(dataset.settings.target, 0))
        if spec.graded
        else None,
        delta=t(f"report.kpi_vs_{'last' if selection.period.is_month else 'prev'}", lang, delta=delta)
        if delta is not None
        else t("report.kpi_no_previous", lang),
        grade=kpi.grade,
        delta_good=good,
    )


def _kpi_slide(
    dataset: Dataset, selection: Selection, totals: pl.DataFrame, kpis: Sequence[Kpi], lang: Lang
) -> Slide:
    items = [_kpi_item(kpi, dataset, selection, lang) for kpi in kpis]
    gaps = tables.missing_notes(overview.period_row(totals, selection), overview.LEVEL_KEYS, lang)
    shares = overview.level_shares(totals, selection)
    if gaps or shares["grid"] is None:
        note = " ".join(gaps) or t("common.no_data", lang)
    else:
        note = t(
            "report.levels_note",
            lang,
            grid=format_percent(shares["grid"]),
            community=format_percent(shares["community"]),
            above=format_percent(shares["above"]),
        )
    return Slide("kpis", t("report.kpi_title", lang), (KpiBlock(tuple(items)),), notes=(note,))


def _league_slides(
    dataset: Dataset, selection: Selection, table: pl.DataFrame, by: Unit, lang: Lang
) -> tuple[Slide, Slide]:
    settings = dataset.settings
    code, name = unit_columns(by)
    unit = t(f"common.unit_{by}", lang)
    period = period_label(selection.period, lang)
    shown = table.head(MAX_LEAGUE_ROWS)
    display = loop_tables.league_table(shown, by, keys_for("report_league"), settings, lang)
    small = t("common.small_sample_column", lang, n=settings.small_sample)
    # The score is shown only beside its parts (closed-loop page); an all-empty small-sample column says nothing.
    dropped = {t("loop.score", lang), *([small] if not shown.get_column("small_sample").any() else [])}
    keep = [c for c in display.frame.columns if c not in dropped]
    block = _display(display, keep)
    notes = list(display.notes)
    if table.height > shown.height:
        notes.append(t("report.league_more", lang, n=table.height - shown.height))
    league = Slide(
        "league", t("report.league_title", lang, unit=unit, period=period), (block,), notes=tuple(notes)
    )

    lists = closed_loop.red_black(table)
    blocks: list[Block] = []
    for frame, key in ((lists.red, "loop.red_list"), (lists.black, "loop.black_list")):
        shown_list = tables.unit_table(frame, code, name, ("resolution_rate", "issue_count"), settings, lang)
        # Small samples never make these lists: their column would be empty.
        columns = [
            c
            for c in shown_list.frame.columns
            if c != t("common.small_sample_column", lang, n=settings.small_sample)
        ]
        listed = _display(shown_list, columns)
        blocks.append(TableBlock(listed.columns, listed.rows, listed.grades, t(key, lang, n=5)))
    ranked = table.filter(pl.col("resolution_rate").is_not_null()).head(MAX_LEAGUE_ROWS)
    rates = ranked.get_column("resolution_rate").to_list()
    blocks.append(
        ChartBlock(
            kind="bar",
            categories=tuple(str(n) for n in ranked.get_column(name).to_list()),
            series=(ChartSeries(METRICS["resolution_rate"].label(lang), tuple(rates)),),
            title=t("report.league_chart", lang, unit=unit, target=format_percent(settings.target, 0)),
            percent=True,
            point_colors=tuple(settings.colors[g] for g in ranked.get_column("grade").to_list()),
            target=settings.target,
        )
    )
    red_black = Slide(
        "red_black",
        t("report.red_black_title", lang),
        tuple(blocks),
        weights=(1.0, 1.0, 1.3),
        notes=(t("loop.red_black_note", lang, n=settings.small_sample, left=lists.left_out),),
    )
    return league, red_black


def _trend_slide(dataset: Dataset, selection: Selection, totals: pl.DataFrame, lang: Lang) -> Slide:
    trend = overview.rate_trend(totals, selection)
    months = sorted(trend.get_column(PERIOD).unique().to_list())
    series = []
    for key in keys_for("trend"):
        rows = dict(trend.filter(pl.col("metric") == key).select(PERIOD, "value").iter_rows())
        series.append(ChartSeries(METRICS[key].label(lang), tuple(rows.get(m) for m in months)))
    target = dataset.settings.target
    target_text = format_percent(target, 0)
    series.append(
        ChartSeries(t("report.target_line", lang, target=target_text), (target,) * len(months), dashed=True)
    )
    chart = ChartBlock(
        kind="line",
        categories=tuple(months),
        series=tuple(series),
        title=t("report.trend_chart", lang, target=target_text),
        percent=True,
        target=target,
    )
    return Slide("trend", t("report.trend_title", lang), (chart,))


def _categories_slide(dataset: Dataset, selection: Selection, lang: Lang) -> Slide:
    from dashboard.trends.charts import hot_topic_text, hot_topic_title

    issues = selection.issues(dataset)
    top = trends.top_categories(issues, selection.period, TOP_CATEGORIES)
    hot = trends.hot_topic(
        issues, selection.period, dataset.as_of, dataset.settings, data_start=data_start(dataset)
    )
    categories = [label("category", c, lang) for c in top.get_column("category").to_list()]
    counts = [float(c) for c in top.get_column("count").to_list()]
    colors = tuple(
        dataset.settings.colors["red"] if hot is not None and c == hot.category else "#4472c4"
        for c in top.get_column("category").to_list()
    )
    chart = ChartBlock(
        kind="bar",
        categories=tuple(categories),
        series=(ChartSeries(METRICS["issue_count"].label(lang), tuple(counts)),),
        title=t("report.categories_chart", lang, n=len(categories)),
        point_colors=colors,
    )
    lines = [hot_topic_text(hot, lang), t("trends.hot_help", lang, min_count=10)]
    text = TextBlock(tuple(lines), title=hot_topic_title(hot, lang) if hot is not None else "")
    return Slide("categories", t("report.categories_title", lang), (chart, text), weights=(1.6, 1.0))


def _volunteer_block(dataset: Dataset, selection: Selection, lang: Lang) -> KpiBlock:
    from dashboard import volunteers
    from dashboard.volunteers import service_stats

    if selection.community_codes:
        frame = volunteers.volunteer_metrics(dataset, "community", selection.period)
        frame = frame.filter(pl.col("community_code").is_in(list(selection.community_codes)))
    else:
        frame = volunteers.volunteer_metrics(dataset, "street", selection.period)
    totals = service_stats.totals(frame)
    reasons = volunteers.missing_reasons(dataset, frame, lang)
    items = []
    for key in keys_for("volunteer_headline"):
        spec = volunteer_metric(key)
        # An empty value says why (no service points, no residents), in place of a change.
        reason = reasons.get(key) if totals[key] is None else None
        items.append(KpiItem(label=spec.label(lang), value=spec.format(totals[key], lang), delta=reason))
    return KpiBlock(tuple(items))


def _overdue_slide(dataset: Dataset, selection: Selection, by: str, lang: Lang) -> Slide:
    open_issues = lifecycle.ageing(selection.issues(dataset), dataset.as_of, dataset.settings)
    overdue = closed_loop.filter_open(open_issues, overdue_only=True)
    as_of = _as_of(dataset)
    if overdue.height == 0:
        return Slide(
            "overdue", t("report.overdue_title", lang), notes=(t("report.overdue_none", lang, as_of=as_of),)
        )
    note = t("report.overdue_summary", lang, as_of=as_of, n=format_count(overdue.height, lang))
    return Slide(
        "overdue",
        t("report.overdue_title", lang),
        (_overdue_by_unit(open_issues, by, lang), _overdue_cases(overdue, lang)),
        weights=(1.0, 1.3),
        notes=(note,),
    )


def _overdue_by_unit(open_issues: pl.DataFrame, by: str, lang: Lang) -> TableBlock:
    """The units with most overdue cases: open, overdue, and overdue by more than 30 days."""
    unit_by = "street_code" if by == "street" else "community_code"
    summary = lifecycle.ageing_summary(open_issues, unit_by)
    code, name = unit_by, unit_by.replace("_code", "_name")
    per_unit = (
        summary.group_by(code, maintain_order=True)
        .agg(
            pl.col(name).first(),
            pl.col("count").sum().alias("open"),
            pl.col("overdue").sum().alias("overdue"),
            pl.col("overdue").filter(pl.col("age_bucket") == "30+").sum().alias("old"),
        )
        .filter(pl.col("overdue") > 0)
        .sort(["overdue", code], descending=[True, False], nulls_last=True)
        .head(MAX_OVERDUE_UNITS)
    )
    unit_rows = tuple(
        (
            t("common.outside", lang) if c is None else str(n),
            format_count(o, lang),
            format_count(d, lang),
            format_count(old, lang),
        )
        for c, n, o, d, old in per_unit.select(code, name, "open", "overdue", "old").iter_rows()
    )
    unit_label = t(f"common.unit_{by}", lang)
    return TableBlock(
        columns=(
            unit_label,
            t("report.col_open", lang),
            t("report.col_overdue", lang),
            t("report.col_over_30", lang),
        ),
        rows=unit_rows,
        grades=tuple(("none",) * 4 for _ in unit_rows),
        title=t("report.overdue_by_unit", lang, unit=unit_label),
    )


def _overdue_cases(overdue: pl.DataFrame, lang: Lang) -> TableBlock:
    """The longest-overdue cases, red when more than :data:`OLD_DAYS` late."""
    cases = overdue.sort(["days_overdue", "issue_id"], descending=[True, False]).head(MAX_OVERDUE_ROWS)
    case_rows = tuple(
        (
            str(issue_id),
            label("category", category, lang),
            placed_label(None, lang)
            if community is None
            else f"{community} / {grid if grid is not None else placed_label('community', lang)}",
            f"{days:.0f}",
        )
        for issue_id, category, community, grid, days in cases.select(
            "issue_id", "category", "community_name", "grid_name", "days_overdue"
        ).iter_rows()
    )
    return TableBlock(
        columns=(
            t("report.col_issue_id", lang),
            t("report.col_category", lang),
            t("report.col_place", lang),
            t("report.col_days_overdue", lang),
        ),
        rows=case_rows,
        grades=tuple(
            ("none", "none", "none", "red" if float(row[3]) >= OLD_DAYS else "amber") for row in case_rows
        ),
        title=t("report.overdue_cases", lang, n=len(case_rows)),
    )


def _map_slides(
    dataset: Dataset, selection: Selection, lang: Lang, volunteer_block: KpiBlock
) -> tuple[Slide, Slide, Slide]:
    from dashboard.outputs.report import static_maps

    grid_png, aspect = static_maps.grid_map_png(dataset, selection, lang)
    grid_slide = Slide(
        "grid_map",
        t("report.grid_map_title", lang),
        (ImageBlock(grid_png, aspect=aspect),),
        notes=(t("report.grid_map_note", lang),),
    )
    period_issues = in_period(
        selection.issues(dataset).filter(pl.col("status") != "invalid"), selection.period
    )
    heat_png, heat_aspect, located, area = static_maps.heat_map_png(dataset, selection, period_issues, lang)
    heat_slide = Slide(
        "heat",
        t("report.heat_title", lang),
        (ImageBlock(heat_png, aspect=heat_aspect),),
        notes=(
            t(
                "report.heat_note",
                lang,
                period=period_label(selection.period, lang),
                n=format_count(period_issues.height, lang),
                located=format_count(located, lang),
                area=f"{area:.2f}",
            ),
        ),
    )
    coverage_png, coverage_aspect = static_maps.coverage_map_png(dataset, selection, lang)
    volunteer_slide = Slide(
        "volunteers",
        t("report.volunteer_title", lang),
        (ImageBlock(coverage_png, aspect=coverage_aspect), volunteer_block),
        weights=(1.3, 1.0),
        notes=(t("report.volunteer_map", lang),),
    )
    return grid_slide, heat_slide, volunteer_slide


def build_report(
    dataset: Dataset,
    period: Period,
    lang: Lang = "zh",
    community_codes: Sequence[str] = (),
    basis: Basis = DEFAULT_BASIS,
) -> Report:
    """The monthly report of ``period`` for the whole data or some communities, in ``lang``; by
    default each month at its assessment cut-off, so a published report never changes."""
    selection = Selection(period=period, community_codes=tuple(community_codes), lang=lang, basis=basis)
    scope = _scope_name(dataset, selection, lang)
    title = t("report.title", lang, scope=scope)
    totals = overview.scope_totals(dataset, selection)
    kpis = overview.headline(totals, selection, dataset)
    by = closed_loop.league_unit(dataset)
    table = closed_loop.league(dataset, selection, by)
    league, red_black = _league_slides(dataset, selection, table, by, lang)
    grid_slide, heat_slide, volunteer_slide = _map_slides(
        dataset, selection, lang, _volunteer_block(dataset, selection, lang)
    )
    drafts = (
        _title_slide(dataset, selection, title, lang),
        _kpi_slide(dataset, selection, totals, kpis, lang),
        league,
        red_black,
        _trend_slide(dataset, selection, totals, lang),
        grid_slide,
        heat_slide,
        _categories_slide(dataset, selection, lang),
        volunteer_slide,
        _overdue_slide(dataset, selection, by, lang),
    )
    slides = tuple(
        Slide(s.key, s.title, tuple(_or_empty(b, lang) for b in s.blocks), s.weights, s.notes, s.subtitle)
        for s in drafts
    )
    return Report(
        title=title,
        period=period_label(period, lang),
        lang=lang,
        slides=slides,
        colors=dict(dataset.settings.colors),
        footer=t("report.footer", lang, title=title, period=period_label(period, lang)),
        published=_published(dataset, selection, kpis, table, by),
    )


def _published(
    dataset: Dataset, selection: Selection, kpis: Sequence[Kpi], table: pl.DataFrame, by: Unit
) -> Published:
    """The numbers the report shows: its headline values, and the league's rates and ranks by unit code."""
    code, _name = unit_columns(by)
    rows = table.select(code, "resolution_rate", "rank").iter_rows()
    return Published(
        period=selection.period.key(),
        communities=selection.community_codes,
        basis=selection.basis,
        measured_at=selection.as_of(dataset),
        headline={kpi.key: kpi.value for kpi in kpis},
        league_by=by,
        league={str(unit): (rate, rank) for unit, rate, rank in rows},
    )
