"""Issue #13, real exports as they come: the page's editor of one header to several fields, a separator
per join, the columns a file without a known header needs, and the report's notes on refused rows.
Each file is written here (a GBK hotline-like export, no real personal data) and checked as a user sees it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import ingest
from dashboard.core.loading import load_dataset
from dashboard.i18n import Lang, t
from dashboard.ingest.mapping import extras_text, header_fields, parse_extras, parse_mapping, with_extras
from dashboard.ingest.report import lines, problem_table
from tests.builders import G1, shown, sign_in, write_grids
from tests.conftest import REPO


@pytest.fixture
def root(tmp_path: Path) -> Path:
    folder = tmp_path / "root"
    write_grids(folder)
    return folder


def _table(prepared: ingest.Prepared, lang: Lang) -> list[tuple[str, str, int, str]]:
    """The report's problem table as (severity, rows, count, column) rows, as the page shows it."""
    frame = problem_table(prepared, lang)
    return [tuple(r[:4]) for r in frame.rows()]


# --- the report's notes on rows an error refuses -----------------------------------------------------

# H2 names a community the boundary file does not know and nothing else: refused, unplaced. H1 and H3
# are placed by their community; their categories are new; no status column (derived from 办结时间).
REFUSED = """工单编号,来电时间,问题分类,所属社区,办结时间
H1,2026/10/2 9:00,楼道灯不亮,东湖社区,2026/10/3 9:00
H2,2026/10/4 9:00,夜间施工噪音,南山社区,
H3,2026/10/6 9:00,小区门口积水,西岭社区,
"""


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_note_counts_and_lists_only_the_rows_imported(root: Path, lang: Lang) -> None:
    prepared = ingest.prepare(root, "issues", REFUSED.encode("gbk"), "12345.csv")
    assert (prepared.total_rows, prepared.good_count, prepared.bad_rows) == (3, 2, 1)
    severity = {k: t(f"imports.severity_{k}", lang) for k in ("error", "warning", "left_out")}
    assert _table(prepared, lang) == [
        (severity["error"], "3", 1, "grid_code"),  # no place
        (severity["left_out"], "3", 1, "community_name"),  # why: 南山社区 is not in the boundary file
        (severity["warning"], "", 2, "status"),  # derived for the 2 rows imported, not 3
        (severity["warning"], "2, 4", 2, "category"),  # the refused row's new category is not listed
    ]
    text = "\n".join(lines(prepared, lang))
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


# --- a separator per join ------------------------------------------------------------------------

# A hotline export (GBK) with a title and a body, and a finish time that fills two fields.
HOTLINE = f"""工单编号,来电时间,诉求标题,诉求内容,问题分类,所属网格,办结时间
H1,2026/10/2 9:00,楼道灯不亮,三单元二楼,市政设施,{G1},2026/10/3 9:00
H2,2026/10/4 9:00,夜间施工,,噪音扰民,{G1},
"""
PER_JOIN = """\
join_separator = " / "

[columns]
"办结时间" = ["resolved_at", "closed_at"]

[join]
description = { columns = ["诉求标题", "诉求内容"], separator = "：" }
address = ["诉求标题", "工单编号"]
"""


def test_each_join_has_its_own_separator_and_the_old_one_is_the_default(root: Path) -> None:
    mapping = parse_mapping(PER_JOIN)
    assert (mapping.join_separator, mapping.join_separators) == (" / ", {"description": "："})
    assert mapping.to_toml() == (
        "# Import mapping: written by the dashboard's import page; safe to edit by hand.\n"
        'crs = "wgs84"\n'
        'join_separator = " / "\n'
        "\n"
        "[columns]\n"
        '"办结时间" = ["resolved_at", "closed_at"]\n'
        "\n"
        "[join]\n"
        '"description" = { columns = ["诉求标题", "诉求内容"], separator = "：" }\n'
        '"address" = ["诉求标题", "工单编号"]\n'
    )
    assert parse_mapping(mapping.to_toml()) == mapping
    prepared = ingest.prepare(root, "issues", HOTLINE.encode("gbk"), "12345.csv", mapping)
    rows = prepared.good.sort("issue_id").select("description", "address", "resolved_at", "closed_at")
    assert rows.rows() == [
        (
            "楼道灯不亮：三单元二楼",
            "楼道灯不亮 / H1",
            dt.datetime(2026, 10, 3, 9),
            dt.datetime(2026, 10, 3, 9),
        ),
        ("夜间施工", "夜间施工 / H2", None, None),  # an empty cell is skipped, with its separator
    ]
    assert "办结时间 → resolved_at + closed_at" in "\n".join(lines(prepared, "zh"))


