//! GeoJSON: a FeatureCollection, a single Feature, or Features one per line (GeoJSONSeq, with
//! or without RFC 8142's record separators). A legacy `crs` member (`EPSG:4490`,
//! `urn:ogc:def:crs:EPSG::4490`, CRS84, or the 2008 `{"type": "EPSG", …}` form) states the
//! CRS; without one the file states none.

use std::path::Path;

use geo::{Coord, LineString, MultiPolygon, Polygon};
use serde_json::{Map, Value};

use super::Source;
use super::build::{FileCrs, PropValue, Props, RawGeom, RawLayer, RawRecord};
use crate::crs::Crs;
use crate::error::{Error, Result};

/// The features of a file, with the CRS it states.
struct Doc {
    features: Vec<Map<String, Value>>,
    crs: FileCrs,
}

const ORIGIN: &str = "GeoJSON crs member";

fn doc_error(path: &Path, message: String) -> Error {
    Error::GeoJson {
        path: path.to_owned(),
        location: "document".into(),
        message,
    }
}

/// Reads and checks the document structure; `what` names the file in an open error.
fn read_doc(path: &Path, what: &'static str) -> Result<Doc> {
    let mut bytes = std::fs::read(path).map_err(|e| Error::io(path, what, e))?;
    if bytes.starts_with(b"\xEF\xBB\xBF") {
        bytes.drain(..3);
    }
    // RFC 8142 record separators are not JSON whitespace; a space keeps positions right.
    for b in &mut bytes {
        if *b == 0x1E {
            *b = b' ';
        }
    }
    let values = serde_json::Deserializer::from_slice(&bytes)
        .into_iter::<Value>()
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| Error::Json {
            path: path.to_owned(),
            line: e.line(),
            column: e.column(),
            source: e,
        })?;
    let n_values = values.len();
    let mut values = values.into_iter();
    let Some(first) = values.next() else {
        return Err(doc_error(
            path,
            "the file is empty; expected GeoJSON".into(),
        ));
    };
    let Value::Object(mut obj) = first else {
        return Err(doc_error(
            path,
            format!("expected a JSON object, found {}", kind_of(&first)),
        ));
    };
    let crs = file_crs(path, &obj);
    match obj.get("type").and_then(Value::as_str) {
        Some("FeatureCollection") => {
            if n_values > 1 {
                return Err(doc_error(
                    path,
                    format!("expected one FeatureCollection, found {n_values} JSON documents"),
                ));
            }
            let Some(Value::Array(features)) = obj.remove("features") else {
                return Err(doc_error(path, "expected a `features` array".into()));
            };
            if features.is_empty() {
                return Err(doc_error(
                    path,
                    "the FeatureCollection has no features".into(),
                ));
            }
            let features = features
                .into_iter()
                .enumerate()
                .map(|(i, f)| feature_object(path, i, f))
                .collect::<Result<Vec<_>>>()?;
            Ok(Doc { features, crs })
        }
        Some("Feature") => {
            let features = std::iter::once(Value::Object(obj))
                .chain(values)
                .enumerate()
                .map(|(i, f)| feature_object(path, i, f))
                .collect::<Result<Vec<_>>>()?;
            Ok(Doc { features, crs })
        }
        Some(other) => Err(doc_error(
            path,
            format!(
                "expected a FeatureCollection, a Feature or one Feature per line, found a {other}"
            ),
        )),
        None => Err(doc_error(
            path,
            "expected a FeatureCollection, found no `type`".into(),
        )),
    }
}

fn feature_object(path: &Path, i: usize, f: Value) -> Result<Map<String, Value>> {
    match f {
        Value::Object(o) if o.get("type").and_then(Value::as_str) == Some("Feature") => Ok(o),
        other => Err(Error::Feature {
            path: path.to_owned(),
            location: format!("feature {i}"),
            message: format!("expected a Feature object, found {}", kind_of(&other)),
        }),
    }
}

/// The CRS named by a legacy `crs` member.
fn file_crs(path: &Path, obj: &Map<String, Value>) -> FileCrs {
    let Some(crs) = obj.get("crs").filter(|c| !c.is_null()) else {
        return FileCrs::Unstated;
    };
    let name = match (
        crs.pointer("/properties/name").and_then(Value::as_str),
        crs.pointer("/properties/code"),
    ) {
        (Some(name), _) => name.to_owned(),
        (None, Some(code)) => format!(
            "EPSG:{}",
            code.as_str()
                .map_or_else(|| code.to_string(), str::to_owned)
        ),
        (None, None) => crs.to_string(),
    };
    match name.parse::<Crs>() {
        Ok(c) => FileCrs::Known(c, ORIGIN),
        Err(_) => FileCrs::Unknown {
            path: path.to_owned(),
            found: name,
            origin: ORIGIN,
        },
    }
}

