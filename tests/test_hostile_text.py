"""Hostile names in every field of a data root are shown as text on every page, view, report and export.

The root (:mod:`tests.hostile`) is the bundled demo with community, grid, street, worker, category,
department, team, service and point names, ids, addresses and descriptions made of HTML, Markdown
images and links, LaTeX, formulas, RTL marks and very long text. Through AppTest, every element
that Streamlit renders as Markdown (bodies, labels, help) must hold that text escaped, every
Plotly figure must hold it entity-escaped; the PDF report must be written and carry the names as
text; the exports must neutralise formulas. The browser test (tests/browser/test_hostile.py) checks
the rendered pages themselves.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import plotly.graph_objects as go
import pytest
from google.protobuf.json_format import MessageToDict
from streamlit.testing.v1 import AppTest

from dashboard.core.loading import load_dataset
from dashboard.core.problems import DataError, Problem
from dashboard.core.text import WORD_JOINER, html_text, md_text, plot_text, safe_figure, short_label
from dashboard.outputs import export
from tests.builders import DATA_PAGES, LANGS, app_test, sign_in
from tests.hostile import AUTOLINK, FORMULA, HTML, LATEX, MARKDOWN, RAW_MARKERS, hostile_root

# The meeting page has its views (below); the import page is the administrator's.
PAGES = (*(p for p in DATA_PAGES if p != "pages/meeting.py"), "pages/data.py")
MEETING_VIEWS = ("headline", "league", "map", "trend", "topics")
# Proto fields Streamlit shows as plain text (options of pickers, values of inputs, table data).
PLAIN_FIELDS = {"options", "default", "value", "rawValues", "data", "placeholder", "formattedValue"}
# Elements whose text is HTML or a chart, not Markdown: only HTML markup matters there.
HTML_MARKERS = ("<img", "<a href")
_ESCAPE = re.compile(r"\\.", re.DOTALL)
_JS_ESCAPE = re.compile(r"\\+u([0-9a-fA-F]{4})")


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return hostile_root(tmp_path_factory.mktemp("hostile") / "root")


@pytest.fixture(autouse=True)
def _fresh_caches(fresh_caches: None) -> None:
    """Every page test starts with empty caches."""


def _nodes(node: Any) -> Iterator[Any]:
    yield node
    for child in getattr(node, "children", {}).values():
        yield from _nodes(child)


def _strings(value: Any, kind: str) -> Iterator[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            if key not in PLAIN_FIELDS or kind == "radio":
                yield from _strings(item, kind)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item, kind)
    elif isinstance(value, str):
        yield value


def raw_markup(at: AppTest) -> list[tuple[str, str]]:
    """(element type, text) for every text Streamlit would read as markup: Markdown outside escapes,
    HTML in a chart (JSON escapes undone)."""
    found = []
    for node in _nodes(at._tree):
        proto = getattr(node, "proto", None)
        kind = str(getattr(node, "type", ""))
        if proto is None or kind == "component_instance":  # the folium map: see the browser test
            continue
        for text in _strings(MessageToDict(proto), kind):
            if kind == "plotly_chart":
                plain = _JS_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)
                hits = [m for m in HTML_MARKERS if m in plain]
            else:
                plain = _ESCAPE.sub("", text)
                hits = [m for m in RAW_MARKERS if m in plain]
            if hits:
                found.append((kind, text[:200]))
    return found


def _page(root: Path, monkeypatch: pytest.MonkeyPatch, page: str, **query: str) -> AppTest:
    at = app_test(root, monkeypatch, timeout=120, **query)
    sign_in(at, root)  # an administrator (the import page needs one), who sees everything unmasked
    at.run()
    if page != "pages/overview.py":
        at.switch_page(page).run()
    return at


def _bodies(at: AppTest) -> str:
    parts = [e.value for e in (*at.markdown, *at.caption, *at.warning, *at.info, *at.success, *at.error)]
    return "\n".join(str(p) for p in parts)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("page", PAGES)
def test_every_page_shows_hostile_names_as_text(
    root: Path, monkeypatch: pytest.MonkeyPatch, page: str, lang: str
) -> None:
    at = _page(root, monkeypatch, page, lang=lang, period="2026-10")
    assert not at.exception
    assert raw_markup(at) == []


def test_demo_mode_and_its_alias_boxes_show_hostile_names_as_text(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In demo mode the sidebar has a box per community to give it a presenter's name, labelled with
    the real name; an alias typed there is data like any other."""
    at = _page(root, monkeypatch, "pages/overview.py", lang="zh", period="2026-10", demo="1")
    assert not at.exception
    boxes = [box for box in at.text_input if box.key and box.key.startswith("alias_")]
    assert any(box.label.startswith(md_text(HTML)) for box in boxes)
    boxes[0].input(MARKDOWN).run()
    assert not at.exception
    assert raw_markup(at) == []


