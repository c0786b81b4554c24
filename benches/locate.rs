//! Point location and geodesic area on real counties.
//!
//! Uses the full-resolution layer `../shared/data/counties.geojson` (221 counties, 353k
//! vertices) when it is there, else the shipped simplified one. Run with `cargo bench`; CI only
//! builds it.

use std::hint::black_box;
use std::path::Path;

use citybelt::analyse::area_km2;
use citybelt::config::BoundaryInput;
use citybelt::index::CountyIndex;
use citybelt::load::load_boundaries;
use criterion::{BenchmarkId, Criterion, Throughput, criterion_main};
use geo::Point;

fn counties_path() -> &'static str {
    let full = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/data/counties.geojson"
    );
    if Path::new(full).exists() {
        full
    } else {
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/assets/chengyu/counties_lite.geojson"
        )
    }
}

/// Seeded points uniform over the Sichuan–Chongqing box (SplitMix64).
fn points(n: usize) -> Vec<Point<f64>> {
    let mut s: u64 = 42;
    let mut unit = move || {
        s = s.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = s;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
    };
    (0..n)
        .map(|_| Point::new(97.3 + 12.9 * unit(), 26.0 + 8.3 * unit()))
        .collect()
}

fn locate(c: &mut Criterion) {
    let counties =
        load_boundaries(&BoundaryInput::with_path(counties_path())).expect("counties load");
    let pts = points(1_000_000);
    let plain = CountyIndex::new(&counties);
    let grid = CountyIndex::with_grid(&counties, 4_000_000);
    let mut g = c.benchmark_group("locate_1M_points");
    g.throughput(Throughput::Elements(pts.len() as u64));
    g.sample_size(10);
    for (name, index) in [("rtree_prepared", &plain), ("grid", &grid)] {
        g.bench_function(BenchmarkId::new(name, "1 thread"), |b| {
            b.iter(|| {
                pts.iter()
                    .filter(|p| index.locate(**p).boundary().is_some())
                    .count()
            })
        });
    }
    g.bench_function(BenchmarkId::new("grid", "2 threads"), |b| {
        b.iter(|| {
            std::thread::scope(|s| {
                let halves: Vec<_> = pts
                    .chunks(pts.len() / 2)
                    .map(|part| {
                        s.spawn(|| {
                            part.iter()
                                .filter(|p| grid.locate(**p).boundary().is_some())
                                .count()
                        })
                    })
                    .collect();
                halves.into_iter().map(|h| h.join().unwrap()).sum::<usize>()
            })
        })
    });
    g.finish();

    let mut g = c.benchmark_group("build_index");
    g.sample_size(10);
    g.bench_function("rtree_prepared", |b| {
        b.iter(|| black_box(CountyIndex::new(&counties)))
    });
    g.bench_function("grid_4M_cells", |b| {
        b.iter(|| black_box(CountyIndex::with_grid(&counties, 4_000_000)))
    });
    g.finish();
}

fn area(c: &mut Criterion) {
    let counties =
        load_boundaries(&BoundaryInput::with_path(counties_path())).expect("counties load");
    let mut g = c.benchmark_group("geodesic_area");
    g.sample_size(10);
    g.bench_function("all_counties", |b| {
        b.iter(|| {
            counties
                .features
                .iter()
                .map(|f| area_km2(&f.geometry))
                .sum::<f64>()
        })
    });
    g.finish();
}

/// The criterion entry points (the macros generate undocumented functions).
#[allow(missing_docs)]
mod entry {
    use super::{area, locate};
    use criterion::criterion_group;
    criterion_group!(benches, locate, area);
}
criterion_main!(entry::benches);
