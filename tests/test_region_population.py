"""Boundary files without population, codes given as numbers, and a data root outside China (issue #13).

A boundary file often has no population, or gives its codes as JSON numbers; a test site or a partner
city lies outside China's bounding box. Each imports (importer) and loads (loader); per-1,000 figures are
empty with the reason; the heat map counts every point; a refusal leaves the root byte for byte as it was.
"""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path
from typing import Any

import geopandas as gpd
import polars as pl
import pytest

from dashboard import heat, volunteers
from dashboard.cli import main
from dashboard.core.loading import load_dataset
from dashboard.core.periods import parse_period
from dashboard.figures.tables import missing_notes
from dashboard.maps import grid_map
from dashboard.metrics import METRICS, compute, in_period
from dashboard.volunteers.map import coverage_map
from tests.builders import C1, C2, G1, G2, G3, G4, TINY_GRIDS, square, write_issues_csv

PERIOD = "2026-10"
AS_OF = "2026-11-20 00:00:00"


def _run(*argv: str) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue() + err.getvalue()


def _import(root: Path, kind: str, upload: Path) -> tuple[int, str]:
    return _run("import", "--data", str(root), "--kind", kind, str(upload))


def _metrics(root: Path, by: str) -> dict[str, dict[str, Any]]:
    code, out = _run(
        "metrics", "--data", str(root), "--period", PERIOD, "--by", by, "--as-of", AS_OF, "--format", "json"
    )
    assert code == 0, out
    return {r[f"{by}_code"]: r for r in json.loads(out)}


def _fingerprint(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def _collection(features: list[dict[str, Any]]) -> str:
    return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False)


def _write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding))
    return path


# --- (a) no population, codes as numbers -------------------------------------------------------


def _numeric_boundaries() -> str:
    """The tiny grids as a GIS export gives them: Chinese headers, codes as JSON numbers, no population
    (an empty cell, a null, or no key at all)."""
    populations: list[dict[str, Any]] = [{"常住人口": ""}, {"常住人口": None}, {}, {}]
    features = [
        {
            "type": "Feature",
            "properties": {
                "网格编码": int(g["grid_code"]),
                "网格名称": g["grid_name"],
                "社区编码": float(g["community_code"]),  # 330199001001.0, as a spreadsheet writes it
                "社区名称": g["community_name"],
                "街道编码": 330199001,
                "街道名称": "清河湾街道",
                **population,
            },
            "geometry": g["geometry"],
        }
        for g, population in zip(TINY_GRIDS, populations, strict=True)
    ]
    return _collection(features)


ISSUES_CSV = f"""工单编号,登记时间,诉求类别,所属网格,办理状态,办结时间
A1,2026-10-02 09:00,环境卫生,{G1},已办结,2026-10-02 15:00
A2,2026-10-03 09:00,噪音扰民,{G1},处置中,
A3,2026-10-04 09:00,停车管理,{G3},已办结,2026-10-04 12:00
"""


def test_a_boundary_file_without_population_and_with_numeric_codes_imports_and_loads(tmp_path: Path) -> None:
    root = tmp_path / "root"
    root.mkdir()
    upload = _write(tmp_path / "网格边界.geojson", _numeric_boundaries())
    code, out = _import(root, "grids", upload)
    assert code == 0, out
    assert "人口为空或未提供，视为未知" in out and "第 1, 2, 3, 4 行" in out  # a note, not an error
    stored = json.loads((root / "geo" / "grids.geojson").read_text(encoding="utf-8"))
    first = stored["features"][0]["properties"]
    assert (first["grid_code"], first["community_code"], first["street_code"]) == (G1, C1, "330199001")
    assert first.get("population") is None
    code, out = _import(root, "issues", _write(tmp_path / "工单.csv", ISSUES_CSV))
    assert code == 0, out

    communities = _metrics(root, "community")
    assert {
        c: (r["issue_count"], r["issues_per_1000"], r["resolution_rate"]) for c, r in communities.items()
    } == {
        C1: (2, None, 0.5),
        C2: (1, None, 1.0),
    }
    grids = _metrics(root, "grid")
    assert (grids[G1]["issue_count"], grids[G1]["issues_per_1000"]) == (2, None)
    street = _metrics(root, "street")["330199001"]
    assert (street["issue_count"], street["issues_per_1000"]) == (3, None)

    dataset = load_dataset(root)
    assert dataset.units.get_column("grid_code").to_list() == [G1, G2, G3, G4]
    assert dataset.units.get_column("population").to_list() == [None] * 4
    assert dataset.communities["population"].isna().all()
    frame = compute(
        dataset.issues, dataset.units, "community", parse_period(PERIOD), dataset.as_of, dataset.settings
    )
    assert frame.filter(pl.col("community_code").is_not_null()).get_column("issues_per_1000__missing").all()
    assert missing_notes(frame, ("issue_count", "issues_per_1000"), "en") == [
        "Issues per 1,000 residents shown as “—”: no population in the boundary file."
    ]


