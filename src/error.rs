//! Errors returned by citybelt.
//!
//! Every variant says *where* (file, line, feature, key) and *what was expected*; the cause of
//! an I/O or parse failure is kept as `source` and is not repeated in the message, so
//! `format!("{err:#}")` (or `anyhow`'s chain) prints each part once.

use std::path::PathBuf;

/// The result type of every fallible citybelt function.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Errors returned by citybelt.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file could not be opened, read or written.
    #[error("{}: {action}", .path.display())]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// What was being done (`cannot read`, `cannot write`, …).
        action: &'static str,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },

    /// The region configuration is not valid TOML or has unknown keys or wrong types.
    #[error("{}: invalid region configuration", .path.display())]
    ConfigSyntax {
        /// The configuration file.
        path: PathBuf,
        /// The TOML parser's error, with line, column and a snippet.
        #[source]
        source: Box<toml::de::Error>,
    },

    /// The region configuration parsed but says something impossible.
    #[error("{}: {key}: {message}", .path.display())]
    Config {
        /// The configuration file.
        path: PathBuf,
        /// Where in the file, e.g. `belts[2] (chuannan).members[0]`.
        key: String,
        /// What is wrong and what was expected.
        message: String,
    },

    /// A GeoJSON file is not valid JSON.
    #[error("{}: not valid JSON (line {line}, column {column})", .path.display())]
    Json {
        /// The file.
        path: PathBuf,
        /// 1-based line of the error.
        line: usize,
        /// 1-based column of the error.
        column: usize,
        /// The JSON parser's error.
        #[source]
        source: serde_json::Error,
    },

    /// A GeoJSON document or feature does not have the expected shape.
    #[error("{}: {location}: {message}", .path.display())]
    GeoJson {
        /// The file.
        path: PathBuf,
        /// `feature 12`, or `document` for the top level.
        location: String,
        /// What was expected and what was found.
        message: String,
    },

    /// A CSV file could not be parsed (bad quoting, ragged rows, invalid UTF-8).
    #[error("{}: line {line}: malformed CSV", .path.display())]
    Csv {
        /// The file.
        path: PathBuf,
        /// 1-based line (0 when unknown).
        line: u64,
        /// The CSV reader's error.
        #[source]
        source: csv::Error,
    },

    /// A CSV header lacks a configured column.
    #[error("{}: missing column `{column}` ({role}); the header has: {found}", .path.display())]
    MissingColumn {
        /// The file.
        path: PathBuf,
        /// The configured column name.
        column: String,
        /// What the column is for (`longitude`, `town kind`, …).
        role: &'static str,
        /// The columns the header does have, comma-separated.
        found: String,
    },

    /// A value in a CSV row or a feature property is not what was expected.
    #[error("{}: {location}: field `{field}`: expected {expected}, found `{found}`", .path.display())]
    BadValue {
        /// The file.
        path: PathBuf,
        /// `line 17` or `feature 3`.
        location: String,
        /// The column or property name.
        field: String,
        /// What a valid value looks like.
        expected: String,
        /// The value as found.
        found: String,
    },

    /// Two boundaries share an id.
    #[error("{}: feature {second}: duplicate id `{id}` (first used by feature {first})", .path.display())]
    DuplicateId {
        /// The file.
        path: PathBuf,
        /// The repeated id.
        id: String,
        /// 0-based index of the first feature with this id.
        first: usize,
        /// 0-based index of the repeating feature.
        second: usize,
    },

    /// A feature or record of any format does not have the expected shape: a missing
    /// property, a geometry of the wrong type, an empty geometry, an invalid polygon under
    /// `strict`.
    #[error("{}: {location}: {message}", .path.display())]
    Feature {
        /// The file.
        path: PathBuf,
        /// `feature 12` or `line 7`.
        location: String,
        /// What was expected and what was found.
        message: String,
    },

    /// A coordinate pair cannot be placed: not finite, out of range, outside the valid area
    /// of its CRS, or swapped.
    #[error("{}: {location}: coordinates `{found}`: {message}", .path.display())]
    Coordinate {
        /// The file.
        path: PathBuf,
        /// `feature 12` or `line 7`.
        location: String,
        /// The pair as found.
        found: String,
        /// What is wrong, and what to do.
        message: String,
    },

    /// A file-level problem of an input: a missing companion file, a `.dbf` whose row count
    /// differs from the `.shp`, a GeoPackage without the layer asked for.
    #[error("{}: {message}", .path.display())]
    Input {
        /// The file.
        path: PathBuf,
        /// What is wrong and what to do.
        message: String,
    },

    /// The input's format cannot be told from its name, or is not one citybelt reads.
    #[error("{}: unknown input format `{found}` (supported: {supported}); name it with --input-format or `format` in the region file", .path.display())]
    UnknownFormat {
        /// The file.
        path: PathBuf,
        /// The extension or format name found.
        found: String,
        /// The supported formats, comma-separated.
        supported: String,
    },

    /// The CRS named by an input file (`.prj`, GeoJSON `crs`, GeoPackage `srs_id`) is not one
    /// citybelt knows.
    #[error("{}: cannot use the CRS `{found}` named by the {origin}; name the CRS with --crs (e.g. --crs EPSG:4523) or `crs` in the region file", .path.display())]
    UnknownCrs {
        /// The file naming the CRS (the `.prj` itself for a Shapefile).
        path: PathBuf,
        /// The CRS as named there.
        found: String,
        /// `.prj`, `GeoJSON crs member`, `GeoPackage srs_id`.
        origin: &'static str,
    },

    /// A text encoding named by an input file (a `.cpg`) is not known.
    #[error("{}: unknown text encoding `{label}`; name it with --encoding (e.g. gbk, utf-8)", .path.display())]
    UnknownEncoding {
        /// The file naming it.
        path: PathBuf,
        /// The label found.
        label: String,
    },

    /// A Shapefile's `.shp` or `.shx` cannot be read.
    #[error("{}: cannot read the Shapefile", .path.display())]
    Shapefile {
        /// The `.shp` file.
        path: PathBuf,
        /// The reader's error.
        #[source]
        source: shapefile::Error,
    },

    /// A GeoPackage cannot be read.
    #[error("{}: cannot read the GeoPackage", .path.display())]
    GeoPackage {
        /// The `.gpkg` file.
        path: PathBuf,
        /// SQLite's error.
        #[source]
        source: rusqlite::Error,
    },

    /// SQLite failed while writing a GeoPackage.
    #[error("{}: cannot write GeoPackage ({step})", .path.display())]
    Sqlite {
        /// The GeoPackage.
        path: PathBuf,
        /// What was being written, e.g. `table counties`.
        step: String,
        /// SQLite's error.
        #[source]
        source: rusqlite::Error,
    },

    /// The Shapefile writer failed.
    #[error("{}: cannot write Shapefile", .path.display())]
    ShapefileWrite {
        /// The `.shp` file.
        path: PathBuf,
        /// The writer's error.
        #[source]
        source: shapefile::Error,
    },

    /// The FlatGeobuf writer failed.
    #[error("{}: cannot write FlatGeobuf", .path.display())]
    FlatGeobuf {
        /// The `.fgb` file.
        path: PathBuf,
        /// The writer's error (FlatGeobuf's or geozero's).
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },

    /// GDAL could not open or read a source, or could not handle its spatial reference.
    #[cfg(feature = "gdal")]
    #[error("{}: {action}", .path.display())]
    Gdal {
        /// The source.
        path: PathBuf,
        /// What was being done (`cannot open`, `cannot read layer 0`, …).
        action: String,
        /// GDAL's error.
        #[source]
        source: gdal::errors::GdalError,
    },

    /// An output file or folder name is not usable.
    #[error("{}: {message}", .path.display())]
    Output {
        /// The path.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
}

impl Error {
    /// Builds an [`Error::Io`] for `path`.
    pub(crate) fn io(
        path: impl Into<PathBuf>,
        action: &'static str,
        source: std::io::Error,
    ) -> Self {
        Error::Io {
            path: path.into(),
            action,
            source,
        }
    }

    /// Whether the error comes from the region configuration (as opposed to the data or the
    /// file system). The binary maps configuration errors to exit code 2 and the rest to 1.
    pub fn is_config(&self) -> bool {
        matches!(
            self,
            Error::Config { .. } | Error::ConfigSyntax { .. } | Error::UnknownFormat { .. }
        )
    }
}
