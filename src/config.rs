//! The region configuration: everything regional (scope, belts, centres, the town kinds that
//! count, reference densities, input files) lives in one TOML file, so another
//! agglomeration needs only a new file.
//!
//! Reading is two steps, as ripgrep's `LowArgs` → `HiArgs`: [`RegionConfig::from_path`]
//! parses the file as written (unknown keys are errors) and [`RegionConfig::resolve`] checks
//! it against the loaded boundaries and turns every member rule into a list of counties,
//! giving a [`Region`].
//!
//! # Member rules
//!
//! A member list (`scope.members`, `belts[].members`, `centres[].members`) is a list of
//! selectors, each one of:
//!
//! - `{ prefecture = "510100" }`: every county of the prefecture;
//! - `{ prefecture = "511300", districts_only = true }`: only its districts (市辖区, names
//!   ending in `区`);
//! - `{ prefecture = "510700", exclude = ["510726", "510727"] }`: all but the named ones;
//! - `{ counties = ["500101", "500102"] }`: named counties;
//! - in `scope.members` only, `partial = true` marks the selected counties as partial members
//!   (the plan includes only part of them).
//!
//! In the scope, a selector's counties are taken from the boundary file. In belts and centres
//! they are taken from the scope: a prefecture selector keeps the prefecture's counties that
//! are in the scope (and fails if there are none), and a county named explicitly that is not in
//! the scope is an error. When the partial policy is `exclude`, partial members leave the
//! region and every belt and centre.

use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use serde::Deserialize;

use crate::crs::{Crs, Datum};
use crate::error::{Error, Result};
use crate::load::{Format, TextEncoding};
use crate::model::{Boundaries, TownKind};

/// Implements `serde::Deserialize` through `FromStr`, so that a bad value in the region file is
/// reported with the parser's own message and the TOML line.
macro_rules! deserialize_from_str {
    ($($t:ty),*) => {$(
        impl<'de> Deserialize<'de> for $t {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
                String::deserialize(d)?
                    .parse()
                    .map_err(serde::de::Error::custom)
            }
        }
    )*};
}

deserialize_from_str!(Crs, Datum, Format, TextEncoding);

/// The region configuration file as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegionFile {
    /// Name and source of the region.
    pub region: RegionInfo,
    /// Default input files and how to read them.
    pub inputs: Inputs,
    /// Which counties form the region.
    pub scope: Scope,
    /// The belts, dense zones and axes.
    #[serde(default)]
    pub belts: Vec<BeltSpec>,
    /// The cores and other centres of the city hierarchy.
    #[serde(default)]
    pub centres: Vec<CentreSpec>,
    /// What counts as a town for the density indicator.
    pub density: DensitySpec,
    /// Reference densities the region is compared with.
    #[serde(default)]
    pub references: Vec<Reference>,
    /// Output defaults.
    #[serde(default)]
    pub output: OutputSpec,
}

/// Identity of the region.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegionInfo {
    /// Short machine id, e.g. `chengyu`.
    pub id: String,
    /// Chinese name, e.g. `成渝城市群`.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
    /// Where the definition comes from (plan title and document number).
    #[serde(default)]
    pub source: String,
    /// Data credits printed on the map (`map.svg`), e.g. the sources and licences of the
    /// boundary and town files.
    #[serde(default)]
    pub attribution: String,
}

/// Default input files, relative to the configuration file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Inputs {
    /// County boundaries.
    pub boundaries: BoundaryInput,
    /// Town points.
    pub towns: TownInput,
}

