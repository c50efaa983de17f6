"""The report as a PowerPoint file (python-pptx): 16:9 slides, native charts and tables, maps as pictures.

Every run of text names :data:`~dashboard.outputs.report.fonts.PPTX_FONT` as its Latin *and* East Asian
font (``<a:latin>`` and ``<a:ea>``): without the ``ea`` child PowerPoint sets Chinese in
whatever East Asian font the theme names.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any, Final

from pptx import Presentation
from pptx.chart.data import CategoryChartData
from pptx.dml.color import RGBColor
from pptx.enum.chart import (
    XL_CHART_TYPE,
    XL_LEGEND_POSITION,
    XL_MARKER_STYLE,
    XL_TICK_LABEL_POSITION,
)
from pptx.enum.dml import MSO_LINE_DASH_STYLE
from pptx.enum.shapes import MSO_SHAPE
from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
from pptx.oxml.ns import qn
from pptx.oxml.xmlchemy import OxmlElement
from pptx.util import Emu, Inches, Pt

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
from dashboard.outputs.report.fonts import PPTX_FONT, cell_font_size, column_widths, fitting_size

EMU_PER_INCH: Final = 914400
WIDTH: Final = Inches(13.333)
HEIGHT: Final = Inches(7.5)
MARGIN: Final = Inches(0.5)
BODY_TOP: Final = Inches(1.25)
BODY_BOTTOM: Final = Inches(6.55)
GAP: Final = Inches(0.3)
DARK: Final = "1F2937"
MUTED: Final = "6B7280"
ACCENT: Final = "B91C1C"  # the band under the title: party red
HEADER: Final = "374151"
SERIES_COLORS: Final[tuple[str, ...]] = ("1F77B4", "2CA02C", "9467BD", "D62728")
GOOD, BAD = "1A9850", "D73027"
TITLE_LAYOUT: Final = 0  # the default template's "Title Slide"
TITLE_ONLY_LAYOUT: Final = 5  # "Title Only": the slide title stays a real title (outline, navigation)


def _rgb(color: str) -> RGBColor:
    red, green, blue = bytes.fromhex(color.lstrip("#"))
    return RGBColor(red, green, blue)  # type: ignore[no-untyped-call]


def _set_east_asian(r_pr: Any, typeface: str = PPTX_FONT) -> None:
    """Name ``typeface`` as the Latin and the East Asian font of a run's (or a default's) properties."""
    latin = r_pr.get_or_add_latin()
    latin.set("typeface", typeface)
    for old in r_pr.findall(qn("a:ea")):
        r_pr.remove(old)
    ea = OxmlElement("a:ea")
    ea.set("typeface", typeface)
    latin.addnext(ea)


def _style(font: Any, size: float, bold: bool = False, color: str = DARK) -> None:
    font.size = Pt(size)
    font.bold = bold
    font.color.rgb = _rgb(color)
    _set_east_asian(font._rPr)


def _end_size(paragraph: Any, size: float) -> None:
    """Give the paragraph's end mark the runs' size: left at the default 18 pt it makes lines taller."""
    end = paragraph._p.get_or_add_endParaRPr()
    end.set("sz", str(int(size * 100)))


def _paragraphs(
    frame: Any,
    lines: Sequence[str],
    size: float,
    bold: bool = False,
    color: str = DARK,
    align: Any = PP_ALIGN.LEFT,
) -> None:
    frame.word_wrap = True
    for index, line in enumerate(lines):
        paragraph = frame.paragraphs[0] if index == 0 else frame.add_paragraph()
        paragraph.alignment = align
        run = paragraph.add_run()
        run.text = line
        _style(run.font, size, bold, color)
        _end_size(paragraph, size)


def _text(
    slide: Any,
    left: int,
    top: int,
    width: int,
    height: int,
    lines: Sequence[str],
    size: float,
    bold: bool = False,
    color: str = DARK,
    align: Any = PP_ALIGN.LEFT,
    anchor: Any = MSO_ANCHOR.TOP,
) -> Any:
    box = slide.shapes.add_textbox(left, top, width, height)
    frame = box.text_frame
    frame.vertical_anchor = anchor
    frame.margin_left = frame.margin_right = Inches(0.05)
    _paragraphs(frame, lines, size, bold, color, align)
    return box


# --- blocks ------------------------------------------------------------------------------------------


def _block_title(slide: Any, left: int, top: int, width: int, title: str) -> int:
    if not title:
        return top
    _text(slide, left, top, width, Inches(0.4), [title], 15, bold=True)
    return top + Inches(0.45)


def _kpi_card(
    slide: Any, item: KpiItem, left: int, top: int, width: int, height: int, colors: dict[str, str]
) -> None:
    card = slide.shapes.add_shape(MSO_SHAPE.ROUNDED_RECTANGLE, left, top, width, height)
    card.adjustments[0] = 0.08
    card.fill.solid()
    card.fill.fore_color.rgb = _rgb("F9FAFB")
    card.line.color.rgb = _rgb(colors.get(item.grade, "#D1D5DB") if item.grade != "none" else "#D1D5DB")
    card.line.width = Pt(3 if item.grade != "none" else 1)
    card.shadow.inherit = False
    pad = Inches(0.15)
    inner = width - 2 * pad
    _text(slide, left + pad, top + Inches(0.1), inner, Inches(0.4), [item.label], 15, color=MUTED)
    value_color = colors[item.grade].lstrip("#") if item.grade != "none" else DARK
    # Digits are wider in some fonts than the estimate: leave room, and never wrap a number.
    size = fitting_size(item.value, (inner / EMU_PER_INCH - 0.1) * 0.85, 34)
    value = _text(
        slide, left + pad, top + Inches(0.45), inner, Inches(0.8), [item.value], size, True, value_color
    )
    value.text_frame.word_wrap = False
    lines: list[tuple[str, str]] = []
    if item.target:
        lines.append((item.target, MUTED))
    if item.delta:
        color = MUTED if item.delta_good is None else (GOOD if item.delta_good else BAD)
        lines.append((item.delta, color))
    box = slide.shapes.add_textbox(left + pad, top + Inches(1.25), inner, height - Inches(1.3))
    frame = box.text_frame
    frame.word_wrap = True
    for index, (line, color) in enumerate(lines):
        paragraph = frame.paragraphs[0] if index == 0 else frame.add_paragraph()
        run = paragraph.add_run()
        run.text = line
        _style(run.font, 13, color=color)


def _kpis(slide: Any, block: KpiBlock, box: tuple[int, int, int, int], colors: dict[str, str]) -> None:
    left, top, width, height = box
    top = _block_title(slide, left, top, width, block.title)
    height = box[1] + height - top
    columns = 3 if width > Inches(7) else 2
    rows = max(1, -(-len(block.items) // columns))
    gap = Inches(0.2)
    card_w = (width - gap * (columns - 1)) // columns
    card_h = min((height - gap * (rows - 1)) // rows, Inches(2.2))
    for index, item in enumerate(block.items):
        row, column = divmod(index, columns)
        _kpi_card(
            slide,
            item,
            left + column * (card_w + gap),
            top + row * (card_h + gap),
            card_w,
            card_h,
            colors,
        )


def _table(slide: Any, block: TableBlock, box: tuple[int, int, int, int], colors: dict[str, str]) -> None:
    left, top, width, height = box
    top = _block_title(slide, left, top, width, block.title)
    height = box[1] + height - top
    n_rows = len(block.rows) + 1
    row_h = min(Inches(0.42), height // max(n_rows, 1))
    size = 12 if row_h >= Inches(0.3) else 10
    shape = slide.shapes.add_table(n_rows, len(block.columns), left, top, width, row_h * n_rows)
    table = shape.table
    inches = column_widths(block.columns, block.rows, width / EMU_PER_INCH, size)
    for index, column_width in enumerate(inches):
        table.columns[index].width = Emu(int(column_width * EMU_PER_INCH))
    for row in table.rows:
        row.height = Emu(int(row_h))

    def fill(cell: Any, column: int, text: str, color: str | None, text_color: str, bold: bool) -> None:
        cell.margin_left = cell.margin_right = Inches(0.05)
        cell.margin_top = cell.margin_bottom = Inches(0.01)
        cell.vertical_anchor = MSO_ANCHOR.MIDDLE
        if color is not None:
            cell.fill.solid()
            cell.fill.fore_color.rgb = _rgb(color)
        frame = cell.text_frame
        frame.word_wrap = True
        paragraph = frame.paragraphs[0]
        run = paragraph.add_run()
        run.text = text
        fitted = cell_font_size(text, inches[column], size)
        _style(run.font, fitted, bold, text_color)
        _end_size(paragraph, fitted)

    for column, name in enumerate(block.columns):
        fill(table.cell(0, column), column, name, HEADER, "FFFFFF", True)
    for r, (values, grades) in enumerate(zip(block.rows, block.grades, strict=True), start=1):
        for column, (value, grade) in enumerate(zip(values, grades, strict=True)):
            if grade != "none":
                fill(table.cell(r, column), column, value, colors[grade], "FFFFFF", True)
            else:
                fill(table.cell(r, column), column, value, "FFFFFF" if r % 2 else "F3F4F6", DARK, False)


def _chart(slide: Any, block: ChartBlock, box: tuple[int, int, int, int]) -> None:
    left, top, width, height = box
    top = _block_title(slide, left, top, width, block.title)
    height = box[1] + height - top
    data = CategoryChartData(number_format="0%" if block.percent else "#,##0")  # type: ignore[no-untyped-call]
    data.categories = list(block.categories)
    for series in block.series:
        data.add_series(series.name, list(series.values))  # type: ignore[no-untyped-call]
    kind = XL_CHART_TYPE.LINE_MARKERS if block.kind == "line" else XL_CHART_TYPE.BAR_CLUSTERED
    frame = slide.shapes.add_chart(kind, left, top, width, height, data)
    chart = frame.chart
    chart.font.size = Pt(12)
    _set_east_asian(chart.font._rPr)
    value_axis = chart.value_axis
    value_axis.has_major_gridlines = True
    value_axis.major_gridlines.format.line.color.rgb = _rgb("E5E7EB")
    value_axis.tick_labels.number_format = "0%" if block.percent else "#,##0"
    value_axis.tick_labels.number_format_is_linked = False
    if block.kind == "line":
        _style_lines(chart, block)
    else:
        _style_bars(chart, block)


def _style_lines(chart: Any, block: ChartBlock) -> None:
    """Legend below, percent axes ending at 100%, round markers; a target series dashed red."""
    chart.has_legend = True
    chart.legend.position = XL_LEGEND_POSITION.BOTTOM
    chart.legend.include_in_layout = False
    values = [v for s in block.series for v in s.values if v is not None]
    if block.percent and values:
        chart.value_axis.minimum_scale = max(0.0, round(min(values) - 0.05, 1))
        chart.value_axis.maximum_scale = 1.0
    for index, (series, plot_series) in enumerate(zip(block.series, chart.plots[0].series, strict=True)):
        line = plot_series.format.line
        line.color.rgb = _rgb(BAD if series.dashed else SERIES_COLORS[index % len(SERIES_COLORS)])
        line.width = Pt(2.5 if not series.dashed else 1.75)
        plot_series.smooth = False
        if not series.dashed:
            plot_series.marker.style = XL_MARKER_STYLE.CIRCLE
            plot_series.marker.size = 7
            plot_series.marker.format.fill.solid()
            plot_series.marker.format.fill.fore_color.rgb = line.color.rgb
            plot_series.marker.format.line.color.rgb = line.color.rgb
        if series.dashed:
            line.dash_style = MSO_LINE_DASH_STYLE.DASH
            plot_series.marker.style = XL_MARKER_STYLE.NONE


def _style_bars(chart: Any, block: ChartBlock) -> None:
    """Bars top to bottom with every category and value labelled, coloured point by point."""
    value_axis = chart.value_axis
    chart.has_legend = False
    chart.has_title = False  # the block's title says what the bars are
    category_axis = chart.category_axis
    category_axis.reverse_order = True  # the first (best, largest) bar on top...
    # ...and the value axis still at the bottom: it crosses the category axis at its last category.
    # (python-pptx sets ``crosses`` only from the value axis, into the category axis.)
    value_axis._element.find(qn("c:crosses")).set("val", "max")
    category_axis.tick_label_position = XL_TICK_LABEL_POSITION.LOW
    category_axis.tick_labels.font.size = Pt(12 if len(block.categories) <= 12 else 10)
    _set_east_asian(category_axis.tick_labels.font._rPr)
    _label_every_category(category_axis)
    plot = chart.plots[0]
    plot.gap_width = 40
    plot.has_data_labels = True
    labels = plot.data_labels
    labels.number_format = "0.0%" if block.percent else "#,##0"
    labels.number_format_is_linked = False
    labels.font.size = Pt(11)
    _set_east_asian(labels.font._rPr)
    if block.percent:
        value_axis.maximum_scale = 1.0
        values = [v for s in block.series for v in s.values if v is not None]
        value_axis.minimum_scale = max(0.0, round(min(values, default=0.0) - 0.1, 1))
    series = plot.series[0]
    for index, color in enumerate(block.point_colors):
        point = series.points[index]
        point.format.fill.solid()
        point.format.fill.fore_color.rgb = _rgb(color)


def _label_every_category(axis: Any) -> None:
    """Label every bar (``c:tickLblSkip`` 1): left alone, viewers skip labels of crowded axes."""
    element = axis._element
    for old in element.findall(qn("c:tickLblSkip")):
        element.remove(old)
    skip = OxmlElement("c:tickLblSkip")
    skip.set("val", "1")
    element.append(skip)
    # Schema order: ... lblOffset, tickLblSkip, tickMarkSkip, noMultiLvlLbl, extLst
    for name in ("c:tickMarkSkip", "c:noMultiLvlLbl", "c:extLst"):
        later = element.find(qn(name))
        if later is not None:
            later.addprevious(skip)
            break


def _image(slide: Any, block: ImageBlock, box: tuple[int, int, int, int]) -> None:
    left, top, width, height = box
    top = _block_title(slide, left, top, width, block.title)
    height = box[1] + height - top
    pic_w, pic_h = width, int(width / block.aspect)
    if pic_h > height:
        pic_w, pic_h = int(height * block.aspect), height
    slide.shapes.add_picture(
        io.BytesIO(block.png), left + (width - pic_w) // 2, top + (height - pic_h) // 2, pic_w, pic_h
    )


def _text_block(slide: Any, block: TextBlock, box: tuple[int, int, int, int]) -> None:
    left, top, width, height = box
    top = _block_title(slide, left, top, width, block.title)
    box_shape = slide.shapes.add_textbox(left, top, width, box[1] + height - top)
    frame = box_shape.text_frame
    frame.word_wrap = True
    for index, line in enumerate(block.lines):
        paragraph = frame.paragraphs[0] if index == 0 else frame.add_paragraph()
        paragraph.space_after = Pt(10)
        run = paragraph.add_run()
        run.text = line
        _style(run.font, 16 if index == 0 else 12, color=DARK if index == 0 else MUTED)


def _draw(slide: Any, block: Block, box: tuple[int, int, int, int], colors: dict[str, str]) -> None:
    if isinstance(block, KpiBlock):
        _kpis(slide, block, box, colors)
    elif isinstance(block, TableBlock):
        _table(slide, block, box, colors)
    elif isinstance(block, ChartBlock):
        _chart(slide, block, box)
    elif isinstance(block, ImageBlock):
        _image(slide, block, box)
    else:
        _text_block(slide, block, box)


# --- slides ------------------------------------------------------------------------------------------


def _placeholder_text(
    shape: Any,
    left: int,
    top: int,
    width: int,
    height: int,
    lines: Sequence[str],
    size: float,
    bold: bool,
    color: str,
) -> None:
    shape.left, shape.top, shape.width, shape.height = left, top, width, height
    frame = shape.text_frame
    frame.clear()
    frame.vertical_anchor = MSO_ANCHOR.TOP
    _paragraphs(frame, lines, size, bold, color)
    for paragraph in frame.paragraphs:
        paragraph.alignment = PP_ALIGN.LEFT
    # clear() keeps one empty run-less paragraph: drop it when we added our own lines
    if frame.paragraphs[0].text == "" and len(frame.paragraphs) > 1:
        frame._txBody.remove(frame.paragraphs[0]._p)


def _title_slide(prs: Any, report: Report, content: Slide) -> None:
    slide = prs.slides.add_slide(prs.slide_layouts[TITLE_LAYOUT])
    band = slide.shapes.add_shape(MSO_SHAPE.RECTANGLE, 0, Inches(2.3), WIDTH, Inches(0.12))
    band.fill.solid()
    band.fill.fore_color.rgb = _rgb(ACCENT)
    band.line.fill.background()
    title, subtitle = slide.placeholders[0], slide.placeholders[1]
    _placeholder_text(
        title, MARGIN, Inches(2.6), WIDTH - 2 * MARGIN, Inches(1.3), [content.title], 40, True, DARK
    )
    _placeholder_text(
        subtitle,
        MARGIN,
        Inches(4.0),
        WIDTH - 2 * MARGIN,
        Inches(2.0),
        content.subtitle.split("\n"),
        20,
        False,
        MUTED,
    )


def _content_slide(prs: Any, report: Report, content: Slide, number: int) -> None:
    slide = prs.slides.add_slide(prs.slide_layouts[TITLE_ONLY_LAYOUT])
    _placeholder_text(
        slide.shapes.title,
        MARGIN,
        Inches(0.3),
        WIDTH - 2 * MARGIN,
        Inches(0.7),
        [content.title],
        28,
        True,
        DARK,
    )
    band = slide.shapes.add_shape(MSO_SHAPE.RECTANGLE, MARGIN, Inches(1.0), Inches(1.2), Inches(0.06))
    band.fill.solid()
    band.fill.fore_color.rgb = _rgb(ACCENT)
    band.line.fill.background()
    blocks = content.blocks
    if blocks:
        weights = content.weights or tuple(1.0 for _ in blocks)
        usable = WIDTH - 2 * MARGIN - GAP * (len(blocks) - 1)
        left = int(MARGIN)
        bottom = BODY_BOTTOM if content.notes else HEIGHT - Inches(0.6)
        for block, weight in zip(blocks, weights, strict=True):
            width = int(usable * weight / sum(weights))
            _draw(slide, block, (left, BODY_TOP, width, bottom - BODY_TOP), report.colors)
            left += width + GAP
    if content.notes:
        top = BODY_BOTTOM + Inches(0.1) if blocks else BODY_TOP
        _text(
            slide,
            MARGIN,
            top,
            WIDTH - 2 * MARGIN,
            Inches(0.6),
            [n for n in content.notes if n],
            13,
            color=MUTED,
        )
    _text(
        slide,
        MARGIN,
        HEIGHT - Inches(0.4),
        WIDTH - 2 * MARGIN,
        Inches(0.3),
        [f"{report.footer} · {number}"],
        10,
        color=MUTED,
        align=PP_ALIGN.RIGHT,
    )


def pptx_bytes(report: Report) -> bytes:
    """The report as a ``.pptx`` file (16:9, one slide per :class:`~dashboard.outputs.report.content.Slide`)."""
    prs = Presentation()
    prs.slide_width, prs.slide_height = WIDTH, HEIGHT
    prs.core_properties.title = report.title
    for number, content in enumerate(report.slides, start=1):
        if content.key == "title":
            _title_slide(prs, report, content)
        else:
            _content_slide(prs, report, content, number)
    buffer = io.BytesIO()
    prs.save(buffer)
    return buffer.getvalue()
