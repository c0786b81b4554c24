//! GeoPackage (OGC 12-128r18) feature layers, read with SQLite (no GDAL).
//!
//! The layer is the input's `layer` (or `file.gpkg:layer`), else the file's only feature
//! layer. Its CRS is the `srs_id` of `gpkg_geometry_columns`: an `EPSG` organisation code, else
//! the WKT `definition` matched as a `.prj` is; the undefined systems `0` and `-1` state none.

use std::path::Path;

use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags};

use super::build::{
    FileCrs, PropValue, Props, RawFeature, boundary_fields, build_boundaries, check_fields,
    resolve_crs,
};
use super::towns::{RawTown, RawTowns};
use super::wkb::{Geom, parse_gpkg};
use super::{LoadOptions, Source};
use crate::config::{BoundaryInput, TownInput};
use crate::crs::Crs;
use crate::error::{Error, Result};
use crate::model::{Boundaries, SourceInfo, Warning};

const ORIGIN: &str = "GeoPackage srs_id";

/// The rows of one feature layer.
struct Layer {
    name: String,
    fields: Vec<String>,
    rows: Vec<(Props, std::result::Result<Geom, String>)>,
    crs: FileCrs,
}

fn quote(ident: &str) -> String {
    format!("\"{}\"", ident.replace('"', "\"\""))
}

fn read_layer(path: &Path, what: &'static str, layer: Option<&str>) -> Result<Layer> {
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
        let mut geom = Err("no geometry (NULL)".to_owned());
        for (i, col) in columns.iter().enumerate() {
            let value = row.get_ref(i).map_err(sql)?;
            if i == geom_index {
                if let ValueRef::Blob(b) = value {
                    geom = parse_gpkg(b);
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
        rows.push((Props(props), geom));
    }
    Ok(Layer {
        name,
        fields,
        rows,
        crs,
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

fn source_info(source: &Source, layer: &str) -> SourceInfo {
    SourceInfo {
        format: source.format.title(),
        layer: Some(layer.to_owned()),
        ..SourceInfo::default()
    }
}

/// Reads boundaries: Polygons and MultiPolygons.
pub(crate) fn read_boundaries(
    source: &Source,
    input: &BoundaryInput,
    opts: &LoadOptions,
) -> Result<Boundaries> {
    let path = source.path.as_path();
    let layer = read_layer(path, "cannot open boundary file", source.layer.as_deref())?;
    let mut info = source_info(source, &layer.name);
    let mut warnings = Vec::new();
    let transform = resolve_crs(
        path,
        input.crs.as_ref(),
        input.datum,
        layer.crs,
        opts,
        &mut info,
        &mut warnings,
    )?;
    let features = layer
        .rows
        .into_iter()
        .enumerate()
        .map(|(i, (props, geom))| {
            let location = format!("feature {i}");
            let err = |message: String| Error::Feature {
                path: path.to_owned(),
                location: location.clone(),
                message,
            };
            let geometry = match geom {
                Ok(Geom::Polygons(mp)) => mp,
                Ok(Geom::Point(_)) => {
                    return Err(err(
                        "expected a Polygon or MultiPolygon geometry, found Point".into(),
                    ));
                }
                Ok(Geom::Other(t)) => {
                    return Err(err(format!(
                        "expected a Polygon or MultiPolygon geometry, found {t}"
                    )));
                }
                Err(e) => return Err(err(format!("unreadable geometry: {e}"))),
            };
            Ok(RawFeature {
                location,
                props,
                geometry,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    check_fields(path, &layer.fields, &boundary_fields(input))?;
    build_boundaries(path, input, opts, &transform, features, info, warnings)
}

/// Reads towns: Points.
pub(crate) fn read_towns(
    source: &Source,
    input: &TownInput,
    opts: &LoadOptions,
    info: &mut SourceInfo,
    warnings: &mut Vec<Warning>,
) -> Result<RawTowns> {
    let path = source.path.as_path();
    let layer = read_layer(path, "cannot open town file", source.layer.as_deref())?;
    info.layer = Some(layer.name.clone());
    let transform = resolve_crs(
        path,
        input.crs.as_ref(),
        input.datum,
        layer.crs,
        opts,
        info,
        warnings,
    )?;
    let records = layer
        .rows
        .into_iter()
        .enumerate()
        .map(|(i, (props, geom))| RawTown {
            location: format!("feature {i}"),
            line: i as u64 + 1,
            props,
            xy: match geom {
                Ok(Geom::Point(Some(p))) => Ok(p),
                Ok(Geom::Point(None)) => {
                    Err("expected a Point geometry, found an empty point".into())
                }
                Ok(Geom::Polygons(_)) => Err("expected a Point geometry, found Polygon".into()),
                Ok(Geom::Other(t)) => Err(format!("expected a Point geometry, found {t}")),
                Err(e) => Err(format!("unreadable geometry: {e}")),
            },
        })
        .collect();
    Ok(RawTowns {
        fields: Some(layer.fields),
        records,
        transform,
    })
}