/// Where the boundaries are, how to read them and which properties hold what.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BoundaryInput {
    /// Polygons and MultiPolygons in any format of [`Format`] (GeoJSON, Shapefile,
    /// GeoPackage), relative to the configuration file. `file.gpkg:layer` names a GeoPackage
    /// layer.
    pub path: PathBuf,
    /// The format, when the extension does not tell it.
    #[serde(default)]
    pub format: Option<Format>,
    /// The GeoPackage layer (by default the file's only feature layer).
    #[serde(default)]
    pub layer: Option<String>,
    /// The CRS of the coordinates, overriding what the file says (`.prj`, GeoJSON `crs`,
    /// GeoPackage `srs_id`); when neither says, WGS84 is assumed with a warning.
    #[serde(default)]
    pub crs: Option<Crs>,
    /// A web-map offset to remove (`gcj02`, `bd09`); none by default.
    #[serde(default)]
    pub datum: Option<Datum>,
    /// The text encoding of the attributes (a Shapefile's `.dbf`), overriding the `.cpg` and
    /// the `.dbf`'s language driver; when neither says, it is guessed (UTF-8, else GBK).
    #[serde(default)]
    pub encoding: Option<TextEncoding>,
    /// Property holding the unique county id.
    #[serde(default = "BoundaryInput::default_id")]
    pub id: String,
    /// Property holding the county name.
    #[serde(default = "BoundaryInput::default_name")]
    pub name: String,
    /// Property holding the prefecture id; empty when the file has none.
    #[serde(default = "BoundaryInput::default_prefecture_id")]
    pub prefecture_id: String,
    /// Property holding the prefecture name; empty when the file has none.
    #[serde(default = "BoundaryInput::default_prefecture_name")]
    pub prefecture_name: String,
}

impl BoundaryInput {
    fn default_id() -> String {
        "adcode".into()
    }
    fn default_name() -> String {
        "name".into()
    }
    fn default_prefecture_id() -> String {
        "prefecture_adcode".into()
    }
    fn default_prefecture_name() -> String {
        "prefecture_name".into()
    }

    /// The field mapping of the shipped data, with the given path; everything else read from
    /// the file.
    pub fn with_path(path: impl Into<PathBuf>) -> Self {
        BoundaryInput {
            path: path.into(),
            format: None,
            layer: None,
            crs: None,
            datum: None,
            encoding: None,
            id: Self::default_id(),
            name: Self::default_name(),
            prefecture_id: Self::default_prefecture_id(),
            prefecture_name: Self::default_prefecture_name(),
        }
    }
}

/// Where the towns are, how to read them and which columns hold what.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TownInput {
    /// Points in any format of [`Format`] (CSV with a header row, GeoJSON, Shapefile,
    /// GeoPackage), relative to the configuration file. `file.gpkg:layer` names a GeoPackage
    /// layer.
    pub path: PathBuf,
    /// The format, when the extension does not tell it.
    #[serde(default)]
    pub format: Option<Format>,
    /// The GeoPackage layer (by default the file's only feature layer).
    #[serde(default)]
    pub layer: Option<String>,
    /// The CRS of the coordinates, overriding what the file says; when neither says, WGS84
    /// is assumed with a warning.
    #[serde(default)]
    pub crs: Option<Crs>,
    /// A web-map offset to remove (`gcj02`, `bd09`); none by default.
    #[serde(default)]
    pub datum: Option<Datum>,
    /// The text encoding (CSV, a Shapefile's `.dbf`); by default declared by the file or
    /// guessed (UTF-8, else GBK).
    #[serde(default)]
    pub encoding: Option<TextEncoding>,
    /// Column holding the town id.
    #[serde(default = "TownInput::default_id")]
    pub id: String,
    /// Column holding the town name.
    #[serde(default = "TownInput::default_name")]
    pub name: String,
    /// Column holding the kind (`county_seat`, `town`, `township`, `street`, `unknown`).
    #[serde(default = "TownInput::default_kind")]
    pub kind: String,
    /// CSV column holding the longitude or easting. When neither this nor `wkt` is set, the
    /// first column named `lon`, `lng`, `long`, `longitude`, `x` or `经度` (any case) is
    /// used.
    #[serde(default)]
    pub lon: Option<String>,
    /// CSV column holding the latitude or northing. By default the first column named `lat`,
    /// `latitude`, `y` or `纬度` (any case).
    #[serde(default)]
    pub lat: Option<String>,
    /// CSV column holding the position as WKT (`POINT (104.1 30.6)`), instead of `lon` and
    /// `lat`. By default a column named `wkt`, `geometry`, `geom` or `the_geom` is used when no
    /// coordinate columns are found.
    #[serde(default)]
    pub wkt: Option<String>,
    /// Optional column holding a status (e.g. `status_2023`).
    #[serde(default)]
    pub status: Option<String>,
    /// Towns whose status is one of these are kept in the towns layer but not counted
    /// (e.g. `["gone"]` for units abolished since the data's vintage).
    #[serde(default)]
    pub exclude_status: Vec<String>,
}

impl TownInput {
    fn default_id() -> String {
        "id".into()
    }
    fn default_name() -> String {
        "name_zh".into()
    }
    fn default_kind() -> String {
        "kind".into()
    }

