"""Maps for the report as PNG pictures: matplotlib and geopandas only, no tiles, no network.

* :func:`grid_map_png`: grids coloured by the grade of their resolution rate (the configured
  grade colours), community outlines and names, a legend;
* :func:`heat_map_png`: the period's issues counted per H3 hexagon (:func:`dashboard.heat.aggregate`);
* :func:`coverage_map_png`: grids coloured by the share within 800 m of a service point, the
  points and their 800 m circles.

Coordinates are drawn as longitude/latitude with the latitude's scale (1 / cos φ), so a
square kilometre looks square.
"""

from __future__ import annotations

import io
import math
from typing import Any, Final

import geopandas as gpd
import h3
import matplotlib as mpl

mpl.use("Agg")
import matplotlib.pyplot as plt
import polars as pl
from matplotlib import patheffects
from matplotlib.collections import PolyCollection
from matplotlib.colors import Normalize, to_hex
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from dashboard import heat
from dashboard.core.formatting import format_percent
from dashboard.core.loading import Dataset
from dashboard.core.selection import Selection
from dashboard.i18n import Lang, t
from dashboard.metrics import METRICS, compute, grade
from dashboard.outputs.report.fonts import report_style

DPI: Final = 150
MAP_SIZE: Final[tuple[float, float]] = (10.0, 5.6)
SIDE_MAP_SIZE: Final[tuple[float, float]] = (6.8, 5.3)
OUTLINE: Final = "#333333"
GRID_EDGE: Final = "#ffffff"
MAX_LABELS: Final = 40  # more communities than this: label the streets
HALO: Final = [patheffects.withStroke(linewidth=2.5, foreground="white")]


def _grids(dataset: Dataset, selection: Selection) -> gpd.GeoDataFrame:
    grids = dataset.grids
    if selection.community_codes:
        grids = grids[grids["community_code"].isin(list(selection.community_codes))]
    return grids


def _communities(dataset: Dataset, selection: Selection) -> gpd.GeoDataFrame:
    communities = dataset.communities
    if selection.community_codes:
        communities = communities[communities["community_code"].isin(list(selection.community_codes))]
    return communities


def _frame_axes(ax: Any, grids: gpd.GeoDataFrame) -> None:
    west, south, east, north = grids.total_bounds
    pad_x, pad_y = (east - west) * 0.03, (north - south) * 0.03
    ax.set_xlim(west - pad_x, east + pad_x)
    ax.set_ylim(south - pad_y, north + pad_y)
    ax.set_aspect(1 / math.cos(math.radians((south + north) / 2)))
    ax.set_axis_off()


def _labels(ax: Any, dataset: Dataset, communities: gpd.GeoDataFrame) -> None:
    """Community names; with more communities than :data:`MAX_LABELS` (a district), street names instead."""
    units, column, size = communities, "community_name", 9.0 if len(communities) <= 25 else 7.0
    if len(communities) > MAX_LABELS:
        units = dataset.streets[dataset.streets["street_code"].isin(communities["street_code"].unique())]
        units.boundary.plot(ax=ax, color=OUTLINE, linewidth=2.2)
        column, size = "street_name", 12.0
    points = units.geometry.representative_point()
    for point, name in zip(points, units[column], strict=True):
        ax.annotate(
            str(name),
            (point.x, point.y),
            ha="center",
            va="center",
            fontsize=size,
            color="#111111",
            path_effects=HALO,
        )


def _png(fig: Any) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, facecolor="white")
    plt.close(fig)
    return buffer.getvalue()


def grid_map_png(dataset: Dataset, selection: Selection, lang: Lang) -> tuple[bytes, float]:
    """Grids coloured by the grade of this period's resolution rate; returns the PNG and its aspect."""
    settings = dataset.settings
    spec = METRICS["resolution_rate"]
    values = compute(
        dataset.issues, dataset.units, "grid", selection.period, selection.as_of(dataset), settings
    ).filter(~pl.col("outside"))
    rates = dict(values.select("grid_code", "resolution_rate").iter_rows())
    grids = _grids(dataset, selection)
    colors = [settings.colors[grade(rates.get(code), spec, settings)] for code in grids["grid_code"]]
    communities = _communities(dataset, selection)
    target, amber = format_percent(settings.target, 0), format_percent(settings.amber_floor, 0)
    with report_style():
        fig, ax = plt.subplots(figsize=MAP_SIZE)
        fig.subplots_adjust(left=0.01, right=0.99, top=0.99, bottom=0.01)
        grids.plot(ax=ax, color=colors, edgecolor=GRID_EDGE, linewidth=0.4)
        communities.boundary.plot(ax=ax, color=OUTLINE, linewidth=1.2)
        _labels(ax, dataset, communities)
        _frame_axes(ax, grids)
        handles = [
            Patch(color=settings.colors["green"], label=t("report.legend_green", lang, target=target)),
            Patch(
                color=settings.colors["amber"],
                label=t("report.legend_amber", lang, target=target, amber=amber),
            ),
            Patch(color=settings.colors["red"], label=t("report.legend_red", lang, amber=amber)),
            Patch(color=settings.colors["none"], label=t("report.legend_none", lang)),
        ]
        ax.legend(
            handles=handles,
            loc="lower left",
            bbox_to_anchor=(1.0, 0.0),
            title=spec.label(lang),
            fontsize=10,
            title_fontsize=11,
            frameon=False,
        )
        fig.subplots_adjust(right=0.76)
        return _png(fig), MAP_SIZE[0] / MAP_SIZE[1]


