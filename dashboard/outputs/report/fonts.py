"""A CJK font for the report: found on this machine for matplotlib, named for PowerPoint.

PowerPoint files do not embed fonts: the slides name :data:`PPTX_FONT` (Microsoft YaHei,
present on every Chinese Windows and Office) as both the Latin and the East Asian font, and
the viewer's machine draws it. Matplotlib (the maps, and every page of the PDF) needs a real
font file here: :func:`cjk_font` looks for Noto Sans CJK (Debian's fonts-noto-cjk), then the
usual Windows, macOS and Linux Chinese fonts.
"""

from __future__ import annotations

import threading
import unicodedata
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any, Final

import matplotlib as mpl
from matplotlib import font_manager

from dashboard.core.text import PLAIN_TEXT_RC
from dashboard.i18n import t

PPTX_FONT: Final = "Microsoft YaHei"
# Font files tried first, in order (Debian/Ubuntu, Windows, macOS).
CANDIDATE_FILES: Final[tuple[str, ...]] = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
    "C:/Windows/Fonts/msyh.ttc",
    "C:/Windows/Fonts/simhei.ttf",
    "/System/Library/Fonts/PingFang.ttc",
    "/System/Library/Fonts/STHeiti Medium.ttc",
)
# Family names, in order of preference, once the files above are registered (or installed elsewhere).
CANDIDATE_FAMILIES: Final[tuple[str, ...]] = (
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "Microsoft YaHei",
    "SimHei",
    "PingFang SC",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "Heiti SC",
    "STHeiti",
    "Noto Sans CJK JP",  # a collection whose first face is Japanese: Chinese text still renders
)


class FontMissingError(RuntimeError):
    """No Chinese font on this machine; the message says how to install one, in both languages."""

    def __init__(self) -> None:
        super().__init__(f"{t('report.font_missing', 'zh')}\n{t('report.font_missing', 'en')}")


@cache
def cjk_font() -> str:
    """The family name of a CJK font registered with matplotlib; raises :class:`FontMissingError`.

    Simplified Chinese faces come first: a font collection (``.ttc``) such as Noto Sans CJK
    holds Japanese, Korean and Chinese faces whose shared characters are drawn differently.
    """
    for candidate in CANDIDATE_FILES:
        path = Path(candidate)
        if path.is_file():
            font_manager.fontManager.addfont(str(path))
            bold = path.with_name(path.name.replace("Regular", "Bold"))
            if bold != path and bold.is_file():
                font_manager.fontManager.addfont(str(bold))
    known = {f.name for f in font_manager.fontManager.ttflist}
    for family in CANDIDATE_FAMILIES:
        if family in known:
            return family
    raise FontMissingError


def rc_params() -> Any:
    """Matplotlib settings for report figures: the CJK font, minus signs it can draw, fonts embedded as text,
    and no maths: names from the data (``$...$``) are drawn as the text they are (:data:`PLAIN_TEXT_RC`).

    (Typed ``Any``: matplotlib's stubs want a dict keyed by the literal names of its settings.)
    """
    return {
        "font.family": [cjk_font(), "DejaVu Sans"],
        "axes.unicode_minus": False,
        "pdf.fonttype": 42,
        "svg.fonttype": "none",
        **PLAIN_TEXT_RC,
    }


# Matplotlib's settings (rcParams) and pyplot's figure list are global: reports drawn at the
# same time (two users of the app click a download) take turns.
_DRAWING = threading.RLock()


@contextmanager
def report_style() -> Iterator[None]:
    """Draw with the report's matplotlib settings (:func:`rc_params`), one report at a time."""
    with _DRAWING, mpl.rc_context(rc_params()):
        yield


def em_width(text: str) -> float:
    """Approximate width of ``text`` in ems: wide (Chinese) characters one em, others about half."""
    return sum(1.0 if unicodedata.east_asian_width(c) in ("W", "F") else 0.55 for c in text)


def fitting_size(text: str, width_in: float, largest: float, smallest: float = 12.0) -> float:
    """The largest font size (pt) up to ``largest`` at which ``text`` fits on one line of ``width_in`` inches."""
    width = em_width(text)
    if width == 0:
        return largest
    return max(smallest, min(largest, width_in * 72 / width))


CELL_PAD_IN: Final = 0.16  # a table cell's left and right margins together, in inches
BOLD_WIDER: Final = 1.08  # bold text is about this much wider


def column_widths(
    columns: Sequence[str], rows: Sequence[Sequence[str]], total_in: float, size: float
) -> list[float]:
    """Widths (inches) of a table's columns: each as wide as its longest text, scaled to ``total_in``."""
    natural = [
        max([em_width(name) * BOLD_WIDER, *(em_width(row[index]) * BOLD_WIDER for row in rows)]) * size / 72
        + CELL_PAD_IN
        for index, name in enumerate(columns)
    ]
    total = sum(natural)
    if total <= total_in:
        extra = (total_in - total) / len(natural)
        return [width + extra for width in natural]
    return [width * total_in / total for width in natural]


def cell_font_size(text: str, width_in: float, size: float) -> float:
    """The font size at which ``text`` (bold or not) fits a cell ``width_in`` wide, at most ``size``."""
    return fitting_size(text, (width_in - CELL_PAD_IN) / BOLD_WIDER, size, smallest=7.0)
