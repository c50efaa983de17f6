"""Placement at the finest known level: by grid code, point, gazetteer address, community or street.

A hand-built root (the tiny grids: 东湖社区 C1 = G1 (1,000 residents) + G2 (500); 西岭社区 C2 = G3 (2,000)
+ G4 (0); one street 清河湾街道 330199001 of 3,500) with seven October issues, one placed each way, and
the metrics written out by hand for every level.
"""

from __future__ import annotations

import io
import json
from datetime import datetime
from pathlib import Path

import polars as pl
import pytest

from dashboard.cli import main
from dashboard.core.loading import load_dataset
from dashboard.core.periods import parse_period
from dashboard.core.problems import DataError
from dashboard.figures.tables import unit_table
from dashboard.metrics import compute
from tests.builders import C1, C2, G1, G2, G3, G4, write_grids, write_issues_csv

T = datetime(2026, 11, 20)
STREET = "330199001"
COLUMNS = (
    "issue_id",
    "reported_at",
    "category",
    "status",
    "resolved_at",
    "grid_code",
    "lon",
    "lat",
    "community_name",
    "street_code",
    "address",
)
PLACES = f"keyword,grid_code\n东湖,{G1}\n东湖花园,{G2}\n"


def _issue(issue_id: str, day: int, done: bool, **place: str) -> dict[str, str]:
    return {
        "issue_id": issue_id,
        "reported_at": f"2026-10-{day:02d} 09:00:00",
        "category": "环境卫生",
        "status": "closed" if done else "accepted",
        "resolved_at": f"2026-10-{day:02d} 15:00:00" if done else "",
        **place,
    }


PLACED = [
    _issue("p1", 1, True, grid_code=G1),  # grid G1 by code
    _issue("p2", 2, False, lon="120.005", lat="30.015"),  # grid G3 by point
    _issue("p3", 3, True, community_name="东湖社区居委会"),  # community C1 by name, suffix variant
    _issue("p4", 4, False, community_name="西岭"),  # community C2 by name without its suffix
    _issue("p5", 5, True, street_code=STREET),  # street by code
    # grid G2 by the gazetteer: the longest keyword in the address (东湖花园, not 东湖)
    _issue("p6", 6, True, address="东湖路18号东湖花园3幢"),
    _issue("p7", 7, True, lon="121.5", lat="31.2"),  # a point in no grid: outside every grid
]


@pytest.fixture
def root(tmp_path: Path) -> Path:
    write_grids(tmp_path)
    write_issues_csv(tmp_path, PLACED, COLUMNS)
    (tmp_path / "geo" / "places.csv").write_text(PLACES, encoding="utf-8")
    return tmp_path


def _by(root: Path, by: str) -> pl.DataFrame:
    data = load_dataset(root)
    return compute(data.issues, data.units, by, parse_period("2026-10"), T, data.settings)  # type: ignore[arg-type]


def _rows(frame: pl.DataFrame, code: str) -> dict[object, tuple[object, ...]]:
    """code (or placed level on the extra rows) -> (issue count, resolution rate, issues per 1,000)."""
    return {
        (row[code] if not row["outside"] else row["placed"]): (
            row["issue_count"],
            None if row["resolution_rate"] is None else round(row["resolution_rate"], 4),
            None if row["issues_per_1000"] is None else round(row["issues_per_1000"], 4),
        )
        for row in frame.iter_rows(named=True)
    }


def test_each_issue_is_placed_at_the_finest_level_it_names(root: Path) -> None:
    issues = load_dataset(root).issues.sort("issue_id")
    got = issues.select("issue_id", "placed_at", "grid_code", "community_code", "street_code").rows()
    assert got == [
        ("p1", "grid", G1, C1, STREET),
        ("p2", "grid", G3, C2, STREET),
        ("p3", "community", None, C1, STREET),
        ("p4", "community", None, C2, STREET),
        ("p5", "street", None, None, STREET),
        ("p6", "grid", G2, C1, STREET),
        ("p7", "outside", None, None, None),
    ]
    names = issues.filter(pl.col("issue_id") == "p3").select("community_name", "street_name").row(0)
    assert names == ("东湖社区", "清河湾街道")  # the boundary file's names, not the file's variant


