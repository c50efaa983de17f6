"""Configuration: targets, colour grades, time limits, the score, hot spots, the region, import limits, the tile server and accounts.

The defaults live in ``defaults.toml`` beside this module and nowhere else; a data root may
override them in its own ``dashboard.toml`` (same sections, see the README). A key that the
defaults do not have is an error, so a misspelt setting is never silently ignored. Nothing is
read at import time.
"""

from __future__ import annotations

import difflib
import os
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path
from typing import Any, Final, Literal

SETTINGS_FILE = "dashboard.toml"
DEFAULTS_FILE = "defaults.toml"

TileCrs = Literal["wgs84", "gcj02"]
TILE_CRS: Final[tuple[TileCrs, ...]] = ("wgs84", "gcj02")

# The grade colours: a palette of the dashboard, not something a data root tunes.
GRADE_COLORS: Final[Mapping[str, str]] = {
    "green": "#1a9850",
    "amber": "#f29e1f",
    "red": "#d73027",
    "none": "#bdbdbd",
}

# The metrics the composite score ([score]) may weigh: the rates of the metric registry.
# The core cannot import dashboard.metrics (it sits above the core), so the keys are named
# here and tests/test_settings.py checks them against dashboard.metrics.REGISTRY.
SCORE_METRICS: Final[tuple[str, ...]] = (
    "resolution_rate",
    "on_time_rate",
    "response_rate",
    "satisfaction_rate",
    "rework_rate",
    "grid_level_share",
    "community_level_share",
)

# Tables whose keys the user chooses (categories are open); every other key must be in the defaults.
OPEN_TABLES: Final[frozenset[str]] = frozenset({"metrics.category_limit_hours"})


@dataclass(frozen=True)
class TileServer:
    """A basemap tile server configured by the user; none by default (offline, empty ``url``)."""

    url: str
    attribution: str
    crs: TileCrs
    max_zoom: int

    @property
    def enabled(self) -> bool:
        return bool(self.url)


@dataclass(frozen=True)
class AccessSettings:
    """Accounts: the shortest password, and the lock after repeated failed sign-ins of one user name."""

    min_password_length: int
    # Failed sign-ins in a row before the name is locked.
    login_free_attempts: int
    # The first lock; it doubles with each further failure, up to the maximum.
    login_lock_seconds: float
    login_lock_max_seconds: float
    # Failures older than this are forgotten.
    login_failure_window_minutes: float
    # A sign-in lasts at most this long (the session cookie's life), and ends after this long unused.
    session_hours: float
    idle_minutes: float


@dataclass(frozen=True)
class Settings:
    """Everything a deployment may tune. Rates are fractions (0.9 = 90%).

    No field has a default here: :func:`default_settings` reads them from ``defaults.toml``.
    """

    target: float
    amber_floor: float
    small_sample: int
    response_limit_hours: float
    # Days after a period's end at which it is assessed (the assessment cut-off).
    assessment_grace_days: int
    default_limit_hours: float
    # Hours per category when an issue has no due_at.
    category_limit_hours: dict[str, float]
    colors: dict[str, str]
    tiles: TileServer
    # Points per metric in the composite score.
    score_weights: dict[str, float]
    # Import limits: the largest upload, what an archive may unpack to, the most rows a table may have
    # and the memory reading and checking one may take (estimated before it is read).
    max_upload_mb: float
    max_unpacked_mb: float
    max_rows: int
    max_memory_mb: float
    # Whole months of data needed before a period for emerging hot spots to be flagged in it.
    emerging_min_history_months: int
    # The region's (west, south, east, north) in degrees: for the lat/lon swap check and the outside note.
    region_bbox: tuple[float, float, float, float]
    # Accounts and sign-in (the [access] section).
    access: AccessSettings


