//! Exporters: GeoJSON layers (RFC 7946) and summary tables (CSV, JSON).
//!
//! Everything is written into a staging folder and renamed into place at the end
//! (see [`Staging`]), so a failed run leaves no partial file.

mod atomic;
mod geojson;
mod summary;

use std::path::{Path, PathBuf};

pub use self::atomic::Staging;
pub use self::geojson::{
    Geometry, belt_features, count_features, county_features, region_feature, town_features,
    write_collection,
};
pub use self::summary::{summary_csv, summary_json};

use crate::analyse::Analysis;
use crate::config::Region;
use crate::error::Result;
use crate::model::{Boundaries, Towns};

/// Output settings.
#[derive(Debug, Clone)]
pub struct ExportOptions {
    /// Decimal places of coordinates (6 ≈ 0.1 m).
    pub precision: u8,
}

impl Default for ExportOptions {
    fn default() -> Self {
        ExportOptions { precision: 6 }
    }
}

/// Everything an exporter needs: the inputs and the analysis of one run.
#[derive(Debug, Clone, Copy)]
pub struct Results<'a> {
    /// The resolved region.
    pub region: &'a Region,
    /// The boundaries it was resolved against.
    pub boundaries: &'a Boundaries,
    /// The towns.
    pub towns: &'a Towns,
    /// The analysis.
    pub analysis: &'a Analysis,
}

/// Writes every layer and table into `dir`, all or nothing, and returns the paths written:
///
/// - `counties.geojson`, `towns.geojson`, `belts.geojson`, `belts/<id>.geojson`,
///   `region.geojson`;
/// - `summary.csv`, `summary.json`.
///
/// # Errors
/// [`crate::Error::Io`] or [`crate::Error::Output`] naming the file; nothing is left behind.
pub fn export(dir: &Path, results: Results<'_>, opts: &ExportOptions) -> Result<Vec<PathBuf>> {
    let mut stage = Staging::new(dir)?;
    let p = opts.precision;
    stage.write("counties.geojson", |w| {
        write_collection(w, "counties", county_features(results), p)
    })?;
    stage.write("towns.geojson", |w| {
        write_collection(w, "towns", town_features(results), p)
    })?;
    stage.write("belts.geojson", |w| {
        write_collection(w, "belts", belt_features(results, None), p)
    })?;
    for (i, belt) in results.region.belts.iter().enumerate() {
        let id = &belt.spec.id;
        stage.write(format!("belts/{id}.geojson"), |w| {
            write_collection(w, id, belt_features(results, Some(i)), p)
        })?;
    }
    stage.write("region.geojson", |w| {
        write_collection(w, "region", std::iter::once(region_feature(results)), p)
    })?;
    stage.write("summary.csv", |w| summary_csv(w, results))?;
    stage.write("summary.json", |w| {
        serde_json::to_writer_pretty(&mut *w, &summary_json(results))?;
        w.write_all(b"\n")
    })?;
    stage.commit()
}

/// Writes the result of a point count to the GeoJSON file `path`, all or nothing: one feature
/// per boundary with its id (under the boundary file's id property name), name, `count`,
/// `area_km2` and `points_per_10k_km2`.
///
/// # Errors
/// [`crate::Error::Io`] or [`crate::Error::Output`] naming the file.
pub fn export_counts(
    path: &Path,
    boundaries: &Boundaries,
    input: &crate::config::BoundaryInput,
    counts: &crate::analyse::PointCounts,
    areas_km2: &[f64],
    precision: u8,
) -> Result<PathBuf> {
    let name = path.file_name().ok_or_else(|| crate::Error::Output {
        path: path.to_owned(),
        message: "expected a file name".into(),
    })?;
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let layer = Path::new(name)
        .file_stem()
        .map_or_else(|| "counts".into(), |s| s.to_string_lossy().into_owned());
    let mut stage = Staging::new(dir)?;
    stage.write(name, |w| {
        write_collection(
            w,
            &layer,
            geojson::count_features(boundaries, input, counts, areas_km2),
            precision,
        )
    })?;
    Ok(stage.commit()?.remove(0))
}
