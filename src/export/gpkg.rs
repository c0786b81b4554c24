//! GeoPackage 1.3 written directly with SQLite (the bundled library), without GDAL.
//!
//! One file holds every layer as a feature table, the summary as an attributes table and the
//! QGIS styles in `layer_styles`. What the file contains, following OGC 12-128r17 (1.3.1):
//!
//! - `application_id` `GPKG` and `user_version` 10300: version 1.3, not 1.4, because GDAL 3.6
//!   (Debian 12's QGIS) warns on files newer than it knows;
//! - `gpkg_spatial_ref_sys` with the three required rows (-1, 0, EPSG:4326);
//! - per layer: a feature table (`fid`, `geom`, the columns), its `gpkg_contents` row with
//!   the extent, its `gpkg_geometry_columns` row declaring `MULTIPOLYGON` or `POINT`, and an
//!   R-tree spatial index (`rtree_<table>_geom` with the extension's triggers, registered in
//!   `gpkg_extensions` as `gpkg_rtree_index`), and its count in GDAL's `gpkg_ogr_contents`;
//! - `summary` and `layer_styles` as attributes tables (QGIS reads its default style from
//!   `layer_styles`, matching `f_table_name`, `f_geometry_column` and `useAsDefault`).
//!
//! Geometries are GeoPackage binary: the `GP` header with the SRS id and, for areas, the
//! envelope, then little-endian ISO WKB.

use std::path::Path;

use geo::{LineString, Polygon};
use rusqlite::types::Value as Sql;
use rusqlite::{Connection, params};
use serde_json::Value;

use super::layers::{Column, FieldType, Geometry, GeometryKind, Layer};
use super::summary::SummaryTable;
use crate::error::{Error, Result};

/// `GPKG` as a 32-bit integer.
const APPLICATION_ID: i32 = 0x4750_4B47;
/// GeoPackage 1.3.
const USER_VERSION: i32 = 10300;
/// The SRS every layer uses.
const SRS_ID: i32 = 4326;

/// WGS 84 as OGC WKT 1, the definition GDAL writes for EPSG:4326.
pub(crate) const WGS84_WKT: &str = r#"GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AXIS["Latitude",NORTH],AXIS["Longitude",EAST],AUTHORITY["EPSG","4326"]]"#;

/// A QGIS style to store in `layer_styles` as the default of a table.
#[derive(Debug, Clone)]
pub struct TableStyle {
    /// The feature table it styles.
    pub table: String,
    /// The style's name shown in QGIS.
    pub name: String,
    /// The QML document.
    pub qml: String,
}

/// Writes a GeoPackage at `path` (which must not exist). `target` is the final path, used in
/// error messages.
///
/// # Errors
/// [`Error::Sqlite`] naming the step that failed.
pub fn write_gpkg(
    path: &Path,
    target: &Path,
    layers: &[Layer],
    summary: &SummaryTable,
    styles: &[TableStyle],
) -> Result<()> {
    let err = |step: String| {
        let target = target.to_owned();
        move |source| Error::Sqlite {
            path: target,
            step,
            source,
        }
    };
    let mut db = Connection::open(path).map_err(err("open".into()))?;
    db.execute_batch(&format!(
        "PRAGMA application_id = {APPLICATION_ID}; PRAGMA user_version = {USER_VERSION};"
    ))
    .map_err(err("header".into()))?;
    let tx = db.transaction().map_err(err("transaction".into()))?;
    create_core_tables(&tx).map_err(err("core tables".into()))?;
    for layer in layers {
        write_layer(&tx, layer).map_err(err(format!("table {}", layer.name)))?;
    }
    write_attributes(
        &tx,
        "summary",
        "citybelt summary: one row per area",
        &summary.columns,
        summary.rows.iter().map(|r| r.iter().map(rounded).collect()),
    )
    .map_err(err("table summary".into()))?;
    write_styles(&tx, layers, styles).map_err(err("table layer_styles".into()))?;
    tx.commit().map_err(err("commit".into()))?;
    db.close().map_err(|(_, e)| err("close".into())(e))
}

