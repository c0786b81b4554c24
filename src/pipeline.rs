//! The jobs in one call each: [`run`] (load → resolve the region → index → analyse → export)
//! and [`count`] (points by the million into any polygons).

use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::analyse::{Analysis, PointCounts, analyse, area_km2, count_points};
use crate::config::{BoundaryInput, PartialPolicy, Region, RegionConfig, TownInput};
use crate::error::Result;
use crate::export::{ExportOptions, OutputFormat, Results, export, export_counts};
use crate::index::CountyIndex;
use crate::load::{LoadOptions, PointBlocks, ReadSettings, load_boundaries_with, load_towns_with};
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
    /// How to read the boundaries, instead of the configured settings.
    pub boundary_settings: ReadSettings,
    /// How to read the towns, instead of the configured settings.
    pub town_settings: ReadSettings,
    /// Strictness and the handling of unreadable town rows.
    pub load: LoadOptions,
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
/// loader reads (see `crate::load::gdal::wants`), else through [`load_boundaries_with`].
fn read_boundaries(input: &BoundaryInput, opts: &LoadOptions) -> Result<Boundaries> {
    #[cfg(feature = "gdal")]
    if crate::load::gdal::wants(&input.path, input.format) {
        return crate::load::gdal::load_boundaries(input);
    }
    load_boundaries_with(input, opts)
}