@dataclass(frozen=True)
class _Table:
    """One table of the merged settings, read key by key with the type each key needs."""

    values: Mapping[str, Any]
    name: str  # dotted, for messages: "metrics", "metrics.category_limit_hours"
    source: str  # the file named in messages

    def _wrong(self, key: str, wanted: str) -> ValueError:
        value = self.values[key]
        return ValueError(f"{self.source}: '{self.name}.{key}' must be {wanted}, got {value!r}")

    def number(self, key: str) -> float:
        value = self.values[key]
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self._wrong(key, "a number")
        return float(value)

    def integer(self, key: str) -> int:
        value = self.values[key]
        if isinstance(value, bool) or not isinstance(value, int):
            raise self._wrong(key, "a whole number")
        return value

    def text(self, key: str) -> str:
        value = self.values[key]
        if not isinstance(value, str):
            raise self._wrong(key, "text in quotes")
        return value

    def numbers_list(self, key: str) -> list[float]:
        value = self.values[key]
        if not isinstance(value, list) or any(
            isinstance(v, bool) or not isinstance(v, int | float) for v in value
        ):
            raise self._wrong(key, "a list of numbers")
        return [float(v) for v in value]

    def table(self, key: str) -> _Table:
        return _Table(self.values[key], f"{self.name}.{key}", self.source)

    def numbers(self) -> dict[str, float]:
        """Every key of an open table, each a number."""
        return {str(key): self.number(key) for key in self.values}


def _defaults() -> dict[str, Any]:
    text = resources.files("dashboard.core").joinpath(DEFAULTS_FILE).read_text(encoding="utf-8")
    return tomllib.loads(text)


def _unknown(source: str, dotted: str, what: str, known: Iterable[str]) -> ValueError:
    """The error for a key the settings do not have, with the nearest known key when there is one."""
    names = list(known)
    close = difflib.get_close_matches(dotted.rpartition(".")[2], names, n=1)
    hint = f"did you mean '{close[0]}'? " if close else ""
    return ValueError(f"{source}: unknown {what} '{dotted}' ({hint}known: {', '.join(names)})")


def _check_keys(raw: Mapping[str, Any], known: Mapping[str, Any], source: str, prefix: str = "") -> None:
    """Raise ``ValueError`` naming the key and ``source`` for a key or section the defaults do not have.

    Tables in :data:`OPEN_TABLES` take any key; ``[score]`` takes the metrics of :data:`SCORE_METRICS`.
    """
    for key, value in raw.items():
        dotted = f"{prefix}{key}"
        if prefix == "score.":
            if key not in SCORE_METRICS:
                raise _unknown(source, dotted, "score metric", SCORE_METRICS)
            continue
        if key not in known:
            raise _unknown(source, dotted, "section" if isinstance(value, dict) else "key", known)
        if isinstance(known[key], dict):
            if not isinstance(value, dict):
                raise ValueError(f"{source}: '{dotted}' must be a table ([{dotted}])")
            if dotted not in OPEN_TABLES:
                _check_keys(value, known[key], source, f"{dotted}.")


