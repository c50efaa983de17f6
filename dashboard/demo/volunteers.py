"""Demo volunteers, their service records, and the service points of the street."""

from __future__ import annotations

from datetime import datetime
from typing import Final

import numpy as np
import polars as pl
from numpy.typing import NDArray

from dashboard.core import schema
from dashboard.demo import names, sampling, texts, timeline
from dashboard.demo.issues import datetimes, labels
from dashboard.demo.layout import Buildings, Layout
from dashboard.demo.timeline import DAY, HOUR

Floats = NDArray[np.float64]
Ints = NDArray[np.int64]

VOLUNTEER_SHARE: Final = 0.015  # registered volunteers per resident
FIRST_REGISTRATION: Final = datetime(2016, 1, 1)
AGE_GROUPS: Final = ("silver", "adult", "youth")  # 银龄 (60+), working age, students
AGE_SHARES: Final = (0.3, 0.55, 0.15)
PARTY_SHARE: Final = (0.45, 0.33, 0.15)
# Services a month, by activity class: regular, occasional, registered but inactive.
ACTIVITY_RATES: Final = (2.5, 0.3, 0.0)
ACTIVITY_SHARES: Final = (0.42, 0.25, 0.33)
# Service-type weights (schema.SERVICE_TYPES order) by age group; party members add patrols and policy.
SERVICE_WEIGHTS: Final = {
    "silver": (0.35, 0.06, 0.04, 0.1, 0.15, 0.08, 0.18, 0.04),
    "adult": (0.2, 0.07, 0.1, 0.15, 0.15, 0.1, 0.13, 0.1),
    "youth": (0.15, 0.05, 0.3, 0.25, 0.05, 0.08, 0.1, 0.02),
    "party": (0.2, 0.05, 0.05, 0.15, 0.22, 0.2, 0.08, 0.05),
}
# People reached per service, (low, high), by service type.
BENEFICIARIES: Final = {
    "elderly_care": (1, 4),
    "disability_support": (1, 2),
    "child_care": (3, 15),
    "environment": (10, 60),
    "safety_patrol": (20, 120),
    "policy_promotion": (10, 80),
    "neighbour_help": (1, 3),
    "health": (5, 40),
}
SERVICE_HOURS: Final = (0, 0, 0, 0, 0, 0, 0, 0, 6, 9, 8, 3, 0, 0, 6, 8, 6, 2, 0, 3, 3, 0, 0, 0)


def registrations(n: int, rng: np.random.Generator) -> NDArray[np.int64]:
    """Registration times from 2016 on, growing year by year, a few in the last weeks."""
    start, end = timeline.seconds(FIRST_REGISTRATION), timeline.seconds(timeline.END) - DAY
    u = rng.random(n) ** 0.6  # density rising towards the present
    moment = start + (u * (end - start)).astype(np.int64)
    return moment - moment % DAY + rng.integers(8 * HOUR, 18 * HOUR, n)


