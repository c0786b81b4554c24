//! Boundaries and towns from any vector source GDAL/OGR opens (feature `gdal`): GeoPackage
//! layers, File Geodatabases, KML, MapInfo TAB, Shapefiles in any CRS, …, with GDAL's
//! spatial reference handling (PROJ underneath) for any `.prj` or CRS definition.
//!
//! - A source is a path, optionally followed by `|layername=<layer>` (as in QGIS) to pick a
//!   layer; without it the first layer is read.
//! - Every spatial reference is set to the **traditional GIS axis order**
//!   (`OAMS_TRADITIONAL_GIS_ORDER`: longitude/easting first), so EPSG:4326 data is never
//!   read as lat/lon.
//! - Geometries are transformed to WGS 84 lon/lat when the layer's CRS is anything else. A
//!   layer without a CRS is taken as WGS 84 lon/lat, and coordinates outside its range are
//!   refused.
//! - Properties are looked up by the names of [`BoundaryInput`] and [`TownInput`], as for the
//!   GeoJSON and CSV loaders; integer ids are read as their decimal text.
//!
//! [`crate::pipeline::run`] uses these loaders for every input whose extension the pure-Rust
//! loaders do not read (see [`wants`]) or that names a layer.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::path::{Path, PathBuf};

use gdal::Dataset;
use gdal::spatial_ref::{AxisMappingStrategy, CoordTransform, SpatialRef};
use gdal::vector::{Feature, Geometry, LayerAccess};
use geo::orient::{Direction, Orient};
use geo::{Coord, CoordsIter, MultiPolygon, Point};

use crate::config::{BoundaryInput, TownInput};
use crate::error::{Error, Result};
use crate::model::{Boundaries, Boundary, Town, Towns};

/// Whether `path` should be read with GDAL: it names a layer the GDAL way (`|layername=`),
/// or the pure-Rust loaders cannot tell its format (from `format`, else its extension; see
/// [`super::Format`]). Everything they read (GeoJSON, GeoJSONSeq, Shapefile, GeoPackage, CSV)
/// stays with them.
pub fn wants(path: &Path, format: Option<super::Format>) -> bool {
    path.to_string_lossy().contains("|layername=")
        || super::Source::resolve(path, None, format).is_err()
}

/// A spatial reference from any definition GDAL understands (WKT 1 or 2, ESRI `.prj` text,
/// `EPSG:n`, PROJ strings, PROJJSON), with the traditional GIS axis order.
///
/// # Errors
/// [`Error::Gdal`] naming `path` (the file the definition came from) if GDAL cannot read it.
pub fn spatial_ref(definition: &str, path: &Path) -> Result<SpatialRef> {
    let mut srs = SpatialRef::from_definition(definition).map_err(|source| Error::Gdal {
        path: path.to_owned(),
        action: format!("cannot read the CRS definition `{}`", short(definition)),
        source,
    })?;
    srs.set_axis_mapping_strategy(AxisMappingStrategy::TraditionalGisOrder);
    Ok(srs)
}

/// WGS 84 lon/lat (EPSG:4326 in the traditional GIS axis order).
///
/// # Errors
/// [`Error::Gdal`] if GDAL's EPSG database is missing.
pub fn wgs84() -> Result<SpatialRef> {
    spatial_ref("EPSG:4326", Path::new("EPSG:4326"))
}

/// Transforms `coords` in place from the CRS `definition` (e.g. the text of a `.prj`) to WGS
/// 84 lon/lat. `path` names the source in errors.
///
/// # Errors
/// [`Error::Gdal`] if the definition cannot be read or a coordinate cannot be transformed.
pub fn to_wgs84(definition: &str, path: &Path, coords: &mut [Coord<f64>]) -> Result<()> {
    let src = spatial_ref(definition, path)?;
    let dst = wgs84()?;
    let ct = CoordTransform::new(&src, &dst).map_err(|source| Error::Gdal {
        path: path.to_owned(),
        action: "cannot transform to WGS 84".into(),
        source,
    })?;
    let mut xs: Vec<f64> = coords.iter().map(|c| c.x).collect();
    let mut ys: Vec<f64> = coords.iter().map(|c| c.y).collect();
    let mut zs = vec![0.0; coords.len()];
    ct.transform_coords(&mut xs, &mut ys, &mut zs)
        .map_err(|source| Error::Gdal {
            path: path.to_owned(),
            action: "cannot transform to WGS 84".into(),
            source,
        })?;
    for (c, (x, y)) in coords.iter_mut().zip(xs.into_iter().zip(ys)) {
        *c = Coord { x, y };
    }
    Ok(())
}

