"""Files that made a reader raise, so that a traceback reached the browser (issue 14): each is now read,
or refused with a message in the user's language, and the data root is left byte for byte as it was.

The archives are zipped boundary files (a GeoJSON or a Shapefile, as a grid platform or a GIS tool packs
them) spoilt the ways archives come spoilt: a name that is both a file and a folder, a password, a damaged
member, a compression method zipfile cannot unpack, a name too long to unpack, a link.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import stat
import struct
import zipfile
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest

from dashboard import ingest
from dashboard.i18n import t
from tests.builders import G1, G2, TINY_GRIDS, write_grids
from tests.test_ingest import _fingerprint, _run

BOUNDARIES = "网格边界.geojson"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    folder = tmp_path / "root"
    write_grids(folder)
    return folder


def _boundaries() -> bytes:
    features = [
        {
            "type": "Feature",
            "properties": {
                "网格编码": g["grid_code"],
                "网格名称": g["grid_name"],
                "社区编码": g["community_code"],
                "社区名称": g["community_name"],
                "街道编码": "330199001",
                "街道名称": "清河湾街道",
                "常住人口": g["population"],
            },
            "geometry": g["geometry"],
        }
        for g in TINY_GRIDS
    ]
    return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False).encode()


def _archive(members: list[tuple[str | zipfile.ZipInfo, bytes]], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        for name, body in members:
            archive.writestr(name, body)
    return buffer.getvalue()


def _patched(data: bytes, change: Callable[[bytearray, int, int], None]) -> bytes:
    """The archive with every member's local and central header changed by ``change(bytes, local, central)``."""
    patched = bytearray(data)
    locals_ = [i for i in range(len(data)) if data.startswith(b"PK\x03\x04", i)]
    centrals = [i for i in range(len(data)) if data.startswith(b"PK\x01\x02", i)]
    for local, central in zip(locals_, centrals, strict=True):
        change(patched, local, central)
    return bytes(patched)


def _encrypted(data: bytes) -> bytes:
    """As a zip tool writes a password-protected archive: bit 0 of the general-purpose flags set."""

    def flag(patched: bytearray, local: int, central: int) -> None:
        patched[local + 6] |= 0x01
        patched[central + 8] |= 0x01

    return _patched(data, flag)


def _deflate64(data: bytes) -> bytes:
    """As Windows Explorer packs large files: compression method 9 (Deflate64), which zipfile lacks."""

    def method(patched: bytearray, local: int, central: int) -> None:
        patched[local + 8 : local + 10] = struct.pack("<H", 9)
        patched[central + 10 : central + 12] = struct.pack("<H", 9)

    return _patched(data, method)


def _damaged(data: bytes) -> bytes:
    """A byte of the first member's data changed (a bad download): its CRC no longer matches."""
    patched = bytearray(data)
    name_length, extra_length = struct.unpack("<HH", data[26:30])
    patched[30 + name_length + extra_length + 40] ^= 0xFF
    return bytes(patched)


def _link(name: str, target: str) -> zipfile.ZipInfo:
    """A symbolic link as ``zip --symlinks`` stores it (the target is the member's data)."""
    info = zipfile.ZipInfo(name)
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return info


ARCHIVES: dict[str, tuple[Callable[[], bytes], str, str]] = {
    # (the archive, the problem's code, the message in Chinese)
    "a file and a folder of one name": (
        lambda: _archive([("lnk", b"x"), ("lnk/x", b"y"), (BOUNDARIES, _boundaries())]),
        "zip_conflict",
        "压缩包中的 lnk 既是文件又是文件夹，已拒绝；请重新打包后再导入",
    ),
    "a folder, then a file of its name": (
        lambda: _archive([("网格/说明.txt", b"x"), ("网格", b"y"), (BOUNDARIES, _boundaries())]),
        "zip_conflict",
        "压缩包中的 网格 既是文件又是文件夹，已拒绝；请重新打包后再导入",
    ),
    "a password": (
        lambda: _encrypted(_archive([(BOUNDARIES, _boundaries())])),
        "zip_encrypted",
        f"压缩包设有密码（{BOUNDARIES}），请解压后不设密码重新打包，再导入",
    ),
    "a damaged member": (
        lambda: _damaged(_archive([(BOUNDARIES, _boundaries())], zipfile.ZIP_STORED)),
        "zip_damaged",
        f"压缩包已损坏（{BOUNDARIES}），请重新下载或重新打包后再导入",
    ),
    "a damaged compressed member": (
        lambda: _damaged(_archive([(BOUNDARIES, _boundaries())])),
        "zip_damaged",
        f"压缩包已损坏（{BOUNDARIES}），请重新下载或重新打包后再导入",
    ),
    "Deflate64": (
        lambda: _deflate64(_archive([(BOUNDARIES, _boundaries())])),
        "zip_unsupported",
        f"压缩包使用了无法解压的压缩方式（{BOUNDARIES}），请用普通 zip 格式（Deflate）重新打包",
    ),
    "a name too long to unpack": (
        lambda: _archive([("清河湾街道" * 20 + ".geojson", _boundaries())]),
        "zip_bad_name",
        "压缩包中有无法解压的文件名（" + ("清河湾街道" * 20)[:100] + "）：名称为空或过长；请改名后重新打包",
    ),
    "a file with no name": (
        lambda: _archive([("./", b""), (".", b"x"), (BOUNDARIES, _boundaries())]),
        "zip_bad_name",
        "压缩包中有无法解压的文件名（.）：名称为空或过长；请改名后重新打包",
    ),
    "an absolute path": (
        lambda: _archive([("/etc/网格边界.geojson", _boundaries())]),
        "zip_unsafe",
        "压缩包内含不安全的路径（/etc/网格边界.geojson），已拒绝",
    ),
    "a link to a file outside": (
        lambda: _archive([(_link(BOUNDARIES, "/etc/passwd"), b"/etc/passwd")]),
        "no_boundaries_in_zip",
        "压缩包中没有 Shapefile（.shp）或 GeoJSON 文件",
    ),
}


