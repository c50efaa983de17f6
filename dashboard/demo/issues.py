"""Demo issues: when, where and what residents report, and how each case runs the closed loop."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import polars as pl
from numpy.typing import NDArray
from shapely.geometry import MultiPolygon, Polygon

from dashboard.core import schema
from dashboard.demo import names, sampling, texts, timeline, vocabulary
from dashboard.demo.layout import Buildings, Layout
from dashboard.demo.profiles import Profiles
from dashboard.demo.timeline import DAY, HOUR

Floats = NDArray[np.float64]
Ints = NDArray[np.int64]
Bools = NDArray[np.bool_]

SOURCE: Final = {name: i for i, name in enumerate(schema.SOURCES)}
STATUS: Final = {name: i for i, name in enumerate(schema.STATUSES)}
GRID, COMMUNITY, STREET, DEPARTMENT = range(4)
MISSING: Final = np.iinfo(np.int64).min  # "no timestamp" in epoch-second arrays

NO_GRID_SHARE: Final = 0.01  # issues that arrive with only a point, no grid code
OUTSIDE_SHARE: Final = 0.001  # of all issues: points just outside every grid


def choice_by_group(group: Ints, probs: Floats, rng: np.random.Generator) -> Ints:
    """For each row, an index drawn from ``probs[group[row]]`` (rows of weights, any scale)."""
    out = np.empty(len(group), dtype=np.int64)
    order = np.argsort(group, kind="stable")
    bounds = np.flatnonzero(np.diff(group[order])) + 1
    for rows in np.split(order, bounds):
        if len(rows) == 0:
            continue
        weights = probs[group[rows[0]]]
        out[rows] = rng.choice(len(weights), size=len(rows), p=weights / weights.sum())
    return out


def lognormal(median: Floats | float, sigma: Floats | float, rng: np.random.Generator, n: int) -> Floats:
    """Lognormal draws with the given median(s) and log-sigma(s)."""
    return np.asarray(median) * np.exp(np.asarray(sigma) * rng.standard_normal(n))


@dataclass(frozen=True)
class Reports:
    """What, when and where: one entry per issue, before the lifecycle."""

    reported: Ints
    category: Ints
    source: Ints
    grid: Ints
    urgent: Bools


def draw_reports(
    n: int, layout: Layout, profiles: Profiles, community: Ints, rng: np.random.Generator
) -> Reports:
    """Report times with season, weekday, holiday and hour rhythms; categories, sources and grids."""
    specs = vocabulary.specs()
    days = timeline.calendar_days()
    n_days = len(days)
    month_of_year = np.array([d.month - 1 for d in days])
    growth = 1.0 + 0.12 * np.arange(n_days) / n_days  # more reports as the mini-program catches on
    day_weight = growth * np.array(
        [timeline.WEEKDAY_FACTOR[d.weekday()] * timeline.holiday_factor(d) for d in days]
    )
    season = vocabulary.matrix([s.season for s in specs])
    share = np.array([s.share for s in specs])
    joint = day_weight[:, None] * share[None, :] * season[:, month_of_year].T
    flat = rng.choice(joint.size, size=n, p=(joint / joint.sum()).ravel())
    day, category = np.divmod(flat, len(specs))

    rest = np.array([timeline.is_rest_day(d) for d in days])[day]
    base = vocabulary.matrix([s.sources for s in specs])
    source_probs = np.vstack([base, base * np.asarray(vocabulary.REST_DAY_SOURCE)])
    source = choice_by_group(category + len(specs) * rest, source_probs, rng)

    grid = choice_by_group(category, grid_weights(layout, profiles, community, rng).T, rng)

    profile_names = list(vocabulary.HOURS)
    hours = vocabulary.matrix([vocabulary.HOURS[k] for k in profile_names])
    noise = (category == vocabulary.CATEGORIES.index("噪音扰民")) & np.isin(
        source, [SOURCE["hotline"], SOURCE["app"]]
    )
    hour_group = np.where(noise, profile_names.index("noise"), source)
    hour = choice_by_group(hour_group, hours, rng)
    reported = timeline.day_starts()[day] + hour * HOUR + rng.integers(0, HOUR, n)

    urgent_share = np.array([s.urgent for s in specs])[category]
    urgent_share = np.where(source == SOURCE["sensor"], 0.7, urgent_share)
    urgent = rng.random(n) < urgent_share
    return Reports(reported=reported, category=category, source=source, grid=grid, urgent=urgent)


def grid_weights(layout: Layout, profiles: Profiles, community: Ints, rng: np.random.Generator) -> Floats:
    """Issue weights (grids × categories): residents plus activity, with hot spots by land use."""
    grids = layout.grids
    uses = grids.get_column("land_use").to_list()
    kinds = grids.get_column("community_type").to_list()
    activity = grids.get_column("population").to_numpy() + np.array(
        [vocabulary.EXTRA_ACTIVITY[u] for u in uses]
    )
    specs = vocabulary.specs()
    factor = np.array(
        [
            [s.by_type.get(k, 1.0) * s.by_use.get(u, 1.0) for s in specs]
            for u, k in zip(uses, kinds, strict=True)
        ]
    )
    spread = rng.lognormal(0.0, 0.35, (len(uses), 1)) * rng.lognormal(0.0, 0.3, factor.shape)
    weights = activity[:, None] * factor * spread * profiles.volume[community][:, None]
    return np.asarray(weights, dtype=np.float64)


@dataclass(frozen=True)
class Lifecycle:
    """Epoch-second times (``MISSING`` when absent), status and handling of each issue."""

    accepted: Ints
    dispatched: Ints
    resolved: Ints
    closed: Ints
    due: Ints
    status: Ints
    level: Ints  # -1 when not finished
    department: Ints  # -1 when not with a department
    rework: Ints
    satisfaction: Ints  # -1 when not rated


def run_lifecycle(
    reports: Reports, community: Ints, profiles: Profiles, rng: np.random.Generator
) -> Lifecycle:
    """Accept, assess, handle, check, close and call back each issue, then freeze it at END."""
    n = len(reports.reported)
    month = (reports.reported - timeline.seconds(timeline.START)) / (30.4375 * DAY)
    as_of = timeline.seconds(timeline.END) - 1
    level = draw_levels(reports, rng)
    fate = draw_fates(reports, community, profiles, month, rng)
    level = np.where(fate.hard & (level == GRID), COMMUNITY, level)
    escalated = level >= STREET
    accepted = accept_times(reports, community, profiles, month, rng)
    dispatched = accepted + (lognormal(1.5, 0.8, rng, n) * HOUR).astype(np.int64)
    dispatched = np.where(escalated, timeline.to_working_hours(dispatched, rng), MISSING)
    hours = handling_hours(reports, level, fate.hard, community, profiles, month, rng)
    started = np.where(escalated, dispatched, accepted)
    first_done = started + np.maximum(hours * HOUR, 300).astype(np.int64)
    first_done = np.where(reports.urgent, first_done, timeline.to_working_hours(first_done, rng))
    rework, resolved = field_check(reports, level, fate.hard, community, profiles, hours, first_done, rng)
    close_median = np.where(level == GRID, 2.0, 5.0)
    closed = timeline.to_working_hours(
        resolved + (lognormal(close_median, 0.9, rng, n) * HOUR).astype(np.int64), rng
    )
    due = due_times(reports, escalated)
    department = choice_by_group(reports.category, vocabulary.department_matrix(), rng)
    status, rework = freeze(
        as_of,
        accepted,
        dispatched,
        first_done,
        resolved,
        closed,
        rework,
        fate.invalid,
        fate.deferred,
        fate.stuck,
        rng,
    )
    accepted, dispatched, resolved, closed = (
        np.where(t <= as_of, t, MISSING) for t in (accepted, dispatched, resolved, closed)
    )
    unfinished = ~np.isin(status, [STATUS["resolved"], STATUS["closed"]])
    resolved = np.where(unfinished, MISSING, resolved)
    closed = np.where(status == STATUS["closed"], closed, MISSING)
    dispatched = np.where(fate.invalid, MISSING, dispatched)
    with_department = (level == DEPARTMENT) & (dispatched != MISSING)
    satisfaction = rate(reports, community, profiles, month, status, rework, resolved, due, level, rng)
    return Lifecycle(
        accepted=accepted,
        dispatched=dispatched,
        resolved=resolved,
        closed=closed,
        due=due,
        status=status,
        level=np.where(~unfinished, level, -1),
        department=np.where(with_department, department, -1),
        rework=rework,
        satisfaction=satisfaction,
    )


def draw_levels(reports: Reports, rng: np.random.Generator) -> Ints:
    """Where each issue gets handled: hotline cases escalate more, sensor alarms stay in the grid."""
    levels = vocabulary.matrix([s.levels for s in vocabulary.specs()])
    tilt = np.ones((len(schema.SOURCES), 4))
    tilt[SOURCE["hotline"]] = (0.8, 1.25, 1.2, 1.2)
    tilt[SOURCE["sensor"]] = (1.6, 0.5, 0.2, 0.4)
    level_probs = (levels[:, None, :] * tilt[None, :, :]).reshape(-1, 4)
    return choice_by_group(reports.category * len(schema.SOURCES) + reports.source, level_probs, rng)


@dataclass(frozen=True)
class Fates:
    """Issues that do not run the usual course."""

    invalid: Bools  # not a real matter: closed as invalid
    deferred: Bools  # postponed by decision
    hard: Bools  # take weeks and go up at least to the community
    stuck: Bools  # hard cases never resolved: the chronic backlog


def draw_fates(
    reports: Reports, community: Ints, profiles: Profiles, month: Floats, rng: np.random.Generator
) -> Fates:
    """Invalid reports, deferred matters, hard cases that stay open, and (``False`` everywhere) the rest."""
    specs = vocabulary.specs()
    n = len(reports.reported)
    cat, src = reports.category, reports.source
    invalid = rng.random(n) < np.asarray(vocabulary.INVALID_SHARE)[src]
    deferred = ~invalid & (rng.random(n) < np.array([s.deferred for s in specs])[cat])
    stuck_factor = np.array([s.stuck for s in specs])[cat]
    hard_share = profiles.blend(profiles.stuck, community, month) * stuck_factor / stuck_factor.mean()
    hard = ~invalid & ~deferred & (rng.random(n) < np.minimum(hard_share, 0.9))
    stuck = hard & (rng.random(n) < profiles.blend(profiles.permanent, community, month))
    return Fates(invalid=invalid, deferred=deferred, hard=hard, stuck=stuck)


def accept_times(
    reports: Reports, community: Ints, profiles: Profiles, month: Floats, rng: np.random.Generator
) -> Ints:
    """Acceptance: minutes for patrols and sensors, hours for the hotline; a few wait for days."""
    n = len(reports.reported)
    src = reports.source
    accept_median = np.array([m for m, _ in vocabulary.ACCEPT_MINUTES])[src]
    accept_sigma = np.array([s for _, s in vocabulary.ACCEPT_MINUTES])[src]
    delay = lognormal(accept_median, accept_sigma, rng, n) * profiles.response[community] * 60
    late = rng.random(n) < profiles.blend(profiles.late_accept, community, month)
    delay = delay + late * rng.uniform(24, 60, n) * HOUR
    accepted = reports.reported + delay.astype(np.int64)
    office = (src != SOURCE["sensor"]) & ~reports.urgent
    return np.where(office, timeline.to_working_hours(accepted, rng), accepted)


def handling_hours(
    reports: Reports,
    level: Ints,
    hard: Bools,
    community: Ints,
    profiles: Profiles,
    month: Floats,
    rng: np.random.Generator,
) -> Floats:
    """Handling time: by level, the category's effort, the community's speed, urgency; hard cases drag on."""
    n = len(reports.reported)
    level_median = np.array([m for m, _ in vocabulary.LEVEL_HOURS])[level]
    level_sigma = np.array([s for _, s in vocabulary.LEVEL_HOURS])[level]
    effort = np.array([s.effort for s in vocabulary.specs()])[reports.category]
    speed = profiles.blend(profiles.speed, community, month)
    hours: Floats = lognormal(level_median, level_sigma, rng, n) * effort * speed
    hours *= np.where(reports.urgent, 0.35, 1.0) * np.where(reports.source == SOURCE["sensor"], 0.3, 1.0)
    hours += hard * lognormal(25 * 24.0, 0.9, rng, n)  # hard cases drag on for weeks
    return hours


def field_check(
    reports: Reports,
    level: Ints,
    hard: Bools,
    community: Ints,
    profiles: Profiles,
    hours: Floats,
    first_done: Ints,
    rng: np.random.Generator,
) -> tuple[Ints, Ints]:
    """Field check (核查): a few fail and go back for rework, which takes longer. Reworks and resolution times."""
    n = len(reports.reported)
    rework_share = (
        0.03 * profiles.rework[community] * np.where(level == DEPARTMENT, 1.5, 1.0) * np.where(hard, 3.0, 1.0)
    )
    rework = (rng.random(n) < rework_share).astype(np.int64) * np.where(rng.random(n) < 0.2, 2, 1)
    check = (lognormal(4.0, 0.9, rng, n) * HOUR).astype(np.int64)
    redo = (hours * rng.uniform(0.5, 1.5, n) * HOUR).astype(np.int64) + check
    resolved = first_done + rework * redo
    resolved = np.where(reports.urgent | (rework == 0), resolved, timeline.to_working_hours(resolved, rng))
    return rework, resolved


def due_times(reports: Reports, escalated: Bools) -> Ints:
    """Deadlines: the category's time limit, or its dispatch days when escalated; shorter when urgent."""
    specs = vocabulary.specs()
    cat = reports.category
    limit_hours = np.where(
        escalated,
        np.array([s.dispatch_days * 24 for s in specs])[cat],
        np.array([s.limit_hours for s in specs])[cat],
    )
    limit_hours = np.where(reports.urgent, np.minimum(limit_hours, np.where(escalated, 72, 12)), limit_hours)
    return reports.reported + (limit_hours * HOUR).astype(np.int64)


