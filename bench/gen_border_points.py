#!/usr/bin/env python3
"""Points that lie exactly on county boundaries, to see each tool's border rule.

Usage:
    python3 bench/gen_border_points.py BOUNDARIES N OUT.csv

Uniform random points (bench/gen_points.py) almost never land on a boundary
(none in 1M), so the tools' border rules are invisible there. This writes N
points (same CSV layout: id,name,kind,lon,lat, kind = "border") taken
deterministically from the boundary rings: alternately a ring vertex and the
midpoint of a ring edge. The vertices are 5-decimal degrees, so both kinds of
point are exact on the CSV's 6-decimal grid: in decimal arithmetic every one
of them is ON the boundary. (In binary floating point a midpoint may fall a
hair to either side of the edge, which is what this check makes visible.)
Points on a border shared by two counties are on both boundaries.

Standard library only.
"""

import json
import sys


def ring_list(geometry):
    if geometry["type"] == "Polygon":
        return list(geometry["coordinates"])
    if geometry["type"] == "MultiPolygon":
        return [ring for poly in geometry["coordinates"] for ring in poly]
    raise ValueError(f"unexpected geometry type {geometry['type']}")


def main(argv):
    if len(argv) != 4:
        sys.exit(__doc__.strip().split("\n\n")[1])
    boundaries, n, out_path = argv[1], int(argv[2]), argv[3]
    with open(boundaries, encoding="utf-8") as f:
        features = json.load(f)["features"]

    # All edges of all rings, as integer micro-degrees, in file order.
    edges = []
    for feat in features:
        for ring in ring_list(feat["geometry"]):
            xy = [(round(x * 1e6), round(y * 1e6)) for x, y in ring]
            edges.extend(zip(xy[:-1], xy[1:]))
    if not edges or n <= 0:
        sys.exit("nothing to write")

    # Every step-th edge, spread over the whole file; a fixed stride keeps the
    # choice deterministic without a random generator.
    step = max(1, len(edges) // n)
    seen = set()
    rows = []
    i = 0
    while len(rows) < n and i < len(edges) * 2:
        (x0, y0), (x1, y1) = edges[(i * step) % len(edges)]
        if len(rows) % 2 == 0:
            px, py = x0, y0  # a vertex
        else:
            # Vertices are multiples of 10 micro-degrees, so the midpoint is an
            # integer number of micro-degrees: exactly representable in the CSV.
            px, py = (x0 + x1) // 2, (y0 + y1) // 2
            if (x0 + x1) % 2 or (y0 + y1) % 2:
                px, py = x0, y0  # not on the grid (other data): use the vertex
        i += 1
        if (px, py) in seen:
            continue
        seen.add((px, py))
        rows.append((px, py))

    with open(out_path, "w", encoding="ascii", newline="\n") as f:
        f.write("id,name,kind,lon,lat\n")
        for k, (px, py) in enumerate(rows, start=1):
            f.write(f"{k},border_{k},border,{px // 1_000_000}.{px % 1_000_000:06d},"
                    f"{py // 1_000_000}.{py % 1_000_000:06d}\n")
    print(f"wrote {len(rows)} boundary points to {out_path}", file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv)
