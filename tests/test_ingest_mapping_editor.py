"""Issue #13, real exports as they come: the page's editor of one header to several fields, a separator
per join, the columns a file without a known header needs, and the report's notes on refused rows.
Each file is written here (a GBK hotline-like export, no real personal data) and checked as a user sees it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from dashboard import ingest
from dashboard.i18n import t
from dashboard.ingest.report import lines, problem_table
from tests.builders import G1, write_grids


@pytest.fixture
def root(tmp_path: Path) -> Path:
    folder = tmp_path / "root"
    write_grids(folder)
    return folder


def _table(prepared: ingest.Prepared, lang: str) -> list[tuple[str, str, int, str]]:
    """The report's problem table as (severity, rows, count, column) rows, as the page shows it."""
    frame = problem_table(prepared, lang)  # type: ignore[arg-type]
    return [tuple(r[:4]) for r in frame.rows()]  # type: ignore[misc]


# --- the report's notes on rows an error refuses -----------------------------------------------------

# H2 names a community the boundary file does not know and nothing else: refused, unplaced. H1 and H3
# are placed by their community; their categories are new; no status column (derived from 办结时间).
REFUSED = """工单编号,来电时间,问题分类,所属社区,办结时间
H1,2026/10/2 9:00,楼道灯不亮,东湖社区,2026/10/3 9:00
H2,2026/10/4 9:00,夜间施工噪音,南山社区,
H3,2026/10/6 9:00,小区门口积水,西岭社区,
"""


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_note_counts_and_lists_only_the_rows_imported(root: Path, lang: str) -> None:
    prepared = ingest.prepare(root, "issues", REFUSED.encode("gbk"), "12345.csv")
    assert (prepared.total_rows, prepared.good_count, prepared.bad_rows) == (3, 2, 1)
    severity = {k: t(f"imports.severity_{k}", lang) for k in ("error", "warning", "left_out")}  # type: ignore[arg-type]
    assert _table(prepared, lang) == [
        (severity["error"], "3", 1, "grid_code"),  # no place
        (severity["left_out"], "3", 1, "community_name"),  # why: 南山社区 is not in the boundary file
        (severity["warning"], "", 2, "status"),  # derived for the 2 rows imported, not 3
        (severity["warning"], "2, 4", 2, "category"),  # the refused row's new category is not listed
    ]
    text = "\n".join(lines(prepared, lang))  # type: ignore[arg-type]
    assert "closed 1, reported 1" in text
    assert "南山社区" in text and "夜间施工噪音" not in text
    assert "小区门口积水, 楼道灯不亮" in text


def test_a_note_whose_rows_are_all_refused_is_not_shown_as_imported(root: Path) -> None:
    csv = f"工单编号,来电时间,问题分类,所属网格,办结时间\nR1,昨天,楼道灯不亮,{G1},\n"  # an unreadable time
    prepared = ingest.prepare(root, "issues", csv.encode("gbk"), "r.csv")
    assert prepared.refused and prepared.bad_rows == 1
    assert [(p.code, p.rows) for p in prepared.errors] == [("bad_time", (2,))]
    assert prepared.warnings == [] and prepared.left_out == []  # no "new category", no "status derived"
    assert not any("(imported)" in line for line in lines(prepared, "en"))


# --- "columns needed" when no header is recognised ------------------------------------------------

# 受理时间 is the one header recognised (one is not enough for a header row): it stands in for the report
# time, and the status is derived from the finish times, so neither is asked for.
UNKNOWN = """单号,受理时间,种类,位置
A-1,2026/10/2 9:00,环境卫生,东湖社区
"""
NEEDED = "issue_id (事件编号/工单编号/案件编号), category (事件类型/问题类别/诉求类别)"


def test_the_columns_needed_leave_out_what_is_derived_or_filled(root: Path) -> None:
    prepared = ingest.prepare(root, "issues", UNKNOWN.encode("gbk"), "x.csv")
    [problem] = prepared.blocking
    assert (problem.code, problem.rows, problem.column) == (
        "no_header_issues",
        (1,),
        "单号, 受理时间, 种类, 位置",
    )
    assert problem.detail == NEEDED
    assert problem.message("zh").endswith(
        f"需要的列：{NEEDED}。没有状态列时，状态按办结/结案时间推定（有办结时间的为已结案，否则为已上报）；"
        "没有上报/来电时间而有受理时间时，以受理时间为上报时间。请在下面的映射中把各列对应到字段，或指定表头所在行"
    )
    assert f"columns needed: {NEEDED}. With no status column, the status is derived" in problem.message("en")
    # A constant and a join give columns too; with no acceptance time the report time is needed.
    mapping = ingest.Mapping(constants={"category": "来信"}, join={"issue_id": ["单号", "位置"]})
    blocked = ingest.prepare(root, "issues", b"a,b\n1,2\n", "y.csv", mapping)
    assert blocked.blocking[0].detail == "reported_at (上报时间/发现时间/登记时间)"
    everything = ingest.prepare(root, "issues", b"a,b\n1,2\n", "z.csv")
    assert everything.blocking[0].detail.split(" (")[0] == "issue_id"
    assert "status" not in everything.blocking[0].detail
