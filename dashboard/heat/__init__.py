"""Heat map: issues counted per H3 hexagon, repeat locations and emerging hot spots."""

from dashboard.heat.cells import (
    AGGREGATE_SCHEMA,
    COARSEST,
    COORDINATE_DECIMALS,
    DEFAULT_RESOLUTION,
    FINEST,
    MAX_CELLS_IN_VIEW,
    WEIGHT_DECIMALS,
    aggregate,
    cell_ids,
    cell_of,
    cell_polygons,
    heat_payload,
    issues_in_cell,
    payload_bytes,
    resolution_for_area,
)

__all__ = [
    "AGGREGATE_SCHEMA",
    "COARSEST",
    "COORDINATE_DECIMALS",
    "DEFAULT_RESOLUTION",
    "FINEST",
    "MAX_CELLS_IN_VIEW",
    "WEIGHT_DECIMALS",
    "aggregate",
    "cell_ids",
    "cell_of",
    "cell_polygons",
    "heat_payload",
    "issues_in_cell",
    "payload_bytes",
    "resolution_for_area",
]
