//! CSV town points, read row by row.
//!
//! What a CSV does not say is found out from its first mebibyte:
//!
//! - the **encoding**: the input's `encoding`, else UTF-8 when there is a byte-order mark or
//!   the bytes are valid UTF-8, else GBK (a `encoding_guessed` warning; an error under
//!   `strict`). Non-UTF-8 text is transcoded while it streams;
//! - the **delimiter**: whichever of comma, semicolon and tab is most frequent outside quotes
//!   in the header line;
//! - the **coordinate columns**, when not configured: the first column named `lon`, `lng`,
//!   `long`, `longitude`, `x` or `经度` and the first named `lat`, `latitude`, `y` or `纬度`
//!   (any case), else a WKT column named `wkt`, `geometry`, `geom` or `the_geom`.
//!
//! A CSV states no CRS: the input's `crs`, else WGS84 with a `crs_assumed` warning.

use std::fs::File;
use std::io::{BufReader, Cursor, Read};
use std::path::{Path, PathBuf};

use super::LoadOptions;
use super::build::{FileCrs, resolve_crs};
use super::text::{self, TextEncoding};
use super::towns::{TownMaker, TownParts};
use crate::config::TownInput;
use crate::crs::{Axis, Crs, ToWgs84};
use crate::error::{Error, Result};
use crate::model::{SourceInfo, Town, Warning};

/// How much of the file is looked at to find its encoding and delimiter.
///
/// # Units
/// bytes
const SAMPLE_BYTES: usize = 1 << 20;

const LON_NAMES: [&str; 6] = ["lon", "lng", "long", "longitude", "x", "经度"];
const LAT_NAMES: [&str; 4] = ["lat", "latitude", "y", "纬度"];
const WKT_NAMES: [&str; 4] = ["wkt", "geometry", "geom", "the_geom"];

/// Where the position of a town is in a row.
#[derive(Debug, Clone)]
enum Position {
    LonLat {
        lon: usize,
        lat: usize,
        lon_name: String,
        lat_name: String,
    },
    Wkt {
        column: usize,
        name: String,
    },
}

/// Where each configured column is in the header.
#[derive(Debug, Clone)]
struct Columns {
    id: usize,
    name: usize,
    kind: Option<usize>,
    status: Option<usize>,
    position: Position,
    extra: Vec<usize>,
    extra_names: Vec<String>,
}

/// The rows of an open CSV file.
pub(crate) struct CsvRows {
    path: PathBuf,
    reader: csv::Reader<Box<dyn Read>>,
    columns: Columns,
    record: csv::StringRecord,
}

impl CsvRows {
    /// Opens the file, finds its encoding, delimiter and columns, and decides its CRS.
    pub(crate) fn open(
        path: &Path,
        input: &TownInput,
        require_kind: bool,
        opts: &LoadOptions,
        info: &mut SourceInfo,
        warnings: &mut Vec<Warning>,
    ) -> Result<(Self, ToWgs84)> {
        let file = File::open(path).map_err(|e| Error::io(path, "cannot open town file", e))?;
        let mut file = BufReader::with_capacity(1 << 20, file);
        let mut sample = Vec::with_capacity(64 * 1024);
        (&mut file)
            .take(SAMPLE_BYTES as u64)
            .read_to_end(&mut sample)
            .map_err(|e| Error::io(path, "cannot read town file", e))?;
        let complete = sample.len() < SAMPLE_BYTES;

        let encoding = match input.encoding {
            Some(enc) => {
                info.encoding = Some(format!("{enc} (configured)"));
                enc
            }
            None if sample.starts_with(b"\xEF\xBB\xBF") => {
                info.encoding = Some("UTF-8 (byte-order mark)".into());
                TextEncoding::UTF_8
            }
            None => {
                let (enc, _) = text::guess(&sample, complete);
                if !enc.is_utf8() {
                    if opts.strict {
                        return Err(Error::Input {
                            path: path.to_owned(),
                            message: "the text is not UTF-8, and --strict forbids guessing its encoding; name it with --encoding (e.g. gbk)".into(),
                        });
                    }
                    warnings.push(Warning {
                        code: "encoding_guessed",
                        count: 1,
                        message: format!(
                            "{}: the text is not valid UTF-8; read as {enc} (guessed). Name the encoding with --encoding if names look wrong",
                            path.display()
                        ),
                    });
                    info.encoding = Some(format!("{enc} (guessed)"));
                } else {
                    info.encoding = Some("UTF-8".into());
                }
                enc
            }
        };
        let delimiter = detect_delimiter(&sample);
        let raw: Box<dyn Read> = Box::new(Cursor::new(sample).chain(file));
        let source: Box<dyn Read> = if encoding.is_utf8() {
            raw
        } else {
            Box::new(
                encoding_rs_io::DecodeReaderBytesBuilder::new()
                    .encoding(Some(encoding.encoding()))
                    .build(raw),
            )
        };
        // Rows end at `\n` (a `\r` before it is trimmed with the field): with the default
        // CRLF terminator the csv crate numbers the lines of CRLF files one too low.
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .delimiter(delimiter)
            .terminator(csv::Terminator::Any(b'\n'))
            .from_reader(source);
        let headers = reader.headers().map_err(|e| csv_error(path, e))?.clone();
        let columns = Columns::find(path, &headers, input, require_kind)?;
        let transform = resolve_crs(
            path,
            input.crs.as_ref(),
            input.datum,
            FileCrs::Unstated,
            opts,
            info,
            warnings,
        )?;
        Ok((
            CsvRows {
                path: path.to_owned(),
                reader,
                columns,
                record: csv::StringRecord::new(),
            },
            transform,
        ))
    }

