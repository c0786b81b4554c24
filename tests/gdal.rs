//! The `gdal` feature: boundaries and towns read through GDAL/OGR from a GeoPackage and from
//! a projected Shapefile agree with the pure-Rust loaders on the same data. Needs
//! `libgdal-dev`; run with `cargo test --features gdal`.

mod common;

use std::path::Path;

use citybelt::config::{BoundaryInput, TownInput};
use citybelt::export::OutputFormat;
use citybelt::load::{self, gdal as ogr};
use citybelt::pipeline::{RunOptions, run};
use common::fixture;
use gdal::DriverManager;
use gdal::spatial_ref::{AxisMappingStrategy, SpatialRef};
use gdal::vector::{Feature, LayerAccess, LayerOptions, OGRFieldType, OGRwkbGeometryType, ToGdal};

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol
}

fn same_outline(a: &geo::MultiPolygon<f64>, b: &geo::MultiPolygon<f64>, tol: f64) -> bool {
    use geo::CoordsIter;
    a.coords_count() == b.coords_count()
        && a.coords_iter()
            .zip(b.coords_iter())
            .all(|(p, q)| close(p.x, q.x, tol) && close(p.y, q.y, tol))
}

#[test]
fn boundaries_and_towns_from_a_geopackage_match_the_native_loaders() {
    let dir = tempfile::tempdir().unwrap();
    let o = run(&RunOptions {
        config: fixture("grid_region.toml"),
        out: Some(dir.path().to_owned()),
        formats: vec![OutputFormat::GeoPackage],
        ..RunOptions::default()
    })
    .unwrap();
    let gpkg = dir.path().join("citybelt.gpkg");
    let counties = ogr::load_boundaries(&BoundaryInput {
        prefecture_name: "prefecture".into(),
        ..BoundaryInput::with_path(format!("{}|layername=counties", gpkg.display()))
    })
    .unwrap();
    assert_eq!(counties.features.len(), o.analysis.counties.len());
    for c in &counties.features {
        let native = &o.boundaries.features[o.boundaries.position(&c.id).unwrap()];
        assert_eq!(c.name, native.name, "Chinese name of {}", c.id);
        assert_eq!(c.prefecture_name, native.prefecture_name);
        assert!(
            same_outline(&c.geometry, &native.geometry, 1e-9),
            "outline of {}",
            c.id
        );
    }

    let towns = ogr::load_towns(&TownInput {
        path: format!("{}|layername=towns", gpkg.display()).into(),
        name: "name".into(),
        status: Some("status".into()),
        ..TownInput::with_path("")
    })
    .unwrap();
    assert_eq!(towns.towns.len(), o.towns.towns.len());
    for (t, native) in towns.towns.iter().zip(&o.towns.towns) {
        assert_eq!(
            (&t.id, &t.name, t.kind),
            (&native.id, &native.name, native.kind)
        );
        assert_eq!(t.status, native.status);
        assert!(close(t.position.x(), native.position.x(), 1e-9));
        assert!(close(t.position.y(), native.position.y(), 1e-9));
    }
    assert!(towns.extra_columns.contains(&"county_adcode".to_owned()));
}

/// Writes the grid's counties with `driver` in UTM zone 48N (a CRS the pure-Rust path does
/// not read), with the field names `fields` (id, name, prefecture id, prefecture name).
fn projected(path: &Path, driver: &str, fields: [&str; 4]) {
    let native = load::load_boundaries(&BoundaryInput::with_path(fixture("grid.geojson"))).unwrap();
    let mut utm = SpatialRef::from_epsg(32648).unwrap();
    utm.set_axis_mapping_strategy(AxisMappingStrategy::TraditionalGisOrder);
    let options: &[&str] = if driver == "ESRI Shapefile" {
        &["ENCODING=UTF-8"]
    } else {
        &[]
    };
    let driver = DriverManager::get_driver_by_name(driver).unwrap();
    let mut ds = driver.create_vector_only(path).unwrap();
    let layer = ds
        .create_layer(LayerOptions {
            name: "grid_utm",
            srs: Some(&utm),
            ty: OGRwkbGeometryType::wkbMultiPolygon,
            options: Some(options),
        })
        .unwrap();
    layer
        .create_defn_fields(&fields.map(|f| (f, OGRFieldType::OFTString)))
        .unwrap();
    let wgs84 = ogr::wgs84().unwrap();
    for b in &native.features {
        let mut g = geo::Geometry::MultiPolygon(b.geometry.clone())
            .to_gdal()
            .unwrap();
        g.set_spatial_ref(wgs84.clone());
        let g = g.transform_to(&utm).unwrap();
        let mut f = Feature::new(layer.defn()).unwrap();
        for (i, v) in [&b.id, &b.name, &b.prefecture_id, &b.prefecture_name]
            .into_iter()
            .enumerate()
        {
            f.set_field_string(i, v).unwrap();
        }
        f.set_geometry(g).unwrap();
        f.create(&layer).unwrap();
    }
}

