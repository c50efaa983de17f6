"""The command line: ``python -m dashboard metrics`` output and its errors."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from dashboard.cli import main
from dashboard.metrics import METRIC_KEYS
from tests.builders import C1, C2, TINY_ISSUES, write_issues_csv
from tests.conftest import REPO, DemoRun


def _run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def test_metrics_json_by_community(tiny: Path) -> None:
    code, out, _ = _run(
        "metrics",
        "--data",
        str(tiny),
        "--period",
        "2026-10",
        "--by",
        "community",
        "--format",
        "json",
        "--as-of",
        "2026-11-20 00:00:00",
    )
    assert code == 0
    records = json.loads(out)
    assert [r["community_code"] for r in records] == [C1, C2, None]
    first = records[0]
    assert first["community_name"] == "东湖社区"
    assert first["issue_count"] == 5
    assert first["resolution_rate"] == pytest.approx(0.75)
    assert first["median_hours_to_finish"] == pytest.approx(72.0)
    outside = records[2]
    assert outside["issue_count"] == 1 and outside["satisfaction_rate"] is None
    assert list(first) == [
        "community_code",
        "community_name",
        *METRIC_KEYS,
        "basis",
        "measured_at",
        "provisional",
    ]
    # October at its assessment cut-off (1 November + 5 days), final by 20 November.
    assert (first["basis"], first["measured_at"], first["provisional"]) == (
        "cutoff",
        "2026-11-06 00:00:00",
        False,
    )


def test_metrics_by_grid_with_a_range_and_zero_denominators(tiny: Path) -> None:
    code, out, _ = _run("metrics", "--data", str(tiny), "--period", "2026-09-01..2026-10-31", "--by", "grid")
    records = {r["grid_code"]: r for r in json.loads(out)}
    assert code == 0
    park = records["330199001002002"]
    assert park["issue_count"] == 0 and park["resolution_rate"] is None and park["issues_per_1000"] is None
    assert records["330199001001002"]["issue_count"] == 2


def test_metrics_table_is_readable(tiny: Path) -> None:
    code, out, _ = _run(
        "metrics", "--data", str(tiny), "--period", "2026-10", "--by", "community", "--format", "table"
    )
    assert code == 0
    assert "东湖社区" in out and "75.0%" in out and "不在网格内" in out
    code, out, _ = _run(
        "metrics",
        "--data",
        str(tiny),
        "--period",
        "2026-10",
        "--by",
        "community",
        "--format",
        "table",
        "--lang",
        "en",
    )
    assert "Resolution rate" in out and "Outside every grid" in out


def test_bad_root_exits_non_zero_naming_file_row_column(tmp_path: Path, tiny: Path) -> None:
    issues = [dict(i) for i in TINY_ISSUES]
    issues[3]["status"] = "done"
    write_issues_csv(tiny, issues)
    code, out, err = _run("metrics", "--data", str(tiny), "--period", "2026-10")
    assert code == 2 and out == ""
    assert "文件 data/issues.csv，第 5 行，列 status" in err
    assert "File data/issues.csv, row 5, column status: value not allowed: done" in err


def test_bad_period_is_a_clear_error(tiny: Path) -> None:
    code, _, err = _run("metrics", "--data", str(tiny), "--period", "October")
    assert code == 2 and "2026-10" in err


def test_module_entry_point_runs_without_traceback(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "dashboard",
            "metrics",
            "--data",
            str(tmp_path / "none"),
            "--period",
            "2026-10",
        ],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "数据目录不存在" in result.stderr and "does not exist" in result.stderr


def test_demo_command_and_street_league_on_the_district_demo(district_demo: DemoRun) -> None:
    assert district_demo.code == 0 and "district" in district_demo.out  # the demo command (conftest.py)
    code, out, _ = _run("metrics", "--data", str(district_demo.root), "--period", "2026-10", "--by", "street")
    assert code == 0
    records = json.loads(out)
    streets = [r for r in records if r["street_code"] is not None]
    assert len(streets) == 6
    assert all(r["street_name"] and r["issue_count"] > 0 for r in streets)
    assert all(0 < r["resolution_rate"] <= 1 for r in streets)