fn short(s: &str) -> String {
    let s: String = s.chars().take(60).collect();
    s.replace('\n', " ")
}

/// An open source: the dataset, which layer, and the transformation to WGS 84 (`None` when
/// the layer is already WGS 84 lon/lat or has no CRS).
struct Source {
    path: PathBuf,
    dataset: Dataset,
    layer: Option<String>,
}

impl Source {
    fn open(spec: &Path) -> Result<Self> {
        silence_gdal();
        let text = spec.to_string_lossy();
        let (file, layer) = match text.split_once("|layername=") {
            Some((f, l)) => (PathBuf::from(f), Some(l.to_owned())),
            None => (spec.to_owned(), None),
        };
        let dataset = Dataset::open(&file).map_err(|source| Error::Gdal {
            path: spec.to_owned(),
            action: "GDAL cannot open it as a vector source".into(),
            source,
        })?;
        Ok(Source {
            path: spec.to_owned(),
            dataset,
            layer,
        })
    }

    fn gdal_err(&self, action: impl Into<String>) -> impl FnOnce(gdal::errors::GdalError) -> Error {
        let path = self.path.clone();
        let action = action.into();
        move |source| Error::Gdal {
            path,
            action,
            source,
        }
    }

    fn layer(&self) -> Result<gdal::vector::Layer<'_>> {
        match &self.layer {
            Some(name) => self
                .dataset
                .layer_by_name(name)
                .map_err(self.gdal_err(format!("no layer `{name}`"))),
            None => self
                .dataset
                .layer(0)
                .map_err(self.gdal_err("has no vector layer")),
        }
    }
}

/// The transformation from a layer's CRS to WGS 84, `None` when none is needed.
fn transform_of(layer: &gdal::vector::Layer<'_>, path: &Path) -> Result<Option<CoordTransform>> {
    let Some(mut src) = layer.spatial_ref() else {
        return Ok(None);
    };
    src.set_axis_mapping_strategy(AxisMappingStrategy::TraditionalGisOrder);
    let dst = wgs84()?;
    if src == dst {
        return Ok(None);
    }
    CoordTransform::new(&src, &dst)
        .map(Some)
        .map_err(|source| Error::Gdal {
            path: path.to_owned(),
            action: format!(
                "cannot transform its CRS `{}` to WGS 84",
                src.name().unwrap_or_default()
            ),
            source,
        })
}

/// The names of a layer's fields, in order.
fn field_names(layer: &gdal::vector::Layer<'_>) -> Vec<String> {
    layer.defn().fields().map(|f| f.name()).collect()
}

/// The position of the configured field `name`, or an error listing the layer's fields.
fn find_field(path: &Path, names: &[String], name: &str, role: &'static str) -> Result<usize> {
    names
        .iter()
        .position(|n| n == name)
        .ok_or_else(|| Error::MissingColumn {
            path: path.to_owned(),
            column: name.to_owned(),
            role,
            found: names.join(", "),
        })
}

/// A field as text (`None` when null or unset).
fn text(f: &Feature<'_>, idx: usize) -> Option<String> {
    f.field_as_string(idx)
        .ok()
        .flatten()
        .map(|s| s.trim().to_owned())
}

fn bad(path: &Path, i: usize, field: &str, expected: &str, found: String) -> Error {
    Error::BadValue {
        path: path.to_owned(),
        location: format!("feature {i}"),
        field: field.to_owned(),
        expected: expected.to_owned(),
        found,
    }
}

/// The feature's geometry in WGS 84, checked to be within lon/lat range.
fn geometry(
    path: &Path,
    i: usize,
    f: &Feature<'_>,
    ct: Option<&CoordTransform>,
) -> Result<Option<geo::Geometry<f64>>> {
    let Some(g) = f.geometry() else {
        return Ok(None);
    };
    let owned: Geometry;
    let g = match ct {
        Some(ct) => {
            owned = g.transform(ct).map_err(|source| Error::Gdal {
                path: path.to_owned(),
                action: format!("feature {i}: cannot transform to WGS 84"),
                source,
            })?;
            &owned
        }
        None => g,
    };
    let geo = g.to_geo().map_err(|source| Error::Gdal {
        path: path.to_owned(),
        action: format!("feature {i}: cannot read the geometry"),
        source,
    })?;
    let out_of_range = geo
        .coords_iter()
        .find(|c| !((-180.0..=180.0).contains(&c.x) && (-90.0..=90.0).contains(&c.y)));
    if let Some(c) = out_of_range {
        return Err(bad(
            path,
            i,
            "geometry",
            "WGS 84 lon/lat coordinates (the layer has no CRS, or a wrong one)",
            format!("({}, {})", c.x, c.y),
        ));
    }
    Ok(Some(geo))
}

