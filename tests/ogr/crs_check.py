#!/usr/bin/env python3
"""Compares citybelt's coordinate conversions with independent tools.

1. Reprojection: the format fixtures (3 counties, 10 towns) are projected by ogr2ogr (GDAL 3.6 /
   PROJ 9) into each CRS below, written as Shapefiles with the .prj GDAL writes, and read back
   by `citybelt run` (which must match each .prj to its EPSG code by name). citybelt's WGS84
   output (12 decimals) is compared, vertex by vertex, with
   - ogr2ogr's own conversion of the same Shapefile back to EPSG:4326 (PROJ's choice of
     transformation from its EPSG database), and
   - cs2cs from the same projected coordinates to WGS84 (town points).
2. GCJ-02 and BD-09: the shipped towns (5,633) are offset with shared/data/tools/gcj02.py (the
   converter the shipped data was made with) and with prcoords (an independent public-domain
   implementation, `pip install prcoords`), read back by citybelt with --towns-datum, and
   compared with the original WGS84 positions and with the tools' own exact inverses.

Needs gdal-bin, proj-bin, python3 with prcoords. Usage, from the repository root:
    python3 tests/ogr/crs_check.py [path/to/shared/data]
Prints one line per check with the largest difference in degrees (and metres).
"""

import csv
import json
import math
import os
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SHARED = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "..", "shared", "data"))
FIX = os.path.join(ROOT, "tests", "fixtures", "formats")
OUT = os.path.join(ROOT, "target", "crs-check")
BIN = os.path.join(ROOT, "target", "release", "citybelt")

sys.path.insert(0, os.path.join(SHARED, "tools"))
import gcj02  # noqa: E402
import prcoords  # noqa: E402

# (name, CRS for ogr2ogr, order of the projected coordinates for cs2cs, --crs needed?)
SYSTEMS = [
    ("CGCS2000 geographic", "EPSG:4490", "latlon", None),
    ("Beijing 1954 geographic", "EPSG:4214", "latlon", None),
    ("Xian 1980 geographic", "EPSG:4610", "latlon", None),
    ("Web Mercator", "EPSG:3857", "en", None),
    ("WGS 84 / UTM 48N", "EPSG:32648", "en", None),
    ("CGCS2000 3° GK zone 35", "EPSG:4523", "ne", None),
    ("CGCS2000 3° GK CM 105E", "EPSG:4544", "ne", None),
    ("CGCS2000 6° GK zone 18", "EPSG:4496", "ne", None),
    ("CGCS2000 6° GK CM 105E", "EPSG:4507", "ne", None),
    ("Xian 1980 3° GK CM 105E", "EPSG:2380", "ne", None),
    ("user PROJ string (TM 104E)", "+proj=tmerc +lat_0=0 +lon_0=104 +k=0.9996 +x_0=500000 +y_0=0 +ellps=GRS80 +units=m +no_defs", "en", True),
]

M_PER_DEG = 111_320.0


def run(*args, **kw):
    return subprocess.run(args, check=True, capture_output=True, text=True, **kw)


def points(geojson_path):
    """id -> (lon, lat) of a point layer."""
    fc = json.load(open(geojson_path, encoding="utf-8"))
    return {str(f["properties"]["id"]): tuple(f["geometry"]["coordinates"][:2]) for f in fc["features"]}


def vertices(geojson_path, key):
    """id -> list of (lon, lat) of every vertex of a polygon layer."""
    fc = json.load(open(geojson_path, encoding="utf-8"))
    out = {}
    for f in fc["features"]:
        g = f["geometry"]
        polys = [g["coordinates"]] if g["type"] == "Polygon" else g["coordinates"]
        out[str(f["properties"][key])] = [tuple(p[:2]) for poly in polys for ring in poly for p in ring]
    return out


def worst_points(a, b):
    return max(max(abs(a[k][0] - b[k][0]), abs(a[k][1] - b[k][1])) for k in a)


def worst_vertices(a, b):
    """Largest distance from a vertex of `a` to the nearest vertex of `b`, per county."""
    worst = 0.0
    for k, va in a.items():
        vb = b[k]
        for p in va:
            worst = max(worst, min(max(abs(p[0] - q[0]), abs(p[1] - q[1])) for q in vb))
    return worst


def line(label, deg):
    print(f"{label:<62} max |Δ| = {deg:.2e}°  ({deg * M_PER_DEG * 1000:.3f} mm)")