fn create_core_tables(db: &Connection) -> rusqlite::Result<()> {
    db.execute_batch(
        "CREATE TABLE gpkg_spatial_ref_sys (
           srs_name TEXT NOT NULL,
           srs_id INTEGER NOT NULL PRIMARY KEY,
           organization TEXT NOT NULL,
           organization_coordsys_id INTEGER NOT NULL,
           definition TEXT NOT NULL,
           description TEXT);
         CREATE TABLE gpkg_contents (
           table_name TEXT NOT NULL PRIMARY KEY,
           data_type TEXT NOT NULL,
           identifier TEXT UNIQUE,
           description TEXT DEFAULT '',
           last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
           min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE,
           srs_id INTEGER,
           CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id));
         CREATE TABLE gpkg_geometry_columns (
           table_name TEXT NOT NULL,
           column_name TEXT NOT NULL,
           geometry_type_name TEXT NOT NULL,
           srs_id INTEGER NOT NULL,
           z TINYINT NOT NULL,
           m TINYINT NOT NULL,
           CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name),
           CONSTRAINT uk_gc_table_name UNIQUE (table_name),
           CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name),
           CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id));
         CREATE TABLE gpkg_extensions (
           table_name TEXT,
           column_name TEXT,
           extension_name TEXT NOT NULL,
           definition TEXT NOT NULL,
           scope TEXT NOT NULL,
           CONSTRAINT ge_tce UNIQUE (table_name, column_name, extension_name));
         CREATE TABLE gpkg_ogr_contents (
           table_name TEXT NOT NULL PRIMARY KEY,
           feature_count INTEGER DEFAULT NULL);",
    )?;
    let mut srs = db.prepare(
        "INSERT INTO gpkg_spatial_ref_sys
         (srs_name, srs_id, organization, organization_coordsys_id, definition, description)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    srs.execute(params![
        "Undefined cartesian SRS",
        -1,
        "NONE",
        -1,
        "undefined",
        "undefined cartesian coordinate reference system"
    ])?;
    srs.execute(params![
        "Undefined geographic SRS",
        0,
        "NONE",
        0,
        "undefined",
        "undefined geographic coordinate reference system"
    ])?;
    srs.execute(params![
        "WGS 84 geodetic",
        SRS_ID,
        "EPSG",
        SRS_ID,
        WGS84_WKT,
        "longitude/latitude coordinates in decimal degrees on the WGS 84 spheroid"
    ])?;
    Ok(())
}

/// `name` as a quoted SQL identifier.
fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// `base`, or `base_2`, `base_3`, … whichever no column uses (SQLite names ignore case).
fn unused(base: &str, columns: &[Column]) -> String {
    let taken = |n: &str| columns.iter().any(|c| c.name.eq_ignore_ascii_case(n));
    std::iter::once(base.to_owned())
        .chain((2..).map(|i| format!("{base}_{i}")))
        .find(|n| !taken(n))
        .unwrap_or_else(|| base.to_owned())
}

/// The declared type of a column: integers are `MEDIUMINT` (32-bit) when every value fits,
/// as GDAL writes them, else `INTEGER` (64-bit).
fn sql_type(c: &Column, values: &[&Value]) -> &'static str {
    match c.field_type {
        FieldType::Bool => "BOOLEAN",
        FieldType::Integer
            if values
                .iter()
                .all(|v| v.as_i64().is_none_or(|i| i32::try_from(i).is_ok())) =>
        {
            "MEDIUMINT"
        }
        FieldType::Integer => "INTEGER",
        FieldType::Real => "REAL",
        FieldType::Text => "TEXT",
    }
}

