"""The report as a PDF (matplotlib ``PdfPages``): one 16:9 page per slide, the same content and layout.

Fonts are embedded as TrueType (``pdf.fonttype`` 42), so the Chinese text can be searched and copied.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any, Final

import matplotlib as mpl

mpl.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.image import imread
from matplotlib.patches import FancyBboxPatch, Rectangle
from matplotlib.ticker import FuncFormatter, MaxNLocator, PercentFormatter

from dashboard.outputs.report.content import (
    Block,
    ChartBlock,
    ImageBlock,
    KpiBlock,
    KpiItem,
    Report,
    Slide,
    TableBlock,
    TextBlock,
)
from dashboard.outputs.report.fonts import cell_font_size, column_widths, em_width, fitting_size, report_style

WIDTH: Final = 13.333
HEIGHT: Final = 7.5
MARGIN: Final = 0.5
BODY_TOP: Final = 1.25
BODY_BOTTOM: Final = 6.55
GAP: Final = 0.3
DARK: Final = "#1f2937"
MUTED: Final = "#6b7280"
ACCENT: Final = "#b91c1c"
HEADER: Final = "#374151"
SERIES_COLORS: Final[tuple[str, ...]] = ("#1f77b4", "#2ca02c", "#9467bd", "#d62728")
GOOD, BAD = "#1a9850", "#d73027"

OPENING: Final = "（(“‘《【"  # never at the end of a line
CLOSING: Final = "）)”’》】，。、：；！？,.:;!?%"  # never at the start of one
Box = tuple[float, float, float, float]  # left, top, width, height in inches from the top left


def _em(char: str) -> float:
    return em_width(char)


def _breakable(line: str, index: int) -> bool:
    """Whether a line may break before ``line[index]``: next to a wide character or after a space."""
    before, after = line[index - 1], line[index]
    if before in OPENING or after in CLOSING:
        return False
    return before == " " or _em(before) == 1.0 or _em(after) == 1.0


def wrap(text: str, width_in: float, size_pt: float) -> list[str]:
    """Break ``text`` into lines that fit ``width_in`` inches at ``size_pt``.

    Chinese has no spaces: a line may break next to any wide character, never inside a
    number or a Latin word (unless the word alone is too long).

    >>> wrap("2026-10 abc", 1.0, 12)
    ['2026-10', 'abc']
    """
    limit = width_in * 72 / size_pt
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for char in paragraph:
            if em_width(line + char) > limit and line:
                cut = next((i for i in range(len(line) - 1, 0, -1) if _breakable(line, i)), len(line))
                if char != " " and not _breakable(line + char, len(line)) and cut < len(line):
                    lines.append(line[:cut].rstrip())
                    line = line[cut:].lstrip()
                else:
                    lines.append(line.rstrip())
                    line = ""
                if char == " " and not line:
                    continue
            line += char
        lines.append(line)
    return lines


def _fig_box(box: Box) -> list[float]:
    left, top, width, height = box
    return [left / WIDTH, 1 - (top + height) / HEIGHT, width / WIDTH, height / HEIGHT]


def _text(fig: Any, x: float, y: float, text: str, size: float, **kwargs: Any) -> None:
    """Text with its top left at (x, y) inches from the page's top left."""
    fig.text(x / WIDTH, 1 - y / HEIGHT, text, fontsize=size, va="top", **kwargs)


def _block_title(fig: Any, box: Box, title: str) -> Box:
    if not title:
        return box
    left, top, width, height = box
    _text(fig, left, top, title, 15, weight="bold", color=DARK)
    return (left, top + 0.45, width, height - 0.45)


def _kpi_card(fig: Any, item: KpiItem, box: Box, colors: dict[str, str]) -> None:
    left, top, width, height = box
    edge = colors.get(item.grade, "#d1d5db") if item.grade != "none" else "#d1d5db"
    fig.patches.append(
        FancyBboxPatch(
            (left / WIDTH, 1 - (top + height) / HEIGHT),
            width / WIDTH,
            height / HEIGHT,
            boxstyle="round,pad=0,rounding_size=0.01",
            transform=fig.transFigure,
            facecolor="#f9fafb",
            edgecolor=edge,
            linewidth=3 if item.grade != "none" else 1,
        )
    )
    pad = 0.15
    _text(fig, left + pad, top + 0.15, item.label, 15, color=MUTED)
    value_color = colors[item.grade] if item.grade != "none" else DARK
    size = fitting_size(item.value, width - 2 * pad, 32)
    _text(fig, left + pad, top + 0.5 + (32 - size) / 144, item.value, size, weight="bold", color=value_color)
    y = top + 1.3
    if item.target:
        _text(fig, left + pad, y, item.target, 13, color=MUTED)
        y += 0.3
    if item.delta:
        color = MUTED if item.delta_good is None else (GOOD if item.delta_good else BAD)
        _text(fig, left + pad, y, item.delta, 13, color=color)


