"""Real exports as they come (issue #13): a hotline work-order export, a letters export, a ledger with
US-style times, a file whose header names nothing we know. Each file is written here, shaped like the
exports we meet (no real personal data), imported through the CLI, then read back with the metrics CLI.
Every refusal leaves the data root byte for byte as it was.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
from pathlib import Path

import pytest
import xlsxwriter

from dashboard import ingest
from dashboard.cli import main
from dashboard.core.loading import load_dataset
from dashboard.ingest.mapping import Mapping, parse_mapping
from dashboard.ingest.report import lines, problem_table
from tests.builders import C1, C2, G1, G2, G3, write_grids

PERIOD = "2026-10"
AS_OF = "2026-11-20 00:00:00"


def _run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def _import(root: Path, upload: Path, *options: str) -> tuple[int, str, str]:
    return _run("import", "--data", str(root), "--kind", "issues", *options, str(upload))


def _metrics(root: Path, by: str = "community") -> dict[str, dict[str, object]]:
    code, out, err = _run(
        "metrics", "--data", str(root), "--period", PERIOD, "--by", by, "--as-of", AS_OF, "--format", "json"
    )
    assert code == 0, err
    return {r[f"{by}_code"]: r for r in json.loads(out)}


def _fingerprint(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def _write(path: Path, data: bytes | str, encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode(encoding) if isinstance(data, str) else data)
    return path


@pytest.fixture
def root(tmp_path: Path) -> Path:
    folder = tmp_path / "root"
    write_grids(folder)
    return folder


# --- a 12345 hotline export: its vocabulary with no mapping, no status column ---------------------------

# H1, H2 in G1 (C1), H3 in G3 (C2). No status column: H1 and H3 have a finish time -> closed, H2 -> reported.
HOTLINE = f"""工单编号,来电时间,受理时间,诉求内容,问题分类,所属区,所属街道,所属社区,事发地址,责任单位,办理完结时间,满意度评价,所属网格
H1,2026/10/2 9:00,2026/10/2 9:05,楼道灯不亮,市政设施,示例区,清河湾街道,东湖社区,示例路1号,城管局,2026/10/3 9:00,非常满意,{G1}
H2,2026/10/4 9:00,2026/10/4 9:10,夜间施工噪音,噪音扰民,示例区,清河湾街道,东湖社区,示例路2号,生态环境局,,,{G1}
H3,2026/10/6 9:00,2026/10/6 9:30,小区门口积水,市政设施,示例区,清河湾街道,西岭社区,示例路3号,住建局,2026/10/8 9:00,不满意,{G3}
"""


def test_a_hotline_export_in_gbk_is_read_with_its_own_words(root: Path, tmp_path: Path) -> None:
    upload = _write(tmp_path / "12345工单.csv", HOTLINE, "gbk")
    code, out, err = _import(root, upload)
    assert code == 0, out + err
    assert "已按办结/结案时间推定" in out and "closed 2, reported 1" in out
    metrics = _metrics(root)
    assert metrics[C1]["issue_count"] == 2
    assert metrics[C1]["resolution_rate"] == pytest.approx(0.5)
    assert metrics[C2]["issue_count"] == 1
    assert metrics[C2]["resolution_rate"] == pytest.approx(1.0)
    issues = load_dataset(root).issues
    h1 = issues.filter(issues["issue_id"] == "H1").row(0, named=True)
    assert h1["status"] == "closed" and h1["satisfaction"] == "satisfied"
    assert h1["accepted_at"] == dt.datetime(2026, 10, 2, 9, 5)
    assert h1["resolved_at"] == dt.datetime(2026, 10, 3, 9)
    assert (h1["department"], h1["address"], h1["description"]) == ("城管局", "示例路1号", "楼道灯不亮")
    # The places by name are kept for placement by name (done elsewhere).
    assert (h1["district_name"], h1["street_name"], h1["community_name"]) == (
        "示例区",
        "清河湾街道",
        "东湖社区",
    )
    h3 = issues.filter(issues["issue_id"] == "H3").row(0, named=True)
    assert (h3["community_name"], h3["satisfaction"]) == ("西岭社区", "unsatisfied")


def test_a_hotline_export_with_only_the_acceptance_time_uses_it_as_the_report_time(root: Path) -> None:
    csv = f"工单编号,受理时间,诉求类别,所属网格,办结时间\nT1,2026-10-02 09:00,环境卫生,{G1},\n"
    prepared = ingest.prepare(root, "issues", csv.encode("gbk"), "t.csv")
    assert not prepared.refused
    row = prepared.good.row(0, named=True)
    assert row["reported_at"] == row["accepted_at"] == dt.datetime(2026, 10, 2, 9)
    assert {p.code for p in prepared.warnings} >= {"reported_from_accepted", "status_derived"}


# --- a ledger .xlsx with US-style AM/PM times: a mapping adds the format --------------------------------


def _ledger(path: Path) -> Path:
    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet("Sheet1")
    sheet.write_row(0, 0, ["事件编号", "上报时间", "事件类型", "网格编码", "办结时间"])
    rows = [
        ("L1", "10/02/2026 09:15:00 AM", "环境卫生", G1, "10/02/2026 03:30:00 PM"),
        ("L2", "10/05/2026 11:55:30 PM", "停车管理", G2, "10/06/2026 08:00:00 AM"),
        ("L3", "10/09/2026 12:00:00 PM", "环境卫生", G3, "10/10/2026 12:00:00 AM"),
    ]
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row):
            sheet.write_string(r, c, value)
    book.close()
    return path


LEDGER_MAPPING = """\
date_formats = ["%m/%d/%Y %I:%M:%S %p"]

