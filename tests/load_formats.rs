//! The same three counties and ten towns (`tests/fixtures/formats/`) through every loader,
//! format, encoding and coordinate system: each must give the same counties, names,
//! coordinates and town assignments as the plain GeoJSON and CSV.

mod common;

use std::path::PathBuf;

use citybelt::config::{BoundaryInput, RegionConfig, TownInput};
use citybelt::crs::{Crs, Datum};
use citybelt::load::{LoadOptions, ReadSettings, load_boundaries_with, load_towns_with};
use citybelt::model::{Boundaries, Towns};
use citybelt::pipeline::{RunOptions, run};
use geo::CoordsIter;

/// Largest difference allowed between a coordinate read from a file in WGS84 and the same
/// coordinate in the reference file.
///
/// # Units
/// degrees
const GEOGRAPHIC_TOL: f64 = 1e-9;

/// The bound for coordinates after reprojection or removal of a web-map offset:
/// 1e-7° (about 1 cm).
///
/// # Units
/// degrees
const CONVERTED_TOL: f64 = 1e-7;

fn formats(name: &str) -> PathBuf {
    common::fixture(&format!("formats/{name}"))
}

fn config() -> RegionConfig {
    RegionConfig::from_path(formats("region.toml")).unwrap()
}

fn boundary_input(file: &str, settings: &ReadSettings) -> BoundaryInput {
    let mut input = config().boundary_input();
    input.path = formats(file);
    settings.apply_to_boundaries(&mut input);
    input
}

fn town_input(file: &str, settings: &ReadSettings) -> TownInput {
    let mut input = config().town_input();
    input.path = formats(file);
    settings.apply_to_towns(&mut input);
    input
}

fn settings(crs: Option<&str>, datum: Option<Datum>) -> ReadSettings {
    ReadSettings {
        crs: crs.map(|c| c.parse::<Crs>().unwrap()),
        datum,
        ..ReadSettings::default()
    }
}

/// Every boundary file, the settings it needs, the tolerance, and the warnings expected.
fn boundary_cases() -> Vec<(&'static str, ReadSettings, f64, Vec<&'static str>)> {
    let none = ReadSettings::default();
    vec![
        (
            "counties.geojson",
            none.clone(),
            GEOGRAPHIC_TOL,
            vec!["crs_assumed"],
        ),
        (
            "counties.geojsonl",
            none.clone(),
            GEOGRAPHIC_TOL,
            vec!["crs_assumed"],
        ),
        (
            "counties_4490.geojson",
            none.clone(),
            GEOGRAPHIC_TOL,
            vec![],
        ),
        (
            "counties_gcj02.geojson",
            settings(Some("EPSG:4326"), Some(Datum::Gcj02)),
            CONVERTED_TOL,
            vec![],
        ),
        ("counties_utf8.shp", none.clone(), GEOGRAPHIC_TOL, vec![]),
        ("counties_gbk.shp", none.clone(), GEOGRAPHIC_TOL, vec![]),
        (
            "counties_gbk_nocpg.shp",
            none.clone(),
            GEOGRAPHIC_TOL,
            vec![],
        ),
        (
            "counties_gbk_guess.shp",
            none.clone(),
            GEOGRAPHIC_TOL,
            vec!["encoding_guessed"],
        ),
        ("counties_gk35.shp", none.clone(), CONVERTED_TOL, vec![]),
        ("formats.gpkg:counties", none, GEOGRAPHIC_TOL, vec![]),
    ]
}

/// Every town file, with the same columns.
fn town_cases() -> Vec<(&'static str, ReadSettings, f64, Vec<&'static str>)> {
    let wgs84 = settings(Some("EPSG:4326"), None);
    let none = ReadSettings::default();
    vec![
        ("towns.csv", wgs84.clone(), GEOGRAPHIC_TOL, vec![]),
        ("towns_semicolon.csv", wgs84.clone(), GEOGRAPHIC_TOL, vec![]),
        ("towns.tsv", wgs84.clone(), GEOGRAPHIC_TOL, vec![]),
        ("towns_bom.csv", wgs84.clone(), GEOGRAPHIC_TOL, vec![]),
        (
            "towns_gbk.csv",
            wgs84.clone(),
            GEOGRAPHIC_TOL,
            vec!["encoding_guessed"],
        ),
        ("towns_cn.csv", wgs84.clone(), GEOGRAPHIC_TOL, vec![]),
        ("towns_wkt.csv", wgs84.clone(), GEOGRAPHIC_TOL, vec![]),
        (
            "towns.csv",
            none.clone(),
            GEOGRAPHIC_TOL,
            vec!["crs_assumed"],
        ),
        ("towns.geojson", none.clone(), GEOGRAPHIC_TOL, vec![]),
        ("towns_gbk.shp", none.clone(), GEOGRAPHIC_TOL, vec![]),
        ("towns_gk35.shp", none.clone(), CONVERTED_TOL, vec![]),
        ("formats.gpkg:towns", none, GEOGRAPHIC_TOL, vec![]),
        (
            "towns_gcj02.csv",
            settings(Some("EPSG:4326"), Some(Datum::Gcj02)),
            CONVERTED_TOL,
            vec![],
        ),
        (
            "towns_bd09.csv",
            settings(Some("EPSG:4326"), Some(Datum::Bd09)),
            CONVERTED_TOL,
            vec![],
        ),
    ]
}

