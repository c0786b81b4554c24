//! Points by the million: a CSV read in blocks of whole lines that worker threads parse on
//! their own, keeping only the two coordinate columns.
//!
//! [`PointBlocks`] cuts the file into blocks of about [`BLOCK_BYTES`] at line ends that lie
//! outside quoted fields (a quoted field may hold a line break), and numbers each block's first
//! line, so that a worker's error still names the file's line. [`parse_block`] turns a block
//! into coordinates.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// Size of one block handed to a worker.
pub const BLOCK_BYTES: usize = 4 << 20;

/// Where the coordinates are in each row.
#[derive(Debug, Clone)]
pub struct PointColumns {
    /// The file (for messages).
    pub path: PathBuf,
    /// Longitude column: index and name.
    pub lon: (usize, String),
    /// Latitude column: index and name.
    pub lat: (usize, String),
}

/// A run of whole CSV lines.
#[derive(Debug)]
pub struct Block {
    /// The lines' bytes.
    pub bytes: Vec<u8>,
    /// 1-based line number of the first line.
    pub first_line: u64,
}

/// Reads a CSV file as blocks of whole lines after its header.
pub struct PointBlocks {
    file: File,
    path: PathBuf,
    columns: PointColumns,
    carry: Vec<u8>,
    next_line: u64,
    done: bool,
    bytes_read: u64,
    len: u64,
}

impl PointBlocks {
    /// Opens `path` and finds the `lon` and `lat` columns in its header.
    ///
    /// # Errors
    /// [`Error::Io`] if the file cannot be read, [`Error::MissingColumn`] if a column is
    /// missing, [`Error::BadValue`] if there is no header line.
    pub fn open(path: &Path, lon: &str, lat: &str) -> Result<Self> {
        let mut file =
            File::open(path).map_err(|e| Error::io(path, "cannot open point file", e))?;
        let len = file.metadata().map(|m| m.len()).unwrap_or(0);
        // Read until the header line is complete.
        let mut carry = Vec::new();
        let mut buf = vec![0u8; 64 << 10];
        let header_end = loop {
            if let Some(i) = carry.iter().position(|&b| b == b'\n') {
                break i;
            }
            let n = file
                .read(&mut buf)
                .map_err(|e| Error::io(path, "cannot read", e))?;
            if n == 0 {
                if carry.is_empty() {
                    return Err(Error::BadValue {
                        path: path.to_owned(),
                        location: "line 1".into(),
                        field: "header".into(),
                        expected: "a header row naming the columns".into(),
                        found: "an empty file".into(),
                    });
                }
                break carry.len();
            }
            carry.extend_from_slice(&buf[..n]);
        };
        let header = String::from_utf8_lossy(&carry[..header_end]);
        let names: Vec<String> = header
            .trim_end_matches('\r')
            .trim_start_matches('\u{feff}')
            .split(',')
            .map(|s| s.trim().trim_matches('"').to_owned())
            .collect();
        let find = |name: &str, role: &'static str| {
            names
                .iter()
                .position(|h| h == name)
                .map(|i| (i, name.to_owned()))
                .ok_or_else(|| Error::MissingColumn {
                    path: path.to_owned(),
                    column: name.to_owned(),
                    role,
                    found: names.join(", "),
                })
        };
        let columns = PointColumns {
            path: path.to_owned(),
            lon: find(lon, "longitude")?,
            lat: find(lat, "latitude")?,
        };
        let rest = carry.split_off((header_end + 1).min(carry.len()));
        Ok(PointBlocks {
            file,
            path: path.to_owned(),
            columns,
            bytes_read: (header_end + 1) as u64,
            carry: rest,
            next_line: 2,
            done: false,
            len,
        })
    }

    /// The coordinate columns.
    pub fn columns(&self) -> &PointColumns {
        &self.columns
    }

    /// Size of the file.
    ///
    /// # Units
    /// bytes
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether the file is empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Bytes read so far, header included.
    ///
    /// # Units
    /// bytes
    pub fn bytes_read(&self) -> u64 {
        self.bytes_read
    }
}

impl Iterator for PointBlocks {
    type Item = Result<Block>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let mut bytes = std::mem::take(&mut self.carry);
        let start = bytes.len();
        bytes.resize(start.max(BLOCK_BYTES), 0);
        let mut filled = start;
        while filled < bytes.len() {
            match self.file.read(&mut bytes[filled..]) {
                Ok(0) => {
                    self.done = true;
                    break;
                }
                Ok(n) => filled += n,
                Err(e) => return Some(Err(Error::io(&self.path, "cannot read", e))),
            }
        }
        bytes.truncate(filled);
        self.bytes_read += (filled - start) as u64;
        if !self.done {
            // Keep the trailing partial line (and any line inside an open quote) for later.
            match last_line_end(&bytes) {
                Some(end) => self.carry = bytes.split_off(end + 1),
                None => {
                    // No complete line yet: read on with a larger buffer.
                    self.carry = bytes;
                    return self.next();
                }
            }
        }
        if bytes.is_empty() {
            return None;
        }
        let first_line = self.next_line;
        self.next_line += bytes.iter().filter(|&&b| b == b'\n').count() as u64;
        Some(Ok(Block { bytes, first_line }))
    }
}

/// The position of the last line break outside quoted fields.
fn last_line_end(bytes: &[u8]) -> Option<usize> {
    if !bytes.contains(&b'"') {
        return bytes.iter().rposition(|&b| b == b'\n');
    }
    let mut in_quotes = false;
    let mut last = None;
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'"' => in_quotes = !in_quotes,
            b'\n' if !in_quotes => last = Some(i),
            _ => {}
        }
    }
    last
}

/// Parses a block's rows into WGS84 lon/lat pairs, appending to `out`.
///
/// # Errors
/// [`Error::Csv`] for a malformed row and [`Error::BadValue`] for a coordinate that is not a
/// number in range, each with the file's line number.
pub fn parse_block(block: &Block, cols: &PointColumns, out: &mut Vec<[f64; 2]>) -> Result<()> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(false)
        .from_reader(block.bytes.as_slice());
    let mut record = csv::ByteRecord::new();
    let line_of = |r: &csv::ByteRecord| {
        block.first_line + r.position().map_or(0, |p| p.line().saturating_sub(1))
    };
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(false) => return Ok(()),
            Ok(true) => {}
            Err(e) => {
                return Err(Error::Csv {
                    path: cols.path.clone(),
                    line: block.first_line + e.position().map_or(0, |p| p.line().saturating_sub(1)),
                    source: e,
                });
            }
        }
        if record.len() == 1 && record[0].is_empty() {
            continue; // a blank line
        }
        let value = |(i, name): &(usize, String), limit: f64| -> Result<f64> {
            let raw = record.get(*i).unwrap_or(b"");
            std::str::from_utf8(raw)
                .ok()
                .and_then(|s| s.trim().parse::<f64>().ok())
                .filter(|v| v.is_finite() && v.abs() <= limit)
                .ok_or_else(|| Error::BadValue {
                    path: cols.path.clone(),
                    location: format!("line {}", line_of(&record)),
                    field: name.clone(),
                    expected: format!("a number of WGS84 degrees between -{limit} and {limit}"),
                    found: String::from_utf8_lossy(raw).into_owned(),
                })
        };
        out.push([value(&cols.lon, 180.0)?, value(&cols.lat, 90.0)?]);
    }
}
