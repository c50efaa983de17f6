"""Configuration: targets, colour grades, time limits and the optional tile server.

Defaults live here; a data root may override them in ``dashboard.toml``
(see the README). Nothing is read at import time.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any, Literal

SETTINGS_FILE = "dashboard.toml"

TileCrs = Literal["wgs84", "gcj02"]


@dataclass(frozen=True)
class TileServer:
    """A basemap tile server configured by the user; none by default (offline)."""

    url: str = ""
    attribution: str = ""
    crs: TileCrs = "wgs84"
    max_zoom: int = 18

    @property
    def enabled(self) -> bool:
        return bool(self.url)


@dataclass(frozen=True)
class Settings:
    """Everything a deployment may tune. Rates are fractions (0.9 = 90%)."""

    target: float = 0.90
    amber_floor: float = 0.80
    small_sample: int = 20
    response_limit_hours: float = 24.0
    default_limit_hours: float = 120.0
    # Hours per category when an issue has no due_at (see defaults.toml).
    category_limit_hours: dict[str, float] = field(default_factory=dict)
    colors: dict[str, str] = field(
        default_factory=lambda: {
            "green": "#1a9850",
            "amber": "#f29e1f",
            "red": "#d73027",
            "none": "#bdbdbd",
        }
    )
    tiles: TileServer = field(default_factory=TileServer)
    # Points per metric in the composite score (see defaults.toml [score]).
    score_weights: dict[str, float] = field(default_factory=dict)
    # Import limits (defaults.toml [import]): the largest upload, and what an archive may unpack to.
    max_upload_mb: float = 200.0
    max_unpacked_mb: float = 2048.0


def _as_float(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{SETTINGS_FILE}: '{name}' must be a number, got {value!r}")
    return float(value)


def _defaults() -> dict[str, Any]:
    text = resources.files("dashboard.core").joinpath("defaults.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def settings_from_mapping(raw: dict[str, Any]) -> Settings:
    """Build settings from a ``dashboard.toml`` mapping laid over the packaged defaults."""
    raw = _merge(_defaults(), raw)
    base = Settings()
    metrics = raw.get("metrics", {})
    tiles_raw = raw.get("tiles", {})
    target = _as_float(metrics.get("target", base.target), "metrics.target")
    amber = _as_float(metrics.get("amber_floor", base.amber_floor), "metrics.amber_floor")
    if not 0 < amber <= target <= 1:
        raise ValueError(f"{SETTINGS_FILE}: need 0 < amber_floor <= target <= 1")
    limits = dict(base.category_limit_hours)
    for category, hours in metrics.get("category_limit_hours", {}).items():
        limits[str(category)] = _as_float(hours, f"category_limit_hours.{category}")
    crs = tiles_raw.get("crs", "wgs84")
    if crs not in ("wgs84", "gcj02"):
        raise ValueError(f"{SETTINGS_FILE}: tiles.crs must be 'wgs84' or 'gcj02', got {crs!r}")
    tiles = TileServer(
        url=str(tiles_raw.get("url", "")),
        attribution=str(tiles_raw.get("attribution", "")),
        crs=crs,
        max_zoom=int(tiles_raw.get("max_zoom", 18)),
    )
    weights = {str(k): _as_float(v, f"score.{k}") for k, v in raw.get("score", {}).items()}
    imports = raw.get("import", {})
    max_upload = _as_float(imports.get("max_upload_mb", base.max_upload_mb), "import.max_upload_mb")
    max_unpacked = _as_float(imports.get("max_unpacked_mb", base.max_unpacked_mb), "import.max_unpacked_mb")
    if max_upload <= 0 or max_unpacked <= 0:
        raise ValueError(f"{SETTINGS_FILE}: import limits must be positive")
    return replace(
        base,
        score_weights=weights,
        target=target,
        amber_floor=amber,
        small_sample=int(metrics.get("small_sample", base.small_sample)),
        response_limit_hours=_as_float(
            metrics.get("response_limit_hours", base.response_limit_hours), "response_limit_hours"
        ),
        default_limit_hours=_as_float(
            metrics.get("default_limit_hours", base.default_limit_hours), "default_limit_hours"
        ),
        category_limit_hours=limits,
        tiles=tiles,
        max_upload_mb=max_upload,
        max_unpacked_mb=max_unpacked,
    )


def load_settings(root: Path) -> Settings:
    """Read ``<root>/dashboard.toml`` over the defaults; ``DASHBOARD_TILE_URL`` overrides the tile URL.

    Raises ``ValueError`` with the file name when a value has the wrong type.
    """
    path = root / SETTINGS_FILE
    raw: dict[str, Any] = {}
    if path.is_file():
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ValueError(f"{path}: {exc}") from exc
    settings = settings_from_mapping(raw)
    env_url = os.environ.get("DASHBOARD_TILE_URL")
    if env_url:
        tiles = replace(
            settings.tiles,
            url=env_url,
            crs="gcj02" if os.environ.get("DASHBOARD_TILE_CRS") == "gcj02" else settings.tiles.crs,
        )
        settings = replace(settings, tiles=tiles)
    return settings
