//! The whole job in one call: load → resolve the region → index → analyse → export.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::analyse::{Analysis, analyse};
use crate::config::{BoundaryInput, PartialPolicy, Region, RegionConfig, TownInput};
use crate::error::Result;
use crate::export::{ExportOptions, OutputFormat, Results, export};
use crate::index::CountyIndex;
use crate::load::{load_boundaries, load_towns};
use crate::model::{Boundaries, Towns};

/// What to run. Only `config` is required; the other fields override the configuration.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// The region configuration file.
    pub config: PathBuf,
    /// Boundary file instead of the configured one (same property names).
    pub boundaries: Option<PathBuf>,
    /// Town file instead of the configured one (same column names).
    pub towns: Option<PathBuf>,
    /// Partial policy instead of the configured one.
    pub partial: Option<PartialPolicy>,
    /// Where to write the layers; `None` writes nothing.
    pub out: Option<PathBuf>,
    /// Coordinate decimals instead of the configured ones.
    pub precision: Option<u8>,
    /// Formats of the layers; empty means GeoJSON only.
    pub formats: Vec<OutputFormat>,
    /// Also render `map.png` (see [`ExportOptions::map_png`]).
    pub map_png: bool,
}

/// Wall time of each stage.
#[derive(Debug, Clone, Copy, Default)]
pub struct Timings {
    /// Reading the configuration, boundaries and towns, and resolving the region.
    pub load: Duration,
    /// Building the R-tree.
    pub index: Duration,
    /// Locating towns, areas, counts, outlines.
    pub analyse: Duration,
    /// Writing the outputs.
    pub export: Duration,
}

/// What a run produced.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The resolved region.
    pub region: Region,
    /// The boundaries.
    pub boundaries: Boundaries,
    /// The towns.
    pub towns: Towns,
    /// The analysis.
    pub analysis: Analysis,
    /// Files written (empty when `out` was `None`).
    pub written: Vec<PathBuf>,
    /// Remarks about the outputs (values a format could not hold whole, a skipped
    /// `map.png`).
    pub notes: Vec<String>,
    /// Stage timings.
    pub timings: Timings,
}

impl Outcome {
    /// The parts exporters take.
    pub fn results(&self) -> Results<'_> {
        Results {
            region: &self.region,
            boundaries: &self.boundaries,
            towns: &self.towns,
            analysis: &self.analysis,
        }
    }
}

/// Boundaries through GDAL when it is built in and the source is not one the pure-Rust
/// loader reads (see [`crate::load::gdal::wants`]), else through [`load_boundaries`].
fn read_boundaries(input: &BoundaryInput) -> Result<Boundaries> {
    #[cfg(feature = "gdal")]
    if crate::load::gdal::wants(&input.path) {
        return crate::load::gdal::load_boundaries(input);
    }
    load_boundaries(input)
}

/// Towns through GDAL or [`load_towns`], as [`read_boundaries`].
fn read_towns(input: &TownInput) -> Result<Towns> {
    #[cfg(feature = "gdal")]
    if crate::load::gdal::wants(&input.path) {
        return crate::load::gdal::load_towns(input);
    }
    load_towns(input)
}

/// Runs the whole job.
///
/// # Errors
/// Any error of loading, configuration or writing; when writing fails nothing is left in the
/// output folder.
///
/// # Examples
/// ```
/// use citybelt::pipeline::{RunOptions, run};
/// let outcome = run(&RunOptions {
///     config: "tests/fixtures/grid_region.toml".into(),
///     ..RunOptions::default()
/// })?;
/// assert_eq!(outcome.analysis.counties.len(), 3);
/// # Ok::<(), citybelt::Error>(())
/// ```
pub fn run(opts: &RunOptions) -> Result<Outcome> {
    let t0 = Instant::now();
    let config = RegionConfig::from_path(&opts.config)?;
    let mut b_input = config.boundary_input();
    if let Some(p) = &opts.boundaries {
        b_input.path.clone_from(p);
    }
    let mut t_input = config.town_input();
    if let Some(p) = &opts.towns {
        t_input.path.clone_from(p);
    }
    let boundaries = read_boundaries(&b_input)?;
    let region = config.resolve(&boundaries, opts.partial)?;
    let towns = read_towns(&t_input)?;
    let t1 = Instant::now();
    let index = CountyIndex::new(&boundaries);
    let t2 = Instant::now();
    let analysis = analyse(&region, &boundaries, &towns, &index);
    drop(index);
    let t3 = Instant::now();
    let mut outcome = Outcome {
        region,
        boundaries,
        towns,
        analysis,
        written: Vec::new(),
        notes: Vec::new(),
        timings: Timings::default(),
    };
    if let Some(dir) = &opts.out {
        let export_opts = ExportOptions {
            precision: opts.precision.unwrap_or(config.file.output.precision),
            formats: if opts.formats.is_empty() {
                vec![OutputFormat::GeoJson]
            } else {
                opts.formats.clone()
            },
            map_png: opts.map_png,
        };
        let exported = export(dir, outcome.results(), &export_opts)?;
        outcome.written = exported.files;
        outcome.notes = exported.notes;
    }
    let t4 = Instant::now();
    outcome.timings = Timings {
        load: t1 - t0,
        index: t2 - t1,
        analyse: t3 - t2,
        export: t4 - t3,
    };
    Ok(outcome)
}
