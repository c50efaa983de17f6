"""Meeting mode (large screens, 1920 x 1080): the views, their order, the themes and big-type figures.

No streamlit here: :mod:`dashboard.ui.meeting` draws what this module computes. A view is
one full screen; the sequence advances by itself every ``interval`` seconds and by key.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, Literal

import plotly.graph_objects as go

from dashboard.core.formatting import format_percent
from dashboard.core.settings import Settings
from dashboard.core.text import html_text
from dashboard.i18n import Lang, t
from dashboard.metrics import METRICS, Kpi

VIEWS: Final = ("headline", "league", "map", "trend", "topics")
"""The views in their default order: numbers against target, communities, map, trend, the month's topics."""

DEFAULT_INTERVAL: Final = 20
MIN_INTERVAL: Final = 5
MAX_INTERVAL: Final = 600
INTERVAL_CHOICES: Final = (10, 15, 20, 30, 45, 60, 120)

ThemeName = Literal["light", "dark"]


@dataclass(frozen=True)
class Theme:
    """Colours of one meeting theme; text and grades keep a contrast ratio of at least 4.5:1 on ``background``."""

    name: ThemeName
    background: str
    surface: str
    text: str
    muted: str
    border: str
    grid: str
    green: str
    amber: str
    red: str
    none: str

    def grade_color(self, grade: str) -> str:
        return {"green": self.green, "amber": self.amber, "red": self.red}.get(grade, self.none)


# Grade colours are the settings' hues, darkened (light) or lightened (dark) for text on the background.
THEMES: Final[dict[str, Theme]] = {
    "light": Theme(
        name="light",
        background="#ffffff",
        surface="#f3f4f6",
        text="#111827",
        muted="#374151",
        border="#9ca3af",
        grid="#d1d5db",
        green="#0f7a3d",
        amber="#a15c00",
        red="#b91c1c",
        none="#4b5563",
    ),
    "dark": Theme(
        name="dark",
        background="#0b1220",
        surface="#172036",
        text="#f9fafb",
        muted="#d1d5db",
        border="#4b5563",
        grid="#334155",
        green="#4ade80",
        amber="#fbbf24",
        red="#f87171",
        none="#9ca3af",
    ),
}


def theme(name: object) -> Theme:
    """The theme called ``name`` (``light`` unless it is ``dark``)."""
    return THEMES["dark" if name == "dark" else "light"]


def parse_interval(value: object) -> int:
    """Seconds per view from user input (``?interval=``), clamped to 5..600; 20 when unreadable.

    >>> parse_interval("30"), parse_interval("2"), parse_interval("x"), parse_interval(None)
    (30, 5, 20, 20)
    """
    try:
        seconds = int(float(str(value)))
    except ValueError:
        return DEFAULT_INTERVAL
    return max(MIN_INTERVAL, min(MAX_INTERVAL, seconds))


def parse_views(value: object) -> tuple[str, ...]:
    """The views to show from ``?views=headline,map`` (unknown names dropped); all when none is left.

    >>> parse_views("map,headline,nope")
    ('map', 'headline')
    >>> parse_views(None) == VIEWS
    True
    """
    if not isinstance(value, str):
        return VIEWS
    chosen = tuple(dict.fromkeys(v.strip() for v in value.split(",") if v.strip() in VIEWS))
    return chosen or VIEWS


def step(index: int, count: int, by: int = 1) -> int:
    """The view ``by`` steps from ``index``, wrapping around.

    >>> step(4, 5), step(0, 5, -1), step(7, 5)
    (0, 4, 3)
    """
    return (index + by) % count if count else 0


def due(elapsed_s: float, interval_s: float, paused: bool) -> bool:
    """Whether the view has been on long enough to move on (a timer tick may come a little early)."""
    return not paused and elapsed_s >= interval_s - 0.75


# --- the headline ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Card:
    """One big number: label, value, the grade word and the change from the previous period."""

    key: str
    label: str
    value: str
    color: str
    note: str
    delta: str


def cards(kpis: Sequence[Kpi], lang: Lang, th: Theme) -> list[Card]:
    """The headline numbers as cards, rates with a target coloured by their grade.

    A value the data cannot give is "—" in the muted grey, its reason in place of the grade.
    """
    out = []
    for kpi in kpis:
        spec = METRICS[kpi.key]
        reason = kpi.reason(lang)
        if reason is not None:
            color, note = th.none, reason
        elif spec.graded and kpi.grade != "none":
            color = th.grade_color(kpi.grade)
            note = t(f"common.grade_{kpi.grade}", lang)
        else:
            color, note = th.text, ""
        delta = kpi.delta(lang)
        out.append(
            Card(
                key=kpi.key,
                label=spec.label(lang),
                value=kpi.text(lang),
                color=color,
                note=note,
                delta=t("meeting.delta", lang, delta=delta) if delta else "",
            )
        )
    return out


def cards_html(items: Sequence[Card], th: Theme, hero: str = "resolution_rate") -> str:
    """The cards as HTML: the ``hero`` number (resolution rate) takes a row of its own, the rest share one."""
    first = [c for c in items if c.key == hero]
    rest = [c for c in items if c.key != hero]

    def card(c: Card, big: bool) -> str:
        size = "meeting-hero" if big else "meeting-card"
        grade = (
            f'<span class="meeting-grade" style="background:{c.color}">{html_text(c.note)}</span>'
            if c.note
            else ""
        )
        return (
            f'<div class="{size}" data-metric="{c.key}" style="border-left-color:{c.color}">'
            f'<div class="meeting-label">{html_text(c.label)}</div>'
            f'<div class="meeting-value" style="color:{c.color}">{html_text(c.value)}</div>'
            f'<div class="meeting-delta">{grade}{"<br>" if grade and not big else ""}{html_text(c.delta)}</div></div>'
        )

    hero_html = "".join(card(c, True) for c in first)
    rest_html = "".join(card(c, False) for c in rest)
    return f'<div class="meeting-cards">{hero_html}<div class="meeting-grid">{rest_html}</div></div>'


def target_text(settings: Settings, lang: Lang) -> str:
    return t("common.target", lang, target=format_percent(settings.target, 0))


# --- big-type figures -----------------------------------------------------------------------------

FONT_SIZE: Final = 24


def big_figure(fig: go.Figure, th: Theme, height: int) -> go.Figure:
    """A dashboard figure restyled for the back of a room: large type, thick lines, the theme's colours."""
    fig.update_layout(
        height=height,
        font={"size": FONT_SIZE, "color": th.text},
        paper_bgcolor=th.background,
        plot_bgcolor=th.background,
        margin={"l": 20, "r": 40, "t": 50, "b": 20},
        legend={"font": {"size": FONT_SIZE, "color": th.text}, "y": -0.08},
        hoverlabel={"font": {"size": 20}},
    )
    fig.update_xaxes(gridcolor=th.grid, linecolor=th.border, tickfont={"size": FONT_SIZE, "color": th.text})
    fig.update_yaxes(gridcolor=th.grid, linecolor=th.border, tickfont={"size": FONT_SIZE, "color": th.text})
    fig.update_traces(selector={"type": "bar"}, textfont={"size": FONT_SIZE, "color": th.text})
    fig.update_traces(selector={"type": "scatter"}, line={"width": 5}, marker={"size": 12})
    fig.update_annotations(font={"size": FONT_SIZE, "color": th.text})
    fig.update_xaxes(title_font={"size": 20, "color": th.muted})
    fig.update_yaxes(title_font={"size": 20, "color": th.muted})
    return fig
