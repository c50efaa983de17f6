"""A user's scope as data: street and community codes resolved to grids, and the loaded dataset cut to them.

The tiny root (tests/builders.py) plus rows placed at every level: 东湖社区 C1 = G1, G2 and 西岭社区 C2 = G3,
G4 in street 330199001. The expected counts are written out row by row below.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from dashboard.access import ALL, SCOPE_KEY, Scope, cut_to_scope, resolve_scope
from dashboard.core.loading import Dataset, load_dataset
from tests.builders import C1, C2, G1, G2, G3, G4, TINY_ISSUES, tiny_root, write_issues_csv

STREET = "330199001"

EXTRA_ISSUES = [
    # Placed only at community level (C2, by name).
    {"issue_id": "i11", "reported_at": "2026-10-26 09:00:00", "category": "其他", "status": "reported"}
    | {"community_name": "西岭社区"},
    # Placed only at street level.
    {"issue_id": "i12", "reported_at": "2026-10-27 09:00:00", "category": "其他", "status": "reported"}
    | {"street_code": STREET},
]
VOLUNTEERS = (
    "volunteer_id,registered_at,is_party_member,grid_code,community_code,street_code\n"
    f"v1,2025-01-01,true,{G1},,\n"  # C1, in a grid
    f"v2,2025-01-01,false,,{C1},\n"  # C1, community only
    f"v3,2025-01-01,true,{G3},,\n"  # C2
    f"v4,2025-01-01,false,,,{STREET}\n"  # street only
)
RECORDS = (
    "record_id,volunteer_id,served_at,hours,service_type,grid_code,lon,lat\n"
    "r1,v1,2026-10-10 09:00:00,2,elderly_care,,,\n"  # no place of its own: v1's, C1
    f"r2,v3,2026-10-11 09:00:00,3,elderly_care,{G1},,\n"  # its own place G1 (C1), though v3 is in C2
    "r3,v3,2026-10-12 09:00:00,1,elderly_care,,,\n"  # v3's: C2
    "r4,v4,2026-10-13 09:00:00,1,elderly_care,,,\n"  # v4's: street only
    "r5,v1,2026-10-14 09:00:00,1,elderly_care,,121.0,31.0\n"  # a point in no grid: v1's, C1
)
POINTS = (
    "point_id,name,point_type,lon,lat\n"
    "p1,东湖驿站,red_station,120.005,30.005\n"  # in G1
    "p2,西岭驿站,red_station,120.01,30.015\n"  # in G3
    "p3,远处驿站,red_station,121.0,31.0\n"  # in no grid
)


@pytest.fixture
def dataset(tmp_path: Path) -> Dataset:
    root = tiny_root(tmp_path / "root")
    write_issues_csv(root, [*TINY_ISSUES, *EXTRA_ISSUES])
    (root / "data" / "volunteers.csv").write_text(VOLUNTEERS, encoding="utf-8")
    (root / "data" / "service_records.csv").write_text(RECORDS, encoding="utf-8")
    (root / "data" / "service_points.csv").write_text(POINTS, encoding="utf-8")
    return load_dataset(root)


def _ids(frame: pl.DataFrame | None, column: str) -> list[str]:
    assert frame is not None
    return sorted(frame.get_column(column).to_list())


def test_scope_text_is_all_or_sorted_codes() -> None:
    assert Scope.parse("all") == ALL and ALL.key() == "all" and ALL.to_json() == "all"
    scope = Scope.parse(f" {C2} ,{C1},{C2}")
    assert scope.codes == (C1, C2) and scope.key() == f"{C1},{C2}" and scope.to_json() == [C1, C2]
    assert Scope.parse([C1]) == Scope((C1,))
    for bad in ("", " , ", f"all,{C1}"):
        with pytest.raises(ValueError):
            Scope.parse(bad)


def test_a_scope_resolves_to_grids_communities_and_whole_streets(dataset: Dataset) -> None:
    units = dataset.units
    c1 = resolve_scope(Scope((C1,)), units)
    assert (c1.grids, c1.communities, c1.streets, c1.whole_root) == ({G1, G2}, {C1}, set(), False)
    street = resolve_scope(Scope((STREET,)), units)
    assert street.grids == {G1, G2, G3, G4} and street.streets == {STREET} and street.whole_root
    both = resolve_scope(Scope((C1, C2)), units)
    assert both.communities == {C1, C2} and both.streets == set() and not both.whole_root
    assert resolve_scope(Scope((C1, "999")), units).unknown == ("999",)
    assert resolve_scope(ALL, units).whole_root


def test_community_scope_keeps_only_its_own_rows(dataset: Dataset) -> None:
    cut = cut_to_scope(dataset, Scope((C1,)))
    assert _ids(cut.issues, "issue_id") == ["i01", "i02", "i03", "i04", "i05", "i06", "i07"]
    assert set(cut.issues.get_column("community_code").to_list()) == {C1}
    assert sorted(cut.grids["grid_code"]) == [G1, G2]
    assert set(cut.grids["community_code"]) == {C1}
    assert cut.units.get_column("community_code").unique().to_list() == [C1]
    assert list(cut.communities["community_code"]) == [C1]
    assert _ids(cut.volunteers, "volunteer_id") == ["v1", "v2"]
    assert _ids(cut.service_records, "record_id") == ["r1", "r2", "r5"]
    assert _ids(cut.service_points, "point_id") == ["p1"]


def test_the_other_community_sees_none_of_the_first(dataset: Dataset) -> None:
    cut = cut_to_scope(dataset, Scope((C2,)))
    assert _ids(cut.issues, "issue_id") == ["i08", "i10", "i11"]
    assert C1 not in cut.issues.get_column("community_code").to_list()
    assert sorted(cut.grids["grid_code"]) == [G3, G4]
    assert _ids(cut.volunteers, "volunteer_id") == ["v3"]
    assert _ids(cut.service_records, "record_id") == ["r3"]  # r2 is v3's, but served in G1
    assert _ids(cut.service_points, "point_id") == ["p2"]


def test_both_communities_are_not_the_street(dataset: Dataset) -> None:
    # Rows placed only at street level, or outside every grid, belong to no community.
    cut = cut_to_scope(dataset, Scope((C1, C2)))
    assert (
        cut.issues.height == 10
        and "i09" not in cut.issues["issue_id"]
        and "i12" not in cut.issues["issue_id"]
    )
    assert _ids(cut.volunteers, "volunteer_id") == ["v1", "v2", "v3"]
    assert _ids(cut.service_records, "record_id") == ["r1", "r2", "r3", "r5"]
    assert _ids(cut.service_points, "point_id") == ["p1", "p2"]


@pytest.mark.parametrize("scope", [ALL, Scope((STREET,))], ids=["all", "the whole street"])
def test_the_whole_root_is_not_cut(dataset: Dataset, scope: Scope) -> None:
    cut = cut_to_scope(dataset, scope)
    assert cut is dataset
    assert (cut.issues.height, len(cut.grids)) == (12, 4)
    assert (_ids(cut.volunteers, "volunteer_id"), len(_ids(cut.service_records, "record_id"))) == (
        ["v1", "v2", "v3", "v4"],
        5,
    )


def test_the_cut_keeps_the_roots_time_marks_its_scope_and_leaves_the_loaded_frames(dataset: Dataset) -> None:
    as_of = dataset.as_of
    cut = cut_to_scope(dataset, Scope((C2,)))
    assert cut.as_of == as_of  # the root's latest time, not the community's last case
    assert cut.meta[SCOPE_KEY] == C2 and SCOPE_KEY not in dataset.meta
    assert (dataset.issues.height, len(dataset.grids), dataset.units.height) == (12, 4, 4)
    assert dataset.volunteers is not None and dataset.volunteers.height == 4


def test_a_scope_naming_nothing_of_the_root_gives_nothing(dataset: Dataset) -> None:
    cut = cut_to_scope(dataset, Scope(("999",)))
    assert cut.issues.height == 0 and len(cut.grids) == 0
    assert cut.volunteers is not None and cut.volunteers.height == 0
    assert cut.service_points is not None and cut.service_points.height == 0