/// Dbase field names hold 10 bytes: the Shapefile's fields.
const SHP_FIELDS: [&str; 4] = ["adcode", "name", "pref_id", "pref_name"];

fn shp_input(shp: &Path) -> BoundaryInput {
    BoundaryInput {
        prefecture_id: "pref_id".into(),
        prefecture_name: "pref_name".into(),
        ..BoundaryInput::with_path(shp)
    }
}

#[test]
fn a_projected_shapefile_is_read_back_in_wgs84() {
    let dir = tempfile::tempdir().unwrap();
    let shp = dir.path().join("grid_utm.shp");
    projected(&shp, "ESRI Shapefile", SHP_FIELDS);
    let prj = std::fs::read_to_string(shp.with_extension("prj")).unwrap();
    assert!(prj.contains("UTM") && prj.contains("48N"), "{prj}");

    let native = load::load_boundaries(&BoundaryInput::with_path(fixture("grid.geojson"))).unwrap();
    let read = ogr::load_boundaries(&shp_input(&shp)).unwrap();
    assert_eq!(read.features.len(), native.features.len());
    for (r, n) in read.features.iter().zip(&native.features) {
        assert_eq!(r.id, n.id);
        assert_eq!(r.name, n.name, "Chinese names survive the Shapefile");
        assert!(
            same_outline(&r.geometry, &n.geometry, 1e-7),
            "{}: back to lon/lat",
            r.id
        );
    }
}

#[test]
fn the_pipeline_on_a_projected_geopackage_gives_the_geojson_figures() {
    let dir = tempfile::tempdir().unwrap();
    let gpkg = dir.path().join("grid_utm.gpkg");
    projected(
        &gpkg,
        "GPKG",
        ["adcode", "name", "prefecture_adcode", "prefecture_name"],
    );
    let base = run(&RunOptions {
        config: fixture("grid_region.toml"),
        ..RunOptions::default()
    })
    .unwrap();
    let via_gdal = run(&RunOptions {
        config: fixture("grid_region.toml"),
        boundaries: Some(gpkg.clone()),
        ..RunOptions::default()
    })
    .unwrap();
    assert_eq!(
        via_gdal.analysis.counties.len(),
        base.analysis.counties.len()
    );
    for (a, b) in via_gdal
        .analysis
        .counties
        .iter()
        .zip(&base.analysis.counties)
    {
        assert!((a.stats.area_km2 / b.stats.area_km2 - 1.0).abs() < 1e-6);
    }
    // Every town off the borders lands in the same county. Towns exactly on a shared border
    // or vertex (T04, T08) may go either way once the polygons went to UTM and back: their
    // vertices are no longer bit-for-bit where the towns are.
    let county = |o: &citybelt::pipeline::Outcome, i: usize| {
        o.analysis.towns[i]
            .location
            .boundary()
            .map(|b| o.boundaries.features[b].id.clone())
    };
    for (i, t) in base.analysis.towns.iter().enumerate() {
        if !matches!(
            t.location,
            citybelt::index::Location::In {
                on_border: true,
                ..
            }
        ) {
            assert_eq!(
                county(&via_gdal, i),
                county(&base, i),
                "town {}",
                base.towns.towns[i].id
            );
        }
    }
}

#[test]
fn a_missing_field_names_the_layer_fields() {
    let dir = tempfile::tempdir().unwrap();
    let shp = dir.path().join("grid_utm.shp");
    projected(&shp, "ESRI Shapefile", SHP_FIELDS);
    let err = ogr::load_boundaries(&BoundaryInput {
        id: "code".into(),
        ..shp_input(&shp)
    })
    .unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("missing column `code`") && msg.contains("adcode"),
        "{msg}"
    );
}