[constants]
status = "closed"
"""


def test_a_ledger_with_am_pm_times_is_refused_then_imports_with_the_format_added(
    root: Path, tmp_path: Path
) -> None:
    upload = _ledger(tmp_path / "台账.xlsx")
    before = _fingerprint(root)
    code, out, err = _import(root, upload)
    assert code == 2 and "无法识别的时间" in out + err
    assert _fingerprint(root) == before
    mapping = _write(tmp_path / "ledger.toml", LEDGER_MAPPING)
    code, out, err = _import(root, upload, "--mapping", str(mapping))
    assert code == 0, out + err
    assert "status = closed" in out  # the report names the constant applied
    metrics = _metrics(root)
    assert metrics[C1]["issue_count"] == 2 and metrics[C1]["resolution_rate"] == pytest.approx(1.0)
    assert metrics[C2]["issue_count"] == 1 and metrics[C2]["resolution_rate"] == pytest.approx(1.0)
    issues = load_dataset(root).issues
    l2 = issues.filter(issues["issue_id"] == "L2").row(0, named=True)
    assert l2["reported_at"] == dt.datetime(2026, 10, 5, 23, 55, 30)
    l3 = issues.filter(issues["issue_id"] == "L3").row(0, named=True)
    assert (l3["reported_at"], l3["resolved_at"]) == (dt.datetime(2026, 10, 9, 12), dt.datetime(2026, 10, 10))


def test_date_formats_are_checked_when_the_mapping_is_read() -> None:
    assert parse_mapping('date_formats = ["%Y%m%d"]').date_formats == ["%Y%m%d"]
    with pytest.raises(ValueError, match="date_formats"):
        parse_mapping('date_formats = ["tomorrow"]')
    with pytest.raises(ValueError, match="constants"):
        parse_mapping("[constants]\nstatus = 3\n")


def test_compact_and_dotted_dates_need_no_mapping(root: Path) -> None:
    csv = f"事件编号,上报时间,事件类型,网格编码,事件状态\nD1,20261001,环境卫生,{G1},已上报\nD2,2026.10.01,环境卫生,{G1},已上报\n"
    prepared = ingest.prepare(root, "issues", csv.encode(), "d.csv")
    assert prepared.good.get_column("reported_at").to_list() == [dt.datetime(2026, 10, 1)] * 2


# --- a letters export: title, asked, answered, agency; no id, no status, no place ---------------------

LETTERS = """信件标题,来信日期,回复日期,回复单位
关于小区停车难的问题,2026-10-03,2026-10-10,区住建局
咨询老旧小区加装电梯政策,2026-10-12,2026-10-20,区住建局
反映路口信号灯时长过短,2026-10-25,,区交警大队
"""
# A letter names no place: the constant street places it at street level (no community, no grid).
LETTERS_MAPPING = """\
join_separator = " "

[join]
issue_id = ["来信日期", "信件标题"]
description = ["信件标题"]

[columns]
"回复日期" = "resolved_at"
"回复单位" = "department"