    /// The column mapping of the shipped data, with the given path, coordinate columns found
    /// by name, no status filter, and everything else read from the file.
    pub fn with_path(path: impl Into<PathBuf>) -> Self {
        TownInput {
            path: path.into(),
            format: None,
            layer: None,
            crs: None,
            datum: None,
            encoding: None,
            id: Self::default_id(),
            name: Self::default_name(),
            kind: Self::default_kind(),
            lon: None,
            lat: None,
            wkt: None,
            status: None,
            exclude_status: Vec::new(),
        }
    }
}

/// What to do with members the plan includes only in part.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PartialPolicy {
    /// Count partial members whole, flagged as `partial` in every output.
    #[default]
    Include,
    /// Leave partial members out of the region, its belts and its centres.
    Exclude,
}

impl PartialPolicy {
    /// `include` or `exclude`.
    pub fn as_str(self) -> &'static str {
        match self {
            PartialPolicy::Include => "include",
            PartialPolicy::Exclude => "exclude",
        }
    }
}

impl fmt::Display for PartialPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for PartialPolicy {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        match s {
            "include" => Ok(PartialPolicy::Include),
            "exclude" => Ok(PartialPolicy::Exclude),
            _ => Err(format!("`{s}`: expected `include` or `exclude`")),
        }
    }
}

/// Which counties form the region.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scope {
    /// Policy for members marked `partial`.
    #[serde(default)]
    pub partial_policy: PartialPolicy,
    /// Where the scope comes from.
    #[serde(default)]
    pub source: String,
    /// Whether the scope was checked against the source text.
    #[serde(default)]
    pub verified: bool,
    /// Member rules (see the module docs).
    pub members: Vec<Selector>,
}

/// One member rule (see the module docs).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Selector {
    /// A prefecture id: select its counties.
    #[serde(default)]
    pub prefecture: Option<String>,
    /// Named county ids.
    #[serde(default)]
    pub counties: Option<Vec<String>>,
    /// With `prefecture`: only its districts (names ending in `区`).
    #[serde(default)]
    pub districts_only: bool,
    /// With `prefecture`: county ids to leave out.
    #[serde(default)]
    pub exclude: Vec<String>,
    /// In the scope only: the selected counties are partial members.
    #[serde(default)]
    pub partial: bool,
}

/// What a belt-like area is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BeltKind {
    /// A city belt (城市带).
    Belt,
    /// A dense town zone (城镇密集区).
    DenseZone,
    /// A development axis (发展轴).
    Axis,
}

impl BeltKind {
    /// `belt`, `dense_zone` or `axis`.
    pub fn as_str(self) -> &'static str {
        match self {
            BeltKind::Belt => "belt",
            BeltKind::DenseZone => "dense_zone",
            BeltKind::Axis => "axis",
        }
    }
}

/// A belt, dense zone or axis as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BeltSpec {
    /// Short machine id, also the file name of its layer (`belts/<id>.geojson`).
    pub id: String,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
    /// What it is.
    pub kind: BeltKind,
    /// Whether it is analysed (an optional area can be switched off).
    #[serde(default = "yes")]
    pub enabled: bool,
    /// Where the member list comes from.
    pub source: String,
    /// Whether the member list was checked against the source text.
    pub verified: bool,
    /// Free-text remark shown in the outputs.
    #[serde(default)]
    pub note: String,
    /// Member rules.
    pub members: Vec<Selector>,
}

fn yes() -> bool {
    true
}

/// A centre of the city hierarchy (core, regional centre, node city) as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CentreSpec {
    /// Short machine id.
    pub id: String,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
    /// Level in the hierarchy, e.g. `core`, `regional_centre`, `node`.
    pub level: String,
    /// Where it comes from.
    pub source: String,
    /// Whether it was checked against the source text.
    pub verified: bool,
    /// The counties that make up the centre's urban area.
    pub members: Vec<Selector>,
}

/// What counts as a town for the density indicator.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DensitySpec {
    /// Kinds counted, e.g. `["county_seat", "town"]` for 县城（区）和建制镇.
    pub kinds: Vec<TownKind>,
    /// A county seat lying within this distance of a counted point of another kind in the
    /// same county is taken to be that town and counted once. 0 turns merging off.
    ///
    /// # Units
    /// metres (haversine distance)
    #[serde(default)]
    pub seat_merge_m: f64,
}

