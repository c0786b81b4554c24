//! Exporters: the layers in GeoJSON (RFC 7946), GeoPackage 1.3, Shapefile and FlatGeobuf;
//! QGIS styles (`.qml` beside the files and in the GeoPackage's `layer_styles`); a QGIS
//! project; a map picture (`map.svg`, and `map.png` with the `png` feature and a CJK font);
//! and the summary tables (CSV, JSON).
//!
//! Every format is built from the same [`Layer`]s ([`layers`]), so property names, types and
//! values agree across formats (the Shapefile's field names are cut to 10 bytes by the
//! documented mapping of [`field_names`]). Everything is written into a
//! staging folder and renamed into place at the end (see [`Staging`]), so a failed run
//! leaves no partial file.

mod atomic;
mod fgb;
mod geojson;
mod gpkg;
mod layers;
mod map;
#[cfg(feature = "png")]
mod png;
mod qgis;
mod shapefile;
mod style;
mod summary;

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

pub use self::atomic::Staging;
pub use self::fgb::write_fgb;
pub use self::geojson::{
    belt_features, count_features, county_features, region_feature, town_features, write_collection,
};
pub use self::gpkg::{TableStyle, write_gpkg};
pub use self::layers::{
    Column, Feature, FieldType, Geometry, GeometryKind, Layer, LayerRole, layers,
};
pub use self::map::map_svg;
#[cfg(feature = "png")]
pub use self::png::{CJK_FAMILIES, render_png};
pub use self::shapefile::{
    DbfField, MAX_NAME, MAX_TEXT, ShapefileParts, WGS84_PRJ, field_names, write_shapefile,
};
pub use self::style::{
    DENSITY_FIELD, DENSITY_UNIT, FieldMap, QGIS_VERSION, density_classes, jenks_breaks,
    qml_document, style_body,
};
pub use self::summary::{SummaryTable, summary_csv, summary_json, summary_table};

use self::qgis::{ProjectLayer, project};
use crate::analyse::Analysis;
use crate::config::Region;
use crate::error::Result;
use crate::model::{Boundaries, Towns};

/// A format the layers can be written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum OutputFormat {
    /// GeoJSON (RFC 7946), one file per layer: `counties.geojson`, `belts/<id>.geojson`, …
    GeoJson,
    /// One GeoPackage 1.3, `citybelt.gpkg`, holding every layer, the summary and the styles.
    GeoPackage,
    /// ESRI Shapefile, one set per layer under `shp/`.
    Shapefile,
    /// FlatGeobuf with a spatial index, one file per layer: `counties.fgb`, …
    FlatGeobuf,
}

impl OutputFormat {
    /// Every format, in the order of the command line's help.
    pub const ALL: [OutputFormat; 4] = [
        OutputFormat::GeoJson,
        OutputFormat::GeoPackage,
        OutputFormat::Shapefile,
        OutputFormat::FlatGeobuf,
    ];

    /// The name used on the command line: `geojson`, `gpkg`, `shp` or `fgb`.
    pub fn as_str(self) -> &'static str {
        match self {
            OutputFormat::GeoJson => "geojson",
            OutputFormat::GeoPackage => "gpkg",
            OutputFormat::Shapefile => "shp",
            OutputFormat::FlatGeobuf => "fgb",
        }
    }
}

impl fmt::Display for OutputFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error of parsing an [`OutputFormat`]: the text that matched no format.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown output format `{0}` (expected one of geojson, gpkg, shp, fgb)")]
pub struct ParseFormatError(pub String);

impl FromStr for OutputFormat {
    type Err = ParseFormatError;

    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        let lower = s.trim().to_ascii_lowercase();
        match lower.as_str() {
            "geojson" | "json" => Ok(OutputFormat::GeoJson),
            "gpkg" | "geopackage" => Ok(OutputFormat::GeoPackage),
            "shp" | "shapefile" => Ok(OutputFormat::Shapefile),
            "fgb" | "flatgeobuf" => Ok(OutputFormat::FlatGeobuf),
            _ => Err(ParseFormatError(s.to_owned())),
        }
    }
}

/// Output settings.
#[derive(Debug, Clone)]
pub struct ExportOptions {
    /// Decimal places of coordinates in every format (6 ≈ 0.1 m).
    pub precision: u8,
    /// Formats of the layers (repeats are ignored). The summary tables, the styles, the QGIS
    /// project and `map.svg` are written whatever the formats.
    pub formats: Vec<OutputFormat>,
    /// Also rasterise the map to `map.png` (needs the `png` feature and a CJK font; skipped
    /// with a note otherwise).
    pub map_png: bool,
}

impl Default for ExportOptions {
    fn default() -> Self {
        ExportOptions {
            precision: 6,
            formats: vec![OutputFormat::GeoJson],
            map_png: false,
        }
    }
}

