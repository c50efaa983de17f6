"""Cached access to the dataset and to the numbers pages show.

The dataset is loaded once per data root and file version; derived numbers are cached
per selection, so switching pages or filters back and forth costs nothing.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any

import folium
import polars as pl
import streamlit as st

from dashboard import closed_loop, maps, overview, volunteers
from dashboard.core.loading import Dataset, load_dataset
from dashboard.core.periods import Period
from dashboard.core.selection import Selection
from dashboard.i18n import Lang
from dashboard.metrics import METRICS, compute
from dashboard.outputs import demo_mode

WATCHED = ("geo", "data", "dashboard.toml")
# Files under the watched folders that are not data: saving an import mapping reloads nothing.
NOT_DATA = ("data/mappings",)


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


@st.cache_resource(show_spinner=False, max_entries=4)
def _load(root: str, stamp: tuple[tuple[str, int, int], ...]) -> Dataset:
    # ``stamp`` is part of the cache key (no leading underscore): a changed file loads anew.
    del stamp
    return load_dataset(Path(root))


def dataset(root: Path) -> Dataset:
    """The validated dataset (raises ``DataError``; errors are not cached)."""
    return _load(str(root), version(root))


@st.cache_resource(show_spinner=False, max_entries=8)
def _session_view(
    _data: Dataset, key: tuple[object, ...], demo: bool, _aliases: demo_mode.Aliases
) -> Dataset:
    return demo_mode.session_view(_data, demo=demo, aliases=_aliases)


def session_view(data: Dataset, demo: bool, aliases: demo_mode.Aliases) -> Dataset:
    """The dataset this session shows (masked and renamed in demo mode; cached)."""
    if not demo:
        return data
    return _session_view(data, (str(data.root), version(data.root), aliases.key()), demo, aliases)


def source(data: Dataset) -> str:
    """The data root and the session's view of it (demo mode: masked, renamed), for cache keys."""
    return f"{data.root}{data.meta.get(demo_mode.VIEW_KEY, '')}"


def _key(data: Dataset, selection: Selection) -> tuple[str, str, tuple[str, ...]]:
    return (source(data), selection.period.key(), selection.community_codes)


@st.cache_data(show_spinner=False, max_entries=64)
def _totals(_data: Dataset, key: tuple[object, ...], _selection: Selection) -> pl.DataFrame:
    return overview.scope_totals(_data, _selection)


def totals(data: Dataset, selection: Selection) -> pl.DataFrame:
    return _totals(data, (*_key(data, selection), version(data.root)), selection)


@st.cache_data(show_spinner=False, max_entries=64)
def _league(_data: Dataset, key: tuple[object, ...], _selection: Selection) -> pl.DataFrame:
    return overview.league_table(_data, _selection)


def league(data: Dataset, selection: Selection) -> pl.DataFrame:
    return _league(data, (*_key(data, selection), version(data.root)), selection)


@st.cache_data(show_spinner=False, max_entries=64)
def _grid_values(_data: Dataset, key: tuple[object, ...], _selection: Selection) -> pl.DataFrame:
    # Every grid of the street, so the map keeps its context when communities are chosen.
    return compute(_data.issues, _data.units, "grid", _selection.period, _data.as_of, _data.settings).filter(
        ~pl.col("outside")
    )


def grid_values(data: Dataset, selection: Selection) -> pl.DataFrame:
    return _grid_values(data, (source(data), selection.period.key(), version(data.root)), selection)


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
            data.as_of,
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
    key = (source(data), selection.community_codes, version(data.root))
    return _area(data, key, selection.community_codes)


@st.cache_data(show_spinner=False, max_entries=32)
def _area(_data: Dataset, key: tuple[object, ...], codes: tuple[str, ...]) -> float:
    frame = _data.communities
    if codes:
        frame = frame[frame["community_code"].isin(list(codes))]
    return float(frame.to_crs(frame.estimate_utm_crs()).area.sum() / 1e6)


@st.cache_data(show_spinner=False, max_entries=32)
def _loop_league(_data: Dataset, key: tuple[object, ...], _selection: Selection, by: str) -> pl.DataFrame:
    return closed_loop.league(_data, _selection, by)  # type: ignore[arg-type]


def loop_league(data: Dataset, selection: Selection, by: str) -> pl.DataFrame:
    """The closed-loop league of the selected period (cached per selection)."""
    return _loop_league(data, (*_key(data, selection), version(data.root)), selection, by)


@st.cache_data(show_spinner=False, max_entries=32)
def _loop_series(_data: Dataset, key: tuple[object, ...], _selection: Selection, by: str) -> pl.DataFrame:
    return closed_loop.monthly_series(_data, _selection, by, months=24)  # type: ignore[arg-type]


def loop_series(data: Dataset, selection: Selection, by: str) -> pl.DataFrame:
    """24 months of every metric per unit, ending with the selected period (cached)."""
    return _loop_series(data, (*_key(data, selection), version(data.root)), selection, by)


@st.cache_resource(show_spinner=False, max_entries=4)
def _coverage_layers(_data: Dataset, key: tuple[object, ...]) -> tuple[object, object, object]:
    points = _data.service_points
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
        volunteers.uncovered(_data.grids, points),
        volunteers.suggest_site(_data.grids, points),
    )


def coverage_layers(data: Dataset) -> tuple[Any, Any, Any]:
    """Walking circles, uncovered areas and the suggested site (they depend on the data only: cached)."""
    return _coverage_layers(data, (source(data), version(data.root)))


@st.cache_data(show_spinner=False, max_entries=32)
def _volunteer_metrics(_data: Dataset, key: tuple[object, ...], by: str, _period: Period) -> pl.DataFrame:
    return volunteers.volunteer_metrics(_data, by, _period)  # type: ignore[arg-type]


def volunteer_metrics(data: Dataset, by: str, period: Period) -> pl.DataFrame:
    """Volunteer metrics per unit for a period (cached)."""
    return _volunteer_metrics(data, (source(data), period.key(), version(data.root)), by, period)


_REPORTS: OrderedDict[tuple[object, ...], bytes] = OrderedDict()
_REPORTS_LOCK = threading.Lock()
MAX_REPORTS = 8


def report_bytes(data: Dataset, selection: Selection, fmt: str) -> bytes:
    """The monthly report of the selection as ``pptx`` or ``pdf`` bytes, cached per data version,
    period, communities, language and format.

    A download button calls this when clicked, on a thread of its own where streamlit's
    caches have no script context: so a small cache of our own, behind a lock.
    """
    from dashboard.outputs.report import build_report, render  # matplotlib and python-pptx: load on first use

    key = (
        source(data),
        version(data.root),
        selection.period.key(),
        selection.community_codes,
        selection.lang,
        fmt,
    )
    with _REPORTS_LOCK:
        if key in _REPORTS:
            _REPORTS.move_to_end(key)
            return _REPORTS[key]
    content = build_report(data, selection.period, selection.lang, selection.community_codes)
    payload = render(content, fmt)
    with _REPORTS_LOCK:
        _REPORTS[key] = payload
        while len(_REPORTS) > MAX_REPORTS:
            _REPORTS.popitem(last=False)
    return payload
