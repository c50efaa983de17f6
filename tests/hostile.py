"""A data root whose every name field holds hostile text: HTML, Markdown, LaTeX, formulas, RTL, very long.

Built from the bundled demo (one street, every kind of data) by renaming; the dashboard must show
each of these as the text it is, never as markup, a link, an image, maths or a formula.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any, Final

import polars as pl

REPO = Path(__file__).resolve().parents[1]

BEACON: Final = "127.0.0.2"
MARKDOWN: Final = f"![b](http://{BEACON}:9/beacon.png) [click](http://{BEACON}:9/x) **粗** :red[红] #标题"
HTML: Final = f"<img src=x onerror=alert(1)><a href='http://{BEACON}:9/a'>链</a>"
LATEX: Final = "$\\undefinedcmd{x$ $\\frac{a}{b}$"
FORMULA: Final = f'=HYPERLINK("http://{BEACON}:9/f","c")'
AUTOLINK: Final = f"www.{BEACON}.example http://{BEACON}:9/auto"
RTL: Final = "\u202e\u793e\u533aabc\u200b\u200d"
LONG: Final = "很长的名字" * 60
HOSTILE: Final = (MARKDOWN, HTML, LATEX, FORMULA, AUTOLINK, RTL, LONG)

# What must never reach a Markdown body, an HTML page or a chart as it is: the start of each piece of markup.
RAW_MARKERS: Final = ("![b](", "[click](", "<img", "<a href", "$\\undefinedcmd", "$\\frac", ":red[")


def _name(values: list[str], hostile: tuple[str, ...], suffix: str) -> dict[str, str]:
    """Each distinct value renamed to a hostile text (cycling), kept distinct by a number."""
    return {v: f"{hostile[i % len(hostile)]}{suffix}{i}" for i, v in enumerate(sorted(set(values)))}


def _geo(source: Path, target: Path) -> None:
    data: dict[str, Any] = json.loads(source.read_text(encoding="utf-8"))
    props = [f["properties"] for f in data["features"]]
    communities = _name([p["community_name"] for p in props], HOSTILE, "社区")
    for i, p in enumerate(props):
        p["community_name"] = communities[p["community_name"]]
        p["street_name"] = HTML + "街道"
        p["grid_name"] = f"{HOSTILE[i % len(HOSTILE)]}网格{i}"
        p["grid_worker"] = MARKDOWN
        p["district_name"] = LATEX
    target.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def _rename(frame: pl.DataFrame, column: str, suffix: str) -> pl.DataFrame:
    mapping = _name([v for v in frame.get_column(column).to_list() if v is not None], HOSTILE, suffix)
    return frame.with_columns(pl.col(column).replace_strict(mapping, default=None))


def _issues(source: Path, target: Path) -> None:
    issues = pl.read_parquet(source).gather_every(4)
    issues = _rename(_rename(issues, "category", "类"), "department", "局")
    n = issues.height
    issues = issues.with_columns(
        pl.Series(
            "issue_id", [f"{HOSTILE[i % 3]}{i}" if i < 200 else v for i, v in enumerate(issues["issue_id"])]
        ),
        pl.lit(HTML + " 联系人张三 电话13800000000").alias("description"),
        pl.lit(MARKDOWN).alias("address"),
        pl.Series("reporter_name", [HOSTILE[i % len(HOSTILE)] for i in range(n)]),
    )
    issues.write_parquet(target)


def hostile_root(root: Path) -> Path:
    """The bundled demo with every name field hostile; not marked as demo data, so names are shown."""
    (root / "data").mkdir(parents=True)
    (root / "geo").mkdir()
    _geo(REPO / "geo" / "grids.geojson", root / "geo" / "grids.geojson")
    _issues(REPO / "data" / "issues.parquet", root / "data" / "issues.parquet")
    volunteers = pl.read_parquet(REPO / "data" / "volunteers.parquet")
    volunteers = _rename(_rename(volunteers, "team", "队"), "skills", "技")
    volunteers.with_columns(pl.lit(HTML).alias("name")).write_parquet(root / "data" / "volunteers.parquet")
    points = pl.read_parquet(REPO / "data" / "service_points.parquet")
    points.with_columns(
        pl.Series("name", [f"{HOSTILE[i % len(HOSTILE)]}站{i}" for i in range(points.height)])
    ).write_parquet(root / "data" / "service_points.parquet")
    records = _rename(pl.read_parquet(REPO / "data" / "service_records.parquet"), "service_type", "服务")
    records.write_parquet(root / "data" / "service_records.parquet")
    for extra in ("geo/places.csv",):
        if (REPO / extra).exists():
            shutil.copy(REPO / extra, root / extra)
    return root
