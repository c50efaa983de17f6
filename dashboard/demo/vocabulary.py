"""How each issue category behaves in the demo: volume, season, sources, levels, limits, hot spots."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

import numpy as np
from numpy.typing import NDArray

# The demo's vocabulary (docs/domain.md, "Vocabulary"). Categories and departments are stored as these
# Chinese strings, as grid platforms export them; the English UI translates known ones.
CATEGORIES: Final = (
    "环境卫生",
    "垃圾分类",
    "停车管理",
    "物业管理",
    "邻里纠纷",
    "噪音扰民",
    "公共设施维修",
    "安全隐患",
    "违章搭建",
    "占道经营",
    "治安防控",
    "养老助残",
    "政策咨询",
    "其他",
)
DEPARTMENTS: Final = (
    "城管执法",
    "住建",
    "市场监管",
    "交警",
    "消防",
    "派出所",
    "环卫",
    "水务",
    "供电",
    "物业公司",
    "司法所",
    "民政",
)


@dataclass(frozen=True)
class CategorySpec:
    """One category's habits; tuples follow the order of the schema's enumerations."""

    share: float  # share of all issues in an average month
    season: tuple[float, ...]  # volume factor for January … December
    sources: tuple[float, ...]  # weights over schema.SOURCES
    levels: tuple[float, float, float, float]  # grid, community, street, department
    departments: dict[str, float]  # who takes it when dispatched to a department
    limit_hours: float  # time limit when handled in the grid or community
    dispatch_days: float  # time limit when escalated to the street or a department
    effort: float  # handling time relative to an average matter
    urgent: float  # share flagged urgent
    stuck: float  # relative tendency to stay unresolved for months
    deferred: float  # share deferred (缓办)
    by_type: dict[str, float] = field(default_factory=dict)  # volume factor by community type
    by_use: dict[str, float] = field(default_factory=dict)  # volume factor by the grid's land use


FLAT: Final = (1.0,) * 12

CATEGORY_SPECS: Final = {
    "环境卫生": CategorySpec(
        0.16,
        (0.9, 1.05, 0.95, 0.95, 1.0, 1.15, 1.25, 1.25, 1.1, 0.95, 0.9, 0.9),
        (0.56, 0.16, 0.2, 0.03, 0.0, 0.05),
        (0.72, 0.18, 0.02, 0.08),
        {"环卫": 0.8, "城管执法": 0.2},
        48,
        7,
        0.8,
        0.02,
        0.6,
        0.003,
        {"old": 1.2, "resettled": 1.4, "mixed": 1.1, "industrial": 1.2},
        {"market": 4.0, "construction": 3.0, "park": 3.0, "commercial": 1.5, "industrial": 2.0},
    ),
    "垃圾分类": CategorySpec(
        0.08,
        (1.0, 1.1, 0.95, 0.95, 1.0, 1.05, 1.1, 1.1, 1.0, 0.95, 0.95, 1.0),
        (0.6, 0.12, 0.2, 0.03, 0.0, 0.05),
        (0.76, 0.2, 0.01, 0.03),
        {"环卫": 1.0},
        48,
        7,
        0.6,
        0.0,
        0.5,
        0.002,
        {"old": 1.1, "resettled": 1.3, "industrial": 0.4},
        {"market": 3.0, "park": 0.5, "industrial": 0.5, "construction": 0.3},
    ),
    "停车管理": CategorySpec(
        0.10,
        (1.2, 1.15, 0.95, 0.95, 1.0, 0.95, 0.9, 0.9, 1.05, 1.1, 1.0, 1.1),
        (0.4, 0.3, 0.22, 0.03, 0.03, 0.02),
        (0.62, 0.2, 0.05, 0.13),
        {"交警": 0.6, "城管执法": 0.4},
        24,
        7,
        0.8,
        0.02,
        1.5,
        0.025,
        {"old": 1.3, "new": 1.2, "mixed": 1.5, "industrial": 1.3},
        {"school": 5.0, "market": 3.0, "commercial": 2.0, "construction": 1.5, "park": 0.5},
    ),
    "物业管理": CategorySpec(
        0.11,
        (1.1, 1.0, 0.95, 0.95, 1.0, 1.05, 1.1, 1.1, 1.0, 0.95, 0.95, 1.0),
        (0.15, 0.5, 0.22, 0.12, 0.0, 0.01),
        (0.38, 0.46, 0.04, 0.12),
        {"物业公司": 0.6, "住建": 0.4},
        72,
        10,
        1.3,
        0.01,
        1.8,
        0.025,
        {"old": 1.3, "new": 1.4, "resettled": 0.8, "industrial": 0.3},
        {"park": 0.1, "industrial": 0.2, "construction": 0.1, "school": 0.2, "market": 0.5},
    ),
    "邻里纠纷": CategorySpec(
        0.06,
        (1.0, 1.1, 0.95, 0.95, 1.0, 1.1, 1.15, 1.1, 1.0, 0.95, 0.9, 0.95),
        (0.2, 0.35, 0.08, 0.35, 0.0, 0.02),
        (0.56, 0.37, 0.05, 0.02),
        {"司法所": 0.6, "派出所": 0.4},
        72,
        10,
        1.5,
        0.02,
        1.5,
        0.005,
        {"old": 1.3, "resettled": 1.2, "industrial": 0.4},
        {"park": 0.2, "industrial": 0.3, "construction": 0.2, "school": 0.3},
    ),
    "噪音扰民": CategorySpec(
        0.08,
        (0.65, 0.7, 0.85, 1.0, 1.2, 1.45, 1.6, 1.55, 1.25, 1.0, 0.8, 0.7),
        (0.1, 0.6, 0.27, 0.03, 0.0, 0.0),
        (0.62, 0.2, 0.04, 0.14),
        {"城管执法": 0.6, "派出所": 0.4},
        24,
        5,
        0.4,
        0.03,
        0.8,
        0.002,
        {"new": 1.3, "mixed": 1.4},
        {"construction": 12.0, "park": 2.0, "commercial": 2.0, "market": 2.0},
    ),
    "公共设施维修": CategorySpec(
        0.10,
        (1.15, 1.0, 0.9, 0.95, 1.05, 1.3, 1.3, 1.2, 1.0, 0.85, 0.85, 0.95),
        (0.49, 0.21, 0.21, 0.04, 0.02, 0.03),
        (0.48, 0.31, 0.04, 0.17),
        {"水务": 0.3, "供电": 0.25, "住建": 0.25, "物业公司": 0.2},
        72,
        10,
        1.3,
        0.06,
        1.5,
        0.03,
        {"old": 1.5, "new": 0.7, "resettled": 1.1},
        {"park": 3.0, "school": 1.2},
    ),
    "安全隐患": CategorySpec(
        0.09,
        (1.2, 1.0, 0.85, 0.8, 0.8, 0.85, 0.95, 0.95, 0.95, 1.25, 1.45, 1.45),
        (0.5, 0.12, 0.12, 0.02, 0.2, 0.04),
        (0.68, 0.2, 0.04, 0.08),
        {"消防": 0.6, "住建": 0.25, "供电": 0.15},
        24,
        5,
        0.7,
        0.3,
        0.5,
        0.004,
        {"old": 1.6, "new": 0.8, "resettled": 1.3, "industrial": 1.8},
        {"construction": 3.0, "industrial": 3.0, "market": 1.5},
    ),
    "违章搭建": CategorySpec(
        0.04,
        (0.7, 0.6, 1.15, 1.25, 1.2, 1.0, 0.9, 0.9, 1.15, 1.2, 1.1, 0.85),
        (0.5, 0.25, 0.2, 0.04, 0.0, 0.01),
        (0.3, 0.32, 0.17, 0.21),
        {"城管执法": 0.75, "住建": 0.25},
        72,
        15,
        2.0,
        0.01,
        3.0,
        0.08,
        {"old": 1.4, "new": 0.6, "resettled": 2.2},
        {"construction": 4.0, "park": 0.3, "school": 0.2},
    ),
    "占道经营": CategorySpec(
        0.05,
        (0.8, 0.8, 1.0, 1.1, 1.25, 1.25, 1.2, 1.2, 1.1, 1.0, 0.9, 0.8),
        (0.58, 0.2, 0.19, 0.02, 0.0, 0.01),
        (0.68, 0.1, 0.04, 0.18),
        {"城管执法": 0.8, "市场监管": 0.2},
        24,
        7,
        0.6,
        0.0,
        1.0,
        0.003,
        {"resettled": 1.3, "mixed": 1.6, "industrial": 1.2},
        {"market": 25.0, "commercial": 4.0, "school": 2.0, "park": 1.5},
    ),
    "治安防控": CategorySpec(
        0.03,
        (1.2, 1.15, 0.95, 0.95, 0.95, 1.0, 1.05, 1.05, 0.95, 0.95, 0.95, 1.1),
        (0.37, 0.35, 0.1, 0.1, 0.03, 0.05),
        (0.52, 0.16, 0.04, 0.28),
        {"派出所": 1.0},
        24,
        5,
        0.8,
        0.15,
        0.8,
        0.002,
        {"resettled": 1.3, "mixed": 1.2},
        {"school": 2.0, "park": 2.0, "market": 1.5},
    ),
    "养老助残": CategorySpec(
        0.04,
        (1.2, 1.1, 0.95, 0.9, 0.9, 0.95, 1.0, 1.0, 0.95, 1.2, 1.05, 1.15),
        (0.3, 0.2, 0.05, 0.35, 0.0, 0.1),
        (0.56, 0.41, 0.01, 0.02),
        {"民政": 1.0},
        72,
        10,
        1.2,
        0.08,
        0.6,
        0.004,
        {"old": 1.8, "new": 0.6, "industrial": 0.2},
        {"park": 0.1, "industrial": 0.1, "construction": 0.1, "school": 0.1, "commercial": 0.4},
    ),
    "政策咨询": CategorySpec(
        0.04,
        (1.6, 1.0, 0.9, 0.85, 0.85, 1.0, 1.1, 1.2, 1.3, 0.8, 0.8, 0.9),
        (0.05, 0.45, 0.15, 0.35, 0.0, 0.0),
        (0.76, 0.22, 0.01, 0.01),
        {"民政": 1.0},
        48,
        7,
        0.3,
        0.0,
        0.2,
        0.001,
        {"old": 1.1, "industrial": 0.5},
        {"park": 0.1, "industrial": 0.3, "construction": 0.1},
    ),
    "其他": CategorySpec(
        0.02,
        FLAT,
        (0.25, 0.35, 0.25, 0.1, 0.0, 0.05),
        (0.66, 0.26, 0.04, 0.04),
        {"城管执法": 0.3, "民政": 0.3, "物业公司": 0.4},
        72,
        10,
        1.0,
        0.01,
        1.0,
        0.005,
    ),
}

# A grid's activity beyond its residents: shoppers, pupils, workers and passers-by.
EXTRA_ACTIVITY: Final = {
    "residential": 100.0,
    "market": 2_500.0,
    "school": 900.0,
    "commercial": 1_200.0,
    "construction": 500.0,
    "park": 700.0,
    "industrial": 600.0,
}

# Hour-of-day weights (0–23) of reports by source; noise complaints come at night.
HOURS: Final = {
    "grid_patrol": (0, 0, 0, 0, 0, 0, 0, 1, 6, 10, 10, 7, 2, 4, 9, 10, 9, 4, 1, 0.5, 0.3, 0, 0, 0),
    "hotline": (0.5, 0.3, 0.2, 0.15, 0.15, 0.3, 1, 3, 7, 9, 9, 7, 5, 5, 7, 7, 7, 6, 5, 6, 6, 5, 3, 1.5),
    "app": (0.6, 0.3, 0.2, 0.1, 0.1, 0.3, 1, 4, 6, 6, 5, 5, 6, 4, 4, 4, 5, 6, 7, 7, 7, 6, 4, 2),
    "walk_in": (0, 0, 0, 0, 0, 0, 0, 0, 6, 10, 10, 6, 1, 3, 8, 9, 7, 2, 0, 0, 0, 0, 0, 0),
    "sensor": (5, 4, 3, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 3, 4, 5, 6, 7, 7, 6),
    "volunteer": (0, 0, 0, 0, 0, 0, 0, 1, 5, 8, 8, 4, 1, 1, 5, 6, 5, 2, 1, 2, 2, 0, 0, 0),
    "noise": (5, 3, 1, 0.3, 0.2, 0.5, 2, 3, 2, 1, 1, 1, 2, 2, 1, 1, 1, 1, 2, 4, 6, 8, 9, 7),
}
# On weekends and holidays patrols and offices thin out; residents report more themselves.
REST_DAY_SOURCE: Final = (0.45, 1.1, 1.2, 0.4, 1.0, 1.2)

# Handling time (hours, lognormal median and sigma) from acceptance or dispatch, by level.
LEVEL_HOURS: Final = ((2.5, 0.9), (16.0, 0.8), (55.0, 0.6), (85.0, 0.55))
# Time to accept (minutes, lognormal median and sigma) by source.
ACCEPT_MINUTES: Final = ((5.0, 1.0), (45.0, 1.1), (60.0, 1.2), (10.0, 0.8), (1.5, 0.8), (30.0, 1.0))
# Share of a source's finished issues the resident is called back and rates.
RATED_SHARE: Final = (0.55, 0.93, 0.9, 0.92, 0.25, 0.85)
INVALID_SHARE: Final = (0.003, 0.025, 0.03, 0.01, 0.02, 0.01)


def specs() -> list[CategorySpec]:
    """The category specs in the order of ``CATEGORIES``."""
    if set(CATEGORY_SPECS) != set(CATEGORIES):
        raise ValueError("demo category specs do not match CATEGORIES")
    return [CATEGORY_SPECS[c] for c in CATEGORIES]


def matrix(values: list[tuple[float, ...]]) -> NDArray[np.float64]:
    """Rows of weights as a float array."""
    return np.asarray(values, dtype=np.float64)


def department_matrix() -> NDArray[np.float64]:
    """Weights over ``DEPARTMENTS`` per category, rows normalised."""
    out = np.zeros((len(CATEGORIES), len(DEPARTMENTS)))
    for k, spec in enumerate(specs()):
        for name, weight in spec.departments.items():
            out[k, DEPARTMENTS.index(name)] = weight
    return np.asarray(out / out.sum(axis=1, keepdims=True), dtype=np.float64)
