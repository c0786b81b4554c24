//! Coordinate reference systems: naming them, reading them from files, and bringing
//! coordinates to WGS84 lon/lat, the only system inside the pipeline.
//!
//! - [`Crs`] names the system of an input: WGS84, an EPSG code or a PROJ string. It comes from
//!   the command line or the region file (which win), else from the file (`.prj`, a GeoJSON
//!   `crs` member, a GeoPackage's `srs_id`), else WGS84 is assumed and the loaders say so.
//! - [`Datum`] adds the offset systems of Chinese web maps, GCJ-02 and BD-09 (see [`china`]),
//!   removed after any projection.
//! - [`ToWgs84`] does the whole conversion of one coordinate pair and refuses pairs that lie
//!   outside the system's valid area or look swapped, instead of misplacing them.
//!
//! Reprojection is pure Rust ([`proj4rs`], a port of PROJ.4, with the EPSG definitions of
//! [`crs_definitions`]), so datum shifts are the 3- or 7-parameter `towgs84` ones of those
//! definitions; no grid files are used. CGCS2000 (EPSG:4490 and its projections) has no shift
//! to WGS84 in EPSG's definitions: the two agree to a few centimetres, as everywhere in GIS
//! practice.

pub mod china;
mod wkt;

use std::fmt;
use std::str::FromStr;

use geo::Coord;
use proj4rs::proj::Proj;

/// The PROJ.4 definition of an EPSG code, if one is known.
pub(crate) fn epsg_proj4(code: u16) -> Option<&'static str> {
    crs_definitions::from_code(code).map(|d| d.proj4)
}

/// WGS84 lon/lat as a PROJ string.
const WGS84_PROJ: &str = "+proj=longlat +datum=WGS84 +no_defs";

/// A coordinate reference system.
///
/// Parsed from text by [`FromStr`]: `EPSG:4490`, `epsg:4523`, a bare code (`4326`), the OGC
/// URNs (`urn:ogc:def:crs:EPSG::4490`, `urn:ogc:def:crs:OGC:1.3:CRS84`), `CRS84`, `WGS84`,
/// `CGCS2000`, or a PROJ string starting with `+proj=`.
///
/// # Examples
/// ```
/// use citybelt::crs::Crs;
/// assert_eq!("urn:ogc:def:crs:EPSG::4490".parse::<Crs>().unwrap(), Crs::Epsg(4490));
/// assert_eq!("OGC:CRS84".parse::<Crs>().unwrap(), Crs::Wgs84);
/// assert_eq!(Crs::Epsg(4523).to_string(), "EPSG:4523");
/// assert!("EPSG:99999".parse::<Crs>().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Crs {
    /// WGS84 longitude/latitude in degrees (EPSG:4326, OGC CRS84). Axis order is always
    /// lon, lat, as in GeoJSON and every Shapefile.
    Wgs84,
    /// An EPSG code with a known definition, e.g. 4490 (CGCS2000), 4523 (CGCS2000 / 3-degree
    /// Gauss–Krüger zone 35), 32648 (WGS 84 / UTM 48N), 3857 (Web Mercator).
    Epsg(u16),
    /// A PROJ string, e.g. `+proj=tmerc +lon_0=105 +x_0=500000 +ellps=GRS80 +units=m`.
    Proj(String),
}

/// The error of parsing a [`Crs`]: what was given and what is accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown CRS `{given}`: {reason} (accepted: EPSG:<code>, urn:ogc:def:crs:EPSG::<code>, CRS84, WGS84, CGCS2000, or a PROJ string `+proj=…`)"
)]
pub struct ParseCrsError {
    /// The text given.
    pub given: String,
    /// Why it was refused.
    pub reason: String,
}