@pytest.mark.parametrize("case", sorted(ARCHIVES))
def test_a_spoilt_archive_of_boundaries_is_a_message_not_a_traceback(case: str, root: Path) -> None:
    make, code, message = ARCHIVES[case]
    prepared = ingest.prepare(root, "grids", make(), "网格边界.zip")
    assert [p.code for p in prepared.blocking] == [code]
    assert prepared.blocking[0].message("zh") == f"文件 网格边界.zip: {message}"
    english = prepared.blocking[0].message("en")
    assert english.startswith("File 网格边界.zip: ") and english.endswith(
        t(f"problem.{code}", "en", detail=prepared.blocking[0].detail)
    )


def test_the_cli_refuses_a_file_and_folder_clash_and_leaves_the_root_alone(
    root: Path, tmp_path: Path
) -> None:
    before = _fingerprint(root)
    upload = tmp_path / "网格边界.zip"
    upload.write_bytes(ARCHIVES["a file and a folder of one name"][0]())
    code, out, err = _run("import", "--data", str(root), "--kind", "grids", str(upload))
    assert code == 2 and "Traceback" not in out + err
    assert "压缩包中的 lnk 既是文件又是文件夹" in out + err
    assert _fingerprint(root) == before


def test_an_archive_that_unpacks_cleanly_still_imports(root: Path) -> None:
    data = _archive([("说明/readme.txt", b"exported"), (f"说明/{BOUNDARIES}", _boundaries())])
    prepared = ingest.prepare(root, "grids", data, "网格边界.zip")
    assert not prepared.blocking and prepared.good_count == len(TINY_GRIDS)


# --- files that made a reader raise (a traceback in the browser) --------------------------------------


def _parquet_with_nested_columns() -> bytes:
    """A platform's Parquet export: tags as a list, the address as a record, photos as a list of records."""
    buffer = io.BytesIO()
    pl.DataFrame(
        {
            "issue_id": ["P1", "P2"],
            "reported_at": [dt.datetime(2026, 10, 2, 9), dt.datetime(2026, 10, 3, 10)],
            "category": ["噪音扰民", "环境卫生"],
            "grid_code": [G1, G2],
            "status": ["resolved", "reported"],
            "tags": [["夜间", "施工"], None],
            "address": [{"road": "示例路", "no": "1号"}, {"road": "示例路", "no": None}],
            "photos": [[{"url": "a.jpg", "taken": dt.datetime(2026, 10, 2, 9, 5)}], []],
            "time_spent": [dt.timedelta(hours=3), None],
        }
    ).write_parquet(buffer)
    return buffer.getvalue()


def test_a_parquet_file_with_list_and_struct_columns_is_read_with_them_as_text(root: Path) -> None:
    mapping = ingest.Mapping(columns={"tags": "description", "address": "address"})
    prepared = ingest.prepare(root, "issues", _parquet_with_nested_columns(), "工单.parquet", mapping)
    assert not prepared.blocking and prepared.good_count == 2
    good = prepared.good.sort("issue_id")
    assert good.get_column("description").to_list() == ['["夜间", "施工"]', None]
    assert good.get_column("address").to_list() == [
        '{"road": "示例路", "no": "1号"}',
        '{"road": "示例路", "no": null}',
    ]
    [note] = [w for w in prepared.warnings if w.code == "nested_as_text"]
    assert note.message("zh") == (
        "文件 工单.parquet，列 tags, address, photos: 列的内容是列表或结构（list/struct），已按文本（JSON）读入"
    )
    assert note.message("en") == (
        "File 工单.parquet, column tags, address, photos: holds lists or records (list/struct); read as text (JSON)"
    )


def test_the_cli_reports_the_nested_columns_with_no_traceback(root: Path, tmp_path: Path) -> None:
    from tests.test_ingest import _run

    upload = tmp_path / "工单.parquet"
    upload.write_bytes(_parquet_with_nested_columns())
    code, out, err = _run("import", "--data", str(root), "--kind", "issues", str(upload))
    assert code == 0, out + err
    assert "列的内容是列表或结构（list/struct），已按文本（JSON）读入" in out
    assert "Traceback" not in out + err