@pytest.mark.parametrize("lang", LANGS)
def test_names_reach_the_screen_escaped_not_dropped(
    root: Path, monkeypatch: pytest.MonkeyPatch, lang: str
) -> None:
    """The community below target is named in the closed-loop warning (escaped), the topic of the
    month in the trends card, and the league chart's axis holds the HTML name entity-escaped."""
    at = _page(root, monkeypatch, "pages/closed_loop.py", lang=lang, period="2026-10")
    warned = [w.value for w in at.warning if md_text(HTML) in w.value]
    assert warned, _bodies(at)
    overview = _page(root, monkeypatch, "pages/overview.py", lang=lang, period="2026-10")
    specs = [json.loads(c.proto.spec) for c in overview.get("plotly_chart")]
    axis = [
        str(v) for spec in specs for trace in spec["data"] for v in trace.get("y", []) if isinstance(v, str)
    ]
    assert any(v.startswith("&lt;img src=x") for v in axis)
    assert not any("<img" in v for v in axis)
    trends = _page(root, monkeypatch, "pages/trends.py", lang=lang, period="2026-10")
    assert any("\\[click\\]" in w.value for w in trends.warning)


@pytest.mark.parametrize("view", MEETING_VIEWS)
def test_meeting_views_show_hostile_names_as_text(
    root: Path, monkeypatch: pytest.MonkeyPatch, view: str
) -> None:
    at = _page(root, monkeypatch, "pages/meeting.py", lang="zh", period="2026-10", views=view)
    assert not at.exception
    assert raw_markup(at) == []
    html_blocks = [str(m.value) for m in at.markdown if "meeting-" in str(m.value)]
    assert html_blocks  # the view's own HTML (top bar, title, cards) is there
    assert not any("<img src=x" in block for block in html_blocks)


@pytest.mark.parametrize("suffix", ["pdf", "pptx"])
def test_the_report_draws_hostile_names_as_text(root: Path, tmp_path: Path, suffix: str) -> None:
    """``$\\undefinedcmd{x$`` used to crash the PDF (matplotlib parsed it as maths)."""
    from dashboard.cli import main

    out = tmp_path / f"report.{suffix}"
    err = io.StringIO()
    code = main(
        ["report", "--data", str(root), "--period", "2026-10", "--out", str(out)], out=io.StringIO(), err=err
    )
    assert code == 0, err.getvalue()
    if suffix == "pdf":
        import pypdfium2

        pdf = pypdfium2.PdfDocument(str(out))
        text = "".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
        assert "$\\undefinedcmd{x$" in text  # drawn literally, as written
        assert "<img src=x" in text


def test_the_case_list_export_neutralises_formulas_in_names(root: Path) -> None:
    dataset = load_dataset(root)
    frame = export.case_list(dataset.issues.head(500), "zh", full=True)
    cells = [str(v) for column in frame.columns for v in frame.get_column(column).to_list() if v is not None]
    assert any(FORMULA in v for v in cells)  # the formula community and grid names are in the list
    text = export.to_csv_bytes(frame).decode("utf-8-sig")
    rows = [line.split(",") for line in text.splitlines()]
    starts = {cell.lstrip('"')[:1] for row in rows for cell in row if cell}
    assert "=" not in starts
    assert "'=HYPERLINK(" in text


# --- the helpers -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("东湖社区", "东湖社区"),
        ("![b](u)", "\\!\\[b\\]\\(u\\)"),
        ("$x$", "\\$x\\$"),
        (":red[x]", "\\:red\\[x\\]"),
        ("<b>x</b>", "\\<b\\>x\\<\\/b\\>"),
        ("a\nb\r\n# c", "a b \\# c"),
        ("C:\\data", "C\\:\\\\data"),
        ("1-1网格", "1\\-1网格"),
    ],
)
def test_md_text(value: str, expected: str) -> None:
    assert md_text(value) == expected


def test_md_text_stops_links_streamlit_would_make_from_bare_urls_and_addresses() -> None:
    """remark-gfm links ``www.x``, ``http://x`` and ``a@b.cn`` after parsing: a word joiner stops it."""
    shown = _ESCAPE.sub(lambda m: m.group(0)[1], md_text(AUTOLINK + " a@b.cn"))
    assert "://" not in shown and "www." not in shown and "@b" not in shown
    assert shown.replace(WORD_JOINER, "") == AUTOLINK + " a@b.cn"


