"""Point folium maps at the browser assets vendored in ``static/`` instead of public CDNs.

Folium elements list their JavaScript and CSS in ``default_js`` / ``default_css`` as CDN
URLs, and streamlit-folium hands those lists to the browser, which loads them one by one
and gives up on the map when one fails. On an intranet with no outside network that is a
blank map. This module rewrites every such URL to ``/app/static/...`` (Streamlit's static
file serving) and refuses, with the offending URL in the message, anything it has no
local copy of.

Examples
--------
>>> import folium
>>> m = offline_map(location=[39.91, 116.40], zoom_start=12)
>>> _ = folium.GeoJson({"type": "FeatureCollection", "features": []}).add_to(m)
>>> all(url.startswith("/app/static/") for url in linked_urls(render_html(m)))
True
"""

from __future__ import annotations

import base64
import html as html_lib
import mimetypes
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import branca.colormap
import folium
import folium.plugins
from branca.element import CssLink, Element, Figure, JavascriptLink, MacroElement
from folium.elements import JSCSSMixin
from folium.template import Template

__all__ = [
    "ASSETS",
    "LEAFLET_PREFIX",
    "STATIC_DIR",
    "STATIC_URL",
    "Asset",
    "AttributionPrefix",
    "OfflineAssetError",
    "OfflineMap",
    "PngControl",
    "linked_urls",
    "local_url",
    "localize",
    "offline_map",
    "png_control",
    "render_html",
]

STATIC_URL = "/app/static"
"""Where Streamlit serves ``static/`` when ``server.enableStaticServing`` is on."""

STATIC_DIR = Path(__file__).resolve().parents[2] / "static"
"""The vendored files (see ``static/README.md``)."""

ColormapPolicy = Literal["error", "drop"]

LEAFLET_PREFIX = "Leaflet"
"""Attribution prefix of offline maps: Leaflet's credit as plain text.

Leaflet 1.9's own prefix is a link to leafletjs.com with a national flag icon; the link
leads out of the intranet, and a foreign flag on a government screen invites questions."""


class OfflineAssetError(ValueError):
    """A map needs a browser asset that is only available from the internet."""


@dataclass(frozen=True)
class Asset:
    """A vendored file, and a pattern matching the CDN URLs folium uses for it.

    ``path`` is relative to ``static/``; ``None`` means folium asks for the file but
    the dashboard does not need it, so the link is dropped rather than vendored.
    """

    pattern: str
    path: str | None
    why_dropped: str = ""


ASSETS: tuple[Asset, ...] = (
    Asset(r"/leaflet@1\.9\.\d+/dist/leaflet\.js$", "leaflet/leaflet.js"),
    Asset(r"/leaflet@1\.9\.\d+/dist/leaflet\.css$", "leaflet/leaflet.css"),
    Asset(r"/jquery-3\.7\.\d+\.min\.js$|/jquery/3\.7\.\d+/jquery\.min\.js$", "jquery/jquery.min.js"),
    Asset(r"/bootstrap@5\.[\d.]+/dist/js/bootstrap\.bundle\.min\.js$", "bootstrap/bootstrap.bundle.min.js"),
    Asset(r"/bootstrap@5\.[\d.]+/dist/css/bootstrap\.min\.css$", "bootstrap/bootstrap.min.css"),
    Asset(r"/leaflet\.awesome-markers(\.min)?\.js$", "awesome-markers/leaflet.awesome-markers.min.js"),
    Asset(r"/leaflet\.awesome-markers\.css$", "awesome-markers/leaflet.awesome-markers.css"),
    Asset(r"/leaflet_heat\.min\.js$", "leaflet-heat/leaflet_heat.min.js"),
    Asset(r"/leaflet\.markercluster(-src)?\.js$", "markercluster/leaflet.markercluster.js"),
    Asset(r"/MarkerCluster\.css$", "markercluster/MarkerCluster.css"),
    Asset(r"/MarkerCluster\.Default\.css$", "markercluster/MarkerCluster.Default.css"),
    Asset(r"/Control\.FullScreen(\.min)?\.js$", "fullscreen/Control.FullScreen.js"),
    Asset(r"/Control\.FullScreen\.css$", "fullscreen/Control.FullScreen.css"),
    Asset(r"/Control\.MiniMap(\.min)?\.js$", "minimap/Control.MiniMap.min.js"),
    Asset(r"/Control\.MiniMap(\.min)?\.css$", "minimap/Control.MiniMap.min.css"),
    Asset(
        r"/leaflet-simple-map-screenshoter@0\.5\.\d+/dist/leaflet-simple-map-screenshoter(\.min)?\.js$",
        "screenshoter/leaflet-simple-map-screenshoter.js",
    ),
    # Icon fonts for folium.Icon glyphs. Markers keep their coloured pin without them;
    # the fonts would add ~0.5 MB for a feature the dashboard does not use.
    Asset(r"/bootstrap-glyphicons\.css$", None, "Bootstrap 3 glyph font for folium.Icon(prefix='glyphicon')"),
    Asset(r"/fontawesome-free@[\d.]+/css/all\.min\.css$", None, "Font Awesome for folium.Icon(prefix='fa')"),
    Asset(r"/leaflet\.awesome\.rotate(\.min)?\.css$", None, "rotation classes for folium.Icon(angle=...)"),
)

