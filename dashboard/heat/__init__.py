"""Heat map: issues counted per H3 hexagon, repeat locations, the busiest grids and emerging hot spots."""

from dashboard.heat.busiest import TOP_GRIDS_SCHEMA, top_grids
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
from dashboard.heat.emerging_grids import EMERGING_SCHEMA, emerging, history_months, months_before
from dashboard.heat.repeats import PLACE_SCHEMA, fine_resolution, normalise_address, repeat_locations
from dashboard.heat.tails import binomial_tail, poisson_tail

__all__ = [
    "AGGREGATE_SCHEMA",
    "COARSEST",
    "COORDINATE_DECIMALS",
    "DEFAULT_RESOLUTION",
    "EMERGING_SCHEMA",
    "FINEST",
    "MAX_CELLS_IN_VIEW",
    "PLACE_SCHEMA",
    "TOP_GRIDS_SCHEMA",
    "WEIGHT_DECIMALS",
    "aggregate",
    "binomial_tail",
    "cell_ids",
    "cell_of",
    "cell_polygons",
    "emerging",
    "fine_resolution",
    "heat_payload",
    "history_months",
    "issues_in_cell",
    "months_before",
    "normalise_address",
    "payload_bytes",
    "poisson_tail",
    "repeat_locations",
    "resolution_for_area",
    "top_grids",
]
