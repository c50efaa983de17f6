"""The UI's caches: keys from a dataset's source and data version plus the other arguments."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from dashboard.core.loading import Dataset, load_dataset
from dashboard.core.periods import parse_period
from dashboard.core.selection import Selection
from dashboard.outputs import demo_mode
from dashboard.ui import cache

OCTOBER = Selection(parse_period("2026-10"), lang="zh")


@pytest.fixture
def dataset(tiny: Path) -> Dataset:
    return load_dataset(tiny)


@pytest.fixture(autouse=True)
def _fresh_caches(fresh_caches: None) -> None:
    """Every test starts with empty caches."""


def test_the_same_data_and_selection_give_the_same_key(dataset: Dataset) -> None:
    again = Selection(parse_period("2026-10"), lang="zh")
    assert cache.cache_key(dataset, OCTOBER) == cache.cache_key(dataset, again)
    assert cache.cache_key(dataset, OCTOBER, "grid") == cache.cache_key(dataset, again, "grid")
    # The numbers do not depend on the language: a selection's key leaves it out.
    assert cache.cache_key(dataset, OCTOBER) == cache.cache_key(
        dataset, dataclasses.replace(OCTOBER, lang="en")
    )


def test_another_period_communities_version_or_view_gives_another_key(dataset: Dataset) -> None:
    key = cache.cache_key(dataset, OCTOBER)
    september = dataclasses.replace(OCTOBER, period=parse_period("2026-09"))
    days = dataclasses.replace(OCTOBER, period=parse_period("2026-10-01..2026-10-15"))
    one_community = dataclasses.replace(OCTOBER, community_codes=("330199001001",))
    newer = dataclasses.replace(dataset, meta={**dataset.meta, cache.VERSION_KEY: "another"})
    demo = demo_mode.session_view(dataset, demo=True)
    renamed = demo_mode.session_view(dataset, demo=True, aliases=demo_mode.Aliases({"330199001": "X"}))
    others = [
        cache.cache_key(dataset, september),
        cache.cache_key(dataset, days),
        cache.cache_key(dataset, one_community),
        cache.cache_key(newer, OCTOBER),
        cache.cache_key(demo, OCTOBER),
        cache.cache_key(renamed, OCTOBER),
        cache.cache_key(dataset, OCTOBER, "grid"),
    ]
    assert len({key, *others}) == len(others) + 1


def test_a_dataset_is_keyed_by_its_source_and_version_never_hashed_whole(dataset: Dataset) -> None:
    stamp = cache.fingerprint(dataset.root)
    assert cache.cache_key(dataset) == ((f"{dataset.root}|all", stamp),)
    assert cache.cache_key(dataset.root, OCTOBER.period, ("a", None, 1)) == (
        str(dataset.root),
        "2026-10",
        ("a", None, 1),
    )
    with pytest.raises(TypeError, match="leading _"):
        cache.cache_key(b"bytes")


def test_the_data_version_is_taken_once_per_run_and_stamped_on_the_dataset(
    tiny: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    walks: list[Path] = []
    walk = cache.version
    monkeypatch.setattr(cache, "version", lambda root: walks.append(root) or walk(root))
    data = cache.dataset(tiny)
    assert walks == [tiny]
    assert data.meta[cache.VERSION_KEY] == cache.fingerprint(tiny)
    view = cache.session_view(data, True, demo_mode.Aliases())
    assert view.meta[cache.VERSION_KEY] == data.meta[cache.VERSION_KEY]
    walks.clear()
    for shown in (data, view):
        cache.totals(shown, OCTOBER)
        cache.league(shown, OCTOBER)
        cache.grid_rows(shown, OCTOBER, "resolution_rate")
        cache.area_km2(shown, OCTOBER)
        cache.loop_league(shown, OCTOBER, "community")
    assert walks == []


def test_a_changed_file_loads_anew_and_recomputes(tiny: Path) -> None:
    data = cache.dataset(tiny)
    assert cache.dataset(tiny) is data
    totals = cache.totals(data, OCTOBER)
    issues = tiny / "data" / "issues.csv"
    lines = issues.read_text(encoding="utf-8").splitlines(keepends=True)
    issues.write_text("".join(lines[:-1]), encoding="utf-8")
    fresh = cache.dataset(tiny)
    assert fresh is not data
    assert fresh.issues.height == data.issues.height - 1
    assert cache.data_version(fresh) != cache.data_version(data)
    assert not cache.totals(fresh, OCTOBER).equals(totals)


def test_each_cached_function_has_a_cache_of_its_own(dataset: Dataset) -> None:
    totals = cache.totals(dataset, OCTOBER)
    league = cache.league(dataset, OCTOBER)
    assert totals.columns != league.columns
    assert cache.coverage_layers(dataset) is cache.coverage_layers(dataset)  # a shared resource


def test_parameters_with_a_leading_underscore_are_left_out_of_the_key(dataset: Dataset) -> None:
    calls: list[bytes] = []

    @cache.cached(max_entries=4)
    def size(data: Dataset, name: str, _content: bytes) -> int:
        calls.append(_content)
        return len(_content) + data.issues.height

    assert size(dataset, "a", b"12") == size(dataset, "a", b"345") == 2 + dataset.issues.height
    assert calls == [b"12"]
    assert size(dataset, name="b", _content=b"345") == 3 + dataset.issues.height
    assert calls == [b"12", b"345"]
