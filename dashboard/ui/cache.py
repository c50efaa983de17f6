"""Cached access to the dataset and to the numbers pages show.

The dataset is loaded once per data root and file version; derived numbers are cached
per selection, so switching pages or filters back and forth costs nothing. Every cache
goes through :func:`cached`, which keys a computation on :func:`cache_key` of its arguments:
a dataset by its source (root and demo-mode view) and its data version, which
:func:`dataset` takes once per script run and stamps on the dataset it returns.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import inspect
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import Any, Final, Literal, ParamSpec, TypeVar

import folium
import polars as pl
import streamlit as st

from dashboard import closed_loop, maps, overview, volunteers
from dashboard.access import SCOPE_KEY, Scope, cut_to_scope
from dashboard.core.basis import as_basis, measured_at
from dashboard.core.loading import Dataset, load_dataset
from dashboard.core.periods import Period
from dashboard.core.selection import Selection
from dashboard.i18n import Lang
from dashboard.ingest import store
from dashboard.metrics import METRICS, Unit, compute
from dashboard.outputs import demo_mode
from dashboard.volunteers import UnitBy

P = ParamSpec("P")
R = TypeVar("R")

WATCHED = ("geo", "data", "dashboard.toml")
# Files under the watched folders that are not data: saving an import mapping reloads nothing.
NOT_DATA = ("data/mappings",)
VERSION_KEY: Final = "files_fingerprint"
"""Key in :attr:`Dataset.meta`: the :func:`fingerprint` of the files the dataset was loaded from."""


def version(root: Path) -> tuple[tuple[str, int, int], ...]:
    """A cheap fingerprint of the data root: names, sizes and mtimes of its files."""
    stamp: list[tuple[str, int, int]] = []
    for name in WATCHED:
        path = root / name
        files = sorted(path.rglob("*")) if path.is_dir() else [path]
        for file in files:
            if file.is_file() and not str(file.relative_to(root)).startswith(NOT_DATA):
                info = file.stat()
                stamp.append((str(file.relative_to(root)), info.st_size, info.st_mtime_ns))
    return tuple(stamp)


def fingerprint(root: Path) -> str:
    """:func:`version` as a short digest: one walk over the data root's files."""
    return hashlib.sha256(repr(version(root)).encode()).hexdigest()[:16]


def source(data: Dataset) -> str:
    """The data root, the viewer's scope and the session's view of it (masked, renamed), for cache keys."""
    return f"{data.root}|{data.meta.get(SCOPE_KEY, 'all')}{data.meta.get(demo_mode.VIEW_KEY, '')}"


def data_version(data: Dataset) -> str:
    """The fingerprint of the files ``data`` came from.

    Stamped by :func:`dataset` when it loaded them (once per script run); a dataset loaded
    another way (a test, the command line) is fingerprinted now.
    """
    stamp = data.meta.get(VERSION_KEY)
    return stamp if isinstance(stamp, str) else fingerprint(data.root)


def cache_key(*values: object) -> tuple[Hashable, ...]:
    """The hashable form of a cached computation's arguments; the dataset itself is never hashed.

    A dataset stands for its :func:`source` and :func:`data_version` (demo-mode views differ per
    session, and a changed file must load anew); a selection for its period and communities
    (the numbers do not depend on the language: what does takes the language as an argument of
    its own); a period for its key; aliases for theirs; a path for its text; text, numbers,
    ``None`` and tuples of them as they are. Anything else is refused (``TypeError``).
    """
    return tuple(_key_part(value) for value in values)


def _key_part(value: object) -> Hashable:
    if isinstance(value, Dataset):
        return (source(value), data_version(value))
    if isinstance(value, Selection):
        return (value.period.key(), value.community_codes, value.basis)
    if isinstance(value, Period | demo_mode.Aliases):
        return value.key()
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, tuple):
        return cache_key(*value)
    if value is None or isinstance(value, str | int | float | bool):
        return value
    msg = f"a {type(value).__name__} is no cache key: name its parameter with a leading _ to leave it out"
    raise TypeError(msg)


