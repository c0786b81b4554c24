//! Round trip of every output format: each layer written as GeoPackage, Shapefile and
//! FlatGeobuf is read back with an independent reader (SQLite, the shapefile crate, the
//! flatgeobuf reader) and compared with the GeoJSON of the same run: same features, same
//! property names (the Shapefile's through its `.fields.csv` mapping), types and values, and
//! the same coordinates.

mod common;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use citybelt::export::OutputFormat;
use citybelt::pipeline::{Outcome, RunOptions, run};
use common::{asset, features, fixture, read_json};
use geozero::{ColumnValue, FeatureProcessor, GeomProcessor, PropertyProcessor};
use serde_json::{Map, Value, json};

/// A ring as a list of `[x, y]`, a polygon as its rings, a geometry as its polygons (a point
/// is one polygon of one ring of one position). Rings are normalised: exteriors
/// counter-clockwise and holes clockwise, since Shapefile stores them the other way round.
type Shape = Vec<Vec<Vec<[f64; 2]>>>;

fn signed_area(ring: &[[f64; 2]]) -> f64 {
    ring.windows(2)
        .map(|w| w[0][0] * w[1][1] - w[1][0] * w[0][1])
        .sum()
}

fn normalise(mut shape: Shape) -> Shape {
    for poly in &mut shape {
        for (i, ring) in poly.iter_mut().enumerate() {
            let ccw = signed_area(ring) > 0.0;
            if ring.len() > 1 && (ccw != (i == 0)) {
                ring.reverse();
            }
        }
    }
    shape
}

fn shape_of_geojson(g: &Value) -> Shape {
    let pos = |p: &Value| [p[0].as_f64().unwrap(), p[1].as_f64().unwrap()];
    match g["type"].as_str().unwrap() {
        "Point" => vec![vec![vec![pos(&g["coordinates"])]]],
        "MultiPolygon" => g["coordinates"]
            .as_array()
            .unwrap()
            .iter()
            .map(|poly| {
                poly.as_array()
                    .unwrap()
                    .iter()
                    .map(|r| r.as_array().unwrap().iter().map(pos).collect())
                    .collect()
            })
            .collect(),
        other => panic!("unexpected geometry {other}"),
    }
}

/// A feature read back: properties by name and its shape.
type Read = (Map<String, Value>, Shape);

/// The layers of a run as GeoJSON, by file stem.
fn geojson_layers(dir: &Path, stems: &[String]) -> BTreeMap<String, Vec<Read>> {
    stems
        .iter()
        .map(|stem| {
            let doc = read_json(&dir.join(format!("{stem}.geojson")));
            let feats = features(&doc)
                .iter()
                .map(|f| {
                    (
                        f["properties"].as_object().unwrap().clone(),
                        normalise(shape_of_geojson(&f["geometry"])),
                    )
                })
                .collect();
            (stem.clone(), feats)
        })
        .collect()
}

/// Parses GeoPackage binary geometry (header + little- or big-endian WKB).
fn shape_of_gpkg(blob: &[u8]) -> Shape {
    assert_eq!(&blob[..2], b"GP", "GeoPackage magic");
    let flags = blob[3];
    let env = match (flags >> 1) & 0b111 {
        0 => 0,
        1 => 32,
        2 | 3 => 48,
        4 => 64,
        e => panic!("bad envelope code {e}"),
    };
    let wkb = &blob[8 + env..];
    let mut at = 0;
    let le = wkb[0] == 1;
    let take = |at: &mut usize, n: usize| {
        let mut b = wkb[*at..*at + n].to_vec();
        *at += n;
        if !le {
            b.reverse();
        }
        b
    };
    let u32_at = |at: &mut usize| u32::from_le_bytes(take(at, 4).try_into().unwrap());
    let f64_at = |at: &mut usize| f64::from_le_bytes(take(at, 8).try_into().unwrap());
    at += 1; // byte order
    match u32_at(&mut at) {
        1 => vec![vec![vec![[f64_at(&mut at), f64_at(&mut at)]]]],
        6 => {
            let n = u32_at(&mut at);
            (0..n)
                .map(|_| {
                    at += 1;
                    assert_eq!(u32_at(&mut at), 3, "polygon");
                    let rings = u32_at(&mut at);
                    (0..rings)
                        .map(|_| {
                            let pts = u32_at(&mut at);
                            (0..pts)
                                .map(|_| [f64_at(&mut at), f64_at(&mut at)])
                                .collect()
                        })
                        .collect()
                })
                .collect()
        }
        t => panic!("unexpected WKB type {t}"),
    }
}

