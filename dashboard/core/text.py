"""Text from data shown as text: never Markdown, HTML, maths or a link.

Names, categories, addresses and ids come from files anyone can write. Every place that hands
such a string to something that interprets markup goes through one function here:

- :func:`md_text` for Streamlit's Markdown (``st.markdown``, captions, headings, alerts, widget
  labels and help): every ASCII punctuation mark is backslash-escaped (CommonMark allows that for
  all of them), so ``![x](url)``, ``[a](b)``, ``**b**``, ``$x$``, ``:red[x]`` and ``<img>`` stay
  literal text; bare URLs and e-mail addresses get an invisible word joiner so they are not linked;
  line breaks become spaces, so a name cannot start a heading or a list.
- :func:`html_text` for HTML (folium tooltips, popups, labels; the meeting views).
- :func:`plot_text` and :func:`safe_figure` for Plotly, which reads a few HTML tags in every
  label (``<a href>``, ``<span style>``, ``<br>``, ``<b>``): data text is entity-escaped, and only
  the tags the dashboard's own templates use are kept.
- :data:`PLAIN_TEXT_RC` for matplotlib, whose ``$...$`` would be parsed as maths (and crash on
  a bad command).
"""

from __future__ import annotations

import html
import re
import string
from collections.abc import Mapping
from typing import Any, Final

import numpy as np

_PUNCTUATION: Final = re.compile("([" + re.escape(string.punctuation) + "])")
_LINE_BREAKS: Final = re.compile(r"[\r\n\u2028\u2029\x0b\x0c\x85]+")
# Streamlit's Markdown (remark-gfm) turns text that looks like a URL or an e-mail address into a link
# after parsing, escapes or not: an invisible word joiner after ``:``, ``www`` and ``@`` stops it.
_AUTOLINK: Final = re.compile(r"(?<=:)(?=/)|(?<=\bwww)(?=\.)|(?<=@)", re.IGNORECASE)
WORD_JOINER: Final = "\u2060"
# The tags the dashboard's own chart templates write; any other ``<`` in a chart is escaped.
_OWN_TAGS: Final = re.compile(r"(</?(?:br|b|i|sup|sub|extra)>|&(?:lt|gt|amp|nbsp);)")
_CHART_KEYS_SKIPPED: Final = frozenset({"type", "mode", "uid", "meta"})
# Axis categories and legend names longer than this are cut for the chart (the page's tables keep them whole).
LABEL_LIMIT: Final = 30
_AXIS_KEYS: Final = frozenset({"x", "y", "labels"})
_LABEL_KEYS: Final = frozenset({"name", "legendgroup"})

# HTML's own marks and those Markdown and maths read, as character references (one pass).
_MARKUP_REFERENCES: Final = {
    **{ord(c): f"&{name};" for c, name in (("&", "amp"), ("<", "lt"), (">", "gt"), ('"', "quot"))},
    ord("'"): "&#x27;",
    **{ord(c): f"&#{ord(c)};" for c in "[]$*_`~\\"},
}
PLAIN_TEXT_RC: Final[Mapping[str, Any]] = {"text.parse_math": False, "text.usetex": False}


def md_text(value: object) -> str:
    """``value`` as literal text inside Streamlit Markdown.

    Examples
    --------
    >>> md_text("![b](y.png)")
    '\\\\!\\\\[b\\\\]\\\\(y\\\\.png\\\\)'
    >>> md_text("A\\nB")
    'A B'
    """
    text = _AUTOLINK.sub(WORD_JOINER, _LINE_BREAKS.sub(" ", str(value)))
    return _PUNCTUATION.sub(r"\\\1", text)


def html_text(value: object) -> str:
    """``value`` as text inside HTML: ``<>&`` and quotes escaped (safe in an attribute too), and the
    marks Markdown and maths read (``[]$*_~`\\``) written as character references, so HTML that
    Streamlit shows through Markdown (``unsafe_allow_html``) keeps them as text.

    Examples
    --------
    >>> html_text("<b>[x](y)</b>")
    '&lt;b&gt;&#91;x&#93;(y)&lt;/b&gt;'
    """
    return str(value).translate(_MARKUP_REFERENCES)


def plot_text(value: str) -> str:
    """A string of a Plotly figure with data text escaped and the dashboard's own tags kept.

    Plotly shows ``&lt;`` as ``<``, so escaped text reads as it was written.

    Examples
    --------
    >>> plot_text("<a href='u'>x</a><br>1 & 2")
    "&lt;a href='u'&gt;x&lt;/a&gt;<br>1 &amp; 2"
    """
    if "<" not in value and ">" not in value and "&" not in value:
        return value
    parts = _OWN_TAGS.split(value)
    return "".join(p if i % 2 else html.escape(p, quote=False) for i, p in enumerate(parts))


def short_label(value: str, limit: int = LABEL_LIMIT) -> str:
    """A name cut to ``limit`` characters for an axis or a legend: its start and end around ``…``.

    >>> short_label("a" * 20 + "b" * 20, 11)
    'aaaaa…bbbbb'
    """
    if len(value) <= limit:
        return value
    half = (limit - 1) // 2
    return value[:half] + "…" + value[len(value) - (limit - 1 - half) :]


def _labels(values: list[Any]) -> list[Any]:
    """Axis categories with over-long names cut (:func:`short_label`), unless two would then read alike."""
    texts = [v for v in values if isinstance(v, str)]
    if not any(len(v) > LABEL_LIMIT for v in texts):
        return values
    short = [short_label(v) if isinstance(v, str) else v for v in values]
    return short if len(set(short)) == len(set(values)) else values


def _clean(value: Any, key: str = "") -> Any:
    if isinstance(value, str):
        if key in _CHART_KEYS_SKIPPED:
            return value
        return plot_text(short_label(value) if key in _LABEL_KEYS else value)
    if isinstance(value, dict):
        return {k: _clean(v, k) for k, v in value.items()}
    if isinstance(value, np.ndarray) and value.dtype.kind in "OUS":
        return np.array(_clean(value.tolist(), key), dtype=object)
    if isinstance(value, list | tuple):
        items = _labels(list(value)) if key in _AXIS_KEYS else value
        return [_clean(v, "" if key in _AXIS_KEYS else key) for v in items]
    return value


def safe_figure(figure: Any) -> Any:
    """A copy of a Plotly figure whose every text (ticks, legend, hover, labels) shows as text.

    The dashboard's chart builders write ``<br>``/``<b>`` in their templates; names from the
    data (units, categories, departments, teams) that reach axes and hovers as they are become
    entity-escaped, so a name such as ``<a href=...>`` is shown, not followed. Names over
    :data:`LABEL_LIMIT` characters on an axis or in the legend are cut, so one long name cannot
    squeeze the bars into a sliver.
    """
    cls = type(figure)
    return cls(_clean(figure.to_dict()))