impl FromStr for Crs {
    type Err = ParseCrsError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let err = |reason: &str| ParseCrsError {
            given: s.to_owned(),
            reason: reason.to_owned(),
        };
        if s.starts_with('+') {
            let proj = Proj::from_proj_string(s)
                .map_err(|e| err(&format!("not a usable PROJ string ({e})")))?;
            if !proj.has_inverse() {
                return Err(err("this projection has no inverse"));
            }
            if is_geocentric(s) {
                return Err(err("a geocentric (x, y, z) system is not a map projection"));
            }
            return Ok(Crs::Proj(s.to_owned()));
        }
        let lower = s.to_ascii_lowercase();
        if matches!(
            lower.as_str(),
            "wgs84"
                | "wgs 84"
                | "wgs_84"
                | "crs84"
                | "ogc:crs84"
                | "urn:ogc:def:crs:ogc:1.3:crs84"
                | "urn:ogc:def:crs:ogc::crs84"
        ) {
            return Ok(Crs::Wgs84);
        }
        if matches!(lower.as_str(), "cgcs2000" | "cgcs 2000") {
            return Ok(Crs::Epsg(4490));
        }
        let code = if let Some(rest) = lower.strip_prefix("urn:ogc:def:crs:epsg:") {
            // urn:ogc:def:crs:EPSG:<version>:<code>, the version usually empty.
            rest.rsplit(':').next().unwrap_or_default()
        } else if let Some(rest) = lower.strip_prefix("epsg:") {
            rest
        } else if lower.bytes().all(|b| b.is_ascii_digit()) && !lower.is_empty() {
            lower.as_str()
        } else {
            return Err(err("not a form citybelt knows"));
        };
        let code: u16 = code
            .trim()
            .parse()
            .map_err(|_| err("the EPSG code is not a number up to 65535"))?;
        Crs::from_epsg(code).ok_or_else(|| {
            err("no definition of this EPSG code is built in; give its PROJ string instead")
        })
    }
}

impl fmt::Display for Crs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Crs::Wgs84 => f.write_str("EPSG:4326"),
            Crs::Epsg(code) => write!(f, "EPSG:{code}"),
            Crs::Proj(s) => f.write_str(s),
        }
    }
}

impl Crs {
    /// The CRS of an EPSG code, if its definition is known and usable (`4326` gives
    /// [`Crs::Wgs84`]).
    pub fn from_epsg(code: u16) -> Option<Crs> {
        if code == 4326 {
            return Some(Crs::Wgs84);
        }
        let def = epsg_proj4(code)?;
        let proj = Proj::from_proj_string(def).ok()?;
        (proj.has_inverse() && !is_geocentric(def)).then_some(Crs::Epsg(code))
    }

    /// The CRS a WKT description stands for (the text of a `.prj` file or a GeoPackage
    /// `definition`), matched by its EPSG authority or its name; `None` when it cannot be
    /// matched.
    ///
    /// # Examples
    /// ```
    /// use citybelt::crs::Crs;
    /// let prj = r#"PROJCS["CGCS2000_3_Degree_GK_Zone_35",GEOGCS["GCS_China_Geodetic_Coordinate_System_2000",DATUM["D_China_2000",SPHEROID["CGCS2000",6378137.0,298.257222101]]],PROJECTION["Gauss_Kruger"],UNIT["Meter",1.0]]"#;
    /// assert_eq!(Crs::from_wkt(prj), Some(Crs::Epsg(4523)));
    /// ```
    pub fn from_wkt(text: &str) -> Option<Crs> {
        wkt::match_epsg(text).and_then(Crs::from_epsg)
    }

    /// The name inside a WKT description, for messages (`CGCS2000_3_Degree_GK_Zone_35`).
    pub fn wkt_name(text: &str) -> Option<String> {
        wkt::crs_name(text)
    }

    /// The PROJ.4 definition.
    pub fn proj4(&self) -> &str {
        match self {
            Crs::Wgs84 => WGS84_PROJ,
            Crs::Epsg(code) => epsg_proj4(*code).unwrap_or(WGS84_PROJ),
            Crs::Proj(s) => s,
        }
    }

    /// Whether coordinates are longitude/latitude degrees (as opposed to projected metres).
    pub fn is_geographic(&self) -> bool {
        param(self.proj4(), "proj").is_some_and(|p| p == "longlat" || p == "latlong")
    }