_COMPILED = tuple((re.compile(a.pattern), a) for a in ASSETS)
_REMOTE = re.compile(r"^(?:[a-z][a-z0-9+.-]*:)?//", re.IGNORECASE)
# Kept on each element the first time it is localized, so that localizing again with
# another base URL starts from folium's CDN URLs rather than from local ones.
_CDN_JS = "_offline_cdn_js"
_CDN_CSS = "_offline_cdn_css"


def local_url(url: str, base_url: str = STATIC_URL) -> str | None:
    """Return the local URL for a CDN ``url``, or ``None`` when it is deliberately dropped.

    URLs that are already local (no scheme, no ``//`` host) come back unchanged.

    >>> import folium
    >>> local_url(dict(folium.Map.default_js)["leaflet"])  # folium's own (CDN) URL for Leaflet
    '/app/static/leaflet/leaflet.js'
    >>> local_url(dict(folium.Map.default_css)["glyphicons_css"]) is None  # not needed: dropped
    True

    Raises
    ------
    OfflineAssetError
        When ``url`` is remote and nothing in ``static/`` stands in for it.
    """
    if not _REMOTE.match(url):
        return url
    for pattern, asset in _COMPILED:
        if pattern.search(url):
            return None if asset.path is None else f"{base_url.rstrip('/')}/{asset.path}"
    raise OfflineAssetError(
        f"No vendored copy of {url!r}. Add it to static/ (static/fetch_assets.sh) "
        "and to dashboard.map_assets.ASSETS, or do not use the element that needs it."
    )


def _walk(element: Element) -> Iterator[Element]:
    yield element
    if isinstance(element, folium.plugins.DualMap):
        yield from _walk(element.m1)
        yield from _walk(element.m2)
    for child in list(element._children.values()):
        yield from _walk(child)


def _localize_links(element: Element, attr: str, saved: str, base_url: str) -> None:
    if not hasattr(element, saved):
        setattr(element, saved, list(getattr(element, attr, None) or []))
    links: list[tuple[str, str]] = getattr(element, saved)
    localized = [(name, local_url(url, base_url)) for name, url in links]
    # An instance attribute: folium's own add_js_link() edits the class-level list,
    # which would change every map in the process.
    setattr(element, attr, [(name, url) for name, url in localized if url is not None])


def _handle_colormap(cm: branca.colormap.ColorMap, policy: ColormapPolicy) -> None:
    # branca draws colormap legends with d3 from a CDN, and streamlit-folium adds two
    # d3 CDN URLs of its own whenever it finds a ColorMap, whatever default_js says.
    if policy == "error":
        raise OfflineAssetError(
            f"{type(cm).__name__} legends need d3 from a CDN (added by branca and by "
            "streamlit-folium). Draw the legend outside the map, or pass "
            "colormaps='drop' to remove it (choropleth colours are kept)."
        )
    parent = cm._parent
    if parent is None:
        return
    for name, child in list(parent._children.items()):
        if child is cm:
            del parent._children[name]
    if isinstance(parent, folium.Choropleth) and parent.color_scale is cm:
        parent.color_scale = None


def localize(m: Element, base_url: str = STATIC_URL, *, colormaps: ColormapPolicy = "error") -> Element:
    """Rewrite the JS/CSS links of ``m`` and all its descendants to local files.

    Works in place (folium maps are builders) and returns ``m`` for chaining. Call it
    after the last layer or plugin is added, or use :func:`offline_map`, whose map
    does it again each time it renders.

    Parameters
    ----------
    m
        A ``folium.Map`` (or any folium element).
    base_url
        Prefix for the vendored files: ``/app/static`` under Streamlit, a relative
        path such as ``static`` for an HTML file saved next to a copy of ``static/``.
    colormaps
        What to do with branca colormap legends, which cannot work offline:
        ``"error"`` raises :class:`OfflineAssetError`, ``"drop"`` removes them.

    Raises
    ------
    OfflineAssetError
        When an element needs a remote file that is not vendored.
    """
    for element in _walk(m):
        if isinstance(element, branca.colormap.ColorMap):
            _handle_colormap(element, colormaps)
            continue
        if hasattr(element, "default_js") or hasattr(element, _CDN_JS):
            _localize_links(element, "default_js", _CDN_JS, base_url)
        if hasattr(element, "default_css") or hasattr(element, _CDN_CSS):
            _localize_links(element, "default_css", _CDN_CSS, base_url)
    return m


