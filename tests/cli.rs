//! The `citybelt` binary: exit codes, messages and files, on the grid fixture and copies of it
//! broken in one place each.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::fixture;

fn citybelt(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_citybelt"))
        .current_dir(dir)
        .args(args)
        .output()
        .expect("the binary runs")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A temporary folder holding a copy of the grid fixture.
struct Case {
    dir: tempfile::TempDir,
}

impl Case {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        for f in ["grid.geojson", "grid_towns.csv", "grid_region.toml"] {
            fs::copy(fixture(f), dir.path().join(f)).unwrap();
        }
        Case { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Replaces `from` by `to` in one of the files (which must change).
    fn edit(&self, name: &str, from: &str, to: &str) -> &Self {
        let p = self.path(name);
        let old = fs::read_to_string(&p).unwrap();
        let new = old.replacen(from, to, 1);
        assert_ne!(old, new, "the edit of {name} applies");
        fs::write(p, new).unwrap();
        self
    }

    fn run(&self, extra: &[&str]) -> Output {
        let mut args = vec!["run", "--region", "grid_region.toml", "--out", "out"];
        args.extend_from_slice(extra);
        citybelt(self.dir.path(), &args)
    }

    /// Asserts the run failed with `code`, its message contains every needle, and it wrote
    /// nothing.
    fn fails(&self, code: i32, needles: &[&str]) {
        let out = self.run(&[]);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(code), "stderr: {err}");
        assert!(err.starts_with("citybelt: error: "), "{err}");
        for n in needles {
            assert!(err.contains(n), "expected `{n}` in: {err}");
        }
        assert!(
            !self.path("out").exists(),
            "no output folder after a failed run"
        );
    }
}

#[test]
fn run_writes_every_layer_and_prints_the_report() {
    let case = Case::new();
    let out = case.run(&[]);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(stdout.contains("格网城市群"), "{stdout}");
    assert!(
        stdout.contains("density     6.3 towns per 10,000 km²"),
        "{stdout}"
    );
    assert!(stdout.contains("[towns_outside] 2 town(s)"), "{stdout}");
    for f in [
        "counties.geojson",
        "towns.geojson",
        "belts.geojson",
        "belts/b_all.geojson",
        "region.geojson",
        "summary.csv",
        "summary.json",
        "counties.qml",
        "belts/b_all.qml",
        "citybelt.qgs",
        "map.svg",
    ] {
        assert!(case.path("out").join(f).is_file(), "{f}");
    }
    for f in ["citybelt.gpkg", "counties.fgb", "shp"] {
        assert!(!case.path("out").join(f).exists(), "{f}: not asked for");
    }
    let leftovers: Vec<_> = fs::read_dir(case.path("out"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(
        leftovers.is_empty(),
        "no staging folder left: {leftovers:?}"
    );
}

#[test]
fn format_list_writes_each_format() {
    let case = Case::new();
    let out = case.run(&["--format", "gpkg,shp,fgb", "--no-png"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let o = case.path("out");
    for f in [
        "citybelt.gpkg",
        "counties.fgb",
        "belts/b_all.fgb",
        "counties.qml",
        "shp/counties.shp",
        "shp/counties.shx",
        "shp/counties.dbf",
        "shp/counties.prj",
        "shp/counties.cpg",
        "shp/counties.fields.csv",
        "shp/counties.qml",
        "shp/belts/b_all.shp",
        "citybelt.qgs",
        "map.svg",
        "summary.csv",
    ] {
        assert!(o.join(f).is_file(), "{f}");
    }
    assert!(
        !o.join("counties.geojson").exists(),
        "GeoJSON not asked for"
    );
    assert!(!o.join("map.png").exists(), "--no-png");
    let qgs = fs::read_to_string(o.join("citybelt.qgs")).unwrap();
    assert!(
        qgs.contains("<datasource>./citybelt.gpkg|layername=counties</datasource>"),
        "the project opens the GeoPackage by a relative path"
    );
    assert!(qgs.contains("格网城市群"), "Chinese in the project");
}

#[test]
fn shapefile_only_project_uses_the_cut_field_names() {
    let case = Case::new();
    let out = case.run(&["--format", "shp", "--no-png"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let qgs = fs::read_to_string(case.path("out/citybelt.qgs")).unwrap();
    assert!(qgs.contains("<datasource>./shp/counties.shp</datasource>"));
    assert!(
        qgs.contains(r#"attr="towns_per_""#),
        "graduated on the dBase name"
    );
    let qml = fs::read_to_string(case.path("out/shp/counties.qml")).unwrap();
    assert!(qml.contains(r#"attr="towns_per_""#));
}

#[test]
fn map_png_is_skipped_with_a_note_without_a_cjk_font() {
    let case = Case::new();
    // A font configuration whose only font folder is empty.
    let fonts = case.path("fonts");
    fs::create_dir(&fonts).unwrap();
    let conf = case.path("fonts.conf");
    fs::write(
        &conf,
        format!(
            "<?xml version=\"1.0\"?><fontconfig><dir>{}</dir></fontconfig>",
            fonts.display()
        ),
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_citybelt"))
        .current_dir(case.dir.path())
        .env("FONTCONFIG_FILE", &conf)
        .args(["run", "--region", "grid_region.toml", "--out", "out"])
        .output()
        .unwrap();
    let err = text(&out.stderr);
    assert!(out.status.success(), "{err}");
    if cfg!(feature = "png") {
        assert!(
            err.contains("citybelt: note: map.png not written: no CJK font found"),
            "{err}"
        );
    }
    assert!(!case.path("out/map.png").exists());
    assert!(
        case.path("out/map.svg").is_file(),
        "map.svg is still written"
    );
}

#[test]
fn unknown_format_is_a_usage_error() {
    let case = Case::new();
    let out = case.run(&["--format", "geojson,kml"]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains("unknown output format `kml`") && err.contains("gpkg"),
        "{err}"
    );
    assert!(!case.path("out").exists());
}

#[test]
fn json_report_is_the_summary() {
    let case = Case::new();
    let out = case.run(&["--json", "--partial", "include"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("stdout is JSON");
    assert_eq!(v["region"]["density_towns"], 7);
    assert_eq!(v["region"]["partial_policy"], "include");
    assert_eq!(
        v["region"]["partial_members"],
        serde_json::json!(["120121"])
    );
}

#[test]
fn check_writes_nothing() {
    let case = Case::new();
    let out = citybelt(case.dir.path(), &["check", "--region", "grid_region.toml"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("nothing was written"));
    assert!(!case.path("out").exists());
}

#[test]
fn boundaries_and_towns_can_be_given_on_the_command_line() {
    let case = Case::new();
    fs::rename(case.path("grid_towns.csv"), case.path("other.csv")).unwrap();
    let out = case.run(&["--towns", "other.csv", "--json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
}

#[test]
fn missing_input_file() {
    let case = Case::new();
    fs::remove_file(case.path("grid_towns.csv")).unwrap();
    case.fails(
        1,
        &["grid_towns.csv", "cannot open town file", "No such file"],
    );
}

#[test]
fn missing_region_file() {
    let case = Case::new();
    let out = citybelt(case.dir.path(), &["run", "--region", "nope.toml"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("nope.toml: cannot read"));
}

#[test]
fn invalid_toml() {
    Case::new()
        .edit("grid_region.toml", "[density]", "[density")
        .fails(
            2,
            &["grid_region.toml: invalid region configuration", "line"],
        );
}

#[test]
fn unknown_key() {
    Case::new()
        .edit(
            "grid_region.toml",
            "seat_merge_m = 100.0",
            "seat_merge_km = 0.1",
        )
        .fails(2, &["grid_region.toml", "unknown field `seat_merge_km`"]);
}

#[test]
fn member_code_matching_no_county() {
    Case::new()
        .edit(
            "grid_region.toml",
            "members = [{ prefecture = \"110000\" }]",
            "members = [{ counties = [\"110199\"] }]",
        )
        .fails(
            2,
            &[
                "belts[0] (b_all).members[0].counties",
                "county `110199` matches no boundary",
            ],
        );
}

#[test]
fn belt_member_outside_the_scope() {
    Case::new()
        .edit(
            "grid_region.toml",
            "members = [{ prefecture = \"110000\" }]",
            "members = [{ counties = [\"130101\"] }]",
        )
        .fails(2, &["county `130101` (戊区) is not in the scope"]);
}

#[test]
fn longitude_not_a_number() {
    Case::new()
        .edit("grid_towns.csv", "104.1,30.1", "104.1x,30.1")
        .fails(
            1,
            &["grid_towns.csv: line 4: field `lon`", "found `104.1x`"],
        );
}

#[test]
fn line_numbers_are_right_in_crlf_files() {
    let case = Case::new();
    let text = fs::read_to_string(case.path("grid_towns.csv")).unwrap();
    fs::write(case.path("grid_towns.csv"), text.replace('\n', "\r\n")).unwrap();
    case.edit("grid_towns.csv", "104.8,30.1", "104.8,95.5")
        .fails(1, &["grid_towns.csv: line 7: field `lat`"]);
}

#[test]
fn latitude_out_of_range() {
    Case::new()
        .edit("grid_towns.csv", "104.8,30.1", "104.8,95.5")
        .fails(
            1,
            &[
                "grid_towns.csv: line 7: field `lat`",
                "between -90 and 90",
                "found `95.5`",
            ],
        );
}

#[test]
fn unknown_town_kind() {
    Case::new()
        .edit("grid_towns.csv", ",township,", ",village,")
        .fails(
            1,
            &["grid_towns.csv: line 4: field `kind`", "found `village`"],
        );
}

#[test]
fn missing_csv_column() {
    Case::new()
        .edit(
            "grid_towns.csv",
            "id,name,name_zh,kind,lon,lat",
            "id,name,name_zh,kind,east,lat",
        )
        .fails(
            1,
            &[
                "missing column `lon` (coordinates: looked for lon, lng",
                "the header has: id, name, name_zh, kind, east, lat",
            ],
        );
}

#[test]
fn coordinate_columns_are_found_by_name() {
    let case = Case::new();
    case.edit(
        "grid_towns.csv",
        "id,name,name_zh,kind,lon,lat",
        "id,name,name_zh,kind,LNG,纬度",
    );
    let out = case.run(&["--json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
}

#[test]
fn geojson_that_is_not_a_feature_collection() {
    let case = Case::new();
    fs::write(
        case.path("grid.geojson"),
        r#"{"type":"Point","coordinates":[104,30]}"#,
    )
    .unwrap();
    case.fails(
        1,
        &["grid.geojson: document: expected a FeatureCollection, a Feature or one Feature per line, found a Point"],
    );
}

#[test]
fn geojson_with_a_point_geometry() {
    Case::new()
        .edit(
            "grid.geojson",
            r#"{"type":"Polygon","coordinates":[[[105.0,30.0]"#,
            r#"{"type":"Point","coordinates":[105.0,30.0],"x":[[[105.0,30.0]"#,
        )
        .fails(
            1,
            &["grid.geojson: feature 4: expected a Polygon or MultiPolygon geometry, found Point"],
        );
}

#[test]
fn malformed_geojson_gives_line_and_column() {
    Case::new()
        .edit("grid.geojson", "\"name\":\"乙县\",", "\"name\":\"乙县\",,")
        .fails(1, &["grid.geojson: not valid JSON (line 3, column"]);
}

#[test]
fn boundary_without_the_id_field() {
    Case::new()
        .edit("grid.geojson", r#"{"adcode":"120101","#, r#"{"code":"120101","#)
        .fails(1, &["grid.geojson: feature 2: missing property `adcode` (county id); the feature has: code, name"]);
}

#[test]
fn duplicate_county_ids() {
    Case::new()
        .edit(
            "grid.geojson",
            r#""adcode":"130101""#,
            r#""adcode":"110121""#,
        )
        .fails(
            1,
            &["grid.geojson: feature 4: duplicate id `110121` (first used by feature 1)"],
        );
}

#[test]
fn bad_partial_policy_is_a_usage_error() {
    let case = Case::new();
    let out = case.run(&["--partial", "some"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("expected `include` or `exclude`"));
}

#[test]
fn a_failed_write_leaves_nothing_behind() {
    let case = Case::new();
    // A file where the belts folder must go: writing fails after the first layers.
    fs::create_dir(case.path("out")).unwrap();
    fs::write(case.path("out/belts"), "not a folder").unwrap();
    let out = case.run(&[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("belts"), "{}", text(&out.stderr));
    let left: Vec<_> = fs::read_dir(case.path("out"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        left,
        vec![std::ffi::OsString::from("belts")],
        "only what was there before"
    );
}

#[test]
fn inputs_are_never_modified() {
    let case = Case::new();
    let before: Vec<Vec<u8>> = ["grid.geojson", "grid_towns.csv", "grid_region.toml"]
        .iter()
        .map(|f| fs::read(case.path(f)).unwrap())
        .collect();
    assert!(case.run(&[]).status.success());
    for (f, b) in ["grid.geojson", "grid_towns.csv", "grid_region.toml"]
        .iter()
        .zip(before)
    {
        assert_eq!(fs::read(case.path(f)).unwrap(), b, "{f} unchanged");
    }
}
