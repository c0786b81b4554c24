//! GeoJSON boundaries.

use std::collections::HashMap;
use std::fs::File;
use std::io::BufReader;
use std::path::Path;

use geo::orient::{Direction, Orient};
use geo::{Coord, LineString, MultiPolygon, Polygon};
use serde_json::{Map, Value};

use crate::config::BoundaryInput;
use crate::error::{Error, Result};
use crate::model::{Boundaries, Boundary};

/// Reads county boundaries from a GeoJSON FeatureCollection of Polygons and MultiPolygons.
///
/// Ids, names and prefectures come from the properties named in `input`; ids may be strings
/// or integers and must be unique. Coordinates must be WGS84 lon/lat (RFC 7946); a legacy
/// `crs` member naming anything else is refused.
///
/// # Errors
/// [`Error::Io`], [`Error::Json`] (with line and column), [`Error::GeoJson`] naming the feature
/// for a wrong structure or geometry type, [`Error::BadValue`] for a missing or empty
/// property or an out-of-range coordinate, [`Error::DuplicateId`].
///
/// # Examples
/// ```
/// use citybelt::config::BoundaryInput;
/// let counties = citybelt::load::load_boundaries(&BoundaryInput::with_path("tests/fixtures/grid.geojson"))?;
/// assert_eq!(counties.features.len(), 5);
/// # Ok::<(), citybelt::Error>(())
/// ```
pub fn load_boundaries(input: &BoundaryInput) -> Result<Boundaries> {
    let path = input.path.as_path();
    let file = File::open(path).map_err(|e| Error::io(path, "cannot open boundary file", e))?;
    let doc: Value = serde_json::from_reader(BufReader::new(file)).map_err(|e| Error::Json {
        path: path.to_owned(),
        line: e.line(),
        column: e.column(),
        source: e,
    })?;
    parse_collection(path, &doc, input)
}

fn parse_collection(path: &Path, doc: &Value, input: &BoundaryInput) -> Result<Boundaries> {
    let err = |location: String, message: String| Error::GeoJson {
        path: path.to_owned(),
        location,
        message,
    };
    let obj = doc.as_object().ok_or_else(|| {
        err(
            "document".into(),
            format!("expected a JSON object, found {}", kind_of(doc)),
        )
    })?;
    match obj.get("type").and_then(Value::as_str) {
        Some("FeatureCollection") => {}
        Some(other) => {
            return Err(err(
                "document".into(),
                format!("expected a FeatureCollection, found a {other}"),
            ));
        }
        None => {
            return Err(err(
                "document".into(),
                "expected a FeatureCollection, found no `type`".into(),
            ));
        }
    }
    check_crs(path, obj)?;
    let features = obj
        .get("features")
        .and_then(Value::as_array)
        .ok_or_else(|| err("document".into(), "expected a `features` array".into()))?;
    if features.is_empty() {
        return Err(err(
            "document".into(),
            "the FeatureCollection has no features".into(),
        ));
    }

    let mut out = Vec::with_capacity(features.len());
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (i, feature) in features.iter().enumerate() {
        let loc = format!("feature {i}");
        let fobj = feature
            .as_object()
            .filter(|o| o.get("type").and_then(Value::as_str) == Some("Feature"))
            .ok_or_else(|| err(loc.clone(), "expected a Feature object".into()))?;
        let empty = Map::new();
        let props = match fobj.get("properties") {
            Some(Value::Object(p)) => p,
            Some(Value::Null) | None => &empty,
            Some(other) => {
                return Err(err(
                    loc,
                    format!(
                        "expected `properties` to be an object, found {}",
                        kind_of(other)
                    ),
                ));
            }
        };
        let prop = |field: &str, role: &str| -> Result<String> {
            if field.is_empty() {
                // An empty property name means "not in this file" (e.g. no prefectures).
                return Ok(String::new());
            }
            if !props.contains_key(field) {
                let have: Vec<&str> = props.keys().map(String::as_str).collect();
                return Err(err(
                    loc.clone(),
                    format!(
                        "missing property `{field}` ({role}); the feature has: {}",
                        if have.is_empty() {
                            "no properties".to_owned()
                        } else {
                            have.join(", ")
                        }
                    ),
                ));
            }
            property(props, field).ok_or_else(|| Error::BadValue {
                path: path.to_owned(),
                location: loc.clone(),
                field: field.to_owned(),
                expected: format!("a non-empty string or integer ({role})"),
                found: props[field].to_string(),
            })
        };
        let id = prop(&input.id, "county id")?;
        let name = prop(&input.name, "county name")?;
        let prefecture_id = prop(&input.prefecture_id, "prefecture id")?;
        let prefecture_name = prop(&input.prefecture_name, "prefecture name")?;
        let geometry = fobj
            .get("geometry")
            .filter(|g| !g.is_null())
            .ok_or_else(|| {
                err(
                    loc.clone(),
                    "expected a Polygon or MultiPolygon geometry, found none".into(),
                )
            })?;
        let geometry = parse_geometry(path, &loc, geometry)?.orient(Direction::Default);
        if let Some(&first) = seen.get(&id) {
            return Err(Error::DuplicateId {
                path: path.to_owned(),
                id,
                first,
                second: i,
            });
        }
        seen.insert(id.clone(), i);
        out.push(Boundary {
            id,
            name,
            prefecture_id,
            prefecture_name,
            geometry,
        });
    }
    Ok(Boundaries {
        path: path.to_owned(),
        features: out,
    })
}