def _loader_boundaries() -> str:
    """Written straight into ``geo/``: codes as an integer, a float and text with a leading zero; G1 and G2
    with their population, G3's empty, G4's missing."""
    codes: list[Any] = [int(G1), float(G2), G3, "0" + G4]
    populations: list[dict[str, Any]] = [{"population": 1000}, {"population": "500"}, {"population": ""}, {}]
    features = [
        {
            "type": "Feature",
            "properties": {
                "grid_code": code,
                "grid_name": g["grid_name"],
                "community_code": int(g["community_code"]),
                "community_name": g["community_name"],
                "street_code": "0330199001",
                "street_name": "清河湾街道",
                **population,
            },
            "geometry": g["geometry"],
        }
        for g, code, population in zip(TINY_GRIDS, codes, populations, strict=True)
    ]
    return _collection(features)


def test_the_loader_reads_numeric_codes_as_text_and_an_empty_population_as_unknown(tmp_path: Path) -> None:
    root = tmp_path / "root"
    _write(root / "geo" / "grids.geojson", _loader_boundaries())
    write_issues_csv(
        root,
        [
            {
                "issue_id": "a",
                "reported_at": "2026-10-02 09:00:00",
                "category": "其他",
                "grid_code": G1,
                "status": "reported",
            }
        ],
    )
    _write(
        root / "data" / "volunteers.csv",
        f"volunteer_id,grid_code,registered_at,is_party_member\n"
        f"v1,{G1},2025-01-01,true\nv2,{G2},2025-01-01,false\nv3,{G3},2025-01-01,false\n",
    )
    _write(
        root / "data" / "service_points.csv",
        "point_id,name,point_type,lon,lat\np1,东湖红色驿站,red_station,120.005,30.005\n",
    )
    dataset = load_dataset(root)
    assert dataset.units.get_column("grid_code").to_list() == ["0" + G4, G1, G2, G3]
    assert dataset.units.get_column("street_code").unique().to_list() == ["0330199001"]
    assert dataset.units.get_column("population").to_list() == [None, 1000, 500, None]
    # A unit's population is unknown when any of its grids' is (never the sum of a part).
    communities = dataset.communities.set_index("community_code")["population"]
    assert str(communities.dtype) == "Int64" and communities.to_dict() == {C1: 1500, C2: None}
    table = volunteers.volunteer_metrics(dataset, "community", parse_period(PERIOD))
    rows = {r["community_code"]: r for r in table.iter_rows(named=True)}
    assert rows[C1]["population"] == 1500 and rows[C1]["volunteers_per_1000"] == pytest.approx(
        2 / 1500 * 1000
    )
    assert rows[C2]["population"] is None and rows[C2]["volunteers_per_1000"] is None
    reasons = volunteers.missing_reasons(dataset, table, "en")
    assert reasons["volunteers_per_1000"] == "no population in the boundary file"
    grids = volunteers.coverage(dataset.grids, dataset.service_points).to_dicts()
    by_code = {r["grid_code"]: r for r in grids}
    assert by_code[G3]["population"] is None and by_code[G3]["coverage_share"] is None
    assert by_code[G1]["coverage_share"] == pytest.approx(by_code[G1]["area_share"])
    assert volunteers.coverage_share(
        volunteers.coverage(dataset.grids, dataset.service_points), "community"
    ).filter(pl.col("community_code") == C2).get_column("population").to_list() == [None]

    # The rest of the volunteers page runs: uncovered parts, the gap quadrant, the suggested site.
    assert (
        volunteers.uncovered(dataset.grids, dataset.service_points)
        .set_index("grid_code")["uncovered_residents"]
        .isna()
        .to_dict()[G3]
    )
    gaps = volunteers.gap_table(dataset, parse_period(PERIOD)).to_dicts()
    assert {r["grid_code"]: r["quadrant"] for r in gaps}[G3] == "no_residents"
    assert volunteers.suggest_site(dataset.grids, dataset.service_points) is not None
    # The maps' tooltips say "—" for an unknown population.
    values = compute(
        dataset.issues, dataset.units, "grid", parse_period(PERIOD), dataset.as_of, dataset.settings
    )
    args = (dataset.communities, dataset.streets, dataset.settings, "en")
    grid_page = grid_map(dataset.grids, values, METRICS["issues_per_1000"], *args).get_root().render()
    assert "Residents" in grid_page and ("—" in grid_page or "\\u2014" in grid_page)
    shares = pl.DataFrame({"grid_code": [G1, G3], "share": [0.5, None]})
    empty = gpd.GeoDataFrame(geometry=[], crs="EPSG:4326")
    points = dataset.service_points
    circles = volunteers.circles(points)
    page = coverage_map(dataset.grids, shares, "share", "Share", str, circles, empty, points, None, *args)
    assert "Residents" in page.get_root().render()


