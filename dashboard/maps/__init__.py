"""Folium map builders shared by pages, with the browser assets served offline from ``static/``.

The base map and its context (:mod:`.base`), colour classes (:mod:`.colors`), HTML elements
(:mod:`.elements`) and the grid choropleth (:mod:`.choropleth`) are re-exported here; the
offline assets stay in :mod:`.assets`. Feature maps (heat, volunteer coverage) live in their
feature packages and build on these.
"""

from dashboard.maps.base import PRECISION, add_context, base_map, shift_for_tiles, shift_points, simplify
from dashboard.maps.choropleth import grid_map
from dashboard.maps.colors import (
    HIGHER_IS_BETTER_PALETTE,
    LOWER_IS_BETTER_PALETTE,
    NO_DATA,
    SHARE_EDGES,
    metric_classes,
    number_or_none,
    numbers,
    quantile_classes,
    share_classes,
)
from dashboard.maps.elements import (
    TOOLTIP_CSS,
    FitBounds,
    Legend,
    LegendEntry,
    MetricScale,
    label_icon,
    table_html,
)

__all__ = [
    "HIGHER_IS_BETTER_PALETTE",
    "LOWER_IS_BETTER_PALETTE",
    "NO_DATA",
    "PRECISION",
    "SHARE_EDGES",
    "TOOLTIP_CSS",
    "FitBounds",
    "Legend",
    "LegendEntry",
    "MetricScale",
    "add_context",
    "base_map",
    "grid_map",
    "label_icon",
    "metric_classes",
    "number_or_none",
    "numbers",
    "quantile_classes",
    "share_classes",
    "shift_for_tiles",
    "shift_points",
    "simplify",
    "table_html",
]