def freeze(
    as_of: int,
    accepted: Ints,
    dispatched: Ints,
    first_done: Ints,
    resolved: Ints,
    closed: Ints,
    rework: Ints,
    invalid: Bools,
    deferred: Bools,
    stuck: Bools,
    rng: np.random.Generator,
) -> tuple[Ints, Ints]:
    """Each issue's status at ``as_of`` and the reworks it has had by then."""
    n = len(accepted)
    escalated = dispatched != MISSING
    status = np.full(n, STATUS["closed"], dtype=np.int64)
    status[closed > as_of] = STATUS["resolved"]
    open_now = resolved > as_of
    in_rework = open_now & (rework > 0) & (first_done <= as_of)
    status[open_now] = STATUS["in_progress"]
    fresh_dispatch = open_now & escalated & (as_of - dispatched < DAY)
    status[fresh_dispatch] = STATUS["dispatched"]
    status[in_rework] = STATUS["returned"]
    # The chronic backlog (never resolved): with a department, in progress, or back for rework.
    draw = rng.random(n)
    stuck_status = np.where(
        draw < 0.2,
        STATUS["returned"],
        np.where(escalated & (draw > 0.7), STATUS["dispatched"], STATUS["in_progress"]),
    )
    status = np.where(stuck, stuck_status, status)
    rework = np.where(stuck, (stuck_status == STATUS["returned"]).astype(np.int64), rework)
    rework = np.where(open_now & ~in_rework & ~stuck, 0, rework)
    status = np.where(deferred, STATUS["deferred"], status)
    status = np.where(invalid, STATUS["invalid"], status)
    rework = np.where(invalid | deferred, 0, rework)
    status = np.where(escalated & (dispatched > as_of) & ~invalid, STATUS["accepted"], status)
    status = np.where(accepted > as_of, STATUS["reported"], status)
    return status, rework


