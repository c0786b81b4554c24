//! GeoPackage (OGC 12-128r18) feature layers, read with SQLite (no GDAL).
//!
//! The layer is the input's `layer` (or `file.gpkg:layer`), else the file's only feature
//! layer. Its CRS is the `srs_id` of `gpkg_geometry_columns`: an `EPSG` organisation code, else
//! the WKT `definition` matched as a `.prj` is; the undefined systems `0` and `-1` state none.

use std::path::Path;

use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags};

use super::Source;
use super::build::{FileCrs, PropValue, Props, RawGeom, RawLayer, RawRecord};
use super::wkb::parse_gpkg;
use crate::crs::Crs;
use crate::error::{Error, Result};

const ORIGIN: &str = "GeoPackage srs_id";

fn quote(ident: &str) -> String {
    format!("\"{}\"", ident.replace('"', "\"\""))
}

/// Reads the rows of the layer named by the source (or the only one); `what` names the file in
/// an open error.
pub(crate) fn read_layer(source: &Source, what: &'static str) -> Result<RawLayer> {
    let path = source.path.as_path();
    let layer = source.layer.as_deref();
    // SQLite would create a missing file; open it ourselves first for a clear error.
    std::fs::File::open(path).map_err(|e| Error::io(path, what, e))?;
    let sql = |source| Error::GeoPackage {
        path: path.to_owned(),
        source,
    };
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(sql)?;
    let mut layers: Vec<String> = Vec::new();
    {
        let mut stmt = conn
            .prepare("SELECT table_name FROM gpkg_contents WHERE lower(data_type) = 'features' ORDER BY table_name")
            .map_err(sql)?;
        let names = stmt.query_map([], |r| r.get::<_, String>(0)).map_err(sql)?;
        for n in names {
            layers.push(n.map_err(sql)?);
        }
    }
    let list = || {
        if layers.is_empty() {
            "none".to_owned()
        } else {
            layers.join(", ")
        }
    };
    let name = match layer {
        Some(l) if layers.iter().any(|n| n == l) => l.to_owned(),
        Some(l) => {
            return Err(Error::Input {
                path: path.to_owned(),
                message: format!("no feature layer `{l}`; the GeoPackage has: {}", list()),
            });
        }
        None if layers.len() == 1 => layers[0].clone(),
        None => {
            return Err(Error::Input {
                path: path.to_owned(),
                message: format!(
                    "name the layer to read as `{}:LAYER` or with `layer` in the region file; the GeoPackage has feature layers: {}",
                    path.display(),
                    list()
                ),
            });
        }
    };
    let (geom_col, srs_id): (String, i64) = conn
        .query_row(
            "SELECT column_name, srs_id FROM gpkg_geometry_columns WHERE table_name = ?1",
            [&name],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .map_err(sql)?;
    let crs = layer_crs(path, &conn, srs_id).map_err(sql)?;

    let mut stmt = conn
        .prepare(&format!("SELECT * FROM {}", quote(&name)))
        .map_err(sql)?;
    let columns: Vec<String> = stmt
        .column_names()
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    let geom_index = columns
        .iter()
        .position(|c| c.eq_ignore_ascii_case(&geom_col))
        .ok_or_else(|| Error::Input {
            path: path.to_owned(),
            message: format!("layer `{name}` has no geometry column `{geom_col}`"),
        })?;
    let fields: Vec<String> = columns
        .iter()
        .enumerate()
        .filter(|&(i, _)| i != geom_index)
        .map(|(_, c)| c.clone())
        .collect();
    let mut rows = Vec::new();
    let mut query = stmt.query([]).map_err(sql)?;
    while let Some(row) = query.next().map_err(sql)? {
        let mut props = Vec::with_capacity(fields.len());
        let mut geom = RawGeom::Missing;
        for (i, col) in columns.iter().enumerate() {
            let value = row.get_ref(i).map_err(sql)?;
            if i == geom_index {
                if let ValueRef::Blob(b) = value {
                    geom = parse_gpkg(b).unwrap_or_else(RawGeom::Unreadable);
                }
                continue;
            }
            let v = match value {
                ValueRef::Null => PropValue::Null,
                ValueRef::Integer(n) => PropValue::Int(n),
                ValueRef::Real(x) => PropValue::Float(x),
                ValueRef::Text(t) => PropValue::Text(String::from_utf8_lossy(t).into_owned()),
                ValueRef::Blob(b) => PropValue::Other(format!("({} bytes)", b.len())),
            };
            props.push((col.clone(), v));
        }
        rows.push(RawRecord {
            props: Props(props),
            geom,
        });
    }
    let mut info = source.info();
    info.layer = Some(name);
    Ok(RawLayer {
        fields: Some(fields),
        records: rows,
        crs,
        info,
        warnings: Vec::new(),
    })
}

fn layer_crs(path: &Path, conn: &Connection, srs_id: i64) -> rusqlite::Result<FileCrs> {
    if srs_id == 0 || srs_id == -1 {
        return Ok(FileCrs::Unstated);
    }
    let (org, code, definition): (String, i64, String) = conn.query_row(
        "SELECT organization, organization_coordsys_id, definition FROM gpkg_spatial_ref_sys WHERE srs_id = ?1",
        [srs_id],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )?;
    let by_code = org
        .eq_ignore_ascii_case("EPSG")
        .then(|| u16::try_from(code).ok().and_then(Crs::from_epsg))
        .flatten();
    Ok(match by_code.or_else(|| Crs::from_wkt(&definition)) {
        Some(crs) => FileCrs::Known(crs, ORIGIN),
        None => FileCrs::Unknown {
            path: path.to_owned(),
            found: format!("{org}:{code}"),
            origin: ORIGIN,
        },
    })
}
