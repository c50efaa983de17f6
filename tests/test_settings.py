"""Settings: the defaults are written once (defaults.toml); a data root's dashboard.toml is checked key by key."""

from __future__ import annotations

import dataclasses
import tomllib
from pathlib import Path

import pytest

from dashboard import ingest
from dashboard.core.loading import load_dataset
from dashboard.core.problems import DataError, Problem
from dashboard.core.settings import (
    GRADE_COLORS,
    SCORE_METRICS,
    AccessSettings,
    Settings,
    TileServer,
    default_settings,
    load_settings,
)
from dashboard.metrics import REGISTRY

DEFAULTS = Path(__file__).resolve().parents[1] / "dashboard" / "core" / "defaults.toml"


def _with_settings(root: Path, text: str) -> Path:
    (root / "dashboard.toml").write_text(text, encoding="utf-8")
    return root


def _settings_problem(root: Path) -> Problem:
    with pytest.raises(DataError) as caught:
        load_dataset(root)
    [problem] = caught.value.problems
    assert (problem.file, problem.code) == ("dashboard.toml", "bad_settings")
    return problem


@pytest.mark.parametrize(
    ("text", "key", "hint"),
    [
        ("[metrics]\ntargt = 0.5\n", "metrics.targt", "did you mean 'target'?"),
        ("[score]\nresolution_rat = 40\n", "score.resolution_rat", "did you mean 'resolution_rate'?"),
        ("[score]\nissue_count = 10\n", "score.issue_count", "rework_rate"),  # a count is not a rate
        ('[colours]\nred = "#ff0000"\n', "colours", "known: metrics, score, heat, tiles, region, import"),
        ("[metrics.limits]\nx = 1\n", "metrics.limits", "category_limit_hours"),
        ("target = 0.5\n", "target", "known: metrics, score, heat, tiles, region, import"),
    ],
)
def test_an_unknown_key_is_a_problem_naming_the_key_and_the_file(
    tiny: Path, text: str, key: str, hint: str
) -> None:
    problem = _settings_problem(_with_settings(tiny, text))
    path = str(tiny / "dashboard.toml")
    for lang in ("zh", "en"):
        message = problem.message(lang)
        assert f"'{key}'" in message and path in message and hint in message
    assert "键名未知或拼错" in problem.message("zh")
    assert "unknown" in problem.message("en")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[metrics]\ntarget = "high"\n', "'metrics.target' must be a number, got 'high'"),
        ("[metrics]\nsmall_sample = 2.5\n", "'metrics.small_sample' must be a whole number"),
        ('[metrics.category_limit_hours]\n"噪音扰民" = "soon"\n', "'metrics.category_limit_hours.噪音扰民'"),
        ("[score]\nresolution_rate = true\n", "'score.resolution_rate' must be a number"),
        ("[tiles]\nurl = 5\n", "'tiles.url' must be text"),
        ('[tiles]\ncrs = "bd09"\n', "tiles.crs must be 'wgs84' or 'gcj02'"),
        ("[metrics]\ncategory_limit_hours = 5\n", "'metrics.category_limit_hours' must be a table"),
        ("metrics = 5\n", "'metrics' must be a table"),
        ("[metrics]\namber_floor = 0.95\n", "need 0 < metrics.amber_floor <= metrics.target <= 1"),
        ("[import]\nmax_upload_mb = 0\n", "must be positive"),
        ("[import]\nmax_memory_mb = -1\n", "import.max_memory_mb) must be positive"),
        ("[import]\nmax_rows = 0\n", "'import.max_rows' must be 1 or more, got 0"),
        ("[import]\nmax_rows = 1.5e6\n", "'import.max_rows' must be a whole number"),
        ("[heat]\nemerging_min_history_months = 0\n", "'heat.emerging_min_history_months' must be 1 or more"),
        ("[heat]\nemerging_min_history_months = 1.5\n", "'heat.emerging_min_history_months' must be a whole"),
        ("[region]\nbbox = [13.0, 52.3, 13.8]\n", "'region.bbox' must be [west, south, east, north]"),
        ('[region]\nbbox = [13.0, "52.3", 13.8, 52.7]\n', "'region.bbox' must be a list of numbers"),
        ("[region]\nbbox = 13.0\n", "'region.bbox' must be a list of numbers"),
        ("[region]\nbbox = [13.8, 52.3, 13.0, 52.7]\n", "with west < east and south < north"),
        ("[region]\nbbox = [13.0, 52.3, 13.8, 95.0]\n", "in degrees"),
        ("[metrics\n", "dashboard.toml"),  # not TOML at all
    ],
)
def test_a_wrong_value_is_a_problem_naming_the_file(tiny: Path, text: str, expected: str) -> None:
    problem = _settings_problem(_with_settings(tiny, text))
    assert expected in problem.detail
    assert str(tiny / "dashboard.toml") in problem.detail