    /// Whether the CRS is one of China's national systems (CGCS2000, Beijing 1954, Xi'an 1980
    /// and their Gauss–Krüger projections), whose valid area is China.
    pub fn is_chinese(&self) -> bool {
        matches!(self, Crs::Epsg(c) if matches!(c, 4214 | 4479..=4490 | 4491..=4554 | 4610 | 2327..=2442 | 21413..=21483))
    }
}

/// Whether a PROJ string describes geocentric x, y, z, which 2D data cannot be in.
fn is_geocentric(proj: &str) -> bool {
    param(proj, "proj") == Some("geocent")
}

/// The value of `+name=value` in a PROJ string.
fn param<'a>(proj: &'a str, name: &str) -> Option<&'a str> {
    proj.split_whitespace().find_map(|t| {
        let (k, v) = t.trim_start_matches('+').split_once('=')?;
        (k == name).then_some(v)
    })
}

/// The offset system of a Chinese web map, applied on top of the CRS.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Datum {
    /// No offset: coordinates are in the CRS as declared (`wgs84`, `none`).
    #[default]
    Wgs84,
    /// GCJ-02 (国测局坐标): AutoNavi/Amap, Tencent, Google Maps in China (`gcj02`).
    Gcj02,
    /// BD-09: Baidu Maps (`bd09`).
    Bd09,
}

impl Datum {
    /// `wgs84`, `gcj02` or `bd09`.
    pub fn as_str(self) -> &'static str {
        match self {
            Datum::Wgs84 => "wgs84",
            Datum::Gcj02 => "gcj02",
            Datum::Bd09 => "bd09",
        }
    }
}

impl fmt::Display for Datum {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Datum {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s
            .trim()
            .to_ascii_lowercase()
            .replace(['-', '_'], "")
            .as_str()
        {
            "wgs84" | "none" => Ok(Datum::Wgs84),
            "gcj02" => Ok(Datum::Gcj02),
            "bd09" | "bd09ll" => Ok(Datum::Bd09),
            _ => Err(format!(
                "unknown datum `{s}` (expected gcj02, bd09, or wgs84 for none)"
            )),
        }
    }
}

/// Which coordinate of a pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Axis {
    /// The first coordinate: longitude or easting.
    X,
    /// The second coordinate: latitude or northing.
    Y,
}

/// Why a coordinate pair was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum CoordError {
    /// A coordinate is NaN or infinite.
    #[error("a coordinate is not a finite number")]
    NotFinite,
    /// A longitude beyond ±180° or a latitude beyond ±90° in a geographic CRS.
    #[error("{} {value} is outside -{limit}..{limit}{}", if *axis == Axis::X { "longitude" } else { "latitude" }, swapped_hint(*looks_swapped))]
    OutOfRange {
        /// Which coordinate.
        axis: Axis,
        /// Its value.
        ///
        /// # Units
        /// degrees
        value: f64,
        /// 180 or 90.
        ///
        /// # Units
        /// degrees
        limit: f64,
        /// Whether the pair would be valid with its coordinates exchanged.
        looks_swapped: bool,
    },
    /// The point is outside the area where the CRS is valid.
    #[error("the point ({lon:.6}, {lat:.6}) is outside the valid area of {crs}: {area}{}", swapped_hint(*looks_swapped))]
    OutsideArea {
        /// The CRS, as text.
        crs: String,
        /// The area, in words.
        area: String,
        /// Longitude after inverse projection.
        ///
        /// # Units
        /// degrees
        lon: f64,
        /// Latitude after inverse projection.
        ///
        /// # Units
        /// degrees
        lat: f64,
        /// Whether the pair would be valid with its coordinates exchanged.
        looks_swapped: bool,
    },
    /// The projection library could not invert the point.
    #[error("cannot be converted from {crs}: {message}")]
    Projection {
        /// The CRS, as text.
        crs: String,
        /// The library's message.
        message: String,
    },
}

fn swapped_hint(swapped: bool) -> &'static str {
    if swapped {
        "; the pair looks swapped (latitude/northing first): x must be the longitude or easting"
    } else {
        ""
    }
}

/// Where a CRS's coordinates are valid, after inverse projection to lon/lat.
#[derive(Debug, Clone, Copy)]
struct ValidArea {
    lon: (f64, f64),
    lat: (f64, f64),
    /// For Transverse Mercator: the central meridian and the largest distance from it.
    central_meridian: Option<(f64, f64)>,
}

