//! Analyses: geodesic areas, town counts and density at county, prefecture, belt and region
//! level, belt membership and outlines, and the comparison with reference densities.

mod belts;
mod count;
mod density;

use std::collections::BTreeMap;

use geo::{Distance, Haversine, MultiPolygon};

use crate::config::{Membership, Region};
use crate::index::{CountyIndex, Location};
use crate::model::{Boundaries, KindCounts, TownKind, Towns};

pub use self::belts::{OUTLINE_TOLERANCE, dissolve};
pub use self::count::{PointCounts, count_points};
pub use self::density::{AreaStats, area_km2, per_10k_km2};
pub use crate::model::Warning;

/// Where a town stands relative to the region.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placement {
    /// In a member county of the region.
    Member,
    /// In a partial member left out by the `exclude` policy.
    PartialExcluded,
    /// In a county of the boundary file that is not in the region.
    NonMember,
    /// In no county of the boundary file.
    Outside,
}

impl Placement {
    /// `member`, `partial_excluded`, `non_member` or `outside`.
    pub fn as_str(self) -> &'static str {
        match self {
            Placement::Member => "member",
            Placement::PartialExcluded => "partial_excluded",
            Placement::NonMember => "non_member",
            Placement::Outside => "outside",
        }
    }
}

/// What the analysis found for one town (same order as [`Towns::towns`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TownResult {
    /// The county it lies in, by the border rule of [`crate::index`].
    pub location: Location,
    /// Its standing relative to the region.
    pub placement: Placement,
    /// Whether it is counted (its status is not excluded by the configuration).
    pub counted: bool,
    /// For a county seat: whether it was merged with a nearby town and counted once.
    pub merged_seat: bool,
}

/// Figures for one member county.
#[derive(Debug, Clone)]
pub struct CountyResult {
    /// Index into [`Boundaries::features`].
    pub boundary: usize,
    /// Whole or partial member.
    pub membership: Membership,
    /// Area, counts and density.
    pub stats: AreaStats,
    /// Indices into [`Region::belts`] of the belts it belongs to.
    pub belts: Vec<usize>,
    /// Indices into [`Region::centres`] of the centres it belongs to.
    pub centres: Vec<usize>,
    /// Remarks about this county (partial membership, towns on its border, …).
    pub warnings: Vec<String>,
}

/// Figures for one prefecture (its member counties only).
#[derive(Debug, Clone)]
pub struct PrefectureResult {
    /// Prefecture id.
    pub id: String,
    /// Prefecture name.
    pub name: String,
    /// Indices into [`Analysis::counties`].
    pub counties: Vec<usize>,
    /// Area, counts and density over its member counties.
    pub stats: AreaStats,
}

/// Figures for one belt, dense zone or axis.
#[derive(Debug, Clone)]
pub struct BeltResult {
    /// Index into [`Region::belts`].
    pub belt: usize,
    /// Area (sum of members), counts and density.
    pub stats: AreaStats,
    /// The dissolved outline of its members.
    pub outline: MultiPolygon<f64>,
    /// Geodesic area of the outline, which should equal `stats.area_km2`.
    ///
    /// # Units
    /// km²
    pub outline_area_km2: f64,
}

/// The region's density next to a reference density, for the reference's kinds.
#[derive(Debug, Clone)]
pub struct ReferenceComparison {
    /// Index into [`Region::references`].
    pub reference: usize,
    /// The region's density counted with the reference's kinds.
    ///
    /// # Units
    /// towns per 10,000 km²
    pub region_towns_per_10k_km2: f64,
    /// The reference density.
    ///
    /// # Units
    /// towns per 10,000 km²
    pub reference_towns_per_10k_km2: f64,
    /// `region / reference`.
    pub ratio: f64,
}

/// Figures for the whole region.
#[derive(Debug, Clone)]
pub struct RegionResult {
    /// Area (sum of members), counts and density.
    pub stats: AreaStats,
    /// The dissolved outline of all members (a MultiPolygon when the region has exclaves).
    pub outline: MultiPolygon<f64>,
    /// Geodesic area of the outline.
    ///
    /// # Units
    /// km²
    pub outline_area_km2: f64,
    /// Comparisons with each reference density.
    pub references: Vec<ReferenceComparison>,
}

