"""Demo mode: no resident, volunteer or grid worker name or phone on any page or in any export.

The acceptance test of the issue: "A test proves that no resident name or phone number
from the data appears in any page, export or report in demo mode." Pages run through
AppTest with ``?demo=1``; everything they render (every element's protobuf, including
dataframes, metrics, charts' JSON, map components' arguments and download buttons'
files) is searched for the personal values of the data.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from google.protobuf import text_format
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest

from dashboard.core.loading import load_dataset
from dashboard.i18n import t
from dashboard.outputs import demo_mode, export
from dashboard.outputs.demo_mode import Aliases
from dashboard.ui import frame
from tests.builders import (
    C1,
    C2,
    DATA_PAGES,
    G1,
    G3,
    LANGS,
    TINY_GRIDS,
    TINY_ISSUES,
    sign_in,
    write_grids,
    write_issues_csv,
)
from tests.conftest import REPO

PAGES = DATA_PAGES
SURNAMES = "赵钱孙李周吴郑王冯陈"
RESIDENTS = [
    (f"{SURNAMES[i]}小{'明红刚'[i % 3]}{i}", f"139{i:04d}{8765 - i:04d}") for i in range(len(TINY_ISSUES))
]
VOLUNTEERS = [("欧阳春晓", "13600001111"), ("司马秋", "+86 137-0000-2222"), ("林一", "13500003333")]
WORKERS = [str(g["grid_worker"]) for g in TINY_GRIDS]
# Every personal value of the data; none may show in demo mode.
PERSONAL = [v for pair in RESIDENTS + VOLUNTEERS for v in pair] + ["13700002222", *WORKERS]


@pytest.fixture(autouse=True)
def _fresh_caches(fresh_caches: None) -> None:
    """Every test starts with empty caches."""


def personal_root(root: Path) -> Path:
    """The tiny root with a resident name, phone and address on every issue, and named volunteers."""
    write_grids(root)
    issues = [
        {
            **issue,
            "reporter_name": name,
            "reporter_phone": phone,
            "address": f"东湖社区 {i + 1}幢{i + 2}01室",
            # The same person written into the free text, as hotline operators do.
            "description": f"楼道灯不亮，联系人{name} 电话{phone}，请尽快处理",
        }
        for i, (issue, (name, phone)) in enumerate(zip(TINY_ISSUES, RESIDENTS, strict=True))
    ]
    write_issues_csv(root, issues)
    data = root / "data"
    (data / "volunteers.csv").write_text(
        "volunteer_id,grid_code,registered_at,is_party_member,name,phone,team\n"
        + "".join(
            f"v{i},{(G1, G1, G3)[i]},2025-01-0{i + 1},true,{name},{phone},东湖社区先锋队\n"
            for i, (name, phone) in enumerate(VOLUNTEERS)
        ),
        encoding="utf-8",
    )
    (data / "service_records.csv").write_text(
        "record_id,volunteer_id,served_at,hours,service_type,beneficiaries\n"
        "r1,v0,2026-10-10 09:00:00,3,elderly_care,2\n",
        encoding="utf-8",
    )
    (data / "service_points.csv").write_text(
        "point_id,name,point_type,lon,lat\np1,东湖社区红色驿站,red_station,120.005,30.005\n", encoding="utf-8"
    )
    return root


@pytest.fixture
def personal(tmp_path: Path) -> Path:
    return personal_root(tmp_path / "personal")


@pytest.fixture
def media(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[bytes]]:
    """Every file a page hands the browser (download buttons, images), as bytes."""
    files: list[bytes] = []
    original = MemoryMediaFileStorage.load_and_get_id

    def keep(self: MemoryMediaFileStorage, path_or_data: Any, *args: Any, **kwargs: Any) -> str:
        if isinstance(path_or_data, bytes | bytearray):
            files.append(bytes(path_or_data))
        elif isinstance(path_or_data, str):
            files.append(path_or_data.encode("utf-8"))
        return original(self, path_or_data, *args, **kwargs)

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", keep)
    yield files


def file_text(data: bytes) -> str:
    """A downloaded file as text: CSV as it is, an .xlsx workbook by its XML parts."""
    if data[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(data)) as book:
            return " ".join(book.read(n).decode("utf-8") for n in book.namelist() if n.endswith(".xml"))
    return data.decode("utf-8-sig", errors="replace")


def rendered(at: AppTest) -> str:
    """Everything the app sent to the browser, as text (every element's protobuf, in UTF-8)."""
    parts: list[str] = []

    def walk(node: Any) -> None:
        proto = getattr(node, "proto", None)
        if proto is not None:
            parts.append(text_format.MessageToString(proto, as_utf8=True))
            if getattr(proto, "json_args", ""):  # a component (st_folium): its HTML and script as JSON
                parts.append(json.dumps(json.loads(proto.json_args), ensure_ascii=False))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    # Dataframes travel as Arrow bytes: read them back.
    parts += [df.value.to_string() for df in at.dataframe]
    text = "\n".join(parts)
    # Scripts inside (folium's GeoJSON, tooltips) escape non-ASCII as \\uXXXX: read those too.
    return text + "\n" + re.sub(r"\\+u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), text)


def leaked(text: str) -> list[str]:
    return [value for value in PERSONAL if value in text]


def _app(root: Path, monkeypatch: pytest.MonkeyPatch, **query: str) -> AppTest:
    monkeypatch.setenv("DASHBOARD_DATA_DIR", str(root))
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60)
    for key, value in query.items():
        at.query_params[key] = value
    return at


def _page(root: Path, monkeypatch: pytest.MonkeyPatch, page: str, **query: str) -> AppTest:
    at = _app(root, monkeypatch, **query).run()
    if page != "pages/overview.py":
        at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


# --- the pure functions ---------------------------------------------------------------------------


def test_the_data_holds_the_personal_values(personal: Path) -> None:
    """The test data really carries what must not show (else the page tests prove nothing)."""
    dataset = load_dataset(personal)
    text = str(dataset.issues.to_dicts()) + str(dataset.volunteers.to_dicts())  # type: ignore[union-attr]
    text += str(dataset.grids.drop(columns="geometry").to_dict())
    assert leaked(text) == [v for v in PERSONAL if v != "13700002222"]  # stored as +86 137-0000-2222


def test_masked_dataset_keeps_numbers_and_masks_people(personal: Path) -> None:
    dataset = load_dataset(personal)
    view = demo_mode.masked(dataset)
    assert view.issues.height == dataset.issues.height
    first = view.issues.filter(pl.col("issue_id") == "i01").row(0, named=True)
    assert first["reporter_name"] == RESIDENTS[0][0][0] + "***"
    assert first["reporter_phone"] == "139****8765"
    assert first["address"].startswith("东湖社区 #") and "幢" not in first["address"]
    volunteers = view.volunteers
    assert volunteers is not None
    assert volunteers.get_column("name").to_list() == ["欧***", "司**", "林*"]
    assert volunteers.get_column("phone").to_list() == ["136****1111", "137****2222", "135****3333"]
    assert sorted(view.grids["grid_worker"]) == sorted(w[0] + "*" * (len(w) - 1) for w in WORKERS)
    # The loaded dataset is untouched.
    assert (
        dataset.issues.filter(pl.col("issue_id") == "i01").row(0, named=True)["reporter_phone"]
        == RESIDENTS[0][1]
    )
    assert leaked(str(view.issues.to_dicts()) + str(volunteers.to_dicts())) == []


def test_same_address_same_place_code(personal: Path) -> None:
    """Repeat locations still group: one address, one code; another address, another code."""
    dataset = load_dataset(personal)
    issues = pl.concat(
        [
            dataset.issues.head(2).with_columns(pl.lit("东湖社区 8幢").alias("address")),
            dataset.issues.slice(2, 1).with_columns(pl.lit("东湖社区8幢 ").alias("address")),
            dataset.issues.slice(3, 1).with_columns(pl.lit("东湖社区 9幢").alias("address")),
        ]
    )
    view = demo_mode.masked(demo_mode.dataclasses.replace(dataset, issues=issues))
    codes = view.issues.get_column("address").to_list()
    assert codes[0] == codes[1] == codes[2] != codes[3]


def test_renamed_replaces_names_everywhere_and_keeps_codes(personal: Path) -> None:
    dataset = load_dataset(personal)
    view = demo_mode.renamed(dataset, Aliases({"330199001": "示范街道"}, {C1: "春风社区", C2: "  "}))
    units = view.units
    assert set(units.get_column("street_name")) == {"示范街道"}
    assert dict(units.select("community_code", "community_name").unique().iter_rows()) == {
        C1: "春风社区",
        C2: "西岭社区",  # a blank alias keeps the name
    }
    assert set(view.communities["community_name"]) == {"春风社区", "西岭社区"}
    issue = view.issues.filter(pl.col("issue_id") == "i01").row(0, named=True)
    assert issue["community_name"] == "春风社区" and issue["address"].startswith("春风社区 ")
    assert view.volunteers is not None and set(view.volunteers.get_column("team")) == {"春风社区先锋队"}
    assert view.service_points is not None and view.service_points.get_column("name").to_list() == [
        "春风社区红色驿站"
    ]
    assert list(view.grids["grid_code"]) == list(dataset.grids["grid_code"])
    assert set(dataset.units.get_column("community_name")) == {"东湖社区", "西岭社区"}
    assert view.meta[demo_mode.VIEW_KEY] != dataset.meta.get(demo_mode.VIEW_KEY)


@pytest.mark.parametrize("lang", LANGS)
def test_case_list_exports_in_demo_mode_hold_only_masked_values(personal: Path, lang: str) -> None:
    view = demo_mode.session_view(load_dataset(personal), demo=True)
    # Even the "full data" list of the demo view has nothing to unmask.
    for full in (False, True):
        frame_ = export.case_list(view.issues, lang, full=full)  # type: ignore[arg-type]
        csv_text = file_text(export.to_csv_bytes(frame_))
        xlsx_text = file_text(export.to_excel_bytes(frame_, sheet="issues"))
        assert leaked(csv_text) == [] and leaked(xlsx_text) == []
        assert "139****8765" in csv_text and "139****8765" in xlsx_text
        ids = frame_.get_column(t("export.issue_id", lang)).to_list()  # type: ignore[arg-type]
        names = frame_.get_column(t("export.reporter_name", lang)).to_list()  # type: ignore[arg-type]
        assert dict(zip(ids, names, strict=True))["i01"] == RESIDENTS[0][0][0] + "***"
    masked = export.case_list(view.issues, lang)  # type: ignore[arg-type]
    addresses = set(masked.get_column(t("export.address", lang)).to_list())  # type: ignore[arg-type]
    assert addresses <= {"东湖社区", "西岭社区", None}


# --- the pages -----------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("page", PAGES)
def test_no_personal_data_on_any_page_in_demo_mode(
    personal: Path, monkeypatch: pytest.MonkeyPatch, media: list[bytes], page: str, lang: str
) -> None:
    at = _page(personal, monkeypatch, page, period="2026-10", lang=lang, demo="1")
    text = rendered(at) + "\n".join(file_text(f) for f in media)
    assert leaked(text) == []
    # Every screen is marked as demo data.
    assert any(t("app.demo_badge", lang) in m.value for m in at.markdown)  # type: ignore[arg-type]
    # So is every chart (its PNG too): the mark is an annotation in the figure.
    charts = at.get("plotly_chart")
    assert charts or page in ("pages/grid_map.py", "pages/heatmap.py", "pages/meeting.py")
    for chart in charts:
        assert t("app.demo_badge", lang) in json.loads(chart.proto.spec)["layout"]["annotations"][-1]["text"]  # type: ignore[arg-type]
    if page == "pages/overview.py":  # AppTest re-runs only the page after switch_page
        assert at.toggle(key="demo").value is True


def _case_list_app() -> None:
    """A page showing every case of the period, as heat-map and trend clicks do."""
    import streamlit as st

    from dashboard.i18n import as_lang
    from dashboard.ui import access, frame, widgets

    lang = as_lang(st.query_params.get("lang"))
    viewer = access.gate(lang)
    ctx = frame.start(lang, demo=st.query_params.get("demo") == "1", viewer=viewer)
    assert ctx is not None
    widgets.case_list(ctx.selection.issues(ctx.dataset), ctx, key="all")


@pytest.mark.parametrize("lang", LANGS)
def test_case_list_and_its_downloads_in_demo_mode(
    personal: Path, monkeypatch: pytest.MonkeyPatch, media: list[bytes], lang: str
) -> None:
    monkeypatch.setenv("DASHBOARD_DATA_DIR", str(personal))
    at = sign_in(AppTest.from_function(_case_list_app, default_timeout=60), personal, "clerk", "staff")
    at.query_params.update({"lang": lang, "period": "2026-10", "demo": "1"})
    at.run()
    assert not at.exception, at.exception
    table = at.dataframe[0].value
    assert len(table) == len(TINY_ISSUES)  # every issue in scope (all periods)
    phone = t("export.reporter_phone", lang)  # type: ignore[arg-type]
    assert "139****8765" in set(table[phone])
    # No "full data" box in demo mode, and nothing personal in the table or in either file.
    assert not at.checkbox
    assert len(media) == 2
    assert leaked(rendered(at) + "\n".join(file_text(f) for f in media)) == []
    # Outside demo mode on the same (non-demo) data, the masked list is the default but full data exists.
    media.clear()
    at = sign_in(AppTest.from_function(_case_list_app, default_timeout=60), personal, "clerk", "staff")
    at.query_params.update({"lang": lang, "period": "2026-10"})
    at.run()
    assert at.checkbox(key="all_full").value is False
    at.checkbox(key="all_full").check().run()
    assert RESIDENTS[0][1] in rendered(at)
    from dashboard.access import read_entries

    shown = read_entries(personal)[-1]  # the full list is audited: who, what, rows, never their contents
    assert (shown.action, shown.user, shown.details["masked"]) == ("case_list_unmasked", "clerk", False)
    assert RESIDENTS[0][1] not in (personal / ".access" / "audit.jsonl").read_text(encoding="utf-8")


def _report_text(data: bytes) -> str:
    """A PPTX by its XML parts (every run of text), a PDF by its text layer."""
    if data[:2] == b"PK":
        return file_text(data)
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(data)
    return "\n".join(document[i].get_textpage().get_text_range() for i in range(len(document)))


@pytest.mark.parametrize("fmt", ["pptx", "pdf"])
def test_the_report_holds_no_personal_data_and_takes_the_presenters_names(personal: Path, fmt: str) -> None:
    """The report as the app's download button builds it: from the session's view in demo mode."""
    from dashboard.core.periods import parse_period
    from dashboard.outputs.report import build_report, render

    aliases = Aliases(streets={"330199001": "示范街道"}, communities={C1: "春风社区"})
    view = demo_mode.session_view(load_dataset(personal), demo=True, aliases=aliases)
    text = _report_text(render(build_report(view, parse_period("2026-10"), "zh"), fmt))
    assert leaked(text) == []
    assert "春风社区" in text and "示范街道" in text
    assert "东湖社区" not in text and "清河湾街道" not in text


# --- the switch, the mark, the names -------------------------------------------------------------


def test_demo_mode_is_off_for_real_data_and_on_for_demo_data(
    personal: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = _page(personal, monkeypatch, "pages/overview.py", period="2026-10")
    assert at.toggle(key="demo").value is False
    assert not any("演示数据" in m.value for m in at.markdown)
    assert "demo" not in at.query_params
    (personal / "data" / "meta.json").write_text('{"demo": true}', encoding="utf-8")
    import streamlit as st

    st.cache_resource.clear()
    at = _page(personal, monkeypatch, "pages/overview.py", period="2026-10")
    assert at.toggle(key="demo").value is True
    assert "demo" not in at.query_params  # the default stays out of the URL
    # The bundled demo runs open in demo mode: ?demo=0 does not switch it off (the switch is locked).
    at = _page(personal, monkeypatch, "pages/overview.py", period="2026-10", demo="0")
    assert at.toggle(key="demo").value is True
    assert at.toggle(key="demo").disabled
    assert any("演示数据" in m.value for m in at.markdown)


@pytest.mark.parametrize("lang", LANGS)
def test_the_environment_locks_demo_mode_on(
    personal: Path, monkeypatch: pytest.MonkeyPatch, lang: str
) -> None:
    monkeypatch.setenv(demo_mode.ENV_LOCK, "1")
    at = _page(personal, monkeypatch, "pages/overview.py", period="2026-10", lang=lang, demo="0")
    toggle = at.toggle(key="demo")
    assert toggle.value is True and toggle.disabled
    assert toggle.help == t("demo_mode.locked", lang)  # type: ignore[arg-type]
    at.switch_page("pages/closed_loop.py").run()
    assert not at.exception
    assert leaked(rendered(at)) == []
    assert any(t("app.demo_badge", lang) in m.value for m in at.markdown)  # type: ignore[arg-type]


@pytest.mark.parametrize("lang", LANGS)
def test_presenter_names_reach_every_table(
    personal: Path, monkeypatch: pytest.MonkeyPatch, lang: str
) -> None:
    at = _app(personal, monkeypatch, period="2026-10", lang=lang, demo="1")
    at.session_state[f"{frame.ALIAS_PREFIX}community_{C1}"] = "春风社区"
    at.session_state[f"{frame.ALIAS_PREFIX}street_330199001"] = "示范街道"
    at.run()
    assert not at.exception
    league = at.dataframe[0].value
    community = t("common.unit_community", lang)  # type: ignore[arg-type]
    rate = t("metric.resolution_rate.label", lang)  # type: ignore[arg-type]
    # The same numbers under the new name: 东湖社区 was 75.0% in October.
    assert dict(zip(league[community], league[rate], strict=True))["春风社区"] == "75.0%"
    assert "东湖社区" not in rendered(at).replace(
        at.text_input(key=f"{frame.ALIAS_PREFIX}community_{C1}").label, ""
    )
    assert at.multiselect(key="communities").options == ["春风社区", "西岭社区"]


def test_pages_hidden_in_demo_mode() -> None:
    class Page:
        def __init__(self, url_path: str) -> None:
            self.url_path = url_path

    pages = [Page("overview"), Page("data"), Page("meeting")]
    assert [p.url_path for p in frame.visible_pages(pages, demo=False)] == ["overview", "data", "meeting"]
    assert [p.url_path for p in frame.visible_pages(pages, demo=True)] == ["overview", "meeting"]