    /// Names of the columns kept as [`Town::extra`].
    pub(crate) fn extra_columns(&self) -> &[String] {
        &self.columns.extra_names
    }

    /// The next town, `None` at the end.
    pub(crate) fn next_town(&mut self, maker: &TownMaker) -> Option<Result<Town>> {
        match self.reader.read_record(&mut self.record) {
            Ok(false) => None,
            Ok(true) => Some(self.parse(maker)),
            Err(e) => Some(Err(csv_error(&self.path, e))),
        }
    }

    fn parse(&self, maker: &TownMaker) -> Result<Town> {
        let record = &self.record;
        let line = record.position().map_or(0, csv::Position::line);
        let location = format!("line {line}");
        let c = &self.columns;
        let get = |i: usize| record.get(i).unwrap_or("").trim();
        let bad = |field: &str, expected: String, found: &str| Error::BadValue {
            path: self.path.clone(),
            location: location.clone(),
            field: field.to_owned(),
            expected,
            found: found.to_owned(),
        };
        let (xy, fields) = match &c.position {
            Position::LonLat {
                lon,
                lat,
                lon_name,
                lat_name,
            } => {
                let number = |i: usize, field: &str, axis: Axis| -> Result<f64> {
                    let text = get(i);
                    text.parse::<f64>()
                        .ok()
                        .filter(|v| v.is_finite())
                        .ok_or_else(|| {
                            bad(field, number_expected(maker.transform.crs(), axis), text)
                        })
                };
                let x = number(*lon, lon_name, Axis::X)?;
                let y = number(*lat, lat_name, Axis::Y)?;
                ((x, y), Some((lon_name.as_str(), lat_name.as_str())))
            }
            Position::Wkt { column, name } => {
                let text = get(*column);
                let xy = parse_wkt_point(text).ok_or_else(|| {
                    bad(
                        name,
                        "a WKT point such as `POINT (104.1 30.6)` with finite coordinates".into(),
                        text,
                    )
                })?;
                (xy, None)
            }
        };
        maker.make(
            TownParts {
                location: &location,
                line,
                id: get(c.id).to_owned(),
                name: get(c.name).to_owned(),
                kind: c.kind.map(get),
                status: c.status.map(|i| get(i).to_owned()),
                extra: c.extra.iter().map(|&i| get(i).to_owned()).collect(),
            },
            xy,
            fields,
        )
    }
}

/// What a coordinate column must hold, for messages.
fn number_expected(crs: &Crs, axis: Axis) -> String {
    match (crs, axis) {
        (Crs::Wgs84, Axis::X) => "a number of WGS84 degrees between -180 and 180".into(),
        (Crs::Wgs84, Axis::Y) => "a number of WGS84 degrees between -90 and 90".into(),
        (other, Axis::X) if other.is_geographic() => format!("a longitude in {other}"),
        (other, Axis::Y) if other.is_geographic() => format!("a latitude in {other}"),
        (other, Axis::X) => format!("an easting in {other}"),
        (other, Axis::Y) => format!("a northing in {other}"),
    }
}

/// The delimiter most frequent outside quotes in the first line: comma, semicolon or tab.
fn detect_delimiter(sample: &[u8]) -> u8 {
    let mut counts = [(b',', 0usize), (b';', 0), (b'\t', 0)];
    let mut quoted = false;
    for &b in sample {
        match b {
            b'"' => quoted = !quoted,
            b'\n' if !quoted => break,
            _ if !quoted => {
                if let Some(c) = counts.iter_mut().find(|(d, _)| *d == b) {
                    c.1 += 1;
                }
            }
            _ => {}
        }
    }
    // Ties go to the earlier entry: comma first.
    counts
        .iter()
        .fold(
            (b',', 0),
            |best, &(d, n)| if n > best.1 { (d, n) } else { best },
        )
        .0
}

