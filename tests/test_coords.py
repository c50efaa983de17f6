"""Tests for dashboard.coords against published reference points, in metres."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from numpy.typing import ArrayLike
from pyproj import Geod

from dashboard.core.coords import (
    bd09_to_gcj02,
    bd09_to_wgs84,
    convert,
    convert_geometry,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    in_china,
    wgs84_to_bd09,
    wgs84_to_gcj02,
)

GEOD = Geod(ellps="WGS84")

# Tiananmen, (116.404, 39.915): the example of wandergis/coordtransform
# (README.md and test/app.js), reused by hutool's CoordinateUtilTest.
TIANANMEN = (116.404, 39.915)


def metres(a: tuple[ArrayLike, ArrayLike], b: tuple[ArrayLike, ArrayLike]) -> np.ndarray:
    """Geodesic distance between two (lng, lat) points or arrays of points."""
    lng_a, lat_a = np.broadcast_arrays(*map(np.asarray, a))
    lng_b, lat_b = np.broadcast_arrays(*map(np.asarray, b))
    _, _, dist = GEOD.inv(lng_a.ravel(), lat_a.ravel(), lng_b.ravel(), lat_b.ravel())
    return np.asarray(dist)


@pytest.mark.parametrize(
    ("func", "point", "expected"),
    [
        # wandergis/coordtransform README: forward formulas at Tiananmen.
        (wgs84_to_gcj02, TIANANMEN, (116.41024449916938, 39.91640428150164)),
        (gcj02_to_bd09, TIANANMEN, (116.41036949371029, 39.92133699351021)),
        # geocraft README (same algorithm): the WGS-84 -> BD-09 chain.
        (wgs84_to_bd09, TIANANMEN, (116.41662724378733, 39.922699552216216)),
        # googollee/eviltransform go/transform_test.go: Shanghai, Shenzhen, Beijing.
        (wgs84_to_gcj02, (121.5272106, 31.1774276), (121.531541859215, 31.17530398364597)),
        (wgs84_to_gcj02, (113.912316, 22.543847), (113.9171764808363, 22.540796131694766)),
        (wgs84_to_gcj02, (116.377817, 39.911954), (116.38404722455657, 39.91334545536069)),
    ],
    ids=["tiananmen-gcj", "tiananmen-bd", "tiananmen-wgs-bd", "shanghai", "shenzhen", "beijing"],
)
def test_forward_matches_published_values(func, point, expected) -> None:
    assert metres(func(*point), expected)[0] < 0.01


@pytest.mark.parametrize(
    ("func", "point", "expected", "tolerance_m"),
    [
        # The sources invert with one-step closed forms (good to about a metre); ours
        # iterates to the exact inverse, so the two agree to within that error.
        (gcj02_to_wgs84, TIANANMEN, (116.39775550083061, 39.91359571849836), 0.1),
        (bd09_to_gcj02, TIANANMEN, (116.39762729119315, 39.90865673957631), 0.1),
        (bd09_to_wgs84, TIANANMEN, (116.3913836995125, 39.907253214522164), 0.5),
        # eviltransform pairs read backwards: the GCJ-02 value gives back the GPS point.
        (gcj02_to_wgs84, (121.531541859215, 31.17530398364597), (121.5272106, 31.1774276), 0.01),
        (gcj02_to_wgs84, (113.9171764808363, 22.540796131694766), (113.912316, 22.543847), 0.01),
        (gcj02_to_wgs84, (116.38404722455657, 39.91334545536069), (116.377817, 39.911954), 0.01),
    ],
    ids=["tiananmen-wgs", "tiananmen-gcj", "tiananmen-bd-wgs", "shanghai", "shenzhen", "beijing"],
)
def test_inverse_matches_published_values(func, point, expected, tolerance_m) -> None:
    assert metres(func(*point), expected)[0] < tolerance_m


def test_offset_in_beijing_is_hundreds_of_metres() -> None:
    # Why the module exists: unconverted points land in the wrong grid.
    shift = metres(wgs84_to_gcj02(*TIANANMEN), TIANANMEN)[0]
    assert 400 < shift < 700


@pytest.fixture(scope="module")
def china_points() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(20240601)
    return rng.uniform(73.5, 135.0, 50_000), rng.uniform(18.0, 53.5, 50_000)


@pytest.mark.parametrize(
    ("forward", "inverse"),
    [
        (wgs84_to_gcj02, gcj02_to_wgs84),
        (gcj02_to_bd09, bd09_to_gcj02),
        (wgs84_to_bd09, bd09_to_wgs84),
    ],
    ids=["wgs-gcj", "gcj-bd", "wgs-bd"],
)
def test_round_trip_is_under_half_a_metre(forward, inverse, china_points) -> None:
    lng, lat = china_points
    back = inverse(*forward(lng, lat))
    error = metres(back, (lng, lat))
    assert error.max() < 0.5
    # In practice the iteration reaches double precision.
    assert error.max() < 1e-3


@pytest.mark.parametrize(
    "point",
    [(-104.9903, 39.7392), (153.0251, -27.4698), (0.0, 0.0), (2.3522, 48.8566)],
    ids=["denver", "brisbane", "null-island", "paris"],
)
@pytest.mark.parametrize(
    "func", [wgs84_to_gcj02, gcj02_to_wgs84, gcj02_to_bd09, bd09_to_gcj02, wgs84_to_bd09, bd09_to_wgs84]
)
def test_points_outside_china_are_unchanged(func, point) -> None:
    lng, lat = func(*point)
    assert (float(lng), float(lat)) == point


def test_in_china_box() -> None:
    # Mohe (northernmost county seat) and Fuyuan (easternmost) are inside; Tokyo is not.
    inside = in_china([122.53, 134.29, 139.69, np.nan], [52.97, 48.36, 35.69, 30.0])
    assert inside.tolist() == [True, True, False, False]


def test_arrays_keep_shape_and_mix_inside_and_outside() -> None:
    lng = np.array([[116.404, 0.0, 121.5272106], [-104.9903, 116.404, np.nan]])
    lat = np.array([[39.915, 0.0, 31.1774276], [39.7392, 39.915, 30.0]])
    gx, gy = wgs84_to_gcj02(lng, lat)
    assert gx.shape == gy.shape == (2, 3)
    assert (gx[0, 1], gy[0, 1]) == (0.0, 0.0)
    assert (gx[1, 0], gy[1, 0]) == (-104.9903, 39.7392)
    assert np.isnan(gx[1, 2])
    assert gx[0, 0] == gx[1, 1] == pytest.approx(116.41024449916938, abs=1e-12)
    # Inputs are not modified.
    assert lng[0, 0] == 116.404


def test_scalar_in_scalar_out() -> None:
    lng, lat = gcj02_to_bd09(*TIANANMEN)
    assert np.ndim(lng) == 0
    assert round(float(lat), 8) == 39.92133699


def test_convert_dispatches_and_validates() -> None:
    x, y = convert([116.404], [39.915], "wgs84", "gcj02")
    assert metres((x, y), (116.41024449916938, 39.91640428150164))[0] < 0.01
    same = convert([116.404], [39.915], "gcj02", "gcj02")
    assert same[0].tolist() == [116.404]
    with pytest.raises(ValueError, match="dst must be one of"):
        convert(116.404, 39.915, "wgs84", "mars")  # type: ignore[arg-type]


def test_convert_geometry_moves_every_vertex_and_keeps_z() -> None:
    ring = [(116.39, 39.90), (116.40, 39.90), (116.40, 39.91), (116.39, 39.91), (116.39, 39.90)]
    polygon = shapely.Polygon(ring)
    converted = convert_geometry(polygon, "wgs84", "gcj02")
    expected_x, expected_y = wgs84_to_gcj02(*np.array(ring).T)
    got = shapely.get_coordinates(converted)
    np.testing.assert_allclose(got[:, 0], expected_x, atol=1e-12)
    np.testing.assert_allclose(got[:, 1], expected_y, atol=1e-12)
    assert converted.is_valid

    point_z = convert_geometry(shapely.Point(116.404, 39.915, 43.5), "wgs84", "bd09")
    assert point_z.has_z and point_z.z == 43.5

    many = convert_geometry(np.array([shapely.Point(TIANANMEN), None, shapely.Point(0, 0)]), "gcj02", "bd09")
    assert many[1] is None
    assert many[2].equals(shapely.Point(0, 0))
    assert metres((many[0].x, many[0].y), (116.41036949371029, 39.92133699351021))[0] < 0.01


def test_convert_geometry_round_trip() -> None:
    line = shapely.LineString([(116.3, 39.8), (116.5, 40.0), (116.7, 39.9)])
    back = convert_geometry(convert_geometry(line, "wgs84", "bd09"), "bd09", "wgs84")
    error = metres(tuple(shapely.get_coordinates(back).T), tuple(shapely.get_coordinates(line).T))
    assert error.max() < 1e-3
