"""Small hand-built data roots for tests: a few square grids and a handful of issues."""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from dashboard.core import schema

ISSUE_COLUMNS = schema.ISSUE_COLUMNS


def square(lon: float, lat: float, size_lon: float, size_lat: float) -> dict[str, Any]:
    ring = [
        [lon, lat],
        [lon + size_lon, lat],
        [lon + size_lon, lat + size_lat],
        [lon, lat + size_lat],
        [lon, lat],
    ]
    return {"type": "Polygon", "coordinates": [ring]}


# Four grids in two communities of one street, near lon 120.0, lat 30.0.
# G4 is a park with no residents and no issues: every rate there is empty.
TINY_GRIDS: list[dict[str, Any]] = [
    {
        "grid_code": "330199001001001",
        "grid_name": "一网格",
        "community_code": "330199001001",
        "community_name": "东湖社区",
        "population": 1000,
        "grid_worker": "王建国",
        "geometry": square(120.00, 30.00, 0.01, 0.01),
    },
    {
        "grid_code": "330199001001002",
        "grid_name": "二网格",
        "community_code": "330199001001",
        "community_name": "东湖社区",
        "population": 500,
        "grid_worker": "李红",
        "geometry": square(120.01, 30.00, 0.01, 0.01),
    },
    {
        "grid_code": "330199001002001",
        "grid_name": "三网格",
        "community_code": "330199001002",
        "community_name": "西岭社区",
        "population": 2000,
        "grid_worker": "赵强",
        "geometry": square(120.00, 30.01, 0.02, 0.01),
    },
    {
        "grid_code": "330199001002002",
        "grid_name": "公园网格",
        "community_code": "330199001002",
        "community_name": "西岭社区",
        "population": 0,
        "grid_worker": "钱敏",
        "geometry": square(120.02, 30.00, 0.01, 0.02),
    },
]
G1, G2, G3, G4 = (g["grid_code"] for g in TINY_GRIDS)
C1, C2 = "330199001001", "330199001002"

# One row per issue; comments give what the metric tests expect of it (period 2026-10, T = 2026-11-20).
TINY_ISSUES: list[dict[str, Any]] = [
    # G1: closed the same day at grid level, on time, satisfied.
    {
        "issue_id": "i01",
        "reported_at": "2026-10-02 09:00:00",
        "category": "环境卫生",
        "grid_code": G1,
        "status": "closed",
        "source": "grid_patrol",
        "accepted_at": "2026-10-02 10:00:00",
        "resolved_at": "2026-10-02 15:00:00",
        "closed_at": "2026-10-03 09:00:00",
        "due_at": "2026-10-04 09:00:00",
        "resolved_level": "grid",
        "satisfaction": "satisfied",
        "rework_count": "0",
        "reporter_name": "张三丰",
        "reporter_phone": "13812345678",
    },
    # G1: accepted after 26 h (no response), finished late, reworked once, solved by the community.
    {
        "issue_id": "i02",
        "reported_at": "2026-10-05 08:00:00",
        "category": "噪音扰民",
        "grid_code": G1,
        "status": "resolved",
        "source": "hotline",
        "accepted_at": "2026-10-06 10:00:00",
        "resolved_at": "2026-10-10 08:00:00",
        "due_at": "2026-10-08 08:00:00",
        "resolved_level": "community",
        "satisfaction": "basically_satisfied",
        "rework_count": "1",
        "reporter_name": "李四光",
        "reporter_phone": "13987654321",
    },
    # G1: still in progress and past its deadline at T: overdue.
    {
        "issue_id": "i03",
        "reported_at": "2026-10-10 10:00:00",
        "category": "停车管理",
        "grid_code": G1,
        "status": "in_progress",
        "source": "app",
        "accepted_at": "2026-10-10 11:00:00",
        "due_at": "2026-10-12 10:00:00",
    },
    # G1: deferred: out of the resolution denominator and never overdue.
    {
        "issue_id": "i04",
        "reported_at": "2026-10-11 10:00:00",
        "category": "违章搭建",
        "grid_code": G1,
        "status": "deferred",
        "source": "grid_patrol",
        "accepted_at": "2026-10-11 12:00:00",
        "due_at": "2026-10-13 10:00:00",
    },
    # G1: invalid: not in S at all.
    {
        "issue_id": "i05",
        "reported_at": "2026-10-12 10:00:00",
        "category": "其他",
        "grid_code": G1,
        "status": "invalid",
        "source": "app",
        "accepted_at": "2026-10-12 10:05:00",
    },
    # G2: dispatched to a department, no due_at (category limit 168 h: on time), unsatisfied.
    {
        "issue_id": "i06",
        "reported_at": "2026-10-15 10:00:00",
        "category": "公共设施维修",
        "grid_code": G2,
        "status": "closed",
        "source": "hotline",
        "accepted_at": "2026-10-15 10:30:00",
        "dispatched_at": "2026-10-15 11:00:00",
        "resolved_at": "2026-10-18 10:00:00",
        "closed_at": "2026-10-19 10:00:00",
        "resolved_level": "department",
        "department": "住建",
        "satisfaction": "unsatisfied",
        "rework_count": "0",
    },
    # G2: reported on 30 September: outside the October period.
    {
        "issue_id": "i07",
        "reported_at": "2026-09-30 23:00:00",
        "category": "环境卫生",
        "grid_code": G2,
        "status": "closed",
        "source": "app",
        "accepted_at": "2026-10-01 08:00:00",
        "resolved_at": "2026-10-01 12:00:00",
        "closed_at": "2026-10-01 13:00:00",
        "due_at": "2026-10-02 23:00:00",
        "resolved_level": "grid",
        "satisfaction": "satisfied",
    },
    # Only a point, inside G3: located by point-in-polygon.
    {
        "issue_id": "i08",
        "reported_at": "2026-10-20 09:00:00",
        "category": "环境卫生",
        "lon": "120.01",
        "lat": "30.015",
        "status": "resolved",
        "source": "app",
        "accepted_at": "2026-10-20 09:30:00",
        "resolved_at": "2026-10-20 12:00:00",
        "due_at": "2026-10-21 09:00:00",
        "resolved_level": "grid",
        "satisfaction": "satisfied",
    },
    # Only a point, in no grid: the "outside every grid" bucket; never accepted, overdue.
    {
        "issue_id": "i09",
        "reported_at": "2026-10-21 09:00:00",
        "category": "其他",
        "lon": "121.0",
        "lat": "31.0",
        "status": "reported",
        "source": "hotline",
        "due_at": "2026-10-22 09:00:00",
    },
    # G3: accepted, not yet due at T, unrated.
    {
        "issue_id": "i10",
        "reported_at": "2026-10-25 09:00:00",
        "category": "物业管理",
        "grid_code": G3,
        "status": "accepted",
        "source": "walk_in",
        "accepted_at": "2026-10-25 10:00:00",
        "due_at": "2026-12-01 09:00:00",
    },
]
TINY_AS_OF = "2026-11-20 00:00:00"


