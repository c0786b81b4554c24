//! `citybelt count`, the fast path for millions of points: its answers must be those of the
//! plain index (and of geo's brute force), whatever the grid and the number of threads.

mod common;

use std::fmt::Write as _;
use std::fs;
use std::process::Command;

use citybelt::analyse::PointCounts;
use citybelt::config::BoundaryInput;
use citybelt::index::CountyIndex;
use citybelt::load::load_boundaries;
use citybelt::pipeline::{CountOptions, count};
use common::{asset, feature_by, fixture, read_json};
use geo::{CoordsIter, Point};

fn splitmix(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Seeded points over the shipped counties: uniform over the extent, plus real vertices
/// (shared by neighbouring counties) and edge midpoints.
fn seeded_points(n_random: usize, n_border: usize) -> Vec<[f64; 2]> {
    let counties =
        load_boundaries(&BoundaryInput::with_path(asset("counties_lite.geojson"))).unwrap();
    let coords: Vec<_> = counties
        .features
        .iter()
        .flat_map(|b| b.geometry.coords_iter())
        .collect();
    let mut s = 0x5EED;
    let unit = |s: &mut u64| (splitmix(s) >> 11) as f64 / (1u64 << 53) as f64;
    let mut pts = Vec::new();
    for _ in 0..n_random {
        pts.push([97.3 + 12.9 * unit(&mut s), 26.0 + 8.3 * unit(&mut s)]);
    }
    for _ in 0..n_border {
        let i = (splitmix(&mut s) % (coords.len() as u64 - 1)) as usize;
        let (a, b) = (coords[i], coords[i + 1]);
        pts.push([a.x, a.y]);
        pts.push([(a.x + b.x) / 2.0, (a.y + b.y) / 2.0]);
    }
    pts
}

fn write_csv(dir: &std::path::Path, pts: &[[f64; 2]]) -> std::path::PathBuf {
    let mut text = String::from("id,name,lon,lat\n");
    for (i, p) in pts.iter().enumerate() {
        // Full precision, so that vertices stay exactly on the borders.
        writeln!(text, "{i},\"p {i}\",{},{}", p[0], p[1]).unwrap();
    }
    let path = dir.join("points.csv");
    fs::write(&path, text).unwrap();
    path
}

/// Options counting `points` (lon/lat columns) into `boundaries`, writing nothing.
fn options(
    boundaries: std::path::PathBuf,
    points: std::path::PathBuf,
    threads: usize,
    grid_cells: Option<usize>,
) -> CountOptions {
    CountOptions {
        boundaries: BoundaryInput::with_path(boundaries),
        points,
        lon: "lon".into(),
        lat: "lat".into(),
        out: None,
        precision: 6,
        threads,
        grid_cells,
    }
}

fn run_count(points: &std::path::Path, threads: usize, grid_cells: usize) -> PointCounts {
    let opts = options(
        asset("counties_lite.geojson"),
        points.to_owned(),
        threads,
        Some(grid_cells),
    );
    count(&opts, &|_, _| {}).unwrap().counts
}

#[test]
fn fast_path_gives_the_plain_counts_on_seeded_and_border_points() {
    let dir = tempfile::tempdir().unwrap();
    let pts = seeded_points(40_000, 10_000);
    let csv = write_csv(dir.path(), &pts);

    // The plain path: R-tree + exact test, one point at a time.
    let counties =
        load_boundaries(&BoundaryInput::with_path(asset("counties_lite.geojson"))).unwrap();
    let plain_index = CountyIndex::new(&counties);
    let mut plain = PointCounts {
        per_boundary: vec![0; counties.features.len()],
        ..PointCounts::default()
    };
    for p in &pts {
        plain.add(plain_index.locate(Point::new(p[0], p[1])));
    }
    assert!(
        plain.on_border > 5_000,
        "border points were exercised: {}",
        plain.on_border
    );

    for (threads, cells) in [(1, 0), (2, 0), (2, 100_000), (3, 4_000_000)] {
        assert_eq!(
            run_count(&csv, threads, cells),
            plain,
            "threads {threads}, grid cells {cells}"
        );
    }
}

#[test]
fn grid_index_matches_geo_brute_force() {
    let counties =
        load_boundaries(&BoundaryInput::with_path(asset("counties_lite.geojson"))).unwrap();
    let index = CountyIndex::with_grid(&counties, 1_000_000);
    for p in seeded_points(600, 300) {
        let p = Point::new(p[0], p[1]);
        assert_eq!(
            index.locate(p),
            CountyIndex::locate_brute_force(&counties, p),
            "at {p:?}"
        );
    }
}

#[test]
fn errors_name_the_line_across_blocks() {
    let dir = tempfile::tempdir().unwrap();
    // About 6 MB: more than one block. Line 1 is the header, so row i is on line i + 2.
    let mut pts = seeded_points(200_000, 0);
    pts[150_000][1] = 95.0;
    let csv = write_csv(dir.path(), &pts);
    let err = count(
        &options(asset("counties_lite.geojson"), csv, 2, Some(0)),
        &|_, _| {},
    )
    .unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("line 150002: field `lat`") && msg.contains("found `95`"),
        "{msg}"
    );
}

