"""The case list and its downloads: masks, formula injection, CSV with BOM, Excel cells as text."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from dashboard.core.loading import load_dataset
from dashboard.core.privacy import (
    mask_address,
    mask_address_expr,
    mask_name,
    mask_name_expr,
    mask_phone,
    mask_phone_expr,
)
from dashboard.i18n import t
from dashboard.outputs.export import (
    case_list,
    export_filename,
    neutralise,
    neutralise_expr,
    neutralise_frame,
    sheet_name,
    to_csv_bytes,
    to_excel_bytes,
)

PERSONAL = ("张三丰", "13812345678", "李四光", "13987654321")
ATTACK = "=cmd|' /C calc'!A0"
NS = {"x": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}


# --- reading an .xlsx back with the standard library (no reader to pin) -------------


def xlsx_text(data: bytes) -> str:
    """Every XML part of a workbook, decompressed: the bytes a reader would see."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return "".join(archive.read(name).decode("utf-8") for name in archive.namelist())


def xlsx_cells(data: bytes) -> dict[str, tuple[str, str, bool, bool]]:
    """Cell reference -> (type, value, has a formula, bold) of the first worksheet."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheet = ET.fromstring(archive.read("xl/worksheets/sheet1.xml"))
        shared = [
            "".join(node.itertext())
            for node in ET.fromstring(archive.read("xl/sharedStrings.xml")).findall("x:si", NS)
        ]
        styles = ET.fromstring(archive.read("xl/styles.xml"))
    fonts = styles.findall("x:fonts/x:font", NS)
    xfs = styles.findall("x:cellXfs/x:xf", NS)
    cells = {}
    for cell in sheet.iter(f"{{{NS['x']}}}c"):
        kind = cell.get("t", "n")
        raw = cell.findtext("x:v", default="", namespaces=NS)
        value = shared[int(raw)] if kind == "s" else raw
        font = fonts[int(xfs[int(cell.get("s", "0"))].get("fontId", "0"))]
        bold = font.find("x:b", NS) is not None
        cells[cell.get("r", "")] = (kind, value, cell.find("x:f", NS) is not None, bold)
    return cells


# --- masks --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("张三丰", "张**"),
        ("李四", "李*"),
        ("王", "*"),
        ("欧阳娜娜", "欧***"),
        (" 张三丰 ", "张**"),
        ("", ""),
        (None, None),
    ],
)
def test_mask_name(name: str | None, masked: str | None) -> None:
    assert mask_name(name) == masked
    assert pl.select(mask_name_expr(pl.lit(name, dtype=pl.String))).item() == masked


@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        ("13812345678", "138****5678"),
        ("+86 138-1234-5678", "138****5678"),
        ("0571-88886666", "057*****6666"),
        ("12345678", "123*5678"),
        ("1234567", "*******"),
        ("110", "***"),
        ("无", "*"),
        ("", ""),
        (None, None),
    ],
)
def test_mask_phone(phone: str | None, masked: str | None) -> None:
    assert mask_phone(phone) == masked
    assert pl.select(mask_phone_expr(pl.lit(phone, dtype=pl.String))).item() == masked


def test_mask_address_cuts_to_the_community() -> None:
    assert mask_address("东湖社区 8 幢 3 单元 402", "东湖社区") == "东湖社区"
    assert mask_address(None, "东湖社区") is None
    frame = pl.DataFrame(
        {"address": ["长河路 8 号", None, ""], "community_name": ["东湖社区", "西岭社区", "x"]}
    )
    masked = frame.select(mask_address_expr("address", "community_name").alias("a")).get_column("a")
    assert masked.to_list() == ["东湖社区", None, ""]


# --- formula injection --------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (ATTACK, "'" + ATTACK),
        ("+1", "'+1"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("\n=1", "'\n=1"),
        # Blanks, control characters and invisible marks before a formula, and full-width signs.
        (" =HYPERLINK(1)", "' =HYPERLINK(1)"),
        ("\u00a0=1+1", "'\u00a0=1+1"),
        ("\u200b=1+1", "'\u200b=1+1"),
        ("\ufeff@SUM(A1)", "'\ufeff@SUM(A1)"),
        ("\x01\x02+1", "'\x01\x02+1"),
        ("\u3000-1", "'\u3000-1"),
        ("\u202e=1", "'\u202e=1"),
        ("\uff1dHYPERLINK(1)", "'\uff1dHYPERLINK(1)"),
        ("\uff0b1", "'\uff0b1"),
        ("\uff0d1", "'\uff0d1"),
        ("\uff20SUM(A1)", "'\uff20SUM(A1)"),
        ("a=1", "a=1"),
        ("  a=1", "  a=1"),
        ("\u00a0\u5f20\u4e09", "\u00a0\u5f20\u4e09"),
        ("张三丰", "张三丰"),
        ("", ""),
    ],
)
def test_neutralise(value: str, expected: str) -> None:
    assert neutralise(value) == expected
    # The expression used on whole frames agrees with the function, cell for cell.
    frame = pl.DataFrame({"v": [value]}, schema={"v": pl.String})
    assert frame.select(neutralise_expr("v")).item() == expected


def test_neutralise_frame_leaves_numbers_alone() -> None:
    frame = pl.DataFrame(
        {"text": [ATTACK, "+1", "-2", "@SUM(A1)", None], "number": [-5, 1, 2, 3, 4]},
        schema={"text": pl.String, "number": pl.Int64},
    )
    expected = pl.DataFrame(
        {"text": ["'" + ATTACK, "'+1", "'-2", "'@SUM(A1)", None], "number": [-5, 1, 2, 3, 4]},
        schema={"text": pl.String, "number": pl.Int64},
    )
    assert_frame_equal(neutralise_frame(frame), expected)
    # Categorical text is text too; the input frame is not changed.
    categories = pl.DataFrame({"c": ["-x"]}, schema={"c": pl.Categorical})
    assert neutralise_frame(categories).get_column("c").to_list() == ["'-x"]
    assert frame.get_column("text").to_list()[0] == ATTACK


@pytest.fixture
def hostile() -> pl.DataFrame:
    return pl.DataFrame(
        {"描述": [ATTACK, "+1", "-2", "@SUM(A1)", "噪音扰民"], "n": [-5, 1, 2, 3, 4]},
        schema={"描述": pl.String, "n": pl.Int64},
    )


def test_csv_has_bom_crlf_and_neutralised_text(hostile: pl.DataFrame) -> None:
    data = to_csv_bytes(hostile)
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    assert text.split("\r\n") == [
        "描述,n",
        "'=cmd|' /C calc'!A0,-5",
        "'+1,1",
        "'-2,2",
        "'@SUM(A1),3",
        "噪音扰民,4",
        "",
    ]
    back = pl.read_csv(data)
    assert back.get_column("n").to_list() == [-5, 1, 2, 3, 4]
    assert back.get_column("描述").to_list()[0] == "'" + ATTACK


def test_excel_cells_are_strings_not_formulas(hostile: pl.DataFrame) -> None:
    cells = xlsx_cells(to_excel_bytes(hostile, "诉求清单"))
    assert cells["A1"] == ("s", "描述", False, True)
    assert cells["B1"] == ("s", "n", False, True)
    assert cells["A2"] == ("s", "'" + ATTACK, False, False)
    assert [cells[f"A{r}"][:3] for r in (3, 4, 5)] == [
        ("s", "'+1", False),
        ("s", "'-2", False),
        ("s", "'@SUM(A1)", False),
    ]
    assert cells["B2"] == ("n", "-5", False, False)
    assert not any(has_formula for _, _, has_formula, _ in cells.values())


def test_excel_keeps_formula_text_a_string_even_unneutralised() -> None:
    """The workbook itself stores text as text: xlsxwriter's strings_to_formulas is off."""
    data = to_excel_bytes(pl.DataFrame({"a": ["'x"], "b": ["13812345678"], "c": ["http://x.cn"]}), "s")
    cells = xlsx_cells(data)
    assert cells["B2"] == ("s", "13812345678", False, False)  # not turned into a number
    assert cells["C2"][:2] == ("s", "http://x.cn")
    assert "hyperlink" not in xlsx_text(data)


