#!/usr/bin/env python3
"""Turn the raw outputs of bench/run.sh into bench/RESULTS.md (on stdout).

Reads, under --out-dir (target/bench-out):
  machine.txt                     machine description written by run.sh
  <N>/<tool>_run<k>.json          the tool's stdout (one JSON object)
  <N>/<tool>_run<k>.time          GNU `/usr/bin/time -v` report
  <N>/<tool>_run<k>.rc            exit status
  <N>/compare.txt                 bench/compare_counts.py on the run-1 outputs
  border/compare.txt              the border check, when it ran

Wall time and peak memory come from GNU time (the whole process, interpreter
start-up and imports included); total_s and join_s are what each tool reports
about itself (see bench/peer_common.py).
"""

import argparse
import json
import os
import re
import statistics
import sys


def parse_time_report(path):
    """(wall s, CPU s = user + system, peak RSS KiB) from a `/usr/bin/time -v` report."""
    wall = rss = cpu = None
    try:
        text = open(path, encoding="utf-8", errors="replace").read()
    except OSError:
        return None, None, None
    m = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): ([\d:.]+)", text)
    if m:
        seconds = 0.0
        for part in m.group(1).split(":"):
            seconds = seconds * 60 + float(part)
        wall = seconds
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)
    if m:
        rss = int(m.group(1))
    user = re.search(r"User time \(seconds\): ([\d.]+)", text)
    system = re.search(r"System time \(seconds\): ([\d.]+)", text)
    if user and system:
        cpu = float(user.group(1)) + float(system.group(1))
    return wall, cpu, rss