def rate(
    reports: Reports,
    community: Ints,
    profiles: Profiles,
    month: Floats,
    status: Ints,
    rework: Ints,
    resolved: Ints,
    due: Ints,
    level: Ints,
    rng: np.random.Generator,
) -> Ints:
    """Call-back ratings (index into schema.SATISFACTION, -1 unrated) for closed issues."""
    n = len(status)
    rated = (status == STATUS["closed"]) & (
        rng.random(n) < np.asarray(vocabulary.RATED_SHARE)[reports.source]
    )
    overdue = resolved > due
    unsatisfied = profiles.blend(profiles.unsatisfied, community, month) + 0.1 * (rework > 0) + 0.06 * overdue
    unsatisfied = unsatisfied + 0.03 * (level == DEPARTMENT)
    basic = profiles.basic[community] + 0.05 * overdue
    draw = rng.random(n)
    grade = np.where(draw < unsatisfied, 2, np.where(draw < unsatisfied + basic, 1, 0))
    return np.where(rated, grade, -1).astype(np.int64)


def datetimes(seconds: Ints) -> pl.Series:
    """A Datetime("us") series from epoch seconds (``MISSING`` becomes null)."""
    return pl.Series(seconds.astype("datetime64[s]").astype("datetime64[us]"))


def labels(codes: Ints, table: tuple[str, ...] | list[str]) -> pl.Series:
    """Strings for integer codes; negative codes become null."""
    values = pl.Series(list(table), dtype=pl.String).gather(np.maximum(codes, 0))
    return pl.select(pl.when(pl.Series(codes >= 0)).then(values)).to_series()


