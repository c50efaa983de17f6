"""The data contract: file names, required columns and enumerations of a data root.

See the README's "Data contract" and ``docs/domain.md``. Enumerations are stored as English keys; the UI shows the
labels from the i18n catalogs (``status.resolved`` and so on).
"""

from __future__ import annotations

from typing import Final

GRIDS_FILE: Final = "geo/grids.geojson"
COMMUNITIES_FILE: Final = "geo/communities.geojson"
STREETS_FILE: Final = "geo/streets.geojson"
ISSUES_STEM: Final = "data/issues"
VOLUNTEERS_STEM: Final = "data/volunteers"
SERVICE_RECORDS_STEM: Final = "data/service_records"
SERVICE_POINTS_STEM: Final = "data/service_points"
META_FILE: Final = "data/meta.json"
PLACES_FILE: Final = "geo/places.csv"  # the gazetteer: address keyword -> grid code (optional)
PLACES_STEM: Final = "geo/places"
GAZETTEER_COLUMNS: Final = ("keyword", "grid_code")

# --- grids -------------------------------------------------------------------
GRID_REQUIRED: Final = (
    "grid_code",
    "grid_name",
    "community_code",
    "community_name",
    "street_code",
    "street_name",
)
# Population may be left out or empty (unknown): per-1,000 figures are then empty, with the reason.
GRID_OPTIONAL: Final = (
    "population",
    "households",
    "parent_grid_code",
    "grid_worker",
    "district_code",
    "district_name",
)

# --- issues ------------------------------------------------------------------
STATUSES: Final = (
    "reported",
    "accepted",
    "dispatched",
    "in_progress",
    "resolved",
    "closed",
    "returned",
    "deferred",
    "invalid",
)
FINISHED_STATUSES: Final = ("resolved", "closed")
SOURCES: Final = ("grid_patrol", "hotline", "app", "walk_in", "sensor", "volunteer")
LEVELS: Final = ("grid", "community", "street", "department")
SATISFACTION: Final = ("satisfied", "basically_satisfied", "unsatisfied")

ISSUE_REQUIRED: Final = ("issue_id", "reported_at", "category", "status")
ISSUE_TIMES: Final = (
    "reported_at",
    "accepted_at",
    "dispatched_at",
    "resolved_at",
    "closed_at",
    "due_at",
)
ISSUE_OPTIONAL_TEXT: Final = (
    "source",
    "resolved_level",
    "department",
    "satisfaction",
    "description",
    "address",
    "reporter_name",
    "reporter_phone",
)
# Every column of the contract, in the order exports and the demo write them.
ISSUE_CORE_COLUMNS: Final = (
    "issue_id",
    "reported_at",
    "category",
    "grid_code",
    "lon",
    "lat",
    "status",
    "source",
    "accepted_at",
    "dispatched_at",
    "resolved_at",
    "closed_at",
    "due_at",
    "resolved_level",
    "department",
    "satisfaction",
    "rework_count",
    "urgent",
)
ISSUE_TEXT_COLUMNS: Final = ("description", "address", "reporter_name", "reporter_phone")
# Where an issue with no grid code and no point is placed: its community or street (code or name).
ISSUE_PLACE_COLUMNS: Final = ("community_code", "community_name", "street_code", "street_name")
ISSUE_COLUMNS: Final = ISSUE_CORE_COLUMNS + ISSUE_PLACE_COLUMNS + ISSUE_TEXT_COLUMNS
# Columns holding personal data: never shown in demo mode, meeting exports or logs.
PERSONAL_COLUMNS: Final = ("reporter_name", "reporter_phone", "name", "phone")

# --- volunteers and services -------------------------------------------------
# A volunteer is placed like an issue (a grid code, else a community or street by code or name); a service
# record by its own grid code, point, community or street, else where its volunteer is.
VOLUNTEER_REQUIRED: Final = ("volunteer_id", "registered_at", "is_party_member")
SERVICE_RECORD_REQUIRED: Final = ("record_id", "volunteer_id", "served_at", "hours", "service_type")
SERVICE_POINT_REQUIRED: Final = ("point_id", "name", "point_type", "lon", "lat")
SERVICE_TYPES: Final = (
    "elderly_care",
    "disability_support",
    "child_care",
    "environment",
    "safety_patrol",
    "policy_promotion",
    "neighbour_help",
    "health",
)
POINT_TYPES: Final = ("party_service_center", "red_station", "convenience_station")

# Units a metric can be computed for, with the contract's code and name columns.
UNIT_COLUMNS: Final = {
    "grid": ("grid_code", "grid_name"),
    "community": ("community_code", "community_name"),
    "street": ("street_code", "street_name"),
}