/// A property value as SQLite stores it.
fn sql_value(v: &Value) -> Sql {
    match v {
        Value::Null => Sql::Null,
        Value::Bool(b) => Sql::Integer(i64::from(*b)),
        Value::Number(n) => n
            .as_i64()
            .map(Sql::Integer)
            .or_else(|| n.as_f64().map(Sql::Real))
            .unwrap_or(Sql::Null),
        Value::String(s) => Sql::Text(s.clone()),
        other => Sql::Text(other.to_string()),
    }
}

/// Real numbers of the summary rounded to 3 decimals, as in `summary.csv`.
fn rounded(v: &Value) -> Value {
    match v {
        Value::Number(n) if n.is_f64() => super::geojson::num(n.as_f64().unwrap_or(f64::NAN), 3),
        other => other.clone(),
    }
}

fn create_table<'a>(
    db: &Connection,
    table: &str,
    fid: &str,
    geom: Option<(&str, &str)>,
    columns: &[Column],
    column_values: &dyn Fn(usize) -> Vec<&'a Value>,
) -> rusqlite::Result<()> {
    let mut sql = format!(
        "CREATE TABLE {} ({} INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL",
        ident(table),
        ident(fid)
    );
    if let Some((name, gtype)) = geom {
        sql += &format!(", {} {gtype}", ident(name));
    }
    for (i, c) in columns.iter().enumerate() {
        sql += &format!(", {} {}", ident(&c.name), sql_type(c, &column_values(i)));
    }
    sql += ")";
    db.execute(&sql, [])?;
    Ok(())
}

fn insert_rows<'a>(
    db: &Connection,
    table: &str,
    names: impl Iterator<Item = &'a str>,
    rows: impl Iterator<Item = Vec<Sql>>,
) -> rusqlite::Result<()> {
    let names: Vec<String> = names.map(ident).collect();
    let marks: Vec<String> = (1..=names.len()).map(|i| format!("?{i}")).collect();
    let mut stmt = db.prepare(&format!(
        "INSERT INTO {} ({}) VALUES ({})",
        ident(table),
        names.join(", "),
        marks.join(", ")
    ))?;
    for row in rows {
        stmt.execute(rusqlite::params_from_iter(row))?;
    }
    Ok(())
}

fn write_layer(db: &Connection, layer: &Layer) -> rusqlite::Result<()> {
    let t = layer.name.as_str();
    let fid = unused("fid", &layer.columns);
    let geom = unused("geom", &layer.columns);
    let gtype = match layer.geometry_kind {
        GeometryKind::Point => "POINT",
        GeometryKind::MultiPolygon => "MULTIPOLYGON",
    };
    let column_values = |i: usize| {
        let name = &layer.columns[i].name;
        layer
            .features
            .iter()
            .filter_map(|f| f.properties.get(name))
            .collect()
    };
    create_table(
        db,
        t,
        &fid,
        Some((&geom, gtype)),
        &layer.columns,
        &column_values,
    )?;
    let names = std::iter::once(fid.as_str())
        .chain(std::iter::once(geom.as_str()))
        .chain(layer.columns.iter().map(|c| c.name.as_str()));
    let rows = layer.features.iter().zip(1i64..).map(|(f, id)| {
        let mut row = vec![Sql::Integer(id), Sql::Blob(gpkg_blob(&f.geometry))];
        row.extend(
            layer
                .columns
                .iter()
                .map(|c| f.properties.get(&c.name).map_or(Sql::Null, sql_value)),
        );
        row
    });
    insert_rows(db, t, names, rows)?;

    let bbox = layer.bbox();
    db.execute(
        "INSERT INTO gpkg_contents (table_name, data_type, identifier, description,
           min_x, min_y, max_x, max_y, srs_id)
         VALUES (?1, 'features', ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            t,
            layer.title,
            layer.title,
            bbox.map(|b| b.min().x),
            bbox.map(|b| b.min().y),
            bbox.map(|b| b.max().x),
            bbox.map(|b| b.max().y),
            SRS_ID
        ],
    )?;
    db.execute(
        "INSERT INTO gpkg_geometry_columns (table_name, column_name, geometry_type_name, srs_id, z, m)
         VALUES (?1, ?2, ?3, ?4, 0, 0)",
        params![t, geom, gtype, SRS_ID],
    )?;
    spatial_index(db, layer, &fid, &geom)?;
    feature_count(db, t, layer.features.len())
}

