"""Import benchmark: the whole street demo (~100k issues) as a GB18030 CSV, checked and committed.

Target: a month's export (a few thousand rows) imports in well under a second, so the full
two years of the street stays under 10 s from upload to the new version.
"""

from __future__ import annotations

import shutil
import statistics
import time
from pathlib import Path

import polars as pl
import pytest

from dashboard import ingest
from tests.benchmarks.test_performance import _record
from tests.conftest import REPO

pytestmark = pytest.mark.benchmark


def test_import_the_street_demo_as_a_gbk_csv(tmp_path: Path) -> None:
    issues = pl.read_parquet(REPO / "data" / "issues.parquet")
    data = (
        issues.with_columns(pl.col(pl.Datetime).dt.strftime("%Y/%m/%d %H:%M")).write_csv().encode("gb18030")
    )
    prepare_s, commit_s = [], []
    for run in range(3):
        root = tmp_path / f"root{run}"
        shutil.copytree(REPO / "geo", root / "geo")
        shutil.copytree(REPO / "data", root / "data")
        started = time.perf_counter()
        prepared = ingest.prepare(root, "issues", data, "issues.csv")
        checked = time.perf_counter()
        result = ingest.commit_import(root, prepared, data)
        prepare_s.append(checked - started)
        commit_s.append(time.perf_counter() - checked)
        assert prepared.good_count == issues.height and result.total == issues.height
    per_100k = 100_000 / issues.height
    _record("import_check_per_100k_rows", statistics.median(prepare_s) * per_100k, "s")
    _record("import_commit_per_100k_rows", statistics.median(commit_s) * per_100k, "s")
    assert statistics.median(prepare_s) + statistics.median(commit_s) < 10
