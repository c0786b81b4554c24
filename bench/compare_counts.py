#!/usr/bin/env python3
"""Check that several `count` outputs agree, county by county.

Usage:
    compare_counts.py OUT_A.geojson OUT_B.geojson ... \
        [--points POINTS_CSV --boundaries BOUNDARIES] [--border-scan]

Each OUT file is a GeoJSON FeatureCollection with one feature per county and
the properties adcode, name, count, area_km2, towns_per_10k_km2 (what
`citybelt count` and the bench/peer_*.py scripts write). The first file is the
reference. Printed:
  * per file: number of counties, sum of counts, total area;
  * every county whose count differs between files, with each file's count;
  * the largest relative difference of area_km2 from the reference (flagged
    when above 0.1 %), and counties missing from a file.

With --points and --boundaries the points themselves are examined (needs
numpy, pandas and shapely, i.e. the bench venv). Counts can only differ
through points on, or within floating-point noise of, a county boundary, so
the script looks for points within TOL degrees of the boundary of each county
whose count differs (or of every county, with --border-scan) and lists them,
saying whether each lies EXACTLY on the boundary. "Exactly" is decided in
integer arithmetic: the CSV holds 6-decimal coordinates and the polygon
vertices are 5-decimal, so both are integers in micro-degrees and a
point-on-segment test needs no floating point at all. Points that are exactly
on a boundary are where the border rules of the tools differ (closed
polygons count them for every county whose boundary they are on, open
polygons for none, a one-county-per-point rule for one); points that are only
near a boundary are where floating-point predicates might disagree.

Exit status: 0 when all files agree on every count, 1 when they do not, 2 on
bad input.
"""

import argparse
import json
import os
import sys

AREA_TOLERANCE = 1e-3  # relative; the brief asks for agreement within 0.1 %
TOL_DEG = 1e-9         # "near a boundary": ~0.1 mm; grid steps are 1e-6 deg
MAX_LISTED = 50        # points listed per report (all are counted)


def load_output(path):
    """(adcode -> (name, count, area_km2), density check) of one output file.

    The density check is (property name, largest relative deviation of the
    density from count / area_km2 * 10,000) for the first property whose name
    ends in "per_10k_km2" (the peers write towns_per_10k_km2).
    """
    with open(path, encoding="utf-8") as f:
        fc = json.load(f)
    rows = {}
    density_key, worst = None, 0.0
    for feat in fc.get("features", []):
        p = feat.get("properties") or {}
        code = str(p.get("adcode"))
        if code in rows:
            raise ValueError(f"{path}: adcode {code} appears twice")
        rows[code] = (p.get("name"), p.get("count"), p.get("area_km2"))
        if density_key is None:
            density_key = next((k for k in p if k.endswith("per_10k_km2")), None)
        density, count, area = p.get(density_key), p.get("count"), p.get("area_km2")
        if None not in (density, count, area) and area > 0:
            expected = count / area * 10_000.0
            if expected:
                worst = max(worst, abs(density - expected) / expected)
            elif density:
                worst = float("inf")
    return rows, (density_key, worst)


def label(path):
    return os.path.basename(path)


def compare(paths, out, max_rows=None):
    """Print the comparison; return the set of adcodes whose counts differ."""
    tables, densities = {}, {}
    for path in paths:
        tables[path], densities[path] = load_output(path)
    ref_path = paths[0]
    ref = tables[ref_path]
    all_codes = sorted(set().union(*(t.keys() for t in tables.values())))

    out("| file | counties | sum of counts | total area km² | max area diff vs first "
        "| density property (max dev. from count/area) |")
    out("|---|---:|---:|---:|---:|---|")
    worst_area = {}
    for path in paths:
        t = tables[path]
        counts = [c for _, c, _ in t.values() if c is not None]
        areas = [a for _, _, a in t.values() if a is not None]
        worst = 0.0
        for code, (_, _, area) in t.items():
            if code in ref and ref[code][2] and area is not None:
                worst = max(worst, abs(area - ref[code][2]) / ref[code][2])
        worst_area[path] = worst
        key, dev = densities[path]
        dens = f"`{key}` ({dev:.1e})" if key else "none"
        out(f"| {label(path)} | {len(t)} | {sum(counts)} | {sum(areas):,.3f} | {worst:.2e} "
            f"| {dens} |")
    out("")

    for path in paths:
        missing = [c for c in all_codes if c not in tables[path]]
        if missing:
            out(f"MISSING in {label(path)}: {len(missing)} counties: {', '.join(missing[:20])}")
        if worst_area[path] > AREA_TOLERANCE:
            out(f"AREA MISMATCH: {label(path)} differs from {label(ref_path)} by "
                f"{worst_area[path]:.3%} for some county (tolerance {AREA_TOLERANCE:.1%})")

    differing = set()
    for code in all_codes:
        values = [tables[p].get(code, (None, None, None))[1] for p in paths]
        if len(set(values)) > 1:
            differing.add(code)
    if differing:
        out(f"COUNTS DIFFER in {len(differing)} counties" + (":" if max_rows != 0 else "."))
    if differing and max_rows != 0:
        out("")
        out("| adcode | name | " + " | ".join(label(p) for p in paths) + " |")
        out("|---|---|" + "---:|" * len(paths))
        shown = sorted(differing)[:max_rows]
        for code in shown:
            name = next((tables[p][code][0] for p in paths if code in tables[p]), "")
            cells = [str(tables[p].get(code, (None, "missing", None))[1]) for p in paths]
            out(f"| {code} | {name} | " + " | ".join(cells) + " |")
        if len(shown) < len(differing):
            out(f"| ... | {len(differing) - len(shown)} more | " + " | " * (len(paths) - 1) + " |")
        out("")
    if not differing:
        out(f"OK: all {len(paths)} files give the same count for each of the "
            f"{len(all_codes)} counties.")
    return differing


