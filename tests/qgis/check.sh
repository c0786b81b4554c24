#!/usr/bin/env bash
# Runs the default job in every format and opens the result in a real QGIS, headless
# (tests/qgis/check.py says what it asserts). The project rendered by QGIS is kept as
# target/qgis/map.png. Needs Debian's qgis and python3-qgis, which work with Debian's
# /usr/bin/python3 only:
#   apt-get install -y --no-install-recommends qgis python3-qgis fonts-noto-cjk
set -euo pipefail
cd "$(dirname "$0")/../.."
if ! /usr/bin/python3 -c 'import qgis.core' 2>/dev/null; then
  echo "PyQGIS not found: apt-get install -y --no-install-recommends qgis python3-qgis" >&2
  exit 1
fi
out=target/qgis/out
rm -rf "$out"
cargo run --quiet --release -- run --format gpkg,shp,fgb,geojson --out "$out" >/dev/null
runtime=$(mktemp -d)
trap 'rm -rf "$runtime"' EXIT
QT_QPA_PLATFORM=offscreen XDG_RUNTIME_DIR="$runtime" \
  /usr/bin/python3 tests/qgis/check.py "$out" target/qgis/map.png