def _gather(values: list[str], index: Ints) -> pl.Series:
    return pl.Series(values, dtype=pl.String).gather(index)


def describe(category: Ints, source: Ints, building: Ints, rng: np.random.Generator) -> pl.Series:
    """A short description per issue from its category's templates, naming its building and flat.

    Sensor reports read like alarms (智能烟感报警：…) where the category has sensor templates.
    """
    templates: list[str] = []
    n_categories = len(vocabulary.CATEGORIES)
    offset = np.zeros(2 * n_categories, dtype=np.int64)
    count = np.zeros(2 * n_categories, dtype=np.int64)
    for k, name in enumerate(vocabulary.CATEGORIES):
        for group, table in enumerate((texts.DESCRIPTIONS, texts.SENSOR_DESCRIPTIONS)):
            lines = table.get(name, texts.DESCRIPTIONS[name])
            offset[k + group * n_categories], count[k + group * n_categories] = len(templates), len(lines)
            templates.extend(lines)
    group = category + n_categories * (source == SOURCE["sensor"])
    pick = offset[group] + (rng.random(len(category)) * count[group]).astype(np.int64)
    flat = rng.integers(1, 19, len(category)) * 100 + rng.integers(1, 5, len(category))
    frame = pl.DataFrame({"t": _gather(templates, pick), "b": building, "r": flat})
    return frame.select(
        pl.col("t")
        .str.replace("{b}", pl.col("b").cast(pl.String), literal=True)
        .str.replace("{r}", pl.col("r").cast(pl.String), literal=True)
    ).to_series()