/// GDAL's `gpkg_ogr_contents`: the feature count of a table, kept by two triggers. GDAL and
/// QGIS read counts from it; without it QGIS 3.22 reports the whole table's count for a
/// layer filtered by a subset string.
fn feature_count(db: &Connection, table: &str, count: usize) -> rusqlite::Result<()> {
    db.execute(
        "INSERT INTO gpkg_ogr_contents (table_name, feature_count) VALUES (?1, ?2)",
        params![table, i64::try_from(count).unwrap_or(i64::MAX)],
    )?;
    let t = ident(table);
    let lit = table.replace('\'', "''");
    db.execute_batch(&format!(
        "CREATE TRIGGER {insert} AFTER INSERT ON {t} BEGIN UPDATE gpkg_ogr_contents SET feature_count = feature_count + 1 WHERE lower(table_name) = lower('{lit}'); END;
         CREATE TRIGGER {delete} AFTER DELETE ON {t} BEGIN UPDATE gpkg_ogr_contents SET feature_count = feature_count - 1 WHERE lower(table_name) = lower('{lit}'); END;",
        insert = ident(&format!("trigger_insert_feature_count_{table}")),
        delete = ident(&format!("trigger_delete_feature_count_{table}")),
    ))
}

/// The R-tree of the `gpkg_rtree_index` extension: the virtual table filled with every
/// feature's envelope, the extension row, and the triggers that keep it in step when the
/// table is edited (in GDAL or QGIS, which provide the `ST_*` functions they call).
fn spatial_index(db: &Connection, layer: &Layer, fid: &str, geom: &str) -> rusqlite::Result<()> {
    let t = layer.name.as_str();
    let rtree = format!("rtree_{t}_{geom}");
    db.execute(
        &format!(
            "CREATE VIRTUAL TABLE {} USING rtree(id, minx, maxx, miny, maxy)",
            ident(&rtree)
        ),
        [],
    )?;
    {
        let mut stmt = db.prepare(&format!(
            "INSERT INTO {} VALUES (?1, ?2, ?3, ?4, ?5)",
            ident(&rtree)
        ))?;
        for (f, id) in layer.features.iter().zip(1i64..) {
            if let Some(b) = f.geometry.bbox() {
                stmt.execute(params![id, b.min().x, b.max().x, b.min().y, b.max().y])?;
            }
        }
    }
    db.execute(
        "INSERT INTO gpkg_extensions (table_name, column_name, extension_name, definition, scope)
         VALUES (?1, ?2, 'gpkg_rtree_index', 'http://www.geopackage.org/spec120/#extension_rtree', 'write-only')",
        params![t, geom],
    )?;
    let (tq, rq, i, c) = (ident(t), ident(&rtree), ident(fid), ident(geom));
    let name = |suffix: &str| ident(&format!("{rtree}_{suffix}"));
    let put = format!(
        "INSERT OR REPLACE INTO {rq} VALUES (NEW.{i}, ST_MinX(NEW.{c}), ST_MaxX(NEW.{c}), ST_MinY(NEW.{c}), ST_MaxY(NEW.{c}));"
    );
    db.execute_batch(&format!(
        "CREATE TRIGGER {insert} AFTER INSERT ON {tq}
           WHEN (NEW.{c} NOT NULL AND NOT ST_IsEmpty(NEW.{c}))
         BEGIN {put} END;
         CREATE TRIGGER {update1} AFTER UPDATE OF {c} ON {tq}
           WHEN OLD.{i} = NEW.{i} AND (NEW.{c} NOTNULL AND NOT ST_IsEmpty(NEW.{c}))
         BEGIN {put} END;
         CREATE TRIGGER {update2} AFTER UPDATE OF {c} ON {tq}
           WHEN OLD.{i} = NEW.{i} AND (NEW.{c} ISNULL OR ST_IsEmpty(NEW.{c}))
         BEGIN DELETE FROM {rq} WHERE id = OLD.{i}; END;
         CREATE TRIGGER {update3} AFTER UPDATE ON {tq}
           WHEN OLD.{i} != NEW.{i} AND (NEW.{c} NOTNULL AND NOT ST_IsEmpty(NEW.{c}))
         BEGIN DELETE FROM {rq} WHERE id = OLD.{i}; {put} END;
         CREATE TRIGGER {update4} AFTER UPDATE ON {tq}
           WHEN OLD.{i} != NEW.{i} AND (NEW.{c} ISNULL OR ST_IsEmpty(NEW.{c}))
         BEGIN DELETE FROM {rq} WHERE id IN (OLD.{i}, NEW.{i}); END;
         CREATE TRIGGER {delete} AFTER DELETE ON {tq}
           WHEN OLD.{c} NOT NULL
         BEGIN DELETE FROM {rq} WHERE id = OLD.{i}; END;",
        insert = name("insert"),
        update1 = name("update1"),
        update2 = name("update2"),
        update3 = name("update3"),
        update4 = name("update4"),
        delete = name("delete"),
    ))
}

