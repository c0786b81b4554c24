//! The data citybelt works on: county boundaries and town points, in WGS84 lon/lat.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use geo::{MultiPolygon, Point};

use crate::crs::{Crs, Datum};

/// One administrative unit (a county, district or county-level city) with its outline.
#[derive(Debug, Clone, PartialEq)]
pub struct Boundary {
    /// Unique id, e.g. the 6-digit GB/T 2260 code (`510104`).
    pub id: String,
    /// Name as given in the source, e.g. `锦江区`.
    pub name: String,
    /// Id of the prefecture-level unit it belongs to, e.g. `510100`.
    pub prefecture_id: String,
    /// Name of the prefecture-level unit, e.g. `成都市`.
    pub prefecture_name: String,
    /// Outline in WGS84 lon/lat degrees, exteriors counter-clockwise and holes clockwise
    /// (normalised on load).
    pub geometry: MultiPolygon<f64>,
}

impl Boundary {
    /// Whether the unit is a district (市辖区), judged by its name ending in `区`, the
    /// convention of Chinese county-level names (`…区` district, `…县` county, `…市`
    /// county-level city). Used by the `districts_only` member rule.
    pub fn is_district(&self) -> bool {
        self.name.ends_with('区')
    }
}

/// A remark about the run that a user should see: reported once per kind with a count.
///
/// Loaders return them for soft problems of the input (an assumed CRS, a guessed text
/// encoding, a repaired polygon, skipped rows); the analysis adds its own and puts all of them
/// in the report and `summary.json`.
#[derive(Debug, Clone, PartialEq)]
pub struct Warning {
    /// Short machine code, e.g. `towns_outside`, `crs_assumed`.
    pub code: &'static str,
    /// How many items it concerns.
    pub count: u64,
    /// What happened, with up to a few examples.
    pub message: String,
}

/// How an input file was read: what a user needs to check that it was read right.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceInfo {
    /// Format name, e.g. `GeoJSON`, `Shapefile`.
    pub format: &'static str,
    /// The GeoPackage layer read, if any.
    pub layer: Option<String>,
    /// The CRS the coordinates were converted from.
    pub crs: Crs,
    /// Where the CRS came from: `configuration`, `.prj`, `GeoJSON crs member`,
    /// `GeoPackage srs_id`, or `assumed`.
    pub crs_from: &'static str,
    /// The web-map offset removed, if any.
    pub datum: Datum,
    /// The text encoding used (Shapefile and CSV), e.g. `GBK (from the .cpg)`.
    pub encoding: Option<String>,
}

impl Default for SourceInfo {
    fn default() -> Self {
        SourceInfo {
            format: "",
            layer: None,
            crs: Crs::Wgs84,
            crs_from: "assumed",
            datum: Datum::Wgs84,
            encoding: None,
        }
    }
}

impl fmt::Display for SourceInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.format)?;
        if let Some(layer) = &self.layer {
            write!(f, " layer `{layer}`")?;
        }
        write!(f, ", {} ({})", self.crs, self.crs_from)?;
        if self.datum != Datum::Wgs84 {
            write!(f, ", {} offset removed", self.datum)?;
        }
        if let Some(enc) = &self.encoding {
            write!(f, ", {enc}")?;
        }
        Ok(())
    }
}

/// A layer of boundaries read from one file.
#[derive(Debug, Clone)]
pub struct Boundaries {
    /// The file they were read from.
    pub path: PathBuf,
    /// The boundaries, in file order. Ids are unique.
    pub features: Vec<Boundary>,
    /// How the file was read.
    pub source: SourceInfo,
    /// Soft problems met while reading (assumed CRS, guessed encoding, repaired polygons).
    pub warnings: Vec<Warning>,
}

impl Boundaries {
    /// A layer of WGS84 boundaries with no warnings.
    pub fn new(path: impl Into<PathBuf>, features: Vec<Boundary>) -> Self {
        Boundaries {
            path: path.into(),
            features,
            source: SourceInfo::default(),
            warnings: Vec::new(),
        }
    }

    /// The position of the boundary with this id, if any.
    pub fn position(&self, id: &str) -> Option<usize> {
        self.features.iter().position(|b| b.id == id)
    }
}

