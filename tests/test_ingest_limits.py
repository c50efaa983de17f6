"""Import limits (issue 14): a table with more rows than ``[import] max_rows``, or one whose check would take
more memory than ``[import] max_memory_mb``, is refused before its cells are read, with the figure and the
setting to raise, in the user's language. The rows are counted cheaply: a CSV's line breaks (then its records,
as a cell may hold a line break), the size an Excel sheet declares, a Parquet file's metadata.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest
import xlsxwriter

from dashboard import ingest
from dashboard.ingest import sizing
from dashboard.ingest.findings import Prepared
from tests.builders import G1, G2, G3, write_grids

HEADER = ("工单编号", "上报时间", "事件类型", "网格编码", "事件状态", "诉求内容")
ROWS = [
    ("A1", "2026-10-02 09:00", "环境卫生", G1, "已办结", "楼道堆放杂物"),
    ("A2", "2026-10-03 10:00", "噪音扰民", G1, "处置中", "夜间施工"),
    ("A3", "2026-10-05 08:00", "停车管理", G2, "已结案", "消防通道停车"),
    ("A4", "2026-10-06 08:00", "物业管理", G3, "已上报", "电梯故障"),
]


@pytest.fixture
def root(tmp_path: Path) -> Path:
    folder = tmp_path / "root"
    write_grids(folder)
    return folder


def _limits(root: Path, text: str) -> Path:
    (root / "dashboard.toml").write_text(f"[import]\n{text}\n", encoding="utf-8")
    return root


def _csv(rows: list[tuple[str, ...]] = ROWS, encoding: str = "gbk") -> bytes:
    return "\r\n".join(",".join(row) for row in [HEADER, *rows]).encode(encoding) + b"\r\n"


def _xlsx(sheets: dict[str, list[tuple[str, ...]]]) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    for name, rows in sheets.items():
        sheet = book.add_worksheet(name)
        for r, row in enumerate(rows):
            sheet.write_row(r, 0, row)
    book.close()
    return buffer.getvalue()


def _rewrite(data: bytes, member: str, change: Callable[[bytes], bytes]) -> bytes:
    """The archive with one member's bytes changed (as another program might have written them)."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            body = source.read(info)
            target.writestr(info.filename, change(body) if info.filename == member else body)
    return out.getvalue()


def _declared(data: bytes, member: str, ref: bytes | None) -> bytes:
    """The sheet's ``<dimension ref=.../>`` changed to ``ref``, or removed."""
    element = b'<dimension ref="' + ref + b'"/>' if ref else b""
    return _rewrite(data, member, lambda xml: re.sub(rb"<dimension [^>]*/>", element, xml))


def _refusal(prepared: Prepared) -> tuple[str, str]:
    assert prepared.refused and prepared.good is None
    [problem] = prepared.blocking
    return problem.message("zh"), problem.message("en")


def test_a_csv_over_the_row_limit_is_refused_naming_the_rows_and_the_setting(root: Path) -> None:
    _limits(root, "max_rows = 4")
    zh, en = _refusal(ingest.prepare(root, "issues", _csv(), "10月工单.csv"))
    assert zh == (
        "文件 10月工单.csv: 该表约 5 行，超过导入上限 4 行（设置 [import] max_rows）；"
        "请拆分后分批导入，或请管理员调高 [import] max_rows"
    )
    assert "about 5 rows, more than the import limit of 4 rows (setting [import] max_rows)" in en
    _limits(root, "max_rows = 5")  # the header and four issues
    prepared = ingest.prepare(root, "issues", _csv(), "10月工单.csv")
    assert (prepared.total_rows, prepared.good_count) == (4, 4)


def test_line_breaks_inside_cells_do_not_count_as_rows(root: Path) -> None:
    _limits(root, "max_rows = 5")
    text = _csv().decode("gbk").replace(",楼道堆放杂物", ',"楼道堆放杂物\r\n三单元二楼\r\n已拍照"')
    data = text.encode("gbk")
    assert sizing.line_breaks(data, "gb18030") == 7  # more lines than the limit, but five records
    prepared = ingest.prepare(root, "issues", data, "10月工单.csv")
    assert not prepared.blocking and prepared.good_count == 4
    assert prepared.good.get_column("description").to_list()[0] == "楼道堆放杂物\r\n三单元二楼\r\n已拍照"


