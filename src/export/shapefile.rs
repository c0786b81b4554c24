//! ESRI Shapefile, one set per layer: `.shp`, `.shx`, `.dbf`, `.prj` (WGS 84), `.cpg`
//! (UTF-8) and `<layer>.fields.csv`, the mapping from property names to the 10-byte dBase
//! field names.
//!
//! # Field names
//!
//! dBase field names hold at most 10 bytes. Names that fit are kept as they are. Longer names
//! are cut to 10 bytes (at a character boundary); when the cut name is already taken (names
//! compare without case, as dBase readers do), it is cut shorter and suffixed `_2`, `_3`, …
//! until it is free. Names that fit are placed first, so a short name never gives way to
//! the cut form of a longer one. The result is collision-free by construction and is written
//! next to the layer as `<layer>.fields.csv` (`property,field,type,width,decimals,cut_values`).
//!
//! # Values
//!
//! Text is UTF-8 (declared by the `.cpg`); a dBase text field holds at most 254 bytes, so a
//! longer value is cut at a character boundary and counted in `cut_values` (the other formats
//! keep it whole). dBase has no `null` text: an empty or missing text reads back as empty.
//! Integers are `N` fields without decimals, reals `N` fields with as many decimals as the
//! values need (at least one, so readers keep them real), booleans `L` fields.

use std::io::{Cursor, Write};

use serde_json::Value;
use shapefile::dbase::{
    self, FieldName, FieldValue, FieldWriter, TableWriterBuilder, WritableRecord,
};
use shapefile::{Point, Polygon, PolygonRing, ShapeWriter};

use super::layers::{Column, FieldType, Geometry, Layer};
use crate::error::{Error, Result};

/// The longest dBase field name, in bytes.
pub const MAX_NAME: usize = 10;
/// The longest dBase text value, in bytes.
pub const MAX_TEXT: usize = 254;

/// The `.prj` of every layer: WGS 84 in the ESRI dialect of WKT 1.
pub const WGS84_PRJ: &str = r#"GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137.0,298.257223563]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]"#;

/// How one property is stored in the `.dbf`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DbfField {
    /// The property name in the other formats.
    pub property: String,
    /// The dBase field name (at most 10 bytes).
    pub field: String,
    /// The property's type.
    pub field_type: FieldType,
    /// Field width in bytes.
    pub width: u8,
    /// Decimal places (numbers only).
    pub decimals: u8,
    /// How many values were longer than [`MAX_TEXT`] bytes and were cut.
    pub cut_values: usize,
}

/// The files of one Shapefile layer, in memory.
#[derive(Debug, Clone)]
pub struct ShapefileParts {
    /// `.shp`: the geometries.
    pub shp: Vec<u8>,
    /// `.shx`: the index of `.shp`.
    pub shx: Vec<u8>,
    /// `.dbf`: the attributes.
    pub dbf: Vec<u8>,
    /// How each property was stored.
    pub fields: Vec<DbfField>,
}

impl ShapefileParts {
    /// The `<layer>.fields.csv` mapping.
    pub fn fields_csv(&self) -> String {
        let mut s = String::from("property,field,type,width,decimals,cut_values\n");
        for f in &self.fields {
            let t = match f.field_type {
                FieldType::Bool => "logical",
                FieldType::Integer => "integer",
                FieldType::Real => "real",
                FieldType::Text => "text",
            };
            s += &format!(
                "{},{},{t},{},{},{}\n",
                csv_cell(&f.property),
                csv_cell(&f.field),
                f.width,
                f.decimals,
                f.cut_values
            );
        }
        s
    }
}

