//! CSV town points.

use std::fs::File;
use std::io::BufReader;

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
/// assert!(towns.towns.len() > 5);
/// # Ok::<(), citybelt::Error>(())
/// ```
pub fn load_towns(input: &TownInput) -> Result<Towns> {
    let path = input.path.as_path();
    let file = File::open(path).map_err(|e| Error::io(path, "cannot open town file", e))?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(BufReader::new(file));
    let csv_err = |e: csv::Error| Error::Csv {
        path: path.to_owned(),
        line: e.position().map_or(0, csv::Position::line),
        source: e,
    };
    let headers = reader.headers().map_err(csv_err)?.clone();
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
    let column = |name: &str, role: &'static str| -> Result<usize> {
        names
            .iter()
            .position(|h| *h == name)
            .ok_or_else(|| Error::MissingColumn {
                path: path.to_owned(),
                column: name.to_owned(),
                role,
                found: names.join(", "),
            })
    };
    let c_id = column(&input.id, "town id")?;
    let c_name = column(&input.name, "town name")?;
    let c_kind = column(&input.kind, "town kind")?;
    let c_lon = column(&input.lon, "longitude")?;
    let c_lat = column(&input.lat, "latitude")?;
    let c_status = input
        .status
        .as_deref()
        .map(|s| column(s, "status"))
        .transpose()?;
    let used = [
        Some(c_id),
        Some(c_name),
        Some(c_kind),
        Some(c_lon),
        Some(c_lat),
        c_status,
    ];
    let extra_idx: Vec<usize> = (0..names.len())
        .filter(|i| !used.contains(&Some(*i)))
        .collect();

    let mut towns = Vec::new();
    let mut record = csv::StringRecord::new();
    while reader.read_record(&mut record).map_err(csv_err)? {
        let line = record.position().map_or(0, csv::Position::line);
        let bad = |field: &str, expected: &str, found: &str| Error::BadValue {
            path: path.to_owned(),
            location: format!("line {line}"),
            field: field.to_owned(),
            expected: expected.to_owned(),
            found: found.to_owned(),
        };
        let get = |i: usize| record.get(i).unwrap_or("").trim();
        let coord = |i: usize, field: &str, limit: f64| -> Result<f64> {
            let text = get(i);
            text.parse::<f64>()
                .ok()
                .filter(|v| v.is_finite() && v.abs() <= limit)
                .ok_or_else(|| {
                    bad(
                        field,
                        &format!("a number of WGS84 degrees between -{limit} and {limit}"),
                        text,
                    )
                })
        };
        let lon = coord(c_lon, &input.lon, 180.0)?;
        let lat = coord(c_lat, &input.lat, 90.0)?;
        let kind: TownKind = get(c_kind).parse().map_err(|_| {
            bad(
                &input.kind,
                "one of county_seat, town, township, street, unknown",
                get(c_kind),
            )
        })?;
        towns.push(Town {
            id: get(c_id).to_owned(),
            name: get(c_name).to_owned(),
            kind,
            position: Point::new(lon, lat),
            status: c_status.map(|i| get(i).to_owned()),
            extra: extra_idx.iter().map(|&i| get(i).to_owned()).collect(),
            line,
        });
    }
    Ok(Towns {
        path: path.to_owned(),
        extra_columns: extra_idx.iter().map(|&i| names[i].to_owned()).collect(),
        towns,
    })
}
