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
    /// Number of columns in the header.
    pub count: usize,
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
            count: names.len(),
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
        self.next_line += memchr::memchr_iter(b'\n', &bytes).count() as u64;
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
    if block.bytes.contains(&b'"') {
        parse_quoted(block, cols, out)
    } else {
        parse_plain(block, cols, out)
    }
}

/// Parses a block without quotes: fields are what lies between commas.
fn parse_plain(block: &Block, cols: &PointColumns, out: &mut Vec<[f64; 2]>) -> Result<()> {
    let (lon_i, lat_i) = (cols.lon.0, cols.lat.0);
    // The common layout `…,lon,lat` reads the two fields from the end of each row; any other
    // walks the fields from the start.
    let trailing =
        cols.count >= 2 && lon_i.max(lat_i) == cols.count - 1 && lon_i.min(lat_i) == cols.count - 2;
    let bytes = &block.bytes;
    let tail = (bytes.last() != Some(&b'\n')).then_some(bytes.len());
    let (mut line, mut start) = (block.first_line, 0);
    for end in memchr::memchr_iter(b'\n', bytes).chain(tail) {
        let row = &bytes[start..end];
        start = end + 1;
        let row = row.strip_suffix(b"\r").unwrap_or(row);
        if !row.is_empty() {
            let (lon, lat) = if trailing {
                last_two(row, lon_i < lat_i, cols.count)
            } else {
                by_index(row, lon_i, lat_i)
            };
            out.push([
                coordinate(lon, &cols.lon.1, 180.0, &cols.path, line)?,
                coordinate(lat, &cols.lat.1, 90.0, &cols.path, line)?,
            ]);
        }
        line += 1;
    }
    Ok(())
}

/// The (lon, lat) fields of a row whose last two fields they are; empty when missing.
fn last_two(row: &[u8], lon_first: bool, count: usize) -> (&[u8], &[u8]) {
    let c1 = memchr::memrchr(b',', row);
    let c0 = c1.and_then(|c| memchr::memrchr(b',', &row[..c]));
    let (second_last, last): (&[u8], &[u8]) = match (c0, c1) {
        (Some(a), Some(b)) => (&row[a + 1..b], &row[b + 1..]),
        (None, Some(b)) if count == 2 => (&row[..b], &row[b + 1..]),
        _ => (b"", b""),
    };
    if lon_first {
        (second_last, last)
    } else {
        (last, second_last)
    }
}

/// The (lon, lat) fields of a row by their indices; empty when missing.
fn by_index(row: &[u8], lon_i: usize, lat_i: usize) -> (&[u8], &[u8]) {
    let last = lon_i.max(lat_i);
    let (mut lon, mut lat): (&[u8], &[u8]) = (b"", b"");
    let (mut field, mut from) = (0, 0);
    for to in memchr::memchr_iter(b',', row).chain([row.len()]) {
        if field == lon_i {
            lon = &row[from..to];
        } else if field == lat_i {
            lat = &row[from..to];
        }
        if field == last {
            break;
        }
        field += 1;
        from = to + 1;
    }
    (lon, lat)
}

/// A coordinate field as WGS84 degrees within `±limit`.
fn coordinate(raw: &[u8], name: &str, limit: f64, path: &Path, line: u64) -> Result<f64> {
    decimal(raw)
        .or_else(|| {
            std::str::from_utf8(raw)
                .ok()
                .and_then(|s| s.trim().parse::<f64>().ok())
        })
        .filter(|v| v.is_finite() && v.abs() <= limit)
        .ok_or_else(|| Error::BadValue {
            path: path.to_owned(),
            location: format!("line {line}"),
            field: name.to_owned(),
            expected: format!("a number of WGS84 degrees between -{limit} and {limit}"),
            found: String::from_utf8_lossy(raw).into_owned(),
        })
}

/// Powers of ten that are exact in an `f64`.
const POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// Plain decimals (`-104.084706`) the quick way, `None` for anything else (exponents, spaces,
/// more digits than an `f64` holds exactly), which then goes to the standard parser.
///
/// The digits form an integer `m < 2^53` and the value is `m / 10^k` with `k ≤ 22`: both are
/// exact in an `f64`, so the one division is correctly rounded and the result is bit for bit
/// what `str::parse::<f64>` returns (Clinger's fast path).
fn decimal(raw: &[u8]) -> Option<f64> {
    let (neg, digits) = match raw.first()? {
        b'-' => (true, &raw[1..]),
        b'+' => (false, &raw[1..]),
        _ => (false, raw),
    };
    let mut m: u64 = 0;
    let mut frac_digits: Option<usize> = None;
    let mut n_digits = 0;
    for &b in digits {
        match b {
            b'0'..=b'9' => {
                m = m * 10 + u64::from(b - b'0');
                n_digits += 1;
                if let Some(k) = frac_digits.as_mut() {
                    *k += 1;
                }
                if n_digits > 15 {
                    return None;
                }
            }
            b'.' if frac_digits.is_none() => frac_digits = Some(0),
            _ => return None,
        }
    }
    let k = frac_digits.unwrap_or(0);
    if n_digits == 0 || k >= POW10.len() {
        return None;
    }
    let v = m as f64 / POW10[k];
    Some(if neg { -v } else { v })
}

/// Parses a block with quoted fields through the CSV reader.
fn parse_quoted(block: &Block, cols: &PointColumns, out: &mut Vec<[f64; 2]>) -> Result<()> {
    // `\n` ends rows so that lines are numbered right in CRLF files too (the `\r` is trimmed
    // with the last field).
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(false)
        .terminator(csv::Terminator::Any(b'\n'))
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
        let line = line_of(&record);
        let value = |(i, name): &(usize, String), limit: f64| {
            coordinate(record.get(*i).unwrap_or(b""), name, limit, &cols.path, line)
        };
        out.push([value(&cols.lon, 180.0)?, value(&cols.lat, 90.0)?]);
    }
}

#[cfg(test)]
mod tests {
    use super::decimal;

    #[test]
    fn quick_decimals_match_the_standard_parser() {
        let mut s: u64 = 7;
        for _ in 0..200_000 {
            s = s
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            let v = (s >> 11) as f64 / (1u64 << 53) as f64 * 360.0 - 180.0;
            for text in [
                format!("{v}"),
                format!("{v:.6}"),
                format!("{v:.3}"),
                format!("{v:.0}"),
            ] {
                let digits = text.bytes().filter(u8::is_ascii_digit).count();
                match decimal(text.as_bytes()) {
                    Some(q) => assert_eq!(
                        q.to_bits(),
                        text.parse::<f64>().unwrap().to_bits(),
                        "{text}"
                    ),
                    None => assert!(digits > 15, "{text} should take the quick path"),
                }
            }
        }
        for odd in [
            "1e5",
            " 104.1",
            "104.1 ",
            "",
            "-",
            ".",
            "1.2.3",
            "12a",
            "0x10",
            "12345678901234567",
        ] {
            assert_eq!(decimal(odd.as_bytes()), None, "{odd}");
        }
        assert_eq!(decimal(b".5"), Some(0.5));
        assert_eq!(decimal(b"-0"), Some(-0.0));
    }
}
