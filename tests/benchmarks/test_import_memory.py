"""Import memory benchmark (issue 14): the peak memory of checking a large upload, each in a process of its own.

Run with ``python -m pytest -m benchmark tests/benchmarks/test_import_memory.py -s``. The files are made
here: the street demo's issues seven times over as a CSV (194 MB, 712,467 rows of 22 columns), and an
.xlsx of 64 MB whose sheet unpacks to 1.2 GB (1,850,000 rows of 10 columns, inline strings as
xlsxwriter's constant-memory mode writes them). On a 2-core machine the CSV check peaked at 2.4 GB before
the limits and the chunked reader, 1.25 GB after; the .xlsx at 2.8 GB, and is now refused before it is
unpacked (the CLI's whole process: 0.2 GB). The costs in :mod:`dashboard.ingest.sizing` were measured with these figures.
"""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import polars as pl
import pytest
import xlsxwriter

from tests.benchmarks.test_performance import _record
from tests.conftest import REPO

pytestmark = pytest.mark.benchmark

# Run in a child: check the upload as the CLI does, print the peak RSS before and after and what was found.
CHILD = """
import json, resource, sys
from pathlib import Path
from dashboard import ingest
from dashboard.core.problems import DataError
from dashboard.ingest.readers import read_table_upload
from dashboard.ingest.sizing import Limits
root, upload = Path(sys.argv[1]), Path(sys.argv[2])
data = upload.read_bytes()
estimate = ""
try:  # the estimate, from the refusal of a budget of 1 byte
    read_table_upload(data, upload.name, Limits(max_bytes=1 << 40, max_rows=1 << 40, max_memory_bytes=1))
except DataError as error:
    estimate = dict(error.problems[0].params).get("memory", "")
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
prepared = ingest.prepare(root, "issues", data, upload.name)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
codes = [p.code for p in prepared.blocking]
print(json.dumps({"before": before, "peak": peak, "rows": prepared.total_rows, "refused": codes, "estimate": estimate}))
"""
MB = 1024 * 1024


def _root(tmp_path: Path, settings: str = "") -> Path:
    root = tmp_path / "root"
    shutil.copytree(REPO / "geo", root / "geo")
    (root / "data").mkdir()
    if settings:
        (root / "dashboard.toml").write_text(settings, encoding="utf-8")
    return root


def _check(root: Path, upload: Path) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(root), str(upload)],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    result: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
    return result


def _big_csv(path: Path, copies: int = 7) -> Path:
    issues = pl.read_parquet(REPO / "data" / "issues.parquet")
    parts = [issues.with_columns(pl.col("issue_id") + f"-{i}") for i in range(copies)]
    pl.concat(parts).with_columns(pl.col(pl.Datetime).dt.strftime("%Y/%m/%d %H:%M")).write_csv(path)
    return path


def _huge_xlsx(path: Path, rows: int = 1_850_000) -> Path:
    """A workbook from xlsxwriter whose sheet's XML is streamed in: 10 text columns, ``rows`` rows."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    book.add_worksheet("10月").write(0, 0, "x")
    book.close()
    header = (
        "工单编号",
        "上报时间",
        "事件类型",
        "网格编码",
        "事件状态",
        "诉求渠道",
        "办结时间",
        "满意度",
        "诉求内容",
        "事发地址",
    )
    values = (
        "2026/10/02 09:00",
        "环境卫生",
        "33019900100100101",
        "已办结",
        "12345热线",
        "2026/10/03 09:00",
        "满意",
    )

    def row(r: int, cells: tuple[str, ...]) -> str:
        inner = "".join(
            f'<c r="{c}{r}" t="inlineStr"><is><t>{v}</t></is></c>'
            for c, v in zip("ABCDEFGHIJ", cells, strict=True)
        )
        return f'<row r="{r}">{inner}</row>'

    with (
        zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as source,
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out,
    ):
        for info in source.infolist():
            if info.filename != "xl/worksheets/sheet1.xml":
                out.writestr(info.filename, source.read(info))
        with out.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(
                '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="http://schemas.'
                f'openxmlformats.org/spreadsheetml/2006/main"><dimension ref="A1:J{rows + 1}"/><sheetData>'.encode()
            )
            sheet.write(row(1, header).encode())
            for start in range(2, rows + 2, 10_000):
                chunk = range(start, min(start + 10_000, rows + 2))
                sheet.write(
                    "".join(
                        row(r, (f"SJ{r:09d}", *values, "楼道堆放杂物", "示例路1号")) for r in chunk
                    ).encode()
                )
            sheet.write(b"</sheetData></worksheet>")
    return path


def test_checking_a_194_mb_csv_peaks_near_1_2_gb(tmp_path: Path) -> None:
    upload = _big_csv(tmp_path / "issues.csv")
    found = _check(_root(tmp_path), upload)
    peak, before = int(found["peak"]), int(found["before"])
    _record("import_csv_194mb_peak_rss", peak / MB, "MB")
    _record("import_csv_194mb_check_rss", (peak - before) / MB, "MB")
    print(
        f"estimated {found['estimate']}, measured {(peak - before) / MB:,.0f} MB over {before / MB:,.0f} MB"
    )
    assert found["rows"] == 712_467 and found["refused"] == []
    assert peak < 1600 * MB  # 2.4 GB before the chunked reader
    assert (peak - before) / MB < float(str(found["estimate"]).split()[0].replace(",", ""))


def test_a_small_xlsx_with_a_huge_sheet_is_refused_before_it_is_unpacked(tmp_path: Path) -> None:
    upload = _huge_xlsx(tmp_path / "huge.xlsx")
    found = _check(_root(tmp_path), upload)  # the default limits
    _record("import_huge_xlsx_refused_peak_rss", int(found["peak"]) / MB, "MB")
    assert found["refused"] == ["too_much_memory"]
    assert int(found["peak"]) - int(found["before"]) < 64 * MB  # the check took 2.8 GB before the limits
    raised = _root(tmp_path / "raised", "[import]\nmax_memory_mb = 8192\n")
    accepted = _check(raised, upload)
    peak, before = int(accepted["peak"]), int(accepted["before"])
    _record("import_huge_xlsx_peak_rss", peak / MB, "MB")
    print(
        f"estimated {accepted['estimate']}, measured {(peak - before) / MB:,.0f} MB over {before / MB:,.0f} MB"
    )
    assert accepted["rows"] == 1_850_000 and accepted["refused"] == []
    assert (peak - before) / MB < float(str(accepted["estimate"]).split()[0].replace(",", ""))