def reprojection():
    towns0 = points(os.path.join(FIX, "towns.geojson"))
    for name, crs, order, needs_crs in SYSTEMS:
        d = os.path.join(OUT, crs.split()[0].replace(":", "_").replace("+", ""))
        os.makedirs(d)
        for layer in ("counties", "towns"):
            run("ogr2ogr", "-f", "ESRI Shapefile", os.path.join(d, f"{layer}.shp"),
                os.path.join(FIX, f"{layer}.geojson"), "-t_srs", crs, "-lco", "ENCODING=UTF-8")
            run("ogr2ogr", "-f", "GeoJSON", os.path.join(d, f"ref_{layer}.geojson"),
                os.path.join(d, f"{layer}.shp"), "-t_srs", "EPSG:4326", "-lco", "COORDINATE_PRECISION=15")
        args = [BIN, "run", "--region", os.path.join(FIX, "region.toml"),
                "--boundaries", os.path.join(d, "counties.shp"), "--towns", os.path.join(d, "towns.shp"),
                "--out", os.path.join(d, "out"), "--precision", "15", "--json"]
        if needs_crs:
            args += ["--crs", crs]
        run(*args)
        got_t = points(os.path.join(d, "out", "towns.geojson"))
        got_c = vertices(os.path.join(d, "out", "counties.geojson"), "adcode")
        ref_t = points(os.path.join(d, "ref_towns.geojson"))
        ref_c = vertices(os.path.join(d, "ref_counties.geojson"), "adcode")
        # cs2cs on the projected town coordinates.
        xy = run("ogr2ogr", "-f", "CSV", "/vsistdout/", os.path.join(d, "towns.shp"),
                 "-lco", "GEOMETRY=AS_XY").stdout
        rows = list(csv.DictReader(xy.splitlines()))
        # A PROJ string goes to cs2cs as separate arguments, with the target after `+to`.
        crs_args = crs.split() + ["+to", "+proj=longlat", "+datum=WGS84", "+no_defs"] if crs.startswith("+") else [crs, "OGC:CRS84"]
        pairs = [(float(r["X"]), float(r["Y"])) for r in rows]
        given = [(y, x) if order in ("ne", "latlon") else (x, y) for x, y in pairs]
        text = "\n".join(f"{a!r} {b!r}" for a, b in given) + "\n"
        res = run("cs2cs", "-f", "%.15f", *crs_args, input=text).stdout.split("\n")
        cs = {r["id"]: tuple(float(v) for v in res[i].split()[:2]) for i, r in enumerate(rows)}
        line(f"{name} ({crs.split()[0]}): citybelt vs ogr2ogr, towns", worst_points(got_t, ref_t))
        line(f"{name} ({crs.split()[0]}): citybelt vs ogr2ogr, county vertices", worst_vertices(got_c, ref_c))
        line(f"{name} ({crs.split()[0]}): citybelt vs cs2cs, towns", worst_points(got_t, cs))
        line(f"{name} ({crs.split()[0]}): round trip PROJ fwd + citybelt inv, towns", worst_points(got_t, towns0))


def offsets():
    towns = list(csv.DictReader(open(os.path.join(SHARED, "towns.csv"), encoding="utf-8")))
    orig = {r["id"]: (float(r["lon"]), float(r["lat"])) for r in towns}
    # Forward conversions of the two tools agree?
    fwd = max(
        max(abs(a - b) for a, b in zip(gcj02.gcj02_from_wgs84(*p), reversed(prcoords.wgs_gcj((p[1], p[0])))))
        for p in orig.values()
    )
    line("GCJ-02 forward: gcj02.py vs prcoords (5,633 shipped towns)", fwd)
    for label, datum, conv, inverse in [
        ("GCJ-02", "gcj02",
         lambda lon, lat: gcj02.gcj02_from_wgs84(lon, lat),
         lambda lon, lat: tuple(reversed(prcoords.gcj_wgs_bored((lat, lon))))),
        ("BD-09", "bd09",
         lambda lon, lat: tuple(reversed(prcoords.wgs_bd((lat, lon)))),
         lambda lon, lat: tuple(reversed(prcoords.bd_wgs_bored((lat, lon))))),
    ]:
        d = os.path.join(OUT, datum)
        os.makedirs(d)
        path = os.path.join(d, "towns.csv")
        shifted = {}
        with open(path, "w", encoding="utf-8", newline="") as f:
            w = csv.writer(f)
            w.writerow(list(towns[0].keys()))
            for r in towns:
                lon, lat = conv(*orig[r["id"]])
                shifted[r["id"]] = (lon, lat)
                w.writerow([*(r[k] for k in list(r.keys())[:4]), repr(lon), repr(lat), *(r[k] for k in list(r.keys())[6:])])
        run(BIN, "run", "--towns", path, "--towns-crs", "EPSG:4326", "--towns-datum", datum,
            "--out", os.path.join(d, "out"), "--precision", "15", "--json", cwd=ROOT)
        got = points(os.path.join(d, "out", "towns.geojson"))
        line(f"{label}: citybelt inverse vs original WGS84 (5,633 towns)", worst_points(got, orig))
        ref = {k: inverse(*v) for k, v in shifted.items()}
        line(f"{label}: citybelt inverse vs prcoords exact inverse", worst_points(got, ref))
        if datum == "gcj02":
            ref = {k: gcj02.wgs84_from_gcj02(*v) for k, v in shifted.items()}
            line(f"{label}: citybelt inverse vs gcj02.py inverse (6 iterations)", worst_points(got, ref))


def main():
    shutil.rmtree(OUT, ignore_errors=True)
    os.makedirs(OUT)
    run("cargo", "build", "--release", "--quiet", cwd=ROOT)
    print(f"PROJ: {run('cs2cs').stderr.splitlines()[0] if run('cs2cs').stderr else ''}".strip())
    reprojection()
    offsets()


if __name__ == "__main__":
    main()
