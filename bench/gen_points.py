#!/usr/bin/env python3
"""Deterministic synthetic points for the citybelt counting benchmark.

Usage:
    python3 bench/gen_points.py N OUT.csv [--seed S]

Writes N points uniformly distributed over the bounding box of the 221
Sichuan + Chongqing counties (shared/data/counties.geojson) as CSV:

    id,name,kind,lon,lat
    1,poi_1,poi,103.123456,30.654321
    ...

Determinism: coordinates come from SplitMix64 applied to a counter (point i
uses counters 2i and 2i+1 for lon and lat), so the same (N, seed) gives a
byte-identical file on every machine, every run and every numpy version, and
the first K rows of a file of N > K points equal the file of K points.
Coordinates are drawn on the 1e-6 degree grid that the CSV can represent, so
what a tool parses is exactly what was generated (no rounding step).

The file is written in chunks of CHUNK points, so 10M points needs a few
hundred MB of memory at most. numpy is used when it is importable (fast, a few
seconds for 10M points); otherwise a pure-Python path writes the very same
bytes (slower, about 20 s per 10M points).
"""

import argparse
import os
import sys

# Bounding box of counties.geojson (lon/lat, WGS84), in micro-degrees.
# geopandas: read_file(counties.geojson).total_bounds
#   -> [97.34743, 26.04927, 110.19485, 34.3147]
LON_MIN_U, LON_MAX_U = 97_347_430, 110_194_850
LAT_MIN_U, LAT_MAX_U = 26_049_270, 34_314_700
LON_SPAN = LON_MAX_U - LON_MIN_U + 1  # number of grid values, inclusive bounds
LAT_SPAN = LAT_MAX_U - LAT_MIN_U + 1

DEFAULT_SEED = 20261128
CHUNK = 1_000_000
MASK64 = (1 << 64) - 1
GAMMA = 0x9E3779B97F4A7C15
MUL1 = 0xBF58476D1CE4E5B9
MUL2 = 0x94D049BB133111EB


def _grid_value(z, lo, span):
    """Map a uniform 64-bit word to lo + [0, span) (multiply-shift on the top 32 bits)."""
    return lo + (((z >> 32) * span) >> 32)


# ---------------------------------------------------------------- pure Python


def _splitmix64_py(counter, seed):
    z = (seed + (counter + 1) * GAMMA) & MASK64
    z = ((z ^ (z >> 30)) * MUL1) & MASK64
    z = ((z ^ (z >> 27)) * MUL2) & MASK64
    return z ^ (z >> 31)


def _fmt_micro(v):
    return f"{v // 1_000_000}.{v % 1_000_000:06d}"


def _write_chunk_py(out, start, stop, seed):
    lines = []
    for i in range(start, stop):
        lon = _grid_value(_splitmix64_py(2 * i, seed), LON_MIN_U, LON_SPAN)
        lat = _grid_value(_splitmix64_py(2 * i + 1, seed), LAT_MIN_U, LAT_SPAN)
        pid = i + 1
        lines.append(f"{pid},poi_{pid},poi,{_fmt_micro(lon)},{_fmt_micro(lat)}\n")
    out.write("".join(lines).encode("ascii"))


# ---------------------------------------------------------------------- numpy


def _splitmix64_np(np, counter, seed):
    # uint64 array arithmetic wraps modulo 2**64, exactly like the masks above.
    with np.errstate(over="ignore"):
        z = np.uint64(seed) + (counter + np.uint64(1)) * np.uint64(GAMMA)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(MUL1)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(MUL2)
    return z ^ (z >> np.uint64(31))


def _put_digits(np, mat, col, width, values, pad):
    """Write `values` right-aligned into mat[:, col:col+width] as ASCII digits.

    Leading zeros become spaces when pad is True; spaces are stripped later,
    which is how variable-width numbers fit a fixed-width byte matrix.
    """
    for k in range(width):
        p = 10 ** (width - 1 - k)
        digit = (values // p) % 10
        ch = (digit + ord("0")).astype(np.uint8)
        if pad and k < width - 1:
            ch[values < p] = ord(" ")
        mat[:, col + k] = ch


def _write_chunk_np(np, out, start, stop, seed, id_width):
    n = stop - start
    idx = np.arange(start, stop, dtype=np.uint64)
    lon = _grid_value(_splitmix64_np(np, idx * np.uint64(2), seed),
                      np.uint64(LON_MIN_U), np.uint64(LON_SPAN)).astype(np.int64)
    lat = _grid_value(_splitmix64_np(np, idx * np.uint64(2) + np.uint64(1), seed),
                      np.uint64(LAT_MIN_U), np.uint64(LAT_SPAN)).astype(np.int64)
    pid = idx.astype(np.int64) + 1

    # Fixed-width layout: "<id>,poi_<id>,poi,<lll>.<ffffff>,<ll>.<ffffff>\n"
    layout = [
        ("id", id_width), (",poi_", 5), ("id", id_width), (",poi,", 5),
        ("lon_int", 3), (".", 1), ("lon_frac", 6), (",", 1),
        ("lat_int", 3), (".", 1), ("lat_frac", 6), ("\n", 1),
    ]
    width = sum(w for _, w in layout)
    mat = np.empty((n, width), dtype=np.uint8)
    col = 0
    for name, w in layout:
        if name == "id":
            _put_digits(np, mat, col, w, pid, pad=True)
        elif name == "lon_int":
            _put_digits(np, mat, col, w, lon // 1_000_000, pad=True)
        elif name == "lon_frac":
            _put_digits(np, mat, col, w, lon % 1_000_000, pad=False)
        elif name == "lat_int":
            _put_digits(np, mat, col, w, lat // 1_000_000, pad=True)
        elif name == "lat_frac":
            _put_digits(np, mat, col, w, lat % 1_000_000, pad=False)
        else:
            mat[:, col:col + w] = np.frombuffer(name.encode("ascii"), dtype=np.uint8)
        col += w
    flat = mat.reshape(-1)
    out.write(flat[flat != ord(" ")].tobytes())


# ----------------------------------------------------------------------- main


def generate(n, path, seed=DEFAULT_SEED, force_python=False):
    np = None
    if not force_python:
        try:
            import numpy as np  # noqa: F811
        except ImportError:
            np = None
    tmp = f"{path}.tmp{os.getpid()}"
    with open(tmp, "wb", buffering=8 << 20) as out:
        out.write(b"id,name,kind,lon,lat\n")
        id_width = max(1, len(str(n)))
        for start in range(0, n, CHUNK):
            stop = min(n, start + CHUNK)
            if np is not None:
                _write_chunk_np(np, out, start, stop, seed, id_width)
            else:
                _write_chunk_py(out, start, stop, seed)
    os.replace(tmp, path)  # never leave a half-written file under the final name


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("n", type=int, help="number of points")
    ap.add_argument("out", help="output CSV path")
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    ap.add_argument("--pure-python", action="store_true",
                    help="do not use numpy (same output, slower)")
    args = ap.parse_args(argv)
    if args.n < 0:
        ap.error("N must be >= 0")
    if not 0 <= args.seed <= MASK64:
        ap.error("seed must fit in 64 bits")
    generate(args.n, args.out, args.seed, args.pure_python)
    print(f"wrote {args.n} points to {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