@pytest.mark.parametrize(
    ("data", "encoding", "lines"),
    [
        (b"a,b\r\n1,2\r\n3,4\r\n", "utf-8", 3),
        (b"a,b\n1,2\n3,4", "utf-8", 3),  # no break after the last row
        (b"a,b\r1,2\r3,4\r", "utf-8", 3),  # old Mac line breaks
        ("a,b\r\n1,2\r\n".encode("utf-16"), "utf-16", 2),
        (b"\xfe\xff" + "a,b\n1,2\n".encode("utf-16-be"), "utf-16", 2),
    ],
)
def test_lines_are_counted_on_the_bytes(data: bytes, encoding: str, lines: int) -> None:
    assert sizing.line_breaks(data, encoding) == lines


def test_a_csv_over_the_memory_limit_is_refused_with_the_estimate(root: Path) -> None:
    _limits(root, "max_memory_mb = 64")
    rows = [(f"B{i}", "2026-10-02 09:00", "环境卫生", G1, "已办结", "楼道堆放杂物") for i in range(40_000)]
    zh, en = _refusal(ingest.prepare(root, "issues", _csv(rows), "全年工单.csv"))
    assert re.fullmatch(
        r"文件 全年工单\.csv: 读取并检查该表（约 40,001 行 × 6 列）约需 (\d+) MB 内存，超过导入内存上限 64 MB"
        r"（设置 \[import\] max_memory_mb）；请拆分后分批导入，或请管理员调高 \[import\] max_memory_mb",
        zh,
    )
    estimate = int(re.findall(r"约需 (\d+) MB", zh)[0])
    assert 64 < estimate < 100  # the fixed part, 40,001 rows of 500 bytes and 1.3 MB of text
    assert "more than the import limit of 64 MB (setting [import] max_memory_mb)" in en
    _limits(root, "max_memory_mb = 128")
    assert ingest.prepare(root, "issues", _csv(rows), "全年工单.csv").good_count == 40_000