def write_grids(
    root: Path,
    grids: Iterable[Mapping[str, Any]] = TINY_GRIDS,
    street: tuple[str, str] = ("330199001", "清河湾街道"),
) -> Path:
    features = []
    for grid in grids:
        properties = {k: v for k, v in grid.items() if k != "geometry"}
        properties.setdefault("street_code", street[0])
        properties.setdefault("street_name", street[1])
        features.append({"type": "Feature", "properties": properties, "geometry": grid["geometry"]})
    path = root / "geo" / "grids.geojson"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False), encoding="utf-8"
    )
    return path


def write_issues_csv(
    root: Path, issues: Iterable[Mapping[str, Any]] = TINY_ISSUES, columns: tuple[str, ...] = ISSUE_COLUMNS
) -> Path:
    path = root / "data" / "issues.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(columns), extrasaction="ignore")
        writer.writeheader()
        for issue in issues:
            writer.writerow({c: issue.get(c, "") for c in columns})
    return path


def tiny_root(root: Path) -> Path:
    """A complete data root with the tiny grids and issues above."""
    write_grids(root)
    write_issues_csv(root)
    return root


def tiny_root_kept_since_august(root: Path) -> Path:
    """The tiny root with one more report on 1 August 2026, marked invalid: it counts for no metric,
    but it shows the register was kept from August, so September is a month of data (with one issue,
    i07) rather than a month the data only reach on its last day."""
    early = {
        "issue_id": "i00",
        "reported_at": "2026-08-01 09:00:00",
        "category": "其他",
        "grid_code": G1,
        "status": "invalid",
        "source": "app",
    }
    write_grids(root)
    write_issues_csv(root, [early, *TINY_ISSUES])
    return root


def month_issues(grid: str, month: str, finished: int, open_: int, start: int) -> list[dict[str, str]]:
    rows = []
    for i in range(finished + open_):
        done = i < finished
        rows.append(
            {
                "issue_id": f"m{start + i}",
                "reported_at": f"{month}-0{1 + i % 9} 09:00:00",
                "category": "环境卫生",
                "grid_code": grid,
                "status": "closed" if done else "accepted",
                "accepted_at": f"{month}-0{1 + i % 9} 10:00:00",
                "resolved_at": f"{month}-0{1 + i % 9} 15:00:00" if done else "",
                "due_at": f"{month}-0{1 + i % 9} 23:00:00",
                "resolved_level": "grid" if done else "",
            }
        )
    return rows