/// `POINT (x y)`, `POINT Z (x y z)`, `POINT(x y)`, any case; `None` for anything else or an
/// empty point.
fn parse_wkt_point(text: &str) -> Option<(f64, f64)> {
    let t = text.trim();
    let upper = t.to_ascii_uppercase();
    let rest = upper.strip_prefix("POINT")?.trim_start();
    let rest = rest
        .trim_start_matches("ZM")
        .trim_start_matches('Z')
        .trim_start_matches('M')
        .trim();
    let inner = rest.strip_prefix('(')?.strip_suffix(')')?;
    let mut nums = inner.split_whitespace().map(str::parse::<f64>);
    let x = nums.next()?.ok()?;
    let y = nums.next()?.ok()?;
    (x.is_finite() && y.is_finite()).then_some((x, y))
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
                let h = if i == 0 {
                    h.trim_start_matches('\u{feff}')
                } else {
                    h
                };
                h.trim()
            })
            .collect();
        let position = |name: &str| names.iter().position(|h| *h == name);
        let by_names = |candidates: &[&str]| {
            names
                .iter()
                .position(|h| candidates.iter().any(|c| h.to_lowercase() == *c))
        };
        let missing = |column: &str, role: &'static str| Error::MissingColumn {
            path: path.to_owned(),
            column: column.to_owned(),
            role,
            found: names.join(", "),
        };
        let column = |name: &str, role: &'static str| -> Result<usize> {
            position(name).ok_or_else(|| missing(name, role))
        };
        let kind = if require_kind {
            Some(column(&input.kind, "town kind")?)
        } else {
            position(&input.kind)
        };
        let lon_lat = |lon: usize, lat: usize| Position::LonLat {
            lon,
            lat,
            lon_name: names[lon].to_owned(),
            lat_name: names[lat].to_owned(),
        };
        let pos = match (&input.lon, &input.lat, &input.wkt) {
            (None, None, Some(w)) => Position::Wkt {
                column: column(w, "WKT position")?,
                name: w.clone(),
            },
            (Some(lon), Some(lat), _) => {
                lon_lat(column(lon, "longitude")?, column(lat, "latitude")?)
            }
            (Some(lon), None, _) => lon_lat(
                column(lon, "longitude")?,
                by_names(&LAT_NAMES)
                    .ok_or_else(|| missing("lat", "latitude; also looked for latitude, y, 纬度"))?,
            ),
            (None, Some(lat), _) => lon_lat(
                by_names(&LON_NAMES).ok_or_else(|| {
                    missing(
                        "lon",
                        "longitude; also looked for lng, long, longitude, x, 经度",
                    )
                })?,
                column(lat, "latitude")?,
            ),
            (None, None, None) => match (
                by_names(&LON_NAMES),
                by_names(&LAT_NAMES),
                by_names(&WKT_NAMES),
            ) {
                (Some(lon), Some(lat), _) => lon_lat(lon, lat),
                (_, _, Some(w)) => Position::Wkt {
                    column: w,
                    name: names[w].to_owned(),
                },
                _ => {
                    return Err(missing(
                        "lon",
                        "coordinates: looked for lon, lng, long, longitude, x or 经度 with lat, latitude, y or 纬度, or a WKT column wkt, geometry, geom or the_geom; name them with `lon`/`lat` or `wkt` in the region file",
                    ));
                }
            },
        };
        let mut c = Columns {
            id: column(&input.id, "town id")?,
            name: column(&input.name, "town name")?,
            kind,
            status: input
                .status
                .as_deref()
                .map(|s| column(s, "status"))
                .transpose()?,
            position: pos,
            extra: Vec::new(),
            extra_names: Vec::new(),
        };
        let mut used = vec![Some(c.id), Some(c.name), c.kind, c.status];
        match &c.position {
            Position::LonLat { lon, lat, .. } => used.extend([Some(*lon), Some(*lat)]),
            Position::Wkt { column, .. } => used.push(Some(*column)),
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delimiters() {
        assert_eq!(detect_delimiter(b"id,name,lon,lat\n1,a,2,3"), b',');
        assert_eq!(
            detect_delimiter(b"id;name;lon;lat\n1;\"a,b\";2,5;3,5"),
            b';'
        );
        assert_eq!(detect_delimiter(b"id\tname\tlon\tlat\n"), b'\t');
        assert_eq!(detect_delimiter(b"\"a;b\",c,d\n"), b',');
        assert_eq!(detect_delimiter(b"single"), b',');
    }

    #[test]
    fn wkt_points() {
        assert_eq!(parse_wkt_point("POINT (104.1 30.6)"), Some((104.1, 30.6)));
        assert_eq!(parse_wkt_point("point(104.1 30.6)"), Some((104.1, 30.6)));
        assert_eq!(parse_wkt_point("POINT Z (1 2 3)"), Some((1.0, 2.0)));
        assert_eq!(parse_wkt_point("POINT EMPTY"), None);
        assert_eq!(parse_wkt_point("LINESTRING (1 2, 3 4)"), None);
        assert_eq!(parse_wkt_point("POINT (NaN 1)"), None);
    }
}
