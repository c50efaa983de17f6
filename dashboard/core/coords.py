"""Convert coordinates between WGS-84, GCJ-02 (AMap/Gaode, Tencent) and BD-09 (Baidu).

GCJ-02 is the obfuscated datum required for maps published in mainland China; BD-09
adds Baidu's own offset on top of it. Data from GPS devices and from Tianditu are
WGS-84 (CGCS2000 agrees with WGS-84 to well under a metre); coordinates picked on AMap
are GCJ-02 and on Baidu Map BD-09. The offsets are 100-700 m, enough to put a
building in the wrong grid.

The forward formulas are the published ones (as in wandergis/coordtransform and
googollee/eviltransform, Krasovsky ellipsoid constants). The inverses are computed by
fixed-point iteration on the forward formulas, so a round trip agrees to far better
than a millimetre. Points outside China's bounding box (:data:`CHINA_BBOX`) are
returned unchanged by every function, as map providers do.

All functions take longitude first (x, y), like GeoJSON and shapely, and accept
scalars or numpy arrays of any matching shape.

>>> lng, lat = wgs84_to_gcj02(116.404, 39.915)
>>> round(float(lng), 6), round(float(lat), 6)
(116.410244, 39.916404)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal, TypeVar

import numpy as np
import shapely
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "CHINA_BBOX",
    "Box",
    "Datum",
    "bd09_to_gcj02",
    "bd09_to_wgs84",
    "convert",
    "convert_geometry",
    "gcj02_to_bd09",
    "gcj02_to_wgs84",
    "in_box",
    "in_china",
    "wgs84_to_bd09",
    "wgs84_to_gcj02",
]

Datum = Literal["wgs84", "gcj02", "bd09"]
FloatArray = NDArray[np.float64]
Geometry = TypeVar("Geometry", shapely.Geometry, NDArray[np.object_])

# Krasovsky 1940 ellipsoid, as in the published GCJ-02 formulas.
_A = 6378245.0
_EE = 0.00669342162296594323
_X_PI = np.pi * 3000.0 / 180.0

CHINA_BBOX = (72.004, 0.8293, 137.8347, 55.8271)
"""(min_lng, min_lat, max_lng, max_lat): where the offsets apply (eviltransform's box).

Generous on purpose: it contains all of mainland China, including Mohe (53.56 N) and
Fuyuan (135.08 E), which a tighter box drops."""

_MAX_ITER = 30
_TOL_DEG = 1e-12  # ~0.1 micrometre; iterations stop well before _MAX_ITER


Box = tuple[float, float, float, float]


def in_box(lng: ArrayLike, lat: ArrayLike, box: Box) -> NDArray[np.bool_]:
    """True where a point lies inside ``box`` = (west, south, east, north) (NaN counts as outside).

    >>> in_box([13.4, 52.5], [52.5, 13.4], (13.0, 52.3, 13.8, 52.7)).tolist()
    [True, False]
    """
    x, y = np.asarray(lng, dtype=np.float64), np.asarray(lat, dtype=np.float64)
    min_x, min_y, max_x, max_y = box
    return (x >= min_x) & (x <= max_x) & (y >= min_y) & (y <= max_y)


def in_china(lng: ArrayLike, lat: ArrayLike) -> NDArray[np.bool_]:
    """True where a point lies inside :data:`CHINA_BBOX`, where the datum offsets apply (NaN counts as outside).

    The import's region (``[region] bbox``) is a setting and may differ: see :func:`in_box`.
    """
    return in_box(lng, lat, CHINA_BBOX)


def _gcj_delta(lng: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    """The GCJ-02 shift in degrees at a WGS-84 point (unmasked)."""
    x = lng - 105.0
    y = lat - 35.0
    common = (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    sqrt_abs_x = np.sqrt(np.abs(x))
    dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * sqrt_abs_x
    dlat += common
    dlat += (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
    dlat += (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    dlng = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * sqrt_abs_x
    dlng += common
    dlng += (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
    dlng += (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0

    rad_lat = lat / 180.0 * np.pi
    magic = 1.0 - _EE * np.sin(rad_lat) ** 2
    sqrt_magic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1.0 - _EE)) / (magic * sqrt_magic) * np.pi)
    dlng = (dlng * 180.0) / (_A / sqrt_magic * np.cos(rad_lat) * np.pi)
    return dlng, dlat


def _gcj_to_bd_raw(lng: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    z = np.hypot(lng, lat) + 0.00002 * np.sin(lat * _X_PI)
    theta = np.arctan2(lat, lng) + 0.000003 * np.cos(lng * _X_PI)
    return z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006


def _bd_to_gcj_approx(lng: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    # The published closed-form inverse: good to about a metre, a starting point here.
    x = lng - 0.0065
    y = lat - 0.006
    z = np.hypot(x, y) - 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _X_PI)
    return z * np.cos(theta), z * np.sin(theta)


Transform = Callable[[FloatArray, FloatArray], tuple[FloatArray, FloatArray]]


def _invert(
    forward: Transform,
    lng: FloatArray,
    lat: FloatArray,
    start: tuple[FloatArray, FloatArray],
) -> tuple[FloatArray, FloatArray]:
    """Solve forward(x, y) == (lng, lat) by fixed-point iteration from ``start``.

    The offsets vary slowly (their derivative is ~1e-4), so each step gains about four
    digits; two or three steps reach double precision in practice.
    """
    x, y = start
    for _ in range(_MAX_ITER):
        fx, fy = forward(x, y)
        dx, dy = lng - fx, lat - fy
        x, y = x + dx, y + dy
        if not (
            np.nanmax(np.abs(dx), initial=0.0) > _TOL_DEG or np.nanmax(np.abs(dy), initial=0.0) > _TOL_DEG
        ):
            break
    return x, y


def _masked(func: Transform, lng: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
    x = np.asarray(lng, dtype=np.float64)
    y = np.asarray(lat, dtype=np.float64)
    if x.shape != y.shape:
        x, y = np.broadcast_arrays(x, y)
    inside = in_china(x, y)
    if not inside.any():
        return x.copy(), y.copy()
    out_x, out_y = x.copy(), y.copy()
    new_x, new_y = func(x[inside], y[inside])
    out_x[inside], out_y[inside] = new_x, new_y
    return out_x, out_y


def _wgs_to_gcj(lng: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    dlng, dlat = _gcj_delta(lng, lat)
    return lng + dlng, lat + dlat


def _gcj_to_wgs(lng: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    dlng, dlat = _gcj_delta(lng, lat)
    return _invert(_wgs_to_gcj, lng, lat, (lng - dlng, lat - dlat))


def _bd_to_gcj(lng: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    return _invert(_gcj_to_bd_raw, lng, lat, _bd_to_gcj_approx(lng, lat))


def _wgs_to_bd(lng: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    return _gcj_to_bd_raw(*_wgs_to_gcj(lng, lat))


def _bd_to_wgs(lng: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    return _gcj_to_wgs(*_bd_to_gcj(lng, lat))


def wgs84_to_gcj02(lng: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """WGS-84 to GCJ-02 (the published forward formula)."""
    return _masked(_wgs_to_gcj, lng, lat)


def gcj02_to_wgs84(lng: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """GCJ-02 to WGS-84, inverting :func:`wgs84_to_gcj02` by iteration (error < 1 mm)."""
    return _masked(_gcj_to_wgs, lng, lat)


def gcj02_to_bd09(lng: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """GCJ-02 to BD-09 (Baidu's published forward formula)."""
    return _masked(_gcj_to_bd_raw, lng, lat)


def bd09_to_gcj02(lng: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """BD-09 to GCJ-02, inverting :func:`gcj02_to_bd09` by iteration.

    The usual closed-form inverse is off by up to about a metre; this is exact.
    """
    return _masked(_bd_to_gcj, lng, lat)


def wgs84_to_bd09(lng: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """WGS-84 to BD-09 (through GCJ-02)."""
    return _masked(_wgs_to_bd, lng, lat)


def bd09_to_wgs84(lng: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """BD-09 to WGS-84 (through GCJ-02)."""
    return _masked(_bd_to_wgs, lng, lat)


_CONVERSIONS: dict[tuple[Datum, Datum], Transform] = {
    ("wgs84", "gcj02"): _wgs_to_gcj,
    ("gcj02", "wgs84"): _gcj_to_wgs,
    ("gcj02", "bd09"): _gcj_to_bd_raw,
    ("bd09", "gcj02"): _bd_to_gcj,
    ("wgs84", "bd09"): _wgs_to_bd,
    ("bd09", "wgs84"): _bd_to_wgs,
}
DATUMS: tuple[Datum, ...] = ("wgs84", "gcj02", "bd09")


def _check_datum(name: str, value: object) -> None:
    if value not in DATUMS:
        raise ValueError(f"{name} must be one of {DATUMS}, got {value!r}")


def convert(lng: ArrayLike, lat: ArrayLike, src: Datum, dst: Datum) -> tuple[FloatArray, FloatArray]:
    """Convert coordinates from datum ``src`` to datum ``dst``.

    >>> x, y = convert([116.404], [39.915], "bd09", "bd09")
    >>> x.tolist(), y.tolist()
    ([116.404], [39.915])
    """
    _check_datum("src", src)
    _check_datum("dst", dst)
    if src == dst:
        x, y = np.asarray(lng, dtype=np.float64), np.asarray(lat, dtype=np.float64)
        return x.copy(), y.copy()
    return _masked(_CONVERSIONS[(src, dst)], lng, lat)


def convert_geometry(geometry: Geometry, src: Datum, dst: Datum) -> Geometry:
    """Convert every vertex of a shapely geometry (or an array of them).

    Z values are kept. Works on a GeoSeries' ``.values`` too; for a GeoDataFrame use
    ``gdf.set_geometry(convert_geometry(gdf.geometry.values, "wgs84", "gcj02"))``.

    >>> from shapely import Point
    >>> convert_geometry(Point(0, 0), "wgs84", "gcj02").wkt  # outside China
    'POINT (0 0)'
    """
    _check_datum("src", src)
    _check_datum("dst", dst)

    def transform(x: FloatArray, y: FloatArray, z: FloatArray | None = None) -> tuple[FloatArray, ...]:
        new_x, new_y = convert(x, y, src, dst)
        return (new_x, new_y) if z is None else (new_x, new_y, z)

    converted: Geometry = shapely.transform(geometry, transform, include_z=None, interleaved=False)
    return converted