impl ValidArea {
    /// China's national systems: mainland, islands and the South China Sea.
    const CHINA: (f64, f64, f64, f64) = (73.0, 136.0, 3.0, 54.0);
    /// Largest distance from a Transverse Mercator central meridian that is accepted.
    ///
    /// # Units
    /// degrees of longitude
    const TM_MAX_OFFSET_DEG: f64 = 6.0;

    fn of(crs: &Crs) -> ValidArea {
        let proj = crs.proj4();
        let (lon, lat) = if crs.is_chinese() {
            let (a, b, c, d) = Self::CHINA;
            ((a, b), (c, d))
        } else if param(proj, "proj") == Some("merc") {
            ((-180.0, 180.0), (-85.06, 85.06))
        } else {
            ((-180.0, 180.0), (-90.0, 90.0))
        };
        let central_meridian = match param(proj, "proj") {
            Some("tmerc" | "etmerc") => Some(
                param(proj, "lon_0")
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(0.0),
            ),
            Some("utm") => param(proj, "zone")
                .and_then(|z| z.parse::<f64>().ok())
                .map(|z| z * 6.0 - 183.0),
            _ => None,
        }
        .map(|cm| (cm, Self::TM_MAX_OFFSET_DEG));
        ValidArea {
            lon,
            lat,
            central_meridian,
        }
    }

    fn contains(&self, lon: f64, lat: f64) -> bool {
        let in_box =
            (self.lon.0..=self.lon.1).contains(&lon) && (self.lat.0..=self.lat.1).contains(&lat);
        let near_cm = self.central_meridian.is_none_or(|(cm, max)| {
            let d = (lon - cm + 540.0).rem_euclid(360.0) - 180.0;
            d.abs() <= max
        });
        in_box && near_cm
    }

    fn describe(&self) -> String {
        let mut s = format!(
            "longitude {}..{}, latitude {}..{}",
            self.lon.0, self.lon.1, self.lat.0, self.lat.1
        );
        if let Some((cm, max)) = self.central_meridian {
            s.push_str(&format!(", within {max}° of the central meridian {cm}°E"));
        }
        s
    }
}

/// Converts coordinate pairs of one input to WGS84 lon/lat: inverse projection, datum
/// shift, then removal of a GCJ-02 or BD-09 offset.
///
/// # Examples
/// ```
/// use citybelt::crs::{Crs, Datum, ToWgs84};
/// // CGCS2000 / 3-degree Gauss–Krüger zone 35: the false easting carries the zone number.
/// let t = ToWgs84::new(&Crs::Epsg(4523), Datum::Wgs84).unwrap();
/// let p = t.apply(35_500_000.0, 3_400_000.0).unwrap();
/// assert!((p.x - 105.0).abs() < 1e-9 && (p.y - 30.7).abs() < 0.1);
/// // The same northing read with the easting of another zone is far off its meridian.
/// assert!(t.apply(38_500_000.0, 3_400_000.0).is_err());
/// ```
pub struct ToWgs84 {
    crs: Crs,
    datum: Datum,
    /// Source and WGS84 definitions; `None` when the source is WGS84 itself.
    proj: Option<(Proj, Proj)>,
    geographic: bool,
    area: ValidArea,
}

impl fmt::Debug for ToWgs84 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ToWgs84")
            .field("crs", &self.crs)
            .field("datum", &self.datum)
            .finish_non_exhaustive()
    }
}

impl ToWgs84 {
    /// Prepares the conversion from `crs` with the offset `datum`.
    ///
    /// # Errors
    /// A [`ParseCrsError`] if the CRS's definition cannot be used.
    pub fn new(crs: &Crs, datum: Datum) -> Result<Self, ParseCrsError> {
        let err = |e: proj4rs::errors::Error| ParseCrsError {
            given: crs.to_string(),
            reason: format!("its definition cannot be used ({e})"),
        };
        let proj = match crs {
            Crs::Wgs84 => None,
            other => Some((
                Proj::from_proj_string(other.proj4()).map_err(err)?,
                Proj::from_proj_string(WGS84_PROJ).map_err(err)?,
            )),
        };
        Ok(ToWgs84 {
            geographic: crs.is_geographic(),
            area: ValidArea::of(crs),
            crs: crs.clone(),
            datum,
            proj,
        })
    }

