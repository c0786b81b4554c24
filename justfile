# citybelt developer tasks. `just` lists them; `.ci/run` runs the same steps without `just`.

# List the recipes
@_default:
    just --list

# The main job on the shipped region, into out/
run:
    cargo run --release -- run

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

# Open every layer of a default run with GDAL's ogrinfo (needs Debian's gdal-bin)
ogr-check:
    bash tests/ogr/check.sh

# Everything CI runs
ci:
    bash .ci/run
