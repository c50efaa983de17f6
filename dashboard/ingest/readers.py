"""Read an uploaded file into a grid of text cells (tables) or a GeoDataFrame (boundaries).

Nothing here trusts the file: the format is told by its first bytes, not its name; text is
decoded as UTF-8 (with or without BOM), UTF-16 or GB18030 (a superset of GBK); zip archives
are checked for size and paths before a byte is unpacked; every failure becomes a
:class:`~dashboard.core.problems.Problem`, never a traceback.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import stat
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Final

import geopandas as gpd
import polars as pl

from dashboard.core.conversions import text_column
from dashboard.core.problems import DataError, Problem
from dashboard.ingest import sizing
from dashboard.ingest.sizing import ZIP_ERRORS, Limits

SEPARATORS = (",", "\t", ";", "|")
GEO_SUFFIXES = (".geojson", ".json", ".zip", ".shp")
TABLE_SUFFIXES = (".csv", ".txt", ".tsv", ".xlsx", ".xlsm", ".xls", ".parquet")
MAX_ZIP_ENTRIES = 1000
MAX_RATIO = 200  # uncompressed : compressed, per archive member; real files stay far below
MAX_NAME_BYTES: Final = 255  # a file or folder name, on the file systems an archive is unpacked to
# Rows of a text table parsed at a time: the cells of a chunk are Python strings until it is a frame.
CHUNK_ROWS: Final = 50_000
DECODE_STEP: Final = 4 * 1024 * 1024
CODECS: Final = {"utf-8": "utf-8-sig", "utf-16": "utf-16", "gb18030": "gb18030"}


@dataclass
class Sheet:
    """A table read from a file: every cell as text (``None`` when empty), rows as in the file."""

    cells: pl.DataFrame
    format: str
    encoding: str | None = None
    sheet: str | None = None
    sheets: list[str] = field(default_factory=list)
    # Notes on the whole file (columns read as text), shown with the report's warnings.
    notes: list[Problem] = field(default_factory=list)


def _fail(file: str, code: str, detail: str = "") -> DataError:
    return DataError([Problem(file, code, detail=detail)])


def check_size(data: bytes, file: str, limits: Limits) -> None:
    if not data:
        raise _fail(file, "empty_file")
    if len(data) > limits.max_bytes:
        raise _fail(
            file,
            "too_large",
            detail=f"{len(data) / 1024 / 1024:.1f} MB > {limits.max_bytes / 1024 / 1024:.0f} MB",
        )


def sniff(data: bytes, name: str) -> str:
    """``xlsx``, ``xls``, ``parquet``, ``zip``, ``json`` or ``text``, from the first bytes."""
    head = data[:8]
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = archive.namelist()
        except (zipfile.BadZipFile, OSError, ValueError):  # broken: let the reader of its kind say so
            return "xlsx" if Path(name).suffix.lower() in (".xlsx", ".xlsm") else "zip"
        return "xlsx" if "[Content_Types].xml" in names else "zip"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "xls"
    if head.startswith(b"PAR1"):
        return "parquet"
    stripped = data[:64].lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped.startswith(b"{") and Path(name).suffix.lower() in (".geojson", ".json"):
        return "json"
    return "text"


def _member_path(member: zipfile.ZipInfo) -> PurePosixPath:
    return PurePosixPath(member.filename.replace("\\", "/"))


def _check_names(members: list[zipfile.ZipInfo], file: str) -> None:
    """Every member unpacks to a path of its own: no file without a name or with a name too long, no
    file that is also a folder (``lnk`` and ``lnk/x``), nothing encrypted."""
    files: set[str] = set()
    folders: set[str] = set()
    for member in members:
        path = _member_path(member)
        if member.flag_bits & 0x1:
            raise _fail(file, "zip_encrypted", detail=member.filename[:100])
        too_long = any(len(part.encode("utf-8", "replace")) > MAX_NAME_BYTES for part in path.parts)
        if too_long or not (path.parts or member.is_dir()):  # a folder "./" is the archive's top
            raise _fail(file, "zip_bad_name", detail=member.filename[:100])
        folders.update(str(parent) for parent in path.parents if parent.parts)
        (folders if member.is_dir() else files).add(str(path))
    if clash := sorted(files & folders):
        raise _fail(file, "zip_conflict", detail=clash[0][:100])


def check_zip(data: bytes, file: str, limits: Limits) -> zipfile.ZipFile:
    """Open a zip archive after checking its members: no absolute or ``..`` paths, no bombs, no names
    that cannot be unpacked."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise _fail(file, "unreadable", detail=str(exc)[:200]) from exc
    if len(members) > MAX_ZIP_ENTRIES:
        raise _fail(file, "zip_bomb", detail=f"{len(members)} entries")
    total = 0
    for member in members:
        path = _member_path(member)
        if path.is_absolute() or ".." in path.parts:
            raise _fail(file, "zip_unsafe", detail=member.filename[:100])
        total += member.file_size
        if member.compress_size and member.file_size / member.compress_size > MAX_RATIO:
            raise _fail(file, "zip_bomb", detail=f"{member.filename[:60]}: {member.file_size} bytes")
    if total > limits.max_unpacked_bytes:
        raise _fail(file, "zip_bomb", detail=f"{total} bytes")
    _check_names(members, file)
    return archive


