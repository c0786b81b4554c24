//! The `citybelt` command: turns arguments into a [`RunOptions`], runs the pipeline, prints
//! the report, and maps errors to one message and an exit code.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use citybelt::config::{BoundaryInput, PartialPolicy};
use citybelt::crs::{Crs, Datum};
use citybelt::export::{OutputFormat, summary_json};
use citybelt::load::{Format, LoadOptions, ReadSettings, TextEncoding};
use citybelt::model::TownKind;
use citybelt::pipeline::{CountOptions, Outcome, RunOptions, count, run};

/// Exit code for data and file errors.
const EXIT_DATA: u8 = 1;
/// Exit code for usage and configuration errors (clap uses it for bad arguments too).
const EXIT_CONFIG: u8 = 2;

/// Town density and belt membership of an urban agglomeration, from county boundaries and
/// town points, written as GIS layers.
#[derive(Parser)]
#[command(name = "citybelt", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Analyse the region and write its layers and summary tables.
    Run(RunArgs),
    /// Validate the configuration and inputs and print what a run would count; write nothing.
    Check(InputArgs),
    /// Count points (millions of them) into polygons: per polygon the count, geodesic area and
    /// density, written as GeoJSON. Needs no region configuration.
    Count(CountArgs),
}

#[derive(Args)]
struct CountArgs {
    /// Polygons (GeoJSON FeatureCollection, WGS84).
    #[arg(long, value_name = "FILE")]
    boundaries: PathBuf,
    /// Points (CSV with a header row, WGS84 lon/lat).
    #[arg(long, value_name = "FILE")]
    points: PathBuf,
    /// Output GeoJSON file.
    #[arg(long, short, value_name = "FILE", default_value = "counts.geojson")]
    out: PathBuf,
    /// Property holding each polygon's unique id.
    #[arg(long, value_name = "NAME", default_value = "adcode")]
    id_field: String,
    /// Property holding each polygon's name (`""` when the polygons have none).
    #[arg(long, value_name = "NAME", default_value = "name")]
    name_field: String,
    /// Longitude column of the points.
    #[arg(long, value_name = "NAME", default_value = "lon")]
    lon: String,
    /// Latitude column of the points.
    #[arg(long, value_name = "NAME", default_value = "lat")]
    lat: String,
    /// Worker threads (default: one per core).
    #[arg(long, value_name = "N", default_value_t = 0)]
    threads: usize,
    /// Cells of the location grid (0 = none; default: 4 million from 16 MB of points on).
    #[arg(long, value_name = "N")]
    grid_cells: Option<usize>,
    /// Coordinate decimals in the output.
    #[arg(long, value_name = "N", default_value_t = 6, value_parser = clap::value_parser!(u8).range(0..=15))]
    precision: u8,
    /// Print the timings and totals as JSON instead of the text report.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
struct InputArgs {
    /// Region configuration file (TOML).
    #[arg(long, value_name = "FILE", default_value_os_t = default_region())]
    region: PathBuf,
    /// County boundaries (GeoJSON; with the `gdal` feature any OGR source, `file|layername=x`
    /// for one layer) instead of the configured file.
    #[arg(long, value_name = "FILE")]
    boundaries: Option<PathBuf>,
    /// Town points (CSV; with the `gdal` feature any OGR source) instead of the configured
    /// file.
    #[arg(long, value_name = "FILE")]
    towns: Option<PathBuf>,
    /// Count partial members whole (`include`) or leave them out (`exclude`); overrides the
    /// configuration.
    #[arg(long, value_name = "POLICY", value_parser = parse_policy)]
    partial: Option<PartialPolicy>,
    /// Format of both inputs, when an extension does not tell it: geojson, geojsonseq,
    /// shapefile, gpkg, csv. (`--format` names the output formats of `run`.)
    #[arg(long, value_name = "FORMAT", value_parser = parse::<Format>)]
    input_format: Option<Format>,
    /// CRS of both inputs' coordinates, overriding the files' own (.prj, GeoJSON `crs`,
    /// GeoPackage srs_id): EPSG:4326, EPSG:4490, EPSG:4523, EPSG:32648, a PROJ string `+proj=…`.
    #[arg(long, value_name = "CRS", value_parser = parse::<Crs>)]
    crs: Option<Crs>,
    /// Web-map offset of both inputs to remove on load: gcj02 (Amap, Tencent) or bd09 (Baidu).
    #[arg(long, value_name = "DATUM", value_parser = parse::<Datum>)]
    datum: Option<Datum>,
    /// Text encoding of both inputs' attributes (utf-8, gbk, gb18030, big5, …), overriding
    /// the .cpg, the .dbf language driver and detection.
    #[arg(long, value_name = "ENCODING", value_parser = parse::<TextEncoding>)]
    encoding: Option<TextEncoding>,
    /// Format of the towns only (wins over --input-format).
    #[arg(long, value_name = "FORMAT", value_parser = parse::<Format>)]
    towns_format: Option<Format>,
    /// CRS of the towns only (wins over --crs).
    #[arg(long, value_name = "CRS", value_parser = parse::<Crs>)]
    towns_crs: Option<Crs>,
    /// Web-map offset of the towns only (wins over --datum; `wgs84` for none).
    #[arg(long, value_name = "DATUM", value_parser = parse::<Datum>)]
    towns_datum: Option<Datum>,
    /// Text encoding of the towns only (wins over --encoding).
    #[arg(long, value_name = "ENCODING", value_parser = parse::<TextEncoding>)]
    towns_encoding: Option<TextEncoding>,
    /// Refuse instead of repairing or assuming: invalid polygons, inputs that state no CRS,
    /// text encodings that would have to be guessed.
    #[arg(long, conflicts_with = "skip_bad_rows")]
    strict: bool,
    /// Skip town rows that cannot be read, and count them by reason in the report, instead of
    /// failing on the first.
    #[arg(long)]
    skip_bad_rows: bool,
}

#[derive(Args)]
struct RunArgs {
    #[command(flatten)]
    input: InputArgs,
    /// Output folder.
    #[arg(long, short, value_name = "DIR", default_value = "out")]
    out: PathBuf,
    /// Coordinate decimals in every format (default from the configuration, else 6).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u8).range(0..=15))]
    precision: Option<u8>,
    /// Formats of the layers, comma-separated: geojson, gpkg (one GeoPackage with every
    /// layer, the summary and the styles), shp (Shapefiles under shp/), fgb (FlatGeobuf).
    /// Styles, the QGIS project citybelt.qgs, map.svg and the summary tables are always
    /// written.
    #[arg(
        long,
        value_name = "LIST",
        value_delimiter = ',',
        default_value = "geojson",
        value_parser = parse::<OutputFormat>
    )]
    format: Vec<OutputFormat>,
    /// Do not render map.png (map.svg is still written).
    #[arg(long)]
    no_png: bool,
    /// Print the summary as JSON instead of the text report.
    #[arg(long)]
    json: bool,
}