[constants]
category = "来信咨询"
street_code = "330199001"
street_name = "清河湾街道"
"""


def test_a_letters_export_imports_with_a_derived_status_and_constants(root: Path, tmp_path: Path) -> None:
    upload = _write(tmp_path / "市长信箱.csv", LETTERS)
    before = _fingerprint(root)
    code, out, _ = _import(root, upload)
    assert code == 2 and "缺少必填列" in out  # no id, no category: refused as it stands
    assert _fingerprint(root) == before
    mapping = _write(tmp_path / "letters.toml", LETTERS_MAPPING)
    code, out, err = _import(root, upload, "--mapping", str(mapping))
    assert code == 0, out + err
    assert "closed 2, reported 1" in out
    # Placed only at street level: in no community's count, in the street's, and in a visible row of the
    # community table ("placed only at street level"), never dropped or double-counted.
    metrics = _metrics(root)
    assert all(m["issue_count"] == 0 for code, m in metrics.items() if code in (C1, C2))
    street = _metrics(root, "street")["330199001"]
    assert street["issue_count"] == 3
    assert street["resolution_rate"] == pytest.approx(2 / 3)
    _, out, _ = _run("metrics", "--data", str(root), "--period", PERIOD, "--as-of", AS_OF, "--format", "json")
    higher = [(r["placed"], r["issue_count"]) for r in json.loads(out) if r["community_code"] is None]
    assert ("street", 3) in higher
    issues = load_dataset(root).issues.sort("reported_at")
    first = issues.row(0, named=True)
    assert first["issue_id"] == "2026-10-03 关于小区停车难的问题"
    assert (first["status"], first["street_name"], first["department"]) == (
        "closed",
        "清河湾街道",
        "区住建局",
    )
    assert issues.row(2, named=True)["status"] == "reported"


def test_one_header_to_several_fields_and_a_join_of_title_and_body(root: Path) -> None:
    csv = f"编号,时间,标题,正文,分类,网格,完成\nJ1,2026-10-02 09:00,路灯,不亮了,市政设施,{G1},2026-10-03 09:00\n"
    mapping = parse_mapping(
        '[columns]\n"编号" = "issue_id"\n"时间" = "reported_at"\n"分类" = "category"\n"网格" = "grid_code"\n'
        '"完成" = ["resolved_at", "closed_at"]\n\n[join]\ndescription = ["标题", "正文"]\n'
    )
    assert parse_mapping(mapping.to_toml()) == mapping  # what the page saves reads back the same
    prepared = ingest.prepare(root, "issues", csv.encode(), "j.csv", mapping)
    row = prepared.good.row(0, named=True)
    assert row["resolved_at"] == row["closed_at"] == dt.datetime(2026, 10, 3, 9)
    assert row["description"] == "路灯\n不亮了"
    assert row["status"] == "closed"


def test_a_join_naming_a_missing_column_is_refused(root: Path) -> None:
    csv = f"事件编号,上报时间,事件类型,网格编码,事件状态\nD1,2026-10-01,环境卫生,{G1},已上报\n"
    mapping = Mapping(join={"description": ["标题", "正文"]})
    prepared = ingest.prepare(root, "issues", csv.encode(), "d.csv", mapping)
    assert prepared.refused and prepared.blocking[0].code == "join_column_missing"
    assert "标题, 正文" in prepared.blocking[0].message("zh")


# --- a file whose header names nothing we know -------------------------------------------------------

ENGLISH = f"""Case ref,Opened on,Kind,Cell,State,Phone
E-1,2026-10-02 09:00,litter,{G1},Closed,13812345678
E-2,2026-10-04 09:00,noise,{G1},Open,
E-3,2026-10-06 09:00,litter,{G3},Closed,
"""
ENGLISH_MAPPING = """\
[columns]
"Case ref" = "issue_id"
"Opened on" = "reported_at"
"Kind" = "category"
"Cell" = "grid_code"
"State" = "status"
"Phone" = "reporter_phone"