def _area_km2(communities: gpd.GeoDataFrame) -> float:
    return float(communities.to_crs(communities.estimate_utm_crs()).area.sum() / 1e6)


def heat_map_png(
    dataset: Dataset, selection: Selection, issues: pl.DataFrame, lang: Lang
) -> tuple[bytes, float, int, float]:
    """The issues counted per H3 hexagon over the grid outlines.

    Returns the PNG, its aspect, the number of issues with coordinates and the hexagon's area in km².
    """
    grids = _grids(dataset, selection)
    communities = _communities(dataset, selection)
    resolution = heat.resolution_for_area(_area_km2(communities))
    cells = heat.aggregate(issues, resolution)
    located = int(cells.get_column("count").sum() or 0)
    rings = heat.cell_polygons(cells.get_column("cell").to_list())
    counts = cells.get_column("count").to_list()
    with report_style():
        fig, ax = plt.subplots(figsize=MAP_SIZE)
        fig.subplots_adjust(left=0.01, right=0.86, top=0.99, bottom=0.01)
        grids.plot(ax=ax, color="#f4f4f4", edgecolor="#c8c8c8", linewidth=0.4)
        if rings:
            norm = Normalize(vmin=0, vmax=max(counts))
            polygons = PolyCollection(
                [[(lon, lat) for lat, lon in ring] for ring in rings],
                array=counts,
                cmap="YlOrRd",
                norm=norm,
                edgecolors="none",
                alpha=0.9,
            )
            ax.add_collection(polygons)
            bar = fig.colorbar(polygons, ax=ax, fraction=0.03, pad=0.01)
            bar.set_label(t("report.heat_legend", lang), fontsize=11)
        communities.boundary.plot(ax=ax, color=OUTLINE, linewidth=1.0)
        _labels(ax, dataset, communities)
        _frame_axes(ax, grids)
        area = float(h3.average_hexagon_area(resolution, unit="km^2"))
        return _png(fig), MAP_SIZE[0] / MAP_SIZE[1], located, area


def coverage_map_png(dataset: Dataset, selection: Selection, lang: Lang) -> tuple[bytes, float]:
    """Grids coloured by service-point coverage (800 m), the points and their 800 m circles."""
    from dashboard import volunteers

    grids = _grids(dataset, selection)
    communities = _communities(dataset, selection)
    per_grid = volunteers.volunteer_metrics(dataset, "grid", selection.period)
    shares = dict(per_grid.select("grid_code", "service_point_coverage_share").iter_rows())
    values = [shares.get(code) for code in grids["grid_code"]]
    points = dataset.service_points
    with report_style():
        fig, ax = plt.subplots(figsize=SIDE_MAP_SIZE)
        fig.subplots_adjust(left=0.01, right=0.70, top=0.99, bottom=0.01)
        cmap = plt.get_cmap("Blues")
        colors = ["#e0e0e0" if v is None else to_hex(cmap(0.15 + 0.75 * float(v))) for v in values]
        grids.plot(ax=ax, color=colors, edgecolor=GRID_EDGE, linewidth=0.3)
        communities.boundary.plot(ax=ax, color=OUTLINE, linewidth=0.9)
        handles: list[Any] = []
        if points is not None and points.height > 0:
            rings = volunteers.circles(points, (volunteers.RADIUS_M,))
            rings.boundary.plot(ax=ax, color="#e66101", linewidth=0.8, alpha=0.7)
            located = points.filter(pl.col("lon").is_not_null() & pl.col("lat").is_not_null())
            ax.scatter(
                located.get_column("lon").to_list(),
                located.get_column("lat").to_list(),
                s=18,
                color="#b2182b",
                edgecolors="white",
                linewidths=0.6,
                zorder=5,
            )
            handles = [
                Line2D(
                    [],
                    [],
                    marker="o",
                    linestyle="",
                    color="#b2182b",
                    label=t("report.volunteer_points", lang),
                ),
                Line2D([], [], color="#e66101", label=t("report.volunteer_circles", lang)),
            ]
        else:
            handles = [Patch(color="#e0e0e0", label=t("report.volunteer_none", lang))]
        for share in (0.0, 0.5, 1.0):
            handles.append(
                Patch(
                    color=cmap(0.15 + 0.75 * share),
                    label=f"{t('report.volunteer_scale', lang)} {format_percent(share, 0)}",
                )
            )
        _frame_axes(ax, grids)
        ax.legend(
            handles=handles,
            loc="center left",
            bbox_to_anchor=(1.0, 0.5),
            fontsize=11,
            frameon=False,
        )
        return _png(fig), SIDE_MAP_SIZE[0] / SIDE_MAP_SIZE[1]
