//! Loaders: county boundaries and town points from GeoJSON, Shapefile, GeoPackage and CSV,
//! in any CRS citybelt knows, returned as WGS84 lon/lat.
//!
//! Each format has its own file (`geojson.rs`, `shapefile.rs`, `gpkg.rs`, `csv.rs`) that only
//! turns bytes into records; what they share (the CRS decision, conversion and checks of
//! coordinates, polygon repair, unique ids, skipped rows) is in one place, so every format
//! behaves and reports alike:
//!
//! - the format comes from the input's `format` or its extension ([`Format`]);
//! - the CRS from the input's `crs` (the command line or region file), else the file, else
//!   WGS84 with a `crs_assumed` warning (see [`crate::crs`]);
//! - text is decoded as the input's `encoding` says, else as the file declares, else as
//!   guessed (UTF-8, else GBK), see [`TextEncoding`];
//! - polygon rings are re-oriented (exteriors counter-clockwise, holes clockwise): geodesic
//!   area and union give wrong answers on mixed winding; crossing rings are repaired with a
//!   `polygons_repaired` warning, or refused under [`LoadOptions::strict`];
//! - every error names the file and the feature index or CSV line, what was expected and what
//!   was found.
//!
//! Soft problems come back as [`Warning`](crate::model::Warning)s in
//! [`Boundaries::warnings`] and [`Towns::warnings`].

mod build;
mod csv;
#[cfg(feature = "gdal")]
pub mod gdal;
mod geojson;
mod gpkg;
mod points;
mod shapefile;
mod text;
mod towns;
mod valid;
mod wkb;

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

pub use self::points::{BLOCK_BYTES, Block, PointBlocks, PointColumns, parse_block};
pub use self::text::TextEncoding;
pub use self::towns::TownReader;

use crate::config::{BoundaryInput, TownInput};
use crate::crs::{Crs, Datum};
use crate::error::{Error, Result};
use crate::model::{Boundaries, SourceInfo, Towns};

/// An input format.
///
/// Chosen from the input's `format` (`--input-format`), else from the extension: `.geojson`/`.json`,
/// `.geojsonl`/`.geojsons`/`.ndjson`/`.jsonl`, `.shp`, `.gpkg`, `.csv`/`.tsv`/`.txt`.
///
/// # Examples
/// ```
/// use citybelt::load::Format;
/// assert_eq!("shp".parse::<Format>().unwrap(), Format::Shapefile);
/// assert_eq!(Format::from_path("a/towns.TSV".as_ref()), Some(Format::Csv));
/// assert!("kml".parse::<Format>().unwrap_err().contains("geojson"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// GeoJSON: a FeatureCollection, a single Feature, or Features one per line.
    GeoJson,
    /// Newline-delimited GeoJSON (GeoJSONSeq, RFC 8142): one Feature per line, with or
    /// without the record separator. Read by the same reader as [`Format::GeoJson`].
    GeoJsonSeq,
    /// Esri Shapefile: `.shp` with its `.shx`, `.dbf` and optional `.prj` and `.cpg`.
    Shapefile,
    /// OGC GeoPackage (SQLite): any feature layer.
    GeoPackage,
    /// Delimited text with a header row (comma, semicolon or tab): towns only.
    Csv,
}

impl Format {
    /// Every format, in the order of the README's format matrix.
    pub const ALL: [Format; 5] = [
        Format::GeoJson,
        Format::GeoJsonSeq,
        Format::Shapefile,
        Format::GeoPackage,
        Format::Csv,
    ];

    /// The name used by `--input-format` and in the region file.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::GeoJson => "geojson",
            Format::GeoJsonSeq => "geojsonseq",
            Format::Shapefile => "shapefile",
            Format::GeoPackage => "gpkg",
            Format::Csv => "csv",
        }
    }

    /// The name for people (`GeoJSON`, `Shapefile`, …).
    pub fn title(self) -> &'static str {
        match self {
            Format::GeoJson => "GeoJSON",
            Format::GeoJsonSeq => "GeoJSONSeq",
            Format::Shapefile => "Shapefile",
            Format::GeoPackage => "GeoPackage",
            Format::Csv => "CSV",
        }
    }

    /// The format a file name's extension says, if any.
    pub fn from_path(path: &Path) -> Option<Format> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        Some(match ext.as_str() {
            "geojson" | "json" => Format::GeoJson,
            "geojsonl" | "geojsons" | "geojsonseq" | "ndjson" | "jsonl" => Format::GeoJsonSeq,
            "shp" => Format::Shapefile,
            "gpkg" => Format::GeoPackage,
            "csv" | "tsv" | "txt" => Format::Csv,
            _ => return None,
        })
    }

    fn supported() -> String {
        Format::ALL
            .iter()
            .map(|f| f.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Format {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        Ok(match s.trim().to_ascii_lowercase().as_str() {
            "geojson" | "json" => Format::GeoJson,
            "geojsonseq" | "geojsonl" | "geojsons" | "ndjson" | "jsonl" => Format::GeoJsonSeq,
            "shapefile" | "shp" | "esri shapefile" => Format::Shapefile,
            "gpkg" | "geopackage" => Format::GeoPackage,
            "csv" | "tsv" | "txt" => Format::Csv,
            _ => {
                return Err(format!(
                    "unknown format `{s}` (supported: {})",
                    Format::supported()
                ));
            }
        })
    }
}

/// How strictly to load.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LoadOptions {
    /// Refuse instead of repairing or assuming: an invalid polygon, a file that states no
    /// CRS, a text encoding that would have to be guessed are errors.
    pub strict: bool,
    /// Skip town rows (or records) that cannot be read, counting them by reason in a
    /// `rows_skipped` warning, instead of failing on the first.
    pub skip_bad_rows: bool,
}