/// A reference density, derived from an official count and area.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reference {
    /// Short machine id, e.g. `national`.
    pub id: String,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
    /// The kinds the count covers; the region is compared using the same kinds.
    pub kinds: Vec<TownKind>,
    /// Number of towns counted.
    pub towns: u64,
    /// Area the towns were counted over.
    ///
    /// # Units
    /// km²
    pub area_km2: f64,
    /// Year of the count.
    pub year: u32,
    /// Where the figures come from.
    pub source: String,
}

impl Reference {
    /// The reference density.
    ///
    /// # Units
    /// towns per 10,000 km²
    pub fn towns_per_10k_km2(&self) -> f64 {
        crate::analyse::per_10k_km2(self.towns, self.area_km2)
    }
}

/// Output defaults, overridable on the command line.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutputSpec {
    /// Decimal places of coordinates in GeoJSON output (6 ≈ 0.1 m).
    #[serde(default = "OutputSpec::default_precision")]
    pub precision: u8,
}

impl OutputSpec {
    fn default_precision() -> u8 {
        6
    }
}

impl Default for OutputSpec {
    fn default() -> Self {
        OutputSpec {
            precision: Self::default_precision(),
        }
    }
}

/// A region configuration file read from disk.
#[derive(Debug, Clone)]
pub struct RegionConfig {
    /// The file it was read from.
    pub path: PathBuf,
    /// Its contents.
    pub file: RegionFile,
}

/// Whether a county belongs to the region whole or in part.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Membership {
    /// The whole county is in the region.
    Full,
    /// The plan includes only part of it.
    Partial,
}

impl Membership {
    /// `full` or `partial`.
    pub fn as_str(self) -> &'static str {
        match self {
            Membership::Full => "full",
            Membership::Partial => "partial",
        }
    }
}

/// A member county of the region.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Member {
    /// Index into [`Boundaries::features`].
    pub boundary: usize,
    /// Whole or partial.
    pub membership: Membership,
}

/// A belt, dense zone or axis resolved to counties.
#[derive(Debug, Clone)]
pub struct Belt {
    /// The specification as written.
    pub spec: BeltSpec,
    /// Indices into [`Boundaries::features`] of its counties in the region, sorted by id.
    pub members: Vec<usize>,
    /// Partial counties the member rules selected but the `exclude` policy removed.
    pub dropped_partial: Vec<usize>,
}

/// A centre resolved to counties.
#[derive(Debug, Clone)]
pub struct Centre {
    /// The specification as written.
    pub spec: CentreSpec,
    /// Indices into [`Boundaries::features`] of its counties in the region.
    pub members: Vec<usize>,
}

/// A region configuration checked against the boundaries.
#[derive(Debug, Clone)]
pub struct Region {
    /// The configuration file.
    pub path: PathBuf,
    /// Identity of the region.
    pub info: RegionInfo,
    /// The partial policy in force.
    pub partial_policy: PartialPolicy,
    /// Where the scope comes from.
    pub scope_source: String,
    /// Whether the scope was checked against the source.
    pub scope_verified: bool,
    /// Member counties in the region (partial ones only under `include`), sorted by id.
    pub members: Vec<Member>,
    /// Partial members left out by the `exclude` policy.
    pub excluded_partial: Vec<usize>,
    /// Enabled belts, dense zones and axes, in file order.
    pub belts: Vec<Belt>,
    /// Centres, in file order.
    pub centres: Vec<Centre>,
    /// Kinds counted by the density indicator.
    pub density_kinds: Vec<TownKind>,
    /// Seat-merge distance (see [`DensitySpec::seat_merge_m`]).
    ///
    /// # Units
    /// metres
    pub seat_merge_m: f64,
    /// Reference densities.
    pub references: Vec<Reference>,
    /// Town statuses that are kept but not counted (see [`TownInput::exclude_status`]).
    pub exclude_status: Vec<String>,
}

