//! What every format shares once its records are read: attribute lookup, the CRS decision,
//! coordinate conversion and checks, polygon repair, duplicate ids, and the accounting of
//! skipped rows. Each format's file only turns bytes into [`RawFeature`]s or [`RawTown`]s.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};

use geo::orient::{Direction, Orient};
use geo::{Coord, GeodesicArea, MapCoordsInPlace, MultiPolygon};

use super::LoadOptions;
use super::towns::{RawTown, RawTowns};
use super::valid;
use crate::config::BoundaryInput;
use crate::crs::{Axis, CoordError, Crs, Datum, ToWgs84};
use crate::error::{Error, Result};
use crate::model::{Boundaries, Boundary, SourceInfo, Warning};

/// One attribute value, whatever the format stored.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum PropValue {
    Text(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    Null,
    /// Anything else (a date, a JSON array), as text.
    Other(String),
}

impl PropValue {
    /// The value as an identifier or name: trimmed non-empty text, an integer, or a float with
    /// no fractional part (dBase stores integers as such); `None` otherwise.
    pub(crate) fn as_key(&self) -> Option<String> {
        match self {
            PropValue::Text(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
            PropValue::Int(i) => Some(i.to_string()),
            PropValue::Float(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Some(format!("{f:.0}")),
            _ => None,
        }
    }

    /// The value as plain text, for extra columns and optional fields (`""` for null).
    pub(crate) fn as_text(&self) -> String {
        match self {
            PropValue::Text(s) | PropValue::Other(s) => s.trim().to_owned(),
            PropValue::Null => String::new(),
            PropValue::Float(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => format!("{f:.0}"),
            other => other.to_string(),
        }
    }
}

impl fmt::Display for PropValue {
    /// JSON-like, for messages: strings quoted, null as `null`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PropValue::Text(s) => write!(f, "{s:?}"),
            PropValue::Int(i) => write!(f, "{i}"),
            PropValue::Float(x) => write!(f, "{x}"),
            PropValue::Bool(b) => write!(f, "{b}"),
            PropValue::Null => f.write_str("null"),
            PropValue::Other(s) => f.write_str(s),
        }
    }
}

/// The attributes of one record, in the file's order.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Props(pub Vec<(String, PropValue)>);

impl Props {
    pub(crate) fn get(&self, key: &str) -> Option<&PropValue> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    fn keys(&self) -> String {
        if self.0.is_empty() {
            "no properties".to_owned()
        } else {
            self.0
                .iter()
                .map(|(k, _)| k.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        }
    }
}

/// The CRS an input file states about itself.
#[derive(Debug, Clone)]
pub(crate) enum FileCrs {
    /// The file says nothing.
    Unstated,
    /// The file names a CRS citybelt knows; `origin` says where (`.prj`, …).
    Known(Crs, &'static str),
    /// The file names a CRS citybelt cannot use.
    Unknown {
        path: PathBuf,
        found: String,
        origin: &'static str,
    },
}

/// Decides the CRS of an input, prepares its conversion, and fills `source`'s CRS fields:
/// the configuration wins, then the file, then WGS84 with a `crs_assumed` warning (an error
/// under `strict`).
pub(crate) fn resolve_crs(
    path: &Path,
    configured: Option<&Crs>,
    datum: Option<Datum>,
    file: FileCrs,
    opts: &LoadOptions,
    source: &mut SourceInfo,
    warnings: &mut Vec<Warning>,
) -> Result<ToWgs84> {
    let (crs, from) = match (configured, file) {
        (Some(crs), _) => (crs.clone(), "configuration"),
        (None, FileCrs::Known(crs, origin)) => (crs, origin),
        (
            None,
            FileCrs::Unknown {
                path,
                found,
                origin,
            },
        ) => {
            return Err(Error::UnknownCrs {
                path,
                found,
                origin,
            });
        }
        (None, FileCrs::Unstated) if opts.strict => {
            return Err(Error::Input {
                path: path.to_owned(),
                message: "the file states no CRS, and --strict forbids assuming WGS84; name it with --crs or `crs` in the region file".into(),
            });
        }
        (None, FileCrs::Unstated) => {
            warnings.push(Warning {
                code: "crs_assumed",
                count: 1,
                message: format!(
                    "{}: the file states no CRS; assumed WGS84 lon/lat (EPSG:4326). Name it with --crs or `crs` in the region file; data from a Chinese web map may also need --datum gcj02 or bd09",
                    path.display()
                ),
            });
            (Crs::Wgs84, "assumed")
        }
    };
    let datum = datum.unwrap_or_default();
    let transform = ToWgs84::new(&crs, datum).map_err(|e| Error::Input {
        path: path.to_owned(),
        message: e.to_string(),
    })?;
    source.crs = crs;
    source.crs_from = from;
    source.datum = datum;
    Ok(transform)
}

/// The error for a refused coordinate pair. With `fields` (a CSV's column names), a plain
/// out-of-range value is reported against its column, as any other bad value.
pub(crate) fn coord_error(
    path: &Path,
    location: &str,
    fields: Option<(&str, &str)>,
    transform: &ToWgs84,
    (x, y): (f64, f64),
    err: CoordError,
) -> Error {
    if let (
        Some((fx, fy)),
        CoordError::OutOfRange {
            axis,
            value,
            limit,
            looks_swapped: false,
        },
    ) = (fields, &err)
    {
        let system = match transform.crs() {
            Crs::Wgs84 => "WGS84".to_owned(),
            other => other.to_string(),
        };
        return Error::BadValue {
            path: path.to_owned(),
            location: location.to_owned(),
            field: (if *axis == Axis::X { fx } else { fy }).to_owned(),
            expected: format!("a number of {system} degrees between -{limit} and {limit}"),
            found: value.to_string(),
        };
    }
    let hint = match (&err, transform.crs()) {
        (CoordError::OutsideArea { .. }, crs) if !crs.is_geographic() => {
            " (projected coordinates: is the CRS or its zone right? name it with --crs)"
        }
        (CoordError::OutsideArea { .. }, _) => " (is the CRS right? name it with --crs)",
        _ => "",
    };
    Error::Coordinate {
        path: path.to_owned(),
        location: location.to_owned(),
        found: format!("{x}, {y}"),
        message: format!("{err}{hint}"),
    }
}

/// A geometry as a format read it, before it is known whether polygons or points are wanted.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum RawGeom {
    Polygons(MultiPolygon<f64>),
    /// A point; `None` when empty.
    Point(Option<(f64, f64)>),
    /// Another geometry type, by name.
    Other(String),
    /// No geometry (null).
    Missing,
    /// A geometry that could not be decoded, and why.
    Unreadable(String),
}

impl RawGeom {
    /// What it is, for "expected …, found …".
    fn describe(&self) -> String {
        match self {
            RawGeom::Polygons(_) => "Polygon".into(),
            RawGeom::Point(Some(_)) => "Point".into(),
            RawGeom::Point(None) => "an empty Point".into(),
            RawGeom::Other(t) => t.clone(),
            RawGeom::Missing => "none".into(),
            RawGeom::Unreadable(why) => format!("an unreadable geometry ({why})"),
        }
    }
}

/// One record of a layer: attributes and geometry in the file's CRS.
#[derive(Debug, Clone)]
pub(crate) struct RawRecord {
    pub props: Props,
    pub geom: RawGeom,
}

/// Everything a format read from one layer.
#[derive(Debug)]
pub(crate) struct RawLayer {
    /// The attribute fields, when the format declares them up front (Shapefile, GeoPackage).
    pub fields: Option<Vec<String>>,
    pub records: Vec<RawRecord>,
    /// The CRS the file states.
    pub crs: FileCrs,
    /// How it was read so far (format, layer, encoding).
    pub info: SourceInfo,
    /// Soft problems so far (a guessed encoding).
    pub warnings: Vec<Warning>,
}

/// Boundaries from a layer: the CRS decision, then polygons only.
pub(crate) fn boundaries_from(
    path: &Path,
    layer: RawLayer,
    input: &BoundaryInput,
    opts: &LoadOptions,
) -> Result<Boundaries> {
    let RawLayer {
        fields,
        records,
        crs,
        mut info,
        mut warnings,
    } = layer;
    let transform = resolve_crs(
        path,
        input.crs.as_ref(),
        input.datum,
        crs,
        opts,
        &mut info,
        &mut warnings,
    )?;
    let features = records
        .into_iter()
        .enumerate()
        .map(|(i, r)| {
            let location = format!("feature {i}");
            match r.geom {
                RawGeom::Polygons(geometry) => Ok(RawFeature {
                    location,
                    props: r.props,
                    geometry,
                }),
                other => Err(Error::Feature {
                    path: path.to_owned(),
                    location,
                    message: format!(
                        "expected a Polygon or MultiPolygon geometry, found {}",
                        other.describe()
                    ),
                }),
            }
        })
        .collect::<Result<Vec<_>>>()?;
    if let Some(fields) = &fields {
        check_fields(path, fields, &boundary_fields(input))?;
    }
    build_boundaries(path, input, opts, &transform, features, info, warnings)
}

/// Town records from a layer: the CRS decision, then points only (a record with another
/// geometry fails when it is turned into a town, so that it can be skipped).
pub(crate) fn towns_from(
    path: &Path,
    layer: RawLayer,
    crs: Option<&Crs>,
    datum: Option<Datum>,
    opts: &LoadOptions,
) -> Result<RawTowns> {
    let RawLayer {
        fields,
        records,
        crs: file_crs,
        mut info,
        mut warnings,
    } = layer;
    let transform = resolve_crs(path, crs, datum, file_crs, opts, &mut info, &mut warnings)?;
    let records = records
        .into_iter()
        .enumerate()
        .map(|(i, r)| RawTown {
            location: format!("feature {i}"),
            line: i as u64 + 1,
            props: r.props,
            xy: match r.geom {
                RawGeom::Point(Some(p)) => Ok(p),
                other => Err(format!(
                    "expected a Point geometry, found {}",
                    other.describe()
                )),
            },
        })
        .collect();
    Ok(RawTowns {
        fields,
        records,
        transform,
        info,
        warnings,
    })
}

/// A boundary record as a format read it: attributes and a geometry in the file's CRS.
#[derive(Debug, Clone)]
pub(crate) struct RawFeature {
    /// `feature 3`.
    pub location: String,
    pub props: Props,
    pub geometry: MultiPolygon<f64>,
}

/// A polygon repaired on load, for the warning.
struct Repair {
    label: String,
    before_km2: f64,
    after_km2: f64,
}

/// Checks that a layer's attribute fields, when the format declares them up front, include
/// every configured one.
pub(crate) fn check_fields(
    path: &Path,
    fields: &[String],
    wanted: &[(&str, &'static str)],
) -> Result<()> {
    for (field, role) in wanted {
        if !field.is_empty() && !fields.iter().any(|f| f == field) {
            return Err(Error::MissingColumn {
                path: path.to_owned(),
                column: (*field).to_owned(),
                role,
                found: fields.join(", "),
            });
        }
    }
    Ok(())
}

/// The configured boundary properties with their roles.
pub(crate) fn boundary_fields(input: &BoundaryInput) -> [(&str, &'static str); 4] {
    [
        (input.id.as_str(), "county id"),
        (input.name.as_str(), "county name"),
        (input.prefecture_id.as_str(), "prefecture id"),
        (input.prefecture_name.as_str(), "prefecture name"),
    ]
}

/// A property by name; a missing one is an error naming the feature and what it has.
pub(crate) fn prop<'p>(
    path: &Path,
    location: &str,
    props: &'p Props,
    field: &str,
    role: &str,
) -> Result<&'p PropValue> {
    props.get(field).ok_or_else(|| Error::Feature {
        path: path.to_owned(),
        location: location.to_owned(),
        message: format!(
            "missing property `{field}` ({role}); the feature has: {}",
            props.keys()
        ),
    })
}

/// A property by name as a key; a missing or empty one is an error naming the feature.
pub(crate) fn key_prop(
    path: &Path,
    location: &str,
    props: &Props,
    field: &str,
    role: &str,
) -> Result<String> {
    if field.is_empty() {
        // An empty property name means "not in this file" (e.g. no prefectures).
        return Ok(String::new());
    }
    let value = prop(path, location, props, field, role)?;
    value.as_key().ok_or_else(|| Error::BadValue {
        path: path.to_owned(),
        location: location.to_owned(),
        field: field.to_owned(),
        expected: format!("a non-empty string or integer ({role})"),
        found: value.to_string(),
    })
}

/// Turns raw features into boundaries: attributes, conversion to WGS84 with checks, ring
/// orientation, repair of crossing rings (or refusal under `strict`), unique ids.
pub(crate) fn build_boundaries(
    path: &Path,
    input: &BoundaryInput,
    opts: &LoadOptions,
    transform: &ToWgs84,
    features: Vec<RawFeature>,
    source: SourceInfo,
    mut warnings: Vec<Warning>,
) -> Result<Boundaries> {
    if features.is_empty() {
        return Err(Error::Input {
            path: path.to_owned(),
            message: "the layer has no features".into(),
        });
    }
    let mut out = Vec::with_capacity(features.len());
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut repairs = Vec::new();
    for (i, f) in features.into_iter().enumerate() {
        let loc = f.location.as_str();
        let [id, name, prefecture_id, prefecture_name] =
            boundary_fields(input).map(|(field, role)| key_prop(path, loc, &f.props, field, role));
        let (id, name) = (id?, name?);
        let (prefecture_id, prefecture_name) = (prefecture_id?, prefecture_name?);
        let mut geometry = f.geometry;
        check_rings(path, loc, &geometry)?;
        convert(path, loc, transform, &mut geometry)?;
        let mut geometry = geometry.orient(Direction::Default);
        if let Some(crossing) = valid::first_crossing(&geometry) {
            let what = format!(
                "ring of polygon {} crosses itself or another ring at ({:.7}, {:.7})",
                crossing.polygon, crossing.at.x, crossing.at.y
            );
            if opts.strict {
                return Err(Error::Feature {
                    path: path.to_owned(),
                    location: loc.to_owned(),
                    message: format!(
                        "invalid polygon: {what}; --strict refuses it (without --strict it is repaired)"
                    ),
                });
            }
            let fixed = valid::repair(&geometry).ok_or_else(|| Error::Feature {
                path: path.to_owned(),
                location: loc.to_owned(),
                message: format!("invalid polygon that cannot be repaired: {what}"),
            })?;
            repairs.push(Repair {
                label: format!("{id} {name} ({loc})"),
                before_km2: geometry.geodesic_area_unsigned() / 1e6,
                after_km2: fixed.geodesic_area_unsigned() / 1e6,
            });
            geometry = fixed.orient(Direction::Default);
        }
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
    if !repairs.is_empty() {
        let list: Vec<String> = repairs
            .iter()
            .map(|r| {
                format!(
                    "{}: {:.3} → {:.3} km² ({:+.3} km²)",
                    r.label,
                    r.before_km2,
                    r.after_km2,
                    r.after_km2 - r.before_km2
                )
            })
            .collect();
        warnings.push(Warning {
            code: "polygons_repaired",
            count: repairs.len() as u64,
            message: format!(
                "{}: {} invalid polygon(s) with crossing rings repaired (odd-even rule; --strict refuses them instead): {}",
                path.display(),
                repairs.len(),
                list.join("; ")
            ),
        });
    }
    Ok(Boundaries {
        path: path.to_owned(),
        features: out,
        source,
        warnings,
    })
}

/// Refuses empty geometries and rings too short to enclose anything.
fn check_rings(path: &Path, loc: &str, mp: &MultiPolygon<f64>) -> Result<()> {
    let err = |message: String| Error::Feature {
        path: path.to_owned(),
        location: loc.to_owned(),
        message,
    };
    if mp.0.is_empty() || mp.0.iter().all(|p| p.exterior().0.is_empty()) {
        return Err(err(
            "expected a Polygon or MultiPolygon with at least one ring, found an empty geometry"
                .into(),
        ));
    }
    for p in &mp.0 {
        for ring in std::iter::once(p.exterior()).chain(p.interiors()) {
            if ring.0.len() < 4 {
                return Err(err(format!(
                    "expected a ring of at least 4 positions, found {}",
                    ring.0.len()
                )));
            }
        }
    }
    Ok(())
}

/// Converts every coordinate to WGS84, failing on the first refused one.
fn convert(path: &Path, loc: &str, t: &ToWgs84, mp: &mut MultiPolygon<f64>) -> Result<()> {
    mp.try_map_coords_in_place(|c: Coord<f64>| {
        t.apply(c.x, c.y)
            .map_err(|e| coord_error(path, loc, None, t, (c.x, c.y), e))
    })
}

/// Rows skipped under `skip_bad_rows`, counted by reason.
#[derive(Debug, Clone, Default)]
pub(crate) struct Skipped {
    by_reason: BTreeMap<String, u64>,
    examples: Vec<String>,
    total: u64,
}

impl Skipped {
    /// Whether `--skip-bad-rows` may skip a row that failed with `e` (a problem of that row,
    /// not of the file).
    pub(crate) fn is_row_error(e: &Error) -> bool {
        match e {
            Error::Csv { source, .. } => !matches!(source.kind(), csv::ErrorKind::Io(_)),
            Error::BadValue { .. } | Error::Coordinate { .. } | Error::Feature { .. } => true,
            _ => false,
        }
    }

    pub(crate) fn add(&mut self, e: &Error) {
        let reason = match e {
            Error::Csv { source, .. } => match source.kind() {
                csv::ErrorKind::Utf8 { .. } => "text not in the file's encoding".to_owned(),
                csv::ErrorKind::UnequalLengths { .. } => "wrong number of fields".to_owned(),
                _ => "malformed CSV".to_owned(),
            },
            Error::BadValue { field, .. } => format!("bad `{field}`"),
            Error::Coordinate { .. } => "coordinates refused".to_owned(),
            _ => "unreadable record".to_owned(),
        };
        *self.by_reason.entry(reason).or_default() += 1;
        self.total += 1;
        if self.examples.len() < 3 {
            self.examples.push(e.to_string());
        }
    }

    /// How many rows were skipped.
    pub(crate) fn total(&self) -> u64 {
        self.total
    }

    pub(crate) fn warning(&self, path: &Path) -> Option<Warning> {
        (self.total > 0).then(|| {
            let reasons: Vec<String> = self
                .by_reason
                .iter()
                .map(|(r, n)| format!("{n} {r}"))
                .collect();
            Warning {
                code: "rows_skipped",
                count: self.total,
                message: format!(
                    "{}: {} unreadable row(s) skipped (--skip-bad-rows): {}. First: {}",
                    path.display(),
                    self.total,
                    reasons.join(", "),
                    self.examples.join(" | ")
                ),
            }
        })
    }
}