/// Reads county boundaries from an OGR layer of Polygons or MultiPolygons.
///
/// # Errors
/// [`Error::Gdal`] if the source cannot be opened, read or transformed;
/// [`Error::MissingColumn`] if a configured field is missing; [`Error::BadValue`] for an
/// empty id or name, a geometry that is not a polygon or is out of range;
/// [`Error::DuplicateId`].
pub fn load_boundaries(input: &BoundaryInput) -> Result<Boundaries> {
    let src = Source::open(&input.path)?;
    let mut layer = src.layer()?;
    let path = src.path.as_path();
    let ct = transform_of(&layer, path)?;
    let names = field_names(&layer);
    // An empty field name means "not in this source" (e.g. no prefectures).
    let column = |name: &str, role: &'static str| -> Result<Option<usize>> {
        (!name.is_empty())
            .then(|| find_field(path, &names, name, role))
            .transpose()
    };
    let id = column(&input.id, "county id")?;
    let name = column(&input.name, "county name")?;
    let pref_id = column(&input.prefecture_id, "prefecture id")?;
    let pref_name = column(&input.prefecture_name, "prefecture name")?;
    let mut out = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (i, f) in layer.features().enumerate() {
        let get = |col: Option<usize>, field: &str, required: bool| -> Result<String> {
            match col {
                None => Ok(String::new()),
                Some(c) => match text(&f, c) {
                    Some(v) if !v.is_empty() => Ok(v),
                    _ if !required => Ok(String::new()),
                    other => Err(bad(
                        path,
                        i,
                        field,
                        "a non-empty value",
                        other.unwrap_or_default(),
                    )),
                },
            }
        };
        let id = get(id, &input.id, true)?;
        let name = get(name, &input.name, true)?;
        let prefecture_id = get(pref_id, &input.prefecture_id, true)?;
        let prefecture_name = get(pref_name, &input.prefecture_name, true)?;
        let geometry = match geometry(path, i, &f, ct.as_ref())? {
            Some(geo::Geometry::Polygon(p)) => MultiPolygon(vec![p]),
            Some(geo::Geometry::MultiPolygon(mp)) if !mp.0.is_empty() => mp,
            other => {
                return Err(bad(
                    path,
                    i,
                    "geometry",
                    "a Polygon or MultiPolygon",
                    other.map_or_else(
                        || "none".to_owned(),
                        |g| format!("{g:?}").chars().take(40).collect(),
                    ),
                ));
            }
        }
        .orient(Direction::Default);
        match seen.entry(id.clone()) {
            Entry::Occupied(first) => {
                return Err(Error::DuplicateId {
                    path: path.to_owned(),
                    id,
                    first: *first.get(),
                    second: i,
                });
            }
            Entry::Vacant(slot) => slot.insert(i),
        };
        out.push(Boundary {
            geometry,
            id,
            name,
            prefecture_id,
            prefecture_name,
        });
    }
    if out.is_empty() {
        return Err(Error::GeoJson {
            path: path.to_owned(),
            location: "layer".into(),
            message: "the layer has no features".into(),
        });
    }
    Ok(Boundaries {
        path: input.path.clone(),
        features: out,
        source: gdal_source(),
        warnings: Vec::new(),
    })
}

