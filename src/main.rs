//! The `citybelt` command: turns arguments into a [`RunOptions`], runs the pipeline, prints
//! the report, and maps errors to one message and an exit code.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use citybelt::config::PartialPolicy;
use citybelt::export::{OutputFormat, summary_json};
use citybelt::model::TownKind;
use citybelt::pipeline::{Outcome, RunOptions, run};

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
        value_parser = parse_format
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

fn parse_format(s: &str) -> Result<OutputFormat, String> {
    s.parse()
        .map_err(|e: citybelt::export::ParseFormatError| e.to_string())
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
        Command::Check(input) => {
            let outcome = run(&options(&input, None, None))?;
            print!("{}", report(&outcome));
            println!("Configuration and inputs are valid; nothing was written.");
        }
    }
    Ok(())
}

fn options(input: &InputArgs, out: Option<PathBuf>, precision: Option<u8>) -> RunOptions {
    RunOptions {
        config: input.region.clone(),
        boundaries: input.boundaries.clone(),
        towns: input.towns.clone(),
        partial: input.partial,
        out,
        precision,
        ..RunOptions::default()
    }
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
        .map(|&k| format!("{} {}", k.name_zh(), s.counts.get(k)))
        .collect();
    let _ = writeln!(r, "  towns       {}", kinds.join(" · "));
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