def three_months_root(root: Path) -> Path:
    """C1 (G1) at 95%, 95%, 95%; C2 (G3) at 80%, 95%, 100%, 20 issues a month each, August to October 2026."""
    write_grids(root)
    plan = [
        (G1, "2026-08", 19, 1),
        (G1, "2026-09", 19, 1),
        (G1, "2026-10", 19, 1),
        (G3, "2026-08", 16, 4),
        (G3, "2026-09", 19, 1),
        (G3, "2026-10", 20, 0),
    ]
    issues: list[dict[str, str]] = []
    for grid, month, done, open_ in plan:
        issues += month_issues(grid, month, done, open_, len(issues))
    write_issues_csv(root, issues)
    return root


# Columns a data root may leave out: without them the metrics built on them have no data.
BARE_DROPPED = ("accepted_at", "resolved_level", "satisfaction", "rework_count")


def bare_root(root: Path) -> Path:
    """A data root without acceptance times, solving levels, ratings, rework counts, residents or service points.

    The tiny grids with a population of 0 (an empty one, unknown, gives the same reason), issues in G1
    (6 in September, 10 in October) and G3 (4 in October), all closed on time the day they came in,
    two volunteers in G1 with one service record in October, and no service points file. What can
    be measured is on target (resolution and on-time 100%), so no number on any page may be red.
    """
    write_grids(root, [{**g, "population": 0} for g in TINY_GRIDS])
    issues = [
        *month_issues(G1, "2026-09", 6, 0, 0),
        *month_issues(G1, "2026-10", 10, 0, 100),
        *month_issues(G3, "2026-10", 4, 0, 200),
    ]
    for issue in issues:
        issue["status"], issue["source"] = "closed", "grid_patrol"
    write_issues_csv(root, issues, tuple(c for c in ISSUE_COLUMNS if c not in BARE_DROPPED))
    data = root / "data"
    (data / "volunteers.csv").write_text(
        "volunteer_id,grid_code,registered_at,is_party_member,team\n"
        f"v1,{G1},2025-01-01,true,东湖先锋队\n"
        f"v2,{G1},2025-06-01,false,东湖先锋队\n",
        encoding="utf-8",
    )
    (data / "service_records.csv").write_text(
        "record_id,volunteer_id,served_at,hours,service_type,beneficiaries\n"
        "r1,v1,2026-10-10 09:00:00,3,elderly_care,2\n",
        encoding="utf-8",
    )
    return root


def shown(markdown: str) -> str:
    """What Streamlit shows for a Markdown body: its backslash escapes (``dashboard.core.text.md_text``) undone."""
    return re.sub(r"\\(.)", r"\1", markdown, flags=re.DOTALL)


TEST_PASSWORD = "correct horse battery staple"


def session_token(root: Path, name: str = "admin", role: str = "admin", scope: str = "all") -> str:
    """An account of ``role`` in ``root`` (added when missing) and a live session of it: the token the
    login page would put in the session (``dashboard.ui.access.TOKEN``) and the cookie."""
    from dashboard.access import Scope, add_user, load_users
    from dashboard.access.sessions import start_session
    from dashboard.core.settings import load_settings

    if name not in load_users(root):
        add_user(root, name, role, Scope.parse(scope), password=TEST_PASSWORD, actor="test")
    return start_session(root, load_users(root)[name], load_settings(root).access)


def sign_in(at: Any, root: Path, name: str = "admin", role: str = "admin", scope: str = "all") -> Any:
    """An AppTest signed in as ``name`` (an account of ``role`` and ``scope``), before its first run."""
    at.session_state["_session_token"] = session_token(root, name, role, scope)
    return at


# Every page with data (the import page, pages/data.py, is the administrator's), and the two languages.
LANGS = ("zh", "en")
DATA_PAGES = (
    "pages/overview.py",
    "pages/grid_map.py",
    "pages/closed_loop.py",
    "pages/heatmap.py",
    "pages/trends.py",
    "pages/volunteers.py",
    "pages/meeting.py",
)


def app_test(root: Path, monkeypatch: Any, timeout: float = 60, **query: str) -> Any:
    """The whole app (``app.py``) in AppTest on ``root``, with ``query`` in its URL; not run yet."""
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("DASHBOARD_DATA_DIR", str(root))
    at = AppTest.from_file(str(Path(__file__).resolve().parents[1] / "app.py"), default_timeout=timeout)
    for key, value in query.items():
        at.query_params[key] = value
    return at
