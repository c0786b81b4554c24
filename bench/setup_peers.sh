#!/usr/bin/env bash
# Set up the peers of the citybelt counting benchmark (idempotent).
#
#   bash bench/setup_peers.sh
#
# * a virtualenv at target/bench-venv with the pinned packages of
#   bench/requirements-peers.txt (GeoPandas, DuckDB + its spatial extension
#   package, SedonaDB, ...); reinstalled only when that file changes;
# * GNU time at /usr/bin/time (Debian package `time`) for peak-memory figures.
# Everything comes from the package registries; nothing is fetched at run
# time (DuckDB's spatial extension is loaded from its installed wheel file).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/target/bench-venv"
REQS="$ROOT/bench/requirements-peers.txt"
STAMP="$VENV/.bench-requirements.sha256"
PYTHON="${PYTHON:-python3}"

if [ ! -x /usr/bin/time ]; then
    echo "setup_peers: installing GNU time (Debian package 'time')" >&2
    if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq time >/dev/null
fi

want="$(sha256sum "$REQS" | cut -d' ' -f1)"
if [ -x "$VENV/bin/python" ] && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want" ]; then
    echo "setup_peers: $VENV is up to date" >&2
    exit 0
fi

if [ ! -x "$VENV/bin/python" ]; then
    echo "setup_peers: creating $VENV with $($PYTHON --version 2>&1)" >&2
    mkdir -p "$ROOT/target"
    "$PYTHON" -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$REQS"

# Fail here, not in the middle of a benchmark, if something is missing.
"$VENV/bin/python" - <<'PY'
import duckdb, geopandas, pyogrio, pyarrow, pyproj, shapely, numpy, sedonadb
import geoarrow.pyarrow  # noqa: F401  (needed by sedonadb's to_pandas/to_arrow_table)
import importlib.util, glob, os
spec = importlib.util.find_spec("duckdb_ext")
ext = [p for root in spec.submodule_search_locations
       for p in glob.glob(os.path.join(root, "extensions", f"v{duckdb.__version__}", "*",
                                       "spatial.duckdb_extension"))]
assert ext, f"no spatial.duckdb_extension for duckdb {duckdb.__version__}"
print(f"setup_peers: ok: geopandas {geopandas.__version__}, duckdb {duckdb.__version__} "
      f"(spatial from {ext[0]}), sedonadb {sedonadb.__version__}")
PY
echo "$want" > "$STAMP"
