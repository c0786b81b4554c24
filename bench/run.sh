#!/usr/bin/env bash
# Side-by-side benchmark of `citybelt count` against GeoPandas, DuckDB spatial
# and Apache SedonaDB on the same job (see bench/README.md):
#
#   count N points into the 221 full-resolution counties; per county write
#   count, geodesic area (km2, WGS84 ellipsoid) and density per 10,000 km2
#   to a GeoJSON file.
#
# Usage:   bash bench/run.sh [N ...]            (default: 1000000 10000000)
# Env:     BENCH_RUNS=3             runs per tool and size (median reported)
#          BENCH_TOOLS="citybelt geopandas duckdb sedonadb"
#          BENCH_PREDICATE=intersects   peers' border rule (or: contains)
#          BENCH_BOUNDARIES=<path>  default ../shared/data/counties.geojson
#          BENCH_BORDER_CHECK=1     also run every tool once on 2,000 points
#                                   that lie exactly on boundaries (0 = skip)
#          BENCH_TIMEOUT=1800       seconds before one run is killed
#          BENCH_SKIP_BUILD=1       do not run `cargo build --release` first
#          BENCH_CITYBELT=<path>    citybelt binary (default target/release/citybelt)
# Writes:  target/bench-data/points_N.csv   (generated once, deterministic)
#          target/bench-out/N/<tool>_runK.{geojson,json,time,err}
#          bench/RESULTS.md                 (tables, machine, versions, checks)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

if [ "$#" -gt 0 ]; then SIZES=("$@"); else SIZES=(1000000 10000000); fi
RUNS="${BENCH_RUNS:-3}"
TOOLS=(${BENCH_TOOLS:-citybelt geopandas duckdb sedonadb})
PREDICATE="${BENCH_PREDICATE:-intersects}"
BOUNDARIES="${BENCH_BOUNDARIES:-$ROOT/../shared/data/counties.geojson}"
BORDER_CHECK="${BENCH_BORDER_CHECK:-1}"
TIMEOUT="${BENCH_TIMEOUT:-1800}"
VENV="$ROOT/target/bench-venv"
PY="$VENV/bin/python"
DATA="$ROOT/target/bench-data"
OUT="$ROOT/target/bench-out"
CITYBELT="${BENCH_CITYBELT:-$ROOT/target/release/citybelt}"

for n in "${SIZES[@]}"; do
    [[ "$n" =~ ^[0-9]+$ ]] || { echo "run.sh: size '$n' is not a number" >&2; exit 2; }
done
[[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || { echo "run.sh: BENCH_RUNS must be >= 1" >&2; exit 2; }
[ -f "$BOUNDARIES" ] || { echo "run.sh: no boundaries at $BOUNDARIES (set BENCH_BOUNDARIES)" >&2; exit 2; }
BOUNDARIES="$(cd "$(dirname "$BOUNDARIES")" && pwd)/$(basename "$BOUNDARIES")"

log() { echo "[$(date +%H:%M:%S)] $*" >&2; }

# ---------------------------------------------------------------- set-up
log "setting up the peers"
bash "$ROOT/bench/setup_peers.sh"

# citybelt: build it, and run it only if the binary has the `count` subcommand.
HAVE_CITYBELT=0
if [[ " ${TOOLS[*]} " == *" citybelt "* ]]; then
    if [ "${BENCH_SKIP_BUILD:-0}" != 1 ]; then
        log "cargo build --release"
        cargo build --release || log "cargo build --release FAILED"
    fi
    if [ -x "$CITYBELT" ] && "$CITYBELT" count --help >/dev/null 2>&1; then
        HAVE_CITYBELT=1
    else
        log "SKIPPING citybelt: $CITYBELT is missing or has no 'count' subcommand; the peers still run"
    fi
fi
ACTIVE=()
for t in "${TOOLS[@]}"; do
    if [ "$t" = citybelt ] && [ "$HAVE_CITYBELT" = 0 ]; then continue; fi
    ACTIVE+=("$t")
done
[ "${#ACTIVE[@]}" -gt 0 ] || { echo "run.sh: no tool to run" >&2; exit 1; }

# One run of one tool: stdout (the JSON line), stderr, GNU time's report and
# the GeoJSON land in $dir under <tool>_<tag>.*. Never aborts the benchmark.
run_tool() {
    local tool="$1" points="$2" dir="$3" tag="$4" pred="${5:-$PREDICATE}"
    local base="$dir/${tool}_${tag}"
    local cmd
    case "$tool" in
        citybelt) cmd=("$CITYBELT" count --boundaries "$BOUNDARIES" --points "$points"
                       --out "$base.geojson" --json) ;;
        geopandas|duckdb|sedonadb)
                  cmd=("$PY" "$ROOT/bench/peer_$tool.py" "$BOUNDARIES" "$points"
                       "$base.geojson" --predicate "$pred") ;;
        *) echo "run.sh: unknown tool $tool" >&2; return 0 ;;
    esac
    rm -f "$base.geojson"
    local rc=0
    timeout "$TIMEOUT" /usr/bin/time -v -o "$base.time" "${cmd[@]}" \
        >"$base.json" 2>"$base.err" || rc=$?
    echo "$rc" >"$base.rc"
    if [ "$rc" != 0 ]; then
        log "  $tool $tag FAILED (exit $rc); last lines of $base.err:"
        tail -n 5 "$base.err" >&2 || true
    else
        log "  $tool $tag: $(grep -m1 'Elapsed (wall clock)' "$base.time" | sed 's/.*): //') wall"
    fi
}

