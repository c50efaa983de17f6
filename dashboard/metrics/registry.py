"""The metric registry: every issue and volunteer metric defined once, with the lists of metrics each view shows.

Pages, charts, the CLI, exports and the README's table all read it. Labels, help and
formulas live in the i18n catalogs under ``metric.<key>``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

from dashboard.core import schema
from dashboard.core.formatting import format_count, format_percent
from dashboard.i18n import Lang, t

Kind = Literal["count", "rate", "per_1000", "median", "hours"]
Unit = Literal["grid", "community", "street", "all"]
Grade = Literal["green", "amber", "red", "none"]
UNITS: Final[tuple[Unit, ...]] = ("grid", "community", "street")
OUTSIDE = "outside"  # true on a row that is no unit: issues not placed at the table's level
# On such a row, the level those issues were placed at: "community", "street" or "outside" (every grid).
PLACED = "placed"
PLACED_ORDER: Final = ("community", "street", "outside")
PERIOD = "period"
# Columns of the units a unit sits in, carried along for labels and filters.
PARENT_COLUMNS: Final[dict[str, tuple[str, ...]]] = {
    "grid": ("community_code", "community_name", "street_code", "street_name"),
    "community": ("street_code", "street_name"),
    "street": (),
}


def placed_label(placed: str | None, lang: Lang) -> str:
    """The label of a row of issues not placed at a table's level ("Placed only at community level")."""
    if placed in ("community", "street"):
        return t(f"common.placed_{placed}", lang)
    return t("common.outside", lang)


class MetricSpec:
    """What every metric, issue or volunteer, says about itself: label, help and formula from the
    catalogs, and its value and change as people read them."""

    key: str
    kind: Kind

    @property
    def is_rate(self) -> bool:
        return self.kind == "rate"

    def label(self, lang: Lang) -> str:
        return t(f"metric.{self.key}.label", lang)

    def help(self, lang: Lang) -> str:
        return t(f"metric.{self.key}.help", lang)

    def formula(self, lang: Lang) -> str:
        return t(f"metric.{self.key}.formula", lang)

    def format(self, value: float | None, lang: Lang) -> str:
        """The value by its kind: 93.2%, 12,345 (in Chinese: 1.23 wan), 12.5 hours, 3.4 per 1,000.

        >>> METRICS["resolution_rate"].format(0.9321, "en"), METRICS["issue_count"].format(12345, "en")
        ('93.2%', '12,345')
        >>> METRICS["median_hours_to_finish"].format(None, "en")
        '—'
        """
        if value is None:
            return "—"
        if self.kind == "rate":
            return format_percent(value)
        if self.kind == "count":
            return format_count(value, lang)
        if self.kind == "median":
            return f"{value:.1f} {t('common.hours', lang)}"
        if self.kind == "hours":
            # Whole hours read better on a card (9,369 h); ten thousand and more as wan in Chinese.
            return f"{format_count(value, lang)} {t('common.hours', lang)}"
        return f"{value:.1f}"

    def change(self, current: float | None, previous: float | None) -> float | None:
        """The change as it is shown: rates in percentage points to one decimal, counts whole, others to
        one decimal (so a change that shows as nothing is 0, never -0).

        >>> METRICS["resolution_rate"].change(0.9470, 0.9474), METRICS["issue_count"].change(4129, 4329)
        (0.0, -200.0)
        """
        if current is None or previous is None:
            return None
        change = current - previous
        if self.kind == "rate":
            return round(change * 100, 1) + 0.0
        if self.kind == "count":
            return float(round(change))
        return round(change, 1) + 0.0

    def delta(self, current: float | None, previous: float | None, lang: Lang) -> str | None:
        """The change from the previous period: percentage points for rates, plain for others.

        A change that rounds to nothing reads "+0.0", never "-0.0".

        >>> METRICS["resolution_rate"].delta(0.93, 0.91, "en"), METRICS["resolution_rate"].delta(0.9470, 0.9474, "en")
        ('+2.0 pp', '+0.0 pp')
        """
        change = self.change(current, previous)
        if change is None:
            return None
        if self.kind == "rate":
            return f"{change:+.1f} {t('common.pp', lang)}"
        if self.kind == "count":
            return f"{change:+,.0f}"
        return f"{change:+.1f}"