def generate_volunteers(
    layout: Layout, buildings: Buildings, rng: np.random.Generator
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Volunteers (~1.5% of residents, more in old compounds) and the services they gave."""
    grids = layout.grids
    population = grids.get_column("population").to_numpy().astype(np.float64)
    old = grids.get_column("community_type").to_numpy() == "old"
    n = round(float(population.sum()) * VOLUNTEER_SHARE)
    weight = population * np.where(old, 1.3, 1.0)
    grid = rng.choice(len(population), size=n, p=weight / weight.sum())
    age = rng.choice(3, size=n, p=AGE_SHARES)
    age = np.where(old[grid] & (rng.random(n) < 0.2), 0, age)
    party = rng.random(n) < np.asarray(PARTY_SHARE)[age]
    registered = np.sort(registrations(n, rng))
    activity = rng.choice(3, size=n, p=ACTIVITY_SHARES)
    activity = np.where(party & (activity == 2) & (rng.random(n) < 0.4), 0, activity)

    community_name = grids.get_column("community_name").to_numpy()[grid]
    team = np.where(
        party,
        np.char.add(community_name.astype(str), "党员先锋队"),
        np.where(
            age == 0,
            "银龄互助队",
            np.where(
                age == 2, "青春志愿服务队", np.where(rng.random(n) < 0.5, "巾帼志愿服务队", "平安巡防队")
            ),
        ),
    )
    skills = _skills(n, rng)
    ids = [f"ZY{i:08d}" for i in range(1, n + 1)]
    volunteers = pl.DataFrame(
        {
            "volunteer_id": ids,
            "grid_code": grids.get_column("grid_code").to_numpy()[grid],
            "registered_at": datetimes(registered),
            "is_party_member": party,
            "name": names.person_names(n, rng),
            "phone": names.phones(n, rng),
            "skills": skills,
            "team": team.tolist(),
        }
    )
    records = service_records(layout, buildings, grid, age, party, registered, activity, ids, rng)
    return volunteers, records


def _skills(n: int, rng: np.random.Generator) -> pl.Series:
    """One to three skills per volunteer, joined by 、."""
    table = pl.Series(texts.VOLUNTEER_SKILLS)
    count = rng.choice(3, size=n, p=(0.5, 0.35, 0.15)) + 1
    picks = [table.gather(rng.integers(0, len(table), n)) for _ in range(3)]
    frame = pl.DataFrame({"a": picks[0], "b": picks[1], "c": picks[2], "n": count})
    return frame.select(
        pl.concat_str(
            [
                "a",
                pl.when((pl.col("n") >= 2) & (pl.col("b") != pl.col("a")))
                .then(pl.lit("、") + pl.col("b"))
                .otherwise(pl.lit("")),
                pl.when((pl.col("n") >= 3) & (pl.col("c") != pl.col("a")) & (pl.col("c") != pl.col("b")))
                .then(pl.lit("、") + pl.col("c"))
                .otherwise(pl.lit("")),
            ]
        ).alias("skills")
    ).to_series()


def service_records(
    layout: Layout,
    buildings: Buildings,
    grid: Ints,
    age: Ints,
    party: NDArray[np.bool_],
    registered: Ints,
    activity: Ints,
    ids: list[str],
    rng: np.random.Generator,
) -> pl.DataFrame:
    """Services of active volunteers: 2–3 a month for regulars, ~3 h each, mostly weekends and in their grid."""
    who, served = _service_times(registered, activity, rng)
    kind, hours, beneficiaries = _service_kinds(who, age, party, rng)
    where, lon, lat = _service_places(layout, buildings, grid[who], rng)
    order = np.lexsort((who, served))
    stamp = datetimes(served[order])
    return pl.DataFrame(
        {
            "record_id": _record_ids(served[order], stamp),
            "volunteer_id": pl.Series(ids).gather(who[order]),
            "served_at": stamp,
            "hours": hours[order],
            "service_type": labels(kind[order], schema.SERVICE_TYPES),
            "beneficiaries": pl.Series(beneficiaries[order], dtype=pl.Int32),
            "grid_code": layout.grids.get_column("grid_code").gather(where[order]),
            "lon": lon[order],
            "lat": lat[order],
        }
    )


def _service_times(registered: Ints, activity: Ints, rng: np.random.Generator) -> tuple[Ints, Ints]:
    """Who served (volunteer index per service) and when: weekends preferred, some regulars drop out."""
    start, end = timeline.seconds(timeline.START), timeline.seconds(timeline.END) - DAY
    n = len(registered)
    begin = np.maximum(registered + DAY, start)
    # Some regulars drop out part-way through; their services stop.
    stop = np.where(rng.random(n) < 0.15, rng.integers(start, end, n), end)
    months = np.maximum(stop - begin, 0) / (30.4375 * DAY)
    count = rng.poisson(np.asarray(ACTIVITY_RATES)[activity] * months)
    who = np.repeat(np.arange(n), count)
    m = len(who)
    span = np.maximum(stop - begin, DAY)[who]
    first, second = (begin[who] + (rng.random(m) * span).astype(np.int64) for _ in range(2))
    day_one = first - first % DAY
    weekend_one = ((day_one // DAY + 3) % 7) >= 5  # 1970-01-01 was a Thursday
    second_day = second - second % DAY
    weekend_two = ((second_day // DAY + 3) % 7) >= 5
    day = np.where(~weekend_one & weekend_two, second_day, day_one)
    hour = rng.choice(24, size=m, p=np.asarray(SERVICE_HOURS) / sum(SERVICE_HOURS))
    served = day + hour * HOUR + rng.integers(0, 4, m) * 900
    return who, served


def _service_kinds(
    who: Ints, age: Ints, party: NDArray[np.bool_], rng: np.random.Generator
) -> tuple[Ints, Floats, Ints]:
    """Each service's type (by the volunteer's age group or party membership), hours and beneficiaries."""
    m = len(who)
    group = np.where(party[who], 3, age[who])
    weights = np.asarray([SERVICE_WEIGHTS[k] for k in (*AGE_GROUPS, "party")])
    cumulative = weights.cumsum(axis=1) / weights.sum(axis=1, keepdims=True)
    kind = (rng.random(m)[:, None] > cumulative[group]).sum(axis=1)
    hours = np.clip(np.round(rng.lognormal(np.log(2.8), 0.25, m) * 2) / 2, 1.0, 8.0)
    low = np.array([BENEFICIARIES[t][0] for t in schema.SERVICE_TYPES])[kind]
    high = np.array([BENEFICIARIES[t][1] for t in schema.SERVICE_TYPES])[kind]
    beneficiaries = rng.integers(low, high + 1)
    return kind, hours, beneficiaries


def _service_places(
    layout: Layout, buildings: Buildings, home: Ints, rng: np.random.Generator
) -> tuple[Ints, Floats, Floats]:
    """The grid and point of each service: mostly the volunteer's own grid, else another of the community."""
    m = len(home)
    elsewhere = _neighbour_grids(layout, home, rng)
    where = np.where(rng.random(m) < 0.75, home, elsewhere)
    pick = buildings.first[where] + (rng.random(m) * buildings.count[where]).astype(np.int64)
    lon, lat = sampling.jitter(buildings.lon[pick], buildings.lat[pick], 20.0, layout.polygons[where], rng)
    return where, lon, lat