/// How to read an input, given on the command line: each setting that is `Some` replaces the
/// one of the region file (see [`BoundaryInput`] and [`TownInput`] for their meaning).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReadSettings {
    /// The format.
    pub format: Option<Format>,
    /// The CRS of the coordinates.
    pub crs: Option<Crs>,
    /// A web-map offset to remove.
    pub datum: Option<Datum>,
    /// The text encoding.
    pub encoding: Option<TextEncoding>,
}

impl ReadSettings {
    /// Settings whose `None`s are filled from `fallback`.
    pub fn or(&self, fallback: &ReadSettings) -> ReadSettings {
        ReadSettings {
            format: self.format.or(fallback.format),
            crs: self.crs.clone().or_else(|| fallback.crs.clone()),
            datum: self.datum.or(fallback.datum),
            encoding: self.encoding.or(fallback.encoding),
        }
    }

    /// Replaces the boundary input's settings by those given.
    pub fn apply_to_boundaries(&self, input: &mut BoundaryInput) {
        self.apply(
            &mut input.format,
            &mut input.crs,
            &mut input.datum,
            &mut input.encoding,
        );
    }

    /// Replaces the town input's settings by those given.
    pub fn apply_to_towns(&self, input: &mut TownInput) {
        self.apply(
            &mut input.format,
            &mut input.crs,
            &mut input.datum,
            &mut input.encoding,
        );
    }

    fn apply(
        &self,
        format: &mut Option<Format>,
        crs: &mut Option<Crs>,
        datum: &mut Option<Datum>,
        encoding: &mut Option<TextEncoding>,
    ) {
        if self.format.is_some() {
            *format = self.format;
        }
        if self.crs.is_some() {
            crs.clone_from(&self.crs);
        }
        if self.datum.is_some() {
            *datum = self.datum;
        }
        if self.encoding.is_some() {
            *encoding = self.encoding;
        }
    }
}

/// A file, its GeoPackage layer if any, and its format.
#[derive(Debug, Clone)]
pub(crate) struct Source {
    pub path: PathBuf,
    pub layer: Option<String>,
    pub format: Format,
}

impl Source {
    /// Splits `file.gpkg:layer` and decides the format.
    pub(crate) fn resolve(
        path: &Path,
        layer: Option<&str>,
        format: Option<Format>,
    ) -> Result<Source> {
        let (path, split_layer) = split_layer(path);
        let format = match format.or_else(|| Format::from_path(&path)) {
            Some(f) => f,
            None => {
                return Err(Error::UnknownFormat {
                    found: path.extension().map_or_else(
                        || "(no extension)".into(),
                        |e| format!(".{}", e.to_string_lossy()),
                    ),
                    path,
                    supported: Format::supported(),
                });
            }
        };
        Ok(Source {
            path,
            layer: layer.map(str::to_owned).or(split_layer),
            format,
        })
    }

    /// What is known of how the file is read before reading it.
    fn info(&self) -> SourceInfo {
        SourceInfo {
            format: self.format.title(),
            layer: self.layer.clone(),
            ..SourceInfo::default()
        }
    }

    fn not_for(&self, what: &str) -> Error {
        Error::Input {
            path: self.path.clone(),
            message: format!(
                "{} files cannot hold {what}; give a GeoJSON, Shapefile or GeoPackage",
                self.format.title()
            ),
        }
    }
}

/// `file.gpkg:layer` → (`file.gpkg`, `layer`), when no file has the whole name.
fn split_layer(path: &Path) -> (PathBuf, Option<String>) {
    if !path.exists()
        && let Some(text) = path.to_str()
        && let Some((file, layer)) = text.rsplit_once(':')
        && file.to_ascii_lowercase().ends_with(".gpkg")
        && !layer.is_empty()
    {
        return (PathBuf::from(file), Some(layer.to_owned()));
    }
    (path.to_owned(), None)
}