@dataclass(frozen=True)
class Metric(MetricSpec):
    """One metric: how it is computed and how it is read.

    ``numerator``/``denominator`` name the per-issue flag columns made by
    :func:`issue_flags` that are summed (``None`` denominator for counts).
    ``graded`` metrics are coloured against the target (green/amber/red).
    """

    key: str
    kind: Kind
    numerator: str
    denominator: str | None
    higher_is_better: bool
    graded: bool = False
    # Issue columns the metric cannot do without, and the flag of the issues that must carry them
    # by their status (an accepted issue has an acceptance time; a finished one a level, a rework
    # count and, once rated, a rating). When the data has none of them (the column is missing or
    # empty), or none of a unit's issues that must carry them does, the value is null with a
    # reason, never 0. An issue still waiting to be accepted is a true 0% response, not missing data.
    inputs: tuple[str, ...] = ()
    inputs_expected: str = "finished"

    @property
    def missing_column(self) -> str:
        """True where the value is null because the inputs are absent (see :attr:`inputs`)."""
        return f"{self.key}__missing"

    @property
    def can_be_missing(self) -> bool:
        return bool(self.inputs) or self.kind == "per_1000"

    @property
    def inputs_column(self) -> str:
        """How many issues of S that must carry the inputs do (0 of several = the metric has no data)."""
        return f"{self.key}__inputs"

    @property
    def expected_column(self) -> str:
        """How many issues of S must carry the inputs by their status."""
        return f"{self.key}__expected"

    def missing_reason(self, lang: Lang) -> str:
        """Why the value is empty when its inputs are absent ("no acceptance times in the data")."""
        return t(f"metric.{self.key}.missing", lang)

    @property
    def num_column(self) -> str:
        return f"{self.key}__num"

    @property
    def den_column(self) -> str:
        return f"{self.key}__den"


REGISTRY: Final[tuple[Metric, ...]] = (
    Metric("issue_count", "count", "in_s", None, higher_is_better=False),
    Metric("issues_per_1000", "per_1000", "in_s", "population", higher_is_better=False),
    Metric("resolution_rate", "rate", "finished", "not_deferred", higher_is_better=True, graded=True),
    Metric("on_time_rate", "rate", "on_time", "not_deferred", higher_is_better=True, graded=True),
    Metric(
        "response_rate",
        "rate",
        "responded",
        "in_s",
        higher_is_better=True,
        graded=True,
        inputs=("accepted_at",),
    ),
    Metric(
        "satisfaction_rate",
        "rate",
        "satisfied",
        "rated",
        higher_is_better=True,
        graded=True,
        inputs=("satisfaction",),
    ),
    Metric("rework_rate", "rate", "reworked", "finished", higher_is_better=False, inputs=("rework_count",)),
    Metric(
        "grid_level_share",
        "rate",
        "grid_level",
        "finished",
        higher_is_better=True,
        inputs=("resolved_level",),
    ),
    Metric(
        "community_level_share",
        "rate",
        "community_level",
        "finished",
        higher_is_better=True,
        inputs=("resolved_level",),
    ),
    Metric("overdue_open_count", "count", "overdue_open", None, higher_is_better=False),
    Metric("median_hours_to_finish", "median", "hours_to_finish", None, higher_is_better=False),
)
METRICS: Final[dict[str, Metric]] = {m.key: m for m in REGISTRY}
METRIC_KEYS: Final[tuple[str, ...]] = tuple(METRICS)


def metric(key: str) -> Metric:
    """The registry entry for ``key``; ``KeyError`` names the known keys."""
    try:
        return METRICS[key]
    except KeyError:
        raise KeyError(f"unknown metric {key!r}; known: {', '.join(METRIC_KEYS)}") from None