def test_excel_header_is_frozen_and_columns_fit_chinese(hostile: pl.DataFrame) -> None:
    data = to_excel_bytes(
        hostile.with_columns(pl.lit("东湖社区 8 幢 3 单元 402 室").alias("地址")), "[bad]:name"
    )
    xml = xlsx_text(data)
    assert re.search(r'<pane ySplit="1" topLeftCell="A2" [^>]*state="frozen"', xml)
    assert '<sheet name="_bad__name"' in xml
    widths = {int(m[0]): float(m[1]) for m in re.findall(r'<col min="(\d+)" max="\d+" width="([\d.]+)"', xml)}
    # 11 Chinese characters and 12 narrow ones: about 34 character widths, wider than the 9 of a number.
    assert widths[3] > 30
    assert widths[2] < 10


def test_sheet_name_is_valid() -> None:
    assert sheet_name("诉求清单") == "诉求清单"
    assert sheet_name("a/b?c") == "a_b_c"
    assert sheet_name("x" * 40) == "x" * 31
    assert sheet_name("") == "Sheet1"


def test_excel_rejects_more_rows_than_a_sheet_holds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("dashboard.outputs.export.EXCEL_MAX_ROWS", 2)
    with pytest.raises(ValueError, match="do not fit"):
        to_excel_bytes(pl.DataFrame({"a": [1, 2, 3]}), "s")


