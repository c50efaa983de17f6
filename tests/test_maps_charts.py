"""Map and chart builders as objects: colours against target, legends, escaping, the GCJ-02 shift."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import polars as pl
import pytest

from dashboard import maps, overview
from dashboard.core.loading import Dataset, load_dataset
from dashboard.core.periods import parse_period
from dashboard.core.selection import Selection
from dashboard.core.settings import Settings, default_settings
from dashboard.figures import charts
from dashboard.heat.map import heat_map
from dashboard.maps.assets import linked_urls, render_html
from dashboard.metrics import METRICS, compute
from tests.builders import G1, G2, G3, G4, TINY_GRIDS, write_grids

OCTOBER = parse_period("2026-10")


@pytest.fixture
def dataset(tiny: Path) -> Dataset:
    return load_dataset(tiny)


def _map_html(
    dataset: Dataset, key: str = "resolution_rate", settings: Settings | None = None, **kw: object
) -> str:
    values = compute(dataset.issues, dataset.units, "grid", OCTOBER, datetime(2026, 11, 20), dataset.settings)
    m = maps.grid_map(
        dataset.grids,
        values,
        METRICS[key],
        dataset.communities,
        dataset.streets,
        settings or dataset.settings,
        "zh",
        **kw,  # type: ignore[arg-type]
    )
    return render_html(m)


def _grid_features(page: str) -> dict[str, dict[str, object]]:
    """The grid layer's features by grid code, read back from the rendered page."""
    features: dict[str, dict[str, object]] = {}
    for match in re.finditer(r"_add\((\{.*?\})\);\n", page, re.DOTALL):
        document = json.loads(match.group(1))
        for feature in document.get("features", []):
            if "fill" in feature["properties"]:
                features[feature["properties"]["grid_code"]] = feature
    return features


def test_grids_are_coloured_against_the_target(dataset: Dataset) -> None:
    features = _grid_features(_map_html(dataset))
    colors = default_settings().colors
    # G1 66.7% red, G2 100% green, G3 50% red, G4 no issues: grey.
    assert {code: f["properties"]["fill"] for code, f in features.items()} == {
        G1: colors["red"],
        G2: colors["green"],
        G3: colors["red"],
        G4: maps.NO_DATA,
    }


def test_legend_and_tooltip_text(dataset: Dataset) -> None:
    page = _map_html(dataset)
    assert "≥ 90.0% 达标" in page and "&lt; 80.0% 未达标" in page and "无数据" in page
    tip = _grid_features(page)[G1]["properties"]["tip"]
    assert "一网格" in tip and "王建国" in tip and "1,000" in tip and "66.7%" in tip  # type: ignore[operator]


def test_counts_use_quantile_classes(dataset: Dataset) -> None:
    page = _map_html(dataset, "issues_per_1000")
    fills = {code: f["properties"]["fill"] for code, f in _grid_features(page).items()}
    assert fills[G4] == maps.NO_DATA  # no residents: no rate per 1,000
    # More issues per 1,000 residents: a darker class (4.0 in G1 > 2.0 in G2 > 1.0 in G3).
    palette = maps.LOWER_IS_BETTER_PALETTE
    assert palette.index(fills[G1]) > palette.index(fills[G2]) > palette.index(fills[G3])  # type: ignore[arg-type]


def test_names_are_escaped(tmp_path: Path, tiny: Path) -> None:
    write_grids(tiny, [{**TINY_GRIDS[0], "grid_name": "<script>alert(1)</script>"}, *TINY_GRIDS[1:]])
    page = _map_html(load_dataset(tiny), focus=("330199001001",))
    assert "<script>alert(1)</script>" not in page
    tip = _grid_features(page)[G1]["properties"]["tip"]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in tip  # type: ignore[operator]
    assert "<script>" not in tip  # type: ignore[operator]
    # The grid's label on the map (focused community) is escaped too (inside a JSON string).
    assert "pointer-events:none;\\u0027\\u003e\\u0026lt;script\\u0026gt;alert(1)" in page


def test_no_tiles_and_no_outside_links_by_default(dataset: Dataset) -> None:
    page = _map_html(dataset)
    assert "tileLayer" not in page
    assert all(url.startswith("/app/static/") for url in linked_urls(page))


def test_amap_tiles_shift_boundaries_to_gcj02(dataset: Dataset) -> None:
    amap = replace(
        dataset.settings,
        tiles=replace(dataset.settings.tiles, url="http://tiles.intranet/{z}/{x}/{y}.png", crs="gcj02"),
    )
    plain = _grid_features(_map_html(dataset))[G1]["geometry"]["coordinates"][0][0]  # type: ignore[index]
    shifted = _grid_features(_map_html(dataset, settings=amap))[G1]["geometry"]["coordinates"][0][0]  # type: ignore[index]
    # Near Hangzhou GCJ-02 lies about 0.0045° east and 0.0025° south... of WGS-84, within a few metres.
    assert shifted[0] - plain[0] == pytest.approx(0.0045, abs=0.0008)
    assert shifted[1] - plain[1] == pytest.approx(-0.0024, abs=0.0008)
    assert "tiles.intranet" in _map_html(dataset, settings=amap)