def _kpis(fig: Any, block: KpiBlock, box: Box, colors: dict[str, str]) -> None:
    left, top, width, height = _block_title(fig, box, block.title)
    columns = 3 if width > 7 else 2
    rows = max(1, -(-len(block.items) // columns))
    gap = 0.2
    card_w = (width - gap * (columns - 1)) / columns
    card_h = min((height - gap * (rows - 1)) / rows, 2.2)
    for index, item in enumerate(block.items):
        row, column = divmod(index, columns)
        _kpi_card(
            fig, item, (left + column * (card_w + gap), top + row * (card_h + gap), card_w, card_h), colors
        )


def _table(fig: Any, block: TableBlock, box: Box, colors: dict[str, str]) -> None:
    left, top, width, height = _block_title(fig, box, block.title)
    n_rows = len(block.rows) + 1
    row_h = min(0.42, height / max(n_rows, 1))
    size = 12 if row_h >= 0.3 else 10
    ax = fig.add_axes(_fig_box((left, top, width, row_h * n_rows)))
    ax.set_axis_off()
    inches = column_widths(block.columns, block.rows, width, size)
    widths = [w / width for w in inches]
    table = ax.table(
        cellText=[list(r) for r in block.rows] or None,
        colLabels=list(block.columns),
        colWidths=widths,
        bbox=(0.0, 0.0, 1.0, 1.0),
        cellLoc="left",
    )
    table.auto_set_font_size(False)
    table.set_fontsize(size)
    for (r, c), cell in table.get_celld().items():
        cell.set_edgecolor("#e5e7eb")
        cell.PAD = 0.04
        text = cell.get_text()
        text.set_fontsize(cell_font_size(text.get_text(), inches[c], size))
        if r == 0:
            cell.set_facecolor(HEADER)
            text.set_color("white")
            text.set_weight("bold")
            continue
        grade = block.grades[r - 1][c]
        if grade != "none":
            cell.set_facecolor(colors[grade])
            text.set_color("white")
            text.set_weight("bold")
        else:
            cell.set_facecolor("white" if r % 2 else "#f3f4f6")
            text.set_color(DARK)


def _percent_axis(axis: Any, digits: int = 0) -> None:
    axis.set_major_formatter(PercentFormatter(1.0, decimals=digits))


def _chart(fig: Any, block: ChartBlock, box: Box) -> None:
    left, top, width, height = _block_title(fig, box, block.title)
    if block.kind == "line":
        _line_chart(fig, block, (left, top, width, height))
    else:
        _bar_chart(fig, block, (left, top, width, height))


def _line_chart(fig: Any, block: ChartBlock, area: Box) -> None:
    """One line per series (a dashed red one for a target), legend below; percent axes end at 100%."""
    left, top, width, height = area
    values = [v for s in block.series for v in s.values if v is not None]
    ax = fig.add_axes(_fig_box((left + 0.8, top + 0.1, width - 1.0, height - 1.0)))
    positions = list(range(len(block.categories)))
    for index, series in enumerate(block.series):
        points = [(x, v) for x, v in zip(positions, series.values, strict=True) if v is not None]
        color = BAD if series.dashed else SERIES_COLORS[index % len(SERIES_COLORS)]
        ax.plot(
            [p[0] for p in points],
            [p[1] for p in points],
            color=color,
            linewidth=1.75 if series.dashed else 2.5,
            linestyle="--" if series.dashed else "-",
            marker=None if series.dashed else "o",
            label=series.name,
        )
    ax.set_xticks(positions, list(block.categories), fontsize=11)
    ax.yaxis.set_major_locator(MaxNLocator(nbins=6, steps=[1, 2, 5, 10]))
    if block.percent:
        _percent_axis(ax.yaxis)
        if values:
            ax.set_ylim(max(0.0, round(min(values) - 0.05, 1)), 1.0)
    ax.tick_params(axis="y", labelsize=11)
    ax.grid(axis="y", color="#e5e7eb")
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(
        loc="upper center",
        bbox_to_anchor=(0.5, -0.08),
        ncol=len(block.series),
        frameon=False,
        fontsize=12,
    )


def _bar_chart(fig: Any, block: ChartBlock, area: Box) -> None:
    """Horizontal bars of the first series, top to bottom, labelled with their values; a target line."""
    left, top, width, height = area
    values = [v for s in block.series for v in s.values if v is not None]
    n = len(block.categories)
    label_width = min(
        2.2, max(1.0, max((sum(_em(c) for c in name) for name in block.categories), default=4) * 0.17)
    )
    ax = fig.add_axes(_fig_box((left + label_width, top, width - label_width - 0.2, height)))
    series = block.series[0]
    bars = [0.0 if v is None else v for v in series.values]
    colors = list(block.point_colors) or [SERIES_COLORS[0]] * n
    ax.barh(range(n), bars, color=colors, height=0.7)
    ax.set_yticks(range(n), list(block.categories), fontsize=11 if n <= 14 else 9)
    ax.invert_yaxis()
    low = max(0.0, round(min(values, default=0.0) - 0.1, 1)) if block.percent else 0.0
    high = 1.0 if block.percent else max(values, default=1.0) * 1.18
    ax.set_xlim(low, high)
    for y, value in enumerate(series.values):
        if value is None:
            continue
        text = f"{value * 100:.1f}%" if block.percent else f"{value:,.0f}"
        ax.text(value, y, f" {text}", va="center", fontsize=10 if n <= 14 else 8, color=DARK)
    if block.target is not None:
        ax.axvline(block.target, color=BAD, linestyle="--", linewidth=1.5)
    if block.percent:
        _percent_axis(ax.xaxis)
    else:
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{v:,.0f}"))
    ax.tick_params(axis="x", labelsize=10)
    ax.grid(axis="x", color="#e5e7eb")
    ax.set_axisbelow(True)
    ax.spines[["top", "right"]].set_visible(False)


def _image(fig: Any, block: ImageBlock, box: Box) -> None:
    left, top, width, height = _block_title(fig, box, block.title)
    pic_w, pic_h = width, width / block.aspect
    if pic_h > height:
        pic_w, pic_h = height * block.aspect, height
    ax = fig.add_axes(_fig_box((left + (width - pic_w) / 2, top + (height - pic_h) / 2, pic_w, pic_h)))
    ax.imshow(imread(io.BytesIO(block.png), format="png"), interpolation="antialiased")
    ax.set_axis_off()


def _text_block(fig: Any, block: TextBlock, box: Box) -> None:
    left, top, width, _height = _block_title(fig, box, block.title)
    y = top
    for index, line in enumerate(block.lines):
        size = 16 if index == 0 else 12
        wrapped = wrap(line, width, size)
        _text(fig, left, y, "\n".join(wrapped), size, color=DARK if index == 0 else MUTED, linespacing=1.4)
        y += len(wrapped) * size * 1.4 / 72 + 0.2


def _draw(fig: Any, block: Block, box: Box, colors: dict[str, str]) -> None:
    if isinstance(block, KpiBlock):
        _kpis(fig, block, box, colors)
    elif isinstance(block, TableBlock):
        _table(fig, block, box, colors)
    elif isinstance(block, ChartBlock):
        _chart(fig, block, box)
    elif isinstance(block, ImageBlock):
        _image(fig, block, box)
    else:
        _text_block(fig, block, box)


def _band(fig: Any, left: float, top: float, width: float, height: float) -> None:
    fig.patches.append(
        Rectangle(
            (left / WIDTH, 1 - (top + height) / HEIGHT),
            width / WIDTH,
            height / HEIGHT,
            transform=fig.transFigure,
            facecolor=ACCENT,
            edgecolor="none",
        )
    )


def _title_page(fig: Any, content: Slide) -> None:
    _band(fig, 0, 2.3, WIDTH, 0.12)
    _text(
        fig,
        MARGIN,
        2.7,
        "\n".join(wrap(content.title, WIDTH - 2 * MARGIN, 40)),
        40,
        weight="bold",
        color=DARK,
    )
    _text(fig, MARGIN, 4.1, content.subtitle, 20, color=MUTED, linespacing=1.6)


def _content_page(fig: Any, report: Report, content: Slide, number: int) -> None:
    _text(fig, MARGIN, 0.35, content.title, 28, weight="bold", color=DARK)
    _band(fig, MARGIN, 1.0, 1.2, 0.06)
    blocks: Sequence[Block] = content.blocks
    if blocks:
        weights = content.weights or tuple(1.0 for _ in blocks)
        usable = WIDTH - 2 * MARGIN - GAP * (len(blocks) - 1)
        left = MARGIN
        bottom = BODY_BOTTOM if content.notes else HEIGHT - 0.6
        for block, weight in zip(blocks, weights, strict=True):
            width = usable * weight / sum(weights)
            _draw(fig, block, (left, BODY_TOP, width, bottom - BODY_TOP), report.colors)
            left += width + GAP
    if content.notes:
        top = BODY_BOTTOM + 0.15 if blocks else BODY_TOP
        lines = [w for note in content.notes if note for w in wrap(note, WIDTH - 2 * MARGIN, 13)]
        _text(fig, MARGIN, top, "\n".join(lines), 13, color=MUTED, linespacing=1.4)
    fig.text(
        1 - MARGIN / WIDTH,
        0.25 / HEIGHT,
        f"{report.footer} · {number}",
        fontsize=10,
        color=MUTED,
        ha="right",
        va="bottom",
    )


def pdf_bytes(report: Report) -> bytes:
    """The report as a PDF: one 16:9 page per slide."""
    buffer = io.BytesIO()
    with report_style(), PdfPages(buffer, metadata={"Title": report.title}) as pdf:
        for number, content in enumerate(report.slides, start=1):
            fig = plt.figure(figsize=(WIDTH, HEIGHT))
            try:
                if content.key == "title":
                    _title_page(fig, content)
                else:
                    _content_page(fig, report, content, number)
                pdf.savefig(fig)
            finally:
                plt.close(fig)
    return buffer.getvalue()


__all__ = ["pdf_bytes", "wrap"]
