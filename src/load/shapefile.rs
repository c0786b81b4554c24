//! Esri Shapefiles: polygons for boundaries, points for towns.
//!
//! A Shapefile is several files side by side: the `.shp` (geometry) needs its `.shx` (index)
//! and `.dbf` (attributes), and both must hold one record per shape. The `.prj` states the
//! CRS (matched to an EPSG code by authority or name, see [`crate::crs::Crs::from_wkt`]).
//!
//! The `.dbf`'s text encoding comes from the input's `encoding`, else the `.cpg`, else the
//! `.dbf`'s language driver byte, else a guess (valid UTF-8 is UTF-8, anything else GBK) that
//! is reported as an `encoding_guessed` warning when the text is not plain ASCII. The language
//! driver `0x57` ("ANSI", the writer's Windows code page) names no encoding: on Chinese systems
//! it means GBK, elsewhere Latin-1, so it is guessed too.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use geo::{Contains, Coord, LineString, MultiPolygon, Polygon};
use shapefile::dbase::{self, FieldValue};
use shapefile::{PolygonRing, Shape};

use super::build::{FileCrs, PropValue, Props, RawGeom, RawLayer, RawRecord};
use super::text::{self, TextEncoding};
use super::{LoadOptions, Source};
use crate::crs::Crs;
use crate::error::{Error, Result};
use crate::model::{SourceInfo, Warning};

/// The companion file `path` with extension `ext`, in lower or upper case.
fn companion(path: &Path, ext: &str) -> Option<PathBuf> {
    [ext.to_owned(), ext.to_ascii_uppercase()]
        .into_iter()
        .map(|e| path.with_extension(e))
        .find(|p| p.is_file())
}

fn input_error(path: &Path, message: String) -> Error {
    Error::Input {
        path: path.to_owned(),
        message,
    }
}

/// Reads shapes, attributes and CRS, checking that the files belong together; `what` names
/// the file in an open error.
pub(crate) fn read_layer(
    source: &Source,
    what: &'static str,
    encoding: Option<TextEncoding>,
    opts: &LoadOptions,
) -> Result<RawLayer> {
    let path = source.path.as_path();
    let mut info = source.info();
    let mut warnings = Vec::new();
    let shp = File::open(path).map_err(|e| Error::io(path, what, e))?;
    let missing = |ext: &str, role: &str| {
        input_error(
            path,
            format!(
                "the {role} `.{ext}` is missing: a Shapefile needs its .shp, .shx and .dbf side by side"
            ),
        )
    };
    let shx_path = companion(path, "shx").ok_or_else(|| missing("shx", "index"))?;
    let dbf_path = companion(path, "dbf").ok_or_else(|| missing("dbf", "attribute table"))?;
    let shx = File::open(&shx_path).map_err(|e| Error::io(&shx_path, what, e))?;
    let shp_error = |source| Error::Shapefile {
        path: path.to_owned(),
        source,
    };
    let reader = shapefile::ShapeReader::with_shx(BufReader::new(shp), BufReader::new(shx))
        .map_err(shp_error)?;
    let indexed = reader.shape_count().map_err(shp_error)?;
    let shapes = reader.read().map_err(shp_error)?;
    if shapes.len() != indexed {
        return Err(input_error(
            path,
            format!(
                "the .shp holds {} shapes but its .shx indexes {indexed}; the files do not belong together or one is truncated",
                shapes.len()
            ),
        ));
    }

    let enc = dbf_encoding(path, &dbf_path, encoding, opts, &mut info, &mut warnings)?;
    let dbf_error =
        |e: dbase::Error| input_error(&dbf_path, format!("cannot read the attribute table: {e}"));
    let dbf = File::open(&dbf_path).map_err(|e| Error::io(&dbf_path, what, e))?;
    let mut table = dbase::ReaderBuilder::new()
        .with_encoding(dbase::encoding::EncodingRs::from(enc.encoding()))
        .build(BufReader::new(dbf))
        .map_err(dbf_error)?;
    let declared = table.header().num_records as usize;
    if declared != shapes.len() {
        return Err(input_error(
            &dbf_path,
            format!(
                "the .dbf has {declared} records but the .shp has {} shapes; the files do not belong together or one is truncated",
                shapes.len()
            ),
        ));
    }
    let fields: Vec<String> = table.fields().iter().map(|f| f.name().to_owned()).collect();
    let rows = table.read().map_err(dbf_error)?;
    if rows.len() != declared {
        return Err(input_error(
            &dbf_path,
            format!(
                "{} of the .dbf's {declared} records are marked deleted; their shapes would lose their attributes. Pack the Shapefile (e.g. ogr2ogr) first",
                declared - rows.len()
            ),
        ));
    }
    let records = rows
        .into_iter()
        .zip(&shapes)
        .map(|(r, shape)| RawRecord {
            props: Props(
                fields
                    .iter()
                    .map(|f| (f.clone(), r.get(f).map_or(PropValue::Null, field_value)))
                    .collect(),
            ),
            geom: geometry(shape),
        })
        .collect();
    let crs = match companion(path, "prj") {
        None => FileCrs::Unstated,
        Some(prj) => {
            let text = std::fs::read(&prj).map_err(|e| Error::io(&prj, "cannot read", e))?;
            let text = String::from_utf8_lossy(&text);
            match Crs::from_wkt(&text) {
                Some(crs) => FileCrs::Known(crs, ".prj"),
                None => FileCrs::Unknown {
                    found: Crs::wkt_name(&text)
                        .unwrap_or_else(|| text.trim().chars().take(80).collect()),
                    path: prj,
                    origin: ".prj",
                },
            }
        }
    };
    Ok(RawLayer {
        fields: Some(fields),
        records,
        crs,
        info,
        warnings,
    })
}