fn properties(path: &Path, loc: &str, f: &Map<String, Value>) -> Result<Props> {
    let props = match f.get("properties") {
        Some(Value::Object(p)) => p,
        Some(Value::Null) | None => return Ok(Props::default()),
        Some(other) => {
            return Err(Error::Feature {
                path: path.to_owned(),
                location: loc.to_owned(),
                message: format!(
                    "expected `properties` to be an object, found {}",
                    kind_of(other)
                ),
            });
        }
    };
    Ok(Props(
        props
            .iter()
            .map(|(k, v)| {
                let v = match v {
                    Value::String(s) => PropValue::Text(s.clone()),
                    Value::Number(n) => match n.as_i64() {
                        Some(i) => PropValue::Int(i),
                        None => PropValue::Float(n.as_f64().unwrap_or(f64::NAN)),
                    },
                    Value::Bool(b) => PropValue::Bool(*b),
                    Value::Null => PropValue::Null,
                    other => PropValue::Other(other.to_string()),
                };
                (k.clone(), v)
            })
            .collect(),
    ))
}

/// Reads every feature of the file: properties, and geometries as Polygons, Points or other.
pub(crate) fn read_layer(source: &Source, what: &'static str) -> Result<RawLayer> {
    let path = source.path.as_path();
    let doc = read_doc(path, what)?;
    let records = doc
        .features
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let location = format!("feature {i}");
            Ok(RawRecord {
                props: properties(path, &location, f)?,
                geom: geometry(path, &location, f.get("geometry"))?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(RawLayer {
        fields: None,
        records,
        crs: doc.crs,
        info: source.info(),
        warnings: Vec::new(),
    })
}

/// A feature's geometry. Malformed polygons are errors at once; a malformed point is kept as
/// unreadable, so that a town row can be skipped.
fn geometry(path: &Path, loc: &str, g: Option<&Value>) -> Result<RawGeom> {
    let Some(g) = g.filter(|g| !g.is_null()) else {
        return Ok(RawGeom::Missing);
    };
    let gtype = g.get("type").and_then(Value::as_str).unwrap_or("(no type)");
    let coords = g.get("coordinates");
    Ok(match (gtype, coords.and_then(Value::as_array)) {
        ("Polygon" | "MultiPolygon", _) => RawGeom::Polygons(parse_polygons(path, loc, g)?),
        ("Point", Some(c)) if c.is_empty() => RawGeom::Point(None),
        ("MultiPoint", Some(points)) if points.is_empty() => RawGeom::Point(None),
        ("Point", Some(_)) => point(coords),
        ("MultiPoint", Some(points)) if points.len() == 1 => point(points.first()),
        ("Point", None) => RawGeom::Unreadable("a Point with no `coordinates` array".into()),
        (other, _) => RawGeom::Other(other.to_owned()),
    })
}

fn point(pos: Option<&Value>) -> RawGeom {
    let pos = pos.unwrap_or(&Value::Null);
    match position(pos) {
        Some(p) => RawGeom::Point(Some(p)),
        None => RawGeom::Unreadable(format!(
            "expected a position [x, y] of two numbers, found {pos}"
        )),
    }
}

fn position(p: &Value) -> Option<(f64, f64)> {
    let a = p.as_array().filter(|a| a.len() >= 2)?;
    Some((a[0].as_f64()?, a[1].as_f64()?))
}

fn parse_polygons(path: &Path, loc: &str, g: &Value) -> Result<MultiPolygon<f64>> {
    let err = |message: String| Error::Feature {
        path: path.to_owned(),
        location: loc.to_owned(),
        message,
    };
    let gtype = g.get("type").and_then(Value::as_str).unwrap_or("(no type)");
    if !matches!(gtype, "Polygon" | "MultiPolygon") {
        return Err(err(format!(
            "expected a Polygon or MultiPolygon geometry, found {gtype}"
        )));
    }
    let coords = g
        .get("coordinates")
        .and_then(Value::as_array)
        .ok_or_else(|| err(format!("{gtype} geometry has no `coordinates` array")))?;
    let polygons = if gtype == "Polygon" {
        vec![parse_polygon(path, loc, coords)?]
    } else {
        coords
            .iter()
            .map(|p| {
                p.as_array()
                    .ok_or_else(|| {
                        err("expected each MultiPolygon part to be an array of rings".into())
                    })
                    .and_then(|rings| parse_polygon(path, loc, rings))
            })
            .collect::<Result<Vec<_>>>()?
    };
    Ok(MultiPolygon(polygons))
}

fn parse_polygon(path: &Path, loc: &str, rings: &[Value]) -> Result<Polygon<f64>> {
    let mut parsed = rings.iter().map(|ring| {
        let pts = ring.as_array().ok_or_else(|| Error::Feature {
            path: path.to_owned(),
            location: loc.to_owned(),
            message: "expected a ring to be an array of positions".into(),
        })?;
        pts.iter()
            .map(|p| {
                position(p)
                    .map(|(x, y)| Coord { x, y })
                    .ok_or_else(|| Error::BadValue {
                        path: path.to_owned(),
                        location: loc.to_owned(),
                        field: "coordinates".into(),
                        expected: "a position [x, y] of two numbers".into(),
                        found: p.to_string(),
                    })
            })
            .collect::<Result<Vec<Coord<f64>>>>()
            .map(LineString::new)
    });
    let exterior = parsed
        .next()
        .transpose()?
        .unwrap_or_else(|| LineString::new(vec![]));
    let interiors = parsed.collect::<Result<Vec<_>>>()?;
    Ok(Polygon::new(exterior, interiors))
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