    /// The source CRS.
    pub fn crs(&self) -> &Crs {
        &self.crs
    }

    /// The source offset system.
    pub fn datum(&self) -> Datum {
        self.datum
    }

    /// Whether coordinates pass through unchanged (WGS84 with no offset).
    pub fn is_identity(&self) -> bool {
        self.proj.is_none() && self.datum == Datum::Wgs84
    }

    /// Converts one pair (`x` = longitude or easting, `y` = latitude or northing).
    ///
    /// # Units
    /// - `x`, `y`: the CRS's units (degrees, or metres for the projections here)
    /// - returns: WGS84 longitude and latitude in degrees
    ///
    /// # Errors
    /// A [`CoordError`] for a non-finite value, an out-of-range or out-of-area point (saying
    /// when the pair looks swapped), or a failed inverse projection.
    pub fn apply(&self, x: f64, y: f64) -> Result<Coord<f64>, CoordError> {
        if !(x.is_finite() && y.is_finite()) {
            return Err(CoordError::NotFinite);
        }
        match self.to_lon_lat(x, y) {
            Ok((lon, lat)) => Ok(self.remove_offset(lon, lat)),
            Err(mut e) => {
                let swapped_ok = self.to_lon_lat(y, x).is_ok();
                match &mut e {
                    CoordError::OutOfRange { looks_swapped, .. }
                    | CoordError::OutsideArea { looks_swapped, .. } => *looks_swapped = swapped_ok,
                    _ => {}
                }
                Err(e)
            }
        }
    }

    /// Inverse projection and datum shift, with the range and area checks.
    fn to_lon_lat(&self, x: f64, y: f64) -> Result<(f64, f64), CoordError> {
        if self.geographic {
            if x.abs() > 180.0 {
                return Err(out_of_range(Axis::X, x, 180.0));
            }
            if y.abs() > 90.0 {
                return Err(out_of_range(Axis::Y, y, 90.0));
            }
        }
        let (lon, lat) = match &self.proj {
            None => (x, y),
            Some((src, dst)) => {
                let mut p = if self.geographic {
                    (x.to_radians(), y.to_radians(), 0.0)
                } else {
                    (x, y, 0.0)
                };
                proj4rs::transform::transform(src, dst, &mut p).map_err(|e| {
                    CoordError::Projection {
                        crs: self.crs.to_string(),
                        message: e.to_string(),
                    }
                })?;
                (p.0.to_degrees(), p.1.to_degrees())
            }
        };
        if !(lon.is_finite() && lat.is_finite() && self.area.contains(lon, lat)) {
            return Err(CoordError::OutsideArea {
                crs: self.crs.to_string(),
                area: self.area.describe(),
                lon,
                lat,
                looks_swapped: false,
            });
        }
        Ok((lon, lat))
    }

    fn remove_offset(&self, lon: f64, lat: f64) -> Coord<f64> {
        let (x, y) = match self.datum {
            Datum::Wgs84 => (lon, lat),
            Datum::Gcj02 => china::wgs84_from_gcj02(lon, lat),
            Datum::Bd09 => china::wgs84_from_bd09(lon, lat),
        };
        Coord { x, y }
    }
}