@pytest.mark.parametrize(
    ("prefix", "period", "ext", "name"),
    [
        ("issues", "2026-10", "csv", "issues_2026-10.csv"),
        ("issues", "2026-10", ".XLSX", "issues_2026-10.xlsx"),
        ("issues", "2026年10月", "csv", "issues_2026_10.csv"),
        ("cases of 东湖", "", "csv", "cases_of.csv"),
        ("", "", "csv", "export.csv"),
    ],
)
def test_export_filename(prefix: str, period: str, ext: str, name: str) -> None:
    assert export_filename(prefix, period, ext) == name
    assert name.isascii()


def test_export_filename_rejects_a_bad_extension() -> None:
    with pytest.raises(ValueError, match="extension"):
        export_filename("issues", "2026-10", "../csv")


# --- the case list ------------------------------------------------------------------


def test_case_list_masks_personal_data_by_default(tiny: Path) -> None:
    cases = case_list(load_dataset(tiny).issues, "zh")
    assert cases.columns == [
        "诉求编号",
        "上报时间",
        "类别",
        "状态",
        "来源",
        "社区",
        "网格",
        "地址",
        "描述",
        "上报人",
        "联系电话",
        "受理时间",
        "派遣时间",
        "办结时间",
        "结案时间",
        "办理时限",
        "解决层级",
        "承办部门",
        "满意度",
        "返工次数",
        "紧急",
    ]
    # Newest first; the issue on 30 September last.
    assert cases.get_column("诉求编号").to_list() == [
        "i10", "i09", "i08", "i06", "i05", "i04", "i03", "i02", "i01", "i07",
    ]  # fmt: skip
    i01 = cases.row(8, named=True)
    assert i01["上报人"] == "张**"
    assert i01["联系电话"] == "138****5678"
    assert (i01["上报时间"], i01["结案时间"], i01["办理时限"]) == (
        "2026-10-02 09:00",
        "2026-10-03 09:00",
        "2026-10-04 09:00",
    )
    assert (i01["类别"], i01["状态"], i01["来源"], i01["解决层级"], i01["满意度"]) == (
        "环境卫生",
        "已结案",
        "网格员巡查",
        "网格",
        "满意",
    )
    assert (i01["社区"], i01["网格"], i01["返工次数"], i01["紧急"]) == ("东湖社区", "一网格", 0, "否")
    i02 = cases.row(7, named=True)
    assert (i02["上报人"], i02["联系电话"], i02["满意度"], i02["返工次数"]) == (
        "李**",
        "139****4321",
        "基本满意",
        1,
    )
    i06 = cases.row(3, named=True)
    assert (i06["承办部门"], i06["派遣时间"], i06["满意度"]) == ("住建", "2026-10-15 11:00", "不满意")
    i09 = cases.row(1, named=True)
    assert (i09["网格"], i09["社区"], i09["受理时间"]) == (t("common.outside", "zh"), None, None)
    assert cases.get_column("上报人").drop_nulls().to_list() == ["李**", "张**"]