/// Totals over all town rows, for the conservation check: `placed + outside == rows`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TownTotals {
    /// Rows read.
    pub rows: u64,
    /// Rows in member counties.
    pub member: u64,
    /// Rows in partial members left out by the policy.
    pub partial_excluded: u64,
    /// Rows in counties of the boundary file outside the region.
    pub non_member: u64,
    /// Rows in no county.
    pub outside: u64,
    /// Rows placed by the border rule on a county boundary.
    pub on_border: u64,
    /// Rows not counted because of their status.
    pub excluded_by_status: u64,
}

/// Everything the analysis computed.
#[derive(Debug, Clone)]
pub struct Analysis {
    /// One entry per member county, sorted by id.
    pub counties: Vec<CountyResult>,
    /// One entry per prefecture with members, sorted by id.
    pub prefectures: Vec<PrefectureResult>,
    /// One entry per enabled belt, in configuration order.
    pub belts: Vec<BeltResult>,
    /// The region.
    pub region: RegionResult,
    /// One entry per input town, in input order.
    pub towns: Vec<TownResult>,
    /// Totals over the town rows.
    pub totals: TownTotals,
    /// Remarks, one per kind: those of the loaders (boundaries, then towns) first, then the
    /// analysis's own.
    pub warnings: Vec<Warning>,
}

impl Analysis {
    /// The county result of a boundary index, if it is a member.
    pub fn county_of(&self, boundary: usize) -> Option<&CountyResult> {
        self.counties
            .binary_search_by_key(&boundary, |c| c.boundary)
            .ok()
            .map(|i| &self.counties[i])
    }
}

