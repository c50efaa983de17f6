"""Volunteers and service records placed at the finest level they name (issue #13, item 1).

A volunteer register as community offices keep it (GBK, Chinese headers, 政治面貌, community names with
and without their suffix, no grid codes for most rows) and a service log naming the community served
are imported through the CLI into the tiny root (东湖社区 C1 = G1 1,000 + G2 500 residents; 西岭社区
C2 = G3 2,000 + G4 0; 清河湾街道 330199001, 3,500), then read back with the ``coverage`` CLI. Every
count is written out by hand.
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
from dashboard.volunteers import volunteer_metrics
from dashboard.volunteers.measures import placed_above_grids
from tests.builders import C1, C2, G1, G3, tiny_root

STREET = "330199001"
AS_OF = "2026-11-20 00:00:00"

# V1 grid G1 (code); V2 C1 by name with 居委会; V3 C2 by name without 社区; V4 only the street (its
# office's full name); V5 registered after October; V6 names nothing: refused; V7 an unknown community
# in the street: placed at street level, the unknown name listed.
REGISTER = f"""志愿者编号,姓名,联系电话,注册时间,政治面貌,所属网格,所属社区,所属街道
V1,甲,13800000001,2026-01-05,中共党员,{G1},,
V2,乙,13800000002,2026/2/1,群众,,东湖社区居委会,
V3,丙,13800000003,2026.03.01,中共党员,,西岭,
V4,丁,13800000004,2026-04-01,群众,,,清河湾街道办事处
V5,戊,13800000005,2026-11-15,中共党员,,东湖社区,
V6,己,13800000006,2026-04-01,群众,,,
V7,庚,13800000007,2026-05-01,群众,,南山社区,清河湾街道
"""
# R1 no place of its own: V1's grid G1; R2 served in 西岭社区 (its own place, not V2's C1); R3 V4's
# street; R4 in September (V3 active in the 90 days, no October hours); R5 V2's community C1.
SERVICE = """记录编号,志愿者编号,服务时间,服务时长,服务类型,服务社区
R1,V1,2026-10-03 09:00,2,环境整治,
R2,V2,2026-10-05 09:00,3,助老,西岭社区
R3,V4,2026-10-06 09:00,1.5,平安巡逻,
R4,V3,2026-09-10 09:00,4,助老,
R5,V2,2026-10-20 09:00,2,邻里互助,
"""


def _run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def _write(path: Path, text: str, encoding: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding))
    return path


@pytest.fixture
def root(tmp_path: Path) -> Path:
    folder = tiny_root(tmp_path / "root")
    register = _write(tmp_path / "志愿者名册.csv", REGISTER, "gbk")
    code, out, err = _run(
        "import", "--data", str(folder), "--kind", "volunteers", "--skip-bad-rows", str(register)
    )
    assert code == 0, out + err
    service = _write(tmp_path / "服务记录.csv", SERVICE, "utf-8")
    code, out, err = _run("import", "--data", str(folder), "--kind", "service_records", str(service))
    assert code == 0, out + err
    return folder


def _coverage(root: Path, by: str) -> dict[str, dict[str, object]]:
    code, out, err = _run(
        "coverage", "--data", str(root), "--period", "2026-10", "--by", by, "--as-of", AS_OF
    )
    assert code == 0, err
    return {r[f"{by}_code"]: r for r in json.loads(out)}


def test_the_register_import_places_by_name_and_refuses_the_row_that_names_nothing(
    tmp_path: Path,
) -> None:
    folder = tiny_root(tmp_path / "r")
    register = _write(tmp_path / "志愿者名册.csv", REGISTER, "gbk")
    code, out, err = _run(
        "import", "--data", str(folder), "--kind", "volunteers", "--skip-bad-rows", str(register)
    )
    assert code == 0, out + err
    assert "V6" not in set(load_dataset(folder).volunteers["volunteer_id"].to_list())  # type: ignore[index]
    assert "南山社区" in out  # the unknown community is listed in the report
    volunteers = load_dataset(folder).volunteers
    assert volunteers is not None
    placed = dict(zip(volunteers["volunteer_id"], volunteers["placed_at"], strict=True))
    assert placed == {
        "V1": "grid",
        "V2": "community",
        "V3": "community",
        "V4": "street",
        "V5": "community",
        "V7": "street",
    }
    names = dict(zip(volunteers["volunteer_id"], volunteers["community_name"], strict=True))
    assert names["V2"] == "东湖社区" and names["V3"] == "西岭社区"  # the boundary file's names


def test_communities_count_what_was_placed_in_them_and_the_street_counts_everything(root: Path) -> None:
    communities = _coverage(root, "community")
    # C1: V1 (grid G1) + V2 (community); V5 registered after October. Party members: V1.
    # Active in the 90 days before 1 November: V1 (R1), V2 (R2, R5). Hours: R1 2 + R5 2 (R2 was in C2).
    assert communities[C1]["volunteer_count"] == 2
    assert communities[C1]["active_volunteer_count"] == 2
    assert communities[C1]["party_member_share"] == pytest.approx(0.5)
    assert communities[C1]["service_hours"] == pytest.approx(4.0)
    assert communities[C1]["volunteers_per_1000"] == pytest.approx(2 / 1500 * 1000)
    # C2: V3 (active through R4 in September, no October hours) ; R2 served here: 3 hours.
    assert communities[C2]["volunteer_count"] == 1
    assert communities[C2]["active_volunteer_count"] == 1
    assert communities[C2]["service_hours"] == pytest.approx(3.0)
    street = _coverage(root, "street")[STREET]
    # Everyone registered by the end of October: V1, V2, V3, V4, V7; hours R1 + R2 + R3 + R5.
    assert street["volunteer_count"] == 5
    assert street["active_volunteer_count"] == 4  # V1, V2, V3, V4
    assert street["service_hours"] == pytest.approx(8.5)
    assert street["party_member_share"] == pytest.approx(2 / 5)


def test_grids_count_only_what_was_placed_in_a_grid_and_the_rest_is_counted_apart(root: Path) -> None:
    grids = _coverage(root, "grid")
    assert grids[G1]["volunteer_count"] == 1 and grids[G1]["service_hours"] == pytest.approx(2.0)
    assert grids[G3]["volunteer_count"] == 0
    assert sum(int(r["volunteer_count"]) for r in grids.values()) == 1  # type: ignore[call-overload]
    above = placed_above_grids(load_dataset(root), parse_period("2026-10"), datetime(2026, 11, 20))
    assert above.sort("level").rows() == [("community", 2, 5.0), ("street", 2, 1.5)]


def test_records_without_a_place_of_their_own_follow_their_volunteer(root: Path) -> None:
    data = load_dataset(root)
    table = volunteer_metrics(data, "community", parse_period("2026-09"), datetime(2026, 11, 20))
    hours = dict(zip(table["community_code"], table["service_hours"], strict=True))
    assert hours == {C1: 0.0, C2: 4.0}  # R4: V3's community


def test_a_loaded_register_without_any_place_column_is_refused(tmp_path: Path) -> None:
    folder = tiny_root(tmp_path / "r")
    pl.DataFrame(
        {"volunteer_id": ["V1"], "registered_at": ["2026-01-01"], "is_party_member": ["true"]}
    ).write_csv(folder / "data" / "volunteers.csv")
    with pytest.raises(DataError) as raised:
        load_dataset(folder)
    assert [p.code for p in raised.value.problems] == ["missing_location_columns"]


@pytest.fixture
def _fresh(fresh_caches: None) -> None:
    """Page tests start with empty caches."""


@pytest.mark.usefixtures("_fresh")
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_volunteer_page_counts_volunteers_placed_by_name(
    root: Path, monkeypatch: pytest.MonkeyPatch, lang: str
) -> None:
    from streamlit.testing.v1 import AppTest

    from dashboard.i18n import t
    from dashboard.metrics import volunteer_metric
    from tests.conftest import REPO

    monkeypatch.setenv("DASHBOARD_DATA_DIR", str(root))
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60)
    at.query_params["period"], at.query_params["lang"] = "2026-10", lang
    at.run()
    at.switch_page("pages/volunteers.py").run()
    assert not at.exception
    cards = {m.label.split(" :")[0]: m.value for m in at.metric}
    assert cards[t("metric.volunteer_count.label", lang)] == "5"
    assert cards[t("metric.active_volunteer_count.label", lang)] == "4"
    assert cards[t("metric.party_member_share.label", lang)] == "40.0%"
    hours = volunteer_metric("service_hours").format(8.5, lang)  # whole hours on a card
    assert cards[t("metric.service_hours.label", lang)] == hours == f"8 {t('common.hours', lang)}"
    unit = t("common.unit_community", lang)
    table = next(df.value for df in at.dataframe if unit in df.value.columns)
    counts = dict(zip(table[unit], table[t("metric.volunteer_count.label", lang)], strict=True))
    assert counts == {"东湖社区": "2", "西岭社区": "1"}
    # The map's note names the volunteers no grid shows (2 only at community level: V2 and the
    # September-active V3; 2 only at street level: V4, V7), with their October hours.
    captions = " ".join(c.value for c in at.caption)
    community = t(
        "volunteer.unplaced_item", lang, label=t("common.placed_community", lang), n="2", hours="5.0"
    )
    street = t("volunteer.unplaced_item", lang, label=t("common.placed_street", lang), n="2", hours="1.5")
    assert community in captions and street in captions


def test_a_register_with_a_title_row_odd_dates_and_the_offices_full_name(tmp_path: Path) -> None:
    folder = tiny_root(tmp_path / "r")
    register = _write(
        tmp_path / "花名册.csv",
        "东湖社区志愿者花名册\n序号,志愿者编号,注册日期,是否党员,所属社区居委会\n"
        "1,A1,2026年3月5日,是,东湖社区居委会\n2,A2,20260401,否,西岭社区\n3,A3,2026.05.06,党员,东湖\n",
        "gbk",
    )
    code, out, err = _run("import", "--data", str(folder), "--kind", "volunteers", str(register))
    assert code == 0, out + err
    assert "仅定位到社区 3 行" in out
    communities = _coverage(folder, "community")
    assert (communities[C1]["volunteer_count"], communities[C2]["volunteer_count"]) == (2, 1)
    assert communities[C1]["party_member_share"] == pytest.approx(1.0)