fn gpkg_layer(db: &rusqlite::Connection, table: &str) -> Vec<Read> {
    let mut decl = HashMap::new();
    let mut info = db
        .prepare(&format!("PRAGMA table_info(\"{table}\")"))
        .unwrap();
    let mut rows = info.query([]).unwrap();
    while let Some(r) = rows.next().unwrap() {
        decl.insert(
            r.get::<_, String>(1).unwrap(),
            r.get::<_, String>(2).unwrap(),
        );
    }
    let mut stmt = db
        .prepare(&format!("SELECT * FROM \"{table}\" ORDER BY fid"))
        .unwrap();
    let names: Vec<String> = stmt.column_names().iter().map(|s| s.to_string()).collect();
    let mut out = Vec::new();
    let mut rows = stmt.query([]).unwrap();
    while let Some(r) = rows.next().unwrap() {
        let mut props = Map::new();
        let mut shape = None;
        for (i, n) in names.iter().enumerate() {
            use rusqlite::types::ValueRef;
            match (n.as_str(), r.get_ref(i).unwrap()) {
                ("fid", _) => {}
                ("geom", ValueRef::Blob(b)) => shape = Some(normalise(shape_of_gpkg(b))),
                (_, ValueRef::Null) => {
                    props.insert(n.clone(), Value::Null);
                }
                (_, ValueRef::Integer(v)) if decl[n] == "BOOLEAN" => {
                    props.insert(n.clone(), json!(v != 0));
                }
                (_, ValueRef::Integer(v)) => {
                    props.insert(n.clone(), json!(v));
                }
                (_, ValueRef::Real(v)) => {
                    props.insert(n.clone(), json!(v));
                }
                (_, ValueRef::Text(t)) => {
                    props.insert(n.clone(), json!(std::str::from_utf8(t).unwrap()));
                }
                (_, other) => panic!("{table}.{n}: unexpected {other:?}"),
            }
        }
        out.push((props, shape.expect("a geometry")));
    }
    out
}

/// Collects a FlatGeobuf feature's properties and geometry.
#[derive(Default)]
struct Collect {
    props: Map<String, Value>,
    shape: Shape,
}

impl PropertyProcessor for Collect {
    fn property(&mut self, _i: usize, name: &str, v: &ColumnValue) -> geozero::error::Result<bool> {
        let v = match v {
            ColumnValue::Bool(b) => json!(b),
            ColumnValue::Long(i) => json!(i),
            ColumnValue::Double(d) => json!(d),
            ColumnValue::String(s) => json!(s),
            other => panic!("{name}: unexpected {other:?}"),
        };
        self.props.insert(name.to_owned(), v);
        Ok(false)
    }
}

impl GeomProcessor for Collect {
    fn xy(&mut self, x: f64, y: f64, _idx: usize) -> geozero::error::Result<()> {
        let ring = self.shape.last_mut().and_then(|p| p.last_mut());
        match ring {
            Some(r) => r.push([x, y]),
            None => self.shape.push(vec![vec![[x, y]]]),
        }
        Ok(())
    }
    fn polygon_begin(
        &mut self,
        _tagged: bool,
        _size: usize,
        _idx: usize,
    ) -> geozero::error::Result<()> {
        self.shape.push(Vec::new());
        Ok(())
    }
    fn linestring_begin(
        &mut self,
        _tagged: bool,
        _size: usize,
        _idx: usize,
    ) -> geozero::error::Result<()> {
        self.shape.last_mut().expect("a polygon").push(Vec::new());
        Ok(())
    }
}