def _parquet() -> bytes:
    buffer = io.BytesIO()
    pl.DataFrame(
        {
            "issue_id": [f"P{i}" for i in range(2000)],
            "reported_at": [dt.datetime(2026, 10, 2, 9)] * 2000,
            "category": ["噪音扰民", "环境卫生"] * 1000,
            "grid_code": [G1, G2] * 1000,
            "status": ["resolved"] * 2000,
        }
    ).write_parquet(buffer)
    return buffer.getvalue()


def _flipped(data: bytes, at: int) -> bytes:
    patched = bytearray(data)
    patched[at : at + 8] = b"\xff" * 8
    return bytes(patched)


def _xlsx_of_garbage() -> bytes:
    """A zip that says it is a workbook ([Content_Types].xml) and holds no readable one."""
    return _archive([("[Content_Types].xml", b"<Types/>"), ("xl/workbook.xml", b"\x00garbage<<")])


def _xlsx_with_a_damaged_sheet() -> bytes:
    from tests.test_ingest import _xlsx_bytes

    data = _xlsx_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        members = [(i.filename, book.read(i)) for i in book.infolist()]
    spoilt = _archive(
        [(n, b if "worksheets/sheet" not in n else b[: len(b) // 2]) for n, b in members], zipfile.ZIP_STORED
    )
    return spoilt


BROKEN_TABLES: dict[str, tuple[str, Callable[[], bytes]]] = {
    "a truncated Parquet file": ("工单.parquet", lambda: _parquet()[: len(_parquet()) // 2]),
    "a Parquet file with a spoilt footer": (
        "工单.parquet",
        lambda: _flipped(_parquet(), len(_parquet()) - 30),
    ),
    "a Parquet file with a spoilt page": ("工单.parquet", lambda: _flipped(_parquet(), 60)),
    "PAR1 and noise": ("工单.parquet", lambda: b"PAR1" + bytes(range(256)) * 20 + b"PAR1"),
    "an xlsx that is a zip of garbage": ("台账.xlsx", _xlsx_of_garbage),
    "an xlsx whose sheet is cut short": ("台账.xlsx", _xlsx_with_a_damaged_sheet),
}


@pytest.mark.parametrize("case", sorted(BROKEN_TABLES))
def test_a_broken_table_file_cannot_be_read_and_says_so(case: str, root: Path, tmp_path: Path) -> None:
    name, make = BROKEN_TABLES[case]
    prepared = ingest.prepare(root, "issues", make(), name)
    [problem] = prepared.blocking
    assert problem.code == "unreadable"
    assert problem.message("zh").startswith(f"文件 {name}: 无法读取：")
    assert problem.message("en").startswith(f"File {name}: cannot be read: ")
    before = _fingerprint(root)
    upload = tmp_path / name
    upload.write_bytes(make())
    code, out, err = _run("import", "--data", str(root), "--kind", "issues", str(upload))
    assert code == 2 and "无法读取" in out + err and "Traceback" not in out + err
    assert _fingerprint(root) == before


# --- quotes in a CSV -------------------------------------------------------------------------------

LEDGER = f"""工单编号,上报时间,事件类型,所属网格,事件状态,诉求内容
Q1,2026/10/2 9:00,环境卫生,{G1},已办结,楼道堆放杂物
Q2,2026/10/3 9:00,噪音扰民,{G1},处置中,"夜间施工，影响休息
Q3,2026/10/4 9:00,停车管理,{G2},已结案,消防通道停车
Q4,2026/10/5 9:00,物业管理,{G2},已上报,电梯故障
"""


@pytest.mark.parametrize(
    "rows", [3, 20_000]
)  # the file ends inside the quote; a cell past the reader's limit
def test_a_quote_left_open_names_its_row_instead_of_swallowing_the_rest(root: Path, rows: int) -> None:
    more = "".join(f"Q{i},2026/10/6 9:00,环境卫生,{G1},已办结,楼道堆放杂物\n" for i in range(5, 5 + rows))
    prepared = ingest.prepare(root, "issues", (LEDGER + more).encode("gbk"), "10月台账.csv")
    [problem] = prepared.blocking
    assert problem.message("zh") == (
        '文件 10月台账.csv，第 3 行: 这一行有一个引号（"）没有配对，其后的内容都会被读进同一个单元格。'
        "请检查这一行，改正后重新保存再导入"
    )
    assert problem.message("en").startswith('File 10月台账.csv, row 3: a quote (") on this row is left open')


def test_a_quote_inside_a_cell_is_read_as_text_as_before(root: Path) -> None:
    text = LEDGER.replace('"夜间施工，影响休息', '"夜间施工" 影响休息')  # as typed by hand
    prepared = ingest.prepare(root, "issues", text.encode("gbk"), "10月台账.csv")
    assert not prepared.blocking and prepared.good_count == 4
    assert prepared.good.get_column("description").to_list()[1] == "夜间施工 影响休息"