impl RegionConfig {
    /// Reads and parses a region configuration file. Unknown keys are errors.
    ///
    /// # Errors
    /// [`Error::Io`] if the file cannot be read, [`Error::ConfigSyntax`] if it is not valid
    /// TOML of the expected shape.
    pub fn from_path(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, "cannot read", e))?;
        Self::from_toml(path, &text)
    }

    /// Parses configuration text; `path` is used in messages and to resolve input paths.
    ///
    /// # Errors
    /// [`Error::ConfigSyntax`] if the text is not valid TOML of the expected shape.
    pub fn from_toml(path: impl Into<PathBuf>, text: &str) -> Result<Self> {
        let path = path.into();
        let file: RegionFile = toml::from_str(text).map_err(|e| Error::ConfigSyntax {
            path: path.clone(),
            source: Box::new(e),
        })?;
        let cfg = RegionConfig { path, file };
        cfg.check_static()?;
        Ok(cfg)
    }

    /// The folder input paths are relative to.
    pub fn base_dir(&self) -> &Path {
        self.path.parent().unwrap_or(Path::new("."))
    }

    /// The boundary input with its path made relative to the working directory.
    pub fn boundary_input(&self) -> BoundaryInput {
        let mut input = self.file.inputs.boundaries.clone();
        input.path = self.base_dir().join(&input.path);
        input
    }

    /// The town input with its path made relative to the working directory.
    pub fn town_input(&self) -> TownInput {
        let mut input = self.file.inputs.towns.clone();
        input.path = self.base_dir().join(&input.path);
        input
    }

    fn err(&self, key: impl Into<String>, message: impl Into<String>) -> Error {
        Error::Config {
            path: self.path.clone(),
            key: key.into(),
            message: message.into(),
        }
    }

    /// Checks what can be checked without the boundaries.
    fn check_static(&self) -> Result<()> {
        let f = &self.file;
        if f.density.kinds.is_empty() {
            return Err(self.err("density.kinds", "expected at least one town kind"));
        }
        if !(f.density.seat_merge_m >= 0.0 && f.density.seat_merge_m.is_finite()) {
            return Err(self.err(
                "density.seat_merge_m",
                format!(
                    "expected a distance ≥ 0 in metres, found {}",
                    f.density.seat_merge_m
                ),
            ));
        }
        if f.output.precision > 15 {
            return Err(self.err("output.precision", "expected 0 to 15 decimal places"));
        }
        let mut ids = BTreeSet::new();
        for (i, b) in f.belts.iter().enumerate() {
            if !is_file_safe(&b.id) {
                return Err(self.err(
                    format!("belts[{i}].id"),
                    format!(
                        "`{}`: expected letters, digits, `_` or `-` (it names a file)",
                        b.id
                    ),
                ));
            }
            if !ids.insert(b.id.as_str()) {
                return Err(self.err(
                    format!("belts[{i}].id"),
                    format!("duplicate belt id `{}`", b.id),
                ));
            }
        }
        for (i, r) in f.references.iter().enumerate() {
            if r.kinds.is_empty() || r.towns == 0 || r.area_km2.is_nan() || r.area_km2 <= 0.0 {
                return Err(self.err(
                    format!("references[{i}] ({})", r.id),
                    "expected non-empty kinds, towns > 0 and area_km2 > 0",
                ));
            }
        }
        Ok(())
    }

    /// Checks the configuration against the boundaries and resolves every member rule.
    ///
    /// `policy` overrides the file's partial policy when given.
    ///
    /// # Errors
    /// [`Error::Config`] naming the key when a code matches no boundary, a belt or centre
    /// names a county outside the scope, a rule is malformed, or a county is selected twice
    /// in the scope.
    pub fn resolve(
        &self,
        boundaries: &Boundaries,
        policy: Option<PartialPolicy>,
    ) -> Result<Region> {
        let f = &self.file;
        let policy = policy.unwrap_or(f.scope.partial_policy);
        let by_id: HashMap<&str, usize> = boundaries
            .features
            .iter()
            .enumerate()
            .map(|(i, b)| (b.id.as_str(), i))
            .collect();

        // The scope: every selected county with its membership.
        let mut scope: HashMap<usize, Membership> = HashMap::new();
        if f.scope.members.is_empty() {
            return Err(self.err("scope.members", "expected at least one member rule"));
        }
        for (i, sel) in f.scope.members.iter().enumerate() {
            let key = format!("scope.members[{i}]");
            let universe: Vec<usize> = (0..boundaries.features.len()).collect();
            let picked = self.select(
                &key,
                sel,
                boundaries,
                &by_id,
                &universe,
                "the boundary file",
            )?;
            let membership = if sel.partial {
                Membership::Partial
            } else {
                Membership::Full
            };
            for b in picked {
                if scope.insert(b, membership).is_some() {
                    return Err(self.err(
                        key.clone(),
                        format!(
                            "county {} is selected by more than one scope rule",
                            boundaries.features[b].id
                        ),
                    ));
                }
            }
        }
        let mut in_scope: Vec<usize> = scope.keys().copied().collect();
        in_scope.sort_by(|&a, &b| boundaries.features[a].id.cmp(&boundaries.features[b].id));
        let active = |b: &usize| policy == PartialPolicy::Include || scope[b] == Membership::Full;

        let members = in_scope
            .iter()
            .filter(|b| active(b))
            .map(|&b| Member {
                boundary: b,
                membership: scope[&b],
            })
            .collect();
        let excluded_partial = in_scope.iter().copied().filter(|b| !active(b)).collect();

        let mut belts = Vec::new();
        for (i, spec) in f.belts.iter().enumerate() {
            let key = format!("belts[{i}] ({})", spec.id);
            if spec.members.is_empty() {
                return Err(self.err(
                    format!("{key}.members"),
                    "expected at least one member rule",
                ));
            }
            let mut all = BTreeSet::new();
            for (j, sel) in spec.members.iter().enumerate() {
                if sel.partial {
                    return Err(self.err(
                        format!("{key}.members[{j}].partial"),
                        "`partial` belongs in scope.members only",
                    ));
                }
                let picked = self.select(
                    &format!("{key}.members[{j}]"),
                    sel,
                    boundaries,
                    &by_id,
                    &in_scope,
                    "the scope",
                )?;
                all.extend(picked);
            }
            if !spec.enabled {
                continue;
            }
            let (members, dropped_partial) = split_active(all, boundaries, &active);
            belts.push(Belt {
                spec: spec.clone(),
                members,
                dropped_partial,
            });
        }

        let mut centres = Vec::new();
        for (i, spec) in f.centres.iter().enumerate() {
            let key = format!("centres[{i}] ({})", spec.id);
            let mut all = BTreeSet::new();
            for (j, sel) in spec.members.iter().enumerate() {
                let picked = self.select(
                    &format!("{key}.members[{j}]"),
                    sel,
                    boundaries,
                    &by_id,
                    &in_scope,
                    "the scope",
                )?;
                all.extend(picked);
            }
            let (members, _) = split_active(all, boundaries, &active);
            centres.push(Centre {
                spec: spec.clone(),
                members,
            });
        }

        Ok(Region {
            path: self.path.clone(),
            info: f.region.clone(),
            partial_policy: policy,
            scope_source: f.scope.source.clone(),
            scope_verified: f.scope.verified,
            members,
            excluded_partial,
            belts,
            centres,
            density_kinds: f.density.kinds.clone(),
            seat_merge_m: f.density.seat_merge_m,
            references: f.references.clone(),
            exclude_status: f.inputs.towns.exclude_status.clone(),
        })
    }

    /// Resolves one selector to boundary indices, drawing from `universe` (`within` names it
    /// in messages).
    fn select(
        &self,
        key: &str,
        sel: &Selector,
        boundaries: &Boundaries,
        by_id: &HashMap<&str, usize>,
        universe: &[usize],
        within: &str,
    ) -> Result<Vec<usize>> {
        let feats = &boundaries.features;
        let in_universe = |b: usize| universe.contains(&b);
        match (&sel.prefecture, &sel.counties) {
            (Some(pref), None) => {
                if !feats.iter().any(|b| &b.prefecture_id == pref) {
                    return Err(self.err(
                        format!("{key}.prefecture"),
                        format!(
                            "prefecture `{pref}` matches no boundary in {}",
                            boundaries.path.display()
                        ),
                    ));
                }
                for code in &sel.exclude {
                    match by_id.get(code.as_str()) {
                        Some(&b) if &feats[b].prefecture_id == pref => {}
                        Some(_) => {
                            return Err(self.err(
                                format!("{key}.exclude"),
                                format!("county `{code}` is not in prefecture `{pref}`"),
                            ));
                        }
                        None => {
                            return Err(self.err(
                                format!("{key}.exclude"),
                                format!(
                                    "county `{code}` matches no boundary in {}",
                                    boundaries.path.display()
                                ),
                            ));
                        }
                    }
                }
                let picked: Vec<usize> = universe
                    .iter()
                    .copied()
                    .filter(|&b| {
                        let c = &feats[b];
                        &c.prefecture_id == pref
                            && (!sel.districts_only || c.is_district())
                            && !sel.exclude.contains(&c.id)
                    })
                    .collect();
                if picked.is_empty() {
                    return Err(self.err(
                        key,
                        format!("prefecture `{pref}` selects no county of {within}"),
                    ));
                }
                Ok(picked)
            }
            (None, Some(codes)) => {
                if sel.districts_only || !sel.exclude.is_empty() {
                    return Err(self.err(
                        key,
                        "`districts_only` and `exclude` go with `prefecture`, not `counties`",
                    ));
                }
                if codes.is_empty() {
                    return Err(
                        self.err(format!("{key}.counties"), "expected at least one county id")
                    );
                }
                codes
                    .iter()
                    .map(|code| match by_id.get(code.as_str()) {
                        None => Err(self.err(
                            format!("{key}.counties"),
                            format!(
                                "county `{code}` matches no boundary in {}",
                                boundaries.path.display()
                            ),
                        )),
                        Some(&b) if !in_universe(b) => Err(self.err(
                            format!("{key}.counties"),
                            format!("county `{code}` ({}) is not in {within}", feats[b].name),
                        )),
                        Some(&b) => Ok(b),
                    })
                    .collect()
            }
            _ => Err(self.err(key, "expected exactly one of `prefecture` or `counties`")),
        }
    }
}