fn reference_boundaries() -> Boundaries {
    load_boundaries_with(
        &boundary_input("counties.geojson", &settings(Some("EPSG:4326"), None)),
        &LoadOptions::default(),
    )
    .unwrap()
}

fn reference_towns() -> Towns {
    load_towns_with(
        &town_input("towns.csv", &settings(Some("EPSG:4326"), None)),
        &LoadOptions::default(),
    )
    .unwrap()
}

fn codes(w: &[citybelt::model::Warning]) -> Vec<&'static str> {
    w.iter().map(|w| w.code).collect()
}

#[test]
fn every_boundary_loader_gives_the_same_counties() {
    let reference = reference_boundaries();
    assert_eq!(reference.features.len(), 3);
    for (file, s, tol, warnings) in boundary_cases() {
        let got = load_boundaries_with(&boundary_input(file, &s), &LoadOptions::default())
            .unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(codes(&got.warnings), warnings, "{file}: {:?}", got.warnings);
        assert_eq!(got.features.len(), 3, "{file}");
        let mut worst = 0.0f64;
        for (a, b) in reference.features.iter().zip(&got.features) {
            assert_eq!(
                (&a.id, &a.name, &a.prefecture_id, &a.prefecture_name),
                (&b.id, &b.name, &b.prefecture_id, &b.prefecture_name),
                "{file}"
            );
            assert_eq!(a.geometry.0.len(), b.geometry.0.len(), "{file} {}", a.id);
            assert_eq!(
                a.geometry.coords_count(),
                b.geometry.coords_count(),
                "{file} {}",
                a.id
            );
            for (p, q) in a.geometry.coords_iter().zip(b.geometry.coords_iter()) {
                worst = worst.max((p.x - q.x).abs()).max((p.y - q.y).abs());
            }
        }
        assert!(
            worst <= tol,
            "{file}: coordinates differ by up to {worst:e}° (allowed {tol:e}°)"
        );
        eprintln!("{file}: max difference {worst:e}°");
    }
}

#[test]
fn every_town_loader_gives_the_same_towns() {
    let reference = reference_towns();
    assert_eq!(reference.towns.len(), 10);
    for (file, s, tol, warnings) in town_cases() {
        let got = load_towns_with(&town_input(file, &s), &LoadOptions::default())
            .unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(codes(&got.warnings), warnings, "{file}: {:?}", got.warnings);
        assert_eq!(got.towns.len(), 10, "{file}");
        let mut worst = 0.0f64;
        for (a, b) in reference.towns.iter().zip(&got.towns) {
            assert_eq!(
                (&a.id, &a.name, a.kind, &a.status),
                (&b.id, &b.name, b.kind, &b.status),
                "{file}"
            );
            worst = worst
                .max((a.position.x() - b.position.x()).abs())
                .max((a.position.y() - b.position.y()).abs());
        }
        assert!(
            worst <= tol,
            "{file}: positions differ by up to {worst:e}° (allowed {tol:e}°)"
        );
        eprintln!("{file}: max difference {worst:e}°");
    }
}

/// Town id → (county id, placement) of a run.
fn assignments(
    boundaries: &str,
    b: ReadSettings,
    towns: &str,
    t: ReadSettings,
) -> Vec<(String, String, &'static str)> {
    let o = run(&RunOptions {
        config: formats("region.toml"),
        boundaries: Some(formats(boundaries)),
        towns: Some(formats(towns)),
        boundary_settings: b,
        town_settings: t,
        ..RunOptions::default()
    })
    .unwrap_or_else(|e| panic!("{boundaries} + {towns}: {e}"));
    o.towns
        .towns
        .iter()
        .zip(&o.analysis.towns)
        .map(|(t, r)| {
            let county = r
                .location
                .boundary()
                .map_or_else(String::new, |i| o.boundaries.features[i].id.clone());
            (t.id.clone(), county, r.placement.as_str())
        })
        .collect()
}

#[test]
fn every_loader_assigns_the_towns_alike() {
    let none = ReadSettings::default();
    let expected = assignments("counties.geojson", none.clone(), "towns.csv", none.clone());
    let in_county = |id: &str| expected.iter().find(|a| a.0 == id).unwrap().1.clone();
    assert_eq!(in_county("510603201"), "510603");
    assert_eq!(in_county("510682110"), "510682");
    assert_eq!(in_county("510683201"), "510683");
    assert!(expected.iter().all(|a| a.2 == "member"), "{expected:?}");
    for (file, s, _, _) in boundary_cases() {
        assert_eq!(
            assignments(file, s, "towns.csv", none.clone()),
            expected,
            "{file}"
        );
    }
    for (file, s, _, _) in town_cases() {
        assert_eq!(
            assignments("counties.geojson", none.clone(), file, s),
            expected,
            "{file}"
        );
    }
}

#[test]
fn a_single_feature_is_a_layer_of_one() {
    let dir = tempfile::tempdir().unwrap();
    let seq = std::fs::read_to_string(formats("counties.geojsonl")).unwrap();
    let first = seq.lines().next().unwrap();
    let path = dir.path().join("one.geojson");
    std::fs::write(&path, first).unwrap();
    let mut input = boundary_input("counties.geojson", &settings(Some("EPSG:4326"), None));
    input.path = path;
    let got = load_boundaries_with(&input, &LoadOptions::default()).unwrap();
    let reference = reference_boundaries();
    assert_eq!(got.features.len(), 1);
    assert_eq!(got.features[0], reference.features[0]);
}