[values.status]
"Closed" = "closed"
"Open" = "in_progress"
"""


def test_an_unknown_header_in_row_1_gets_a_helpful_report_then_imports_with_a_mapping(
    root: Path, tmp_path: Path
) -> None:
    upload = _write(tmp_path / "cases.csv", ENGLISH)
    before = _fingerprint(root)
    code, out, err = _import(root, upload, "--lang", "en")
    assert code == 2
    assert _fingerprint(root) == before
    assert "row 1" in out and "Case ref, Opened on, Kind, Cell, State, Phone" in out  # the columns it found
    assert "issue_id (" in out and "reported_at (" in out  # the columns it needs
    assert "E-1 | 2026-10-02 09:00 | litter" in out  # the first rows
    assert "13812345678" not in out and "138****5678" in out  # numbers masked in the sample
    assert "(imported)" not in out
    prepared = ingest.prepare(root, "issues", upload.read_bytes(), "cases.csv")
    assert prepared.header_row == 1 and prepared.headers[:2] == [
        "Case ref",
        "Opened on",
    ]  # the editor opens on them
    assert len(prepared.sample) == 4
    code, out, err = _import(root, upload, "--mapping", str(_write(tmp_path / "en.toml", ENGLISH_MAPPING)))
    assert code == 0, out + err
    metrics = _metrics(root)
    assert metrics[C1]["issue_count"] == 2 and metrics[C1]["resolution_rate"] == pytest.approx(0.5)
    assert metrics[C2]["issue_count"] == 1 and metrics[C2]["resolution_rate"] == pytest.approx(1.0)


def test_a_title_row_above_an_unknown_header_is_passed_over() -> None:
    import polars as pl

    from dashboard.ingest.mapping import likely_header_row

    cells = pl.DataFrame(
        {
            "c0": ["Export of cases", "Ref", "1", "2"],
            "c1": [None, "When", "2026-10-01", "2026-10-02"],
            "c2": [None, "What", "x", "y"],
        }
    )
    assert likely_header_row(cells) == 1
    numbers = pl.DataFrame({"c0": ["1", "2"], "c1": ["3", "4"]})
    assert likely_header_row(numbers) == 0  # nothing better: row 1


# --- honest wording ---------------------------------------------------------------------------------


def test_a_refused_files_notes_are_not_imported_and_every_count_is_a_number(root: Path) -> None:
    csv = f"事件编号,上报时间,事件类型,网格编码,事件状态\nR1,昨天,环境卫生,{G1},已上报\n"  # every row bad
    prepared = ingest.prepare(root, "issues", csv.encode(), "r.csv", Mapping(constants={"street_name": "x"}))
    prepared.warnings.append(prepared.errors[0])  # a note beside the error
    assert prepared.refused
    text = "\n".join(lines(prepared, "en"))
    assert "[Note]" in text and "(imported)" not in text
    blocked = ingest.prepare(root, "issues", b"a,b\n1,2\n", "x.csv")
    for each in (prepared, blocked):
        for lang in ("zh", "en"):
            table = problem_table(each, lang)
            counts = table.get_column(table.columns[2])
            assert counts.null_count() == 0 and counts.dtype.is_integer()


def test_the_pages_text_boxes_for_constants_joins_and_formats_read_back() -> None:
    from dashboard.ingest.mapping import extras_text, parse_extras

    mapping = Mapping(
        constants={"status": "closed", "street_name": "清河湾街道"},
        join={"description": ["标题", "正文"]},
        date_formats=["%m/%d/%Y %I:%M:%S %p"],
    )
    extras, bad = parse_extras(*extras_text(mapping))
    assert bad == []
    assert (extras.constants, extras.join, extras.date_formats) == (
        mapping.constants,
        mapping.join,
        mapping.date_formats,
    )
    extras, bad = parse_extras(
        "status closed\ncategory = 来信", "description = 标题，正文", "%Y%m%d\ntomorrow"
    )
    assert bad == ["status closed", "tomorrow"]
    assert extras.constants == {"category": "来信"} and extras.join == {"description": ["标题", "正文"]}


# The literal shape of US open-data exports (issue #13): `12/31/2018 11:55:30 PM`, month and day not
# always padded, a case reported on New Year's Eve and finished after midnight in the next year.
US_LEDGER = f"""事件编号,上报时间,事件类型,网格编码,办结时间
U1,12/31/2018 11:55:30 PM,环境卫生,{G1},1/1/2019 12:05:00 AM
U2,12/3/2018 9:05:00 AM,停车管理,{G1},12/3/2018 4:10:00 PM
U3,12/15/2018 12:00:00 PM,环境卫生,{G3},
U4,1/2/2019 8:00:00 AM,环境卫生,{G3},1/2/2019 10:00:00 AM
"""


def test_the_us_open_data_time_format_reads_with_a_date_format_and_counts_in_its_months(
    root: Path, tmp_path: Path
) -> None:
    upload = _write(tmp_path / "ledger.csv", US_LEDGER)
    mapping = _write(tmp_path / "us.toml", 'date_formats = ["%m/%d/%Y %I:%M:%S %p"]\n')
    code, out, err = _import(root, upload, "--mapping", str(mapping))
    assert code == 0, out + err
    issues = load_dataset(root).issues.sort("issue_id")
    u1 = issues.row(0, named=True)
    assert (u1["reported_at"], u1["resolved_at"]) == (
        dt.datetime(2018, 12, 31, 23, 55, 30),
        dt.datetime(2019, 1, 1, 0, 5),
    )
    assert issues.row(1, named=True)["reported_at"] == dt.datetime(2018, 12, 3, 9, 5)
    assert issues["status"].to_list() == ["closed", "closed", "reported", "closed"]  # derived
    code, out, err = _run(
        "metrics", "--data", str(root), "--period", "2018-12", "--by", "community",
        "--as-of", "2019-01-10 00:00:00", "--basis", "live", "--format", "json",
    )  # fmt: skip
    assert code == 0, err
    december = {r["community_code"]: r for r in json.loads(out)}
    # C1: U1 and U2 reported in December, both finished by 10 January; C2: U3 open.
    assert december[C1]["issue_count"] == 2 and december[C1]["resolution_rate"] == pytest.approx(1.0)
    assert december[C2]["issue_count"] == 1 and december[C2]["resolution_rate"] == pytest.approx(0.0)