fn parse_policy(s: &str) -> Result<PartialPolicy, String> {
    s.parse()
}

fn parse<T: std::str::FromStr>(s: &str) -> Result<T, String>
where
    T::Err: std::fmt::Display,
{
    s.parse().map_err(|e: T::Err| e.to_string())
}

/// `assets/chengyu/region.toml` in the working folder, else in the source tree the binary was
/// built from.
fn default_region() -> PathBuf {
    let rel = Path::new("assets/chengyu/region.toml");
    if rel.exists() {
        rel.to_owned()
    } else {
        Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match dispatch(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("citybelt: error: {err:#}");
            let config = err
                .downcast_ref::<citybelt::Error>()
                .is_some_and(citybelt::Error::is_config);
            ExitCode::from(if config { EXIT_CONFIG } else { EXIT_DATA })
        }
    }
}

fn dispatch(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Run(args) => {
            let mut opts = options(&args.input, Some(args.out.clone()), args.precision);
            opts.formats.clone_from(&args.format);
            opts.map_png = !args.no_png;
            let outcome = run(&opts)?;
            for note in &outcome.notes {
                eprintln!("citybelt: note: {note}");
            }
            if args.json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&summary_json(outcome.results()))?
                );
            } else {
                print!("{}", report(&outcome));
                let t = outcome.timings;
                println!(
                    "Wrote {} files to {} (load {:.0} ms, index {:.0} ms, analyse {:.0} ms, export {:.0} ms)",
                    outcome.written.len(),
                    args.out.display(),
                    t.load.as_secs_f64() * 1e3,
                    t.index.as_secs_f64() * 1e3,
                    t.analyse.as_secs_f64() * 1e3,
                    t.export.as_secs_f64() * 1e3,
                );
            }
        }
        Command::Count(args) => count_command(&args)?,
        Command::Check(input) => {
            let outcome = run(&options(&input, None, None))?;
            println!(
                "Inputs:\n  boundaries  {}: {}\n  towns       {}: {}",
                outcome.boundaries.path.display(),
                outcome.boundaries.source,
                outcome.towns.path.display(),
                outcome.towns.source
            );
            print!("{}", report(&outcome));
            println!("Configuration and inputs are valid; nothing was written.");
        }
    }
    Ok(())
}