/// A non-spatial table registered in `gpkg_contents` as `attributes`.
fn write_attributes(
    db: &Connection,
    table: &str,
    description: &str,
    columns: &[Column],
    rows: impl Iterator<Item = Vec<Value>>,
) -> rusqlite::Result<()> {
    let fid = unused("fid", columns);
    let rows: Vec<Vec<Value>> = rows.collect();
    let column_values = |i: usize| rows.iter().filter_map(|r| r.get(i)).collect();
    create_table(db, table, &fid, None, columns, &column_values)?;
    insert_rows(
        db,
        table,
        columns.iter().map(|c| c.name.as_str()),
        rows.iter().map(|r| r.iter().map(sql_value).collect()),
    )?;
    db.execute(
        "INSERT INTO gpkg_contents (table_name, data_type, identifier, description)
         VALUES (?1, 'attributes', ?1, ?2)",
        params![table, description],
    )?;
    feature_count(db, table, rows.len())
}

/// QGIS's `layer_styles` table, with the columns QGIS creates, one default style per layer.
fn write_styles(db: &Connection, layers: &[Layer], styles: &[TableStyle]) -> rusqlite::Result<()> {
    db.execute_batch(
        "CREATE TABLE layer_styles (
           id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
           f_table_catalog TEXT(256), f_table_schema TEXT(256), f_table_name TEXT(256),
           f_geometry_column TEXT(256), styleName TEXT(30), styleQML TEXT, styleSLD TEXT,
           useAsDefault BOOLEAN, description TEXT, owner TEXT(30), ui TEXT(30),
           update_time DATETIME DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')));
         INSERT INTO gpkg_contents (table_name, data_type, identifier, description)
         VALUES ('layer_styles', 'attributes', 'layer_styles', 'QGIS layer styles');",
    )?;
    let mut stmt = db.prepare(
        "INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name,
           f_geometry_column, styleName, styleQML, styleSLD, useAsDefault, description, owner)
         VALUES ('', '', ?1, ?2, ?3, ?4, '', 1, ?5, '')",
    )?;
    for s in styles {
        let geom = layers
            .iter()
            .find(|l| l.name == s.table)
            .map_or_else(|| "geom".to_owned(), |l| unused("geom", &l.columns));
        stmt.execute(params![
            s.table,
            geom,
            s.name,
            s.qml,
            format!("citybelt {}", env!("CARGO_PKG_VERSION"))
        ])?;
    }
    drop(stmt);
    feature_count(db, "layer_styles", styles.len())
}

