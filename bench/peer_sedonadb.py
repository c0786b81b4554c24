#!/usr/bin/env python3
"""Apache SedonaDB peer of `citybelt count`.

Usage: peer_sedonadb.py BOUNDARIES POINTS_CSV OUT.geojson [--predicate intersects|contains]

Steps:
  read    sd.read_pyogrio for the counties (GDAL through pyogrio, kept in
          memory as a table); sd.read.csv for the points, turned into a table
          of ST_SetSRID(ST_Point(lon, lat), 4326). The SRID is needed: SedonaDB
          refuses to join geometries whose CRS differ ("Mismatched CRS
          arguments: epsg:4326 vs None").
  join    JOIN ... ON ST_Intersects(county, point) (or ST_Contains), which the
          planner runs as its SpatialJoinExec, then GROUP BY adcode.
  border  ST_Intersects (default): a point on a county boundary counts for that
          county, one on a shared border counts for both. ST_Contains: a point
          on a boundary counts for none.
  area    SedonaDB 0.5 has no ellipsoidal area: ST_Area on a geometry is planar
          (square degrees) and ST_Area on a geography is spherical, 0.04-0.18 %
          larger than the WGS84 ellipsoid's per county here (0.10 % in total,
          569,076 vs 568,496 km2); ST_AreaSpheroid / ST_Area_Spheroid do not exist.
          So the areas are computed ONCE with pyproj
          Geod(ellps="WGS84").geometry_area_perimeter on the county polygons
          exported from SedonaDB (to_pandas), and handed back to SedonaDB as a
          table. That time is in area_s and in total_s.
  write   DataFrame.to_pyogrio(driver="GeoJSON"): SedonaDB's own writer, which
          streams its Arrow result into GDAL through pyogrio.
SedonaDB uses all cores (one partition per core) by default.
"""

import time

T0 = time.perf_counter()  # before the heavy imports: total_s includes them

import peer_common as pc  # noqa: E402  (standard library only)


def geometry_column(df):
    """Name of the first geometry column of a SedonaDB DataFrame."""
    schema = df.schema
    indices = schema.geometry_column_indices
    if not indices:
        raise SystemExit("the boundaries have no geometry column")
    return schema.names[indices[0]]


def main():
    args = pc.parse_args("sedonadb")
    sw = pc.Stopwatch(T0)

    import pandas as pd
    import sedonadb
    import pyproj  # noqa: F401  (for the areas; imported here so import_s covers it)
    import shapely  # noqa: F401

    sw.lap("import_s")

    sd = sedonadb.connect()
    boundaries = sd.read_pyogrio(args.boundaries)
    geom = geometry_column(boundaries)
    boundaries.to_view("boundaries_file")
    sd.sql(f"""
        SELECT row_number() OVER () AS ord, adcode, name, "{geom}" AS geom
        FROM boundaries_file
    """).to_memtable().to_view("counties")

    sd.read.csv(args.points).to_view("points_file")
    sd.sql("""
        SELECT id, ST_SetSRID(ST_Point(lon, lat), 4326) AS geom
        FROM points_file
    """).to_memtable().to_view("pts")
    n_points = sd.view("pts").count()
    sw.lap("read_s")

    predicate = {"intersects": "ST_Intersects", "contains": "ST_Contains"}[args.predicate]
    sd.sql(f"""
        SELECT c.adcode, count(*) AS n
        FROM counties c JOIN pts p ON {predicate}(c.geom, p.geom)
        GROUP BY c.adcode
    """).to_memtable().to_view("counts")
    sw.lap("join_s")

    polygons = sd.sql("SELECT adcode, geom FROM counties").to_pandas()
    areas = pd.DataFrame({
        "adcode": polygons["adcode"].astype(str),
        "area_km2": pc.geodesic_area_km2(polygons.geometry.values),
    })
    sd.create_data_frame(areas).to_view("areas")
    sw.lap("area_s")

    result = sd.sql("""
        SELECT c.adcode, c.name,
               coalesce(k.n, 0) AS "count",
               a.area_km2,
               coalesce(k.n, 0) / a.area_km2 * 10000.0 AS towns_per_10k_km2,
               c.geom
        FROM counties c
        JOIN areas a ON a.adcode = c.adcode
        LEFT JOIN counts k ON k.adcode = c.adcode
        ORDER BY c.ord
    """)
    result.to_pyogrio(args.out, driver="GeoJSON", geometry_type="Unknown")
    sw.lap("write_s")

    total_s = sw.total()
    summary = sd.sql("""
        SELECT (SELECT coalesce(sum(n), 0) FROM counts) AS matched,
               (SELECT sum(area_km2) FROM areas) AS area,
               (SELECT count(*) FROM counties) AS counties
    """).to_pandas().iloc[0]
    pc.emit({
        "tool": "sedonadb",
        "version": f"sedonadb {sedonadb.__version__} (areas: pyproj {pyproj.__version__})",
        "predicate": args.predicate,
        "points": int(n_points),
        "matched": int(summary["matched"]),
        "counties": int(summary["counties"]),
        "total_area_km2": float(summary["area"]),
        "total_s": total_s,
        **sw.laps,
    })


if __name__ == "__main__":
    main()