impl FeatureProcessor for Collect {}

fn fgb_layer(path: &Path) -> Vec<Read> {
    use flatgeobuf::FallibleStreamingIterator;
    use geozero::{FeatureProperties, GeozeroGeometry};
    let mut file = std::io::BufReader::new(std::fs::File::open(path).unwrap());
    let reader = flatgeobuf::FgbReader::open(&mut file).unwrap();
    let header = reader.header();
    assert!(
        header.index_node_size() > 0,
        "{}: spatial index",
        path.display()
    );
    assert_eq!(
        header.crs().map(|c| c.code()),
        Some(4326),
        "{}: EPSG:4326",
        path.display()
    );
    // A null property is absent from a FlatGeobuf feature: start from every column.
    let columns: Vec<String> = header
        .columns()
        .map(|cols| cols.iter().map(|c| c.name().to_owned()).collect())
        .unwrap_or_default();
    let mut it = reader.select_all().unwrap();
    let mut out = Vec::new();
    while let Some(f) = it.next().unwrap() {
        let mut c = Collect::default();
        for name in &columns {
            c.props.insert(name.clone(), Value::Null);
        }
        f.process_properties(&mut c).unwrap();
        f.process_geom(&mut c).unwrap();
        out.push((c.props, normalise(c.shape)));
    }
    out
}