def parse_json_output(path):
    """The JSON object a tool printed: the whole stdout, or its last JSON line."""
    try:
        text = open(path, encoding="utf-8", errors="replace").read()
    except OSError:
        return {}
    try:
        obj = json.loads(text)
        if isinstance(obj, dict):
            return obj
    except ValueError:
        pass
    for line in reversed(text.splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                obj = json.loads(line)
                if isinstance(obj, dict):
                    return obj
            except ValueError:
                continue
    return {}


def read_rc(path):
    try:
        return int(open(path).read().strip())
    except (OSError, ValueError):
        return None


def number(obj, key):
    value = obj.get(key)
    return float(value) if isinstance(value, (int, float)) else None


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def fmt(value, digits=2):
    return "—" if value is None else f"{value:.{digits}f}"


def ratio(value, ref):
    if value is None or ref is None or ref == 0:
        return "—"
    return f"{value / ref:.2f}×"


def collect(out_dir, size, tools, runs):
    """tool -> list of per-run dicts."""
    result = {}
    for tool in tools:
        rows = []
        for k in range(1, runs + 1):
            base = os.path.join(out_dir, str(size), f"{tool}_run{k}")
            wall, cpu, rss = parse_time_report(base + ".time")
            obj = parse_json_output(base + ".json")
            rows.append({
                "run": k, "rc": read_rc(base + ".rc"), "wall": wall, "cpu": cpu, "rss_kib": rss,
                "json": obj, "total_s": number(obj, "total_s"), "join_s": number(obj, "join_s"),
            })
        result[tool] = rows
    return result


def read_text(path):
    try:
        return open(path, encoding="utf-8").read().rstrip()
    except OSError:
        return None


def write_compare(w, text):
    """compare_counts.py output; the long list of border points goes in a <details>."""
    head, sep, tail = text.partition("\nBorder points")
    w(head.rstrip() + "\n\n")
    if sep:
        first, _, rest = ("Border points" + tail).partition("\n")
        w(first + "\n\n")
        if rest.strip():
            w("<details><summary>the points</summary>\n\n" + rest.strip() + "\n\n</details>\n\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out-dir", required=True)
    ap.add_argument("--runs", type=int, required=True)
    ap.add_argument("--predicate", required=True)
    ap.add_argument("--boundaries", required=True)
    ap.add_argument("--elapsed", type=int, default=None)
    ap.add_argument("--sizes", nargs="+", required=True)
    ap.add_argument("--tools", nargs="+", required=True)
    args = ap.parse_args()
    w = sys.stdout.write

    w("# citybelt count: side-by-side benchmark\n\n")
    w("Job: count N points into the 221 full-resolution county polygons of Sichuan and "
      "Chongqing (`counties.geojson`, 353k vertices); per county write the count, the "
      "geodesic area in km² (WGS84 ellipsoid) and the density per 10,000 km² to a GeoJSON "
      "file. Points: `bench/gen_points.py`, uniform over the counties' bounding box. "
      "How to rerun and what each column means: `bench/README.md`.\n\n")
    w(f"Written by `bash bench/run.sh {' '.join(args.sizes)}` with {args.runs} run(s) per "
      f"tool and size, tools alternating within each round; peers' border rule: "
      f"`{args.predicate}`.")
    if args.elapsed is not None:
        w(f" The whole run took {args.elapsed // 60} min {args.elapsed % 60} s.")
    w("\n\n")

    machine = read_text(os.path.join(args.out_dir, "machine.txt"))
    if machine:
        w("## Machine\n\n")
        for line in machine.splitlines():
            w(f"- {line}\n")
        w("\n")

    if "citybelt" not in args.tools:
        w("**citybelt was not run** (binary missing or without the `count` subcommand), "
          "so there are no ratios.\n\n")

    versions = {}
    for size in args.sizes:
        data = collect(args.out_dir, size, args.tools, args.runs)
        ref = data.get("citybelt")
        ref_wall = median(r["wall"] for r in ref if r["rc"] == 0) if ref else None
        ref_join = median(r["join_s"] for r in ref if r["rc"] == 0) if ref else None

        w(f"## N = {int(size):,} points\n\n")
        w("| tool | ok runs | wall s (median) | vs citybelt | join s (median) | vs citybelt "
          "| self-reported total s | CPU s (median) | peak RSS MiB |\n")
        w("|---|---:|---:|---:|---:|---:|---:|---:|---:|\n")
        for tool, rows in data.items():
            ok = [r for r in rows if r["rc"] == 0]
            wall = median(r["wall"] for r in ok)
            join = median(r["join_s"] for r in ok)
            total = median(r["total_s"] for r in ok)
            cpu = median(r["cpu"] for r in ok)
            rss = max((r["rss_kib"] for r in ok if r["rss_kib"]), default=None)
            first = ok[0]["json"] if ok else {}
            if first.get("version"):
                versions[tool] = str(first["version"])
            w(f"| {tool} | {len(ok)}/{len(rows)} | {fmt(wall)} | {ratio(wall, ref_wall)} "
              f"| {fmt(join, 3)} | {ratio(join, ref_join)} | {fmt(total)} | {fmt(cpu)} "
              f"| {fmt(rss / 1024 if rss else None, 0)} |\n")
        w("\n")

        # Phase breakdown from the tools' own JSON (medians): every "*_s" key
        # any tool reports, known ones in pipeline order.
        known = ["import_s", "load_s", "read_s", "index_s", "join_s", "area_s", "write_s"]
        seen = {k for rows in data.values() for r in rows for k, v in r["json"].items()
                if k.endswith("_s") and k != "total_s" and isinstance(v, (int, float))}
        phases = [k for k in known if k in seen] + sorted(seen - set(known))
        w("Phases (median seconds, as each tool reports them):\n\n")
        w("| tool | " + " | ".join(phases) + " |\n")
        w("|---|" + "---:|" * len(phases) + "\n")
        for tool, rows in data.items():
            ok = [r for r in rows if r["rc"] == 0]
            cells = [fmt(median(number(r["json"], p) for r in ok), 3) for p in phases]
            w(f"| {tool} | " + " | ".join(cells) + " |\n")
        w("\n")

        failed = [(t, r) for t, rows in data.items() for r in rows if r["rc"] not in (0,)]
        if failed:
            w("Failed runs: " + ", ".join(f"{t} run {r['run']} (exit {r['rc']})"
                                          for t, r in failed) + " — see "
              f"`target/bench-out/{size}/<tool>_run<k>.err`.\n\n")

        compare = read_text(os.path.join(args.out_dir, str(size), "compare.txt"))
        if compare:
            w("Agreement of the counts (`bench/compare_counts.py` on the run-1 outputs):\n\n")
            write_compare(w, compare)

        w("<details><summary>every run</summary>\n\n")
        w("| tool | run | exit | wall s | CPU s | total_s | join_s | peak RSS MiB |\n")
        w("|---|---:|---:|---:|---:|---:|---:|---:|\n")
        for tool, rows in data.items():
            for r in rows:
                w(f"| {tool} | {r['run']} | {r['rc']} | {fmt(r['wall'])} | {fmt(r['cpu'])} "
                  f"| {fmt(r['total_s'])} "
                  f"| {fmt(r['join_s'], 3)} | {fmt(r['rss_kib'] / 1024 if r['rss_kib'] else None, 0)} |\n")
        w("\n</details>\n\n")

    border = read_text(os.path.join(args.out_dir, "border", "compare.txt"))
    if border:
        w("## Border check\n\n")
        w("2,000 points that lie exactly on county boundaries (`bench/gen_border_points.py`: "
          "ring vertices and edge midpoints), each tool run once, the peers with both rules "
          "(`_intersects`: closed polygons, `_contains`: open polygons). The sum of counts is "
          "the number of (point, county) pairs a tool counted; in exact decimal arithmetic "
          "every point is on the boundary of one to three counties, so an exact closed rule "
          "counts every pair (the number is printed below) and an exact open rule none. "
          "Tools with the same rule still differ where floating point decides: an edge "
          "midpoint such as 106.461535 is not exactly representable in binary, so it lies a "
          "hair inside one of the two counties, and a predicate that is not exact can also "
          "misjudge points that are on an edge even in binary. See bench/README.md.\n\n")
        write_compare(w, border)

    if versions:
        w("## Versions\n\n")
        for tool, version in versions.items():
            w(f"- {tool}: {version}\n")
        w("\n")


if __name__ == "__main__":
    main()
