"""How each demo community performs over the period: steady, struggling, hovering or improving."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import polars as pl
from numpy.typing import NDArray

Floats = NDArray[np.float64]

ROLES: Final = ("steady", "struggling", "hovering", "improving")
Range = tuple[float, float]
# Per role, the range each community's parameter is drawn from (see :class:`Profiles` for their meaning).
RANGES: Final[dict[str, dict[str, Range]]] = {
    "stuck": {
        "steady": (0.03, 0.08),
        "struggling": (0.21, 0.26),
        "hovering": (0.13, 0.15),
        "improving": (0.16, 0.19),
    },
    "permanent": {
        "steady": (0.05, 0.4),
        "struggling": (0.85, 0.95),
        "hovering": (0.75, 0.9),
        "improving": (0.85, 0.95),
    },
    "speed": {
        "steady": (0.8, 1.1),
        "struggling": (1.35, 1.6),
        "hovering": (1.15, 1.35),
        "improving": (1.3, 1.5),
    },
    "unsatisfied": {
        "steady": (0.015, 0.04),
        "struggling": (0.07, 0.1),
        "hovering": (0.05, 0.07),
        "improving": (0.07, 0.09),
    },
    "late_accept": {
        "steady": (0.01, 0.03),
        "struggling": (0.06, 0.09),
        "hovering": (0.04, 0.06),
        "improving": (0.05, 0.08),
    },
    "basic": {
        "steady": (0.07, 0.12),
        "struggling": (0.13, 0.17),
        "hovering": (0.11, 0.14),
        "improving": (0.1, 0.13),
    },
    "response": {
        "steady": (0.8, 1.2),
        "struggling": (1.8, 2.4),
        "hovering": (1.3, 1.6),
        "improving": (1.2, 1.5),
    },
    "rework": {
        "steady": (0.8, 1.2),
        "struggling": (1.8, 2.4),
        "hovering": (1.3, 1.6),
        "improving": (1.3, 1.6),
    },
    "volume": {
        "steady": (0.9, 1.1),
        "struggling": (1.15, 1.3),
        "hovering": (1.05, 1.2),
        "improving": (1.0, 1.15),
    },
}
# Where the improving community ends up, for the parameters that change over the period.
IMPROVED: Final[dict[str, Range]] = {
    "stuck": (0.03, 0.05),
    "permanent": (0.2, 0.35),
    "speed": (0.85, 1.0),
    "unsatisfied": (0.02, 0.035),
    "late_accept": (0.01, 0.025),
}


@dataclass(frozen=True)
class Profiles:
    """Per-community parameters (arrays indexed like ``codes``); early values blend into late ones.

    The blend is a logistic curve centred on ``switch`` (months since the start) for the
    improving community, and flat for the others.
    """

    codes: list[str]
    role: list[str]
    stuck: tuple[Floats, Floats]  # share of hard cases, which drag on for weeks
    permanent: tuple[Floats, Floats]  # share of hard cases never resolved (the chronic backlog)
    speed: tuple[Floats, Floats]  # handling-time factor
    unsatisfied: tuple[Floats, Floats]  # base share of 不满意 among ratings
    late_accept: tuple[Floats, Floats]  # share of cases accepted after more than a day
    basic: Floats  # base share of 基本满意
    response: Floats  # acceptance-time factor
    rework: Floats  # rework-probability factor
    volume: Floats  # issue-volume factor
    switch: Floats
    width: Floats

    def blend(self, pair: tuple[Floats, Floats], community: NDArray[np.int64], month: Floats) -> Floats:
        """``pair``'s value for each issue, by its community and the month (float) it was reported."""
        weight = 1.0 / (1.0 + np.exp(-(month - self.switch[community]) / self.width[community]))
        early, late = pair
        return early[community] + (late[community] - early[community]) * weight


def assign_roles(communities: pl.DataFrame, rng: np.random.Generator) -> list[str]:
    """Per street: one struggling community (old housing or a resettled village), one hovering
    just under target (in streets of 12 or more communities), one that improves past 90%
    mid-period; the rest steady."""
    roles = ["steady"] * communities.height
    kinds = communities.get_column("community_type").to_list()
    streets = communities.get_column("street_code").to_list()
    population = communities.get_column("population").to_numpy()
    for street in sorted(set(streets)):
        members = [i for i, s in enumerate(streets) if s == street]
        order = [members[int(k)] for k in rng.permutation(len(members))]
        # Not one of the biggest: a struggling giant would drag the whole street below target.
        typical = float(np.quantile(population[members], 0.7))
        struggling = [
            i for i in order if kinds[i] in ("old", "resettled") and population[i] <= typical
        ] or order
        roles[struggling[0]] = "struggling"
        improving = [i for i in order if roles[i] == "steady" and kinds[i] in ("new", "old", "mixed")]
        if improving:
            roles[improving[0]] = "improving"
        hovering = [i for i in order if roles[i] == "steady" and kinds[i] != "industrial"]
        if hovering and (len(members) >= 12 or rng.random() < 0.5):
            roles[hovering[0]] = "hovering"
    return roles


def build_profiles(communities: pl.DataFrame, rng: np.random.Generator) -> Profiles:
    """Parameters per community; ``communities`` has community_code, community_type, street_code, population."""
    roles = assign_roles(communities, rng)
    n = len(roles)
    improving = np.array(roles) == "improving"
    return Profiles(
        codes=communities.get_column("community_code").to_list(),
        role=roles,
        stuck=early_and_late(roles, "stuck", rng),
        permanent=early_and_late(roles, "permanent", rng),
        speed=early_and_late(roles, "speed", rng),
        unsatisfied=early_and_late(roles, "unsatisfied", rng),
        late_accept=early_and_late(roles, "late_accept", rng),
        basic=per_role(roles, RANGES["basic"], rng),
        response=per_role(roles, RANGES["response"], rng),
        rework=per_role(roles, RANGES["rework"], rng),
        volume=per_role(roles, RANGES["volume"], rng),
        switch=np.where(improving, rng.uniform(6.5, 8.0, n), 0.0),
        width=np.where(improving, rng.uniform(0.8, 1.3, n), 1.0),
    )


def per_role(roles: list[str], ranges: dict[str, Range], rng: np.random.Generator) -> Floats:
    """One draw per community, uniform in its role's range."""
    lo = np.array([ranges[r][0] for r in roles])
    hi = np.array([ranges[r][1] for r in roles])
    return rng.uniform(lo, hi, len(roles))


def early_and_late(roles: list[str], name: str, rng: np.random.Generator) -> tuple[Floats, Floats]:
    """The early value by role; the late one is the same except in the improving community."""
    early = per_role(roles, RANGES[name], rng)
    late = np.where(np.array(roles) == "improving", rng.uniform(*IMPROVED[name], len(roles)), early)
    return early, late
