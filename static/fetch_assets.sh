#!/usr/bin/env bash
# Re-fetch the vendored browser assets in static/ from the npm registry (and one
# file from the folium wheel on PyPI). For maintainers; CI never runs this.
#
# Usage: static/fetch_assets.sh        (from anywhere; needs npm, pip, unzip)
#
# After running, check `git diff --stat static/` and update static/README.md if
# a version changed. dashboard/maps/assets.py maps folium's CDN URLs to these paths.
set -euo pipefail

STATIC="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

FOLIUM_VERSION="0.20.0"
PACKAGES=(
  leaflet@1.9.4
  jquery@3.7.1
  bootstrap@5.2.2
  leaflet.awesome-markers@2.0.5
  leaflet.heat@0.2.0
  leaflet.markercluster@1.1.0
  leaflet.fullscreen@3.0.0
  leaflet-minimap@3.6.1
  leaflet-simple-map-screenshoter@0.5.0
  dom-to-image-more@3.11.0
  file-saver@2.0.5
)

for spec in "${PACKAGES[@]}"; do
  name="${spec%@*}"
  mkdir -p "$TMP/$name"
  (cd "$TMP" && npm pack "$spec" --silent >/dev/null)
  tar -xzf "$TMP"/"${name//\//-}"-*.tgz -C "$TMP/$name"
done

# folium ships its own leaflet.heat build (with the weights fix from
# Leaflet/Leaflet.heat#78) inside the wheel; HeatMap points at that copy.
pip download --quiet --no-deps --only-binary=:all: "folium==$FOLIUM_VERSION" -d "$TMP/folium"
unzip -q -o "$TMP"/folium/folium-*.whl -d "$TMP/folium/whl"

P() { echo "$TMP/$1/package"; }

# Replace only the folders this script owns; project files such as favicon.png stay.
VENDORED_DIRS=(leaflet jquery bootstrap awesome-markers leaflet-heat markercluster fullscreen minimap screenshoter licenses)
for dir in "${VENDORED_DIRS[@]}"; do rm -rf "${STATIC:?}/$dir"; done
mkdir -p "$STATIC"/{leaflet/images,jquery,bootstrap,awesome-markers/images,leaflet-heat,markercluster,fullscreen,minimap/images,screenshoter,licenses}

cp "$(P leaflet)"/dist/leaflet.js "$(P leaflet)"/dist/leaflet.css "$STATIC/leaflet/"
cp "$(P leaflet)"/dist/images/*.png "$STATIC/leaflet/images/"
cp "$(P jquery)"/dist/jquery.min.js "$STATIC/jquery/"
cp "$(P bootstrap)"/dist/js/bootstrap.bundle.min.js "$(P bootstrap)"/dist/css/bootstrap.min.css "$STATIC/bootstrap/"
cp "$(P leaflet.awesome-markers)"/dist/leaflet.awesome-markers.min.js \
   "$(P leaflet.awesome-markers)"/dist/leaflet.awesome-markers.css "$STATIC/awesome-markers/"
cp "$(P leaflet.awesome-markers)"/dist/images/markers-{soft,shadow}{,@2x}.png "$STATIC/awesome-markers/images/"
cp "$TMP"/folium/whl/folium/templates/leaflet_heat.min.js "$STATIC/leaflet-heat/"
cp "$(P leaflet.markercluster)"/dist/leaflet.markercluster.js \
   "$(P leaflet.markercluster)"/dist/MarkerCluster.css \
   "$(P leaflet.markercluster)"/dist/MarkerCluster.Default.css "$STATIC/markercluster/"
cp "$(P leaflet.fullscreen)"/Control.FullScreen.js "$(P leaflet.fullscreen)"/Control.FullScreen.css \
   "$(P leaflet.fullscreen)"/icon-fullscreen.svg "$STATIC/fullscreen/"
cp "$(P leaflet-minimap)"/dist/Control.MiniMap.min.js "$(P leaflet-minimap)"/dist/Control.MiniMap.min.css "$STATIC/minimap/"
cp "$(P leaflet-minimap)"/dist/images/toggle.{svg,png} "$STATIC/minimap/images/"
# The map's PNG button; its dist file bundles dom-to-image-more and FileSaver (their licences below).
cp "$(P leaflet-simple-map-screenshoter)"/dist/leaflet-simple-map-screenshoter.js "$STATIC/screenshoter/"

# Source maps are not vendored: drop the comments that point at them so that
# browser dev tools do not request missing files.
for dir in "${VENDORED_DIRS[@]}"; do find "$STATIC/$dir" -name '*.js' -o -name '*.css'; done | while read -r f; do
  sed -i -e '/^\/[/*][#@] sourceMappingURL=.*$/d' "$f"
done

L="$STATIC/licenses"
cp "$(P leaflet)"/LICENSE "$L/leaflet.txt"
cp "$(P jquery)"/LICENSE.txt "$L/jquery.txt"
cp "$(P bootstrap)"/LICENSE "$L/bootstrap.txt"
cp "$(P leaflet.awesome-markers)"/LICENSE "$L/leaflet.awesome-markers.txt"
cp "$(P leaflet.heat)"/LICENSE "$L/leaflet.heat.txt"
cp "$(P leaflet.markercluster)"/MIT-LICENCE.txt "$L/leaflet.markercluster.txt"
cp "$(P leaflet.fullscreen)"/LICENSE "$L/leaflet.fullscreen.txt"
cp "$(P leaflet-minimap)"/LICENSE.txt "$L/leaflet-minimap.txt"
cp "$(P leaflet-simple-map-screenshoter)"/LICENSE "$L/leaflet-simple-map-screenshoter.txt"
cp "$(P dom-to-image-more)"/LICENSE "$L/dom-to-image-more.txt"
cp "$(P file-saver)"/LICENSE.md "$L/file-saver.txt"
cp "$(find "$TMP/folium/whl" -path '*dist-info*' -iname 'LICENSE*' -type f | head -n 1)" "$L/folium.txt"

echo "Vendored assets:"
(cd "$STATIC" && find "${VENDORED_DIRS[@]}" -type f | sort | xargs du -b)