def test_grid_table_shows_what_is_not_in_a_grid_as_one_row_per_level(root: Path) -> None:
    assert _rows(_by(root, "grid"), "grid_code") == {
        G1: (1, 1.0, 1.0),  # p1: 1 of 1 finished; 1 / 1,000 residents
        G2: (1, 1.0, 2.0),  # p6 by address: 1 / 500
        G3: (1, 0.0, 0.5),  # p2 by point, open: 1 / 2,000
        G4: (0, None, None),  # no issues, no residents
        "community": (2, 0.5, None),  # p3 finished, p4 open
        "street": (1, 1.0, None),  # p5
        "outside": (1, 1.0, None),  # p7
    }


def test_community_counts_include_everything_placed_in_it(root: Path) -> None:
    assert _rows(_by(root, "community"), "community_code") == {
        C1: (3, 1.0, 2.0),  # p1, p6 in its grids and p3 at community level: 3 finished; 3 / 1,500
        C2: (2, 0.0, 1.0),  # p2 in G3 and p4: none finished; 2 / 2,000
        "street": (1, 1.0, None),
        "outside": (1, 1.0, None),
    }


def test_street_and_total_count_each_issue_once(root: Path) -> None:
    assert _rows(_by(root, "street"), "street_code") == {
        STREET: (6, 0.6667, 1.7143),  # p1-p6: 4 of 6 finished; 6 / 3,500 * 1,000
        "outside": (1, 1.0, None),
    }
    total = _by(root, "all").row(0, named=True)
    assert (total["issue_count"], round(total["resolution_rate"], 4)) == (7, 0.7143)  # 5 of 7
    for by in ("grid", "community", "street"):
        assert _by(root, by).get_column("issue_count").sum() == 7


def test_the_extra_rows_are_labelled_by_the_level_they_reached(root: Path) -> None:
    frame = _by(root, "grid")
    zh = unit_table(frame, "grid_code", "grid_name", ["issue_count"], load_dataset(root).settings, "zh")
    en = unit_table(frame, "grid_code", "grid_name", ["issue_count"], load_dataset(root).settings, "en")
    assert zh.frame.iloc[:, 0].tolist()[-3:] == ["仅定位到社区", "仅定位到街道", "不在网格内"]
    assert en.frame.iloc[:, 0].tolist()[-3:] == [
        "Placed only at community level",
        "Placed only at street level",
        "Outside every grid",
    ]


def test_an_unplaceable_issue_and_an_unknown_community_are_row_problems(tmp_path: Path) -> None:
    write_grids(tmp_path)
    bad = [*PLACED[:2], _issue("p8", 8, True), _issue("p9", 9, True, community_name="北山社区")]
    write_issues_csv(tmp_path, bad, COLUMNS)
    with pytest.raises(DataError) as error:
        load_dataset(tmp_path)
    problems = {(p.code, p.column): (p.rows, p.detail) for p in error.value.problems}
    assert problems[("missing_location", "grid_code")][0] == (4, 5)  # p8 names nothing, p9 nothing known
    assert problems[("unknown_community", "community_name")] == ((5,), "北山社区")


def test_without_a_gazetteer_an_address_alone_places_nothing(tmp_path: Path) -> None:
    write_grids(tmp_path)
    write_issues_csv(tmp_path, [PLACED[0], PLACED[5]], COLUMNS)
    with pytest.raises(DataError) as error:
        load_dataset(tmp_path)
    assert [(p.code, p.rows) for p in error.value.problems] == [("missing_location", (3,))]


# --- the import: a 12345 work-order export with community names and addresses, no coordinates ---------

