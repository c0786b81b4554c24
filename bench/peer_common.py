"""Shared plumbing for the peer scripts of the citybelt counting benchmark.

Every peer script answers the same job:

    count N points into the 221 county polygons; per county write count,
    geodesic area in km2 (WGS84 ellipsoid) and density = count per
    10,000 km2 to a GeoJSON file (all 221 counties, zero counts included)

and prints one JSON line on stdout, for bench/run.sh to collect:

    {"tool": ..., "total_s": ..., "join_s": ..., "points": N, ...}

Timing fields (seconds, time.perf_counter):
  total_s   from the first line of the script (before the heavy imports) to
            the output file being closed; the process wall time measured by
            run.sh adds interpreter start-up on top of it.
  import_s  importing the tool's Python modules.
  read_s    reading the counties and the points into the tool's own form.
  join_s    the spatial join plus the per-county count, both inputs already
            loaded (the part that is comparable across tools).
  area_s    the geodesic areas.
  write_s   assembling and writing the GeoJSON.

This module is deliberately light (standard library only) so that importing
it does not blur the import_s of a peer.
"""

import argparse
import json
import sys
import time

# The two point-in-polygon rules a peer can be asked for. The benchmark uses
# the same rule in every peer so that their counts are comparable.
#   intersects  closed polygons: a point on a county's boundary counts for that
#               county, so a point on a border shared by two counties counts
#               for both (the per-county counts can add up to more than the
#               number of points inside the union).
#   contains    open polygons: a point counts only if it lies in the interior;
#               a point on any boundary counts for no county.
PREDICATES = ("intersects", "contains")
DEFAULT_PREDICATE = "intersects"

# Properties of every output feature, in this order.
OUT_PROPERTIES = ("adcode", "name", "count", "area_km2", "towns_per_10k_km2")


def parse_args(tool):
    ap = argparse.ArgumentParser(
        prog=f"peer_{tool}.py",
        description=f"{tool} peer of `citybelt count` (see bench/README.md)",
    )
    ap.add_argument("boundaries", help="county polygons (GeoJSON, WGS84 lon/lat)")
    ap.add_argument("points", help="points CSV with header id,name,kind,lon,lat")
    ap.add_argument("out", help="output GeoJSON, one feature per county")
    ap.add_argument(
        "--predicate", choices=PREDICATES, default=DEFAULT_PREDICATE,
        help=f"border rule (default {DEFAULT_PREDICATE}; see bench/README.md)",
    )
    return ap.parse_args()


class Stopwatch:
    """Named laps measured from a start time taken by the caller."""

    def __init__(self, t0):
        self.t0 = t0
        self.last = t0
        self.laps = {}

    def lap(self, name):
        now = time.perf_counter()
        self.laps[name] = self.laps.get(name, 0.0) + (now - self.last)
        self.last = now

    def total(self):
        return time.perf_counter() - self.t0


def geodesic_area_km2(geometries):
    """Geodesic area on the WGS84 ellipsoid of shapely (Multi)Polygons, in km2.

    pyproj's Geod.geometry_area_perimeter adds the signed areas of the rings,
    so the rings are first oriented (exterior counter-clockwise, holes
    clockwise); holes are then subtracted and the result is positive.
    """
    import pyproj
    import shapely

    geod = pyproj.Geod(ellps="WGS84")
    oriented = shapely.orient_polygons(geometries, exterior_cw=False)
    return [geod.geometry_area_perimeter(g)[0] / 1e6 for g in oriented]


def density_per_10k(count, area_km2):
    return count / area_km2 * 10_000.0 if area_km2 > 0 else None


def emit(record):
    """Print the one JSON line run.sh reads (floats rounded for readability)."""
    out = {}
    for key, value in record.items():
        out[key] = round(value, 4) if isinstance(value, float) else value
    print(json.dumps(out, ensure_ascii=False), flush=True)
    sys.stdout.flush()