# --- (b, c, d) a data root outside China ------------------------------------------------------

BERLIN_BBOX = "[region]\nbbox = [13.0, 52.3, 13.8, 52.7]\n"


def _city_boundaries() -> str:
    """Two grids of a test city near lon 13.4, lat 52.5, with population."""
    grids = [
        ("B001", "Mitte 1", square(13.40, 52.50, 0.01, 0.01), 1000),
        ("B002", "Mitte 2", square(13.41, 52.50, 0.01, 0.01), 2000),
    ]
    features = [
        {
            "type": "Feature",
            "properties": {
                "grid_code": code,
                "grid_name": name,
                "community_code": "K01",
                "community_name": "Mitte",
                "street_code": "S01",
                "street_name": "Berlin-Mitte",
                "population": population,
            },
            "geometry": geometry,
        }
        for code, name, geometry, population in grids
    ]
    return _collection(features)


# P1 placed by its point, P2 by its grid code (with a point), P3 by code only.
CITY_ISSUES = """issue_id,reported_at,category,grid_code,lon,lat,status
P1,2026-10-02 09:00,其他,,13.405,52.505,reported
P2,2026-10-03 09:00,其他,B002,13.415,52.505,closed
P3,2026-10-04 09:00,其他,B001,,,reported
"""
SWAPPED = "P4,2026-10-05 09:00,其他,,52.506,13.406,reported\n"  # latitude first


def _city_root(tmp_path: Path, name: str, settings: str | None) -> Path:
    root = tmp_path / name
    root.mkdir()
    if settings is not None:
        (root / "dashboard.toml").write_text(settings, encoding="utf-8")
    return root


def _located(root: Path) -> tuple[int, pl.DataFrame]:
    """What the heat page counts: the period's issues aggregated into cells, and the issues."""
    dataset = load_dataset(root)
    period = in_period(dataset.issues, parse_period(PERIOD))
    cells = heat.aggregate(period, heat.resolution_for_area(1.0))
    return int(cells.get_column("count").sum() or 0), dataset.issues


def test_a_city_outside_china_imports_with_its_region_and_the_heat_map_counts_every_point(
    tmp_path: Path,
) -> None:
    root = _city_root(tmp_path, "berlin", BERLIN_BBOX)
    code, out = _import(
        root,
        "grids",
        _write(tmp_path / "grids.geojson", _city_boundaries()),
    )
    assert code == 0, out
    assert "设定区域" not in out
    upload = _write(tmp_path / "issues.csv", CITY_ISSUES + SWAPPED)
    code, out = _import(root, "issues", upload)
    assert code == 0, out
    assert "第 5 行" in out and "经纬度填反了，已自动对调" in out
    assert "设定区域" not in out
    located, issues = _located(root)
    assert located == 3  # P1, P2 and P4 (swapped back); P3 has no point
    p2 = issues.filter(pl.col("issue_id") == "P2").row(0, named=True)
    assert (p2["grid_code"], p2["lon"], p2["lat"]) == ("B002", 13.415, 52.505)  # (c) coordinates kept
    placed = dict(zip(issues.get_column("issue_id"), issues.get_column("grid_code"), strict=True))
    assert placed == {"P1": "B001", "P2": "B002", "P3": "B001", "P4": "B001"}
    assert _metrics(root, "grid")["B001"]["issues_per_1000"] == pytest.approx(3.0)