def issue_ids(reported: Ints, order_key: Ints) -> tuple[Ints, pl.Series]:
    """Row order by report time, and ids like SJ2026100100123 (date + running number that day)."""
    order = np.lexsort((order_key, reported))
    day = reported[order] // DAY
    first = np.r_[0, np.flatnonzero(np.diff(day)) + 1]
    sequence = np.arange(len(order)) - np.repeat(first, np.diff(np.r_[first, len(order)])) + 1
    frame = pl.DataFrame({"d": datetimes(reported[order]), "s": sequence})
    ids = frame.select(
        pl.concat_str(
            [pl.lit("SJ"), pl.col("d").dt.strftime("%Y%m%d"), pl.col("s").cast(pl.String).str.zfill(5)]
        )
    ).to_series()
    return order.astype(np.int64), ids


def generate_issues(
    n: int,
    layout: Layout,
    buildings: Buildings,
    profiles: Profiles,
    area: Polygon | MultiPolygon,
    rng: np.random.Generator,
    with_text: bool = True,
) -> pl.DataFrame:
    """``n`` issues over the demo period for ``layout``'s grids, sorted by reported_at then issue_id."""
    grids = layout.grids
    community = np.searchsorted(profiles.codes, grids.get_column("community_code").to_numpy())
    reports = draw_reports(n, layout, profiles, community, rng)
    issue_community = community[reports.grid]
    life = run_lifecycle(reports, issue_community, profiles, rng)

    pick = buildings.first[reports.grid] + (rng.random(n) * buildings.count[reports.grid]).astype(np.int64)
    lon, lat = sampling.jitter(
        buildings.lon[pick], buildings.lat[pick], 15.0, layout.polygons[reports.grid], rng
    )
    no_grid = rng.random(n) < NO_GRID_SHARE
    outside = np.flatnonzero(no_grid)[: max(1, round(n * OUTSIDE_SHARE))]
    lon[outside], lat[outside] = sampling.outside(area, len(outside), rng)
    grid_code = labels(np.where(no_grid, -1, reports.grid), grids.get_column("grid_code").to_list())

    frame = pl.DataFrame(
        {
            "category": _gather(list(vocabulary.CATEGORIES), reports.category),
            "grid_code": grid_code,
            "lon": lon,
            "lat": lat,
            "status": _gather(list(schema.STATUSES), life.status),
            "source": _gather(list(schema.SOURCES), reports.source),
            "reported_at": datetimes(reports.reported),
            "accepted_at": datetimes(life.accepted),
            "dispatched_at": datetimes(life.dispatched),
            "resolved_at": datetimes(life.resolved),
            "closed_at": datetimes(life.closed),
            "due_at": datetimes(life.due),
            "resolved_level": labels(life.level, schema.LEVELS),
            "department": labels(life.department, vocabulary.DEPARTMENTS),
            "satisfaction": labels(life.satisfaction, schema.SATISFACTION),
            "rework_count": pl.Series(life.rework, dtype=pl.Int32),
            "urgent": reports.urgent,
        }
    )
    if with_text:
        frame = frame.with_columns(
            description=describe(reports.category, reports.source, buildings.number[pick], rng),
            address=addresses(grids, reports.grid, buildings.number[pick], outside, rng),
            **reporters(reports.source, rng),
        )
    order, ids = issue_ids(reports.reported, rng.permutation(n).astype(np.int64))
    columns = list(schema.ISSUE_CORE_COLUMNS)
    if with_text:
        columns += schema.ISSUE_TEXT_COLUMNS
    return frame[order].with_columns(issue_id=ids).select(columns)