/// Splits selected counties into those active under the policy and dropped partial ones,
/// each sorted by id.
fn split_active(
    all: BTreeSet<usize>,
    boundaries: &Boundaries,
    active: &dyn Fn(&usize) -> bool,
) -> (Vec<usize>, Vec<usize>) {
    let (mut kept, mut dropped): (Vec<usize>, Vec<usize>) =
        all.into_iter().partition(|b| active(b));
    let by_id = |a: &usize, b: &usize| boundaries.features[*a].id.cmp(&boundaries.features[*b].id);
    kept.sort_by(by_id);
    dropped.sort_by(by_id);
    (kept, dropped)
}

fn is_file_safe(id: &str) -> bool {
    !id.is_empty()
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

impl Region {
    /// The membership of a boundary, if it is a member in force.
    pub fn membership(&self, boundary: usize) -> Option<Membership> {
        self.members
            .iter()
            .find(|m| m.boundary == boundary)
            .map(|m| m.membership)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::load_boundaries;

    const HEAD: &str = r#"
[region]
id = "t"
name_zh = "测试"
name_en = "Test"
[inputs.boundaries]
path = "grid.geojson"
[inputs.towns]
path = "grid_towns.csv"
[density]
kinds = ["county_seat", "town"]
"#;

    fn grid() -> Boundaries {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/grid.geojson");
        load_boundaries(&BoundaryInput::with_path(path)).unwrap()
    }

    fn resolve(rest: &str) -> Result<Region> {
        let cfg = RegionConfig::from_toml("test.toml", &format!("{HEAD}{rest}"))?;
        cfg.resolve(&grid(), None)
    }

    fn config_error(rest: &str) -> String {
        match resolve(rest) {
            Err(e @ (Error::Config { .. } | Error::ConfigSyntax { .. })) => {
                let mut msg = e.to_string();
                if let Some(src) = std::error::Error::source(&e) {
                    msg.push_str(&format!(": {src}"));
                }
                msg
            }
            other => panic!("expected a configuration error, got {other:?}"),
        }
    }

    fn ids(g: &Boundaries, idx: &[usize]) -> Vec<String> {
        idx.iter().map(|&i| g.features[i].id.clone()).collect()
    }

    #[test]
    fn prefecture_with_exclusion_and_partial_members() {
        let r = resolve(
            r#"[scope]
members = [{ prefecture = "110000", exclude = ["110121"] }, { counties = ["120121"], partial = true }]"#,
        )
        .unwrap();
        let g = grid();
        let got: Vec<(String, Membership)> = r
            .members
            .iter()
            .map(|m| (g.features[m.boundary].id.clone(), m.membership))
            .collect();
        assert_eq!(
            got,
            vec![
                ("110101".into(), Membership::Full),
                ("120121".into(), Membership::Partial)
            ]
        );
    }

    #[test]
    fn exclude_policy_drops_partial_members_from_belts() {
        let cfg = RegionConfig::from_toml(
            "t.toml",
            &format!(
                r#"{HEAD}[scope]
members = [{{ prefecture = "110000" }}, {{ prefecture = "120000", partial = true }}]
[[belts]]
id = "b"
name_zh = "带"
name_en = "b"
kind = "belt"
source = "s"
verified = false
members = [{{ prefecture = "120000" }}, {{ counties = ["110101"] }}]"#
            ),
        )
        .unwrap();
        let g = grid();
        let r = cfg.resolve(&g, Some(PartialPolicy::Exclude)).unwrap();
        assert_eq!(ids(&g, &r.belts[0].members), ["110101"]);
        assert_eq!(ids(&g, &r.belts[0].dropped_partial), ["120101", "120121"]);
        let r = cfg.resolve(&g, Some(PartialPolicy::Include)).unwrap();
        assert_eq!(ids(&g, &r.belts[0].members), ["110101", "120101", "120121"]);
    }

    #[test]
    fn districts_only_keeps_names_ending_in_qu() {
        let r = resolve(
            r#"[scope]
members = [{ prefecture = "110000", districts_only = true }]"#,
        )
        .unwrap();
        assert_eq!(
            ids(
                &grid(),
                &r.members.iter().map(|m| m.boundary).collect::<Vec<_>>()
            ),
            ["110101"]
        );
    }

    #[test]
    fn unknown_key_is_an_error_with_its_line() {
        let msg = config_error(
            "[scope]\nmembers = [{ prefecture = \"110000\" }]\npartial_polcy = \"include\"\n",
        );
        assert!(msg.contains("partial_polcy"), "{msg}");
        assert!(msg.contains("line"), "{msg}");
    }

    /// A scope of 甲市 and one dense zone `zone` with the given member rules.
    fn one_zone(members: &str) -> String {
        format!(
            r#"[scope]
members = [{{ prefecture = "110000" }}]
[[belts]]
id = "zone"
name_zh = "区"
name_en = "z"
kind = "dense_zone"
source = "s"
verified = false
members = {members}"#
        )
    }

    #[test]
    fn unknown_member_code_names_the_code_and_the_belt() {
        let msg = config_error(&one_zone(r#"[{ counties = ["999999"] }]"#));
        assert!(
            msg.contains("999999") && msg.contains("belts[0] (zone)"),
            "{msg}"
        );
    }

    #[test]
    fn belt_member_outside_the_scope_is_an_error() {
        let msg = config_error(&one_zone(r#"[{ counties = ["130101"] }]"#));
        assert!(
            msg.contains("130101") && msg.contains("not in the scope"),
            "{msg}"
        );
    }

    #[test]
    fn malformed_rules_are_errors() {
        for (rest, needle) in [
            (
                r#"members = [{ prefecture = "110000", counties = ["110101"] }]"#,
                "exactly one of",
            ),
            (
                r#"members = [{ counties = ["110101"], districts_only = true }]"#,
                "go with `prefecture`",
            ),
            (
                r#"members = [{ prefecture = "110000", exclude = ["120101"] }]"#,
                "not in prefecture",
            ),
            (
                r#"members = [{ prefecture = "990000" }]"#,
                "matches no boundary",
            ),
            (
                r#"members = [{ prefecture = "110000" }, { counties = ["110101"] }]"#,
                "more than one scope rule",
            ),
        ] {
            let msg = config_error(&format!("[scope]\n{rest}"));
            assert!(msg.contains(needle), "`{rest}` gave: {msg}");
        }
    }

    #[test]
    fn unknown_town_kind_and_bad_policy_are_syntax_errors() {
        let text = format!("{HEAD}[scope]\nmembers = [{{ prefecture = \"110000\" }}]");
        let bad_kind = text.replace("\"town\"]", "\"village\"]");
        let e = RegionConfig::from_toml("t.toml", &bad_kind).unwrap_err();
        assert!(
            std::error::Error::source(&e)
                .unwrap()
                .to_string()
                .contains("unknown town kind `village`")
        );
        let bad_policy = text.replace("[scope]\n", "[scope]\npartial_policy = \"half\"\n");
        assert!(matches!(
            RegionConfig::from_toml("t.toml", &bad_policy),
            Err(Error::ConfigSyntax { .. })
        ));
    }
}
