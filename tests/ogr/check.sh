#!/usr/bin/env bash
# Runs the default job in every format and opens every layer it writes with GDAL's ogrinfo,
# an independent reader: each GeoJSON, GeoPackage, Shapefile and FlatGeobuf layer must open
# as WGS84 (EPSG:4326) with the expected feature count and geometry type, GDAL must print no
# warning or error for any of them, Chinese names must read back intact, and the GeoPackage
# must pass GDAL's validate_gpkg.py where it is installed (Debian python3-gdal).
# Needs Debian's gdal-bin (`apt-get install -y gdal-bin`).
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v ogrinfo >/dev/null || { echo "ogrinfo not found: apt-get install -y gdal-bin" >&2; exit 1; }
out=target/ogr-check
rm -rf "$out"
cargo run --quiet --release -- run --format geojson,gpkg,shp,fgb --no-png --out "$out" >/dev/null 2>&1

fail=0
checked=0
expect() { # label, feature count, geometry type, ogrinfo arguments...
  local label=$1 count=$2 geom=$3 info warnings
  shift 3
  checked=$((checked + 1))
  info=$(ogrinfo -ro -so "$@" 2>"$out/.stderr") || { echo "FAIL $label: ogrinfo could not open it"; cat "$out/.stderr"; fail=1; return; }
  warnings=$(cat "$out/.stderr")
  [ -z "$warnings" ] || { echo "FAIL $label: GDAL said: $warnings"; fail=1; }
  grep -q "Feature Count: $count\$" <<<"$info" || { echo "FAIL $label: expected $count features"; fail=1; }
  grep -q "Geometry: $geom\$" <<<"$info" || { echo "FAIL $label: expected geometry $geom"; fail=1; }
  grep -q 'ID\["EPSG",4326\]' <<<"$info" || { echo "FAIL $label: CRS is not EPSG:4326"; fail=1; }
  echo "ok   $label: $count features, $geom, EPSG:4326"
}
layers() { # extension, MultiPolygon name in that format
  local ext=$1 area=$2 dir="$out"
  [ "$ext" = shp ] && dir="$out/shp"
  expect "counties.$ext" 142 "$area" -al "$dir/counties.$ext"
  expect "towns.$ext" 5633 "Point" -al "$dir/towns.$ext"
  expect "belts.$ext" 6 "$area" -al "$dir/belts.$ext"
  expect "region.$ext" 1 "$area" -al "$dir/region.$ext"
  for f in "$dir"/belts/*."$ext"; do expect "belts/$(basename "$f")" 1 "$area" -al "$f"; done
}
layers geojson "Multi Polygon"
layers fgb "Multi Polygon"
# Shapefile has no MultiPolygon type: GDAL reports its polygons as Polygon.
layers shp "Polygon"
gpkg="$out/citybelt.gpkg"
expect "citybelt.gpkg counties" 142 "Multi Polygon" "$gpkg" counties
expect "citybelt.gpkg towns" 5633 "Point" "$gpkg" towns
expect "citybelt.gpkg belts" 6 "Multi Polygon" "$gpkg" belts
expect "citybelt.gpkg region" 1 "Multi Polygon" "$gpkg" region
for t in $(ogrinfo -ro -q "$gpkg" 2>/dev/null | grep -o 'belt_[A-Za-z0-9_-]*'); do
  expect "citybelt.gpkg $t" 1 "Multi Polygon" "$gpkg" "$t"
done
rows=$(ogrinfo -ro -so "$gpkg" summary 2>&1 | grep -o 'Feature Count: [0-9]*')
csv_rows=$(($(wc -l <"$out/summary.csv") - 1))
checked=$((checked + 1))
[ "$rows" = "Feature Count: $csv_rows" ] || { echo "FAIL citybelt.gpkg summary: $rows, expected $csv_rows rows"; fail=1; }
echo "ok   citybelt.gpkg summary: $csv_rows rows (attributes table)"

checked=$((checked + 1))
validate=/usr/lib/python3/dist-packages/osgeo_utils/samples/validate_gpkg.py
if [ -f "$validate" ]; then
  if msg=$(/usr/bin/python3 "$validate" "$gpkg" 2>&1) && [ -z "$msg" ]; then
    echo "ok   citybelt.gpkg passes GDAL's validate_gpkg.py"
  else
    echo "FAIL citybelt.gpkg: validate_gpkg.py said: $msg"; fail=1
  fi
else
  echo "skip validate_gpkg.py (install python3-gdal to run it)"
fi

for src in "counties.geojson" "counties.fgb" "shp/counties.shp" "citybelt.gpkg"; do
  checked=$((checked + 1))
  name=$(ogrinfo -ro -q "$out/$src" -sql "SELECT name FROM counties WHERE adcode = '500101'" 2>/dev/null | grep -o 'name (String) = .*' || true)
  [ "$name" = "name (String) = 万州区" ] || { echo "FAIL $src: Chinese name read back as: $name"; fail=1; continue; }
  echo "ok   $src: Chinese names read back: $name"
done
[ "$fail" = 0 ] && echo "ogr-check: $checked checked, all passed" || echo "ogr-check: FAILED"
exit $fail