def unpack_failure(exc: BaseException, file: str, detail: str) -> DataError:
    """What went wrong unpacking (``detail``: the member), as a problem: damaged, an unknown method,
    encrypted, or the disk refusing the write."""
    if isinstance(exc, NotImplementedError):
        code = "zip_unsupported"
    elif isinstance(exc, RuntimeError):  # zipfile: "File ... is encrypted, password required"
        code = "zip_encrypted"
    elif isinstance(exc, OSError):
        return _fail(file, "write_failed", detail=exc.strerror or type(exc).__name__)
    else:
        code = "zip_damaged"
    return _fail(file, code, detail=detail[:100])


def _extract(archive: zipfile.ZipFile, target: Path, file: str, limits: Limits) -> None:
    """Unpack, counting the bytes actually written (member headers may lie); links are left out."""
    written = 0
    for member in archive.infolist():
        if member.is_dir() or stat.S_ISLNK(member.external_attr >> 16):
            continue
        out = target / _member_path(member)
        try:
            out.parent.mkdir(parents=True, exist_ok=True)
            with archive.open(member) as source, out.open("wb") as sink:
                while chunk := source.read(1 << 20):
                    written += len(chunk)
                    if written > limits.max_unpacked_bytes:
                        raise _fail(file, "zip_bomb", detail=f"> {limits.max_unpacked_bytes} bytes")
                    sink.write(chunk)
        except ZIP_ERRORS as exc:
            raise unpack_failure(exc, file, member.filename) from exc


# --- tables -----------------------------------------------------------------------


def _decodes(data: bytes, codec: str) -> bool:
    """Whether all of ``data`` is text in ``codec``; decoded a step at a time, the text not kept."""
    decoder = codecs.getincrementaldecoder(codec)()
    view = memoryview(data)
    try:
        for start in range(0, len(view), DECODE_STEP):
            decoder.decode(view[start : start + DECODE_STEP], final=start + DECODE_STEP >= len(view))
    except UnicodeDecodeError:
        return False
    return True


def _head(data: bytes, encoding: str) -> str:
    """The first characters of the text (a character cut at the end is left out)."""
    return codecs.getincrementaldecoder(CODECS[encoding])(errors="ignore").decode(data[: sizing.HEAD_BYTES])


