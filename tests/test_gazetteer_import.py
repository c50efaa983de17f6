"""The gazetteer (地名库, ``geo/places.csv``) imported like any export, and issues placed by address kept
placed by address after their import (issue #13, item 1).

The boundary file repeats grid names across communities, as real ones do (东湖社区 and 西岭社区 both have
a 第一网格). The gazetteer comes as a community office keeps it: GBK, a title row, 小区名称 and 网格名称
with the community instead of grid codes. A hotline export has only addresses. Everything is imported
through the CLI and read back with the metrics CLI; every count is written out.
"""

from __future__ import annotations

import copy
import hashlib
import io
import json
from pathlib import Path

import pytest

from dashboard.cli import main
from dashboard.core.loading import load_dataset
from dashboard.ingest import versions
from tests.builders import C1, C2, G1, G2, G3, G4, TINY_GRIDS, write_grids

AS_OF = "2026-11-20 00:00:00"
NAMES = {G1: "第一网格", G2: "第二网格", G3: "第一网格", G4: "公园网格"}

# 东湖花园 -> G2 and 东湖 -> G1 by (community, grid name); 西岭苑 names 第一网格 with no community: two
# grids have that name, refused; 公园路 -> G4 (one grid of that name); 湖 is too short; 第九网格 is none.
GAZETTEER = """清河湾街道地名库（2026年10月）
小区名称,所属社区,网格名称
东湖花园,东湖社区,第二网格
东湖,东湖社区居委会,第一网格
西岭苑,,第一网格
公园路,,公园网格
湖,东湖社区,第一网格
南山苑,南山社区,第九网格
"""
# A1: 东湖花园 (the longest keyword) -> G2, not 东湖 -> G1; A2: 东湖 -> G1; A3: 公园路 -> G4; A4: no keyword
# known yet, placed by its community 西岭社区; A5: nothing known at all: refused.
HOTLINE = """工单编号,来电时间,诉求内容,问题分类,所属社区,事发地址,办理完结时间
A1,2026/10/2 9:00,楼道灯不亮,市政设施,,东湖路18号东湖花园3幢,2026/10/3 9:00
A2,2026/10/4 9:00,垃圾未清运,环境卫生,,东湖路2号,
A3,2026/10/5 9:00,路灯损坏,市政设施,,公园路5号,2026/10/6 9:00
A4,2026/10/6 9:00,噪音扰民,噪音扰民,西岭社区,西岭苑7幢,2026/10/7 9:00
A5,2026/10/7 9:00,其他,其他,,不详,
"""


def _run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def _write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding))
    return path


def _fingerprint(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def _counts(root: Path, by: str) -> dict[object, object]:
    code, out, err = _run("metrics", "--data", str(root), "--period", "2026-10", "--by", by, "--as-of", AS_OF)
    assert code == 0, err
    return {r[f"{by}_code"]: r["issue_count"] for r in json.loads(out) if r["issue_count"]}


@pytest.fixture
def root(tmp_path: Path) -> Path:
    grids = copy.deepcopy(TINY_GRIDS)
    for grid in grids:
        grid["grid_name"] = NAMES[grid["grid_code"]]
    folder = tmp_path / "root"
    write_grids(folder, grids)
    return folder


def _import_gazetteer(root: Path, tmp_path: Path, text: str = GAZETTEER, *options: str) -> str:
    upload = _write(tmp_path / "地名库.csv", text, "gbk")
    code, out, err = _run("import", "--data", str(root), "--kind", "places", *options, str(upload))
    assert code == 0, out + err
    return out


def test_a_gazetteer_with_grid_names_imports_and_refuses_what_it_cannot_place(
    root: Path, tmp_path: Path
) -> None:
    out = _import_gazetteer(root, tmp_path, GAZETTEER, "--skip-bad-rows")
    assert "共 6 行，可导入 3 行，3 行有错误将不导入" in out
    # Rows as the file numbers them (the title on row 1, the header on row 2): 西岭苑 on row 5 names a
    # grid two communities have, 南山苑 on row 8 one nobody has; each said once, not also "empty code".
    assert "第 5, 8 行，列 grid_name: 网格名称在边界文件中找不到" in out and "（第一网格, 第九网格）" in out
    assert "必填值为空" not in out
    assert "第 7 行，列 keyword: 地名关键词太短" in out
    assert (root / "geo" / "places.csv").read_text(encoding="utf-8").splitlines() == [
        "keyword,grid_code",
        f"东湖花园,{G2}",
        f"东湖,{G1}",
        f"公园路,{G4}",
    ]


def test_issues_placed_by_address_follow_the_gazetteer_after_import(root: Path, tmp_path: Path) -> None:
    _import_gazetteer(root, tmp_path, GAZETTEER, "--skip-bad-rows")
    hotline = _write(tmp_path / "12345.csv", HOTLINE, "gbk")
    code, out, err = _run("import", "--data", str(root), "--kind", "issues", "--skip-bad-rows", str(hotline))
    assert code == 0, out + err
    # The report says how the rows were placed.
    assert "到网格 3 行（其中按地址 3 行）" in out and "仅定位到社区 1 行" in out
    assert _counts(root, "grid") == {G1: 1, G2: 1, G4: 1, None: 1}  # A4 only at community level
    assert _counts(root, "community") == {C1: 2, C2: 2}
    issues = load_dataset(root).issues.sort("issue_id")
    assert issues["located_by_address"].to_list() == [True, True, True, False]
    # A new gazetteer line (西岭苑 in 西岭社区's 第一网格) places A4 with no new import of the issues.
    _import_gazetteer(root, tmp_path, "小区名称,所属社区,网格名称\n西岭苑,西岭社区,第一网格\n")
    assert _counts(root, "grid") == {G1: 1, G2: 1, G3: 1, G4: 1}
    # The versions hold the gazetteer: restoring the one before brings A4 back to community level.
    history = versions(root)
    assert [(v.action, v.kind) for v in history] == [
        ("baseline", None),
        ("import", "places"),
        ("import", "issues"),
        ("import", "places"),
    ]
    code, out, err = _run("restore", "--data", str(root), history[2].id)
    assert code == 0, out + err
    assert _counts(root, "grid") == {G1: 1, G2: 1, G4: 1, None: 1}


def test_a_gazetteer_without_a_keyword_column_is_refused_and_nothing_changes(
    root: Path, tmp_path: Path
) -> None:
    _import_gazetteer(root, tmp_path, GAZETTEER, "--skip-bad-rows")
    before = _fingerprint(root)
    upload = _write(tmp_path / "bad.csv", "网格名称,备注\n第一网格,x\n第二网格,y\n", "gbk")
    code, out, err = _run("import", "--data", str(root), "--kind", "places", str(upload))
    assert code == 2
    assert "keyword" in out + err
    assert _fingerprint(root) == before