def cached(
    kind: Literal["data", "resource"] = "data", max_entries: int = 32
) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Cache a computation in streamlit's ``cache_data`` (copies) or ``cache_resource`` (shared objects).

    The key is :func:`cache_key` of the arguments, those whose parameter name starts with
    ``_`` left out (as in streamlit: e.g. uploaded bytes that a hash argument stands for).
    """

    def decorate(func: Callable[P, R]) -> Callable[P, R]:
        signature = inspect.signature(func)

        def compute(key: tuple[Hashable, ...], _args: tuple[Any, ...], _kwargs: dict[str, Any]) -> R:
            del key  # the cache's key only
            return func(*_args, **_kwargs)

        # Streamlit tells caches apart by module, name and source: the source of ``func``, not of ``compute``.
        code = hashlib.sha256(inspect.getsource(func).encode()).hexdigest()[:12]
        compute.__module__ = func.__module__
        compute.__qualname__ = f"{func.__qualname__}[{code}]"
        store = (st.cache_data if kind == "data" else st.cache_resource)(
            show_spinner=False, max_entries=max_entries
        )(compute)

        @functools.wraps(func)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            bound = signature.bind(*args, **kwargs)
            bound.apply_defaults()
            key = cache_key(*(v for name, v in bound.arguments.items() if not name.startswith("_")))
            return store(key, args, kwargs)

        return wrapper

    return decorate


def dataset(root: Path) -> Dataset:
    """The validated dataset (raises ``DataError``; errors are not cached).

    The data root is fingerprinted here (the frame calls this once per script run): a changed
    file loads anew, and the dataset carries the fingerprint (:data:`VERSION_KEY`) that every
    cache below keys on, so nothing else walks the data root's files.
    """
    store.settle(root)  # a killed import or restore is finished before anything is read
    return _load(root, fingerprint(root))


@cached("resource", max_entries=4)
def _load(root: Path, stamp: str) -> Dataset:
    loaded = load_dataset(root)
    return dataclasses.replace(loaded, meta={**loaded.meta, VERSION_KEY: stamp})


def viewed(data: Dataset, scope: Scope, masked: bool) -> Dataset:
    """The dataset cut to a viewer's scope, and with personal data masked when ``masked`` (cached).

    Both marks go into the dataset's :func:`source`, so no cached number of one scope or view is
    served to another.
    """
    if scope.everything and not masked:
        return data
    return _viewed(data, scope.key(), masked)


@cached("resource", max_entries=16)
def _viewed(data: Dataset, scope_key: str, masked: bool) -> Dataset:
    cut = cut_to_scope(data, Scope.parse(scope_key))
    return demo_mode.masked(cut) if masked else cut


def session_view(data: Dataset, demo: bool, aliases: demo_mode.Aliases) -> Dataset:
    """The dataset this session shows (masked and renamed in demo mode; cached)."""
    if not demo:
        return data
    return _session_view(data, aliases)


@cached("resource", max_entries=8)
def _session_view(data: Dataset, aliases: demo_mode.Aliases) -> Dataset:
    return demo_mode.session_view(data, demo=True, aliases=aliases)


@cached(max_entries=64)
def totals(data: Dataset, selection: Selection) -> pl.DataFrame:
    """Every metric for the whole selection: its period, the one before and the trailing months (cached)."""
    return overview.scope_totals(data, selection)


@cached(max_entries=64)
def league(data: Dataset, selection: Selection) -> pl.DataFrame:
    """The communities' league table of the selection (cached)."""
    return overview.league_table(data, selection)


def grid_values(data: Dataset, selection: Selection) -> pl.DataFrame:
    """Every grid of the street, so the map keeps its context when communities are chosen (cached per period)."""
    return _grid_values(data, selection.period, selection.basis)


@cached(max_entries=64)
def _grid_values(data: Dataset, period: Period, basis: str) -> pl.DataFrame:
    return _grid_table(data, period, basis).filter(~pl.col("outside"))


@cached(max_entries=64)
def _grid_table(data: Dataset, period: Period, basis: str) -> pl.DataFrame:
    """By grid, with the rows of issues placed only higher up (or outside every grid)."""
    as_of = measured_at(period, data.as_of, data.settings, as_basis(basis))
    return compute(data.issues, data.units, "grid", period, as_of, data.settings)


def unplaced_rows(data: Dataset, selection: Selection) -> pl.DataFrame:
    """The period's issues a grid map cannot show: placed only at community or street level, or outside every
    grid (one row per level; with communities chosen, only theirs)."""
    rows = _grid_table(data, selection.period, selection.basis).filter(
        pl.col("outside") & (pl.col("issue_count") > 0)
    )
    if selection.community_codes:
        rows = rows.filter(pl.col("community_code").is_in(list(selection.community_codes)))
    return rows


def grid_rows(data: Dataset, selection: Selection, metric_key: str) -> pl.DataFrame:
    """The grids of the chosen communities (all when none), worst first by the metric: problems on top."""
    values = grid_values(data, selection)
    if selection.community_codes:
        values = values.filter(pl.col("community_code").is_in(list(selection.community_codes)))
    return values.sort(
        [metric_key, "issue_count"],
        descending=[not METRICS[metric_key].higher_is_better, True],
        nulls_last=True,
    )