def test_md_text_reads_back_as_the_text_in_markdown() -> None:
    """Removing the escapes gives the original: CommonMark shows each escaped mark as itself."""
    for value in (MARKDOWN, HTML, LATEX, FORMULA, "www.example.com 100%"):
        assert _ESCAPE.sub(lambda m: m.group(0)[1], md_text(value)).replace(WORD_JOINER, "") == value


def test_html_text_escapes_quotes_for_attributes() -> None:
    assert html_text("<a href='x'>\"&") == "&lt;a href=&#x27;x&#x27;&gt;&quot;&amp;"
    assert html_text("![b](http://u) $x$ **y**") == "!&#91;b&#93;(http://u) &#36;x&#36; &#42;&#42;y&#42;&#42;"


def test_plot_text_keeps_the_dashboards_own_tags() -> None:
    assert plot_text("%{y}<br>率：%{x:.1%}<extra></extra>") == "%{y}<br>率：%{x:.1%}<extra></extra>"
    assert plot_text("<b>标题</b>") == "<b>标题</b>"
    assert plot_text("<a href='http://x'>y</a>") == "&lt;a href='http://x'&gt;y&lt;/a&gt;"
    assert plot_text("<span style='font-size:99px'>x") == "&lt;span style='font-size:99px'&gt;x"
    assert plot_text("A&B") == "A&amp;B"


def test_safe_figure_escapes_axes_legends_hovers_and_keeps_numbers() -> None:
    fig = go.Figure(
        go.Bar(
            x=[0.5, 0.9],
            y=np.array([HTML, "东湖社区"], dtype=object),
            name="<a href='http://x'>系列</a>",
            text=["<img src=x>", "1"],
            hovertemplate="%{y}<br>%{x:.1%}<extra></extra>",
            orientation="h",
        )
    )
    fig.update_layout(title="<b>办结率</b>")
    safe = safe_figure(fig)
    trace = safe.data[0]
    assert list(trace.y) == [plot_text(short_label(HTML)), "东湖社区"]
    assert short_label(HTML) == "<img src=x one….0.2:9/a'>链</a>"
    assert trace.name == "&lt;a href='http://x'&gt;系列&lt;/a&gt;"
    assert list(trace.text) == ["&lt;img src=x&gt;", "1"]
    assert trace.hovertemplate == "%{y}<br>%{x:.1%}<extra></extra>"
    assert list(trace.x) == [0.5, 0.9]
    assert safe.layout.title.text == "<b>办结率</b>"
    assert next(iter(fig.data[0].y)) == HTML  # the original is not changed


def test_safe_figure_cuts_long_names_on_axes_unless_they_would_read_alike() -> None:
    long_a, long_b = "很长的名字" * 10 + "社区1", "很长的名字" * 10 + "社区2"
    fig = safe_figure(go.Figure(go.Bar(x=[long_a, long_b, "东湖社区"], y=[1, 2, 3], name=long_a)))
    assert list(fig.data[0].x) == [
        "很长的名字很长的名字很长的名…名字很长的名字很长的名字社区1",
        short_label(long_b),
        "东湖社区",
    ]
    assert fig.data[0].name == short_label(long_a)
    # Cut, these two would be the same label: they stay whole.
    same_ends = ["a" * 20 + "x" + "b" * 20, "a" * 20 + "y" + "b" * 20]
    kept = safe_figure(go.Figure(go.Bar(x=same_ends, y=[1, 2])))
    assert list(kept.data[0].x) == same_ends


def test_problem_reports_for_the_screen_are_escaped() -> None:
    error = DataError([Problem("![b](http://x).csv", "missing_column", column="<img src=x>")])
    markdown = error.markdown("zh")
    assert markdown.startswith("- ")
    assert "![b](" not in markdown and "<img" not in _ESCAPE.sub("", markdown)
    assert "![b](http://x).csv" in error.report("zh")  # the terminal gets the text as it is


def test_hostile_root_loads_with_its_names(root: Path) -> None:
    """The fixture is what it says: names with markup, loaded as they are."""
    units = load_dataset(root).units
    names = set(units.get_column("community_name").to_list())
    assert any(n.startswith(HTML) for n in names)
    assert any(n.startswith(LATEX) for n in names)
    assert set(units.get_column("street_name").to_list()) == {HTML + "街道"}