/// Runs every analysis.
///
/// Towns are located with `index` (built on `boundaries`); only member counties of `region`
/// get figures, but every town is placed and kept.
pub fn analyse(
    region: &Region,
    boundaries: &Boundaries,
    towns: &Towns,
    index: &CountyIndex<'_>,
) -> Analysis {
    let kinds = &region.density_kinds;
    let member_of: BTreeMap<usize, Membership> = region
        .members
        .iter()
        .map(|m| (m.boundary, m.membership))
        .collect();

    // 1. Place every town.
    let excluded_status =
        |s: &Option<String>| -> bool { s.as_ref().is_some_and(|s| region_excludes(region, s)) };
    let mut results: Vec<TownResult> = towns
        .towns
        .iter()
        .map(|t| {
            let location = index.locate(t.position);
            let placement = match location.boundary() {
                None => Placement::Outside,
                Some(b) if member_of.contains_key(&b) => Placement::Member,
                Some(b) if region.excluded_partial.contains(&b) => Placement::PartialExcluded,
                Some(_) => Placement::NonMember,
            };
            TownResult {
                location,
                placement,
                counted: !excluded_status(&t.status),
                merged_seat: false,
            }
        })
        .collect();

    // 2. Merge county seats with a counted town of another density kind nearby.
    let merged_examples = merge_seats(region, towns, &mut results, |b| member_of.contains_key(&b));

    // 3. Per-county counts.
    let mut counts: BTreeMap<usize, (KindCounts, u64, u64)> = BTreeMap::new(); // counts, merged, on border
    let mut totals = TownTotals {
        rows: towns.towns.len() as u64,
        ..TownTotals::default()
    };
    let mut outside_examples = Vec::new();
    for (r, t) in results.iter().zip(&towns.towns) {
        match r.placement {
            Placement::Member => totals.member += 1,
            Placement::PartialExcluded => totals.partial_excluded += 1,
            Placement::NonMember => totals.non_member += 1,
            Placement::Outside => {
                totals.outside += 1;
                if outside_examples.len() < 3 {
                    outside_examples.push(format!("{} {} (line {})", t.id, t.name, t.line));
                }
            }
        }
        if matches!(
            r.location,
            Location::In {
                on_border: true,
                ..
            }
        ) {
            totals.on_border += 1;
        }
        if !r.counted {
            totals.excluded_by_status += 1;
        }
        if let (Placement::Member, true, Some(b)) = (r.placement, r.counted, r.location.boundary())
        {
            let e = counts.entry(b).or_default();
            e.0.add(t.kind);
            e.1 += u64::from(r.merged_seat);
            e.2 += u64::from(matches!(
                r.location,
                Location::In {
                    on_border: true,
                    ..
                }
            ));
        }
    }

    // 4. Counties.
    let counties: Vec<CountyResult> = region
        .members
        .iter()
        .map(|m| {
            let b = &boundaries.features[m.boundary];
            let (c, merged, border) = counts.get(&m.boundary).copied().unwrap_or_default();
            let mut warnings = Vec::new();
            if m.membership == Membership::Partial {
                warnings.push(format!(
                    "partial member counted whole (policy `include`): the plan includes only part of {}",
                    b.name
                ));
            }
            if border > 0 {
                warnings.push(format!("{border} town(s) on its border assigned here by the smallest-id rule"));
            }
            CountyResult {
                boundary: m.boundary,
                membership: m.membership,
                stats: AreaStats::new(area_km2(&b.geometry), c, merged, kinds),
                belts: (0..region.belts.len())
                    .filter(|&i| region.belts[i].members.contains(&m.boundary))
                    .collect(),
                centres: (0..region.centres.len())
                    .filter(|&i| region.centres[i].members.contains(&m.boundary))
                    .collect(),
                warnings,
            }
        })
        .collect();
    let stats_of = |boundary: usize| -> &AreaStats {
        let i = counties.binary_search_by_key(&boundary, |c| c.boundary);
        &counties[i.expect("belt and centre members are region members")].stats
    };

    // 5. Prefectures.
    let mut by_pref: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, c) in counties.iter().enumerate() {
        by_pref
            .entry(&boundaries.features[c.boundary].prefecture_id)
            .or_default()
            .push(i);
    }
    let prefectures = by_pref
        .into_iter()
        .map(|(id, idx)| {
            let first = &boundaries.features[counties[idx[0]].boundary];
            PrefectureResult {
                id: id.to_owned(),
                name: first.prefecture_name.clone(),
                stats: AreaStats::sum(idx.iter().map(|&i| &counties[i].stats), kinds),
                counties: idx,
            }
        })
        .collect();

    // 6. Belts and the region.
    let mut warnings: Vec<Warning> = boundaries
        .warnings
        .iter()
        .chain(&towns.warnings)
        .cloned()
        .collect();
    let mut belts = Vec::new();
    for (i, belt) in region.belts.iter().enumerate() {
        let stats = AreaStats::sum(belt.members.iter().map(|&b| stats_of(b)), kinds);
        let outline = dissolve(
            belt.members
                .iter()
                .map(|&b| &boundaries.features[b].geometry),
        );
        let outline_area_km2 = area_km2(&outline);
        check_outline(
            &mut warnings,
            &belt.spec.name_zh,
            stats.area_km2,
            outline_area_km2,
        );
        belts.push(BeltResult {
            belt: i,
            stats,
            outline,
            outline_area_km2,
        });
    }
    let stats = AreaStats::sum(counties.iter().map(|c| &c.stats), kinds);
    let outline = dissolve(
        counties
            .iter()
            .map(|c| &boundaries.features[c.boundary].geometry),
    );
    let outline_area_km2 = area_km2(&outline);
    check_outline(
        &mut warnings,
        &region.info.name_zh,
        stats.area_km2,
        outline_area_km2,
    );
    let references = region
        .references
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let region_density = stats.towns_per_10k_km2_for(&r.kinds);
            let reference = r.towns_per_10k_km2();
            ReferenceComparison {
                reference: i,
                region_towns_per_10k_km2: region_density,
                reference_towns_per_10k_km2: reference,
                ratio: region_density / reference,
            }
        })
        .collect();

    // 7. Remarks, one per kind.
    if totals.outside > 0 {
        warnings.push(Warning {
            code: "towns_outside",
            count: totals.outside,
            message: format!(
                "{} town(s) lie in no county of the boundary file; kept in the towns layer with placement `outside` (e.g. {})",
                totals.outside,
                outside_examples.join("; ")
            ),
        });
    }
    if totals.on_border > 0 {
        warnings.push(Warning {
            code: "towns_on_border",
            count: totals.on_border,
            message: format!(
                "{} town(s) lie exactly on a county boundary and went to the county with the smallest id",
                totals.on_border
            ),
        });
    }
    let merged: u64 = counties.iter().map(|c| c.stats.seats_merged).sum();
    if merged > 0 {
        warnings.push(Warning {
            code: "seats_merged",
            count: merged,
            message: format!(
                "{merged} county seat(s) lie within {} m of a counted town of the same county and are counted once (e.g. {})",
                region.seat_merge_m,
                merged_examples.join("; ")
            ),
        });
    }
    let partial: Vec<&str> = counties
        .iter()
        .filter(|c| c.membership == Membership::Partial)
        .map(|c| boundaries.features[c.boundary].name.as_str())
        .collect();
    push_list(
        &mut warnings,
        "partial_included",
        &partial,
        "partial member(s) counted whole (policy `include`)",
    );
    let excluded: Vec<&str> = region
        .excluded_partial
        .iter()
        .map(|&b| boundaries.features[b].name.as_str())
        .collect();
    push_list(
        &mut warnings,
        "partial_excluded",
        &excluded,
        "partial member(s) left out (policy `exclude`)",
    );
    let unverified: Vec<&str> = region
        .belts
        .iter()
        .filter(|b| !b.spec.verified)
        .map(|b| b.spec.name_zh.as_str())
        .collect();
    if !unverified.is_empty() {
        warnings.push(Warning {
            code: "belts_unverified",
            count: unverified.len() as u64,
            message: format!(
                "member lists not verified against the plan text (editorial defaults): {}",
                unverified.join(", ")
            ),
        });
    }

    Analysis {
        counties,
        prefectures,
        belts,
        region: RegionResult {
            stats,
            outline,
            outline_area_km2,
            references,
        },
        towns: results,
        totals,
        warnings,
    }
}