/// GeoPackage binary: header (`GP`, version 0, flags, SRS id, envelope for areas) + WKB.
pub(crate) fn gpkg_blob(g: &Geometry) -> Vec<u8> {
    let mut b = Vec::with_capacity(64);
    b.extend_from_slice(b"GP");
    b.push(0);
    match (g, g.bbox()) {
        (Geometry::Area(_), Some(bbox)) => {
            // Little-endian, envelope [minx, maxx, miny, maxy].
            b.push(0b0000_0011);
            b.extend_from_slice(&SRS_ID.to_le_bytes());
            for v in [bbox.min().x, bbox.max().x, bbox.min().y, bbox.max().y] {
                b.extend_from_slice(&v.to_le_bytes());
            }
        }
        (Geometry::Area(_), None) => {
            // Little-endian, no envelope, empty geometry.
            b.push(0b0001_0001);
            b.extend_from_slice(&SRS_ID.to_le_bytes());
        }
        (Geometry::Point(_), _) => {
            // Little-endian, no envelope (the point is its own).
            b.push(0b0000_0001);
            b.extend_from_slice(&SRS_ID.to_le_bytes());
        }
    }
    wkb(g, &mut b);
    b
}

/// ISO WKB, little-endian, 2D.
fn wkb(g: &Geometry, b: &mut Vec<u8>) {
    let u32le = |b: &mut Vec<u8>, v: usize| {
        b.extend_from_slice(&u32::try_from(v).unwrap_or(u32::MAX).to_le_bytes());
    };
    let ring = |b: &mut Vec<u8>, r: &LineString<f64>| {
        u32le(b, r.0.len());
        for c in &r.0 {
            b.extend_from_slice(&c.x.to_le_bytes());
            b.extend_from_slice(&c.y.to_le_bytes());
        }
    };
    let polygon = |b: &mut Vec<u8>, p: &Polygon<f64>| {
        b.push(1);
        u32le(b, 3);
        u32le(b, 1 + p.interiors().len());
        ring(b, p.exterior());
        for r in p.interiors() {
            ring(b, r);
        }
    };
    b.push(1);
    match g {
        Geometry::Point(p) => {
            u32le(b, 1);
            b.extend_from_slice(&p.x().to_le_bytes());
            b.extend_from_slice(&p.y().to_le_bytes());
        }
        Geometry::Area(mp) => {
            u32le(b, 6);
            u32le(b, mp.0.len());
            for p in &mp.0 {
                polygon(b, p);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{Point, polygon};

    #[test]
    fn point_blob_is_header_and_wkb() {
        let b = gpkg_blob(&Geometry::Point(Point::new(104.5, 30.25)));
        assert_eq!(&b[..4], b"GP\x00\x01");
        assert_eq!(i32::from_le_bytes(b[4..8].try_into().unwrap()), 4326);
        assert_eq!(b[8], 1, "little-endian WKB");
        assert_eq!(u32::from_le_bytes(b[9..13].try_into().unwrap()), 1);
        assert_eq!(f64::from_le_bytes(b[13..21].try_into().unwrap()), 104.5);
        assert_eq!(b.len(), 8 + 21);
    }

    #[test]
    fn area_blob_carries_the_envelope() {
        let p = polygon![(x: 0.0, y: 0.0), (x: 2.0, y: 0.0), (x: 2.0, y: 1.0), (x: 0.0, y: 0.0)];
        let b = gpkg_blob(&Geometry::Area(geo::MultiPolygon(vec![p])));
        assert_eq!(b[3], 0b11);
        let env: Vec<f64> = (0..4)
            .map(|i| f64::from_le_bytes(b[8 + 8 * i..16 + 8 * i].try_into().unwrap()))
            .collect();
        assert_eq!(env, [0.0, 2.0, 0.0, 1.0]);
        assert_eq!(u32::from_le_bytes(b[41..45].try_into().unwrap()), 6);
    }

    #[test]
    fn reserved_names_are_avoided() {
        let cols = [Column {
            name: "FID".into(),
            field_type: FieldType::Text,
        }];
        assert_eq!(unused("fid", &cols), "fid_2");
        assert_eq!(unused("geom", &cols), "geom");
    }
}
