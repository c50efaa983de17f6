"""Import: real-world-shaped files made here, imported through the CLI, then checked with the metrics CLI.

Every file is built the way the exports we meet are: GBK CSV with Chinese headers and words,
an .xlsx with a title row above the header, a GCJ-02 MultiPolygon GeoJSON, a zipped Shapefile
in a projected CRS. Bad input must leave the data root byte for byte as it was.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
import xlsxwriter
from shapely.geometry import MultiPolygon, shape

from dashboard import ingest
from dashboard.cli import main
from dashboard.core.coords import wgs84_to_gcj02
from dashboard.core.loading import load_dataset
from dashboard.core.problems import DataError
from dashboard.ingest import store
from tests.builders import C1, C2, G1, G2, G3, TINY_GRIDS, write_grids, write_issues_csv

PERIOD = "2026-10"
AS_OF = "2026-11-20 00:00:00"

# Seven issues of October in Chinese words, as the grid platform exports them.
# C1 (G1, G2): 4 issues, 3 finished -> 75%. C2 (G3): A5 deferred, A6 invalid, A7 open -> 0 / 1.
GBK_CSV = f"""工单编号,登记时间,诉求类别,所属网格,办理状态,诉求渠道,办结时间,解决层级,满意度,是否紧急,联系电话
A1,2026/10/2 9:00,环境卫生,{G1},已办结,12345热线,2026/10/2 15:00,网格,满意,否,13812345678
A2,2026-10-03 10:00:00,噪音扰民,{G1},已结案,随手拍,2026-10-03 10:30:00,网格,基本满意,是,
A3,2026年10月5日,停车管理,{G2},处置中,网格员巡查,,,,否,
A4,2026/10/6 8:00,物业管理,{G2},已办结,来访,2026/10/9 8:00,社区,不满意,否,
A5,2026/10/7 8:00,违章搭建,{G3},缓办,网格员巡查,,,,否,
A6,2026/10/8 8:00,其他,{G3},无效,12345热线,,,,否,
A7,2026/10/9 8:00,邻里纠纷,{G3},办理中,12345热线,,,,否,
"""


def _run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def _metrics(root: Path, by: str = "community") -> dict[str, dict[str, object]]:
    code, out, err = _run(
        "metrics", "--data", str(root), "--period", PERIOD, "--by", by, "--as-of", AS_OF, "--format", "json"
    )
    assert code == 0, err
    key = f"{by}_code"
    return {r[key]: r for r in json.loads(out)}


def _fingerprint(root: Path) -> dict[str, str]:
    """Every file under the root (hidden ones included) with its hash."""
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def grids_only(tmp_path: Path) -> Path:
    root = tmp_path / "root"
    write_grids(root)
    return root


def _write(path: Path, data: bytes | str, encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode(encoding) if isinstance(data, str) else data)
    return path


# --- the four acceptance files ------------------------------------------------------------


def test_gbk_csv_with_chinese_headers_and_words_imports_with_no_mapping(
    grids_only: Path, tmp_path: Path
) -> None:
    upload = _write(tmp_path / "10月工单.csv", GBK_CSV, "gbk")
    code, out, err = _run("import", "--data", str(grids_only), "--kind", "issues", str(upload))
    assert code == 0, out + err
    assert "可导入 7 行" in out
    metrics = _metrics(grids_only)
    assert metrics[C1]["issue_count"] == 4
    assert metrics[C1]["resolution_rate"] == pytest.approx(0.75)
    assert metrics[C2]["issue_count"] == 2  # the invalid one is not counted
    assert metrics[C2]["resolution_rate"] == pytest.approx(0.0)  # 0 finished of 1 (the deferred one is out)
    issues = load_dataset(grids_only).issues
    a2 = issues.filter(issues["issue_id"] == "A2").row(0, named=True)
    assert (a2["status"], a2["source"], a2["satisfaction"], a2["urgent"]) == (
        "closed",
        "app",
        "basically_satisfied",
        True,
    )
    a3 = issues.filter(issues["issue_id"] == "A3").row(0, named=True)
    assert a3["reported_at"] == dt.datetime(2026, 10, 5)


def test_xlsx_with_a_title_row_and_a_chosen_sheet(grids_only: Path, tmp_path: Path) -> None:
    path = tmp_path / "诉求台账.xlsx"
    book = xlsxwriter.Workbook(path)
    book.add_worksheet("说明").write(0, 0, "本表由网格平台导出")
    sheet = book.add_worksheet("10月")
    when = book.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    sheet.write(0, 0, "清河湾街道2026年10月事件台账")  # the title row above the header
    for col, header in enumerate(
        ["事件编号", "上报时间", "事件类型", "网格编码", "事件状态", "处置完成时间"]
    ):
        sheet.write(2, col, header)
    rows = [
        ("E1", dt.datetime(2026, 10, 1, 9), "环境卫生", G1, "已办结", dt.datetime(2026, 10, 1, 12)),
        ("E2", dt.datetime(2026, 10, 2, 9), "环境卫生", G1, "处置中", None),
        ("E3", dt.datetime(2026, 10, 3, 9), "停车管理", G3, "已结案", dt.datetime(2026, 10, 4, 9)),
    ]
    for r, (issue_id, reported, category, grid, status, finished) in enumerate(rows, start=3):
        sheet.write(r, 0, issue_id)
        sheet.write_datetime(r, 1, reported, when)
        sheet.write(r, 2, category)
        sheet.write_string(r, 3, grid)
        sheet.write(r, 4, status)
        if finished:
            sheet.write_datetime(r, 5, finished, when)
    sheet.write_number(6, 0, 4)  # E4 as a number, reported as an Excel day number (2026-10-05 12:00)
    sheet.write_number(6, 1, 46300.5)
    sheet.write(6, 2, "环境卫生")
    sheet.write_string(6, 3, G2)
    sheet.write(6, 4, "已上报")
    book.close()

    code, out, err = _run(
        "import", "--data", str(grids_only), "--kind", "issues", "--sheet", "10月", str(path)
    )
    assert code == 0, out + err
    assert "第 3 行" in out  # the header was found below the title row
    metrics = _metrics(grids_only)
    assert metrics[C1]["issue_count"] == 3
    assert metrics[C1]["resolution_rate"] == pytest.approx(1 / 3)
    assert metrics[C2]["resolution_rate"] == pytest.approx(1.0)
    issues = load_dataset(grids_only).issues
    e4 = issues.filter(issues["issue_id"] == "4").row(0, named=True)
    assert e4["reported_at"] == dt.datetime(2026, 10, 5, 12)


def _chinese_grid_properties(grid: dict[str, object]) -> dict[str, object]:
    return {
        "网格编码": grid["grid_code"],
        "网格名称": grid["grid_name"],
        "社区编码": grid["community_code"],
        "社区名称": grid["community_name"],
        "街道编码": "330199001",
        "街道名称": "清河湾街道",
        "常住人口": grid["population"],
    }


def test_multipolygon_geojson_in_gcj02_is_converted_to_wgs84(tmp_path: Path) -> None:
    features = []
    for grid in TINY_GRIDS:
        ring = np.array(grid["geometry"]["coordinates"][0])  # type: ignore[index]
        lon, lat = wgs84_to_gcj02(ring[:, 0], ring[:, 1])
        polygon = {"type": "Polygon", "coordinates": [np.column_stack([lon, lat]).tolist()]}
        geometry = MultiPolygon([shape(polygon)]).__geo_interface__
        features.append(
            {"type": "Feature", "properties": _chinese_grid_properties(grid), "geometry": geometry}
        )
    upload = _write(
        tmp_path / "网格边界_gcj02.geojson",
        json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False),
    )
    root = tmp_path / "root"
    root.mkdir()
    code, out, err = _run("import", "--data", str(root), "--kind", "grids", "--crs", "gcj02", str(upload))
    assert code == 0, out + err
    # Points 150 m inside a grid's east edge: without the conversion (about 470 m east at this
    # latitude) the boundary would lie west of them and they would fall in the next grid.
    csv = "事件编号,上报时间,事件类型,经度,纬度,事件状态\n"
    csv += "P1,2026-10-01 09:00,环境卫生,120.0085,30.005,已办结\n"  # G1 (east edge at 120.01)
    csv += "P2,2026-10-01 09:00,环境卫生,120.0185,30.005,处置中\n"  # G2 (east edge at 120.02)
    upload = _write(tmp_path / "points.csv", csv)
    code, out, err = _run("import", "--data", str(root), "--kind", "issues", str(upload))
    assert code == 0, out + err
    grids = _metrics(root, by="grid")
    assert grids[G1]["issue_count"] == 1 and grids[G1]["resolution_rate"] == pytest.approx(1.0)
    assert grids[G2]["issue_count"] == 1 and grids[G2]["resolution_rate"] == pytest.approx(0.0)
    stored = load_dataset(root).grids.set_index("grid_code")
    original = shape(TINY_GRIDS[0]["geometry"])  # type: ignore[arg-type]
    assert stored.loc[G1, "geometry"].symmetric_difference(original).area < 1e-10
    assert stored.loc[G1, "community_name"] == "东湖社区"
    assert int(stored.loc[G3, "population"]) == 2000


def test_zipped_shapefile_in_a_projected_crs(tmp_path: Path) -> None:
    frame = gpd.GeoDataFrame(
        [_chinese_grid_properties(g) for g in TINY_GRIDS],
        geometry=[shape(g["geometry"]) for g in TINY_GRIDS],  # type: ignore[arg-type]
        crs="EPSG:4326",
    ).to_crs("EPSG:4549")  # CGCS2000 / 3-degree Gauss-Kruger CM 120E, as GIS colleagues deliver
    folder = tmp_path / "shp"
    folder.mkdir()
    # Chinese GIS tools write the attribute table in GBK, often with no .cpg beside it.
    frame.to_file(folder / "网格.shp", driver="ESRI Shapefile", encoding="gbk")
    (folder / "网格.cpg").unlink(missing_ok=True)
    upload = tmp_path / "网格边界.zip"
    with zipfile.ZipFile(upload, "w", zipfile.ZIP_DEFLATED) as archive:
        for part in sorted(folder.iterdir()):
            archive.write(part, f"网格边界/{part.name}")
    root = tmp_path / "root"
    root.mkdir()
    code, out, err = _run("import", "--data", str(root), "--kind", "grids", str(upload))
    assert code == 0, out + err
    write_issues_csv(root)  # the tiny issues, whose numbers the metric tests know
    reference = tmp_path / "reference"
    write_grids(reference)
    write_issues_csv(reference)
    assert _metrics(root) == _metrics(reference)
    stored = load_dataset(root).grids.set_index("grid_code")
    assert stored.loc[G2, "geometry"].symmetric_difference(shape(TINY_GRIDS[1]["geometry"])).area < 1e-10  # type: ignore[arg-type]


# --- bad input: a clear message, and the root untouched ---------------------------------------


def _xlsx_bytes() -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet()
    for r in range(200):
        sheet.write_row(r, 0, [f"X{r}", "2026-10-01 09:00", "环境卫生", G1, "已办结"])
    book.close()
    return buffer.getvalue()


def _zip_bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("grids.shp", b"\0" * 50_000_000)
    return buffer.getvalue()


def _boundaries_bytes(grids: list[dict[str, object]]) -> bytes:
    features = [
        {"type": "Feature", "properties": _chinese_grid_properties(g), "geometry": g["geometry"]}
        for g in grids
    ]
    return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False).encode()


BAD_FILES = {
    "truncated_xlsx": ("issues", "台账.xlsx", lambda: _xlsx_bytes()[:3000], "无法读取"),
    "binary_garbage": ("issues", "工单.csv", lambda: np.random.default_rng(7).bytes(20_000), "不是文本表格"),
    "wrong_types": (
        "issues",
        "工单.csv",
        lambda: (
            f"工单编号,登记时间,诉求类别,所属网格,办理状态\nB1,昨天,环境卫生,{G1},已办结\nB2,12:30,噪音扰民,{G1},很好\n".encode(
                "gbk"
            )
        ),
        "无法识别的时间",
    ),
    "no_header": ("issues", "工单.csv", "a,b,c\n1,2,3\n".encode, "找不到表头行"),
    "zip_bomb": ("grids", "网格.zip", _zip_bomb, "压缩包解压后过大"),
    # A population that is not a number (an empty one is unknown, not an error).
    "population_not_a_number": (
        "grids",
        "网格.geojson",
        lambda: _boundaries_bytes([{**g, "population": "很多"} for g in TINY_GRIDS]),
        "应为非负整数",
    ),
    # A point outside the region ([region] bbox, China by default) in no grid, with no grid code.
    "outside_region_in_no_grid": (
        "issues",
        "工单.csv",
        lambda: (
            "工单编号,登记时间,诉求类别,经度,纬度,办理状态\nB1,2026-10-01 09:00,环境卫生,2.35,48.85,处置中\n".encode(
                "gbk"
            )
        ),
        "且不在任何网格内，该行无法定位",
    ),
    "truncated_geojson": (
        "grids",
        "网格.geojson",
        lambda: b'{"type": "FeatureCollection", "features": [{"type": "Fea',
        "无法读取",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_input_gives_a_clear_message_and_leaves_the_root_byte_identical(
    case: str, tmp_path: Path
) -> None:
    kind, name, make, expected = BAD_FILES[case]
    root = tmp_path / "root"
    write_grids(root)
    write_issues_csv(root)
    before = _fingerprint(root)
    upload = _write(tmp_path / name, make())
    code, out, err = _run("import", "--data", str(root), "--kind", kind, str(upload))
    assert code == 2
    assert expected in out + err
    assert "Traceback" not in out + err
    assert _fingerprint(root) == before


def test_a_file_over_the_limit_is_refused_before_it_is_read(tmp_path: Path) -> None:
    root = tmp_path / "root"
    write_grids(root)
    (root / "dashboard.toml").write_text("[import]\nmax_upload_mb = 0.001\n", encoding="utf-8")
    before = _fingerprint(root)
    upload = _write(tmp_path / "big.csv", GBK_CSV * 20, "gbk")
    code, _, err = _run("import", "--data", str(root), "--kind", "issues", str(upload))
    assert code == 2
    assert "文件过大" in err and "MB" in err
    assert _fingerprint(root) == before
    prepared = ingest.prepare(root, "issues", upload.read_bytes(), "big.csv")  # the page's path: same refusal
    assert prepared.refused and prepared.blocking[0].code == "too_large"
    assert "too large" in prepared.blocking[0].message("en")


def test_rows_with_errors_refuse_the_import_unless_asked_to_skip_them(
    grids_only: Path, tmp_path: Path
) -> None:
    bad = GBK_CSV + f"A8,2026/10/9 8:00,其他,{G1},已办结,,2026/10/1 8:00,,,否,\n"
    upload = _write(tmp_path / "工单.csv", bad, "gbk")
    before = _fingerprint(grids_only)
    code, out, err = _run("import", "--data", str(grids_only), "--kind", "issues", str(upload))
    assert code == 2 and "第 9 行" in out and "办结/结案时间早于上报时间" in out
    assert _fingerprint(grids_only) == before
    code, out, err = _run(
        "import", "--data", str(grids_only), "--kind", "issues", "--skip-bad-rows", str(upload)
    )
    assert code == 0, err
    assert _metrics(grids_only)[C1]["issue_count"] == 4  # A8 left out


# --- the report: every problem with its row number ---------------------------------------------


def test_report_lists_each_problem_with_its_rows(grids_only: Path) -> None:
    csv = "\n".join(
        [
            "清河湾街道 10 月工单",  # title row: the header is row 2
            "工单编号,登记时间,诉求类别,所属网格,经度,纬度,办理状态,办结时间",
            f"R1,2026-10-01 09:00,环境卫生,{G1},,,已办结,2026-10-01 10:00",
            "R2,2026-10-01 09:00,环境卫生,,30.005,120.005,处置中,",  # lat/lon swapped
            "R3,2026-10-01 09:00,环境卫生,,2.35,48.85,处置中,",  # Paris: outside China
            "R4,2026-10-01 09:00,环境卫生,,120.5,30.5,处置中,",  # in China, in no grid
            "R5,2026-10-01 09:00,环境卫生,999,,,处置中,",  # unknown grid code, no point
            f"R6,2026-10-01 09:00,广场舞扰民,{G1},,,处置中,",  # a new category
            f"R1,2026-10-01 09:00,环境卫生,{G1},,,已结案,2026-10-02 10:00",  # duplicate id, updated later
            f"R7,,环境卫生,{G1},,,处置中,",  # missing report time
            f"R8,2026-10-01 09:00,环境卫生,{G1},,,已阅,",  # unknown status word
        ]
    )
    prepared = ingest.prepare(grids_only, "issues", csv.encode("gbk"), "工单.csv")
    assert prepared.header_row == 2 and prepared.encoding == "gb18030"
    found = {(p.code, p.rows) for p in prepared.errors} | {(p.code, p.rows) for p in prepared.warnings}
    assert ("coordinates_swapped", (4,)) in found
    assert ("outside_region_unplaced", (5,)) in found
    assert ("outside_grids", (6,)) in found
    assert ("unknown_grid", (7,)) in found
    assert ("unknown_category", (8,)) in found
    assert ("duplicate_in_file", (3,)) in found
    assert ("missing_value", (10,)) in found
    assert ("unknown_value", (11,)) in found
    assert prepared.unmatched == {"status": ["已阅"]}
    assert prepared.bad_rows == 4  # rows 5, 7, 10, 11
    assert prepared.good_count == 4  # R1 (its later row), R2, R4, R6
    kept = prepared.good.filter(prepared.good["issue_id"] == "R1").row(0, named=True)
    assert kept["status"] == "closed"
    r2 = prepared.good.filter(prepared.good["issue_id"] == "R2").row(0, named=True)
    assert (r2["lon"], r2["lat"]) == (120.005, 30.005)


def test_bd09_points_are_converted(grids_only: Path) -> None:
    from dashboard.core.coords import wgs84_to_bd09

    lon, lat = wgs84_to_bd09([120.0085], [30.005])
    csv = f"工单编号,登记时间,诉求类别,经度,纬度,办理状态\nB1,2026-10-01 09:00,环境卫生,{lon[0]},{lat[0]},已办结\n"
    from dashboard.ingest.mapping import Mapping

    prepared = ingest.prepare(grids_only, "issues", csv.encode(), "bd.csv", Mapping(crs="bd09"))
    row = prepared.good.row(0, named=True)
    assert row["lon"] == pytest.approx(120.0085, abs=1e-6) and row["lat"] == pytest.approx(30.005, abs=1e-6)


# --- mapping ------------------------------------------------------------------------------------


def test_a_saved_mapping_is_used_next_month(grids_only: Path, tmp_path: Path) -> None:
    mapping = tmp_path / "my.toml"
    mapping.write_text(
        '[columns]\n"工单流水号" = "issue_id"\n"发生网格" = "grid_code"\n\n[values.status]\n"已完成" = "resolved"\n',
        encoding="utf-8",
    )
    csv = f"工单流水号,登记时间,诉求类别,发生网格,办理状态\nM1,2026-10-01 09:00,环境卫生,{G1},已完成\n"
    upload = _write(tmp_path / "a.csv", csv)
    code, out, err = _run(
        "import",
        "--data",
        str(grids_only),
        "--kind",
        "issues",
        "--mapping",
        str(mapping),
        "--save-mapping",
        str(upload),
    )
    assert code == 0, out + err
    assert (grids_only / "data" / "mappings" / "issues.toml").is_file()
    csv2 = f"工单流水号,登记时间,诉求类别,发生网格,办理状态\nM2,2026-10-02 09:00,环境卫生,{G1},处置中\n"
    code, out, err = _run(
        "import", "--data", str(grids_only), "--kind", "issues", str(_write(tmp_path / "b.csv", csv2))
    )
    assert code == 0, out + err
    metrics = _metrics(grids_only)
    assert metrics[C1]["issue_count"] == 2 and metrics[C1]["resolution_rate"] == pytest.approx(0.5)


# --- storage: append, versions, restore, failure half-way ---------------------------------------


def test_monthly_files_append_and_the_latest_update_wins(grids_only: Path, tmp_path: Path) -> None:
    october = f"工单编号,登记时间,诉求类别,所属网格,办理状态\nK1,2026-10-01 09:00,环境卫生,{G1},处置中\nK2,2026-10-02 09:00,环境卫生,{G1},处置中\n"
    november = (
        "工单编号,登记时间,诉求类别,所属网格,办理状态,办结时间\n"
        f"K2,2026-10-02 09:00,环境卫生,{G1},已办结,2026-11-03 09:00\n"
        f"K3,2026-11-01 09:00,环境卫生,{G1},处置中,\n"
    )
    assert (
        _run(
            "import", "--data", str(grids_only), "--kind", "issues", str(_write(tmp_path / "10.csv", october))
        )[0]
        == 0
    )
    code, out, _ = _run(
        "import", "--data", str(grids_only), "--kind", "issues", str(_write(tmp_path / "11.csv", november))
    )
    assert code == 0
    assert "新增 1 行，更新 1 行，现共 3 行" in out
    assert _metrics(grids_only)[C1]["resolution_rate"] == pytest.approx(0.5)  # K2 now finished
    log = store.read_log(grids_only)
    assert [e["rows"]["added"] for e in log] == [2, 1]
    assert all(len(e["sha256"]) == 64 for e in log)
    assert "13812345678" not in (grids_only / ".history" / "log.jsonl").read_text(encoding="utf-8")


def test_restore_brings_back_an_earlier_version(tmp_path: Path) -> None:
    root = tmp_path / "root"
    write_grids(root)
    write_issues_csv(root)
    original = _metrics(root)
    upload = _write(tmp_path / "new.csv", GBK_CSV, "gbk")
    assert _run("import", "--data", str(root), "--kind", "issues", "--mode", "replace", str(upload))[0] == 0
    assert _metrics(root)[C1]["issue_count"] == 4
    history = ingest.versions(root)
    assert [v.action for v in history] == ["baseline", "import"]
    assert history[1].file == "new.csv"
    assert (
        root / ".history" / "versions" / history[1].id / "upload" / "new.csv"
    ).read_bytes() == upload.read_bytes()
    code, out, _ = _run("restore", "--data", str(root), history[0].id)
    assert code == 0 and history[0].id in out
    assert _metrics(root) == original
    assert (root / "data" / "issues.csv").is_file() and not (root / "data" / "issues.parquet").exists()
    code, out, _ = _run("versions", "--data", str(root))
    assert code == 0 and "恢复自" in out and "new.csv" in out
    assert _run("restore", "--data", str(root), "9999-nope")[0] == 2


@pytest.mark.parametrize("fail_at", ["snapshot", "live"])
def test_a_write_failing_half_way_leaves_the_previous_version_loading(
    fail_at: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "root"
    write_grids(root)
    write_issues_csv(root)
    before_files = _fingerprint(root)
    before = _metrics(root)
    data = GBK_CSV.encode("gbk")
    prepared = ingest.prepare(root, "issues", data, "new.csv")
    real_apply = store._apply

    def half_write(handle: io.BufferedWriter, content: bytes) -> None:
        handle.write(content[: len(content) // 2])
        raise OSError("disk full")

    if fail_at == "snapshot":
        monkeypatch.setattr(store, "write_bytes", half_write)
    else:

        def failing_apply(root_: Path, version: store.Version, folder: Path | None = None) -> None:
            monkeypatch.setattr(store, "write_bytes", half_write)
            real_apply(root_, version, folder)

        monkeypatch.setattr(store, "_apply", failing_apply)
    with pytest.raises(DataError) as raised:
        ingest.commit_import(root, prepared, data, mode="replace")
    monkeypatch.undo()
    assert [p.code for p in raised.value.problems] == ["write_failed"]
    assert "disk full" in raised.value.report("en")
    # No phantom version: the baseline only (the root as it was), and nothing logged.
    assert [v.action for v in ingest.versions(root)] == ["baseline"]
    assert store.read_log(root) == []
    live = {k: v for k, v in _fingerprint(root).items() if not k.startswith(".history")}
    assert live == before_files  # no half-written file, no leftover temporary file
    assert _metrics(root) == before
    assert not [p for p in (root / ".history").iterdir() if p.name.startswith(("tmp-", "pending"))]
    # The lock is free: the next import goes through at once.
    assert ingest.commit_import(root, prepared, data, mode="replace").added == prepared.good_count


# --- grids: repair offered, codes still in use ------------------------------------------------


def _grid_upload(tmp_path: Path, geometries: list[dict[str, object]]) -> Path:
    features = [
        {"type": "Feature", "properties": _chinese_grid_properties(g), "geometry": geometry}
        for g, geometry in zip(TINY_GRIDS, geometries, strict=False)
    ]
    return _write(tmp_path / "grids.geojson", json.dumps({"type": "FeatureCollection", "features": features}))


def test_invalid_and_overlapping_polygons_are_reported_and_repaired_on_request(tmp_path: Path) -> None:
    root = tmp_path / "root"
    root.mkdir()
    geometries = [g["geometry"] for g in TINY_GRIDS]
    bowtie = {
        "type": "Polygon",
        "coordinates": [[[120.0, 30.0], [120.01, 30.01], [120.01, 30.0], [120.0, 30.01], [120.0, 30.0]]],
    }
    wide = {
        "type": "Polygon",
        "coordinates": [
            [[120.005, 30.0], [120.02, 30.0], [120.02, 30.01], [120.005, 30.01], [120.005, 30.0]]
        ],
    }
    upload = _grid_upload(tmp_path, [bowtie, wide, *geometries[2:]])
    prepared = ingest.prepare(root, "grids", upload.read_bytes(), "grids.geojson")
    assert [(p.code, p.rows) for p in prepared.errors] == [("invalid_polygon", (1,))]
    code, out, _ = _run("import", "--data", str(root), "--kind", "grids", str(upload))
    assert code == 2 and "修复图形" in out
    repaired = ingest.prepare(root, "grids", upload.read_bytes(), "grids.geojson", repair=True)
    assert not repaired.errors
    assert {p.code for p in repaired.warnings} == {"polygon_repaired", "overlap_repaired"}
    shapes = dict(zip(repaired.good["grid_code"], repaired.good.geometry, strict=True))
    assert shapes[G1].intersection(shapes[G2]).area < 1e-12
    assert shapely.is_valid(shapes[G1])


def test_a_boundary_file_missing_codes_in_use_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "root"
    write_grids(root)
    write_issues_csv(root)
    before = _fingerprint(root)
    upload = _grid_upload(tmp_path, [g["geometry"] for g in TINY_GRIDS[:2]])  # G3 and G4 dropped
    code, out, _ = _run("import", "--data", str(root), "--kind", "grids", str(upload))
    assert code == 2 and G3 in out and "已拒绝" in out
    assert _fingerprint(root) == before


def test_issues_need_grids_first(tmp_path: Path) -> None:
    root = tmp_path / "empty"
    root.mkdir()
    prepared = ingest.prepare(root, "issues", GBK_CSV.encode("gbk"), "a.csv")
    assert prepared.refused and prepared.blocking[0].code == "no_grids_yet"
    assert "import the grid boundary file" in prepared.blocking[0].message("en")


def test_the_preview_masks_personal_data(grids_only: Path) -> None:
    from dashboard.ingest.report import preview

    csv = f"工单编号,登记时间,诉求类别,所属网格,办理状态,联系电话,上报人,地址\nP1,2026-10-01 09:00,环境卫生,{G1},已办结,13812345678,张三丰,东湖社区幸福路8号\n"
    shown = preview(ingest.prepare(grids_only, "issues", csv.encode("gbk"), "a.csv")).row(0, named=True)
    assert (shown["reporter_phone"], shown["reporter_name"]) == ("138****5678", "张**")
    assert "address" not in shown


# --- other formats and kinds ---------------------------------------------------------------------


def test_legacy_xls_and_utf16_text_and_parquet_read_the_same_rows(grids_only: Path, tmp_path: Path) -> None:
    import polars as pl
    import xlwt

    rows = [
        ("工单编号", "上报时间", "事件类型", "网格编码", "事件状态"),
        ("L1", "2026-10-01 09:00", "环境卫生", G1, "已办结"),
    ]
    book = xlwt.Workbook()
    sheet = book.add_sheet("Sheet1")
    sheet.write(0, 0, "2026年10月台账")
    for r, row in enumerate(rows, start=2):
        for c, value in enumerate(row):
            sheet.write(r, c, value)
    xls = io.BytesIO()
    book.save(xls)
    utf16 = "\n".join("\t".join(row) for row in rows).encode("utf-16")
    parquet = io.BytesIO()
    pl.DataFrame(
        {
            "issue_id": ["L1"],
            "reported_at": [dt.datetime(2026, 10, 1, 9)],
            "category": ["环境卫生"],
            "grid_code": [G1],
            "status": ["已办结"],
        }
    ).write_parquet(parquet)
    for name, data in (("a.xls", xls.getvalue()), ("a.txt", utf16), ("a.parquet", parquet.getvalue())):
        prepared = ingest.prepare(grids_only, "issues", data, name)
        assert not prepared.errors and not prepared.blocking, (name, prepared.blocking)
        row = prepared.good.row(0, named=True)
        assert (row["issue_id"], row["reported_at"], row["status"], row["grid_code"]) == (
            "L1",
            dt.datetime(2026, 10, 1, 9),
            "resolved",
            G1,
        ), name


def test_volunteers_service_records_and_points_import(grids_only: Path, tmp_path: Path) -> None:
    write_issues_csv(grids_only)
    files = {
        "volunteers": f"志愿者编号,所属网格,注册时间,政治面貌,姓名,联系电话\nV1,{G1},2026/1/5,中共党员,王小明,13800001111\nV2,{G3},2026/2/5,群众,李小红,\n",
        "service_records": "记录编号,志愿者编号,服务时间,服务时长,服务类型\nS1,V1,2026/10/3 9:00,3,助老\nS2,V2,2026/10/4 9:00,2.5,平安巡逻\n",
        "service_points": "站点编号,站点名称,站点类型,经度,纬度\nP1,东湖党群服务中心,党群服务中心,120.005,30.005\n",
    }
    for kind, text in files.items():
        code, out, err = _run(
            "import",
            "--data",
            str(grids_only),
            "--kind",
            kind,
            str(_write(tmp_path / f"{kind}.csv", text, "gbk")),
        )
        assert code == 0, out + err
    dataset = load_dataset(grids_only)
    assert (
        dataset.volunteers is not None
        and dataset.service_records is not None
        and dataset.service_points is not None
    )
    assert dict(
        zip(dataset.volunteers["volunteer_id"], dataset.volunteers["is_party_member"], strict=True)
    ) == {"V1": True, "V2": False}
    assert sorted(dataset.service_records["service_type"]) == ["elderly_care", "safety_patrol"]
    assert dataset.service_records["hours"].sum() == pytest.approx(5.5)
    assert dataset.service_points.row(0, named=True)["point_type"] == "party_service_center"