/// Reads county boundaries with the default [`LoadOptions`].
///
/// Ids, names and prefectures come from the properties named in `input`; ids may be strings
/// or integers and must be unique.
///
/// # Errors
/// [`Error::Io`], [`Error::UnknownFormat`], [`Error::Json`] (with line and column),
/// [`Error::GeoJson`], [`Error::Feature`] naming the feature for a wrong structure, geometry
/// type or empty geometry, [`Error::BadValue`] for a missing or empty property,
/// [`Error::Coordinate`] for a coordinate outside its CRS's area or swapped,
/// [`Error::UnknownCrs`], [`Error::Input`], [`Error::Shapefile`], [`Error::DuplicateId`].
///
/// # Examples
/// ```
/// use citybelt::config::BoundaryInput;
/// let counties = citybelt::load::load_boundaries(&BoundaryInput::with_path("tests/fixtures/grid.geojson"))?;
/// assert_eq!(counties.features.len(), 5);
/// // The fixture states no CRS: WGS84 is assumed, and said.
/// assert_eq!(counties.warnings[0].code, "crs_assumed");
/// # Ok::<(), citybelt::Error>(())
/// ```
pub fn load_boundaries(input: &BoundaryInput) -> Result<Boundaries> {
    load_boundaries_with(input, &LoadOptions::default())
}

/// Reads county boundaries (see [`load_boundaries`]) with the given options.
///
/// # Errors
/// As [`load_boundaries`]; under `strict` also an invalid polygon or an unstated CRS.
pub fn load_boundaries_with(input: &BoundaryInput, opts: &LoadOptions) -> Result<Boundaries> {
    let source = Source::resolve(&input.path, input.layer.as_deref(), input.format)?;
    if source.format == Format::Csv {
        return Err(source.not_for("county boundaries"));
    }
    let layer = read_layer(&source, "cannot open boundary file", input.encoding, opts)?;
    build::boundaries_from(&source.path, layer, input, opts)
}

/// Reads the records of a GeoJSON, Shapefile or GeoPackage layer; `what` names the file in an
/// open error.
fn read_layer(
    source: &Source,
    what: &'static str,
    encoding: Option<TextEncoding>,
    opts: &LoadOptions,
) -> Result<build::RawLayer> {
    match source.format {
        Format::GeoJson | Format::GeoJsonSeq => geojson::read_layer(source, what),
        Format::Shapefile => shapefile::read_layer(source, what, encoding, opts),
        Format::GeoPackage => gpkg::read_layer(source, what),
        Format::Csv => Err(source.not_for("polygons")),
    }
}

/// Reads town points of any format with the default [`LoadOptions`] into memory (see
/// [`TownReader`] to stream them).
///
/// # Errors
/// [`Error::Io`], [`Error::UnknownFormat`], [`Error::MissingColumn`] listing the header,
/// [`Error::Csv`] for malformed rows, [`Error::BadValue`] naming the line and column for a
/// coordinate that is not a number or out of range, or an unknown kind,
/// [`Error::Coordinate`] for a pair outside its CRS's area or swapped, and the errors of the
/// other formats as in [`load_boundaries`].
///
/// # Examples
/// ```
/// use citybelt::config::TownInput;
/// let towns = citybelt::load::load_towns(&TownInput::with_path("tests/fixtures/grid_towns.csv"))?;
/// assert_eq!(towns.towns.len(), 14);
/// # Ok::<(), citybelt::Error>(())
/// ```
pub fn load_towns(input: &TownInput) -> Result<Towns> {
    load_towns_with(input, &LoadOptions::default())
}

/// Reads town points (see [`load_towns`]) with the given options.
///
/// # Errors
/// As [`load_towns`]; with `skip_bad_rows`, unreadable rows are skipped and counted instead.
pub fn load_towns_with(input: &TownInput, opts: &LoadOptions) -> Result<Towns> {
    let mut reader = TownReader::open_with(input, opts)?;
    let towns = reader.by_ref().collect::<Result<Vec<_>>>()?;
    Ok(Towns {
        path: reader.path().to_owned(),
        extra_columns: reader.extra_columns().to_vec(),
        towns,
        source: reader.source().clone(),
        warnings: reader.warnings(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layer_suffix_is_split_from_gpkg_paths_only() {
        let (p, l) = split_layer(Path::new("no/such/file.gpkg:towns"));
        assert_eq!(
            (p.as_path(), l.as_deref()),
            (Path::new("no/such/file.gpkg"), Some("towns"))
        );
        let (p, l) = split_layer(Path::new("no/such/file.csv:towns"));
        assert_eq!(
            (p.as_path(), l),
            (Path::new("no/such/file.csv:towns"), None)
        );
    }

    #[test]
    fn unknown_extension_lists_the_formats() {
        let e = Source::resolve(Path::new("a.kml"), None, None).unwrap_err();
        let msg = e.to_string();
        assert!(
            msg.contains("`.kml`") && msg.contains("geojson, geojsonseq, shapefile, gpkg, csv"),
            "{msg}"
        );
        assert!(e.is_config());
    }
}
