//! CSV town points, read as a stream: [`TownReader`] yields one town at a time, so millions of
//! points need no more memory than one row; [`load_towns`] collects them.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use geo::Point;

use crate::config::TownInput;
use crate::error::{Error, Result};
use crate::model::{Town, TownKind, Towns};

/// Reads town points from a CSV file with a header row.
///
/// Columns are found by the names in `input`; every other column is kept as
/// [`Town::extra`]. Longitude and latitude are WGS84 degrees.
///
/// # Errors
/// [`Error::Io`], [`Error::MissingColumn`] listing the header, [`Error::Csv`] for malformed
/// rows, and [`Error::BadValue`] naming the line and column for a coordinate that is not a
/// number or out of range, or an unknown kind.
///
/// # Examples
/// ```
/// use citybelt::config::TownInput;
/// let towns = citybelt::load::load_towns(&TownInput::with_path("tests/fixtures/grid_towns.csv"))?;
/// assert_eq!(towns.towns.len(), 14);
/// # Ok::<(), citybelt::Error>(())
/// ```
pub fn load_towns(input: &TownInput) -> Result<Towns> {
    let mut reader = TownReader::open(input)?;
    let towns = reader.by_ref().collect::<Result<Vec<_>>>()?;
    Ok(Towns {
        path: input.path.clone(),
        extra_columns: reader.extra_columns().to_vec(),
        towns,
    })
}

/// Where each configured column is in the header.
#[derive(Debug, Clone)]
struct Columns {
    id: usize,
    name: usize,
    kind: Option<usize>,
    lon: usize,
    lat: usize,
    status: Option<usize>,
    extra: Vec<usize>,
    extra_names: Vec<String>,
}

/// A streaming reader of town points: an iterator of `Result<Town>` that stops at the first
/// error.
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
    input: TownInput,
    reader: csv::Reader<Box<dyn Read>>,
    columns: Columns,
    record: csv::StringRecord,
    failed: bool,
}

impl TownReader {
    /// Opens the file and reads its header.
    ///
    /// # Errors
    /// [`Error::Io`] if the file cannot be opened, [`Error::Csv`] if the header cannot be read,
    /// [`Error::MissingColumn`] if a configured column is missing.
    pub fn open(input: &TownInput) -> Result<Self> {
        Self::open_with_kind(input, true)
    }

    /// Like [`TownReader::open`], but when `require_kind` is false a missing kind column is
    /// allowed and every point is of kind [`TownKind::Unknown`] (for counting arbitrary
    /// points).
    ///
    /// # Errors
    /// As [`TownReader::open`].
    pub fn open_with_kind(input: &TownInput, require_kind: bool) -> Result<Self> {
        let path = input.path.clone();
        let file = File::open(&path).map_err(|e| Error::io(&path, "cannot open town file", e))?;
        let source: Box<dyn Read> = Box::new(BufReader::with_capacity(1 << 20, file));
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .from_reader(source);
        let headers = reader.headers().map_err(|e| csv_error(&path, e))?.clone();
        let columns = Columns::find(&path, &headers, input, require_kind)?;
        Ok(TownReader {
            path,
            input: input.clone(),
            reader,
            columns,
            record: csv::StringRecord::new(),
            failed: false,
        })
    }

    /// Names of the source columns kept as [`Town::extra`].
    pub fn extra_columns(&self) -> &[String] {
        &self.columns.extra_names
    }

    fn parse(&self) -> Result<Town> {
        let record = &self.record;
        let line = record.position().map_or(0, csv::Position::line);
        let c = &self.columns;
        let get = |i: usize| record.get(i).unwrap_or("").trim();
        let bad = |field: &str, expected: String, found: &str| Error::BadValue {
            path: self.path.clone(),
            location: format!("line {line}"),
            field: field.to_owned(),
            expected,
            found: found.to_owned(),
        };
        let coord = |i: usize, field: &str, limit: f64| -> Result<f64> {
            let text = get(i);
            text.parse::<f64>()
                .ok()
                .filter(|v| v.is_finite() && v.abs() <= limit)
                .ok_or_else(|| {
                    bad(
                        field,
                        format!("a number of WGS84 degrees between -{limit} and {limit}"),
                        text,
                    )
                })
        };
        let lon = coord(c.lon, &self.input.lon, 180.0)?;
        let lat = coord(c.lat, &self.input.lat, 90.0)?;
        let kind = match c.kind {
            None => TownKind::Unknown,
            Some(i) => get(i).parse().map_err(|_| {
                bad(
                    &self.input.kind,
                    "one of county_seat, town, township, street, unknown".into(),
                    get(i),
                )
            })?,
        };
        Ok(Town {
            id: get(c.id).to_owned(),
            name: get(c.name).to_owned(),
            kind,
            position: Point::new(lon, lat),
            status: c.status.map(|i| get(i).to_owned()),
            extra: c.extra.iter().map(|&i| get(i).to_owned()).collect(),
            line,
        })
    }
}

impl Iterator for TownReader {
    type Item = Result<Town>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        let item = match self.reader.read_record(&mut self.record) {
            Ok(false) => return None,
            Ok(true) => self.parse(),
            Err(e) => Err(csv_error(&self.path, e)),
        };
        self.failed = item.is_err();
        Some(item)
    }
}

impl Columns {
    fn find(
        path: &Path,
        headers: &csv::StringRecord,
        input: &TownInput,
        require_kind: bool,
    ) -> Result<Self> {
        // A UTF-8 byte-order mark would otherwise become part of the first column's name.
        let names: Vec<&str> = headers
            .iter()
            .enumerate()
            .map(|(i, h)| {
                if i == 0 {
                    h.trim_start_matches('\u{feff}')
                } else {
                    h
                }
            })
            .collect();
        let position = |name: &str| names.iter().position(|h| *h == name);
        let column = |name: &str, role: &'static str| -> Result<usize> {
            position(name).ok_or_else(|| Error::MissingColumn {
                path: path.to_owned(),
                column: name.to_owned(),
                role,
                found: names.join(", "),
            })
        };
        let kind = if require_kind {
            Some(column(&input.kind, "town kind")?)
        } else {
            position(&input.kind)
        };
        let mut c = Columns {
            id: column(&input.id, "town id")?,
            name: column(&input.name, "town name")?,
            kind,
            lon: column(&input.lon, "longitude")?,
            lat: column(&input.lat, "latitude")?,
            status: input
                .status
                .as_deref()
                .map(|s| column(s, "status"))
                .transpose()?,
            extra: Vec::new(),
            extra_names: Vec::new(),
        };
        let used = [
            Some(c.id),
            Some(c.name),
            c.kind,
            Some(c.lon),
            Some(c.lat),
            c.status,
        ];
        c.extra = (0..names.len())
            .filter(|i| !used.contains(&Some(*i)))
            .collect();
        c.extra_names = c.extra.iter().map(|&i| names[i].to_owned()).collect();
        Ok(c)
    }
}

fn csv_error(path: &Path, e: csv::Error) -> Error {
    Error::Csv {
        path: path.to_owned(),
        line: e.position().map_or(0, csv::Position::line),
        source: e,
    }
}
