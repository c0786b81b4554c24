//! Bad inputs through the binary, one per test: each copies the format fixtures
//! (`tests/fixtures/formats/`) to a temporary folder, breaks one thing, and checks the exit
//! code, that the message names the file and the feature or line with what was expected and
//! found, and that nothing was written.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;

use common::fixture;

/// A temporary copy of the format fixtures.
struct Case {
    dir: tempfile::TempDir,
}

impl Case {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        for entry in fs::read_dir(fixture("formats")).unwrap() {
            let entry = entry.unwrap();
            fs::copy(entry.path(), dir.path().join(entry.file_name())).unwrap();
        }
        Case { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn read(&self, name: &str) -> String {
        fs::read_to_string(self.path(name)).unwrap()
    }

    fn write(&self, name: &str, text: &str) {
        fs::write(self.path(name), text).unwrap();
    }

    /// Replaces the first `from` by `to` in a text file (which must change).
    fn edit(&self, name: &str, from: &str, to: &str) {
        let old = self.read(name);
        let new = old.replacen(from, to, 1);
        assert_ne!(old, new, "the edit of {name} applies");
        self.write(name, &new);
    }

    fn run(&self, args: &[&str]) -> Output {
        let mut all = vec!["run", "--region", "region.toml", "--out", "out"];
        all.extend_from_slice(args);
        std::process::Command::new(env!("CARGO_BIN_EXE_citybelt"))
            .current_dir(self.dir.path())
            .args(&all)
            .output()
            .expect("the binary runs")
    }

    /// Runs with `args`; asserts exit `code`, every needle in stderr, and no output folder.
    fn fails(&self, args: &[&str], code: i32, needles: &[&str]) {
        let out = self.run(args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(code), "stderr: {err}");
        assert!(
            err.starts_with("citybelt: error: "),
            "one message, nothing before it: {err}"
        );
        for n in needles {
            assert!(err.contains(n), "expected `{n}` in: {err}");
        }
        assert!(!self.path("out").exists(), "a failed run writes nothing");
    }

    /// Runs with `args`; asserts success and returns stdout.
    fn succeeds(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "stderr: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

fn patch_bytes(path: &Path, offset: usize, bytes: &[u8]) {
    let mut data = fs::read(path).unwrap();
    data[offset..offset + bytes.len()].copy_from_slice(bytes);
    fs::write(path, data).unwrap();
}

#[test]
fn truncated_geojson_gives_line_and_column() {
    let c = Case::new();
    let text = c.read("counties.geojson");
    c.write("counties.geojson", &text[..text.len() / 2]);
    c.fails(
        &[],
        1,
        &["counties.geojson: not valid JSON (line ", ", column "],
    );
}

#[test]
fn malformed_geojson_seq_gives_line_and_column() {
    let c = Case::new();
    c.edit(
        "counties.geojsonl",
        "\"name\": \"什邡市\",",
        "\"name\": \"什邡市\",,",
    );
    c.fails(
        &["--boundaries", "counties.geojsonl"],
        1,
        &["counties.geojsonl: not valid JSON (line 2, column"],
    );
}

#[test]
fn geometry_of_the_wrong_type() {
    let c = Case::new();
    c.edit(
        "counties.geojson",
        "\"type\": \"MultiPolygon\"",
        "\"type\": \"MultiLineString\"",
    );
    c.fails(
        &[],
        1,
        &["counties.geojson: feature 1: expected a Polygon or MultiPolygon geometry, found MultiLineString"],
    );
}

#[test]
fn points_given_as_boundaries() {
    Case::new().fails(
        &["--boundaries", "towns_gbk.shp"],
        1,
        &["towns_gbk.shp: feature 0: expected a Polygon or MultiPolygon geometry, found Point"],
    );
}

#[test]
fn empty_geometry() {
    let c = Case::new();
    let text = c.read("counties.geojson");
    let start = text.find("\"geometry\": { \"type\": \"Polygon\"").unwrap();
    let end = start + text[start..].find("] ] }").unwrap() + "] ] }".len();
    c.write(
        "counties.geojson",
        &format!(
            "{}\"geometry\": {{ \"type\": \"Polygon\", \"coordinates\": [] }}{}",
            &text[..start],
            &text[end..]
        ),
    );
    c.fails(
        &[],
        1,
        &["counties.geojson: feature 0: expected a Polygon or MultiPolygon with at least one ring, found an empty geometry"],
    );
}

#[test]
fn empty_position_in_geojson() {
    let c = Case::new();
    c.edit("counties.geojson", "[ 104.57309, 31.20214 ]", "[ ]");
    c.fails(
        &[],
        1,
        &["counties.geojson: feature 0: field `coordinates`: expected a position [x, y] of two numbers, found `[]`"],
    );
}

#[test]
fn nan_in_csv() {
    let c = Case::new();
    c.edit("towns.csv", "104.390815", "NaN");
    c.fails(
        &[],
        1,
        &["towns.csv: line 3: field `lon`: expected a number of WGS84 degrees between -180 and 180, found `NaN`"],
    );
}

#[test]
fn empty_coordinate_in_csv() {
    let c = Case::new();
    c.edit("towns.csv", ",31.133085,", ",,");
    c.fails(&[], 1, &["towns.csv: line 3: field `lat`", "found ``"]);
}

#[test]
fn nan_in_a_shapefile() {
    let c = Case::new();
    // First record: 100-byte header, 8-byte record header, type, bbox, part and point counts,
    // one part index; then the first x.
    let shp = c.path("counties_utf8.shp");
    let parts = i32::from_le_bytes(fs::read(&shp).unwrap()[144..148].try_into().unwrap());
    patch_bytes(&shp, 152 + 4 * parts as usize, &f64::NAN.to_le_bytes());
    c.fails(
        &["--boundaries", "counties_utf8.shp"],
        1,
        &[
            "counties_utf8.shp: feature 0: coordinates `NaN, ",
            "not a finite number",
        ],
    );
}

#[test]
fn unknown_crs_in_geojson() {
    let c = Case::new();
    c.edit(
        "counties_4490.geojson",
        "urn:ogc:def:crs:EPSG::4490",
        "urn:ogc:def:crs:EPSG::99999",
    );
    c.fails(
        &["--boundaries", "counties_4490.geojson"],
        1,
        &["counties_4490.geojson: cannot use the CRS `urn:ogc:def:crs:EPSG::99999` named by the GeoJSON crs member; name the CRS with --crs"],
    );
}

#[test]
fn unmatched_prj_names_the_prj_and_suggests_crs() {
    let c = Case::new();
    c.edit(
        "counties_gk35.prj",
        "CGCS2000_3_Degree_GK_Zone_35",
        "Deyang_Local_Grid",
    );
    c.fails(
        &["--boundaries", "counties_gk35.shp"],
        1,
        &["counties_gk35.prj: cannot use the CRS `Deyang_Local_Grid` named by the .prj; name the CRS with --crs (e.g. --crs EPSG:4523)"],
    );
    // Naming it fixes it.
    c.succeeds(&[
        "--boundaries",
        "counties_gk35.shp",
        "--crs",
        "EPSG:4523",
        "--towns-crs",
        "EPSG:4326",
    ]);
}

#[test]
fn unknown_crs_on_the_command_line_is_a_usage_error() {
    let c = Case::new();
    let out = c.run(&["--crs", "EPSG:99999"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown CRS `EPSG:99999`"));
}

#[test]
fn unknown_crs_in_the_region_file_is_a_configuration_error() {
    let c = Case::new();
    c.edit(
        "region.toml",
        "path = \"towns.csv\"",
        "path = \"towns.csv\"\ncrs = \"EPSG:mars\"",
    );
    c.fails(
        &[],
        2,
        &[
            "region.toml: invalid region configuration",
            "unknown CRS `EPSG:mars`",
        ],
    );
}

#[test]
fn swapped_coordinates_in_csv() {
    let c = Case::new();
    c.edit("towns.csv", "104.411903,31.234247", "31.234247,104.411903");
    c.fails(
        &[],
        1,
        &["towns.csv: line 4: coordinates `31.234247, 104.411903`: latitude 104.411903 is outside -90..90; the pair looks swapped"],
    );
}

#[test]
fn swapped_coordinates_in_a_chinese_crs() {
    let c = Case::new();
    c.edit(
        "counties_4490.geojson",
        "[ 104.57309, 31.20214 ]",
        "[ 31.20214, 104.57309 ]",
    );
    c.fails(
        &["--boundaries", "counties_4490.geojson"],
        1,
        &[
            "counties_4490.geojson: feature 0: coordinates `31.20214, 104.57309`",
            "looks swapped",
        ],
    );
}

#[test]
fn coordinates_outside_the_declared_crs_area() {
    // The zone-35 file read as zone 38 (EPSG:4526, central meridian 114°E).
    Case::new().fails(
        &[
            "--boundaries",
            "counties_gk35.shp",
            "--crs",
            "EPSG:4526",
            "--towns-crs",
            "EPSG:4326",
        ],
        1,
        &[
            "counties_gk35.shp: feature 0: coordinates `",
            "outside the valid area of EPSG:4526",
            "central meridian 114°E",
            "--crs",
        ],
    );
}

#[test]
fn dbf_row_count_differs_from_shp() {
    let c = Case::new();
    fs::copy(c.path("towns_gbk.dbf"), c.path("counties_utf8.dbf")).unwrap();
    c.fails(
        &["--boundaries", "counties_utf8.shp"],
        1,
        &["counties_utf8.dbf: the .dbf has 10 records but the .shp has 3 shapes"],
    );
}

#[test]
fn missing_shx() {
    let c = Case::new();
    fs::remove_file(c.path("counties_utf8.shx")).unwrap();
    c.fails(
        &["--boundaries", "counties_utf8.shp"],
        1,
        &["counties_utf8.shp: the index `.shx` is missing: a Shapefile needs its .shp, .shx and .dbf side by side"],
    );
}

#[test]
fn missing_dbf() {
    let c = Case::new();
    fs::remove_file(c.path("counties_utf8.dbf")).unwrap();
    c.fails(
        &["--boundaries", "counties_utf8.shp"],
        1,
        &["counties_utf8.shp: the attribute table `.dbf` is missing"],
    );
}

#[test]
fn missing_id_field_in_a_shapefile() {
    let c = Case::new();
    c.edit("region.toml", "id = \"adcode\"", "id = \"code\"");
    c.fails(
        &["--boundaries", "counties_gbk.shp"],
        1,
        &["counties_gbk.shp: missing column `code` (county id); the header has: adcode, name, pref_code, pref_name"],
    );
}

#[test]
fn missing_id_field_in_a_geopackage() {
    let c = Case::new();
    c.edit("region.toml", "id = \"id\"", "id = \"town_id\"");
    c.fails(
        &["--towns", "formats.gpkg:towns"],
        1,
        &["formats.gpkg: missing column `town_id` (town id); the header has: fid, id, name, name_zh, kind, status"],
    );
}

#[test]
fn duplicate_ids_in_geojson_seq() {
    let c = Case::new();
    c.edit(
        "counties.geojsonl",
        "\"adcode\": \"510683\"",
        "\"adcode\": \"510603\"",
    );
    c.fails(
        &["--boundaries", "counties.geojsonl"],
        1,
        &["counties.geojsonl: feature 2: duplicate id `510603` (first used by feature 0)"],
    );
}

#[test]
fn unknown_extension_lists_the_formats() {
    let c = Case::new();
    fs::copy(c.path("counties.geojson"), c.path("counties.kml")).unwrap();
    #[cfg(not(feature = "gdal"))]
    c.fails(
        &["--boundaries", "counties.kml"],
        2,
        &["counties.kml: unknown input format `.kml` (supported: geojson, geojsonseq, shapefile, gpkg, csv); name it with --input-format or `format` in the region file"],
    );
    // With the `gdal` feature, what the pure-Rust loaders cannot tell goes to GDAL, which
    // finds no KML in this file.
    #[cfg(feature = "gdal")]
    c.fails(
        &["--boundaries", "counties.kml"],
        1,
        &["counties.kml: GDAL cannot open it as a vector source"],
    );
    // --input-format settles it.
    c.succeeds(&[
        "--boundaries",
        "counties.kml",
        "--input-format",
        "geojson",
        "--towns-format",
        "csv",
    ]);
}

#[test]
fn geopackage_layer_must_be_named_when_there_are_several() {
    let c = Case::new();
    c.fails(
        &["--boundaries", "formats.gpkg"],
        1,
        &[
            "formats.gpkg: name the layer to read as `formats.gpkg:LAYER`",
            "feature layers: counties, towns",
        ],
    );
    c.fails(
        &["--boundaries", "formats.gpkg:rivers"],
        1,
        &["formats.gpkg: no feature layer `rivers`; the GeoPackage has: counties, towns"],
    );
}

#[test]
fn unknown_cpg_label() {
    let c = Case::new();
    c.write("counties_gbk.cpg", "KLINGON-1\n");
    c.fails(
        &["--boundaries", "counties_gbk.shp"],
        1,
        &["counties_gbk.cpg: unknown text encoding `KLINGON-1`; name it with --encoding"],
    );
    c.succeeds(&[
        "--boundaries",
        "counties_gbk.shp",
        "--encoding",
        "gbk",
        "--towns-encoding",
        "utf-8",
    ]);
}

/// 旌阳区's ring made to cross itself: its second vertex moved across the county to the far
/// (west) side, so the two edges to it cut through the western border.
fn bow_tie(c: &Case) {
    c.edit(
        "counties.geojson",
        "[ 104.5682, 31.2054 ]",
        "[ 104.1, 31.2 ]",
    );
}

#[test]
fn invalid_polygon_is_repaired_with_a_warning() {
    let c = Case::new();
    bow_tie(&c);
    let report = c.succeeds(&[]);
    assert!(
        report.contains("[polygons_repaired]")
            && report.contains("510603 旌阳区 (feature 0)")
            && report.contains("km²"),
        "{report}"
    );
    // The repaired county still dissolves into a region outline of the same area.
    assert!(!report.contains("outline_area_mismatch"), "{report}");
    let summary = common::read_json(&c.path("out/summary.json"));
    assert!(
        summary["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w["code"] == "polygons_repaired"),
        "{summary}"
    );
}

#[test]
fn invalid_polygon_is_refused_under_strict() {
    let c = Case::new();
    bow_tie(&c);
    c.fails(
        &["--strict", "--crs", "EPSG:4326"],
        1,
        &[
            "counties.geojson: feature 0: invalid polygon: ring of polygon 0 crosses itself",
            "--strict refuses it",
        ],
    );
}

#[test]
fn strict_refuses_to_assume_a_crs() {
    Case::new().fails(
        &["--strict"],
        1,
        &["counties.geojson: the file states no CRS, and --strict forbids assuming WGS84"],
    );
}

#[test]
fn assumed_crs_is_reported() {
    let report = Case::new().succeeds(&[]);
    assert!(
        report.contains("[crs_assumed]")
            && report.contains("counties.geojson: the file states no CRS; assumed WGS84"),
        "{report}"
    );
}

/// Two unreadable rows: a longitude that is not a number and a row with a missing field.
fn two_bad_rows(c: &Case) {
    c.edit("towns.csv", "104.390815", "104.39x");
    c.edit(
        "towns.csv",
        "510682110,Majing Zhen,马井镇,town,104.122512,31.058398,same",
        "510682110,Majing Zhen",
    );
}

#[test]
fn unreadable_rows_fail_the_run_by_default() {
    let c = Case::new();
    two_bad_rows(&c);
    c.fails(
        &[],
        1,
        &["towns.csv: line 3: field `lon`", "found `104.39x`"],
    );
}

#[test]
fn skip_bad_rows_skips_and_counts_them_by_reason() {
    let c = Case::new();
    two_bad_rows(&c);
    let report = c.succeeds(&["--skip-bad-rows"]);
    assert!(
        report.contains("[rows_skipped] towns.csv: 2 unreadable row(s) skipped (--skip-bad-rows): 1 bad `lon`, 1 wrong number of fields"),
        "{report}"
    );
    assert!(report.contains("rows        8 read"), "{report}");
}