def test_an_old_mapping_with_one_separator_reads_as_before() -> None:
    old = 'join_separator = " "\n\n[join]\ndescription = ["信件标题", "信件内容"]\n'
    mapping = parse_mapping(old)
    assert (mapping.separator("description"), mapping.join_separators) == (" ", {})
    assert parse_mapping('[join]\nd = ["a", "b"]\n').separator("d") == "\n"
    assert 'join_separator = " "\n' in mapping.to_toml()
    assert '"description" = ["信件标题", "信件内容"]\n' in mapping.to_toml()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[join]\nd = { columns = ["a"], sep = "-" }\n', "[join] d: unknown key sep; "),
        (
            '[join]\nd = { separator = "-" }\n',
            "[join] d: [join] must map field = [headers], or field = { columns",
        ),
        (
            '[join]\nd = { columns = ["a"], separator = 1 }\n',
            '[join] d: the separator must be text, such as " "',
        ),
        ("[join]\nd = { columns = [] }\n", "[join] d: [join] must map field = [headers]"),
        ("[join]\nd = 3\n", "[join] must map field = [headers]"),
        ("join_separator = 1\n", "join_separator must be text"),
    ],
)
def test_a_bad_join_gives_a_clear_message(text: str, message: str) -> None:
    with pytest.raises(ValueError) as error:
        parse_mapping(text)
    assert str(error.value).startswith(message)


def test_the_join_box_shows_and_reads_each_separator() -> None:
    mapping = parse_mapping(PER_JOIN)
    constants, join, formats = extras_text(mapping)
    assert join == 'description = 诉求标题, 诉求内容 | "："\naddress = 诉求标题, 工单编号 | " / "'
    extras, bad = parse_extras(constants, join, formats)
    assert bad == [] and with_extras(mapping, extras) == mapping  # what the page shows reads back the same
    extras, bad = parse_extras(
        "",
        'description = 标题，正文 | "\\t"\nissue_id = 日期, 标题 | -\naddress = 地址\nx = a | \nid = a | "open',
        "",
    )
    assert bad == ["x = a |", 'id = a | "open']
    assert extras.join == {"description": ["标题", "正文"], "issue_id": ["日期", "标题"], "address": ["地址"]}
    assert extras.join_separators == {"description": "\t", "issue_id": "-", "address": "\n"}
    edited = with_extras(ingest.Mapping(), extras)
    assert edited.join_separators == {"description": "\t", "issue_id": "-"}  # a line break is the default
    assert '"description" = { columns = ["标题", "正文"], separator = "\\t" }\n' in edited.to_toml()
    assert parse_mapping(edited.to_toml()) == edited


# --- one header to several fields, as the page's column table reads back --------------------------


def test_the_column_table_reads_back_as_columns_and_copies() -> None:
    columns, copies = header_fields(
        {
            "办结时间": ("resolved_at", ["closed_at", "resolved_at", "closed_at"]),
            "结案": ("", ["closed_at", "resolved_at"]),  # no field of its own: the first further one
            "编号": ("issue_id", []),
            "备注": ("", []),
        }
    )
    assert columns == {"办结时间": "resolved_at", "结案": "closed_at", "编号": "issue_id", "备注": ""}
    assert copies == {"办结时间": ["closed_at"], "结案": ["resolved_at"]}
    toml = ingest.Mapping(columns=columns, copies=copies).to_toml()
    assert '"办结时间" = ["resolved_at", "closed_at"]\n"结案" = ["closed_at", "resolved_at"]\n' in toml
    assert parse_mapping(toml) == ingest.Mapping(columns=columns, copies=copies)


# --- the import page (AppTest), in Chinese and English ---------------------------------------------

LANGS: tuple[Lang, ...] = ("zh", "en")
SAVED = """\
[columns]
"办结时间" = ["resolved_at", "closed_at"]

[join]
description = { columns = ["诉求标题", "诉求内容"], separator = "：" }
"""


@pytest.fixture
def _fresh(fresh_caches: None) -> None:
    """Every page test starts with empty caches."""


def _import_page(root: Path, monkeypatch: pytest.MonkeyPatch, lang: Lang, upload: bytes) -> AppTest:
    """The import page with ``upload`` (a file named 12345.csv) chosen in its uploader."""
    monkeypatch.setenv("DASHBOARD_DATA_DIR", str(root))
    at = sign_in(AppTest.from_file(str(REPO / "app.py"), default_timeout=60), root)  # imports: an admin
    at.query_params["lang"] = lang
    at.run()
    at.switch_page("pages/data.py").run()
    at.file_uploader[0].set_value(("12345.csv", upload, "text/csv"))
    return _rerun(at, lang)


def _rerun(at: AppTest, lang: Lang) -> AppTest:
    # AppTest re-runs only the page script after a widget changes (st.navigation), so the frame's
    # language switch is not drawn and its value would be dropped: keep it.
    at.session_state["lang"] = lang
    at.run()
    assert not at.exception
    return at


def _option(column: str, lang: Lang) -> str:
    return f"{column} · {t(f'field.{column}', lang)}"


