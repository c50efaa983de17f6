"""Volunteers: volunteer metrics, service-point reach and gaps, service over time."""

from dashboard.volunteers.coverage import (
    RADIUS_M,
    WALK_RADII,
    UnitBy,
    circles,
    coverage,
    coverage_share,
    uncovered,
)
from dashboard.volunteers.measures import (
    ACTIVE_DAYS,
    QUADRANTS,
    Gap,
    Kind,
    gap_table,
    grid_volunteer_counts,
    missing_reasons,
    placed_above_grids,
    quadrant_label,
    reach_gaps,
    volunteer_metrics,
)
from dashboard.volunteers.projection import QUAD_SEGS, WGS84, metric_crs
from dashboard.volunteers.siting import LATTICE_M, Suggestion, suggest_site
from dashboard.volunteers.special_visits import (
    SPECIAL_GROUP_COLUMNS,
    SPECIAL_GROUP_KINDS,
    SPECIAL_GROUPS_STEM,
    SpecialGroups,
    special_groups,
    visit_summary,
)

__all__ = [
    "ACTIVE_DAYS",
    "LATTICE_M",
    "QUADRANTS",
    "QUAD_SEGS",
    "RADIUS_M",
    "SPECIAL_GROUPS_STEM",
    "SPECIAL_GROUP_COLUMNS",
    "SPECIAL_GROUP_KINDS",
    "WALK_RADII",
    "WGS84",
    "Gap",
    "Kind",
    "SpecialGroups",
    "Suggestion",
    "UnitBy",
    "circles",
    "coverage",
    "coverage_share",
    "gap_table",
    "grid_volunteer_counts",
    "metric_crs",
    "missing_reasons",
    "placed_above_grids",
    "quadrant_label",
    "reach_gaps",
    "special_groups",
    "suggest_site",
    "uncovered",
    "visit_summary",
    "volunteer_metrics",
]