def test_case_list_full_data_in_english(tiny: Path) -> None:
    cases = case_list(load_dataset(tiny).issues, "en", full=True)
    assert cases.columns[:5] == ["Issue ID", "Reported at", "Category", "Status", "Source"]
    assert cases.columns[9:11] == ["Reporter", "Phone"]
    i01 = cases.row(8, named=True)
    assert (i01["Reporter"], i01["Phone"]) == ("张三丰", "13812345678")
    assert (i01["Category"], i01["Status"], i01["Source"], i01["Satisfaction"]) == (
        "Sanitation",
        "Closed",
        "Grid patrol",
        "Satisfied",
    )
    assert cases.row(1, named=True)["Grid"] == "Outside every grid"
    assert cases.row(7, named=True)["Phone"] == "13987654321"


def test_case_list_cuts_addresses_to_the_community_and_keeps_descriptions(tiny: Path) -> None:
    issues = load_dataset(tiny).issues.with_columns(
        pl.when(pl.col("issue_id") == "i01").then(pl.lit("长河路 8 号 3 单元 402")).alias("address"),
        pl.when(pl.col("issue_id") == "i01").then(pl.lit("楼道堆放杂物")).alias("description"),
    )
    masked = case_list(issues, "zh").row(8, named=True)
    assert (masked["地址"], masked["描述"]) == ("东湖社区", "楼道堆放杂物")
    assert case_list(issues, "zh", full=True).row(8, named=True)["地址"] == "长河路 8 号 3 单元 402"


def test_case_list_needs_id_and_time() -> None:
    with pytest.raises(ValueError, match="reported_at"):
        case_list(pl.DataFrame({"issue_id": ["a"]}), "zh")


def test_case_list_of_a_bare_frame_fills_missing_columns() -> None:
    frame = pl.DataFrame({"issue_id": ["b", "a"], "reported_at": ["2026-10-01 09:00", "2026-10-01 09:00"]})
    frame = frame.with_columns(pl.col("reported_at").str.to_datetime("%Y-%m-%d %H:%M"))
    cases = case_list(frame, "en")
    assert cases.get_column("Issue ID").to_list() == ["a", "b"]  # same time: by id
    assert cases.get_column("Reported at").to_list() == ["2026-10-01 09:00"] * 2
    assert cases.get_column("Reporter").to_list() == [None, None]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_no_personal_value_in_default_downloads(tiny: Path, lang: str) -> None:
    issues = load_dataset(tiny).issues
    masked = case_list(issues, lang)  # type: ignore[arg-type]
    full = case_list(issues, lang, full=True)  # type: ignore[arg-type]
    csv_text = to_csv_bytes(masked).decode("utf-8-sig")
    xlsx = xlsx_text(to_excel_bytes(masked, t("export.sheet", lang)))  # type: ignore[arg-type]
    for value in PERSONAL:
        assert value not in csv_text
        assert value.encode() not in to_csv_bytes(masked)
        assert value not in xlsx
    assert "张**" in csv_text
    assert "138****5678" in xlsx
    # The search would find them: full data, explicitly chosen, carries them.
    full_csv = to_csv_bytes(full).decode("utf-8-sig")
    full_xlsx = xlsx_text(to_excel_bytes(full, "s"))
    for value in PERSONAL:
        assert value in full_csv
        assert value in full_xlsx