def _editor_rows(at: AppTest, lang: Lang) -> dict[str, tuple[str, list[str]]]:
    """The column table as the page shows it: header -> (field, the further fields it also fills)."""
    table = at.data_editor[0].value
    header, target, also = (t(f"imports.col_{c}", lang) for c in ("header", "target", "also"))
    return {
        str(h): (str(f), [str(v) for v in m])
        for h, f, m in zip(table[header], table[target], table[also], strict=True)
    }


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.usefixtures("_fresh")
def test_the_page_shows_edits_and_saves_every_field_of_a_header_and_each_join_separator(
    root: Path, monkeypatch: pytest.MonkeyPatch, lang: Lang
) -> None:
    (root / "data" / "mappings").mkdir(parents=True)
    (root / "data" / "mappings" / "issues.toml").write_text(SAVED, encoding="utf-8")
    upload = HOTLINE.encode("gbk")
    at = _import_page(root, monkeypatch, lang, upload)
    rows = _editor_rows(at, lang)
    assert rows["办结时间"] == (_option("resolved_at", lang), [_option("closed_at", lang)])
    assert rows["来电时间"] == (_option("reported_at", lang), [])
    assert rows["诉求标题"] == rows["诉求内容"] == (_option("description", lang), [])  # joined
    key = f"import_map_issues_{hashlib.sha256(upload).hexdigest()[:8]}"
    assert at.text_area(key=f"{key}_join").value == 'description = 诉求标题, 诉求内容 | "："'
    assert any("办结时间 → resolved_at + closed_at" in shown(c.value) for c in at.caption)
    # Take closed_at off the finish time, let the call time fill accepted_at too, join with " - ".
    at.session_state[f"{key}_columns"] = {
        "edited_rows": {
            1: {t("imports.col_also", lang): [_option("accepted_at", lang)]},
            6: {t("imports.col_also", lang): []},
        },
        "added_rows": [],
        "deleted_rows": [],
    }
    at.text_area(key=f"{key}_join").input('description = 诉求标题, 诉求内容 | " - "')
    at = _rerun(at, lang)
    recognised = next(shown(c.value) for c in at.caption if "工单编号 → issue_id" in shown(c.value))
    assert "来电时间 → reported_at + accepted_at" in recognised and "办结时间 → resolved_at," in recognised
    at.button(key="import_save_issues").click()
    at = _rerun(at, lang)
    assert (root / "data" / "mappings" / "issues.toml").read_text(encoding="utf-8") == (
        "# Import mapping: written by the dashboard's import page; safe to edit by hand.\n"
        'crs = "wgs84"\n'
        "\n"
        "[columns]\n"
        '"工单编号" = "issue_id"\n'
        '"来电时间" = ["reported_at", "accepted_at"]\n'
        '"诉求标题" = "description"\n'
        '"诉求内容" = "description"\n'
        '"问题分类" = "category"\n'
        '"所属网格" = "grid_code"\n'
        '"办结时间" = "resolved_at"\n'
        "\n"
        "[join]\n"
        '"description" = { columns = ["诉求标题", "诉求内容"], separator = " - " }\n'
    )
    at.button(key=f"import_go_{hashlib.sha256(upload).hexdigest()[:8]}").click()
    at = _rerun(at, lang)
    version = ingest.versions(root)[-1].id
    assert at.success[0].value == t("imports.done", lang, version=version, added=2, updated=0, total=2)
    issues = load_dataset(root).issues.sort("issue_id")
    assert issues.get_column("description").to_list() == ["楼道灯不亮 - 三单元二楼", "夜间施工"]
    assert issues.get_column("accepted_at").to_list() == [
        dt.datetime(2026, 10, 2, 9),
        dt.datetime(2026, 10, 4, 9),
    ]
    assert issues.get_column("closed_at").to_list() == [None, None]
    assert issues.get_column("status").to_list() == ["closed", "reported"]  # derived: a finish time is given


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.usefixtures("_fresh")
def test_the_pages_report_counts_notes_on_the_rows_imported_only(
    root: Path, monkeypatch: pytest.MonkeyPatch, lang: Lang
) -> None:
    at = _import_page(root, monkeypatch, lang, REFUSED.encode("gbk"))
    assert [m.value for m in at.metric] == ["3", "2", "1", "0"]
    severity = t("imports.col_severity", lang)
    problems = next(d.value for d in at.dataframe if severity in d.value.columns)
    shown = [(s, n) for s, n in zip(problems[severity], problems[t("imports.col_count", lang)], strict=True)]
    label = {k: t(f"imports.severity_{k}", lang) for k in ("error", "left_out", "warning")}
    assert shown == [
        (label["error"], 1),
        (label["left_out"], 1),
        (label["warning"], 2),
        (label["warning"], 2),
    ]
    messages = list(problems[t("imports.col_message", lang)])
    assert "南山社区" in messages[1] and "夜间施工噪音" not in messages[3]
