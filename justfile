# citybelt developer tasks. `just` lists them; `.ci/run` runs the same steps without `just`.

# List the recipes
@_default:
    just --list

# The main job on the shipped region, into out/
run:
    cargo run --release -- run

# The main job in every format (GeoJSON, GeoPackage, Shapefile, FlatGeobuf), into out/
run-all:
    cargo run --release -- run --format geojson,gpkg,shp,fgb

fmt-check:
    cargo fmt --all -- --check

clippy:
    cargo clippy --all-targets -- -D warnings

# The README's test command
test:
    cargo test

doc:
    RUSTDOCFLAGS="-D warnings" cargo doc --no-deps

# The library without the command-line dependencies
lib-only:
    cargo build --no-default-features

# The optional GDAL reader (needs Debian's libgdal-dev)
test-gdal:
    cargo test --features gdal

# Open every layer of a run in every format with GDAL's ogrinfo (needs Debian's gdal-bin)
ogr-check:
    bash tests/ogr/check.sh

# Open the run in a real QGIS, headless, and render it to target/qgis/map.png
# (needs Debian's qgis and python3-qgis)
qgis-check:
    bash tests/qgis/check.sh

# The side-by-side benchmark against GeoPandas, DuckDB spatial and SedonaDB (about 5-10
# minutes; installs the peers into target/bench-venv; writes bench/RESULTS.md)
bench *SIZES:
    bash bench/run.sh {{SIZES}}

# Criterion micro-benchmarks: point location, index building, geodesic area
bench-micro:
    cargo bench --bench locate

# Everything CI runs
ci:
    bash .ci/run