/// Marks every counted county seat lying within `region.seat_merge_m` of a counted town of
/// another density kind in the same county as merged (counted once with it), when the density
/// counts seats and another kind. Returns up to three examples among members (`is_member`).
fn merge_seats(
    region: &Region,
    towns: &Towns,
    results: &mut [TownResult],
    is_member: impl Fn(usize) -> bool,
) -> Vec<String> {
    let kinds = &region.density_kinds;
    let mut examples = Vec::new();
    if !(region.seat_merge_m > 0.0 && kinds.contains(&TownKind::CountySeat) && kinds.len() > 1) {
        return examples;
    }
    let mut by_county: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (i, (r, t)) in results.iter().zip(&towns.towns).enumerate() {
        let candidate = r.counted && t.kind != TownKind::CountySeat && kinds.contains(&t.kind);
        if let (true, Some(b)) = (candidate, r.location.boundary()) {
            by_county.entry(b).or_default().push(i);
        }
    }
    for (r, t) in results.iter_mut().zip(&towns.towns) {
        let (Some(b), true, TownKind::CountySeat) = (r.location.boundary(), r.counted, t.kind)
        else {
            continue;
        };
        let near = by_county.get(&b).into_iter().flatten().find(|&&j| {
            Haversine.distance(t.position, towns.towns[j].position) <= region.seat_merge_m
        });
        if let Some(&j) = near {
            r.merged_seat = true;
            if examples.len() < 3 && is_member(b) {
                examples.push(format!("{} = {}", t.name, towns.towns[j].name));
            }
        }
    }
    examples
}

/// Pushes a warning listing `names` as `<n> <what>: a, b, c`, unless there are none.
fn push_list(warnings: &mut Vec<Warning>, code: &'static str, names: &[&str], what: &str) {
    if !names.is_empty() {
        warnings.push(Warning {
            code,
            count: names.len() as u64,
            message: format!("{} {what}: {}", names.len(), names.join(", ")),
        });
    }
}

fn region_excludes(region: &Region, status: &str) -> bool {
    region.exclude_status.iter().any(|s| s == status)
}

fn check_outline(warnings: &mut Vec<Warning>, name: &str, sum_km2: f64, outline_km2: f64) {
    let rel = (outline_km2 - sum_km2).abs() / sum_km2;
    if rel > OUTLINE_TOLERANCE {
        warnings.push(Warning {
            code: "outline_area_mismatch",
            count: 1,
            message: format!(
                "{name}: outline area {outline_km2:.2} km² differs from the sum of its members {sum_km2:.2} km² by {:.4} % (tolerance {:.2} %)",
                rel * 100.0,
                OUTLINE_TOLERANCE * 100.0
            ),
        });
    }
}