/// Reads town points from an OGR layer: positions from Point geometries, or from the
/// configured `lon`/`lat` fields when the layer has no geometry (e.g. a spreadsheet); every
/// field that is not mapped is kept as [`Town::extra`].
///
/// # Errors
/// As [`load_boundaries`], plus [`Error::BadValue`] for an unknown kind or a feature
/// without a position.
pub fn load_towns(input: &TownInput) -> Result<Towns> {
    let src = Source::open(&input.path)?;
    let mut layer = src.layer()?;
    let path = src.path.as_path();
    let ct = transform_of(&layer, path)?;
    let names = field_names(&layer);
    let column = |name: &str, role: &'static str| find_field(path, &names, name, role);
    let id = column(&input.id, "town id")?;
    let name = column(&input.name, "town name")?;
    let kind = column(&input.kind, "town kind")?;
    let status = input
        .status
        .as_deref()
        .map(|s| column(s, "status"))
        .transpose()?;
    let lon_name = input.lon.as_deref().unwrap_or("lon");
    let lat_name = input.lat.as_deref().unwrap_or("lat");
    let lonlat = (
        column(lon_name, "longitude").ok(),
        column(lat_name, "latitude").ok(),
    );
    let used = [Some(id), Some(name), Some(kind), status];
    let extra: Vec<usize> = (0..names.len())
        .filter(|i| !used.contains(&Some(*i)))
        .collect();
    let mut towns = Vec::new();
    for (i, f) in layer.features().enumerate() {
        let value = |c: usize| text(&f, c).unwrap_or_default();
        let pos = match geometry(path, i, &f, ct.as_ref())? {
            Some(geo::Geometry::Point(p)) => p,
            Some(geo::Geometry::MultiPoint(mp)) if mp.0.len() == 1 => mp.0[0],
            Some(other) => {
                return Err(bad(
                    path,
                    i,
                    "geometry",
                    "a Point",
                    format!("{other:?}").chars().take(40).collect(),
                ));
            }
            None => match lonlat {
                (Some(x), Some(y)) => {
                    let num = |c: usize, field: &str, limit: f64| {
                        let t = value(c);
                        t.parse::<f64>()
                            .ok()
                            .filter(|v| v.is_finite() && v.abs() <= limit)
                            .ok_or_else(|| bad(path, i, field, "WGS 84 degrees", t.clone()))
                    };
                    Point::new(num(x, lon_name, 180.0)?, num(y, lat_name, 90.0)?)
                }
                _ => {
                    return Err(bad(
                        path,
                        i,
                        "geometry",
                        "a Point geometry or lon/lat fields",
                        "none".into(),
                    ));
                }
            },
        };
        let kind_text = value(kind);
        let kind = kind_text.parse().map_err(|_| {
            bad(
                path,
                i,
                &input.kind,
                "one of county_seat, town, township, street, unknown",
                kind_text.clone(),
            )
        })?;
        towns.push(Town {
            id: value(id),
            name: value(name),
            kind,
            position: pos,
            status: status.map(value),
            extra: extra.iter().map(|&c| value(c)).collect(),
            line: u64::try_from(i + 1).unwrap_or(u64::MAX),
        });
    }
    Ok(Towns {
        path: input.path.clone(),
        extra_columns: extra.iter().map(|&c| names[c].clone()).collect(),
        towns,
        source: gdal_source(),
        warnings: Vec::new(),
    })
}

/// How a GDAL source was read: GDAL's own CRS handling converted it to WGS84.
fn gdal_source() -> crate::model::SourceInfo {
    crate::model::SourceInfo {
        format: "GDAL/OGR",
        crs_from: "GDAL",
        ..crate::model::SourceInfo::default()
    }
}

/// GDAL prints its errors on stderr by default; the library never prints, so the errors go
/// only into the [`Error::Gdal`] that carries GDAL's last message. Set once per process.
fn silence_gdal() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| gdal::config::set_error_handler(|_, _, _| {}));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn native_extensions_stay_native() {
        assert!(!wants(Path::new("a/counties.geojson"), None));
        assert!(!wants(Path::new("towns.CSV"), None));
        assert!(!wants(Path::new("counties.gpkg"), None));
        assert!(!wants(
            Path::new("counties.kml"),
            Some(super::super::Format::GeoJson)
        ));
        assert!(wants(Path::new("counties.kml"), None));
        assert!(wants(Path::new("x.geojson|layername=counties"), None));
    }

    #[test]
    fn epsg_4326_keeps_lon_lat_order() {
        let mut c = [Coord {
            x: 104.06,
            y: 30.67,
        }];
        to_wgs84("EPSG:4326", Path::new("test"), &mut c).unwrap();
        assert!((c[0].x - 104.06).abs() < 1e-9 && (c[0].y - 30.67).abs() < 1e-9);
    }

    #[test]
    fn projected_prj_is_transformed() {
        // UTM zone 48N in ESRI's WKT 1, as in a `.prj`: the Chengdu area.
        let prj = r#"PROJCS["WGS_1984_UTM_Zone_48N",GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137.0,298.257223563]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Transverse_Mercator"],PARAMETER["False_Easting",500000.0],PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",105.0],PARAMETER["Scale_Factor",0.9996],PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]"#;
        let mut c = [Coord {
            x: 500_000.0,
            y: 3_300_000.0,
        }];
        to_wgs84(prj, Path::new("test.prj"), &mut c).unwrap();
        assert!(
            (c[0].x - 105.0).abs() < 1e-9,
            "central meridian: {:?}",
            c[0]
        );
        assert!((29.0..31.0).contains(&c[0].y), "{:?}", c[0]);
    }
}