def grid_map(
    data: Dataset,
    selection: Selection,
    metric_key: str,
    lang: Lang,
    issues: pl.DataFrame | None = None,
    period: Period | None = None,
) -> folium.Map:
    """The grid choropleth; with ``issues``/``period``, of those issues (e.g. one category, one week)."""
    if issues is None and period is None:
        values = grid_values(data, selection)
    else:
        values = compute(
            data.issues if issues is None else issues,
            data.units,
            "grid",
            period or selection.period,
            measured_at(period or selection.period, data.as_of, data.settings, selection.basis),
            data.settings,
        ).filter(~pl.col("outside"))
    return maps.grid_map(
        data.grids,
        values,
        METRICS[metric_key],
        data.communities,
        data.streets,
        data.settings,
        lang,
        focus=selection.community_codes,
    )


def area_km2(data: Dataset, selection: Selection) -> float:
    """The area on screen: the chosen communities, else the whole data (for the heat cell size)."""
    return _area(data, selection.community_codes)


@cached(max_entries=32)
def _area(data: Dataset, codes: tuple[str, ...]) -> float:
    frame = data.communities
    if codes:
        frame = frame[frame["community_code"].isin(list(codes))]
    return float(frame.to_crs(frame.estimate_utm_crs()).area.sum() / 1e6)


@cached(max_entries=32)
def loop_league(data: Dataset, selection: Selection, by: Unit) -> pl.DataFrame:
    """The closed-loop league of the selected period (cached per selection)."""
    return closed_loop.league(data, selection, by)


@cached(max_entries=32)
def loop_series(data: Dataset, selection: Selection, by: Unit) -> pl.DataFrame:
    """24 months of every metric per unit, ending with the selected period (cached)."""
    return closed_loop.monthly_series(data, selection, by, months=24)


@cached("resource", max_entries=4)
def coverage_layers(data: Dataset) -> tuple[Any, Any, Any]:
    """Walking circles, uncovered areas and the suggested site (they depend on the data only: cached)."""
    points = data.service_points
    if points is None:
        points = pl.DataFrame(
            schema={
                "point_id": pl.String,
                "name": pl.String,
                "point_type": pl.String,
                "lon": pl.Float64,
                "lat": pl.Float64,
            }
        )
    return (
        volunteers.circles(points),
        volunteers.uncovered(data.grids, points),
        volunteers.suggest_site(data.grids, points),
    )


@cached(max_entries=32)
def volunteer_metrics(data: Dataset, by: UnitBy, period: Period) -> pl.DataFrame:
    """Volunteer metrics per unit for a period (cached)."""
    return volunteers.volunteer_metrics(data, by, period)


@cached()
def volunteers_above_grids(data: Dataset, period: Period, communities: tuple[str, ...]) -> pl.DataFrame:
    """Volunteers and hours placed only at community or street level (cached)."""
    return volunteers.placed_above_grids(data, period, communities=communities)


_REPORTS: OrderedDict[tuple[object, ...], bytes] = OrderedDict()
_REPORTS_LOCK = threading.Lock()
MAX_REPORTS = 8


def report_bytes(data: Dataset, selection: Selection, fmt: str) -> bytes:
    """The monthly report of the selection as ``pptx`` or ``pdf`` bytes, cached per data version,
    period, communities, language and format.

    A download button calls this when clicked, on a thread of its own where streamlit's
    caches have no script context: so a small cache of our own, behind a lock. A report made
    is published: its numbers are recorded in the data root's history (:mod:`dashboard.outputs.report.published`;
    a download served from this cache is the same publication, recorded once).
    """
    # matplotlib and python-pptx: load on first use
    from dashboard.outputs.report import build_report, published, render

    key = cache_key(data, selection, selection.lang, fmt)
    with _REPORTS_LOCK:
        if key in _REPORTS:
            _REPORTS.move_to_end(key)
            return _REPORTS[key]
    content = build_report(data, selection.period, selection.lang, selection.community_codes, selection.basis)
    payload = render(content, fmt)
    if content.published is not None:  # the numbers it publishes are kept (a warning when they cannot be)
        outcome = published.record(data, content.published)
        if outcome.error:
            logging.getLogger(__name__).warning(
                "published numbers not recorded in %s: %s", outcome.path, outcome.error
            )
    with _REPORTS_LOCK:
        _REPORTS[key] = payload
        while len(_REPORTS) > MAX_REPORTS:
            _REPORTS.popitem(last=False)
    return payload