class AttributionPrefix(MacroElement):
    """Replace the text Leaflet puts before the attributions (bottom right)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        if ({{ this._parent.get_name() }}.attributionControl) {
            {{ this._parent.get_name() }}.attributionControl.setPrefix({{ this.prefix|tojson }});
        }
        {% endmacro %}
        """
    )

    def __init__(self, prefix: str) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._name = "AttributionPrefix"
        self.prefix = prefix


SCREENSHOTER_CDN = "https://cdn.jsdelivr.net/npm/leaflet-simple-map-screenshoter@0.5.0/dist/leaflet-simple-map-screenshoter.js"
CAPTION_FONT = "Noto Sans CJK SC, Source Han Sans SC, Microsoft YaHei, PingFang SC, sans-serif"


class PngControl(JSCSSMixin, MacroElement):
    """A map button that downloads the current view as a PNG, legend included (nothing leaves the browser).

    leaflet-simple-map-screenshoter (vendored in ``static/screenshoter/``) draws the map's
    container with dom-to-image; the zoom and layer buttons are hidden for the picture. The
    dashboard's legend is drawn outside Leaflet's container, so the control moves it inside
    first. ``name`` is the file name without ``.png``; ``caption`` a line under the picture.
    (streamlit-folium loads the scripts of ``JSCSSMixin`` elements only.)
    """

    default_js = [("leaflet-simple-map-screenshoter", SCREENSHOTER_CDN)]  # noqa: RUF012 (as in folium)
    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function (map) {
            var box = map.getContainer();
            document.querySelectorAll(".grid-legend").forEach(function (legend) {
                if (legend.parentNode !== box) { box.appendChild(legend); }
            });
            var control = L.simpleMapScreenshoter({
                position: "topleft",
                screenName: {{ this.name|tojson }},
                caption: {{ this.caption|tojson }},
                captionFont: {{ this.font|tojson }},
                captionFontSize: 18,
                captionOffset: 8,
                cropImageByInnerWH: true,
                mimeType: "image/png",
                hideElementsWithSelectors: [".leaflet-control-container"]
            }).addTo(map);
            var link = control.getContainer().querySelector("a");
            if (link) {
                link.title = {{ this.title|tojson }};
                link.setAttribute("aria-label", {{ this.title|tojson }});
                link.setAttribute("role", "button");
            }
        })({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, name: str = "map", caption: str | None = None, title: str = "PNG") -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._name = "PngControl"
        self.name = name
        self.caption = caption
        self.title = title
        self.font = CAPTION_FONT


def png_control(m: Element) -> PngControl | None:
    """The map's PNG button (to give its file a name and a caption), if it has one."""
    for element in _walk(m):
        if isinstance(element, PngControl):
            return element
    return None


class OfflineMap(folium.Map):
    """A ``folium.Map`` that localizes itself and its children whenever it renders.

    ``st_folium`` renders the map before it collects the asset lists, so layers and
    plugins added after construction are covered without an explicit ``localize``.
    """

    def __init__(
        self,
        *args: Any,
        base_url: str = STATIC_URL,
        colormaps: ColormapPolicy = "error",
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.offline_base_url = base_url
        self.offline_colormaps: ColormapPolicy = colormaps
        localize(self, base_url, colormaps=colormaps)

    def render(self, **kwargs: Any) -> str:
        localize(self, self.offline_base_url, colormaps=self.offline_colormaps)
        return super().render(**kwargs)  # type: ignore[no-untyped-call,no-any-return]


def offline_map(
    *,
    base_url: str = STATIC_URL,
    colormaps: ColormapPolicy = "error",
    attribution_prefix: str | None = LEAFLET_PREFIX,
    png: bool = True,
    **folium_map_kwargs: Any,
) -> OfflineMap:
    """Make a folium map that loads nothing from the internet.

    ``tiles`` defaults to ``None`` (no basemap): boundaries drawn from data are the
    context. Pass a tile URL template and ``attr`` for an intranet tile server.
    ``attribution_prefix`` replaces Leaflet's linked, flagged prefix (see
    :data:`LEAFLET_PREFIX`); ``None`` keeps Leaflet's own. ``png`` adds the
    :class:`PngControl` button that downloads the current view as a picture.

    >>> m = offline_map(location=[39.91, 116.40], zoom_start=13)
    >>> m.default_js[0]
    ('leaflet', '/app/static/leaflet/leaflet.js')
    """
    folium_map_kwargs.setdefault("tiles", None)
    m = OfflineMap(base_url=base_url, colormaps=colormaps, **folium_map_kwargs)
    if attribution_prefix is not None:
        m.add_child(AttributionPrefix(attribution_prefix))
    if png:
        m.add_child(PngControl())
    return m


_LINK_TAG = re.compile(
    r"<script\b[^>]*\bsrc\s*=\s*[\"']([^\"']+)[\"'][^>]*>"
    r"|<link\b[^>]*\bhref\s*=\s*[\"']([^\"']+)[\"'][^>]*>",
    re.IGNORECASE,
)


def linked_urls(page: str) -> list[str]:
    """The URLs of every ``<script src>`` and ``<link href>`` in an HTML page, in order."""
    return [html_lib.unescape(a or b) for a, b in _LINK_TAG.findall(page)]


def _localize_header(figure: Figure, base_url: str) -> None:
    # A figure rendered before (st_folium renders it) still holds CDN links, including
    # ones that localize() drops; elements add their links again while rendering.
    for name, child in list(figure.header._children.items()):
        if isinstance(child, (JavascriptLink, CssLink)):
            url = local_url(child.url, base_url)
            if url is None:
                del figure.header._children[name]
            else:
                child.url = url


def _data_uri(path: Path) -> str:
    mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return f"data:{mime};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"


def _inline_css(path: Path) -> str:
    def embed(match: re.Match[str]) -> str:
        ref = match.group(2)
        target = (path.parent / ref).resolve()
        if _REMOTE.match(ref) or ref.startswith(("data:", "#")) or not target.is_file():
            return match.group(0)
        return f'url("{_data_uri(target)}")'

    return re.sub(r"url\(\s*(['\"]?)([^'\")]+)\1\s*\)", embed, path.read_text("utf-8"))


def _inline_assets(page: str, base_url: str) -> str:
    prefix = base_url.rstrip("/") + "/"

    def local_file(url: str) -> Path | None:
        return STATIC_DIR / url[len(prefix) :] if url.startswith(prefix) else None

    def script(match: re.Match[str]) -> str:
        path = local_file(html_lib.unescape(match.group(1)))
        if path is None:
            return match.group(0)
        code = path.read_text("utf-8").replace("</script", "<\\/script")
        return f"<script>{code}</script>"

    def style(match: re.Match[str]) -> str:
        path = local_file(html_lib.unescape(match.group(1)))
        if path is None:
            return match.group(0)
        return f"<style>{_inline_css(path)}</style>"

    page = re.sub(r"<script\b[^>]*\bsrc=\"([^\"]+)\"[^>]*>\s*</script>", script, page)
    return re.sub(r"<link\b[^>]*\brel=\"stylesheet\"[^>]*\bhref=\"([^\"]+)\"[^>]*/?>", style, page)


def render_html(
    m: folium.Map,
    base_url: str = STATIC_URL,
    *,
    inline: bool = False,
    colormaps: ColormapPolicy | None = None,
) -> str:
    """Render the whole HTML page of ``m`` with local assets.

    Parameters
    ----------
    m
        The map. A plain ``folium.Map`` is localized in place with ``base_url``; an
        :class:`OfflineMap` keeps its own base URL for later renders.
    base_url
        Prefix of the asset URLs in the page. ``"/app/static"`` suits a page served by
        the dashboard; ``"static"`` suits a file saved next to a copy of ``static/``.
    inline
        Embed every script, stylesheet and CSS image in the page, so that one HTML file
        works alone (about 0.6 MB more). ``base_url`` then only has to be consistent.
    colormaps
        See :func:`localize`; by default the map's own policy for an
        :class:`OfflineMap`, otherwise ``"error"``.

    Raises
    ------
    OfflineAssetError
        When the rendered page would still link to a remote script or stylesheet.
    """
    figure = m.get_root()
    if not isinstance(figure, Figure):
        raise TypeError(f"{type(m).__name__} is not attached to a branca Figure")
    if colormaps is None:
        colormaps = m.offline_colormaps if isinstance(m, OfflineMap) else "error"
    localize(m, base_url, colormaps=colormaps)
    _localize_header(figure, base_url)
    if isinstance(m, OfflineMap):
        # Render with this base URL, then leave the map as it was for st_folium.
        saved = m.offline_base_url, m.offline_colormaps
        m.offline_base_url, m.offline_colormaps = base_url, colormaps
        try:
            page = figure.render()
        finally:
            m.offline_base_url, m.offline_colormaps = saved
            localize(m, m.offline_base_url, colormaps=m.offline_colormaps)
    else:
        page = figure.render()
    remote = [url for url in linked_urls(page) if _REMOTE.match(url)]
    if remote:
        raise OfflineAssetError(f"The page still links to remote files: {remote}")
    if inline:
        page = _inline_assets(page, base_url)
    return page