def detect_encoding(data: bytes, file: str) -> str:
    """The text's encoding: UTF-8 (BOM or not), UTF-16 with BOM, else GB18030 (a superset of GBK)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        if not _decodes(data, "utf-16"):
            raise _fail(file, "unreadable", detail="UTF-16")
        return "utf-16"
    if b"\x00" in data[:8192]:
        raise _fail(file, "binary_file")
    if _decodes(data, "utf-8"):
        return "utf-8"
    if not _decodes(data, "gb18030"):
        raise _fail(file, "binary_file")
    # GB18030 decodes most byte soup; real text is mostly printable.
    sample = _head(data, "gb18030")[:20000]
    odd = sum(1 for ch in sample if not ch.isprintable() and ch not in "\r\n\t")
    if sample and odd / len(sample) > 0.01:
        raise _fail(file, "binary_file")
    return "gb18030"


def _stream(data: bytes, encoding: str) -> io.TextIOWrapper:
    """The text read as it is decoded (the whole text is never held), line breaks as in the file."""
    return io.TextIOWrapper(io.BytesIO(data), encoding=CODECS[encoding], newline="")


def _grid(rows: list[list[str]]) -> pl.DataFrame:
    """Rows of text as columns ``c0``, ``c1`` ...: short rows padded, cells trimmed, empty as null."""
    width = max((len(r) for r in rows), default=0)
    padded = [r if len(r) == width else r + [""] * (width - len(r)) for r in rows]
    columns = zip(*padded, strict=True)
    frame = pl.DataFrame([pl.Series(f"c{i}", values, dtype=pl.String) for i, values in enumerate(columns)])
    return frame.with_columns(pl.all().str.strip_chars().replace("", None))


class _MisplacedQuoteError(Exception):
    """A quote inside a cell (``"ab"c``): the strict reader stops, the lenient one keeps it as text."""


def _records(data: bytes, encoding: str, separator: str, file: str, strict: bool) -> Iterator[list[str]]:
    """The records of a text table. A quote left open (the file ends inside it, or a cell grows past
    the reader's limit) is a problem on its row: otherwise the rest of the file would be one cell."""
    read = 0
    try:
        for record in csv.reader(_stream(data, encoding), delimiter=separator, strict=strict):
            read += 1
            yield record
    except csv.Error as exc:
        if "unexpected end of data" in str(exc) or "field larger than field limit" in str(exc):
            raise DataError([Problem(file, "csv_open_quote", rows=(read + 1,), count=1)]) from exc
        if strict:
            raise _MisplacedQuoteError from exc
        raise _fail(file, "unreadable", detail=str(exc)[:200]) from exc


def _cells(records: Iterator[list[str]]) -> pl.DataFrame:
    """The cells, :data:`CHUNK_ROWS` rows at a time: only one chunk is ever Python strings."""
    chunks: list[pl.DataFrame] = []
    rows: list[list[str]] = []
    for row in records:
        rows.append(row)
        if len(rows) == CHUNK_ROWS:
            chunks.append(_grid(rows))
            rows = []
    chunks.append(_grid(rows))
    width = max(chunk.width for chunk in chunks)
    padded = [
        chunk.with_columns(pl.lit(None, dtype=pl.String).alias(f"c{i}") for i in range(chunk.width, width))
        for chunk in chunks
        if chunk.height
    ]
    # Not rechunked: one more copy of the cells, and the checks after it peaked higher (measured).
    return pl.concat(padded, rechunk=False) if padded else pl.DataFrame()


def _parse(data: bytes, encoding: str, separator: str, file: str) -> pl.DataFrame:
    try:
        return _cells(_records(data, encoding, separator, file, strict=True))
    except _MisplacedQuoteError:  # read again as the lenient reader reads it: "ab"c is abc
        return _cells(_records(data, encoding, separator, file, strict=False))


def _count(data: bytes, encoding: str, separator: str, file: str) -> int:
    try:
        return sum(1 for _ in _records(data, encoding, separator, file, strict=True))
    except _MisplacedQuoteError:
        return sum(1 for _ in _records(data, encoding, separator, file, strict=False))


def _separator(head: str) -> str:
    lines = head[:20000].splitlines()[:30]
    counts = {sep: sum(line.count(sep) for line in lines) for sep in SEPARATORS}
    separator = max(counts, key=lambda s: counts[s])
    return separator if counts[separator] else ","


def _text_size(data: bytes, encoding: str, separator: str, file: str, limits: Limits) -> sizing.Size:
    """The table's size: its lines, else (more lines than the limit) its records, which a cell's line
    break does not split; its columns as the first lines have them."""
    head = list(csv.reader(io.StringIO(_head(data, encoding), newline=""), delimiter=separator))
    whole = len(data) <= sizing.HEAD_BYTES  # else the last row read may be cut short
    columns = max((len(row) for row in (head if whole else head[:-1])), default=1)
    rows = sizing.line_breaks(data, encoding)
    if rows > limits.max_rows:
        rows = _count(data, encoding, separator, file)
    return sizing.text_size(data, encoding, rows, columns)


def read_text_table(data: bytes, file: str, limits: Limits | None = None) -> Sheet:
    limits = limits or Limits()
    encoding = detect_encoding(data, file)
    separator = _separator(_head(data, encoding))
    sizing.refuse_oversized(_text_size(data, encoding, separator, file, limits), "csv", file, limits)
    cells = _parse(data, encoding, separator, file)
    if cells.is_empty() or not cells.select(pl.any_horizontal(pl.all().is_not_null()).any()).item():
        raise _fail(file, "empty_file")
    return Sheet(cells=cells, format="csv", encoding=encoding)


def _broken(exc: BaseException) -> bool:
    """An error a reader raises for a broken file: any exception, or a Rust reader's panic (which
    derives from ``BaseException``, not ``Exception``)."""
    return isinstance(exc, Exception) or type(exc).__name__ == "PanicException"


def _first_line(exc: BaseException) -> str:
    return str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__


def read_excel(data: bytes, file: str, sheet: str | None, limits: Limits | None = None) -> Sheet:
    import fastexcel

    limits = limits or Limits()
    try:
        reader = fastexcel.read_excel(data)
        names = list(reader.sheet_names)
        if not names:
            raise _fail(file, "empty_file")
        chosen = sheet if sheet in names else None
        if chosen is None:
            chosen = names[0]
        loaded = reader.load_sheet(chosen, header_row=None, skip_rows=0, dtypes="string")
        frame = pl.DataFrame(pl.from_arrow(loaded.to_arrow()))
    except DataError:
        raise
    except BaseException as exc:  # calamine raises its own error types for broken files
        if not _broken(exc):
            raise
        raise _fail(file, "unreadable", detail=_first_line(exc)) from exc
    sizing.refuse_rows(frame.height, file, limits)  # a sheet may declare fewer rows than it holds
    frame = frame.rename({c: f"c{i}" for i, c in enumerate(frame.columns)})
    frame = frame.with_columns(pl.col(c).str.strip_chars().replace("", None) for c in frame.columns)
    if frame.is_empty():
        raise _fail(file, "empty_file")
    return Sheet(cells=frame, format="excel", sheet=chosen, sheets=names)


def _python_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bytes):
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            return value.hex()
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)


