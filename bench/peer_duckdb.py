#!/usr/bin/env python3
"""DuckDB (spatial extension) peer of `citybelt count`.

Usage: peer_duckdb.py BOUNDARIES POINTS_CSV OUT.geojson [--predicate intersects|contains]

The spatial extension is NOT downloaded: it is LOADed from the file that the
PyPI package `duckdb-ext-spatial` installs inside site-packages
(duckdb_ext/extensions/v<duckdb version>/<platform>/spatial.duckdb_extension),
and extension auto-install/auto-load are switched off so nothing is fetched.

Steps:
  read    ST_Read (GDAL) for the counties; read_csv for the points, turned into
          a table of ST_Point(lon, lat).
  join    JOIN ... ON ST_Intersects(county, point) (or ST_Contains), which the
          planner runs as its SPATIAL_JOIN operator, then GROUP BY adcode.
  border  ST_Intersects (default): a point on a county boundary counts for that
          county, one on a shared border counts for both. ST_Contains: a point
          on a boundary counts for none.
  area    ST_Area_Spheroid (GeographicLib on the WGS84 ellipsoid). It reads
          the FIRST coordinate as latitude and the second as longitude, while
          ST_Read yields GeoJSON's lon/lat, so the geometry goes through
          ST_FlipCoordinates first (without it every county comes out NaN).
          Checked: the same km2 as pyproj Geod(ellps="WGS84") in every one of
          the ~16 digits written, for all 221 counties (568,496.178 in total).
  write   COPY ... TO 'OUT.geojson' (FORMAT GDAL, DRIVER 'GeoJSON').
DuckDB uses all cores (threads = nproc) by default.
"""

import time

T0 = time.perf_counter()  # before the heavy imports: total_s includes them

import peer_common as pc  # noqa: E402  (standard library only)


def sql_str(value):
    """A SQL string literal (paths are spliced into table functions)."""
    return "'" + str(value).replace("'", "''") + "'"


def spatial_extension_path(duckdb):
    """The spatial.duckdb_extension shipped by the duckdb-ext-spatial wheel."""
    import glob
    import importlib.util
    import os

    spec = importlib.util.find_spec("duckdb_ext")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("duckdb-ext-spatial is not installed (no duckdb_ext package)")
    platform = duckdb.sql("PRAGMA platform").fetchone()[0]
    version = duckdb.__version__
    for root in spec.submodule_search_locations:
        path = os.path.join(root, "extensions", f"v{version}", platform,
                            "spatial.duckdb_extension")
        if os.path.exists(path):
            return path
    found = [p for root in spec.submodule_search_locations
             for p in glob.glob(os.path.join(root, "extensions", "*", "*", "*.duckdb_extension"))]
    raise SystemExit(
        f"no spatial extension for duckdb v{version} on {platform} in duckdb-ext-spatial; "
        f"found {found or 'none'}; pin duckdb to the version in that path"
    )


def main():
    args = pc.parse_args("duckdb")
    sw = pc.Stopwatch(T0)

    import duckdb

    sw.lap("import_s")

    con = duckdb.connect(config={
        "autoinstall_known_extensions": False,
        "autoload_known_extensions": False,
    })
    con.execute(f"LOAD {sql_str(spatial_extension_path(duckdb))}")
    spatial_version = con.execute(
        "SELECT extension_version FROM duckdb_extensions() WHERE extension_name = 'spatial'"
    ).fetchone()[0]

    con.execute(f"""
        CREATE TABLE counties AS
        SELECT row_number() OVER () AS ord, adcode, name, geom
        FROM ST_Read({sql_str(args.boundaries)})
    """)
    con.execute(f"""
        CREATE TABLE pts AS
        SELECT id, ST_Point(lon, lat) AS geom
        FROM read_csv({sql_str(args.points)}, header = true, columns = {{
            'id': 'BIGINT', 'name': 'VARCHAR', 'kind': 'VARCHAR',
            'lon': 'DOUBLE', 'lat': 'DOUBLE'}})
    """)
    n_points = con.execute("SELECT count(*) FROM pts").fetchone()[0]
    sw.lap("read_s")

    predicate = {"intersects": "ST_Intersects", "contains": "ST_Contains"}[args.predicate]
    con.execute(f"""
        CREATE TABLE counts AS
        SELECT c.adcode, count(*) AS n
        FROM counties c JOIN pts p ON {predicate}(c.geom, p.geom)
        GROUP BY c.adcode
    """)
    sw.lap("join_s")

    con.execute("""
        CREATE TABLE areas AS
        SELECT adcode, ST_Area_Spheroid(ST_FlipCoordinates(geom)) / 1e6 AS area_km2
        FROM counties
    """)
    sw.lap("area_s")

    con.execute(f"""
        COPY (
            SELECT c.adcode, c.name,
                   coalesce(k.n, 0) AS "count",
                   a.area_km2,
                   coalesce(k.n, 0) / a.area_km2 * 10000.0 AS towns_per_10k_km2,
                   c.geom
            FROM counties c
            JOIN areas a USING (adcode)
            LEFT JOIN counts k USING (adcode)
            ORDER BY c.ord
        ) TO {sql_str(args.out)} (FORMAT GDAL, DRIVER 'GeoJSON', SRS 'EPSG:4326')
    """)
    sw.lap("write_s")

    matched, total_area, n_counties = con.execute("""
        SELECT (SELECT coalesce(sum(n), 0) FROM counts),
               (SELECT sum(area_km2) FROM areas),
               (SELECT count(*) FROM counties)
    """).fetchone()
    total_s = sw.total()
    pc.emit({
        "tool": "duckdb",
        "version": f"duckdb {duckdb.__version__}, spatial {spatial_version}",
        "predicate": args.predicate,
        "points": int(n_points),
        "matched": int(matched),
        "counties": int(n_counties),
        "total_area_km2": float(total_area),
        "total_s": total_s,
        **sw.laps,
    })


if __name__ == "__main__":
    main()