fn csv_cell(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

/// `s` cut to at most `max` bytes at a character boundary.
pub fn cut(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// The dBase field name of every column, in column order (see the module docs).
pub fn field_names(columns: &[Column]) -> Vec<String> {
    let mut names: Vec<Option<String>> = vec![None; columns.len()];
    let mut used: Vec<String> = Vec::new();
    let take = |candidate: &str, used: &mut Vec<String>| -> bool {
        let lower = candidate.to_lowercase();
        if used.contains(&lower) {
            false
        } else {
            used.push(lower);
            true
        }
    };
    // Names that fit first, then the cut ones, each in column order.
    for pass in [true, false] {
        for (i, c) in columns.iter().enumerate() {
            if (c.name.len() <= MAX_NAME) != pass || names[i].is_some() {
                continue;
            }
            let plain = cut(&c.name, MAX_NAME);
            if take(plain, &mut used) {
                names[i] = Some(plain.to_owned());
                continue;
            }
            for n in 2.. {
                let suffix = format!("_{n}");
                let candidate = format!("{}{suffix}", cut(&c.name, MAX_NAME - suffix.len()));
                if take(&candidate, &mut used) {
                    names[i] = Some(candidate);
                    break;
                }
            }
        }
    }
    names.into_iter().map(Option::unwrap_or_default).collect()
}

/// Decimal places of the shortest text that reads back as `v`.
fn decimals_of(v: f64) -> usize {
    let s = format!("{v}");
    s.split_once('.').map_or(0, |(_, f)| f.len())
}

/// Plans the `.dbf` fields of a layer: names, widths and decimals from the values.
fn plan_fields(layer: &Layer) -> Vec<DbfField> {
    let names = field_names(&layer.columns);
    layer
        .columns
        .iter()
        .zip(names)
        .map(|(c, field)| {
            let values = layer
                .features
                .iter()
                .filter_map(|f| f.properties.get(&c.name))
                .filter(|v| !v.is_null());
            let (width, decimals, cut_values) = match c.field_type {
                FieldType::Bool => (1, 0, 0),
                FieldType::Text => {
                    let mut width = 1;
                    let mut cut_values = 0;
                    for v in values {
                        let len = text(v).len();
                        if len > MAX_TEXT {
                            cut_values += 1;
                        }
                        width = width.max(len.min(MAX_TEXT));
                    }
                    (width, 0, cut_values)
                }
                FieldType::Integer => {
                    let width = values
                        .map(|v| v.to_string().len())
                        .max()
                        .unwrap_or(1)
                        .max(1);
                    (width, 0, 0)
                }
                FieldType::Real => {
                    let nums: Vec<f64> = values.filter_map(Value::as_f64).collect();
                    let decimals = nums
                        .iter()
                        .map(|&v| decimals_of(v))
                        .max()
                        .unwrap_or(1)
                        .clamp(1, 15);
                    let width = nums
                        .iter()
                        .map(|v| format!("{v:.decimals$}").len())
                        .max()
                        .unwrap_or(decimals + 2)
                        .max(decimals + 2);
                    (width, decimals, 0)
                }
            };
            DbfField {
                property: c.name.clone(),
                field,
                field_type: c.field_type,
                width: u8::try_from(width).unwrap_or(u8::MAX),
                decimals: u8::try_from(decimals).unwrap_or(u8::MAX),
                cut_values,
            }
        })
        .collect()
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// One `.dbf` record, values in field order.
struct Row(Vec<FieldValue>);

impl WritableRecord for Row {
    fn write_using<W: Write>(
        &self,
        w: &mut FieldWriter<'_, W>,
    ) -> std::result::Result<(), dbase::FieldError> {
        for v in &self.0 {
            w.write_next_field_value(v)?;
        }
        Ok(())
    }
}

fn dbf_value(f: &DbfField, v: Option<&Value>) -> FieldValue {
    let v = v.filter(|v| !v.is_null());
    match f.field_type {
        FieldType::Bool => FieldValue::Logical(v.and_then(Value::as_bool)),
        FieldType::Integer | FieldType::Real => FieldValue::Numeric(v.and_then(Value::as_f64)),
        FieldType::Text => FieldValue::Character(v.map(|v| cut(&text(v), MAX_TEXT).to_owned())),
    }
}

/// Writes one layer as Shapefile parts in memory. `shp_path` names the `.shp` in errors.
///
/// # Errors
/// [`Error::ShapefileWrite`] if a record cannot be written, [`Error::Output`] for an empty
/// area (a Shapefile polygon needs a ring).
pub fn write_shapefile(layer: &Layer, shp_path: &std::path::Path) -> Result<ShapefileParts> {
    let fields = plan_fields(layer);
    let err = |source| Error::ShapefileWrite {
        path: shp_path.to_owned(),
        source,
    };
    let mut builder = TableWriterBuilder::new();
    for f in &fields {
        let name = FieldName::try_from(f.field.as_str()).map_err(|m| Error::Output {
            path: shp_path.to_owned(),
            message: format!("field `{}`: {m}", f.field),
        })?;
        builder = match f.field_type {
            FieldType::Bool => builder.add_logical_field(name),
            FieldType::Text => builder.add_character_field(name, f.width),
            FieldType::Integer | FieldType::Real => {
                builder.add_numeric_field(name, f.width, f.decimals)
            }
        };
    }
    let (mut shp, mut shx, mut dbf) = (Vec::new(), Vec::new(), Vec::new());
    {
        let mut shapes = ShapeWriter::with_shx(Cursor::new(&mut shp), Cursor::new(&mut shx));
        let mut table = builder.build_with_dest(Cursor::new(&mut dbf));
        for feature in &layer.features {
            match &feature.geometry {
                Geometry::Point(p) => shapes.write_shape(&Point::new(p.x(), p.y())),
                Geometry::Area(mp) => {
                    if mp.0.is_empty() {
                        return Err(Error::Output {
                            path: shp_path.to_owned(),
                            message: "an empty area cannot be written as a Shapefile polygon"
                                .into(),
                        });
                    }
                    let pts = |r: &geo::LineString<f64>| {
                        r.0.iter().map(|c| Point::new(c.x, c.y)).collect::<Vec<_>>()
                    };
                    let rings =
                        mp.0.iter()
                            .flat_map(|p| {
                                std::iter::once(PolygonRing::Outer(pts(p.exterior())))
                                    .chain(p.interiors().iter().map(|r| PolygonRing::Inner(pts(r))))
                            })
                            .collect();
                    shapes.write_shape(&Polygon::with_rings(rings))
                }
            }
            .map_err(err)?;
            let row = Row(fields
                .iter()
                .map(|f| dbf_value(f, feature.properties.get(&f.property)))
                .collect());
            table
                .write_record(&row)
                .map_err(|e| err(shapefile::Error::DbaseError(e)))?;
        }
        shapes.finalize().map_err(err)?;
        table
            .finalize()
            .map_err(|e| err(shapefile::Error::DbaseError(e)))?;
    }
    Ok(ShapefileParts {
        shp,
        shx,
        dbf,
        fields,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cols(names: &[&str]) -> Vec<Column> {
        names
            .iter()
            .map(|n| Column {
                name: (*n).to_owned(),
                field_type: FieldType::Text,
            })
            .collect()
    }

    #[test]
    fn short_names_are_kept_and_long_ones_cut_without_collisions() {
        let names = field_names(&cols(&[
            "adcode",
            "prefecture_adcode",
            "prefecture",
            "region_vs_national_towns_per_10k_km2",
            "region_vs_western_towns_per_10k_km2",
            "in_chengdemianle",
            "Name",
            "name",
        ]));
        assert_eq!(
            names,
            [
                "adcode",
                "prefectu_2",
                "prefecture",
                "region_vs_",
                "region_v_2",
                "in_chengde",
                "Name",
                "name_2",
            ]
        );
        for n in &names {
            assert!(n.len() <= MAX_NAME);
        }
    }

    #[test]
    fn cuts_respect_character_boundaries() {
        assert_eq!(cut("成渝城市群", 10), "成渝城");
        assert_eq!(cut("abc", 10), "abc");
        assert_eq!(field_names(&cols(&["城市带名称字段"])), ["城市带"]);
    }
}