/// The Shapefile of a layer read back, with properties renamed through `.fields.csv`.
fn shp_layer(path: &Path) -> Vec<Read> {
    use shapefile::dbase::FieldValue;
    let mapping_text = std::fs::read_to_string(path.with_extension("fields.csv")).unwrap();
    let mapping: Vec<(String, String)> = mapping_text
        .lines()
        .skip(1)
        .map(|l| {
            let mut cells = l.split(',');
            (
                cells.next().unwrap().to_owned(),
                cells.next().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        std::fs::read_to_string(path.with_extension("cpg")).unwrap(),
        "UTF-8"
    );
    assert!(
        std::fs::read_to_string(path.with_extension("prj"))
            .unwrap()
            .contains("WGS_1984")
    );
    let mut reader = shapefile::Reader::from_path(path).unwrap();
    let mut out = Vec::new();
    for item in reader.iter_shapes_and_records() {
        let (shape, record) = item.unwrap();
        let mut props = Map::new();
        for (property, field) in &mapping {
            let v = match record.get(field).unwrap_or_else(|| panic!("field {field}")) {
                FieldValue::Character(s) => s.clone().map_or(Value::Null, Value::String),
                FieldValue::Numeric(n) => n.map_or(Value::Null, |v| json!(v)),
                FieldValue::Logical(b) => b.map_or(Value::Null, Value::Bool),
                other => panic!("{field}: unexpected {other:?}"),
            };
            props.insert(property.clone(), v);
        }
        let pt = |p: &shapefile::Point| [p.x, p.y];
        let geom: Shape = match shape {
            shapefile::Shape::Point(p) => vec![vec![vec![pt(&p)]]],
            shapefile::Shape::Polygon(poly) => {
                let mut polys: Shape = Vec::new();
                for ring in poly.rings() {
                    let pts: Vec<_> = ring.points().iter().map(pt).collect();
                    match ring {
                        shapefile::PolygonRing::Outer(_) => polys.push(vec![pts]),
                        shapefile::PolygonRing::Inner(_) => polys.last_mut().unwrap().push(pts),
                    }
                }
                polys
            }
            other => panic!("unexpected shape {other}"),
        };
        out.push((props, normalise(geom)));
    }
    out
}

/// How a format may differ from GeoJSON, by design.
#[derive(Clone, Copy, PartialEq)]
enum Quirks {
    None,
    /// dBase text: no null (empty instead), at most 254 bytes; numbers come back as reals.
    Shapefile,
}

fn same_value(quirks: Quirks, want: &Value, got: &Value) -> bool {
    match (quirks, want, got) {
        (_, a, b) if a == b => true,
        (Quirks::Shapefile, Value::Null, Value::String(s)) => s.is_empty(),
        (Quirks::Shapefile, Value::String(s), Value::Null) => s.is_empty(),
        (Quirks::Shapefile, Value::String(a), Value::String(b)) => {
            a.len() > 254 && a.starts_with(b.as_str()) && b.len() > 250
        }
        (_, Value::Number(a), Value::Number(b)) => a.as_f64() == b.as_f64(),
        _ => false,
    }
}

/// Asserts that `got` holds the features of `want`, matched by `key` (FlatGeobuf stores
/// features in its index order).
fn assert_same(what: &str, key: &str, want: &[Read], got: &[Read], quirks: Quirks) {
    assert_eq!(got.len(), want.len(), "{what}: feature count");
    let by_key: HashMap<String, &Read> = got
        .iter()
        .map(|f| (f.0.get(key).map(ToString::to_string).unwrap_or_default(), f))
        .collect();
    for (props, shape) in want {
        let k = props[key].to_string();
        let (got_props, got_shape) = by_key
            .get(&k)
            .unwrap_or_else(|| panic!("{what}: no feature with {key} = {k}"));
        for (name, v) in props {
            let g = got_props.get(name).unwrap_or(&Value::Null);
            assert!(
                same_value(quirks, v, g),
                "{what}: {key} = {k}: property `{name}`: GeoJSON {v}, read back {g}"
            );
        }
        assert_eq!(
            got_props.len(),
            props.len(),
            "{what}: {key} = {k}: same property names ({:?} vs {:?})",
            got_props.keys().collect::<Vec<_>>(),
            props.keys().collect::<Vec<_>>()
        );
        assert!(shape == got_shape, "{what}: {key} = {k}: geometry differs");
    }
}

fn run_all_formats(config: PathBuf, dir: &Path) -> Outcome {
    run(&RunOptions {
        config,
        out: Some(dir.to_owned()),
        formats: OutputFormat::ALL.to_vec(),
        ..RunOptions::default()
    })
    .unwrap()
}

fn round_trip(config: PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let o = run_all_formats(config, dir.path());
    let mut stems = vec![
        "counties".to_owned(),
        "towns".into(),
        "belts".into(),
        "region".into(),
    ];
    let mut tables = vec![
        "counties".to_owned(),
        "towns".into(),
        "belts".into(),
        "region".into(),
    ];
    for b in &o.region.belts {
        stems.push(format!("belts/{}", b.spec.id));
        tables.push(format!("belt_{}", b.spec.id));
    }
    let want = geojson_layers(dir.path(), &stems);
    let db = rusqlite::Connection::open(dir.path().join("citybelt.gpkg")).unwrap();
    for (stem, table) in stems.iter().zip(&tables) {
        let key = if stem == "counties" { "adcode" } else { "id" };
        let w = &want[stem];
        assert_same(
            &format!("gpkg {table}"),
            key,
            w,
            &gpkg_layer(&db, table),
            Quirks::None,
        );
        let fgb = dir.path().join(format!("{stem}.fgb"));
        assert_same(
            &format!("fgb {stem}"),
            key,
            w,
            &fgb_layer(&fgb),
            Quirks::None,
        );
        let shp = dir.path().join(format!("shp/{stem}.shp"));
        assert_same(
            &format!("shp {stem}"),
            key,
            w,
            &shp_layer(&shp),
            Quirks::Shapefile,
        );
    }
}

#[test]
fn every_format_reads_back_as_the_geojson_on_the_fixture() {
    round_trip(fixture("grid_region.toml"));
}

#[test]
fn every_format_reads_back_as_the_geojson_on_the_shipped_region() {
    round_trip(asset("region.toml"));
}

#[test]
fn geopackage_declares_version_srs_types_extents_and_indexes() {
    let dir = tempfile::tempdir().unwrap();
    run_all_formats(fixture("grid_region.toml"), dir.path());
    let db = rusqlite::Connection::open(dir.path().join("citybelt.gpkg")).unwrap();
    let pragma = |p: &str| {
        db.query_row(&format!("PRAGMA {p}"), [], |r| r.get::<_, i64>(0))
            .unwrap()
    };
    assert_eq!(pragma("application_id"), 0x4750_4B47, "GPKG");
    assert_eq!(pragma("user_version"), 10300, "GeoPackage 1.3");
    let srs: String = db
        .query_row(
            "SELECT organization || ':' || organization_coordsys_id FROM gpkg_spatial_ref_sys WHERE srs_id = 4326",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(srs, "EPSG:4326");
    let types: Vec<(String, String, i64)> = db
        .prepare("SELECT table_name, geometry_type_name, srs_id FROM gpkg_geometry_columns ORDER BY table_name")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert!(types.contains(&("counties".into(), "MULTIPOLYGON".into(), 4326)));
    assert!(types.contains(&("towns".into(), "POINT".into(), 4326)));
    assert!(types.contains(&("belt_b_all".into(), "MULTIPOLYGON".into(), 4326)));
    let (min_x, max_y): (f64, f64) = db
        .query_row(
            "SELECT min_x, max_y FROM gpkg_contents WHERE table_name = 'counties'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert!(min_x > 100.0 && max_y < 40.0, "extent {min_x} {max_y}");
    for (table, _, _) in &types {
        let ext: i64 = db
            .query_row(
                "SELECT count(*) FROM gpkg_extensions WHERE table_name = ?1 AND extension_name = 'gpkg_rtree_index'",
                [table],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(ext, 1, "{table}: R-tree registered");
        let (n_index, n_rows): (i64, i64) = db
            .query_row(
                &format!("SELECT (SELECT count(*) FROM \"rtree_{table}_geom\"), (SELECT count(*) FROM \"{table}\")"),
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert_eq!(n_index, n_rows, "{table}: every feature indexed");
    }
    let kinds: Vec<(String, String)> = db
        .prepare("SELECT table_name, data_type FROM gpkg_contents WHERE data_type = 'attributes' ORDER BY table_name")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(
        kinds,
        [
            ("layer_styles".to_owned(), "attributes".to_owned()),
            ("summary".into(), "attributes".into())
        ]
    );
    let summary_rows: i64 = db
        .query_row("SELECT count(*) FROM summary", [], |r| r.get(0))
        .unwrap();
    let csv_rows = std::fs::read_to_string(dir.path().join("summary.csv"))
        .unwrap()
        .lines()
        .count()
        - 1;
    assert_eq!(
        summary_rows as usize, csv_rows,
        "summary table = summary.csv"
    );
    let (style_tables, defaults): (i64, i64) = db
        .query_row(
            "SELECT count(DISTINCT f_table_name), sum(useAsDefault) FROM layer_styles WHERE f_geometry_column = 'geom' AND f_table_schema = ''",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(
        style_tables,
        types.len() as i64,
        "one default style per layer"
    );
    assert_eq!(defaults, style_tables);
    let name: String = db
        .query_row(
            "SELECT name FROM counties WHERE adcode = '110101'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(name, "甲区", "Chinese text intact");
}

#[test]
fn shapefile_names_are_cut_by_the_written_mapping() {
    let dir = tempfile::tempdir().unwrap();
    run_all_formats(fixture("grid_region.toml"), dir.path());
    let map = std::fs::read_to_string(dir.path().join("shp/counties.fields.csv")).unwrap();
    assert!(map.starts_with("property,field,type,width,decimals,cut_values\n"));
    assert!(
        map.contains("\ntowns_per_10k_km2,towns_per_,real,"),
        "{map}"
    );
    assert!(map.contains("\nprefecture,prefecture,text,"), "{map}");
    assert!(
        map.contains("\nprefecture_adcode,prefectu_2,text,"),
        "{map}"
    );
    let fields: Vec<&str> = map
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(1).unwrap())
        .collect();
    let mut lower: Vec<String> = fields.iter().map(|f| f.to_lowercase()).collect();
    lower.sort();
    lower.dedup();
    assert_eq!(lower.len(), fields.len(), "collision-free");
    assert!(fields.iter().all(|f| f.len() <= 10));
}