/// The `.dbf`'s text encoding, by the rules of the module docs.
fn dbf_encoding(
    shp: &Path,
    dbf: &Path,
    configured: Option<TextEncoding>,
    opts: &LoadOptions,
    info: &mut SourceInfo,
    warnings: &mut Vec<Warning>,
) -> Result<TextEncoding> {
    if let Some(enc) = configured {
        info.encoding = Some(format!("{enc} (configured)"));
        return Ok(enc);
    }
    if let Some(cpg) = companion(shp, "cpg") {
        let label = std::fs::read(&cpg).map_err(|e| Error::io(&cpg, "cannot read", e))?;
        let label = String::from_utf8_lossy(&label).trim().to_owned();
        if !label.is_empty() {
            let enc = label
                .parse::<TextEncoding>()
                .map_err(|_| Error::UnknownEncoding {
                    path: cpg.clone(),
                    label: label.clone(),
                })?;
            info.encoding = Some(format!("{enc} (from the .cpg)"));
            return Ok(enc);
        }
    }
    let mut header = [0u8; 32];
    File::open(dbf)
        .and_then(|mut f| f.read_exact(&mut header))
        .map_err(|e| Error::io(dbf, "cannot read", e))?;
    if let Some(enc) = TextEncoding::from_dbf_language_driver(header[29]) {
        info.encoding = Some(format!(
            "{enc} (from the .dbf language driver 0x{:02X})",
            header[29]
        ));
        return Ok(enc);
    }
    let bytes = dbf_text_bytes(dbf)?;
    let (enc, non_ascii) = text::guess(&bytes, true);
    if non_ascii {
        if opts.strict {
            return Err(input_error(
                dbf,
                "neither a .cpg nor the .dbf's language driver states the text encoding, and --strict forbids guessing it; name it with --encoding (e.g. gbk)".into(),
            ));
        }
        warnings.push(Warning {
            code: "encoding_guessed",
            count: 1,
            message: format!(
                "{}: neither a .cpg nor the .dbf's language driver (0x{:02X}) states the text encoding; read as {enc} (guessed: {}). Name it with --encoding if names look wrong",
                dbf.display(),
                header[29],
                if enc.is_utf8() { "the text is valid UTF-8" } else { "the text is not valid UTF-8" }
            ),
        });
        info.encoding = Some(format!("{enc} (guessed)"));
    } else {
        info.encoding = Some("ASCII".into());
    }
    Ok(enc)
}

/// The bytes of the field names and character fields of a `.dbf` (dBase III layout: a
/// 32-byte header, 32-byte field descriptors ended by `0x0D`, then fixed-width records).
fn dbf_text_bytes(dbf: &Path) -> Result<Vec<u8>> {
    let data = std::fs::read(dbf).map_err(|e| Error::io(dbf, "cannot read", e))?;
    let bad = || input_error(dbf, "not a dBase file: its header is cut short".into());
    let u16_at = |i: usize| -> Option<usize> {
        Some(u16::from_le_bytes([*data.get(i)?, *data.get(i + 1)?]) as usize)
    };
    let header_len = u16_at(8).ok_or_else(bad)?;
    let record_len = u16_at(10).ok_or_else(bad)?;
    let mut out = Vec::new();
    let mut char_fields = Vec::new(); // (offset in record, length)
    let mut offset = 1; // the deletion flag
    let mut d = 32;
    while d + 32 <= data.len() && data[d] != 0x0D {
        let desc = &data[d..d + 32];
        out.extend(desc[..11].iter().take_while(|&&b| b != 0));
        let len = desc[16] as usize;
        if desc[11] == b'C' {
            char_fields.push((offset, len));
        }
        offset += len;
        d += 32;
    }
    if record_len > 0 {
        for record in data
            .get(header_len..)
            .unwrap_or_default()
            .chunks_exact(record_len)
        {
            for &(o, l) in &char_fields {
                if let Some(bytes) = record.get(o..o + l) {
                    out.extend_from_slice(bytes);
                    out.push(b' ');
                }
            }
        }
    }
    Ok(out)
}