/// A property as text: strings as they are, integers in decimal; `None` when missing or empty.
fn property(props: &Map<String, Value>, field: &str) -> Option<String> {
    match props.get(field)? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        Value::Number(n) if n.is_i64() || n.is_u64() => Some(n.to_string()),
        _ => None,
    }
}

/// Refuses a legacy `crs` member that names anything but WGS84 lon/lat.
fn check_crs(path: &Path, obj: &Map<String, Value>) -> Result<()> {
    let Some(crs) = obj.get("crs") else {
        return Ok(());
    };
    let name = crs
        .pointer("/properties/name")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let wgs84 = [
        "urn:ogc:def:crs:OGC:1.3:CRS84",
        "urn:ogc:def:crs:OGC::CRS84",
        "OGC:CRS84",
        "EPSG:4326",
        "urn:ogc:def:crs:EPSG::4326",
    ];
    if wgs84.contains(&name) {
        Ok(())
    } else {
        Err(Error::GeoJson {
            path: path.to_owned(),
            location: "document".into(),
            message: format!(
                "unsupported `crs` `{name}`: expected WGS84 lon/lat (CRS84 or EPSG:4326)"
            ),
        })
    }
}

fn parse_geometry(path: &Path, loc: &str, g: &Value) -> Result<MultiPolygon<f64>> {
    let err = |message: String| Error::GeoJson {
        path: path.to_owned(),
        location: loc.to_owned(),
        message,
    };
    let gtype = g.get("type").and_then(Value::as_str).unwrap_or("(no type)");
    let coords = g
        .get("coordinates")
        .and_then(Value::as_array)
        .ok_or_else(|| err(format!("{gtype} geometry has no `coordinates` array")))?;
    let polygons = match gtype {
        "Polygon" => vec![parse_polygon(path, loc, coords)?],
        "MultiPolygon" => coords
            .iter()
            .map(|p| {
                p.as_array()
                    .ok_or_else(|| {
                        err("expected each MultiPolygon part to be an array of rings".into())
                    })
                    .and_then(|rings| parse_polygon(path, loc, rings))
            })
            .collect::<Result<Vec<_>>>()?,
        other => {
            return Err(err(format!(
                "expected a Polygon or MultiPolygon geometry, found {other}"
            )));
        }
    };
    if polygons.is_empty() {
        return Err(err(format!("{gtype} geometry is empty")));
    }
    Ok(MultiPolygon(polygons))
}

fn parse_polygon(path: &Path, loc: &str, rings: &[Value]) -> Result<Polygon<f64>> {
    let err = |message: String| Error::GeoJson {
        path: path.to_owned(),
        location: loc.to_owned(),
        message,
    };
    let mut parsed = rings.iter().map(|ring| {
        let pts = ring
            .as_array()
            .ok_or_else(|| err("expected a ring to be an array of positions".into()))?;
        if pts.len() < 4 {
            return Err(err(format!(
                "expected a ring of at least 4 positions, found {}",
                pts.len()
            )));
        }
        pts.iter()
            .map(|p| parse_position(path, loc, p))
            .collect::<Result<Vec<Coord<f64>>>>()
            .map(LineString::new)
    });
    let exterior = parsed
        .next()
        .ok_or_else(|| err("expected a polygon with at least one ring, found none".into()))??;
    let interiors = parsed.collect::<Result<Vec<_>>>()?;
    Ok(Polygon::new(exterior, interiors))
}

fn parse_position(path: &Path, loc: &str, p: &Value) -> Result<Coord<f64>> {
    let bad = |found: String| Error::BadValue {
        path: path.to_owned(),
        location: loc.to_owned(),
        field: "coordinates".into(),
        expected: "a position [lon, lat] with -180 ≤ lon ≤ 180 and -90 ≤ lat ≤ 90".into(),
        found,
    };
    let arr = p
        .as_array()
        .filter(|a| a.len() >= 2)
        .ok_or_else(|| bad(p.to_string()))?;
    match (arr[0].as_f64(), arr[1].as_f64()) {
        (Some(x), Some(y)) if (-180.0..=180.0).contains(&x) && (-90.0..=90.0).contains(&y) => {
            Ok(Coord { x, y })
        }
        _ => Err(bad(p.to_string())),
    }
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