# Machine description for RESULTS.md.
mkdir -p "$OUT" "$DATA"
{
    echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "cpus (nproc): $(nproc)"
    echo "cpu model: $(lscpu | sed -n 's/^Model name:[[:space:]]*//p' | head -n1)"
    echo "memory: $(free -g | awk '/^Mem:/ {print $2 " GiB"}')"
    echo "os: $(. /etc/os-release && echo "$PRETTY_NAME"), kernel $(uname -r)"
    echo "python: $("$PY" --version 2>&1)"
    echo "rustc: $(rustc --version 2>/dev/null || echo 'not found')"
    echo "citybelt: $([ "$HAVE_CITYBELT" = 1 ] && "$CITYBELT" --version 2>/dev/null || echo 'not run')"
    echo "git: $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo 'no commit')"
    echo "load average at start (1, 5, 15 min): $(cut -d' ' -f1-3 /proc/loadavg)"
} >"$OUT/machine.txt"

# ------------------------------------------------------------ benchmark
started=$(date +%s)
for n in "${SIZES[@]}"; do
    points="$DATA/points_$n.csv"
    if [ ! -s "$points" ]; then
        log "generating $n points -> $points"
        "$PY" "$ROOT/bench/gen_points.py" "$n" "$points"
    fi
    dir="$OUT/$n"
    rm -rf "$dir"
    mkdir -p "$dir"
    # Alternate the tools inside each round so that drift of the machine
    # (page cache, thermal state, other load) spreads over all of them.
    for r in $(seq 1 "$RUNS"); do
        log "N=$n round $r/$RUNS"
        for t in "${ACTIVE[@]}"; do
            run_tool "$t" "$points" "$dir" "run$r"
        done
    done
    log "comparing counts for N=$n"
    firsts=()
    for t in "${ACTIVE[@]}"; do
        [ -s "$dir/${t}_run1.geojson" ] && firsts+=("$dir/${t}_run1.geojson")
    done
    if [ "${#firsts[@]}" -ge 1 ]; then
        "$PY" "$ROOT/bench/compare_counts.py" "${firsts[@]}" \
            --points "$points" --boundaries "$BOUNDARIES" --border-scan \
            >"$dir/compare.txt" 2>&1 || true
        cat "$dir/compare.txt" >&2
    fi
done

# Border check: 2,000 points exactly on county boundaries, every tool once
# (the peers with both rules), to show how each treats border points.
if [ "$BORDER_CHECK" = 1 ]; then
    log "border check"
    dir="$OUT/border"
    rm -rf "$dir"
    mkdir -p "$dir"
    points="$DATA/border_points.csv"
    "$PY" "$ROOT/bench/gen_border_points.py" "$BOUNDARIES" 2000 "$points"
    files=()
    for t in "${ACTIVE[@]}"; do
        if [ "$t" = citybelt ]; then
            run_tool citybelt "$points" "$dir" own
            files+=("$dir/citybelt_own.geojson")
        else
            for pred in intersects contains; do
                run_tool "$t" "$points" "$dir" "$pred" "$pred"
                files+=("$dir/${t}_$pred.geojson")
            done
        fi
    done
    existing=()
    for f in "${files[@]}"; do [ -s "$f" ] && existing+=("$f"); done
    "$PY" "$ROOT/bench/compare_counts.py" "${existing[@]}" --points "$points" \
        --boundaries "$BOUNDARIES" --border-scan --max-rows 0 >"$dir/compare.txt" 2>&1 || true
fi

# -------------------------------------------------------------- report
# A load average well above 0 means something else shared the cores: the
# timings are then noisy (CPU seconds are less affected than wall seconds).
echo "load average at end (1, 5, 15 min): $(cut -d' ' -f1-3 /proc/loadavg)" >>"$OUT/machine.txt"
log "writing bench/RESULTS.md"
"$PY" "$ROOT/bench/summarize.py" --out-dir "$OUT" --runs "$RUNS" --predicate "$PREDICATE" \
    --boundaries "$BOUNDARIES" --elapsed "$(( $(date +%s) - started ))" \
    --sizes "${SIZES[@]}" --tools "${ACTIVE[@]}" >"$ROOT/bench/RESULTS.md"
log "done in $(( $(date +%s) - started )) s; see bench/RESULTS.md"
