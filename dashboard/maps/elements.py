"""Map elements drawn in plain HTML and script: the legend, the metric scale, the fitted view, tooltips, labels.

Every name shown in a tooltip, popup, label or legend is HTML-escaped here, because Leaflet
inserts them as HTML.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import folium
from branca.element import MacroElement
from jinja2 import Template

from dashboard.core.text import html_text


@dataclass(frozen=True)
class LegendEntry:
    color: str
    label: str


class MetricScale(MacroElement):
    """A scale bar in metres only (Leaflet's default also shows feet)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        L.control.scale({imperial: false, position: "bottomleft"}).addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._name = "MetricScale"


class FitBounds(MacroElement):
    """Fit the view to bounds, again whenever the map's frame is resized, until the user pans.

    st_folium sizes its iframe after the map script has run, so a one-off ``fitBounds``
    fits a frame of the wrong size (the street came out too small, a community too large).
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function (map, bounds) {
            var moved = false;
            map.on("dragstart", function () { moved = true; });
            var fit = function () {
                var box = map.getContainer();
                // A frame being hidden or rebuilt has no size: fitting then gives NaN coordinates.
                if (moved || box.clientWidth === 0 || box.clientHeight === 0) { return; }
                map.invalidateSize();
                map.fitBounds(bounds, {padding: [12, 12]});
            };
            fit();
            if (window.ResizeObserver) { new ResizeObserver(fit).observe(map.getContainer()); }
        })({{ this._parent.get_name() }}, {{ this.bounds|tojson }});
        {% endmacro %}
        """
    )

    def __init__(self, bounds: list[list[float]]) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._name = "FitBounds"
        self.bounds = [[float(v) for v in corner] for corner in bounds]


class Legend(MacroElement):
    """A plain-HTML legend in the map's corner (branca colormaps need d3 from a CDN)."""

    _template = Template(
        """
        {% macro html(this, kwargs) %}
        <div class="grid-legend" style="position:absolute; bottom:24px; right:10px; z-index:9999;
             background:rgba(255,255,255,.93); padding:8px 12px; border-radius:6px;
             box-shadow:0 1px 4px rgba(0,0,0,.3); font-size:14px; line-height:1.6;
             font-family:'Noto Sans CJK SC','Microsoft YaHei',sans-serif;">
          <div style="font-weight:bold; margin-bottom:2px;">{{ this.title }}</div>
          {% for entry in this.entries %}
          <div><span style="display:inline-block; width:14px; height:14px; margin-right:6px;
               vertical-align:-2px; background:{{ entry.color }}; border:1px solid #888;"></span>{{ entry.label }}</div>
          {% endfor %}
        </div>
        {% endmacro %}
        """
    )

    def __init__(self, title: str, entries: Sequence[LegendEntry]) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._name = "Legend"
        self.title = html_text(title)
        self.entries = [LegendEntry(e.color, html_text(e.label)) for e in entries]


TOOLTIP_CSS = """
<style>
.gt{font-size:14px}.gt table{border-collapse:collapse}
.gt th{text-align:left;padding-right:8px;font-weight:normal;color:#555}.gt td{text-align:right;font-weight:bold}
</style>
"""


def table_html(rows: Sequence[tuple[str, str]], title: str) -> str:
    """A small name/value table for tooltips and popups (styled by TOOLTIP_CSS), escaped."""
    body = "".join(f"<tr><th>{html_text(k)}</th><td>{html_text(v)}</td></tr>" for k, v in rows)
    return f"<div class='gt'><b>{html_text(title)}</b><table>{body}</table></div>"


def label_icon(text: str, size: int, weight: str = "bold") -> folium.DivIcon:
    """A name written on the map (white halo, centred, the mouse passes through), escaped."""
    style = (
        f"font-size:{size}px;font-weight:{weight};color:#222;white-space:nowrap;"
        "text-shadow:-1px -1px 0 #fff,1px -1px 0 #fff,-1px 1px 0 #fff,1px 1px 0 #fff;"
        "transform:translate(-50%,-50%);display:inline-block;pointer-events:none;"
    )
    return folium.DivIcon(html=f"<div style='{style}'>{html_text(text)}</div>", icon_size=(0, 0))
