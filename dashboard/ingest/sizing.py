"""How big a table upload is before a cell of it is read: its rows, columns and the memory its check takes.

A table is refused before it is parsed when it has more rows than ``[import] max_rows``, or when reading
and checking it would take more memory than ``[import] max_memory_mb``. The counts are cheap: the line
breaks of a text file (counted again record by record when they are over the limit, as a cell may hold a
line break), the size an Excel sheet declares (``<dimension ref="A1:J1000001"/>`` at the start of its XML)
and the unpacked size of that XML, the metadata of a Parquet file. The memory is estimated from the cells
and the text they hold, at costs measured on files shaped like real exports
(``tests/benchmarks/test_import_memory.py``); the check after the parse keeps several copies of the cells.
"""

from __future__ import annotations

import html
import io
import re
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Final

from dashboard.core.problems import DataError, Problem

MB: Final = 1024 * 1024
# What checking a table takes, less what the process held before (the upload's bytes among it): a fixed
# part (the boundaries, the gazetteer), a part per row (the contract's columns, typed, and the copies
# the checks make) and, by format, parts per cell and per byte of text (CSV: the file in UTF-8; Excel:
# the shared strings and a quarter of the sheet's XML; Parquet: its unpacked pages). Measured as the
# whole check's peak RSS on issue exports shaped like real ones (tests/benchmarks/test_import_memory.py:
# 0.7 million rows of 22 columns in UTF-8 and GB18030, 1.9 million of 5, 150,000 with long descriptions,
# Excel with inline and shared strings, Parquet), then rounded up so that every estimate was above the
# peak measured (by 3 % to 55 %).
FIXED_BYTES: Final = 64 * MB
ROW_BYTES: Final = 500
COSTS: Final[dict[str, tuple[float, float]]] = {
    "csv": (16.0, 3.0),
    "excel": (80.0, 2.5),
    "parquet": (50.0, 1.0),
}
# UTF-8 bytes per byte of the file, at most: GB18030 and UTF-16 store a Chinese character in 2 bytes.
TEXT_GROWTH: Final = {"utf-8": 1.0, "gb18030": 1.5, "utf-16": 1.5}
HEAD_BYTES: Final = 64 * 1024
MIN_CELL_XML: Final = 10  # bytes of a sheet's XML that a cell takes at least (<c r="A1"/> is 11)
XLS_MAX_ROWS: Final = 65_536  # the legacy format holds no more


@dataclass(frozen=True)
class Limits:
    """How big an upload, what it unpacks to, and the table read from it may be."""

    max_bytes: int = 200 * MB
    max_unpacked_bytes: int = 2 * 1024 * MB
    max_rows: int = 2_000_000
    max_memory_bytes: int = 2048 * MB


@dataclass(frozen=True)
class Size:
    """A table's size as far as it is known before it is read: rows (at most), columns, text in UTF-8."""

    rows: int
    columns: int
    text_bytes: int

    def memory(self, fmt: str) -> int:
        """The bytes checking the table is estimated to take (see :data:`COSTS`)."""
        per_cell, per_byte = COSTS[fmt]
        cells = self.rows * max(self.columns, 1)
        return int(FIXED_BYTES + self.rows * ROW_BYTES + cells * per_cell + self.text_bytes * per_byte)


def _fail(file: str, code: str, detail: str = "", **params: str) -> DataError:
    return DataError([Problem(file, code, detail=detail, params=tuple(params.items()))])


def _megabytes(size: float) -> str:
    return f"{size / MB:,.0f} MB"


def refuse_rows(rows: int, file: str, limits: Limits) -> None:
    """Raise :class:`DataError` when a table has more rows than ``[import] max_rows``."""
    if rows > limits.max_rows:
        raise _fail(file, "too_many_rows", rows=f"{rows:,}", limit=f"{limits.max_rows:,}")


def refuse_oversized(size: Size, fmt: str, file: str, limits: Limits) -> None:
    """Raise :class:`DataError` when the table has too many rows or would take too much memory."""
    refuse_rows(size.rows, file, limits)
    memory = size.memory(fmt)
    if memory > limits.max_memory_bytes:
        raise _fail(
            file,
            "too_much_memory",
            rows=f"{size.rows:,}",
            columns=f"{size.columns:,}",
            memory=_megabytes(memory),
            limit=_megabytes(limits.max_memory_bytes),
        )


# --- text -------------------------------------------------------------------------------------


def line_breaks(data: bytes, encoding: str) -> int:
    """The lines of a text file (a break is CR LF, LF or CR, as the CSV reader reads them)."""
    if encoding == "utf-16":
        codec = "utf-16-be" if data.startswith(b"\xfe\xff") else "utf-16-le"
        cr, lf, crlf = ("\r".encode(codec), "\n".encode(codec), "\r\n".encode(codec))
    else:
        cr, lf, crlf = b"\r", b"\n", b"\r\n"
    breaks = data.count(cr) + data.count(lf) - data.count(crlf)
    return breaks + (0 if data.endswith((cr, lf)) else 1)


