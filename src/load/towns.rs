//! Town points of any format, as a stream: [`TownReader`] yields one town at a time. A CSV is
//! read row by row, so millions of points need no more memory than one row; the other formats
//! are read whole and then handed out one by one.

use std::path::{Path, PathBuf};

use geo::Point;

use super::build::{Props, Skipped, check_fields, coord_error, prop, towns_from};
use super::csv::CsvRows;
use super::{Format, LoadOptions, Source, read_layer};
use crate::config::TownInput;
use crate::crs::ToWgs84;
use crate::error::{Error, Result};
use crate::model::{SourceInfo, Town, TownKind, Warning};

/// A town record as a non-CSV format read it: attributes and a position in the file's CRS.
#[derive(Debug, Clone)]
pub(crate) struct RawTown {
    /// `feature 3`.
    pub location: String,
    /// 1-based record number.
    pub line: u64,
    pub props: Props,
    /// The point, or what is wrong with the geometry.
    pub xy: std::result::Result<(f64, f64), String>,
}

/// The towns a non-CSV format read, before conversion.
#[derive(Debug)]
pub(crate) struct RawTowns {
    /// The attribute fields, when the format declares them up front (Shapefile, GeoPackage).
    pub fields: Option<Vec<String>>,
    pub records: Vec<RawTown>,
    /// The conversion from the file's CRS.
    pub transform: ToWgs84,
    /// How the file was read.
    pub info: SourceInfo,
    /// Soft problems of reading.
    pub warnings: Vec<Warning>,
}

/// Which attributes of a record hold what.
#[derive(Debug)]
pub(crate) struct RawTownOrigin {
    id: String,
    name: String,
    kind: String,
    require_kind: bool,
    status: Option<String>,
    extra: Vec<String>,
}

impl RawTownOrigin {
    pub(crate) fn new(
        path: &Path,
        input: &TownInput,
        require_kind: bool,
        fields: &Option<Vec<String>>,
        records: &[RawTown],
    ) -> Result<Self> {
        let mut wanted = vec![
            (input.id.as_str(), "town id"),
            (input.name.as_str(), "town name"),
        ];
        if require_kind {
            wanted.push((input.kind.as_str(), "town kind"));
        }
        if let Some(status) = &input.status {
            wanted.push((status.as_str(), "status"));
        }
        let all: Vec<String> = match fields {
            Some(f) => {
                check_fields(path, f, &wanted)?;
                f.clone()
            }
            None => {
                let mut keys: Vec<String> = Vec::new();
                for r in records {
                    for (k, _) in &r.props.0 {
                        if !keys.contains(k) {
                            keys.push(k.clone());
                        }
                    }
                }
                keys
            }
        };
        let used = [
            Some(&input.id),
            Some(&input.name),
            Some(&input.kind),
            input.status.as_ref(),
        ];
        let extra = all
            .into_iter()
            .filter(|k| !used.contains(&Some(k)))
            .collect();
        Ok(RawTownOrigin {
            id: input.id.clone(),
            name: input.name.clone(),
            kind: input.kind.clone(),
            require_kind,
            status: input.status.clone(),
            extra,
        })
    }

    pub(crate) fn extra_columns(&self) -> &[String] {
        &self.extra
    }

    pub(crate) fn town(&self, maker: &TownMaker, raw: RawTown) -> Result<Town> {
        let path = &maker.path;
        let loc = raw.location.as_str();
        let text = |field: &str, role: &str| -> Result<String> {
            prop(path, loc, &raw.props, field, role).map(|v| v.as_text())
        };
        let id = text(&self.id, "town id")?;
        let name = text(&self.name, "town name")?;
        let kind = match raw.props.get(&self.kind) {
            Some(v) => Some(v.as_text()),
            None if self.require_kind => Some(text(&self.kind, "town kind")?),
            None => None,
        };
        let status = self
            .status
            .as_deref()
            .map(|s| text(s, "status"))
            .transpose()?;
        let xy = raw.xy.map_err(|message| Error::Feature {
            path: path.clone(),
            location: loc.to_owned(),
            message,
        })?;
        let extra = self
            .extra
            .iter()
            .map(|k| raw.props.get(k).map(|v| v.as_text()).unwrap_or_default())
            .collect();
        maker.make(
            TownParts {
                location: loc,
                line: raw.line,
                id,
                name,
                kind: kind.as_deref(),
                status,
                extra,
            },
            xy,
            None,
        )
    }
}

/// Builds [`Town`]s from their parts: kind parsing and coordinate conversion with checks.
#[derive(Debug)]
pub(crate) struct TownMaker {
    pub path: PathBuf,
    pub transform: ToWgs84,
    /// The configured kind field, for messages.
    pub kind_field: String,
}

/// The text parts of one town record.
pub(crate) struct TownParts<'a> {
    pub location: &'a str,
    pub line: u64,
    pub id: String,
    pub name: String,
    /// `None` when the source has no kind: every town is [`TownKind::Unknown`].
    pub kind: Option<&'a str>,
    pub status: Option<String>,
    pub extra: Vec<String>,
}

impl TownMaker {
    /// One town. `fields` are the CSV's coordinate columns, for messages.
    pub(crate) fn make(
        &self,
        parts: TownParts<'_>,
        (x, y): (f64, f64),
        fields: Option<(&str, &str)>,
    ) -> Result<Town> {
        let kind = match parts.kind {
            None => TownKind::Unknown,
            Some(text) => text.parse().map_err(|_| Error::BadValue {
                path: self.path.clone(),
                location: parts.location.to_owned(),
                field: self.kind_field.clone(),
                expected: "one of county_seat, town, township, street, unknown".into(),
                found: text.to_owned(),
            })?,
        };
        let c = self.transform.apply(x, y).map_err(|e| {
            coord_error(
                &self.path,
                parts.location,
                fields,
                &self.transform,
                (x, y),
                e,
            )
        })?;
        Ok(Town {
            id: parts.id,
            name: parts.name,
            kind,
            position: Point::from(c),
            status: parts.status,
            extra: parts.extra,
            line: parts.line,
        })
    }
}