/// What kind of settlement a town point stands for.
///
/// The names are those of the `kind` column of the shipped `towns.csv`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TownKind {
    /// Seat of a county-level government (县城 / 区 seat): `county_seat`.
    CountySeat,
    /// Designated town (建制镇): `town`.
    Town,
    /// Township (乡, 民族乡): `township`.
    Township,
    /// Sub-district (街道): `street`.
    Street,
    /// Township-level unit that is not a town (development zone, farm): `unknown`.
    Unknown,
}

impl TownKind {
    /// Every kind, in report order.
    pub const ALL: [TownKind; 5] = [
        TownKind::CountySeat,
        TownKind::Town,
        TownKind::Township,
        TownKind::Street,
        TownKind::Unknown,
    ];

    /// The name used in files and configuration (`county_seat`, `town`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            TownKind::CountySeat => "county_seat",
            TownKind::Town => "town",
            TownKind::Township => "township",
            TownKind::Street => "street",
            TownKind::Unknown => "unknown",
        }
    }

    /// The Chinese term, for reports.
    pub fn name_zh(self) -> &'static str {
        match self {
            TownKind::CountySeat => "县城",
            TownKind::Town => "建制镇",
            TownKind::Township => "乡",
            TownKind::Street => "街道",
            TownKind::Unknown => "其他乡级单位",
        }
    }

    /// Position in [`TownKind::ALL`], for per-kind count arrays.
    pub fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for TownKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error of parsing a [`TownKind`]: the text that matched no kind.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown town kind `{0}` (expected one of county_seat, town, township, street, unknown)")]
pub struct ParseTownKindError(pub String);

impl FromStr for TownKind {
    type Err = ParseTownKindError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        TownKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| ParseTownKindError(s.to_owned()))
    }
}

/// Counts of towns per [`TownKind`], indexed by [`TownKind::index`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct KindCounts(pub [u64; 5]);

impl KindCounts {
    /// The count for one kind.
    pub fn get(&self, kind: TownKind) -> u64 {
        self.0[kind.index()]
    }

    /// Adds one town of `kind`.
    pub fn add(&mut self, kind: TownKind) {
        self.0[kind.index()] += 1;
    }

    /// Adds every count of `other`.
    pub fn merge(&mut self, other: &KindCounts) {
        for (a, b) in self.0.iter_mut().zip(other.0) {
            *a += b;
        }
    }

    /// The sum over `kinds`.
    pub fn sum_of(&self, kinds: &[TownKind]) -> u64 {
        kinds.iter().map(|&k| self.get(k)).sum()
    }

    /// The sum over all kinds.
    pub fn total(&self) -> u64 {
        self.0.iter().sum()
    }
}

/// One town point.
#[derive(Debug, Clone, PartialEq)]
pub struct Town {
    /// Id from the source (statistical code for the shipped data).
    pub id: String,
    /// Name, e.g. `洛带镇`.
    pub name: String,
    /// What kind of settlement it is.
    pub kind: TownKind,
    /// Position in WGS84 lon/lat degrees.
    pub position: Point<f64>,
    /// Value of the configured status column (e.g. `status_2023`), if one is configured.
    pub status: Option<String>,
    /// Values of the source's other columns, in the order of [`Towns::extra_columns`].
    pub extra: Vec<String>,
    /// Where it came from: the 1-based line of a CSV file, or the 1-based record number in
    /// other formats.
    pub line: u64,
}

/// A layer of town points read from one file.
#[derive(Debug, Clone)]
pub struct Towns {
    /// The file they were read from.
    pub path: PathBuf,
    /// Names of the source columns kept as [`Town::extra`] (all but those the configuration
    /// maps to id, name, kind, coordinates and status).
    pub extra_columns: Vec<String>,
    /// The towns, in file order.
    pub towns: Vec<Town>,
    /// How the file was read.
    pub source: SourceInfo,
    /// Soft problems met while reading (assumed CRS, guessed encoding, skipped rows).
    pub warnings: Vec<Warning>,
}

impl<'de> serde::Deserialize<'de> for TownKind {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}
