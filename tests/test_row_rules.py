"""One rule set for loading and importing: the same times parsed, the same rows refused, the same row numbers.

A data root's file and an upload of the same file must meet the same checks: what the loader would
refuse, the import leaves out (and says so, for the same rows); ISO 8601 times that name their zone
are converted to local time (Asia/Shanghai) by both.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import polars as pl
import pytest

from dashboard import ingest
from dashboard.core.conversions import parse_time_text
from dashboard.core.loading import load_dataset
from dashboard.core.periods import parse_period
from dashboard.core.problems import DataError, Problem
from dashboard.metrics import compute
from tests.builders import G1, write_grids, write_issues_csv

COLUMNS = ("issue_id", "reported_at", "category", "grid_code", "status", "resolved_at", "rework_count")


def _issue(issue_id: str, reported: str, resolved: str = "", rework: str = "0") -> dict[str, str]:
    return {
        "issue_id": issue_id,
        "reported_at": reported,
        "category": "环境卫生",
        "grid_code": G1,
        "status": "resolved" if resolved else "accepted",
        "resolved_at": resolved,
        "rework_count": rework,
    }


def _root(tmp_path: Path, issues: list[dict[str, str]]) -> tuple[Path, bytes]:
    root = tmp_path / "root"
    write_grids(root)
    path = write_issues_csv(root, issues, COLUMNS)
    return root, path.read_bytes()


def _load_problems(root: Path) -> set[tuple[str, str | None, tuple[int, ...]]]:
    with pytest.raises(DataError) as caught:
        load_dataset(root)
    return {(p.code, p.column, p.rows) for p in caught.value.problems}


def _keys(problems: list[Problem]) -> set[tuple[str, str | None, tuple[int, ...]]]:
    return {(p.code, p.column, p.rows) for p in problems}


def test_iso_times_with_an_offset_or_z_load_and_import_as_local_time(tmp_path: Path) -> None:
    issues = [
        _issue("a1", "2026-10-01T09:00:00+08:00", resolved="2026-10-01T12:00:00+0800"),
        _issue("a2", "2026-10-01T01:00:00Z", resolved="2026-10-01T04:00:00Z"),
        _issue("a3", "2026-10-01T09:00:00", resolved="2026-10-01 12:00:00"),
        # 20:00 the evening before in New York (UTC−5) is 09:00 in Shanghai.
        _issue("a4", "2026-09-30T20:00:00-05:00"),
    ]
    root, data = _root(tmp_path, issues)
    nine = pl.datetime(2026, 10, 1, 9).alias("nine")

    loaded = load_dataset(root).issues.sort("issue_id")
    assert loaded.select((pl.col("reported_at") == nine).all()).item()
    assert loaded.get_column("resolved_at").dt.hour().to_list() == [12, 12, 12, None]

    prepared = ingest.prepare(root, "issues", data, "issues.csv")
    assert prepared.errors == [] and prepared.warnings == []
    imported = prepared.good.sort("issue_id")
    assert imported.get_column("reported_at").to_list() == loaded.get_column("reported_at").to_list()
    assert imported.get_column("resolved_at").to_list() == loaded.get_column("resolved_at").to_list()


def test_a_zoned_parquet_file_is_read_as_local_time_by_both(tmp_path: Path) -> None:
    root = tmp_path / "root"
    write_grids(root)
    frame = pl.DataFrame(
        {
            "issue_id": ["p1"],
            "reported_at": pl.Series(["2026-10-01 01:00:00"]).str.to_datetime().dt.replace_time_zone("UTC"),
            "category": ["其他"],
            "grid_code": [G1],
            "status": ["accepted"],
        }
    )
    (root / "data").mkdir()
    frame.write_parquet(root / "data" / "issues.parquet")
    loaded = load_dataset(root).issues.get_column("reported_at").to_list()
    prepared = ingest.prepare(root, "issues", (root / "data" / "issues.parquet").read_bytes(), "i.parquet")
    assert prepared.errors == []
    assert loaded == prepared.good.get_column("reported_at").to_list() == [datetime(2026, 10, 1, 9)]


def test_a_finish_before_the_report_is_refused_by_both_for_the_same_rows(tmp_path: Path) -> None:
    issues = [
        _issue("a1", "2026-10-01 09:00:00", resolved="2026-10-01 12:00:00"),  # 3 h
        _issue("a2", "2026-10-02 09:00:00", resolved="2026-10-01 09:00:00"),  # finished a day before: row 3
        _issue("a3", "2026-10-03 09:00:00", resolved="2026-10-03 14:00:00"),  # 5 h
        _issue("b1", "2026-10-04 09:00:00", resolved="2026-10-04 08:00:00"),  # an hour before: row 5
    ]
    root, data = _root(tmp_path, issues)
    expected = ("finish_before_report", "resolved_at", (3, 5))
    loaded = _load_problems(root)
    assert loaded == {expected}

    prepared = ingest.prepare(root, "issues", data, "issues.csv")
    assert _keys(prepared.errors) == loaded
    assert prepared.bad_rows == 2 and prepared.good_count == 2

    # Imported without the refused rows, the data loads and no time to finish is negative.
    ingest.commit_import(root, prepared, data, mode="replace")
    dataset = load_dataset(root)
    [row] = compute(
        dataset.issues, dataset.units, "all", parse_period("2026-10"), dataset.as_of, dataset.settings
    ).iter_rows(named=True)
    assert row["median_hours_to_finish"] == pytest.approx(4.0)  # of 3 h and 5 h


def test_a_negative_rework_count_is_refused_by_both(tmp_path: Path) -> None:
    """The import used to keep it with a note: the next load then refused the whole file."""
    issues = [_issue("a1", "2026-10-01 09:00:00"), _issue("a2", "2026-10-02 09:00:00", rework="-1")]
    root, data = _root(tmp_path, issues)
    loaded = _load_problems(root)
    assert loaded == {("bad_count", "rework_count", (3,))}
    prepared = ingest.prepare(root, "issues", data, "issues.csv")
    assert _keys(prepared.errors) == loaded
    ingest.commit_import(root, prepared, data, mode="replace")
    assert load_dataset(root).issues.get_column("issue_id").to_list() == ["a1"]


def test_rows_without_a_place_are_named_alike(tmp_path: Path) -> None:
    issues = [_issue("a1", "2026-10-01 09:00:00"), {**_issue("a2", "2026-10-02 09:00:00"), "grid_code": ""}]
    root, data = _root(tmp_path, issues)
    loaded = _load_problems(root)
    assert loaded == {("missing_location", "grid_code", (3,))}
    assert _keys(ingest.prepare(root, "issues", data, "issues.csv").errors) == loaded


@pytest.mark.parametrize(
    ("text", "local"),
    [
        ("2026-10-01T09:00:00+08:00", "2026-10-01 09:00:00"),
        ("2026-10-01 09:00:00.000000+08:00", "2026-10-01 09:00:00"),  # a zoned Parquet column as text
        ("2026-10-01 09:00:00 +0800", "2026-10-01 09:00:00"),
        ("2026-10-01T09:00+08", "2026-10-01 09:00:00"),
        ("2026-10-01T01:00:00Z", "2026-10-01 09:00:00"),
        ("2026-09-30T20:00:00-05:00", "2026-10-01 09:00:00"),
        ("2026-10-01T09:00:00", "2026-10-01 09:00:00"),  # no zone: local already
        ("2026-10-01", "2026-10-01 00:00:00"),
        ("2026-10-01T09:00:00+8a", None),
    ],
)
def test_time_text_with_or_without_a_zone(text: str, local: str | None) -> None:
    parsed = pl.select(parse_time_text(pl.lit(text))).item()
    assert (None if parsed is None else str(parsed)) == local