fn options(input: &InputArgs, out: Option<PathBuf>, precision: Option<u8>) -> RunOptions {
    let both = ReadSettings {
        format: input.input_format,
        crs: input.crs.clone(),
        datum: input.datum,
        encoding: input.encoding,
    };
    let towns = ReadSettings {
        format: input.towns_format,
        crs: input.towns_crs.clone(),
        datum: input.towns_datum,
        encoding: input.towns_encoding,
    };
    RunOptions {
        config: input.region.clone(),
        boundaries: input.boundaries.clone(),
        towns: input.towns.clone(),
        partial: input.partial,
        out,
        precision,
        town_settings: towns.or(&both),
        boundary_settings: both,
        load: LoadOptions {
            strict: input.strict,
            skip_bad_rows: input.skip_bad_rows,
        },
        ..RunOptions::default()
    }
}

fn count_command(args: &CountArgs) -> anyhow::Result<()> {
    use std::io::IsTerminal;
    let opts = CountOptions {
        boundaries: BoundaryInput {
            id: args.id_field.clone(),
            name: args.name_field.clone(),
            prefecture_id: String::new(),
            prefecture_name: String::new(),
            ..BoundaryInput::with_path(&args.boundaries)
        },
        points: args.points.clone(),
        lon: args.lon.clone(),
        lat: args.lat.clone(),
        out: Some(args.out.clone()),
        precision: args.precision,
        threads: args.threads,
        grid_cells: args.grid_cells,
    };
    // A progress bar on stderr, only for a person at a terminal.
    let bar = (!args.json && std::io::stderr().is_terminal()).then(|| {
        let bar = indicatif::ProgressBar::new(0);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} counting points {bar:30} {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
            )
            .expect("a valid template"),
        );
        bar
    });
    let started = std::time::Instant::now();
    let outcome = count(&opts, &|done, total| {
        if let Some(bar) = &bar {
            bar.set_length(total);
            bar.set_position(done);
        }
    });
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    let outcome = outcome?;
    let total_s = started.elapsed().as_secs_f64();
    let t = outcome.timings;
    let c = &outcome.counts;
    if args.json {
        let v = serde_json::json!({
            "tool": "citybelt",
            "version": env!("CARGO_PKG_VERSION"),
            "points": c.points,
            "polygons": outcome.boundaries.features.len(),
            "inside": c.points - c.outside,
            "outside": c.outside,
            "on_border": c.on_border,
            "threads": outcome.threads,
            "grid": outcome.grid,
            "total_s": total_s,
            "load_s": t.load.as_secs_f64(),
            "index_s": t.index.as_secs_f64(),
            "join_s": t.count.as_secs_f64(),
            "area_s": t.area.as_secs_f64(),
            "write_s": t.export.as_secs_f64(),
            "out": args.out.display().to_string(),
        });
        println!("{v}");
    } else {
        let secs = t.count.as_secs_f64();
        println!(
            "{} points into {} polygons: {} inside ({} on a border), {} outside",
            c.points,
            outcome.boundaries.features.len(),
            c.points - c.outside,
            c.on_border,
            c.outside
        );
        println!(
            "located in {:.2} s ({:.1} million points/s, {} threads{}); total {:.2} s; wrote {}",
            secs,
            c.points as f64 / secs.max(1e-9) / 1e6,
            outcome.threads,
            if outcome.grid { ", grid" } else { "" },
            total_s,
            args.out.display()
        );
    }
    Ok(())
}