/// Towns through GDAL or [`load_towns_with`], as [`read_boundaries`].
fn read_towns(input: &TownInput, opts: &LoadOptions) -> Result<Towns> {
    #[cfg(feature = "gdal")]
    if crate::load::gdal::wants(&input.path, input.format) {
        return crate::load::gdal::load_towns(input);
    }
    load_towns_with(input, opts)
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
    // A file given instead of the configured one keeps the configured property names, but
    // not what the configuration says about how to read the configured file (its format,
    // layer, CRS, offset, encoding): the new file's own metadata, or the flags, say that.
    if let Some(p) = &opts.boundaries {
        b_input.path.clone_from(p);
        (
            b_input.format,
            b_input.layer,
            b_input.crs,
            b_input.datum,
            b_input.encoding,
        ) = (None, None, None, None, None);
    }
    opts.boundary_settings.apply_to_boundaries(&mut b_input);
    let mut t_input = config.town_input();
    if let Some(p) = &opts.towns {
        t_input.path.clone_from(p);
        (
            t_input.format,
            t_input.layer,
            t_input.crs,
            t_input.datum,
            t_input.encoding,
        ) = (None, None, None, None, None);
    }
    opts.town_settings.apply_to_towns(&mut t_input);
    let boundaries = read_boundaries(&b_input, &opts.load)?;
    let region = config.resolve(&boundaries, opts.partial)?;
    let towns = read_towns(&t_input, &opts.load)?;
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

/// What to count: the "count points in polygon" job for any boundary layer and any number of
/// points.
#[derive(Debug, Clone)]
pub struct CountOptions {
    /// The polygons and their id and name properties (prefecture properties may be empty).
    pub boundaries: BoundaryInput,
    /// CSV of points with a header row.
    pub points: PathBuf,
    /// Longitude column (WGS84 degrees).
    pub lon: String,
    /// Latitude column (WGS84 degrees).
    pub lat: String,
    /// GeoJSON file to write; `None` writes nothing.
    pub out: Option<PathBuf>,
    /// Coordinate decimals of the output.
    pub precision: u8,
    /// Worker threads; 0 means one per core.
    pub threads: usize,
    /// Cells of the location grid; `None` chooses by the size of the point file (a grid pays
    /// from about a million points).
    pub grid_cells: Option<usize>,
}

/// Wall time of each stage of [`count`].
#[derive(Debug, Clone, Copy, Default)]
pub struct CountTimings {
    /// Reading the boundaries.
    pub load: Duration,
    /// Building the R-tree, the prepared polygons and the grid.
    pub index: Duration,
    /// Reading, parsing and locating every point (overlapped on all threads).
    pub count: Duration,
    /// Geodesic areas (computed on a thread of their own while the index is built and the
    /// points are counted, so not part of the total).
    pub area: Duration,
    /// Writing the output.
    pub export: Duration,
}

/// What [`count`] produced.
#[derive(Debug, Clone)]
pub struct CountOutcome {
    /// The boundaries.
    pub boundaries: Boundaries,
    /// The counts.
    pub counts: PointCounts,
    /// Geodesic area of each boundary.
    ///
    /// # Units
    /// km²
    pub areas_km2: Vec<f64>,
    /// Whether the location grid was used.
    pub grid: bool,
    /// Worker threads used.
    pub threads: usize,
    /// Files written.
    pub written: Vec<PathBuf>,
    /// Stage timings.
    pub timings: CountTimings,
}

/// Point files from this size on get a location grid.
///
/// # Units
/// bytes
const GRID_FROM_BYTES: u64 = 16 << 20;
/// Cells of the automatic location grid.
const GRID_CELLS: usize = 4_000_000;

/// Counts points into polygons: streams the point file through all cores, then writes one
/// feature per polygon with its count, geodesic area and density.
///
/// `progress(done, total)` is called as the point file is read, in bytes.
///
/// # Errors
/// Any error of loading or writing, naming the file and the feature or line.
///
/// # Examples
/// ```
/// use citybelt::config::BoundaryInput;
/// use citybelt::pipeline::{CountOptions, count};
/// let outcome = count(
///     &CountOptions {
///         boundaries: BoundaryInput::with_path("tests/fixtures/grid.geojson"),
///         points: "tests/fixtures/grid_towns.csv".into(),
///         lon: "lon".into(),
///         lat: "lat".into(),
///         out: None,
///         precision: 6,
///         threads: 2,
///         grid_cells: None,
///     },
///     &|_, _| {},
/// )?;
/// assert_eq!(outcome.counts.points, 14);
/// assert_eq!(outcome.counts.outside, 2);
/// # Ok::<(), citybelt::Error>(())
/// ```
pub fn count(opts: &CountOptions, progress: &dyn Fn(u64, u64)) -> Result<CountOutcome> {
    let t0 = Instant::now();
    let boundaries = read_boundaries(&opts.boundaries, &LoadOptions::default())?;
    let blocks = PointBlocks::open(&opts.points, &opts.lon, &opts.lat)?;
    let t1 = Instant::now();
    let cells = opts
        .grid_cells
        .unwrap_or(if blocks.len() >= GRID_FROM_BYTES {
            GRID_CELLS
        } else {
            0
        });
    let threads = if opts.threads == 0 {
        std::thread::available_parallelism().map_or(1, usize::from)
    } else {
        opts.threads
    };
    let total = blocks.len();
    // The areas need no point: compute them on a thread of their own while the index is
    // built and the points are counted.
    let (index_time, counts, count_done, areas_km2, area_time) = std::thread::scope(|s| {
        let areas = s.spawn(|| {
            let t = Instant::now();
            let a: Vec<f64> = boundaries
                .features
                .iter()
                .map(|b| area_km2(&b.geometry))
                .collect();
            (a, t.elapsed())
        });
        let t = Instant::now();
        let index = if cells > 0 {
            CountyIndex::with_grid(&boundaries, cells)
        } else {
            CountyIndex::new(&boundaries)
        };
        let index_time = t.elapsed();
        let counts = count_points(&index, blocks, threads, &|done| progress(done, total));
        let count_done = Instant::now();
        let (areas_km2, area_time) = areas.join().expect("the area thread panicked");
        (index_time, counts, count_done, areas_km2, area_time)
    });
    let counts = counts?;
    let t4 = Instant::now();
    let mut written = Vec::new();
    if let Some(out) = &opts.out {
        written.push(export_counts(
            out,
            &boundaries,
            &opts.boundaries,
            &counts,
            &areas_km2,
            opts.precision,
        )?);
    }
    let t5 = Instant::now();
    Ok(CountOutcome {
        boundaries,
        counts,
        areas_km2,
        grid: cells > 0,
        threads,
        written,
        timings: CountTimings {
            load: t1 - t0,
            index: index_time,
            count: count_done - t1 - index_time,
            area: area_time,
            export: t5 - t4,
        },
    })
}