def _not_unpacked(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if the workbook's cells are read (the refusal must come first)."""
    import fastexcel

    def read_excel(*args: object, **kwargs: object) -> None:
        raise AssertionError("the sheet was unpacked")

    monkeypatch.setattr(fastexcel, "read_excel", read_excel)


def _ledger(rows: int) -> list[tuple[str, ...]]:
    return [(f"B{i}", "2026-10-02 09:00", "环境卫生", G1, "已办结", "楼道堆放杂物") for i in range(rows)]


def test_an_xlsx_sheet_over_the_row_limit_is_refused_before_it_is_unpacked(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _limits(root, "max_rows = 2_000")
    book = _xlsx({"9月": [HEADER, *ROWS], "10月": [HEADER, *_ledger(3_000)]})
    with monkeypatch.context() as patched:
        _not_unpacked(patched)
        zh, en = _refusal(ingest.prepare(root, "issues", book, "台账.xlsx", ingest.Mapping(sheet="10月")))
    assert zh == (
        "文件 台账.xlsx: 该表约 3,001 行，超过导入上限 2,000 行（设置 [import] max_rows）；"
        "请拆分后分批导入，或请管理员调高 [import] max_rows"
    )
    assert "the table has about 3,001 rows, more than the import limit of 2,000 rows" in en
    # The other sheet is small: chosen (or by default, as the first), it is read.
    for mapping in (ingest.Mapping(sheet="9月"), ingest.Mapping()):
        prepared = ingest.prepare(root, "issues", book, "台账.xlsx", mapping)
        assert (prepared.sheet, prepared.sheets, prepared.good_count) == ("9月", ["9月", "10月"], 4)


def test_a_used_range_stretched_by_formatting_is_not_taken_for_rows(root: Path) -> None:
    _limits(root, "max_rows = 5")
    stretched = _declared(_xlsx({"Sheet1": [HEADER, *ROWS]}), "xl/worksheets/sheet1.xml", b"A1:XFD1048576")
    with zipfile.ZipFile(io.BytesIO(stretched)) as archive:
        size = sizing.excel_size(archive, None)
    assert (size.rows, size.columns) == (5, 6)  # counted in the XML, which cannot hold 17 billion cells
    assert ingest.prepare(root, "issues", stretched, "台账.xlsx").good_count == 4


def test_an_xlsx_over_the_memory_limit_names_its_rows_and_columns(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    book = _xlsx({"Sheet1": [HEADER, *_ledger(20_000)]})
    _limits(root, "max_memory_mb = 80")
    with monkeypatch.context() as patched:
        _not_unpacked(patched)
        zh, _ = _refusal(ingest.prepare(root, "issues", book, "台账.xlsx"))
    assert re.fullmatch(
        r"文件 台账\.xlsx: 读取并检查该表（约 20,001 行 × 6 列）约需 (\d+) MB 内存，超过导入内存上限 80 MB"
        r"（设置 \[import\] max_memory_mb）；请拆分后分批导入，或请管理员调高 \[import\] max_memory_mb",
        zh,
    )
    _limits(root, "max_memory_mb = 128")
    assert ingest.prepare(root, "issues", book, "台账.xlsx").good_count == 20_000


def test_an_xlsx_without_a_declared_size_is_counted_and_one_declaring_too_little_is_still_refused(
    root: Path,
) -> None:
    _limits(root, "max_rows = 4")
    book = _xlsx({"Sheet1": [HEADER, *ROWS]})
    for ref in (None, b"A1"):  # no size declared: its rows are counted as it is unpacked
        undeclared = _declared(book, "xl/worksheets/sheet1.xml", ref)
        with zipfile.ZipFile(io.BytesIO(undeclared)) as archive:
            size = sizing.excel_size(archive, None)
        assert (size.rows, size.columns) == (5, 6)
        zh, _ = _refusal(ingest.prepare(root, "issues", undeclared, "a.xlsx"))
        assert "该表约 5 行，超过导入上限 4 行" in zh
    lying = _declared(book, "xl/worksheets/sheet1.xml", b"A1:E2")  # counted once read
    zh, _ = _refusal(ingest.prepare(root, "issues", lying, "a.xlsx"))
    assert "该表约 5 行，超过导入上限 4 行" in zh
    _limits(root, "max_rows = 5")
    assert ingest.prepare(root, "issues", lying, "a.xlsx").good_count == 4


def test_a_parquet_file_over_the_row_limit_is_refused_from_its_metadata(root: Path) -> None:
    _limits(root, "max_rows = 3")
    buffer = io.BytesIO()
    pl.DataFrame(
        {
            "issue_id": [r[0] for r in ROWS],
            "reported_at": [dt.datetime(2026, 10, 2 + i, 9) for i in range(len(ROWS))],
            "category": [r[2] for r in ROWS],
            "grid_code": [r[3] for r in ROWS],
            "status": ["resolved"] * len(ROWS),
        }
    ).write_parquet(buffer)
    zh, _ = _refusal(ingest.prepare(root, "issues", buffer.getvalue(), "issues.parquet"))
    assert "该表约 4 行，超过导入上限 3 行（设置 [import] max_rows）" in zh


def test_the_cli_prints_the_refusal_and_leaves_the_root_alone(root: Path, tmp_path: Path) -> None:
    from tests.test_ingest import _fingerprint, _run

    _limits(root, "max_rows = 2")
    before = _fingerprint(root)
    upload = tmp_path / "10月工单.csv"
    upload.write_bytes(_csv())
    code, out, err = _run("import", "--data", str(root), "--kind", "issues", str(upload))
    assert code == 2 and "Traceback" not in out + err
    assert "该表约 5 行，超过导入上限 2 行（设置 [import] max_rows）" in out
    assert _fingerprint(root) == before


def test_a_legacy_xls_over_the_row_limit_is_refused_once_read(root: Path) -> None:
    import xlwt

    book = xlwt.Workbook()
    sheet = book.add_sheet("10月")
    for r, row in enumerate([HEADER, *ROWS]):
        for c, value in enumerate(row):
            sheet.write(r, c, value)
    buffer = io.BytesIO()
    book.save(buffer)
    _limits(root, "max_rows = 4")
    zh, _ = _refusal(ingest.prepare(root, "issues", buffer.getvalue(), "台账.xls"))
    assert "该表约 5 行，超过导入上限 4 行（设置 [import] max_rows）" in zh
    _limits(root, "max_rows = 5")
    assert ingest.prepare(root, "issues", buffer.getvalue(), "台账.xls").good_count == 4