def _merge(base: dict[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _tiles(table: _Table) -> TileServer:
    crs = table.text("crs")
    if crs not in TILE_CRS:
        raise ValueError(f"{table.source}: tiles.crs must be 'wgs84' or 'gcj02', got {crs!r}")
    return TileServer(
        url=table.text("url"),
        attribution=table.text("attribution"),
        crs="gcj02" if crs == "gcj02" else "wgs84",
        max_zoom=table.integer("max_zoom"),
    )


def settings_from_mapping(raw: Mapping[str, Any], source: str = SETTINGS_FILE) -> Settings:
    """Build settings from a ``dashboard.toml`` mapping laid over the packaged defaults.

    Raises ``ValueError`` naming the key and ``source`` for an unknown key or section, a value
    of the wrong type, or a value out of range.
    """
    defaults = _defaults()
    _check_keys(raw, defaults, source)
    merged = _merge(defaults, raw)
    metrics = _Table(merged["metrics"], "metrics", source)
    imports = _Table(merged["import"], "import", source)
    target, amber = metrics.number("target"), metrics.number("amber_floor")
    if not 0 < amber <= target <= 1:
        raise ValueError(f"{source}: need 0 < metrics.amber_floor <= metrics.target <= 1")
    max_upload, max_unpacked = imports.number("max_upload_mb"), imports.number("max_unpacked_mb")
    max_memory = imports.number("max_memory_mb")
    if max_upload <= 0 or max_unpacked <= 0 or max_memory <= 0:
        raise ValueError(
            f"{source}: import limits (import.max_upload_mb, import.max_unpacked_mb, import.max_memory_mb)"
            " must be positive"
        )
    return Settings(
        target=target,
        amber_floor=amber,
        small_sample=metrics.integer("small_sample"),
        response_limit_hours=metrics.number("response_limit_hours"),
        assessment_grace_days=_grace_days(metrics),
        default_limit_hours=metrics.number("default_limit_hours"),
        category_limit_hours=metrics.table("category_limit_hours").numbers(),
        colors=dict(GRADE_COLORS),
        tiles=_tiles(_Table(merged["tiles"], "tiles", source)),
        score_weights=_Table(merged["score"], "score", source).numbers(),
        max_upload_mb=max_upload,
        max_unpacked_mb=max_unpacked,
        max_rows=_max_rows(imports),
        max_memory_mb=max_memory,
        emerging_min_history_months=_min_history(_Table(merged["heat"], "heat", source)),
        region_bbox=_bbox(_Table(merged["region"], "region", source)),
        access=_access(_Table(merged["access"], "access", source)),
    )


def _access(table: _Table) -> AccessSettings:
    access = AccessSettings(
        min_password_length=table.integer("min_password_length"),
        login_free_attempts=table.integer("login_free_attempts"),
        login_lock_seconds=table.number("login_lock_seconds"),
        login_lock_max_seconds=table.number("login_lock_max_seconds"),
        login_failure_window_minutes=table.number("login_failure_window_minutes"),
        session_hours=table.number("session_hours"),
        idle_minutes=table.number("idle_minutes"),
    )
    if access.min_password_length < 8:
        raise ValueError(f"{table.source}: 'access.min_password_length' must be 8 or more")
    if access.login_free_attempts < 1:
        raise ValueError(f"{table.source}: 'access.login_free_attempts' must be 1 or more")
    if not 0 < access.login_lock_seconds <= access.login_lock_max_seconds:
        raise ValueError(
            f"{table.source}: need 0 < access.login_lock_seconds <= access.login_lock_max_seconds"
        )
    if access.login_failure_window_minutes <= 0:
        raise ValueError(f"{table.source}: 'access.login_failure_window_minutes' must be positive")
    if not 0 < access.idle_minutes <= access.session_hours * 60:
        raise ValueError(f"{table.source}: need 0 < access.idle_minutes <= access.session_hours * 60")
    return access


def _grace_days(metrics: _Table) -> int:
    days = metrics.integer("assessment_grace_days")
    if days < 0:
        raise ValueError(f"{metrics.source}: 'metrics.assessment_grace_days' must be 0 or more, got {days}")
    return days


def _max_rows(imports: _Table) -> int:
    rows = imports.integer("max_rows")
    if rows < 1:
        raise ValueError(f"{imports.source}: 'import.max_rows' must be 1 or more, got {rows}")
    return rows


def _min_history(heat: _Table) -> int:
    months = heat.integer("emerging_min_history_months")
    if months < 1:
        raise ValueError(f"{heat.source}: 'heat.emerging_min_history_months' must be 1 or more, got {months}")
    return months


def _bbox(region: _Table) -> tuple[float, float, float, float]:
    values = region.numbers_list("bbox")
    if len(values) != 4:
        raise ValueError(f"{region.source}: 'region.bbox' must be [west, south, east, north], got {values}")
    west, south, east, north = values
    if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
        raise ValueError(
            f"{region.source}: 'region.bbox' must be [west, south, east, north] in degrees, with west < east"
            f" and south < north, got {values}"
        )
    return west, south, east, north


def default_settings() -> Settings:
    """The packaged defaults (``defaults.toml``), as a data root without ``dashboard.toml`` gets them."""
    return settings_from_mapping({}, DEFAULTS_FILE)


def load_settings(root: Path) -> Settings:
    """Read ``<root>/dashboard.toml`` over the defaults; ``DASHBOARD_TILE_URL`` overrides the tile URL.

    Raises ``ValueError`` naming the file (and the key, when one is at fault) for a file that is
    not TOML, an unknown key or section, a value of the wrong type or out of range.
    """
    path = root / SETTINGS_FILE
    raw: dict[str, Any] = {}
    if path.is_file():
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ValueError(f"{path}: {exc}") from exc
    settings = settings_from_mapping(raw, str(path))
    env_url = os.environ.get("DASHBOARD_TILE_URL")
    if env_url:
        tiles = replace(
            settings.tiles,
            url=env_url,
            crs="gcj02" if os.environ.get("DASHBOARD_TILE_CRS") == "gcj02" else settings.tiles.crs,
        )
        settings = replace(settings, tiles=tiles)
    return settings
