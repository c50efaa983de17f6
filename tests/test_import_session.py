"""Issue 14, nothing kept in the server after the session that uploaded it ends: the checked upload lives in
the session's state only (freed with the session), never in streamlit's caches, which every session shares
and which outlive them; it is dropped once imported, cancelled, or replaced by another file.

The upload is a GBK export with a resident's phone number and a description (no real personal data).
"""

from __future__ import annotations

import hashlib
import pickle
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import ingest
from dashboard.i18n import t
from dashboard.ingest.findings import Prepared
from dashboard.ui.data import CHECKS
from tests.builders import G1, sign_in
from tests.conftest import REPO

UPLOAD = f"""工单编号,上报时间,事件类型,所属网格,事件状态,诉求内容,联系电话
S1,2026/10/2 9:00,环境卫生,{G1},已办结,三单元楼道堆放杂物无人清理,13912340000
S2,2026/10/3 9:00,噪音扰民,{G1},处置中,夜间施工,13912340001
""".encode("gbk")
# What must not stay in the server: the resident's phone number and the description, as the rows hold them.
MARKERS = (b"13912340000", "三单元楼道堆放杂物无人清理".encode())
OTHER = UPLOAD.replace(b"S1,", b"T1,").replace(b"S2,", b"T2,")


@pytest.fixture
def root(tiny: Path) -> Path:
    """A data root with grids and issues: the pages load and cache its dataset, as in use."""
    return tiny


def _shared_caches() -> list[object]:
    """Everything streamlit's caches hold for all sessions: st.cache_data's pickled entries and
    st.cache_resource's values (read from streamlit's registries; there is no public listing)."""
    from streamlit.runtime.caching import cache_data_api, cache_resource_api

    held: list[object] = []
    for data_caches in cache_data_api._data_caches._function_caches.values():
        for data_cache in data_caches.values():
            held += list(data_cache.storage._mem_cache.values())  # type: ignore[attr-defined]
    for resource_caches in cache_resource_api._resource_caches._function_caches.values():
        for resource_cache in resource_caches.values():
            held += [entry.value for entry in resource_cache._mem_cache.values()]
    return held


def _holds_the_upload(value: object) -> bool:
    if isinstance(value, Prepared):
        return True
    try:
        raw = value if isinstance(value, bytes) else pickle.dumps(value)
    except Exception:  # a value that cannot be pickled is searched as text
        raw = repr(value).encode()
    return any(marker in raw for marker in MARKERS)


def _page(root: Path, monkeypatch: pytest.MonkeyPatch, upload: bytes, name: str = "10月工单.csv") -> AppTest:
    monkeypatch.setenv("DASHBOARD_DATA_DIR", str(root))
    at = sign_in(AppTest.from_file(str(REPO / "app.py"), default_timeout=60), root)  # imports: an admin
    at.query_params["lang"] = "zh"
    at.run()
    at.switch_page("pages/data.py").run()
    at.file_uploader[0].set_value((name, upload, "text/csv"))
    return _rerun(at)


def _rerun(at: AppTest) -> AppTest:
    at.session_state["lang"] = "zh"  # the frame's language switch is not drawn on a page's rerun
    at.run()
    assert not at.exception
    return at


def _kept(at: AppTest) -> list[Prepared]:
    """The checks the session keeps with their rows to import."""
    checks = at.session_state[CHECKS] if CHECKS in at.session_state else {}  # noqa: SIM401 - no .get in AppTest
    return [prepared for prepared, with_rows in checks.values() if with_rows]


@pytest.mark.usefixtures("fresh_caches")
def test_a_checked_upload_is_in_the_session_only_and_gone_once_imported(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = _page(root, monkeypatch, UPLOAD)
    assert [m.value for m in at.metric] == [
        "2",
        "2",
        "0",
        "0",
    ]  # the report: read, importable, errors, merged
    [prepared] = _kept(at)  # the rows once: the first pass (the editor's) is kept without them
    assert len(at.session_state[CHECKS]) == 2
    assert prepared.good.get_column("reporter_phone").to_list() == ["13912340000", "13912340001"]
    shared = _shared_caches()
    assert shared, "the page cached nothing: the test would prove nothing"
    assert [type(v).__name__ for v in shared if _holds_the_upload(v)] == []
    at.button(key=f"import_go_{hashlib.sha256(UPLOAD).hexdigest()[:8]}").click()
    at = _rerun(at)
    version = ingest.versions(root)[-1]
    total = version.rows["total"]
    assert at.success[0].value == t("imports.done", "zh", version=version.id, added=2, updated=0, total=total)
    assert _kept(at) == []  # imported: the session lets go of the rows too


@pytest.mark.usefixtures("fresh_caches")
def test_a_new_file_replaces_the_check_of_the_one_before_and_cancel_drops_it(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = ingest.versions(root)
    at = _page(root, monkeypatch, UPLOAD)
    assert [p.good.get_column("issue_id").to_list() for p in _kept(at)] == [["S1", "S2"]]
    at.file_uploader[0].set_value(("11月工单.csv", OTHER, "text/csv"))
    at = _rerun(at)
    assert [p.good.get_column("issue_id").to_list() for p in _kept(at)] == [["T1", "T2"]]
    at.button(key=f"import_cancel_{hashlib.sha256(OTHER).hexdigest()[:8]}").click()
    at = _rerun(at)
    assert _kept(at) == []
    assert at.info[0].value == t("imports.start_hint", "zh")  # an empty uploader again
    assert ingest.versions(root) == before  # nothing written


@pytest.mark.usefixtures("fresh_caches")
def test_a_rerun_checks_the_file_no_more_and_the_rows_are_kept_once(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    checks: list[str] = []
    prepare = ingest.prepare

    def counted(*args: object, **kwargs: object) -> Prepared:
        checks.append(str(args[3]))
        return prepare(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(ingest, "prepare", counted)
    at = _page(root, monkeypatch, UPLOAD)
    assert checks == ["10月工单.csv", "10月工单.csv"]  # the mapping so far, then the editor's
    at = _rerun(at)
    at = _rerun(at)
    assert len(checks) == 2  # widgets changing nothing check nothing again
    [(first, with_rows_first), (second, with_rows)] = at.session_state[CHECKS].values()
    assert (first.good, with_rows_first, with_rows) == (None, False, True)
    assert second.good.height == 2
