"""Loading and validating a data root: good data loads; each kind of bad data is reported precisely."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from dashboard.core.loading import load_dataset
from dashboard.core.problems import DataError, Problem
from tests.builders import G1, TINY_GRIDS, TINY_ISSUES, write_grids, write_issues_csv


def _problems(root: Path) -> list[Problem]:
    with pytest.raises(DataError) as caught:
        load_dataset(root)
    return caught.value.problems


def test_tiny_root_loads_with_codes_as_text(tiny: Path) -> None:
    dataset = load_dataset(tiny)
    assert dataset.issues.schema["grid_code"] == pl.String
    assert dataset.units.get_column("grid_code").to_list()[0] == G1
    assert dataset.as_of.isoformat() == "2026-10-25T10:00:00"
    assert not dataset.is_demo
    assert len(dataset.communities) == 2 and len(dataset.streets) == 1
    assert dataset.communities["population"].tolist() == [1500, 2000]


def test_codes_that_look_like_numbers_stay_text(tmp_path: Path) -> None:
    grids = [{**g, "grid_code": f"00{i}", "community_code": "007"} for i, g in enumerate(TINY_GRIDS)]
    write_grids(tmp_path, grids)
    write_issues_csv(tmp_path, [{**TINY_ISSUES[0], "grid_code": "001"}])
    dataset = load_dataset(tmp_path)
    assert dataset.issues.get_column("grid_code").to_list() == ["001"]
    assert dataset.issues.get_column("community_code").to_list() == ["007"]


def test_missing_column_names_file_and_column(tmp_path: Path) -> None:
    write_grids(tmp_path)
    columns = ("issue_id", "reported_at", "grid_code", "status")  # no category
    write_issues_csv(tmp_path, TINY_ISSUES, columns)
    [problem] = _problems(tmp_path)
    assert (problem.file, problem.code, problem.column) == ("data/issues.csv", "missing_column", "category")
    assert problem.message("zh") == "文件 data/issues.csv，列 category: 缺少必填列"
    assert problem.message("en") == "File data/issues.csv, column category: required column missing"


def test_unknown_status_names_row_and_value(tmp_path: Path) -> None:
    write_grids(tmp_path)
    issues = [dict(i) for i in TINY_ISSUES]
    issues[2]["status"] = "finished"
    write_issues_csv(tmp_path, issues)
    [problem] = _problems(tmp_path)
    # The third issue is row 4 of the file (the header is row 1), as a spreadsheet shows it.
    assert (problem.code, problem.column, problem.rows) == ("unknown_value", "status", (4,))
    assert "finished" in problem.message("en") and "row 4" in problem.message("en")
    assert "第 4 行" in problem.message("zh")


def test_duplicate_id_names_the_second_row(tmp_path: Path) -> None:
    write_grids(tmp_path)
    issues = [dict(i) for i in TINY_ISSUES]
    issues[6]["issue_id"] = "i01"
    write_issues_csv(tmp_path, issues)
    [problem] = _problems(tmp_path)
    assert (problem.code, problem.column, problem.rows) == ("duplicate_id", "issue_id", (8,))


def test_broken_geojson(tmp_path: Path) -> None:
    write_grids(tmp_path)
    write_issues_csv(tmp_path)
    path = tmp_path / "geo" / "grids.geojson"
    path.write_text(path.read_text(encoding="utf-8")[:-40], encoding="utf-8")
    [problem] = _problems(tmp_path)
    assert (problem.file, problem.code) == ("geo/grids.geojson", "unreadable")


def test_grid_code_missing_from_boundaries(tmp_path: Path) -> None:
    write_grids(tmp_path)
    issues = [dict(i) for i in TINY_ISSUES]
    issues[0]["grid_code"] = "999"
    write_issues_csv(tmp_path, issues)
    [problem] = _problems(tmp_path)
    assert (problem.code, problem.rows, problem.detail) == ("unknown_grid", (2,), "999")


def test_bad_time_and_missing_location(tmp_path: Path) -> None:
    write_grids(tmp_path)
    issues = [dict(i) for i in TINY_ISSUES]
    issues[0]["reported_at"] = "yesterday"
    issues[1]["grid_code"] = ""
    write_issues_csv(tmp_path, issues)
    problems = {(p.code, p.column): p.rows for p in _problems(tmp_path)}
    assert problems[("bad_time", "reported_at")] == (2,)
    assert problems[("missing_value", "reported_at")] == (2,)
    assert problems[("missing_location", "grid_code")] == (3,)


def test_grid_with_a_point_geometry_and_duplicate_code(tmp_path: Path) -> None:
    grids = [dict(g) for g in TINY_GRIDS]
    grids[1]["geometry"] = {"type": "Point", "coordinates": [120.0, 30.0]}
    grids[3]["grid_code"] = grids[0]["grid_code"]
    write_grids(tmp_path, grids)
    write_issues_csv(tmp_path)
    problems = {(p.code, p.column): p.rows for p in _problems(tmp_path)}
    assert problems == {("invalid_geometry", "geometry"): (2,), ("duplicate_id", "grid_code"): (4,)}


def test_missing_root_and_missing_issues(tmp_path: Path) -> None:
    assert [p.code for p in _problems(tmp_path / "nowhere")] == ["missing_root"]
    write_grids(tmp_path)
    assert [(p.code, p.file) for p in _problems(tmp_path)] == [("missing_file", "data/issues.parquet / .csv")]


def test_gb18030_csv_is_read(tmp_path: Path) -> None:
    write_grids(tmp_path)
    path = write_issues_csv(tmp_path)
    path.write_bytes(path.read_text(encoding="utf-8").encode("gb18030"))
    dataset = load_dataset(tmp_path)
    assert "噪音扰民" in dataset.issues.get_column("category").to_list()


def test_parquet_with_numeric_codes_and_datetimes(tmp_path: Path) -> None:
    write_grids(tmp_path, [{**g, "grid_code": str(1000 + i)} for i, g in enumerate(TINY_GRIDS)])
    frame = pl.DataFrame(
        {
            "issue_id": [1, 2],
            "reported_at": pl.Series(["2026-10-01 09:00:00", "2026-10-02 09:00:00"]).str.to_datetime(),
            "category": ["其他", "其他"],
            "grid_code": [1000, 1001],
            "status": ["closed", "accepted"],
        }
    )
    (tmp_path / "data").mkdir()
    frame.write_parquet(tmp_path / "data" / "issues.parquet")
    dataset = load_dataset(tmp_path)
    assert dataset.issues.get_column("grid_code").to_list() == ["1000", "1001"]
    assert dataset.issues.get_column("issue_id").to_list() == ["1", "2"]


def test_meta_marks_demo_data(tiny: Path) -> None:
    (tiny / "data" / "meta.json").write_text(json.dumps({"demo": True}), encoding="utf-8")
    assert load_dataset(tiny).is_demo


def test_optional_tables_are_validated(tiny: Path) -> None:
    data = tiny / "data"
    (data / "volunteers.csv").write_text(
        "volunteer_id,grid_code,registered_at,is_party_member\n"
        "v1,330199001001001,2025-01-02,true\n"
        "v1,330199001001002,2025-01-03,false\n"
        "v3,999,2025-01-04,maybe\n",
        encoding="utf-8",
    )
    (data / "service_points.csv").write_text(
        "point_id,name,point_type,lon\np1,驿站,red_station,120.0\n", encoding="utf-8"
    )
    problems = {(p.file, p.code, p.column): p.rows for p in _problems(tiny)}
    assert problems == {
        ("data/volunteers.csv", "bad_boolean", "is_party_member"): (4,),
        ("data/volunteers.csv", "missing_value", "is_party_member"): (4,),
        ("data/volunteers.csv", "duplicate_id", "volunteer_id"): (3,),
        ("data/volunteers.csv", "unknown_grid", "grid_code"): (4,),
        ("data/service_points.csv", "missing_column", "lat"): (),
    }


def test_demo_street_loads_with_every_table() -> None:
    from tests.conftest import REPO

    dataset = load_dataset(REPO)
    assert dataset.is_demo
    assert dataset.volunteers is not None and dataset.volunteers.height > 1000
    assert dataset.service_records is not None and dataset.service_points is not None
    assert dataset.as_of.date().isoformat() == "2026-11-20"
    # Issues given only as points outside the street land in the outside bucket, not lost.
    assert dataset.issues.filter(pl.col("grid_code").is_null()).height > 0
    assert dataset.issues.height == 101_781