#[test]
fn quoted_line_breaks_do_not_split_rows() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("q.csv");
    fs::write(
        &path,
        "id,name,lon,lat\n1,\"two\nlines\",104.25,30.25\n2,x,104.75,30.25\n",
    )
    .unwrap();
    let out = count(&options(fixture("grid.geojson"), path, 2, None), &|_, _| {}).unwrap();
    assert_eq!(out.counts.points, 2);
    assert_eq!(out.counts.per_boundary[..2], [1, 1]);
}

#[test]
fn count_command_writes_every_polygon_with_its_count() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("counts.geojson");
    let status = Command::new(env!("CARGO_BIN_EXE_citybelt"))
        .args(["count", "--boundaries"])
        .arg(fixture("grid.geojson"))
        .arg("--points")
        .arg(fixture("grid_towns.csv"))
        .arg("--out")
        .arg(&out)
        .arg("--json")
        .output()
        .unwrap();
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    assert_eq!(report["points"], 14);
    assert_eq!(report["outside"], 2);
    let doc = read_json(&out);
    assert_eq!(
        doc["features"].as_array().unwrap().len(),
        5,
        "every polygon, zero counts too"
    );
    let jia = feature_by(&doc, "adcode", "110101");
    // T01 T02 T03, T04 (edge) and T08 (vertex) by the smallest-id rule; no status filter here.
    assert_eq!(jia["properties"]["count"], 5);
    assert_eq!(jia["properties"]["area_km2"], 2667.305);
    assert_eq!(
        feature_by(&doc, "adcode", "130101")["properties"]["count"],
        1
    );
}

#[test]
fn coordinates_in_any_column_order_give_the_same_counts() {
    // The reader takes a quick path when lon and lat are the last two columns; other layouts
    // go field by field. Both must agree.
    let dir = tempfile::tempdir().unwrap();
    let pts = seeded_points(20_000, 2_000);
    let mut last = String::from("id,name,lon,lat\n");
    let mut first = String::from("lat,lon,id,name\n");
    for (i, p) in pts.iter().enumerate() {
        writeln!(last, "{i},p{i},{},{}", p[0], p[1]).unwrap();
        writeln!(first, "{},{},{i},p{i}", p[1], p[0]).unwrap();
    }
    let (a, b) = (dir.path().join("last.csv"), dir.path().join("first.csv"));
    fs::write(&a, last).unwrap();
    fs::write(&b, first).unwrap();
    assert_eq!(run_count(&a, 2, 0), run_count(&b, 2, 0));
}

#[test]
fn line_numbers_are_right_in_crlf_files_with_quotes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("crlf.csv");
    let rows = "id,name,lon,lat\r\n1,\"a, b\",104.25,30.25\r\n2,\"c\",104.75,95.5\r\n";
    fs::write(&path, rows).unwrap();
    let err = count(&options(fixture("grid.geojson"), path, 1, None), &|_, _| {}).unwrap_err();
    assert!(err.to_string().contains("line 3: field `lat`"), "{err}");
}