/// What [`export`] wrote.
#[derive(Debug, Clone, Default)]
pub struct Exported {
    /// The files, at their final paths.
    pub files: Vec<PathBuf>,
    /// Remarks about the outputs that are not errors: values a format could not hold whole,
    /// a map picture that was skipped and why.
    pub notes: Vec<String>,
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

/// Name of the GeoPackage.
pub const GPKG_FILE: &str = "citybelt.gpkg";
/// Name of the QGIS project.
pub const PROJECT_FILE: &str = "citybelt.qgs";
/// Folder of the Shapefiles.
pub const SHP_DIR: &str = "shp";

/// Writes every layer in every requested format, the styles, the project, the map and the
/// summary tables into `dir`, all or nothing:
///
/// - GeoJSON: `counties.geojson`, `towns.geojson`, `belts.geojson`, `belts/<id>.geojson`,
///   `region.geojson`; FlatGeobuf: the same names with `.fgb`;
/// - GeoPackage: `citybelt.gpkg` with tables `counties`, `towns`, `belts`, `belt_<id>`,
///   `region`, `summary` and `layer_styles`;
/// - Shapefile: `shp/<layer>.{shp,shx,dbf,prj,cpg}` and `shp/<layer>.fields.csv`;
/// - styles: `<layer>.qml` beside the GeoJSON/FlatGeobuf files and `shp/<layer>.qml`
///   (QGIS applies a `.qml` of the same name as the default style);
/// - `citybelt.qgs`, `map.svg` (and `map.png`), `summary.csv`, `summary.json`.
///
/// # Errors
/// [`crate::Error::Io`], [`crate::Error::Output`] or a format's error naming the file;
/// nothing is left behind.
pub fn export(dir: &Path, results: Results<'_>, opts: &ExportOptions) -> Result<Exported> {
    let mut stage = Staging::new(dir)?;
    let mut notes = Vec::new();
    let p = opts.precision;
    let mut formats = opts.formats.clone();
    formats.sort();
    formats.dedup();
    let has = |f: OutputFormat| formats.contains(&f);
    let layers = layers(results, p);
    let classes = layers
        .iter()
        .find(|l| l.role == LayerRole::Counties)
        .map(density_classes)
        .unwrap_or_default();
    let identity = FieldMap::new();
    let style = |l: &Layer, fields: &FieldMap| style_body(l, results, &classes, fields);

    if has(OutputFormat::GeoJson) {
        for l in &layers {
            let name = match l.role {
                // Kept as before: the belt id names its own collection.
                LayerRole::Belt(i) => results.region.belts[i].spec.id.as_str(),
                _ => l.name.as_str(),
            };
            stage.write(format!("{}.geojson", l.stem), |w| {
                write_collection(w, name, &l.features, p)
            })?;
        }
    }
    if has(OutputFormat::FlatGeobuf) {
        for l in &layers {
            let rel = format!("{}.fgb", l.stem);
            let target = stage.target(&rel);
            let mut result = Ok(());
            stage.write(&rel, |w| {
                result = write_fgb(l, w, &target);
                Ok(())
            })?;
            result?;
        }
    }
    if has(OutputFormat::GeoJson) || has(OutputFormat::FlatGeobuf) {
        for l in &layers {
            let qml = qml_document(l, &style(l, &identity));
            stage.write(format!("{}.qml", l.stem), |w| w.write_all(qml.as_bytes()))?;
        }
    }
    let mut shp_fields: HashMap<String, FieldMap> = HashMap::new();
    if has(OutputFormat::Shapefile) {
        for l in &layers {
            let stem = format!("{SHP_DIR}/{}", l.stem);
            let parts = write_shapefile(l, &stage.target(format!("{stem}.shp")))?;
            for f in parts.fields.iter().filter(|f| f.cut_values > 0) {
                notes.push(format!(
                    "{stem}.dbf: {} value(s) of `{}` longer than {MAX_TEXT} bytes were cut (a Shapefile limit; the other formats keep them whole)",
                    f.cut_values, f.property
                ));
            }
            let fields: FieldMap = parts
                .fields
                .iter()
                .map(|f| (f.property.clone(), f.field.clone()))
                .collect();
            let qml = qml_document(l, &style(l, &fields));
            let fields_csv = parts.fields_csv();
            let files: [(&str, &[u8]); 7] = [
                ("shp", &parts.shp),
                ("shx", &parts.shx),
                ("dbf", &parts.dbf),
                ("prj", WGS84_PRJ.as_bytes()),
                ("cpg", b"UTF-8"),
                ("fields.csv", fields_csv.as_bytes()),
                ("qml", qml.as_bytes()),
            ];
            for (ext, bytes) in files {
                stage.write(format!("{stem}.{ext}"), |w| w.write_all(bytes))?;
            }
            shp_fields.insert(l.name.clone(), fields);
        }
    }
    let summary = summary_table(results);
    if has(OutputFormat::GeoPackage) {
        let styles: Vec<TableStyle> = layers
            .iter()
            .map(|l| TableStyle {
                table: l.name.clone(),
                name: format!("citybelt {}", l.name),
                qml: qml_document(l, &style(l, &identity)),
            })
            .collect();
        let target = stage.target(GPKG_FILE);
        stage.write_path(GPKG_FILE, |tmp| {
            write_gpkg(tmp, &target, &layers, &summary, &styles)
        })?;
    }
    stage.write("summary.csv", |w| summary_csv(w, results))?;
    stage.write("summary.json", |w| {
        serde_json::to_writer_pretty(&mut *w, &summary_json(results))?;
        w.write_all(b"\n")
    })?;

    // The project opens the first of these that was written.
    let source = [
        OutputFormat::GeoPackage,
        OutputFormat::FlatGeobuf,
        OutputFormat::GeoJson,
        OutputFormat::Shapefile,
    ]
    .into_iter()
    .find(|&f| has(f));
    if let Some(format) = source {
        let qgs = project_document(results, &layers, format, &shp_fields, &style);
        stage.write(PROJECT_FILE, |w| w.write_all(qgs.as_bytes()))?;
    }

    let svg = map_svg(results, &layers, &classes);
    stage.write("map.svg", |w| w.write_all(svg.as_bytes()))?;
    if opts.map_png {
        #[cfg(feature = "png")]
        match render_png(&svg) {
            Ok(png) => stage.write("map.png", |w| w.write_all(&png))?,
            Err(why) => notes.push(format!("map.png not written: {why}")),
        }
        #[cfg(not(feature = "png"))]
        notes.push("map.png not written: citybelt was built without the `png` feature".into());
    }
    Ok(Exported {
        files: stage.commit()?,
        notes,
    })
}

/// The QGIS project over the layers as written in `format`.
fn project_document<'a>(
    r: Results<'_>,
    layers: &'a [Layer],
    format: OutputFormat,
    shp_fields: &HashMap<String, FieldMap>,
    style: &dyn Fn(&Layer, &FieldMap) -> String,
) -> String {
    let identity = FieldMap::new();
    let fields_of = |l: &Layer| match format {
        OutputFormat::Shapefile => shp_fields.get(&l.name).unwrap_or(&identity),
        _ => &identity,
    };
    let source_of = |l: &Layer| match format {
        OutputFormat::GeoPackage => format!("./{GPKG_FILE}|layername={}", l.name),
        OutputFormat::FlatGeobuf => format!("./{}.fgb", l.stem),
        OutputFormat::GeoJson => format!("./{}.geojson", l.stem),
        OutputFormat::Shapefile => format!("./{SHP_DIR}/{}.shp", l.stem),
    };
    let entry = |l: &'a Layer, visible: bool| ProjectLayer {
        id: format!("citybelt_{}", l.name),
        name: l.title.clone(),
        source: source_of(l),
        layer: Some(l),
        style: style(l, fields_of(l)),
        visible,
        in_belt_group: matches!(l.role, LayerRole::Belt(_)),
    };
    let find = |role: LayerRole| layers.iter().find(|l| l.role == role);
    let mut out = Vec::new();
    if let Some(l) = find(LayerRole::Towns) {
        out.push(entry(l, true));
    }
    if let Some(l) = find(LayerRole::Counties) {
        out.push(ProjectLayer {
            id: "citybelt_cores".into(),
            name: "核心 cores".into(),
            source: format!(
                "{}|subset={}",
                source_of(l),
                style::cores_filter(fields_of(l))
            ),
            layer: Some(l),
            style: style::cores_style_body(),
            visible: true,
            in_belt_group: false,
        });
    }
    if let Some(l) = find(LayerRole::Belts) {
        out.push(entry(l, true));
    }
    for l in layers
        .iter()
        .filter(|l| matches!(l.role, LayerRole::Belt(_)))
    {
        out.push(entry(l, false));
    }
    for role in [LayerRole::Region, LayerRole::Counties] {
        if let Some(l) = find(role) {
            out.push(entry(l, true));
        }
    }
    out.push(ProjectLayer {
        id: "citybelt_summary".into(),
        name: "summary 汇总表".into(),
        source: match format {
            OutputFormat::GeoPackage => format!("./{GPKG_FILE}|layername=summary"),
            _ => "./summary.csv".into(),
        },
        layer: None,
        style: String::new(),
        visible: true,
        in_belt_group: false,
    });
    let view = find(LayerRole::Region).and_then(Layer::bbox);
    project(
        &format!("{} — citybelt", r.region.info.name_zh),
        "各城市带 one layer per belt",
        &out,
        view,
    )
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
    let features = count_features(boundaries, input, counts, areas_km2);
    stage.write(name, |w| write_collection(w, &layer, &features, precision))?;
    Ok(stage.commit()?.remove(0))
}
