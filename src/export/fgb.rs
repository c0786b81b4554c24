//! FlatGeobuf, one file per layer, with its packed Hilbert R-tree spatial index.
//!
//! Features are stored in the index's Hilbert order, not in input order; every feature keeps
//! its id property, so readers match them by id. `null` properties are left out of a
//! feature, which is how FlatGeobuf stores `null`.

use std::io::Write;

use flatgeobuf::{ColumnType, FgbCrs, FgbWriter, FgbWriterOptions, GeometryType};
use geozero::{ColumnValue, PropertyProcessor};
use serde_json::Value;

use super::layers::{FieldType, Geometry, GeometryKind, Layer};
use crate::error::{Error, Result};

/// Writes one layer as FlatGeobuf to `out`. `path` names the file in errors.
///
/// # Errors
/// [`Error::FlatGeobuf`] if the writer fails.
pub fn write_fgb(layer: &Layer, out: &mut dyn Write, path: &std::path::Path) -> Result<()> {
    let err = |source: Box<dyn std::error::Error + Send + Sync>| Error::FlatGeobuf {
        path: path.to_owned(),
        source,
    };
    let geometry_type = match layer.geometry_kind {
        GeometryKind::Point => GeometryType::Point,
        GeometryKind::MultiPolygon => GeometryType::MultiPolygon,
    };
    let mut fgb = FgbWriter::create_with_options(
        &layer.name,
        geometry_type,
        FgbWriterOptions {
            write_index: true,
            detect_type: false,
            promote_to_multi: true,
            crs: FgbCrs {
                org: Some("EPSG"),
                code: 4326,
                ..FgbCrs::default()
            },
            title: Some(&layer.title),
            ..FgbWriterOptions::default()
        },
    )
    .map_err(|e| err(Box::new(e)))?;
    for c in &layer.columns {
        let t = match c.field_type {
            FieldType::Bool => ColumnType::Bool,
            FieldType::Integer => ColumnType::Long,
            FieldType::Real => ColumnType::Double,
            FieldType::Text => ColumnType::String,
        };
        fgb.add_column(&c.name, t, |_, col| col.nullable = true);
    }
    for f in &layer.features {
        let geom = match &f.geometry {
            Geometry::Point(p) => geo::Geometry::Point(*p),
            Geometry::Area(mp) => geo::Geometry::MultiPolygon(mp.clone()),
        };
        let mut failed = None;
        fgb.add_feature_geom(geom, |w| {
            for (i, c) in layer.columns.iter().enumerate() {
                let value = match f.properties.get(&c.name) {
                    None | Some(Value::Null) => continue,
                    Some(v) => v,
                };
                let text;
                let cv = match (c.field_type, value) {
                    (FieldType::Bool, Value::Bool(b)) => ColumnValue::Bool(*b),
                    (FieldType::Integer, Value::Number(n)) if n.as_i64().is_some() => {
                        ColumnValue::Long(n.as_i64().unwrap_or_default())
                    }
                    (FieldType::Real | FieldType::Integer, Value::Number(n)) => {
                        ColumnValue::Double(n.as_f64().unwrap_or(f64::NAN))
                    }
                    (_, Value::String(s)) => ColumnValue::String(s),
                    (_, other) => {
                        text = other.to_string();
                        ColumnValue::String(&text)
                    }
                };
                if let Err(e) = w.property(i, &c.name, &cv) {
                    failed = Some(e);
                    return;
                }
            }
        })
        .map_err(|e| err(Box::new(e)))?;
        if let Some(e) = failed {
            return Err(err(Box::new(e)));
        }
    }
    fgb.write(out).map_err(|e| err(Box::new(e)))
}