def unit_columns(by: Unit) -> tuple[str, str]:
    """The contract's code and name columns of a unit (``community_code``, ``community_name``)."""
    if by == "all":
        return ("street_code", "street_name")
    return schema.UNIT_COLUMNS[by]


@dataclass(frozen=True)
class VolunteerMetric(MetricSpec):
    """One volunteer metric (computed by :mod:`dashboard.volunteers`): its kind and which direction is good."""

    key: str
    kind: Kind
    higher_is_better: bool = True


VOLUNTEER_REGISTRY: Final[tuple[VolunteerMetric, ...]] = (
    VolunteerMetric("volunteer_count", "count"),
    VolunteerMetric("volunteers_per_1000", "per_1000"),
    VolunteerMetric("active_volunteer_count", "count"),
    VolunteerMetric("active_per_1000", "per_1000"),
    VolunteerMetric("service_hours", "hours"),
    VolunteerMetric("service_count", "count"),
    VolunteerMetric("people_served", "count"),
    VolunteerMetric("party_member_share", "rate"),
    VolunteerMetric("service_point_coverage_share", "rate"),
)
VOLUNTEER_METRICS: Final[dict[str, VolunteerMetric]] = {m.key: m for m in VOLUNTEER_REGISTRY}


def volunteer_metric(key: str) -> VolunteerMetric:
    """The volunteer registry entry for ``key``; ``KeyError`` names the known keys."""
    try:
        return VOLUNTEER_METRICS[key]
    except KeyError:
        raise KeyError(f"unknown volunteer metric {key!r}; known: {', '.join(VOLUNTEER_METRICS)}") from None


# --- which metrics each view shows ----------------------------------------------------

# The metric a unit is judged by against the target (the resolution rate), and the views' metric lists,
# in the order they are shown. A new metric is added to a view here, nowhere else.
TARGET_METRIC: Final = "resolution_rate"
VIEWS: Final[dict[str, tuple[str, ...]]] = {
    # overview: the KPI cards, the trend chart, the league table
    "headline": (
        "resolution_rate",
        "on_time_rate",
        "satisfaction_rate",
        "response_rate",
        "issue_count",
        "overdue_open_count",
    ),
    "trend": ("resolution_rate", "on_time_rate", "satisfaction_rate"),
    "league": (
        "issue_count",
        "issues_per_1000",
        "resolution_rate",
        "on_time_rate",
        "satisfaction_rate",
        "grid_level_share",
        "overdue_open_count",
    ),
    # closed loop: the monthly league
    "loop_league": (
        "issue_count",
        "resolution_rate",
        "on_time_rate",
        "response_rate",
        "satisfaction_rate",
        "rework_rate",
    ),
    # trends: every metric a time bucket can have (a bucket of categories has no residents: no per 1,000)
    "series": tuple(m.key for m in REGISTRY if m.kind != "per_1000"),
    # the monthly report's league slide
    "report_league": (
        "issue_count",
        "resolution_rate",
        "on_time_rate",
        "satisfaction_rate",
        "overdue_open_count",
    ),
    # volunteers: the headline (the six of the data contract, printed by the CLI too) and the unit table
    "volunteer_headline": (
        "volunteer_count",
        "volunteers_per_1000",
        "active_volunteer_count",
        "service_hours",
        "party_member_share",
        "service_point_coverage_share",
    ),
    "volunteer_units": (
        "volunteer_count",
        "volunteers_per_1000",
        "active_volunteer_count",
        "active_per_1000",
        "party_member_share",
        "service_hours",
        "people_served",
        "service_point_coverage_share",
    ),
}


def keys_for(view: str) -> tuple[str, ...]:
    """The metrics a view shows, in order.

    >>> keys_for("trend")
    ('resolution_rate', 'on_time_rate', 'satisfaction_rate')
    """
    try:
        return VIEWS[view]
    except KeyError:
        raise KeyError(f"unknown view {view!r}; known: {', '.join(VIEWS)}") from None