def addresses(
    grids: pl.DataFrame, grid: Ints, building: Ints, outside: Ints, rng: np.random.Generator
) -> pl.Series:
    """ "春晓社区 12幢" for housing, "春晓社区农贸市场" for landmarks, a road number outside the street."""
    landmark = grids.get_column("land_use").replace_strict(texts.LANDMARKS, default="").to_numpy()[grid]
    frame = pl.DataFrame(
        {"c": grids.get_column("community_name").to_numpy()[grid], "l": landmark, "b": building}
    )
    text = frame.select(
        pl.when(pl.col("l") == "")
        .then(pl.concat_str([pl.col("c"), pl.lit(" "), pl.col("b").cast(pl.String), pl.lit("幢")]))
        .otherwise(pl.concat_str(["c", "l"]))
    ).to_series()
    road = rng.integers(0, len(names.ROAD_NAMES), len(outside))
    number = rng.integers(1, 400, len(outside))
    near = [f"{names.ROAD_NAMES[r]}{k}号附近" for r, k in zip(road, number, strict=True)]
    return text.scatter(outside, near) if len(outside) else text


def reporters(source: Ints, rng: np.random.Generator) -> dict[str, pl.Series]:
    """Fictional reporter names and phones; none for grid-worker patrols and sensors."""
    n = len(source)
    anonymous = np.isin(source, [SOURCE["grid_patrol"], SOURCE["sensor"]])
    name = names.person_names(n, rng)
    phone = names.phones(n, rng)
    mask = pl.Series(anonymous)
    return {
        "reporter_name": pl.select(pl.when(mask).then(None).otherwise(name)).to_series(),
        "reporter_phone": pl.select(pl.when(mask).then(None).otherwise(phone)).to_series(),
    }