def _record_ids(served: Ints, stamp: pl.Series) -> pl.Series:
    """Ids like FW2026100100007 (date + running number that day) for services sorted by time."""
    day_key = served // DAY
    first_of_day = np.r_[0, np.flatnonzero(np.diff(day_key)) + 1]
    m = len(served)
    sequence = np.arange(m) - np.repeat(first_of_day, np.diff(np.r_[first_of_day, m])) + 1
    return (
        pl.DataFrame({"d": stamp, "s": sequence})
        .select(
            pl.concat_str(
                [pl.lit("FW"), pl.col("d").dt.strftime("%Y%m%d"), pl.col("s").cast(pl.String).str.zfill(5)]
            )
        )
        .to_series()
    )


def _neighbour_grids(layout: Layout, home: Ints, rng: np.random.Generator) -> Ints:
    """Another grid of the same community for each entry of ``home`` (itself if it has none)."""
    community = np.unique(layout.grids.get_column("community_code").to_numpy(), return_inverse=True)[1]
    order = np.argsort(community, kind="stable")
    first = np.searchsorted(community[order], community)
    size = np.bincount(community)[community]
    offset = (rng.random(len(home)) * size[home]).astype(np.int64)
    return np.asarray(order[first[home] + offset], dtype=np.int64)


def generate_service_points(layout: Layout, buildings: Buildings, rng: np.random.Generator) -> pl.DataFrame:
    """A party-and-mass service centre in most communities, red stations in housing, convenience stations.

    Points sit at buildings of dense housing, so parks and industrial edges stay beyond 800 m.
    """
    grids = layout.grids
    community_code = grids.get_column("community_code").to_numpy()
    community_name = grids.get_column("community_name").to_numpy()
    kind = grids.get_column("community_type").to_numpy()
    residential = grids.get_column("land_use").to_numpy() == "residential"
    population = grids.get_column("population").to_numpy().astype(np.float64)
    rows: list[tuple[int, str, int]] = []  # (grid row, point type, building)
    themes = texts.RED_STATION_THEMES
    for code in np.unique(community_code):
        members = np.flatnonzero((community_code == code) & residential)
        if len(members) == 0:
            continue
        community_kind = kind[members[0]]
        weight = population[members] / population[members].sum() if population[members].sum() else None
        if community_kind != "industrial" or rng.random() < 0.3:
            rows.append((int(rng.choice(members, p=weight)), "party_service_center", 0))
        stations = {"old": (1, 3), "new": (0, 2), "resettled": (0, 2), "mixed": (0, 1), "industrial": (0, 0)}[
            community_kind
        ]
        for _ in range(int(rng.integers(stations[0], stations[1] + 1))):
            rows.append((int(rng.choice(members, p=weight)), "red_station", 0))
        if (
            rng.random()
            < {"old": 0.8, "mixed": 0.8, "new": 0.5, "resettled": 0.5, "industrial": 0.2}[community_kind]
        ):
            rows.append((int(rng.choice(members, p=weight)), "convenience_station", 0))
    grid = np.array([r[0] for r in rows], dtype=np.int64)
    pick = buildings.first[grid] + (rng.random(len(grid)) * buildings.count[grid]).astype(np.int64)
    point_names: list[str] = []
    for (g, point_type, _), building in zip(rows, buildings.number[pick], strict=True):
        community = str(community_name[g])
        if point_type == "party_service_center":
            point_names.append(f"{community}党群服务中心")
        elif point_type == "red_station":
            point_names.append(f"{community}{themes[int(rng.integers(len(themes)))]}红色驿站（{building}幢）")
        else:
            point_names.append(f"{community}便民服务站")
    return pl.DataFrame(
        {
            "point_id": [f"SP{i:04d}" for i in range(1, len(rows) + 1)],
            "name": point_names,
            "point_type": [r[1] for r in rows],
            "lon": buildings.lon[pick],
            "lat": buildings.lat[pick],
            "grid_code": grids.get_column("grid_code").gather(grid),
        }
    )