# ------------------------------------------------------------- border points


def _exact_on_boundary(geom, px, py):
    """True when integer micro-degree point (px, py) lies on a ring of geom.

    Vertices are 5-decimal degrees, so rounding them to micro-degrees is
    exact; the cross product then decides collinearity without rounding.
    """
    import numpy as np
    import shapely

    for ring in shapely.get_rings(shapely.get_parts(geom)):  # every ring of every part
        xy = np.rint(shapely.get_coordinates(ring) * 1e6).astype(np.int64)
        x0, y0 = xy[:-1, 0], xy[:-1, 1]
        x1, y1 = xy[1:, 0], xy[1:, 1]
        cross = (x1 - x0) * (py - y0) - (y1 - y0) * (px - x0)
        inside_box = ((np.minimum(x0, x1) <= px) & (px <= np.maximum(x0, x1))
                      & (np.minimum(y0, y1) <= py) & (py <= np.maximum(y0, y1)))
        if np.any((cross == 0) & inside_box):
            return True
    return False


def border_report(points_csv, boundaries, codes, out):
    """List the points within TOL_DEG of the boundary of the given counties."""
    import numpy as np
    import pandas as pd
    import shapely

    with open(boundaries, encoding="utf-8") as f:
        fc = json.load(f)
    feats = fc["features"]
    adcodes = [str(ft["properties"]["adcode"]) for ft in feats]
    geoms = shapely.from_geojson([json.dumps(ft["geometry"]) for ft in feats])
    coords = shapely.get_coordinates(geoms)
    off_grid = float(np.abs(coords * 1e5 - np.rint(coords * 1e5)).max())
    if off_grid > 1e-6:
        out(f"note: boundary vertices are not on a 1e-5 degree grid (max off {off_grid:.1e} "
            f"of a step); the exact on-boundary test is only approximate")

    table = pd.read_csv(points_csv, usecols=["id", "lon", "lat"], engine="pyarrow")
    lon = table["lon"].to_numpy()
    lat = table["lat"].to_numpy()
    ids = table["id"].to_numpy()

    wanted = [i for i, c in enumerate(adcodes) if c in codes]
    tree = shapely.STRtree(shapely.points(lon, lat))
    # The boundary geometry is the query (so it is the prepared side);
    # dwithin keeps points at distance <= TOL_DEG from it.
    b_idx, p_idx = tree.query(shapely.boundary(geoms[wanted]),
                              predicate="dwithin", distance=TOL_DEG)
    hits = {}
    for bi, pi in zip(b_idx, p_idx):
        hits.setdefault(int(pi), []).append(wanted[int(bi)])

    n_exact = 0
    n_incidences = 0  # (point, county) pairs with the point exactly on that county's boundary
    lines = []
    for pi in sorted(hits, key=lambda k: ids[k]):
        px = int(round(lon[pi] * 1e6))
        py = int(round(lat[pi] * 1e6))
        point = shapely.points(lon[pi], lat[pi])
        parts = []
        exact_any = False
        for gi in hits[pi]:
            exact = _exact_on_boundary(geoms[gi], px, py)
            exact_any |= exact
            n_incidences += exact
            d = float(shapely.distance(shapely.boundary(geoms[gi]), point))
            parts.append(f"{adcodes[gi]} ({'exactly on boundary' if exact else f'{d:.1e} deg away'}; "
                         f"GEOS intersects={bool(shapely.intersects(geoms[gi], point))}, "
                         f"contains={bool(shapely.contains(geoms[gi], point))})")
        n_exact += exact_any
        lines.append(f"- id {ids[pi]} ({lon[pi]:.6f}, {lat[pi]:.6f}): " + "; ".join(parts))

    scope = "all" if len(wanted) == len(adcodes) else f"{len(wanted)}"
    out(f"Border points ({scope} counties scanned, {len(ids)} points): {len(hits)} within "
        f"{TOL_DEG:g} deg of a county boundary, {n_exact} of them exactly on it "
        f"({n_incidences} point-county pairs: what a closed-polygon rule counts for these "
        f"points in exact arithmetic, where an open-polygon rule counts 0).")
    for line in lines[:MAX_LISTED]:
        out(line)
    if len(lines) > MAX_LISTED:
        out(f"- ... and {len(lines) - MAX_LISTED} more")
    return len(hits), n_exact


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("outputs", nargs="+", help="GeoJSON outputs; the first is the reference")
    ap.add_argument("--points", help="the points CSV the outputs were computed from")
    ap.add_argument("--boundaries", help="the county polygons the outputs were computed from")
    ap.add_argument("--max-rows", type=int, default=None,
                    help="list at most this many differing counties (0: only say how many)")
    ap.add_argument("--border-scan", action="store_true",
                    help="look for border points around every county, not only differing ones")
    args = ap.parse_args(argv)
    if len(args.outputs) < 2:
        print("note: only one output given; nothing to compare it with", file=sys.stderr)
    if bool(args.points) != bool(args.boundaries):
        ap.error("--points and --boundaries go together")

    def out(line=""):
        print(line, flush=True)

    try:
        differing = compare(args.outputs, out, args.max_rows)
    except (OSError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2

    if args.points and (differing or args.border_scan):
        out("")
        if args.border_scan:
            with open(args.boundaries, encoding="utf-8") as f:
                codes = {str(ft["properties"]["adcode"]) for ft in json.load(f)["features"]}
        else:
            codes = differing
        border_report(args.points, args.boundaries, codes, out)
    elif differing:
        out("(rerun with --points and --boundaries to list the points responsible)")
    return 1 if differing else 0


if __name__ == "__main__":
    sys.exit(main())