fn out_of_range(axis: Axis, value: f64, limit: f64) -> CoordError {
    CoordError::OutOfRange {
        axis,
        value,
        limit,
        looks_swapped: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn to_wgs84(crs: &str, x: f64, y: f64) -> Result<Coord<f64>, CoordError> {
        ToWgs84::new(&crs.parse().unwrap(), Datum::Wgs84)
            .unwrap()
            .apply(x, y)
    }

    #[test]
    fn parses_every_accepted_form() {
        for (text, crs) in [
            ("EPSG:4326", Crs::Wgs84),
            ("epsg:4490", Crs::Epsg(4490)),
            ("4490", Crs::Epsg(4490)),
            ("urn:ogc:def:crs:EPSG::4490", Crs::Epsg(4490)),
            ("urn:ogc:def:crs:EPSG:6.6:4490", Crs::Epsg(4490)),
            ("urn:ogc:def:crs:OGC:1.3:CRS84", Crs::Wgs84),
            ("CGCS2000", Crs::Epsg(4490)),
            ("EPSG:3857", Crs::Epsg(3857)),
            ("EPSG:32648", Crs::Epsg(32648)),
            ("EPSG:4214", Crs::Epsg(4214)),
            ("EPSG:4610", Crs::Epsg(4610)),
        ] {
            assert_eq!(text.parse::<Crs>().unwrap(), crs, "{text}");
        }
        for code in 4491..=4554 {
            assert_eq!(Crs::from_epsg(code), Some(Crs::Epsg(code)), "{code}");
        }
        let p = "+proj=tmerc +lon_0=105 +x_0=500000 +ellps=GRS80 +units=m";
        assert_eq!(p.parse::<Crs>().unwrap(), Crs::Proj(p.into()));
        for bad in [
            "EPSG:1",
            "EPSG:abc",
            "mars",
            "+proj=nonsense",
            "EPSG:4479",
            "+proj=geocent +ellps=GRS80",
        ] {
            let e = bad.parse::<Crs>().unwrap_err();
            assert!(e.to_string().contains(bad), "{e}");
        }
    }

    #[test]
    fn geographic_range_and_swapped_pairs() {
        assert_eq!(
            to_wgs84("EPSG:4326", 104.0, 30.5).unwrap(),
            Coord { x: 104.0, y: 30.5 }
        );
        let e = to_wgs84("EPSG:4326", 30.5, 104.0).unwrap_err();
        assert!(
            matches!(
                e,
                CoordError::OutOfRange {
                    axis: Axis::Y,
                    looks_swapped: true,
                    ..
                }
            ),
            "{e:?}"
        );
        assert!(e.to_string().contains("looks swapped"));
        // In a Chinese CRS a swapped pair within ±90 is also caught, by the area.
        let e = to_wgs84("EPSG:4490", 30.5, 80.0).unwrap_err();
        assert!(
            matches!(
                e,
                CoordError::OutsideArea {
                    looks_swapped: true,
                    ..
                }
            ),
            "{e:?}"
        );
        assert!(
            to_wgs84("EPSG:4490", 2.35, 48.85).is_err(),
            "Paris is not in China"
        );
        assert!(matches!(
            to_wgs84("EPSG:4326", f64::NAN, 1.0),
            Err(CoordError::NotFinite)
        ));
    }

    #[test]
    fn projected_systems_invert() {
        // Values from PROJ 9.1.1: `echo 30.5 104.0 | cs2cs -d 4 EPSG:4326 EPSG:32648` and
        // `… EPSG:3857`.
        let p = to_wgs84("EPSG:32648", 404_037.092_3, 3_374_616.573_4).unwrap();
        assert!(
            (p.x - 104.0).abs() < 1e-6 && (p.y - 30.5).abs() < 1e-6,
            "{p:?}"
        );
        let p = to_wgs84("EPSG:3857", 11_577_227.042_5, 3_567_983.455_9).unwrap();
        assert!(
            (p.x - 104.0).abs() < 1e-6 && (p.y - 30.5).abs() < 1e-6,
            "{p:?}"
        );
        // Easting without the zone prefix, read as zone 35: far from the central meridian.
        let e = to_wgs84("EPSG:4523", 404_037.0, 3_374_616.0).unwrap_err();
        assert!(
            matches!(
                e,
                CoordError::OutsideArea { .. } | CoordError::Projection { .. }
            ),
            "{e:?}"
        );
    }

    #[test]
    fn gcj02_datum_is_removed_after_projection() {
        let (glon, glat) = china::gcj02_from_wgs84(104.0, 30.5);
        let t = ToWgs84::new(&Crs::Wgs84, Datum::Gcj02).unwrap();
        let p = t.apply(glon, glat).unwrap();
        assert!((p.x - 104.0).abs() < 1e-9 && (p.y - 30.5).abs() < 1e-9);
    }
}