def test_without_the_region_the_city_imports_with_notes_and_a_point_in_no_grid_is_refused(
    tmp_path: Path,
) -> None:
    root = _city_root(tmp_path, "berlin", None)
    code, out = _import(
        root,
        "grids",
        _write(tmp_path / "grids.geojson", _city_boundaries()),
    )
    assert code == 0, out
    # A polygon is never called a point.
    assert "边界在设定区域（dashboard.toml 的 [region] bbox）之外，已保留" in out
    assert "坐标不" not in out and "坐标在" not in out and "Traceback" not in out

    # P4's latitude comes first: outside China both ways round, so not swapped back, and in no grid.
    before = _fingerprint(root)
    code, out = _import(
        root,
        "issues",
        _write(tmp_path / "all.csv", CITY_ISSUES + SWAPPED),
    )
    assert code == 2 and "Traceback" not in out
    assert "第 5 行" in out and "且不在任何网格内，该行无法定位" in out
    assert _fingerprint(root) == before  # (d) the refusal changed nothing

    code, out = _import(root, "issues", _write(tmp_path / "issues.csv", CITY_ISSUES))
    assert code == 0, out
    assert "第 2, 3 行" in out
    assert "坐标在设定区域（dashboard.toml 的 [region] bbox）之外，但位于某个网格内，已保留" in out
    located, issues = _located(root)
    assert located == 2  # P1 and P2: every point
    p2 = issues.filter(pl.col("issue_id") == "P2").row(0, named=True)
    assert (p2["lon"], p2["lat"]) == (13.415, 52.505)  # (c) kept on a row with a grid code


def test_in_the_region_a_point_outside_it_in_a_grid_is_noted_in_english(tmp_path: Path) -> None:
    from dashboard import ingest

    root = _city_root(tmp_path, "berlin", None)
    code, out = _import(
        root,
        "grids",
        _write(tmp_path / "grids.geojson", _city_boundaries()),
    )
    assert code == 0, out
    prepared = ingest.prepare(root, "issues", CITY_ISSUES.encode(), "issues.csv")
    [note] = [p for p in prepared.warnings if p.code == "outside_region"]
    assert note.rows == (2, 3)
    assert (
        "the point is outside the region ([region] bbox in dashboard.toml) but lies in a grid; kept"
        in note.message("en")
    )
    prepared = ingest.prepare(root, "grids", _city_boundaries().encode(), "grids.geojson")
    [polygons] = [p for p in prepared.warnings if p.code == "polygon_outside_region"]
    assert "the boundary lies outside the region" in polygons.message(
        "en"
    ) and "point" not in polygons.message("en")


def test_a_community_with_one_grid_of_unknown_population_has_no_per_1000_figure() -> None:
    """Never a rate over part of the residents: one unknown grid makes the community's population unknown."""
    from datetime import datetime

    from dashboard.core.periods import parse_period
    from dashboard.core.settings import default_settings
    from dashboard.metrics import compute

    units = pl.DataFrame(
        {
            "grid_code": ["g1", "g2", "g3"],
            "grid_name": ["a", "b", "c"],
            "community_code": ["c1", "c1", "c2"],
            "community_name": ["C1", "C1", "C2"],
            "street_code": ["s", "s", "s"],
            "street_name": ["S", "S", "S"],
            "population": [1000, None, 500],
        },
        schema_overrides={"population": pl.Int64},
    )
    issues = pl.DataFrame(
        {
            "issue_id": ["i1", "i2"],
            "reported_at": [datetime(2026, 10, 2), datetime(2026, 10, 3)],
            "category": ["x", "x"],
            "status": ["reported", "reported"],
            "grid_code": ["g1", "g3"],
            "community_code": ["c1", "c2"],
            "street_code": ["s", "s"],
        }
    )
    for column in ("accepted_at", "resolved_at", "closed_at", "due_at"):
        issues = issues.with_columns(pl.lit(None, dtype=pl.Datetime("us")).alias(column))
    for column in ("resolved_level", "satisfaction"):
        issues = issues.with_columns(pl.lit(None, dtype=pl.String).alias(column))
    issues = issues.with_columns(pl.lit(None, dtype=pl.Int64).alias("rework_count"))
    frame = compute(
        issues, units, "community", parse_period("2026-10"), datetime(2026, 11, 1), default_settings()
    )
    rows = {r["community_code"]: r for r in frame.iter_rows(named=True)}
    assert (
        rows["c1"]["population"],
        rows["c1"]["issues_per_1000"],
        rows["c1"]["issues_per_1000__missing"],
    ) == (
        None,
        None,
        True,
    )
    assert rows["c2"]["issues_per_1000"] == pytest.approx(2.0)