def test_trend_chart_has_the_target_line_and_the_months(dataset: Dataset) -> None:
    selection = Selection(period=OCTOBER)
    totals = overview.scope_totals(dataset, selection)
    fig = charts.rate_trend_chart(overview.rate_trend(totals, selection), dataset.settings, "zh")
    assert [shape.y0 for shape in fig.layout.shapes] == [0.9]
    resolution = next(trace for trace in fig.data if trace.name == "办结率")
    assert list(resolution.x)[-2:] == ["2026-09", "2026-10"]
    assert list(resolution.y)[-1] == pytest.approx(4 / 7)


def test_league_bars_are_coloured_by_grade(dataset: Dataset) -> None:
    league = overview.league_table(dataset, Selection(period=OCTOBER))
    fig = charts.league_bar_chart(league, dataset.settings, "en")
    bars = fig.data[0]
    # Worst at the bottom (first), best at the top; both communities are below 80%.
    assert list(bars.y) == ["西岭社区", "东湖社区"]
    assert list(bars.x) == [0.5, 0.75]
    assert list(bars.marker.color) == [default_settings().colors["red"]] * 2
    assert "75.0% (small sample)" in list(bars.text)


def test_level_shares_add_up(dataset: Dataset) -> None:
    selection = Selection(period=OCTOBER)
    shares = overview.level_shares(overview.scope_totals(dataset, selection), selection)
    # Finished in October: i01 grid, i02 community, i06 department, i08 grid.
    assert shares == pytest.approx({"grid": 0.5, "community": 0.25, "above": 0.25})


def test_league_table_ranks_and_outside_row(dataset: Dataset) -> None:
    league = overview.league_table(dataset, Selection(period=OCTOBER))
    assert league.select("rank", "community_name", "grade").rows() == [
        (1, "东湖社区", "red"),
        (2, "西岭社区", "red"),
        (None, None, "red"),
    ]
    assert league.filter(pl.col("outside")).get_column("issue_count").to_list() == [1]


def test_small_multiples_one_chart_per_unit_with_target_line(dataset: Dataset) -> None:
    from dashboard import closed_loop

    series = closed_loop.monthly_series(dataset, Selection(period=OCTOBER), "community", months=3)
    fig = charts.small_multiples_chart(series, "community_code", "community_name", dataset.settings, "zh")
    assert [a.text for a in fig.layout.annotations] == ["东湖社区", "西岭社区"]
    assert [shape.y0 for shape in fig.layout.shapes] == [0.9, 0.9]
    east = fig.data[0]
    assert list(east.x) == ["2026-08", "2026-09", "2026-10"]
    assert list(east.y) == [None, 1.0, 0.75]
    assert list(east.marker.color) == [
        "#bdbdbd",
        default_settings().colors["green"],
        default_settings().colors["red"],
    ]


def test_coverage_map_bivariate_classes_and_circles(dataset: Dataset) -> None:
    import geopandas as gpd

    from dashboard import volunteers
    from dashboard.volunteers.map import coverage_map

    points = pl.DataFrame(
        {
            "point_id": ["p1"],
            "name": ["驿站"],
            "point_type": ["red_station"],
            "lon": [120.005],
            "lat": [30.005],
        }
    )
    values = pl.DataFrame(
        {
            "grid_code": [G1, G2, G3, G4],
            "quadrant": ["high_demand_low_supply", "low_demand_high_supply", None, None],
        }
    )
    categories = {
        "high_demand_low_supply": ("#d73027", "many issues"),
        "low_demand_high_supply": ("#1a9850", "few issues"),
    }
    m = coverage_map(
        dataset.grids,
        values,
        "quadrant",
        "Quadrant",
        str,
        volunteers.circles(points),
        gpd.GeoDataFrame(geometry=[], crs="EPSG:4326"),
        points,
        (120.025, 30.01, "<b>site</b>"),
        dataset.communities,
        dataset.streets,
        dataset.settings,
        "en",
        categories=categories,
    )
    page = render_html(m)
    fills = {code: f["properties"]["fill"] for code, f in _grid_features(page).items()}
    assert fills == {G1: "#d73027", G2: "#1a9850", G3: maps.NO_DATA, G4: maps.NO_DATA}
    assert "many issues" in page and "few issues" in page
    assert "&lt;b&gt;site&lt;/b&gt;" in page  # the suggestion's tooltip is escaped
    assert page.count("dashArray") >= 3  # the 400, 800 and 1,200 m circles


def test_heat_points_shift_to_gcj02_on_amap_tiles(dataset: Dataset) -> None:
    amap = replace(
        dataset.settings,
        tiles=replace(dataset.settings.tiles, url="http://tiles.intranet/{z}/{x}/{y}.png", crs="gcj02"),
    )
    args = (dataset.grids, dataset.communities, dataset.streets)
    plain = render_html(heat_map([[30.005, 120.005, 1.0]], *args, dataset.settings, "zh"))
    shifted = render_html(heat_map([[30.005, 120.005, 1.0]], *args, amap, "zh"))
    assert "[[30.005, 120.005, 1.0]]" in plain
    match = re.search(r"L\.heatLayer\(\s*\[\[([\d.]+), ([\d.]+), 1\.0\]\]", shifted)
    assert match is not None
    assert float(match.group(2)) - 120.005 == pytest.approx(0.0045, abs=0.0008)