def test_the_import_reports_a_bad_settings_file_the_same_way(tiny: Path) -> None:
    _with_settings(tiny, "[import]\nmax_upload_mb_ = 1\n")
    with pytest.raises(DataError) as caught:
        ingest.prepare(tiny, "issues", b"issue_id\n", "issues.csv")
    [problem] = caught.value.problems
    assert problem.code == "bad_settings" and "'import.max_upload_mb_'" in problem.detail


def test_categories_and_rate_metrics_may_be_added(tiny: Path) -> None:
    text = (
        "[metrics]\ntarget = 0.95\n\n"
        '[metrics.category_limit_hours]\n"新类别" = 12\n"噪音扰民" = 6\n\n'
        "[score]\nresolution_rate = 35\nresponse_rate = 5\n"
    )
    settings = load_dataset(_with_settings(tiny, text)).settings
    assert settings.target == 0.95 and settings.amber_floor == 0.80
    assert settings.category_limit_hours["新类别"] == 12 and settings.category_limit_hours["噪音扰民"] == 6
    assert settings.category_limit_hours["违章搭建"] == 360  # the defaults stay for the others
    assert settings.score_weights == {
        "resolution_rate": 35,
        "on_time_rate": 20,
        "satisfaction_rate": 30,
        "rework_rate": 10,
        "response_rate": 5,
    }


def test_the_defaults_are_defaults_toml_and_nothing_else(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DASHBOARD_TILE_URL", raising=False)
    for cls in (Settings, TileServer, AccessSettings):
        for field in dataclasses.fields(cls):
            assert field.default is dataclasses.MISSING, f"{cls.__name__}.{field.name} has a default"
            assert field.default_factory is dataclasses.MISSING, f"{cls.__name__}.{field.name} has a default"
    toml = tomllib.loads(DEFAULTS.read_text(encoding="utf-8"))
    metrics, tiles, imports, heat = toml["metrics"], toml["tiles"], toml["import"], toml["heat"]
    expected = Settings(
        target=metrics["target"],
        amber_floor=metrics["amber_floor"],
        small_sample=metrics["small_sample"],
        response_limit_hours=metrics["response_limit_hours"],
        assessment_grace_days=metrics["assessment_grace_days"],
        default_limit_hours=metrics["default_limit_hours"],
        category_limit_hours=metrics["category_limit_hours"],
        colors=dict(GRADE_COLORS),
        tiles=TileServer(**tiles),
        score_weights=toml["score"],
        max_upload_mb=imports["max_upload_mb"],
        max_unpacked_mb=imports["max_unpacked_mb"],
        max_rows=imports["max_rows"],
        max_memory_mb=imports["max_memory_mb"],
        emerging_min_history_months=heat["emerging_min_history_months"],
        region_bbox=tuple(toml["region"]["bbox"]),
        access=AccessSettings(**toml["access"]),
    )
    assert default_settings() == expected
    assert load_settings(tmp_path) == expected  # a data root without dashboard.toml


def test_the_emerging_history_minimum_is_a_setting(tiny: Path) -> None:
    assert default_settings().emerging_min_history_months == 6
    (tiny / "dashboard.toml").write_text("[heat]\nemerging_min_history_months = 3\n", encoding="utf-8")
    assert load_settings(tiny).emerging_min_history_months == 3


def test_the_region_is_a_setting_with_china_by_default(tiny: Path) -> None:
    assert default_settings().region_bbox == (72.004, 0.8293, 137.8347, 55.8271)
    (tiny / "dashboard.toml").write_text("[region]\nbbox = [13, 52.3, 13.8, 52.7]\n", encoding="utf-8")
    assert load_settings(tiny).region_bbox == (13.0, 52.3, 13.8, 52.7)


def test_the_score_metrics_are_the_registry_rates() -> None:
    assert set(SCORE_METRICS) == {m.key for m in REGISTRY if m.kind == "rate"}


def test_the_import_row_and_memory_limits_are_settings(tiny: Path) -> None:
    assert (default_settings().max_rows, default_settings().max_memory_mb) == (2_000_000, 2048)
    (tiny / "dashboard.toml").write_text(
        "[import]\nmax_rows = 5_000_000\nmax_memory_mb = 4096\n", encoding="utf-8"
    )
    settings = load_settings(tiny)
    assert (settings.max_rows, settings.max_memory_mb) == (5_000_000, 4096)