def text_size(data: bytes, encoding: str, rows: int, columns: int) -> Size:
    return Size(rows=rows, columns=columns, text_bytes=int(len(data) * TEXT_GROWTH.get(encoding, 1.5)))


# --- Excel ------------------------------------------------------------------------------------

_ATTRIBUTE = re.compile(r'([\w:]+)\s*=\s*"([^"]*)"')
_SHEET = re.compile(r"<(?:\w+:)?sheet\b([^>]*)>")
_RELATION = re.compile(r"<(?:\w+:)?Relationship\b([^>]*)>")
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="\$?([A-Z]{1,3})\$?(\d+)(?::\$?([A-Z]{1,3})\$?(\d+))?"')
_ROW_TAG = re.compile(rb"<(?:\w+:)?row[\s>/]")
_CELL_TAG = re.compile(rb"<(?:\w+:)?c[\s>/]")
ZIP_ERRORS: Final = (
    zipfile.BadZipFile,
    OSError,
    ValueError,
    RuntimeError,
    NotImplementedError,
    EOFError,
    zlib.error,
)


def _member_text(archive: zipfile.ZipFile, name: str, limit: int = 4 * MB) -> str:
    try:
        with archive.open(name) as member:
            return member.read(limit).decode("utf-8", errors="replace")
    except KeyError:
        return ""


def _attributes(text: str) -> dict[str, str]:
    return {key.rpartition(":")[2]: html.unescape(value) for key, value in _ATTRIBUTE.findall(text)}


def sheet_members(archive: zipfile.ZipFile) -> dict[str, str]:
    """The workbook's sheets in order: name -> the archive member holding its XML."""
    targets = {}
    for found in _RELATION.findall(_member_text(archive, "xl/_rels/workbook.xml.rels")):
        relation = _attributes(found)
        target = relation.get("Target", "")
        path = target.lstrip("/") if target.startswith("/") else str(PurePosixPath("xl") / target)
        targets[relation.get("Id", "")] = path
    sheets = {}
    for found in _SHEET.findall(_member_text(archive, "xl/workbook.xml")):
        sheet = _attributes(found)
        if sheet.get("id") in targets and "name" in sheet:
            sheets[sheet["name"]] = targets[sheet["id"]]
    return sheets


def _column_number(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - ord("A") + 1
    return number


def _scan(archive: zipfile.ZipFile, name: str) -> tuple[int, int]:
    """Rows and cells of a sheet that declares no size, counted on its XML as it is unpacked."""
    rows = cells = 0
    carry = b""
    with archive.open(name) as member:
        while chunk := member.read(MB):
            buffer = carry + chunk
            cut = buffer.rfind(b"<", len(buffer) - 32)
            body, carry = (buffer[:cut], buffer[cut:]) if cut >= 0 else (buffer, b"")
            rows += len(_ROW_TAG.findall(body))
            cells += len(_CELL_TAG.findall(body))
    rows += len(_ROW_TAG.findall(carry))
    cells += len(_CELL_TAG.findall(carry))
    return rows, cells


def excel_size(archive: zipfile.ZipFile, sheet: str | None) -> Size:
    """The chosen sheet's (else the first's) rows and columns, as it declares them when its XML could
    hold them, and the text of the workbook. The memory counts the sheet's XML as well, so a sheet
    declaring less than it holds is still sized (and its rows are counted again once read)."""
    sheets = sheet_members(archive)
    names = {info.filename: info for info in archive.infolist()}
    member = sheets.get(sheet or "", next(iter(sheets.values()), ""))
    if member not in names:  # no workbook to go by: the largest sheet
        worksheets = [i for i in names.values() if i.filename.startswith("xl/worksheets/")]
        member = max(worksheets, key=lambda i: i.file_size).filename if worksheets else ""
    if not member:
        return Size(0, 0, 0)
    with archive.open(member) as opened:
        found = _DIMENSION.search(opened.read(HEAD_BYTES))
    xml = names[member].file_size
    rows = columns = 0
    if found and found.group(3):
        rows, columns = int(found.group(4)), _column_number(found.group(3).decode())
    # No size declared (or one cell), or more cells than the XML could hold (a used range stretched by
    # formatting, or a false one): count the rows and cells in the XML itself.
    if not rows or rows * columns * MIN_CELL_XML > xml:
        rows, cells = _scan(archive, member)
        columns = -(-cells // rows) if rows else 0
    shared = names.get("xl/sharedStrings.xml")
    text = xml // 4 + (shared.file_size if shared else 0)
    return Size(rows=rows, columns=columns, text_bytes=text)


# --- Parquet ----------------------------------------------------------------------------------


def parquet_size(data: bytes) -> Size:
    """Rows, columns and unpacked size from the file's metadata (raises on a broken file)."""
    import pyarrow.parquet as pq

    meta = pq.read_metadata(io.BytesIO(data))
    unpacked = sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
    return Size(rows=meta.num_rows, columns=meta.num_columns, text_bytes=unpacked)


def xls_size(data: bytes) -> Size:
    """A legacy .xls holds at most 65,536 rows; its size on disk stands for its text."""
    return Size(rows=0, columns=0, text_bytes=len(data))