/// The short human report.
fn report(o: &Outcome) -> String {
    use std::fmt::Write;
    let reg = &o.region;
    let an = &o.analysis;
    let s = &an.region.stats;
    let mut r = String::new();
    let n_partial = an
        .counties
        .iter()
        .filter(|c| c.membership == citybelt::config::Membership::Partial)
        .count();
    let _ = writeln!(
        r,
        "{} ({}): {} member counties, {} partial (policy `{}`)",
        reg.info.name_zh,
        reg.info.name_en,
        an.counties.len(),
        n_partial,
        reg.partial_policy
    );
    let _ = writeln!(
        r,
        "  area        {} km² (geodesic, WGS84); outline in {} part(s)",
        thousands(s.area_km2, 1),
        an.region.outline.0.len()
    );
    let kinds: Vec<String> = TownKind::ALL
        .iter()
        .map(|&k| {
            let d = citybelt::analyse::per_10k_km2(s.counts.get(k), s.area_km2);
            format!("{} {} ({d:.1})", k.name_zh(), s.counts.get(k))
        })
        .collect();
    let _ = writeln!(r, "  towns       {} (per 10,000 km²)", kinds.join(" · "));
    let t = &an.totals;
    let _ = writeln!(
        r,
        "  rows        {} read: {} in members, {} in other counties, {} partial left out, {} outside; {} not counted by status",
        t.rows, t.member, t.non_member, t.partial_excluded, t.outside, t.excluded_by_status
    );
    let names: Vec<&str> = reg.density_kinds.iter().map(|k| k.name_zh()).collect();
    let _ = writeln!(
        r,
        "  density     {:.1} towns per 10,000 km² ({}: {} towns, {} seats merged)",
        s.towns_per_10k_km2,
        names.join(" + "),
        s.density_towns,
        s.seats_merged
    );
    for c in &an.region.references {
        let rf = &reg.references[c.reference];
        let kinds: Vec<&str> = rf.kinds.iter().map(|k| k.name_zh()).collect();
        let _ = writeln!(
            r,
            "  vs {} {:.1} ({}, {}) → region {:.1}, {:.2}×",
            pad(&rf.name_zh, 9),
            c.reference_towns_per_10k_km2,
            kinds.join(" + "),
            rf.year,
            c.region_towns_per_10k_km2,
            c.ratio
        );
    }
    if !an.belts.is_empty() {
        let _ = writeln!(r, "Belts and zones (towns per 10,000 km²):");
        for b in &an.belts {
            let belt = &reg.belts[b.belt];
            let _ = writeln!(
                r,
                "  {} {:<10} {:>3} counties {:>10} km² {:>7.1}{}",
                pad(&belt.spec.name_zh, 16),
                belt.spec.kind.as_str(),
                belt.members.len(),
                thousands(b.stats.area_km2, 0),
                b.stats.towns_per_10k_km2,
                if belt.spec.verified {
                    ""
                } else {
                    "  (unverified)"
                }
            );
        }
    }
    if !an.warnings.is_empty() {
        let _ = writeln!(r, "Warnings:");
        for w in &an.warnings {
            let _ = writeln!(r, "  - [{}] {}", w.code, w.message);
        }
    }
    r
}

/// Pads `s` with spaces to `width` terminal columns, counting CJK characters as two.
fn pad(s: &str, width: usize) -> String {
    let cols: usize = s
        .chars()
        .map(|c| {
            if ('\u{2E80}'..='\u{FFEF}').contains(&c) {
                2
            } else {
                1
            }
        })
        .sum();
    format!("{s}{}", " ".repeat(width.saturating_sub(cols)))
}

/// `185234.5` → `185,234.5`.
fn thousands(v: f64, decimals: usize) -> String {
    let s = format!("{v:.decimals$}");
    let (int, frac) = s
        .split_once('.')
        .map_or((s.as_str(), None), |(i, f)| (i, Some(f)));
    let mut out = String::new();
    for (i, ch) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    if let Some(f) = frac {
        out.push('.');
        out.push_str(f);
    }
    out
}
