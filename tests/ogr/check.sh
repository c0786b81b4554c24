#!/usr/bin/env bash
# Runs the default job and opens every GeoJSON layer it writes with GDAL's ogrinfo, an
# independent reader: each must open as WGS84 (EPSG:4326) with the expected feature count
# and geometry type, and Chinese names must read back intact.
# Needs Debian's gdal-bin (`apt-get install -y gdal-bin`).
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v ogrinfo >/dev/null || { echo "ogrinfo not found: apt-get install -y gdal-bin" >&2; exit 1; }
out=target/ogr-check
rm -rf "$out"
cargo run --quiet --release -- run --out "$out" >/dev/null

fail=0
expect() { # file, feature count, geometry type
  local f="$out/$1" info
  info=$(ogrinfo -ro -so -al "$f" 2>&1) || { echo "FAIL $1: ogrinfo could not open it"; echo "$info"; fail=1; return; }
  grep -q "Feature Count: $2\$" <<<"$info" || { echo "FAIL $1: expected $2 features"; fail=1; }
  grep -q "Geometry: $3\$" <<<"$info" || { echo "FAIL $1: expected geometry $3"; fail=1; }
  grep -q 'ID\["EPSG",4326\]' <<<"$info" || { echo "FAIL $1: CRS is not EPSG:4326"; fail=1; }
  echo "ok   $1: $2 features, $3, EPSG:4326"
}
expect counties.geojson 142 "Multi Polygon"
expect towns.geojson 5633 "Point"
expect belts.geojson 6 "Multi Polygon"
expect region.geojson 1 "Multi Polygon"
for f in "$out"/belts/*.geojson; do expect "belts/$(basename "$f")" 1 "Multi Polygon"; done
name=$(ogrinfo -ro -q "$out/counties.geojson" -sql "SELECT name FROM counties WHERE adcode = '500101'" | grep -o 'name (String) = .*')
[ "$name" = "name (String) = 万州区" ] || { echo "FAIL Chinese name read back as: $name"; fail=1; }
echo "ok   Chinese names read back: $name"
exit $fail