def _parquet_text(frame: pl.DataFrame, name: str) -> pl.Series:
    """A column as text cells: a list or a record (struct) as JSON, what polars cannot cast as Python
    writes it (durations, bytes that are not UTF-8 as hex)."""
    if not frame.schema[name].is_nested():
        try:
            return frame.select(text_column(frame, name)).to_series()
        except pl.exceptions.PolarsError:
            pass
    texts = [_python_text(v) for v in frame.get_column(name).to_list()]
    series = pl.Series(name, texts, dtype=pl.String).str.strip_chars()
    return series.replace("", None)


def read_parquet(data: bytes, file: str, limits: Limits | None = None) -> Sheet:
    limits = limits or Limits()
    try:
        sizing.refuse_oversized(sizing.parquet_size(data), "parquet", file, limits)
        frame = pl.read_parquet(io.BytesIO(data))
    except DataError:
        raise
    except BaseException as exc:  # arrow and polars raise several error types for broken files
        if not _broken(exc):
            raise
        raise _fail(file, "unreadable", detail=_first_line(exc)) from exc
    header = pl.DataFrame(
        {f"c{i}": [name] for i, name in enumerate(frame.columns)},
        schema={f"c{i}": pl.String for i in range(frame.width)},
    )
    # Cells as text like the loader reads codes: 330199001001001.0 stays 330199001001001.
    body = pl.DataFrame([_parquet_text(frame, name).alias(f"c{i}") for i, name in enumerate(frame.columns)])
    nested = [name for name, dtype in frame.schema.items() if dtype.is_nested()]
    notes = [Problem(file, "nested_as_text", column=", ".join(nested))] if nested else []
    return Sheet(cells=pl.concat([header, body]), format="parquet", notes=notes)