fn field_value(v: &FieldValue) -> PropValue {
    match v {
        FieldValue::Character(Some(s)) | FieldValue::Memo(s) => PropValue::Text(s.clone()),
        FieldValue::Numeric(Some(x)) | FieldValue::Currency(x) | FieldValue::Double(x) => {
            PropValue::Float(*x)
        }
        FieldValue::Float(Some(x)) => PropValue::Float(f64::from(*x)),
        FieldValue::Integer(i) => PropValue::Int(i64::from(*i)),
        FieldValue::Logical(Some(b)) => PropValue::Bool(*b),
        FieldValue::Date(Some(d)) => {
            PropValue::Other(format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day()))
        }
        FieldValue::DateTime(dt) => PropValue::Other(format!("{dt:?}")),
        FieldValue::Character(None)
        | FieldValue::Numeric(None)
        | FieldValue::Float(None)
        | FieldValue::Logical(None)
        | FieldValue::Date(None) => PropValue::Null,
    }
}

/// A shape as a geometry: polygons, a point, or another type.
fn geometry(shape: &Shape) -> RawGeom {
    match shape {
        Shape::NullShape => RawGeom::Missing,
        Shape::Point(p) => RawGeom::Point(Some((p.x, p.y))),
        Shape::PointM(p) => RawGeom::Point(Some((p.x, p.y))),
        Shape::PointZ(p) => RawGeom::Point(Some((p.x, p.y))),
        Shape::Multipoint(m) if m.points().len() == 1 => {
            RawGeom::Point(Some((m.points()[0].x, m.points()[0].y)))
        }
        other => polygons(other).map_or_else(
            || RawGeom::Other(other.shapetype().to_string()),
            RawGeom::Polygons,
        ),
    }
}

/// The rings of a polygon shape as a MultiPolygon; `None` for other shape types.
fn polygons(shape: &Shape) -> Option<MultiPolygon<f64>> {
    fn rings<P: Copy>(
        rings: &[PolygonRing<P>],
        xy: impl Fn(P) -> Coord<f64>,
    ) -> Vec<(bool, LineString<f64>)> {
        rings
            .iter()
            .map(|r| {
                let (outer, pts) = match r {
                    PolygonRing::Outer(p) => (true, p),
                    PolygonRing::Inner(p) => (false, p),
                };
                (outer, pts.iter().map(|&p| xy(p)).collect())
            })
            .collect()
    }
    let rings = match shape {
        Shape::Polygon(p) => rings(p.rings(), |p| Coord { x: p.x, y: p.y }),
        Shape::PolygonM(p) => rings(p.rings(), |p| Coord { x: p.x, y: p.y }),
        Shape::PolygonZ(p) => rings(p.rings(), |p| Coord { x: p.x, y: p.y }),
        _ => return None,
    };
    Some(assemble(rings))
}

/// Groups rings into polygons: each hole goes to the smallest outer ring that contains it; a
/// hole that no outer ring contains is taken as an outer ring (as GDAL does).
fn assemble(rings: Vec<(bool, LineString<f64>)>) -> MultiPolygon<f64> {
    let (outers, inners): (Vec<_>, Vec<_>) = rings.into_iter().partition(|(outer, _)| *outer);
    let mut polygons: Vec<(Polygon<f64>, Vec<LineString<f64>>)> = outers
        .into_iter()
        .map(|(_, r)| (Polygon::new(r, vec![]), Vec::new()))
        .collect();
    let mut orphans = Vec::new();
    for (_, hole) in inners {
        let probe = hole.0.first().copied();
        let owner = probe.and_then(|c| {
            polygons
                .iter()
                .enumerate()
                .filter(|(_, (p, _))| p.contains(&c))
                .min_by(|(_, (a, _)), (_, (b, _))| {
                    use geo::Area;
                    a.unsigned_area().total_cmp(&b.unsigned_area())
                })
                .map(|(i, _)| i)
        });
        match owner {
            Some(i) => polygons[i].1.push(hole),
            None => orphans.push(Polygon::new(hole, vec![])),
        }
    }
    MultiPolygon(
        polygons
            .into_iter()
            .map(|(p, holes)| Polygon::new(p.exterior().clone(), holes))
            .chain(orphans)
            .collect(),
    )
}