HOTLINE = """工单编号,来电时间,诉求内容,诉求类别,所属街道,所属社区,诉求地址,承办单位,办理状态,办结时间
H1,2026/10/2 9:00,楼道堆物,环境卫生,清河湾街道办事处,东湖社区居委会,东湖路1号,东湖社区,已办结,2026/10/3 9:00
H2,2026/10/3 9:00,夜间施工,噪音扰民,清河湾街道,东湖社区,东湖花园5幢,城管执法队,已办结,2026/10/4 9:00
H3,2026/10/4 9:00,占道停车,停车管理,清河湾街道,西岭社区居委会,西岭路8号,交警中队,处置中,
H4,2026/10/5 9:00,路灯不亮,市政设施,清河湾街道,西岭,西岭路20号,市政所,已办结,2026/10/6 9:00
H5,2026/10/6 9:00,绿地毁损,环境卫生,清河湾街道,,清河湾大道,绿化所,已办结,2026/10/8 9:00
H6,2026/10/7 9:00,井盖缺失,市政设施,,北山社区,北山路2号,市政所,处置中,
"""


def _run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def _metrics(root: Path, by: str) -> dict[object, dict[str, object]]:
    code, out, err = _run(
        "metrics", "--data", str(root), "--period", "2026-10", "--by", by, "--as-of", "2026-11-20 00:00:00",
        "--format", "json",
    )  # fmt: skip
    assert code == 0, err
    return {r[f"{by}_code"] or r["placed"]: r for r in json.loads(out)}


def test_a_hotline_export_without_coordinates_imports_and_is_counted_per_community_and_street(
    tmp_path: Path,
) -> None:
    root = tmp_path / "root"
    write_grids(root)
    (root / "geo" / "places.csv").write_text(PLACES, encoding="utf-8")
    upload = tmp_path / "12345工单.csv"
    upload.write_bytes(HOTLINE.encode("gbk"))
    # No mapping: the hotline's own headers (所属街道, 所属社区, 诉求地址, 承办单位, ...) are built in.
    code, out, err = _run("import", "--data", str(root), "--kind", "issues", "--skip-bad-rows", str(upload))
    assert code == 0, out + err
    assert "北山社区" in out  # the unmatched community is listed
    issues = load_dataset(root).issues.sort("issue_id")
    assert issues.select("issue_id", "placed_at", "grid_code").rows() == [
        ("H1", "grid", G1),  # the address holds 东湖 (gazetteer)
        ("H2", "grid", G2),  # 东湖花园, the longer keyword
        ("H3", "community", None),
        ("H4", "community", None),
        ("H5", "street", None),
        # H6: an unknown community and no street: refused as a row with no place
    ]
    community = _metrics(root, "community")
    assert (community[C1]["issue_count"], community[C1]["resolution_rate"]) == (2, 1.0)
    assert (community[C2]["issue_count"], community[C2]["resolution_rate"]) == (2, 0.5)
    assert (community["street"]["issue_count"], community["street"]["resolution_rate"]) == (1, 1.0)
    street = _metrics(root, "street")
    assert street[STREET]["issue_count"] == 5
    assert street[STREET]["resolution_rate"] == pytest.approx(0.8)  # H1, H2, H4, H5 of 5
    grid = _metrics(root, "grid")
    assert (grid["community"]["issue_count"], grid["street"]["issue_count"]) == (2, 1)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_grid_map_says_how_many_issues_it_cannot_show(
    root: Path, monkeypatch: pytest.MonkeyPatch, lang: str
) -> None:
    """p3, p4 placed only at community level, p5 at street level, p7 outside every grid: not on the map."""
    from dashboard.figures.tables import unplaced_note
    from dashboard.i18n import t
    from dashboard.metrics import placed_label
    from tests.test_pages import _page

    rows = _by(root, "grid").filter(pl.col("outside"))
    items = t("common.list_sep", lang).join(  # type: ignore[arg-type]
        t("map.unplaced_item", lang, label=placed_label(level, lang), n=n)  # type: ignore[arg-type]
        for level, n in (("community", 2), ("street", 1), ("outside", 1))
    )
    expected = t("map.unplaced", lang, items=items)  # type: ignore[arg-type]
    assert unplaced_note(rows, lang) == [expected]  # type: ignore[arg-type]
    at = _page(root, monkeypatch, "pages/grid_map.py", period="2026-10", lang=lang)
    assert expected in [c.value for c in at.caption]