def _excel_size(data: bytes, file: str, sheet: str | None, limits: Limits) -> sizing.Size:
    archive = check_zip(data, file, limits)
    try:
        with archive:
            return sizing.excel_size(archive, sheet)
    except ZIP_ERRORS as exc:
        raise unpack_failure(exc, file, _first_line(exc)) from exc


def read_table_upload(data: bytes, file: str, limits: Limits, sheet: str | None = None) -> Sheet:
    """Any supported table file as cells; raises :class:`DataError` with a clear problem.

    A table over the limits of rows or memory is refused before its cells are read (:mod:`sizing`).
    """
    check_size(data, file, limits)
    kind = sniff(data, file)
    if kind in ("xlsx", "xls"):
        size = _excel_size(data, file, sheet, limits) if kind == "xlsx" else sizing.xls_size(data)
        sizing.refuse_oversized(size, "excel", file, limits)
        return read_excel(data, file, sheet, limits)
    if kind == "parquet":
        return read_parquet(data, file, limits)
    if kind in ("zip", "json"):
        raise _fail(file, "unsupported_format", detail=", ".join(TABLE_SUFFIXES))
    return read_text_table(data, file, limits)


# --- boundaries ---------------------------------------------------------------------


def _read_vector(path: Path, file: str) -> gpd.GeoDataFrame:
    import pyogrio

    frame: Any = None
    errors: list[str] = []
    encodings: tuple[str | None, ...] = (None,)
    if path.suffix.lower() == ".shp":
        # A .dbf without .cpg, or with a wrong one: Chinese GIS tools often write GBK.
        encodings = (None, "gb18030") if path.with_suffix(".cpg").exists() else ("utf-8", "gb18030")
    for encoding in encodings:
        try:
            frame = (
                pyogrio.read_dataframe(path, encoding=encoding) if encoding else pyogrio.read_dataframe(path)
            )
        except Exception as exc:  # GDAL errors come in many types
            errors.append(str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__)
            continue
        text_columns = [c for c in frame.columns if c != "geometry" and frame[c].dtype == object]
        if encoding == "utf-8" and any(
            "\ufffd" in str(v) for c in text_columns for v in frame[c].head(200).tolist()
        ):
            continue
        break
    if frame is None:
        raise _fail(file, "unreadable", detail="; ".join(errors))
    return gpd.GeoDataFrame(frame)


def read_boundaries(data: bytes, file: str, limits: Limits) -> gpd.GeoDataFrame:
    """A GeoJSON file or a zipped Shapefile (or GeoJSON) as a GeoDataFrame with its CRS."""
    check_size(data, file, limits)
    kind = sniff(data, file)
    with tempfile.TemporaryDirectory(prefix="dashboard-import-") as tmp:
        folder = Path(tmp)
        if kind == "zip":
            archive = check_zip(data, file, limits)
            with archive:
                _extract(archive, folder, file, limits)
            candidates = sorted(p for p in folder.rglob("*") if p.suffix.lower() == ".shp")
            candidates += sorted(p for p in folder.rglob("*") if p.suffix.lower() in (".geojson", ".json"))
            candidates = [p for p in candidates if "__MACOSX" not in p.parts]
            if not candidates:
                raise _fail(file, "no_boundaries_in_zip")
            path = candidates[0]
            if path.suffix.lower() == ".shp":
                missing = [s for s in (".dbf", ".shx") if not path.with_suffix(s).exists()]
                if missing:
                    raise _fail(file, "shapefile_incomplete", detail=", ".join(missing))
        elif kind == "json" or (kind == "text" and Path(file).suffix.lower() in (".geojson", ".json")):
            path = folder / "upload.geojson"
            path.write_bytes(data)
        else:
            raise _fail(file, "unsupported_format", detail=".geojson, .json, .zip (Shapefile)")
        frame = _read_vector(path, file)
    if frame.empty:
        raise _fail(file, "empty_file")
    return frame