/// Where the records come from.
enum Inner {
    Csv(Box<CsvRows>),
    Records {
        records: std::vec::IntoIter<RawTown>,
        origin: RawTownOrigin,
    },
}

/// A streaming reader of town points of any [`Format`]: an iterator of `Result<Town>` that
/// stops at the first error (or, with [`LoadOptions::skip_bad_rows`], skips rows that cannot
/// be read and counts them).
///
/// # Examples
/// ```
/// use citybelt::config::TownInput;
/// use citybelt::load::TownReader;
/// let reader = TownReader::open(&TownInput::with_path("tests/fixtures/grid_towns.csv"))?;
/// let seats = reader.filter(|t| matches!(t, Ok(t) if t.kind == citybelt::model::TownKind::CountySeat)).count();
/// assert_eq!(seats, 4);
/// # Ok::<(), citybelt::Error>(())
/// ```
pub struct TownReader {
    path: PathBuf,
    inner: Inner,
    maker: TownMaker,
    extra_columns: Vec<String>,
    source: SourceInfo,
    warnings: Vec<Warning>,
    skip: bool,
    skipped: Skipped,
    failed: bool,
}

impl TownReader {
    /// Opens the file and reads its header (a CSV) or all its records (other formats).
    ///
    /// # Errors
    /// [`Error::Io`] if the file cannot be opened, [`Error::Csv`] if the header cannot be read,
    /// [`Error::MissingColumn`] if a configured column is missing, and the errors of
    /// [`crate::load::load_towns`] for the other formats.
    pub fn open(input: &TownInput) -> Result<Self> {
        Self::new(input, true, &LoadOptions::default())
    }

    /// Like [`TownReader::open`], but when `require_kind` is false a missing kind column is
    /// allowed and every point is of kind [`TownKind::Unknown`] (for counting arbitrary
    /// points).
    ///
    /// # Errors
    /// As [`TownReader::open`].
    pub fn open_with_kind(input: &TownInput, require_kind: bool) -> Result<Self> {
        Self::new(input, require_kind, &LoadOptions::default())
    }

    /// Like [`TownReader::open`], with options.
    ///
    /// # Errors
    /// As [`TownReader::open`]; under `strict` also an unstated CRS or a guessed encoding.
    pub fn open_with(input: &TownInput, opts: &LoadOptions) -> Result<Self> {
        Self::new(input, true, opts)
    }

    fn new(input: &TownInput, require_kind: bool, opts: &LoadOptions) -> Result<Self> {
        let source = Source::resolve(&input.path, input.layer.as_deref(), input.format)?;
        let (inner, transform, extra_columns, info, warnings) = match source.format {
            Format::Csv => {
                let mut info = source.info();
                let mut warnings = Vec::new();
                let (rows, t) = CsvRows::open(
                    &source.path,
                    input,
                    require_kind,
                    opts,
                    &mut info,
                    &mut warnings,
                )?;
                let extra = rows.extra_columns().to_vec();
                (Inner::Csv(Box::new(rows)), t, extra, info, warnings)
            }
            _ => {
                let layer = read_layer(&source, "cannot open town file", input.encoding, opts)?;
                let raw = towns_from(&source.path, layer, input.crs.as_ref(), input.datum, opts)?;
                let origin = RawTownOrigin::new(
                    &source.path,
                    input,
                    require_kind,
                    &raw.fields,
                    &raw.records,
                )?;
                let extra = origin.extra_columns().to_vec();
                (
                    Inner::Records {
                        records: raw.records.into_iter(),
                        origin,
                    },
                    raw.transform,
                    extra,
                    raw.info,
                    raw.warnings,
                )
            }
        };
        Ok(TownReader {
            maker: TownMaker {
                path: source.path.clone(),
                transform,
                kind_field: input.kind.clone(),
            },
            path: source.path,
            inner,
            extra_columns,
            source: info,
            warnings,
            skip: opts.skip_bad_rows,
            skipped: Skipped::default(),
            failed: false,
        })
    }

    /// The file read (without a `:layer` suffix).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Names of the source columns kept as [`Town::extra`].
    pub fn extra_columns(&self) -> &[String] {
        &self.extra_columns
    }

    /// How the file is read.
    pub fn source(&self) -> &SourceInfo {
        &self.source
    }

    /// Soft problems so far: an assumed CRS, a guessed encoding, and (once the reader is
    /// exhausted, complete) the rows skipped, by reason.
    pub fn warnings(&self) -> Vec<Warning> {
        let mut w = self.warnings.clone();
        w.extend(self.skipped.warning(&self.path));
        w
    }

    /// How many rows were skipped so far under [`LoadOptions::skip_bad_rows`].
    pub fn skipped_rows(&self) -> u64 {
        self.skipped.total()
    }

    fn next_item(&mut self) -> Option<Result<Town>> {
        match &mut self.inner {
            Inner::Csv(rows) => rows.next_town(&self.maker),
            Inner::Records { records, origin } => {
                let raw = records.next()?;
                Some(origin.town(&self.maker, raw))
            }
        }
    }
}

impl Iterator for TownReader {
    type Item = Result<Town>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        loop {
            match self.next_item()? {
                Ok(town) => return Some(Ok(town)),
                Err(e) if self.skip && Skipped::is_row_error(&e) => self.skipped.add(&e),
                Err(e) => {
                    self.failed = true;
                    return Some(Err(e));
                }
            }
        }
    }
}
